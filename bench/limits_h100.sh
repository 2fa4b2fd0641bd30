#!/usr/bin/env bash
# Where the time goes in the kernels that miss their H100 targets: each kernel beside variants
# with one thing taken out (bench/experiments/variants.py), run through `lab bench --wgsl`.
#
# Run from the repository root on the GPU machine with the native `lab` binary at $LAB (default
# .bench/lab) and the Vulkan loader set up. Writes JSON and logs to $OUT (default ./out) and
# prints one table last (bench/summarize_limits.py). Variants that take work out return wrong
# results on purpose ("NO" in the verified column); only their times are used.
set -uo pipefail
LAB=${LAB:-.bench/lab}
OUT=${OUT:-out}
E=$OUT/experiments
mkdir -p "$OUT"
python3 bench/experiments/variants.py "$E" > /dev/null || exit 1
clocks() { nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader 2>/dev/null; }
n=0
# bench NAME ARGS…: one `lab bench` run, its JSON numbered so the summary keeps this order.
bench() {
  n=$((n + 1))
  local name=$1; shift
  "$LAB" bench "$@" --json "$OUT/$(printf %02d $n)-$name.json" >> "$OUT/log.txt" 2>&1
}
"$LAB" adapters > "$OUT/adapters.txt"; head -1 "$OUT/adapters.txt"
echo "clocks before: $(clocks)"; date -u
bench copy --kernel stream --variant copy --size 1GiB

# GEMV, M = 1: time against weight bytes, and the fixed cost of the dispatches themselves.
rows=256x4096x1,1024x4096x1,4096x4096x1,14336x4096x1,28672x4096x1,57344x4096x1,114688x4096x1
bench gemv-dp4a --kernel gemv --variant q4_0_dp4a --size $rows
bench gemv-dp4a-unchecked --kernel gemv --variant q4_0_dp4a --size $rows --unchecked
bench gemv-q4_0 --kernel gemv --variant q4_0 --size $rows
few=256x4096x1,4096x4096x1,14336x4096x1,114688x4096x1
for v in dp4a_nomain dp4a_noquant dp4a_none; do
  bench gemv-$v --kernel gemv --variant q4_0_dp4a --size $few --wgsl "$E/$v.wgsl"
done
bench gemv-q4_nomain --kernel gemv --variant q4_0 --size $few --wgsl "$E/q4_nomain.wgsl"

# vec4 FP32 matmul at 4096³, without runtime checks (its best case).
mm() { bench "$1" --kernel matmul --variant vec4 --size 4096 --tiles "$2" "${@:3}"; }
mm vec4 128x256x16 --unchecked
for v in noload nobar noload_nobar compute unroll unroll_compute t816 t816_compute t816_unroll_compute; do
  mm vec4_$v 128x256x16 --unchecked --wgsl "$E/vec4_$v.wgsl"
done
for t in 256x128x16 128x128x8 128x128x16; do
  mm vec4-$t $t --unchecked
  mm vec4_compute-$t $t --unchecked --wgsl "$E/vec4_compute.wgsl"
  mm vec4_t816_compute-$t $t --unchecked --wgsl "$E/vec4_t816_compute.wgsl"
done
mm vec4_unroll-128x128x16 128x128x16 --unchecked --wgsl "$E/vec4_unroll.wgsl"
mm vec4_unroll_compute-128x128x16 128x128x16 --unchecked --wgsl "$E/vec4_unroll_compute.wgsl"
# The 8×16 thread tile with its depth loop written out whole, or by 2, 4 or 8 depths.
mm vec4_t816_unroll 128x256x16 --unchecked --wgsl "$E/vec4_t816_unroll.wgsl"
mm vec4_t816_unroll-256x128x16 256x128x16 --unchecked --wgsl "$E/vec4_t816_unroll.wgsl"
mm vec4_t816_unroll_compute-256x128x16 256x128x16 --unchecked --wgsl "$E/vec4_t816_unroll_compute.wgsl"
for u in 2 4 8; do mm vec4_t816_u$u 128x256x16 --unchecked --wgsl "$E/vec4_t816_u$u.wgsl"; done
mm vec4_t816_unroll-checked 128x256x16 --wgsl "$E/vec4_t816_unroll.wgsl"
mm vec4-checked 128x256x16
mm vec4_t816-checked 128x256x16 --wgsl "$E/vec4_t816.wgsl"

# FlashAttention f32, N = 4096, d = 128, not causal, without runtime checks.
bench flash --kernel attention --variant flash --size 1x32x4096x128 --unchecked
for v in unroll noload nobar noload_nobar nopv nos; do
  bench flash_$v --kernel attention --variant flash --size 1x32x4096x128 --unchecked \
    --wgsl "$E/flash_$v.wgsl"
done
echo "clocks after: $(clocks)"; date -u
python3 bench/summarize_limits.py "$OUT"

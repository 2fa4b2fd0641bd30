#!/usr/bin/env bash
# coop_f16 against cuBLAS fp16 in one lease, beside the kernel's two load-free bisection
# variants (bench/experiments/variants.py, `coop_parts`): what this loop would reach if moving
# the blocks from global memory cost nothing. cuBLAS is timed before and after the WGSL runs,
# with PyTorch's default (fp16 reductions allowed) and with every sum in f32.
# usage, from the repository root on the GPU machine (Vulkan loader set up, release CLI at
# .bench/lab): OUT=out bash bench/results/h100-2026-11-22-coop-bound/run.sh
set -uo pipefail
LAB=${LAB:-.bench/lab}; OUT=${OUT:-out}; X=/tmp/coop-bound
mkdir -p "$OUT" "$X"
python3 bench/experiments/variants.py "$X" > /dev/null
clocks() { nvidia-smi --query-gpu=name,driver_version,clocks.sm,temperature.gpu,power.draw --format=csv,noheader; }
torch() { # LABEL
  echo "cuBLAS fp16, $1, default:"
  DTYPES=float16 python3 bench/torch_matmul.py "$OUT/torch_$1.json"
  echo "cuBLAS fp16, $1, f32 sums only:"
  FP16_REDUCED=0 DTYPES=float16 python3 bench/torch_matmul.py "$OUT/torch_$1_f32sums.json"
}
one() { # LABEL SIZE, then more arguments for lab bench
  local label=$1 size=$2; shift 2
  echo "$label $size | $("$LAB" bench --kernel matmul --variant coop_f16 --size "$size" \
    --tiles 128x256x16 --experimental "$@" 2>&1 | grep '^matmul/' | head -1)"
}
clocks; date -u
torch before
for size in 4096 8192; do
  one kernel "$size" --unchecked
  one kernel_checked "$size"
  one noload "$size" --unchecked --wgsl "$X/coop_noload.wgsl"
  one nostash "$size" --unchecked --wgsl "$X/coop_nostash.wgsl"
  one kernel "$size" --unchecked
done
torch after
clocks; date -u

#!/usr/bin/env bash
# coop_f16 with the bounds checks of its global loads taken out (`nocheck`: row and K checks;
# `nocheck_all`: also the slot checks, exact at 128×256 and 256×128), at 4096³ and 8192³ where
# every block is whole; beside the shipped kernel, alternated. Then the driver's cache entry of
# each variant, for disassembly.
set -u
L=.bench/lab; X=.bench/exp18; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for r in 1 2; do
  one shipped "" 4096 128x256x16
  one nocheck coop_nocheck 4096 128x256x16
  one nocheck_all coop_nocheck_all 4096 128x256x16
done
one shipped "" 8192 128x256x16
one nocheck_all coop_nocheck_all 8192 128x256x16
one nocheck_all coop_nocheck_all 4096 256x128x16
export __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1
for v in nocheck nocheck_all; do
  export __GL_SHADER_DISK_CACHE_PATH=/tmp/c_$v; mkdir -p /tmp/c_$v $O/cache_$v
  $L bench --kernel matmul --variant coop_f16 --wgsl $X/coop_$v.wgsl --size 1024 --tiles 128x256x16 --unchecked --experimental > /dev/null 2>&1
  find /tmp/c_$v -name "*.bin" -exec cp {} $O/cache_$v/ \;
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

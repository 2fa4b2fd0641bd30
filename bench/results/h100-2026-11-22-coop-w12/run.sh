#!/usr/bin/env bash
# coop_f16 with 12 subgroups of 64×32 (384 threads, three warps per scheduler) at 128×192×16,
# 192×128×16 and 256×96×16, with 4 (shipped), 3 or 2 steps of loads in flight; beside the
# shipped 128×256×16. Registers and spills first (vkstats), then 4096³ and 8192³ unchecked.
set -u
L=.bench/lab_x; X=.bench/exp24; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
if false; then for t in "BM=128 BN=192" "BM=192 BN=128" "BM=256 BN=96"; do
  for d in 4 3 2; do
    f=kernels/wgsl/matmul/coop_f16.wgsl; [ $d != 4 ] && f=$X/coop_d$d.wgsl
    .bench/vkstats_bin "d$d $t" $f $t BK=16 SG=32 WN=32 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
  done
done; fi
one() { # LABEL TILES SIZE FILE-OR-EMPTY
  w=; [ -n "${4:-}" ] && w="--wgsl $X/$4.wgsl"
  r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $2 --unchecked --experimental 2>&1 | grep -E "^matmul/|rror|anic" | tail -1)
  echo "$3 $2 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
for r in 1 2; do
  one shipped 128x256x16 4096
  for t in 128x192x16 192x128x16 256x96x16; do
    one d4 $t 4096; one d3 $t 4096 coop_d3; one d2 $t 4096 coop_d2
  done
done
one shipped 128x256x16 8192
for t in 128x192x16 192x128x16 256x96x16; do
  one d4 $t 8192; one d3 $t 8192 coop_d3; one d2 $t 8192 coop_d2
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

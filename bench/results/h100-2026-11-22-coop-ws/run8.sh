#!/usr/bin/env bash
# The loading subgroups in two groups taking turns by trips of R steps (derive.py run8), beside
# the shipped kernel and run 1's best: registers first, then
# TFLOP/s at 4096³ unchecked (twice), then 8192³.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/ws8
D=bench/results/h100-2026-11-22-coop-ws
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl /tmp/ws1 run1
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X run8
cp /tmp/ws1/split_l4_r2_a.wgsl $X/
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in $X/*.wgsl; do
  $V "$(basename $f .wgsl)" $f BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL SIZE FILE-OR-EMPTY
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental --unchecked 2>&1 | grep -E "^matmul/|anic" | head -1)
  echo "$2 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
for rep in 1 2; do
  one shipped 4096 ""
  for f in $X/*.wgsl; do one $(basename $f .wgsl) 4096 $f; done
done
one shipped 8192 ""
for f in $X/*.wgsl; do one $(basename $f .wgsl) 8192 $f; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

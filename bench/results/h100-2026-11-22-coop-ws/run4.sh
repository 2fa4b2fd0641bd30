#!/usr/bin/env bash
# Where split_128x256_l4_r2_a spends its time (derive.py run4), beside it and the shipped kernel:
# registers first, then TFLOP/s at 4096³ unchecked.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/ws4
D=bench/results/h100-2026-11-22-coop-ws
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl /tmp/ws2 run2
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X run4
cp /tmp/ws2/split_128x256_l4_r2_a.wgsl $X/
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in $X/*.wgsl; do
  $V "$(basename $f .wgsl)" $f BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL FILE-OR-EMPTY
  w=; [ -n "$2" ] && w="--wgsl $2"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size 4096 --tiles 128x256x16 --experimental --unchecked 2>&1 | grep -E "^matmul/|anic" | head -1)
  echo "4096 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
for rep in 1 2; do
  one shipped ""
  for f in $X/*.wgsl; do one $(basename $f .wgsl) $f; done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
set -u
L=.bench/lab; X=.bench/exp7; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in ${VARIANTS:-coop_base coop_acoal}; do
  for u in "--unchecked" ""; do
    r=$($L bench --kernel matmul --variant coop_f16 --wgsl $X/$f.wgsl --size 4096 --tiles ${TILES:-256x128x16} $u --experimental 2>&1 | grep "matmul/coop" | tail -1)
    echo "$f ${u:-checked} :: ${r:0:130}" | tee -a $O/exp.txt
  done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

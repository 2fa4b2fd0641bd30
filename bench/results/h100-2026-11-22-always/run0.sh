#!/usr/bin/env bash
# coop_f16 experiments: K walk staggered per workgroup, and the next step's loads issued
# unconditionally, each beside the kernel as it is, in one lease. Variants written by
# `python3 bench/experiments/variants.py .bench/exp8` (plus the kernel copied as coop_base).
set -u
L=.bench/lab; X=.bench/exp8; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for n in ${SIZES:-4096 8192}; do
  for f in ${VARIANTS:-coop_base coop_kstag coop_always}; do
    for u in "--unchecked" ""; do
      r=$($L bench --kernel matmul --variant coop_f16 --wgsl $X/$f.wgsl --size $n --tiles ${TILES:-256x128x16} $u --experimental 2>&1 | grep -E "matmul/coop|rror" | tail -1)
      echo "$n $f ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
    done
  done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

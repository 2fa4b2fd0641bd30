#!/usr/bin/env bash
# coop_split with its next steps' loads in flight across the multiplies (variants written by
# `python3 bench/experiments/variants.py .bench/exp9`, group `split`), then the GPU tests.
set -u
L=.bench/lab; X=.bench/exp9; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for t in 128x128x16 64x256x16; do for f in split_base split_pre split_ring2 split_ring3; do
  for u in "--unchecked" ""; do
    r=$($L bench --kernel matmul --variant coop_split --wgsl $X/$f.wgsl --size 4096 --tiles $t $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "4096 $t $f ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
done; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
.bench/gpu_tests --test-threads 1 2>&1 | tail -3 | tee $O/gpu_tests.txt

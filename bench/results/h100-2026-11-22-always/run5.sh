#!/usr/bin/env bash
# coop_f16 as committed (four steps in flight, a ring written out by the host) at each block,
# the driver's register counts for it, and the GPU tests.
set -u
L=.bench/lab; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for n in 4096 8192; do for t in 128x256x16 256x128x16 128x128x32; do
  [ $n = 8192 ] && [ $t != 128x256x16 ] && continue
  for u in "--unchecked" ""; do
    r=$($L bench --kernel matmul --variant coop_f16 --size $n --tiles $t $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$n $t ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
done; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for t in "BM=128 BN=256" "BM=256 BN=128"; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_f16 $t" kernels/wgsl/matmul/coop_f16.wgsl $t BK=16 SG=32 WN=64 $u | tee -a $O/vkstats.tsv
done; done
.bench/gpu_tests --test-threads 1 2>&1 | tail -5 | tee $O/gpu_tests.txt

#!/usr/bin/env bash
# After coop_f16 took its fragments a step ahead: the GPU tests (the tensor-core ones three
# times more), the driver's register counts for the two tensor-core matmuls at their default
# blocks, then the whole ladder against cuBLAS (bench/matmul_h100.sh), in one lease.
set -u
O=${OUT:-out}
.bench/gpu_tests --test-threads 1 2>&1 | tail -3 | tee $O/gpu_tests.txt
for i in 1 2 3; do .bench/gpu_tests --test-threads 1 coop 2>&1 | tail -2 | tee -a $O/gpu_tests_coop.txt; done
M=kernels/wgsl/matmul
for u in "" --unchecked; do
  .bench/vkstats_bin "matmul/coop_f16 128x256x16" $M/coop_f16.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
  .bench/vkstats_bin "matmul/coop_split 128x128x16" $M/coop_split.wgsl BM=128 BN=128 BK=16 SG=32 $u
done | tee $O/vkstats.tsv
bash bench/matmul_h100.sh .bench/lab $O/m > /dev/null 2>&1
tail -60 $O/m/table.md

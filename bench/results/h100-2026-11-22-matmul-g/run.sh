#!/usr/bin/env bash
# After coop_f16 stored C through workgroup memory: the GPU tests (the tensor-core ones three
# times more), the driver's register counts, the kernel beside the one before (the previous
# commit's coop_f16.wgsl, copied to .bench/coop_f16_old.wgsl, through --wgsl) checked and
# unchecked, then the whole ladder against cuBLAS (bench/matmul_h100.sh), in one lease.
set -u
O=${OUT:-out}; L=.bench/lab
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
.bench/gpu_tests --test-threads 1 2>&1 | tail -3 | tee $O/gpu_tests.txt
for i in 1 2 3; do .bench/gpu_tests --test-threads 1 coop 2>&1 | tail -2 | tee -a $O/gpu_tests_coop.txt; done
M=kernels/wgsl/matmul
for u in "" --unchecked; do
  .bench/vkstats_bin "matmul/coop_f16 128x256x16" $M/coop_f16.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
  .bench/vkstats_bin "before 128x256x16" .bench/coop_f16_old.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
done | tee $O/vkstats.tsv
one() { # LABEL SIZE FILE-OR-EMPTY CHECKS
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental $4 2>&1 | grep -E "^matmul/|anic|rror" | head -1)
  echo "$2 $1 ${4:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
}
for u in --unchecked ""; do for z in 4096 4096 8192; do
  one now $z "" "$u"; one before $z .bench/coop_f16_old.wgsl "$u"
done; done
bash bench/matmul_h100.sh $L $O/m > /dev/null 2>&1
tail -45 $O/m/table.md
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

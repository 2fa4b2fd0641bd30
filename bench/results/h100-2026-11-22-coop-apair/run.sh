#!/usr/bin/env bash
# coop_f16 fetching A two steps per load (`apair`: coop_apair.wgsl here; `.bench/lab` was a
# release build with it as the kernel) against the kernel before (`old`, `git show ac0fb1a:kernels/wgsl/matmul/coop_f16.wgsl`),
# alternated in one run; `apair2` is the new kernel with DEPTH = 2. Then the GPU tests built from
# the new kernel, and the driver's register counts.
set -u
L=.bench/lab; X=.bench/exp16; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
timeout 300 .bench/gpu_tests --test-threads 1 2>&1 | grep -E "^test |test result" | tee $O/gpu_tests.txt
for r in 1 2; do
  one old coop_old 4096 128x256x16
  one apair "" 4096 128x256x16
done
one apair2 coop_apair2 4096 128x256x16
one old coop_old 4096 256x128x16
one apair "" 4096 256x128x16
one old coop_old 8192 128x256x16
one apair "" 8192 128x256x16
one old coop_old 4096 128x256x16
one apair "" 4096 128x256x16
for f in old apair apair2; do for u in "" --unchecked; do
  .bench/vkstats_bin "$f$u" $X/coop_$f.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u >> $O/vkstats.tsv 2>&1
done; done
cat $O/vkstats.tsv
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

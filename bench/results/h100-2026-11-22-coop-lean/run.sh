#!/usr/bin/env bash
# Fewer registers for two workgroups per SM: coop_f16 at 128×128×16 (eight 64×32 subgroups) with
# 1, 2 or 4 steps of loads in flight; registers per thread from vkstats, then times.
set -u
# .bench/exp20/coop_d1.wgsl, coop_d2.wgsl: kernels/wgsl/matmul/coop_f16.wgsl with `const DEPTH` set
# to 1 and 2 (sed on the `const DEPTH: u32 = 4u;` line).
L=.bench/lab; X=.bench/exp20; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
  done
}
for f in kernels/wgsl/matmul/coop_f16.wgsl $X/coop_d1.wgsl $X/coop_d2.wgsl; do for u in "" --unchecked; do
  .bench/vkstats_bin "$(basename $f)$u" $f BM=128 BN=128 BK=16 SG=32 WN=32 $u >> $O/vkstats.tsv 2>&1
done; done
cat $O/vkstats.tsv
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096 128x128x16
one d1 coop_d1 4096 128x128x16
one d2 coop_d2 4096 128x128x16
one d1 coop_d1 4096 128x256x16
one shipped "" 4096 128x256x16
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
# coop_f16 at BK = 32 in six 64×64 subgroups (variants `coop_bk32_dD` from
# `python3 bench/experiments/variants.py .bench/exp11`, run by a lab built with host.patch,
# `.bench/lab_bk32`) beside the shipped kernel (`.bench/lab`) at sizes made of whole blocks.
set -u
X=.bench/exp11; O=${OUT:-out}
one() { # LAB NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$3" ] && w="--wgsl $X/$3.wgsl"
    r=$($1 bench --kernel matmul --variant coop_f16 $w --size $4 --tiles $5 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$4 $5 $2 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for size in 6144x4096x4096 4096x6144x4096; do
  one .bench/lab shipped "" $size 128x256x16
  [ $size = 6144x4096x4096 ] && t=192x128x32 || t=128x192x32
  for d in 2 3; do one .bench/lab_bk32 bk32_d$d coop_bk32_d$d $size $t; done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for d in 2 3; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_bk32_d$d 192x128x32" $X/coop_bk32_d$d.wgsl BM=192 BN=128 BK=32 SG=32 WN=64 $u
done; done | tee $O/vkstats.tsv

#!/usr/bin/env bash
# coop_f16 with four 64×64 subgroups per 128×128 workgroup (two workgroups per SM), beside the
# kernel as shipped. Variants: `python3 bench/experiments/variants.py .bench/exp10` (group
# `coop_wide`), then the driver's register counts for them.
set -u
L=.bench/lab; X=.bench/exp10; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size 4096 --tiles $3 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "4096 $3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 128x256x16
for t in 128x128x16 128x128x32; do for d in 1 2 4; do one coop_wide_d$d coop_wide_d$d $t; done; done
one shipped "" 128x128x16
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for t in 16 32; do for d in 1 2 4; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_wide_d$d 128x128x$t" $X/coop_wide_d$d.wgsl BM=128 BN=128 BK=$t SG=32 WN=32 $u
done; done; done | tee $O/vkstats.tsv

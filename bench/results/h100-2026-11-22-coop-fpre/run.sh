#!/usr/bin/env bash
# coop_f16 with each step's fragments loaded during the step before (variants `coop_fpre*`,
# `python3 bench/experiments/variants.py .bench/exp14`), beside the kernel as shipped, then the
# driver's register counts for them.
set -u
L=.bench/lab; X=.bench/exp14; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096
for d in 2 3 4; do one fpre_d$d coop_fpre_d$d 4096; one fpre_early_d$d coop_fpre_early_d$d 4096; done
one shipped "" 4096
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for d in 2 3 4; do for e in "" _early; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_fpre${e}_d$d 128x256x16" $X/coop_fpre${e}_d$d.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
done; done; done | tee $O/vkstats.tsv

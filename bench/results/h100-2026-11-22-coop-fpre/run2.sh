#!/usr/bin/env bash
# Second lease: coop_fpre at one step in flight, its bisection (no loads in the loop, no
# stores either, no barrier; wrong results), 8192³, and the four-step variant's failed check
# again in full.
set -u
L=.bench/lab; X=.bench/exp14; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp2.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096
for v in d2 d1 d3 noload_d2 nostash_d2 nobar_d2; do one fpre_$v coop_fpre_$v 4096; done
one shipped "" 8192
one fpre_d2 coop_fpre_d2 8192
one fpre_d3 coop_fpre_d3 8192
one shipped "" 4096
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for i in 1 2; do
  $L bench --kernel matmul --variant coop_f16 --wgsl $X/coop_fpre_d4.wgsl --size 4096 --tiles 128x256x16 --unchecked --experimental 2>&1 | tail -8 | tee -a $O/d4.txt
done
for v in d1 noload_d2 nostash_d2 nobar_d2; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_fpre_$v 128x256x16" $X/coop_fpre_$v.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
done; done | tee $O/vkstats2.tsv

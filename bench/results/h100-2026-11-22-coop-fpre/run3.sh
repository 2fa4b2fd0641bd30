#!/usr/bin/env bash
# Third lease: the coop_fpre variants with the barrier after the prologue's fragment loads
# (`variants.py .bench/exp14` as of this run), the `late` schedule, `coop_fpre3` (three copies
# of A), the bisection of coop_fpre_d2 (wrong results, times only), then register counts.
set -u
L=.bench/lab; X=.bench/exp14; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:160}" | tee -a $O/exp3.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096
for v in d2 d3 d4 late_d2 late_d3 late_d4 3_d2 3_d3 3_d4 noload_d2 nostash_d2 nobar_d2; do one fpre_$v coop_fpre$( [ "${v:0:1}" = 3 ] || echo _)$v 4096; done
one shipped "" 4096
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for v in _d2 _d3 _d4 _late_d2 _late_d3 _late_d4 3_d2 3_d3 3_d4; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_fpre$v 128x256x16" $X/coop_fpre$v.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
done; done | tee $O/vkstats3.tsv

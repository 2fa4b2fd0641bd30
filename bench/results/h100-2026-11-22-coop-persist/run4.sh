#!/usr/bin/env bash
# The kernel as committed with C staged (kernels/wgsl/matmul/coop_f16.wgsl), with 2, 3 and 4
# steps of loads in flight (DEPTH, set with sed): registers, then TFLOP/s unchecked and checked
# at 4096³ (twice) and 8192³.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/pd; mkdir -p $X
K=kernels/wgsl/matmul/coop_f16.wgsl
for d in 2 3; do sed "s/^const DEPTH: u32 = 4u;/const DEPTH: u32 = ${d}u;/" $K > $X/depth$d.wgsl; grep -q "DEPTH: u32 = ${d}u" $X/depth$d.wgsl || exit 1; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for u in --unchecked ""; do for d in 2 3; do
  $V depth$d $X/depth$d.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done; done
one() { # LABEL SIZE FILE-OR-EMPTY CHECKS
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental $4 2>&1 | grep -E "^matmul/|anic|rror" | head -1)
  echo "$2 $1 ${4:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
}
for u in --unchecked ""; do for z in 4096 4096 8192; do
  one depth4 $z "" "$u"; one depth3 $z $X/depth3.wgsl "$u"; one depth2 $z $X/depth2.wgsl "$u"
done; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
# C through workgroup memory (derive.py `stage_*`): one or two fragments per barrier pair, with
# and without row padding, or two staging slots and one barrier per fragment; beside the
# shipped kernel, unchecked and checked, 4096³ (twice) and 8192³. Registers first.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/pp
D=bench/results/h100-2026-11-22-coop-persist
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
S="stage_1 stage_1_nopad stage_1_db stage_2"
for u in --unchecked ""; do for f in $S; do
  $V $f $X/$f.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done; done
one() { # LABEL SIZE FILE-OR-EMPTY CHECKS
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental $4 2>&1 | grep -E "^matmul/|anic|rror" | head -1)
  echo "$2 $1 ${4:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
}
for u in --unchecked ""; do
  for z in 4096 4096 8192; do
    one shipped $z "" "$u"
    for f in $S; do one $f $z $X/$f.wgsl "$u"; done
  done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

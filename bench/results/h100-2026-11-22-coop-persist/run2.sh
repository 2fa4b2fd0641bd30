#!/usr/bin/env bash
# C stored through workgroup memory in 16-byte words (derive.py `stage_S`), with and without
# persistent workgroups, beside the shipped kernel and the no-store bisection: registers first,
# then TFLOP/s unchecked at 4096×4096×1024, 4096³ (twice) and 8192³.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/pp
D=bench/results/h100-2026-11-22-coop-persist
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
S="stage_1 stage_2 persist_132_stage_1 persist_132_stage_2 nostore"
for f in $S; do
  $V $f $X/$f.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL SIZE FILE-OR-EMPTY
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental --unchecked 2>&1 | grep -E "^matmul/|anic|rror" | head -1)
  echo "$2 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
for z in 4096x4096x1024 4096 4096 8192; do
  one shipped $z ""
  for f in $S; do one $f $z $X/$f.wgsl; done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

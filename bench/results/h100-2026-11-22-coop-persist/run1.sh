#!/usr/bin/env bash
# The per-block cost of coop_f16: the shipped kernel over a sweep of K at M = N = 4096 (time =
# waves × (per-block cost + steps × per-step cost)), beside the no-store bisection and
# persistent workgroups (derive.py); registers first, then TFLOP/s unchecked.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/pp
D=bench/results/h100-2026-11-22-coop-persist
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in $X/*.wgsl; do
  $V "$(basename $f .wgsl)" $f BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL SIZE FILE-OR-EMPTY
  w=; [ -n "$3" ] && w="--wgsl $3"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles 128x256x16 --experimental --unchecked 2>&1 | grep -E "^matmul/|anic|rror" | head -1)
  echo "$2 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
for k in 1024 2048 4096 8192 16384; do
  one shipped 4096x4096x$k ""
  one persist_132 4096x4096x$k $X/persist_132.wgsl
done
one nostore 4096x4096x1024 $X/nostore.wgsl
one nostore 4096 $X/nostore.wgsl
one persist_264 4096 $X/persist_264.wgsl
one shipped 4096 ""
one persist_132 4096 $X/persist_132.wgsl
for f in shipped persist_132 persist_264; do
  [ $f = shipped ] && one $f 8192 "" || one $f 8192 $X/$f.wgsl
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

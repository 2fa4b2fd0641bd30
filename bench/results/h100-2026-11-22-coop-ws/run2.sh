#!/usr/bin/env bash
# The split design at other blocks (derive.py run2): 6 or 4 multiplying subgroups plus loaders,
# so that the workgroup stays within 8 warps (255 registers) where it can. Registers first, then
# TFLOP/s at 4096³ unchecked, the shipped kernel at the start and the end.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/ws2
D=bench/results/h100-2026-11-22-coop-ws
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X run2
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
tiles() { local n=${1#split_}; n=${n%%_*}; echo ${n}x16; }
for f in $X/*.wgsl; do
  b=$(basename $f .wgsl); t=$(tiles $b)
  $V "$b" $f BM=${t%%x*} BN=$(echo $t | cut -dx -f2) BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL SIZE TILES FILE-OR-EMPTY
  w=; [ -n "$4" ] && w="--wgsl $4"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $2 --tiles $3 --experimental --unchecked 2>&1 | grep -E "^matmul/|rror|anic" | tail -1)
  echo "$2 $3 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
one shipped 4096 128x256x16 ""
for f in $X/*.wgsl; do b=$(basename $f .wgsl); one $b 4096 $(tiles $b) $f; done
one shipped 4096 128x256x16 ""
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

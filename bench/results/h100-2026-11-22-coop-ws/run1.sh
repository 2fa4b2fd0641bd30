#!/usr/bin/env bash
# Warp-specialized coop_f16 variants (derive.py) beside the shipped kernel, 128x256x16:
# registers and spills first (vkstats, unchecked), then TFLOP/s at 4096³ unchecked.
set -u
L=.bench/lab; V=.bench/vkstats_bin; O=${OUT:-out}; X=/tmp/ws
D=bench/results/h100-2026-11-22-coop-ws
python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl $X
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in $X/*.wgsl; do
  $V "$(basename $f .wgsl)" $f BM=128 BN=256 BK=16 SG=32 WN=64 --unchecked 2>&1 | tail -1 | tee -a $O/vkstats.tsv
done
one() { # LABEL SIZE FILE-OR-EMPTY [more]
  local label=$1 size=$2 f=${3:-}; shift 3 || shift $#
  w=; [ -n "$f" ] && w="--wgsl $f"
  r=$(timeout 60 $L bench --kernel matmul --variant coop_f16 $w --size $size --tiles 128x256x16 --experimental "$@" 2>&1 | grep -E "^matmul/|rror|anic" | tail -1)
  echo "$size $label :: ${r:0:170}" | tee -a $O/exp.txt
}
one shipped 4096 "" --unchecked
for f in $X/ws_*.wgsl $X/split_*.wgsl; do one $(basename $f .wgsl) 4096 $f --unchecked; done
one shipped 4096 "" --unchecked
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
# Prefetches issued unconditionally, beside each kernel as it is, in one lease. Variants written
# by `python3 bench/experiments/variants.py .bench/exp8` (group `always`).
set -u
L=.bench/lab; X=.bench/exp8; O=${OUT:-out}
one() { # KERNEL VARIANT FILE SIZE [ARGS…]
  local k=$1 v=$2 f=$3 n=$4; shift 4
  for u in "--unchecked" ""; do
    r=$($L bench --kernel $k --variant $v --wgsl $X/$f.wgsl --size $n $u "$@" 2>&1 | grep -E "^$k/|rror" | tail -1)
    echo "$n $f ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in coop_base coop_always coop_sel; do one matmul coop_f16 $f 4096 --tiles 256x128x16 --experimental; done
for k in vec4 unrolled f16; do for f in ${k}_base ${k}_always; do one matmul $k $f 4096; done; done
for n in 14336x4096 14336x4096x8 4096x4096 4096x4096x8; do
  for f in dp4a_base dp4a_always; do one gemv q4_0_dp4a $f $n; done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

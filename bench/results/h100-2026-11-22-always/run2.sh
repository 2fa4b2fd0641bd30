#!/usr/bin/env bash
# coop_f16 with unconditional prefetch: blocks, and two steps of loads in flight.
set -u
L=.bench/lab; X=.bench/exp8; O=${OUT:-out}
one() { # FILE SIZE TILES
  for u in "--unchecked" ""; do
    r=$($L bench --kernel matmul --variant coop_f16 --wgsl $X/$1.wgsl --size $2 --tiles $3 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$2 $3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for t in 256x128x16 128x256x16 128x128x32 128x128x16 64x128x32; do one coop_always 4096 $t; done
for t in 256x128x16 128x256x16 128x128x32; do one coop_deep2 4096 $t; done
one coop_base 4096 256x128x16
for f in coop_always coop_deep2; do one $f 8192 256x128x16; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

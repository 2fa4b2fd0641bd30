#!/usr/bin/env bash
# coop_f16 with unconditional prefetch: two to four steps of loads in flight.
set -u
L=.bench/lab; X=.bench/exp8; O=${OUT:-out}
one() { # FILE SIZE TILES
  for u in "--unchecked" ""; do
    r=$($L bench --kernel matmul --variant coop_f16 --wgsl $X/$1.wgsl --size $2 --tiles $3 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$2 $3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in coop_deep2 coop_deep3 coop_deep4; do for t in 128x256x16 256x128x16; do one $f 4096 $t; done; done
one coop_deep3 4096 128x128x32

for f in coop_deep2 coop_deep3; do one $f 8192 128x256x16; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

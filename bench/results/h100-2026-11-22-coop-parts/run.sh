#!/usr/bin/env bash
# Where the time goes in coop_f16 with its fragments a step ahead: the `coop_parts` variants
# (`python3 bench/experiments/variants.py .bench/exp15`), coalesced A (`coop_acoal`), no f32
# round trip (`coop_noconv`), beside the kernel; wrong results except `mat`, times only.
set -u
L=.bench/lab; X=.bench/exp15; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:160}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096 128x256x16
for v in noload nostash nobar same noconv acoal mat; do one $v coop_$v 4096 128x256x16; done
one shipped "" 4096 256x128x16
one shipped "" 4096 128x128x16
one shipped "" 4096 128x256x16
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

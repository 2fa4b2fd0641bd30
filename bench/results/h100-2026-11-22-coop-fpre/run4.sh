#!/usr/bin/env bash
# Fourth lease: coop_fpre with its loads served from L1 (`same`, wrong results), and the
# schedules of the third lease at 8192³.
set -u
L=.bench/lab; X=.bench/exp14; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:160}" | tee -a $O/exp4.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096
for v in same_d2 same_d4 d4; do one fpre_$v coop_fpre_$v 4096; done
one shipped "" 8192
for v in d2 d3 d4 late_d4 3_d4; do one fpre_$v coop_fpre$( [ "${v:0:1}" = 3 ] || echo _)$v 8192; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
# The shipped coop_f16 beside two variants of it (`variants.py .bench/exp10`): the staged words
# choosing between two constants, no f32 round trip (`coop_noconv`, wrong results), and each
# workgroup walking K from its own step (`coop_kstag4`).
set -u
L=.bench/lab; X=.bench/exp10; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:150}" | tee -a $O/exp2.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for n in 4096 8192; do one shipped "" $n; one noconv coop_noconv $n; one kstag4 coop_kstag4 $n; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

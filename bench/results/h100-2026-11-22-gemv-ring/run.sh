#!/usr/bin/env bash
# q4_0_dp4a as shipped beside `dp4a_ring2` (two pairs per loop trip, the next two in flight, no
# branch around any load; `python3 bench/experiments/variants.py .bench/exp13`), in one lease.
set -u
L=.bench/lab; X=.bench/exp13; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for n in 14336x4096 14336x4096x8 4096x4096 4096x4096x8; do
  for w in "" dp4a_ring2; do for u in "--unchecked" ""; do
    a=; [ -n "$w" ] && a="--wgsl $X/$w.wgsl"
    r=$($L bench --kernel gemv --variant q4_0_dp4a $a --size $n $u 2>&1 | grep -E "^gemv/|rror" | tail -1)
    echo "$n ${w:-shipped} ${u:-checked} :: ${r:0:150}" | tee -a $O/exp.txt
  done; done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

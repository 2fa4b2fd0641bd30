#!/usr/bin/env bash
# flash_split variants side by side: ms at 1x32x4096x128 (full / causal) checked and unchecked, and
# the driver's register figures.
set -u
L=.bench/lab; X=.bench/exp6; O=${OUT:-out}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for f in ${VARIANTS:-fs_base fs_s2 fs_s4}; do
  for c in "" "--causal"; do
    for u in "" "--unchecked"; do
      r=$($L bench --kernel attention --variant flash_split --wgsl $X/$f.wgsl --size 1x32x4096x128 $c $u --experimental 2>&1 | tail -1)
      echo "$f ${c:-full} ${u:-checked} :: ${r:0:110}" | tee -a $O/exp.txt
    done
  done
  for u in "" "--unchecked"; do
    .bench/vkstats_bin "$f ${u:-checked}" $X/$f.wgsl D=128 BC=32 WARPS=4 KV_LOADS=8 $u 2>&1 | tail -1 | tee -a $O/vk.txt
  done
done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

#!/usr/bin/env bash
# Fifth lease: coop_fpre without the f32 round trip of the staged words (`noconv`, wrong
# results; `mat`, loaded as mat2x4<f16>, right results), then register counts.
set -u
L=.bench/lab; X=.bench/exp14; O=${OUT:-out}
one() { # NAME FILE-OR-EMPTY SIZE
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 $u --experimental 2>&1 | grep -E "^matmul/" | tail -1)
    echo "$3 $1 ${u:-checked} :: ${r:0:160}" | tee -a $O/exp5.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
one shipped "" 4096
for v in d2 noconv_d2 mat_d2 d4 noconv_d4 mat_d4; do one fpre_$v coop_fpre_$v 4096; done
for v in mat_d2 mat_d4; do one fpre_$v coop_fpre_$v 8192; done
one shipped "" 4096
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for v in noconv_d2 mat_d2 noconv_d4 mat_d4; do for u in "" --unchecked; do
  .bench/vkstats_bin "coop_fpre_$v 128x256x16" $X/coop_fpre_$v.wgsl BM=128 BN=256 BK=16 SG=32 WN=64 $u
done; done | tee $O/vkstats5.tsv

#!/usr/bin/env bash
# coop_f16 with two named sets of fragments that trade places each step (`alt`: even steps
# multiply ca*, cb* and load da*, db*, odd steps the reverse), so no fragment is copied; beside
# the shipped kernel, alternated, and on ragged shapes; then its machine code.
set -u
# .bench/exp22: python3 bench/experiments/variants.py .bench/exp22 (group coop_alt).
L=.bench/lab; X=.bench/exp22; O=${OUT:-out}
export PATH=$PATH:/usr/local/cuda/bin
python3 -m pip install --no-index --quiet --target /tmp/zstd-py .bench/wheels/zstandard-*.whl
export PYTHONPATH=/tmp/zstd-py
one() { # NAME FILE-OR-EMPTY SIZE TILES
  for u in "--unchecked" ""; do
    w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
    r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles $4 $u --experimental 2>&1 | grep -E "^matmul/|rror" | tail -1)
    echo "$3 $4 $1 ${u:-checked} :: ${r:0:170}" | tee -a $O/exp.txt
  done
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for v in alt; do for u in --unchecked ""; do
  d=/tmp/nvc_$v$u; rm -rf $d; mkdir -p $d
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=$d \
    $L bench --kernel matmul --variant coop_f16 --wgsl $X/coop_$v.wgsl --size 1024 --tiles 128x256x16 --experimental $u > /dev/null 2>&1
  python3 bench/nvcache.py $d /tmp/$v.code > /dev/null && nvdisasm -b SM90 /tmp/$v.code > /tmp/$v.sass
  python3 bench/sass_summary.py "$v${u:- checked}" /tmp/$v.code /tmp/$v.sass | tee -a $O/sass.tsv
done; done
for r in 1 2; do
  one shipped "" 4096 128x256x16
  one alt coop_alt 4096 128x256x16
done
one shipped "" 8192 128x256x16
one alt coop_alt 8192 128x256x16
one alt coop_alt 1000x777x333 128x256x16
one alt coop_alt 1x300x17 64x64x16
one alt coop_alt 4096 256x128x16
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader

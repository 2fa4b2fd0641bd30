#!/usr/bin/env bash
# Batch 3: the dep variants with a 16-byte zero word (alignment kept), and coop_ptr with 2 or 3
# steps of loads in flight.
set -u
L=.bench/lab_x; X=.bench/exp23; O=${OUT:-out}
export PATH=$PATH:/usr/local/cuda/bin
python3 -m pip install --no-index --quiet --target /tmp/zstd-py .bench/wheels/zstandard-*.whl
export PYTHONPATH=/tmp/zstd-py
one() { # NAME FILE-OR-EMPTY SIZE
  w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
  r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 --unchecked --experimental 2>&1 | grep -E "^matmul/|rror|anic" | tail -1)
  echo "$3 $1 :: ${r:0:170}" | tee -a $O/exp.txt
}
sass() { # LABEL FILE
  d=/tmp/nvc_$1; rm -rf $d; mkdir -p $d
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=$d \
    $L bench --kernel matmul --variant coop_f16 --wgsl $X/$2.wgsl --size 1024 --tiles 128x256x16 --unchecked --experimental > /dev/null 2>&1
  python3 bench/nvcache.py $d /tmp/$1.code > /dev/null && nvdisasm -b SM90 /tmp/$1.code > $O/$1.sass
  python3 bench/sass_summary.py "$1" /tmp/$1.code $O/$1.sass | tee -a $O/sass.tsv
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
for v in dep16 ptr_dep16 ptr_d2 ptr_d3; do sass $v coop_$v; done
for r in 1 2; do
  one shipped "" 4096
  for v in dep16 ptr_dep16 ptr_d2 ptr_d3; do one $v coop_$v 4096; done
done
one shipped "" 8192
for v in dep16 ptr_dep16 ptr_d2 ptr_d3; do one $v coop_$v 8192; done
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
cat $O/sass.tsv

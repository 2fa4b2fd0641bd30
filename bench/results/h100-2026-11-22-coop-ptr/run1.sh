#!/usr/bin/env bash
# coop_f16 with precomputed load indices and no checks (`ptr`, whole blocks only), and the
# device opened without Vulkan's robust buffer access (LAB_NO_ROBUST=1, throwaway build):
# machine code, then 4096³ and 8192³ unchecked, alternated.
set -u
L=.bench/lab_x; X=.bench/exp23; O=${OUT:-out}
export PATH=$PATH:/usr/local/cuda/bin
python3 -m pip install --no-index --quiet --target /tmp/zstd-py .bench/wheels/zstandard-*.whl
export PYTHONPATH=/tmp/zstd-py
one() { # NAME FILE-OR-EMPTY SIZE NR
  w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
  if [ "$4" = 1 ]; then export LAB_NO_ROBUST=1; else unset LAB_NO_ROBUST; fi
  r=$($L bench --kernel matmul --variant coop_f16 $w --size $3 --tiles 128x256x16 --unchecked --experimental 2>&1 | grep -E "^matmul/|rror|anic" | tail -1)
  echo "$3 $1 nr=$4 :: ${r:0:170}" | tee -a $O/exp.txt
}
sass() { # LABEL FILE-OR-EMPTY NR
  d=/tmp/nvc_$1; rm -rf $d; mkdir -p $d
  w=; [ -n "$2" ] && w="--wgsl $X/$2.wgsl"
  if [ "$3" = 1 ]; then export LAB_NO_ROBUST=1; else unset LAB_NO_ROBUST; fi
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=$d \
    $L bench --kernel matmul --variant coop_f16 $w --size 1024 --tiles 128x256x16 --unchecked --experimental > /dev/null 2>&1
  python3 bench/nvcache.py $d /tmp/$1.code > /dev/null && nvdisasm -b SM90 /tmp/$1.code > $O/$1.sass
  python3 bench/sass_summary.py "$1" /tmp/$1.code $O/$1.sass | tee -a $O/sass.tsv
}
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
sass shipped_nr "" 1
sass ptr coop_ptr 0
sass ptr_nr coop_ptr 1

for r in 1 2; do
  one shipped "" 4096 0
  one shipped "" 4096 1
  one ptr coop_ptr 4096 0
  one ptr coop_ptr 4096 1
done
one shipped "" 8192 0
one shipped "" 8192 1
one ptr coop_ptr 8192 0
one ptr coop_ptr 8192 1
date -u; nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader
cat $O/sass.tsv

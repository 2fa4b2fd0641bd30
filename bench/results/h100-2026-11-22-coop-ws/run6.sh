#!/usr/bin/env bash
# Machine code of the split design's loading loop: split_l4_r2_a (2 steps carried),
# split_128x256_l4_r3_a (3) and split_128x256_l4_r2_a_o (writes before loads), built once each
# (a 1024³ run) with an empty shader disk cache, cut out of the cache (bench/nvcache.py) and
# disassembled; listings and code in OUT/sass.tar.gz.
set -u
L=.bench/lab; O=${OUT:-out}; D=bench/results/h100-2026-11-22-coop-ws; S=/tmp/sass
export PATH=$PATH:/usr/local/cuda/bin
python3 -m pip install --no-index --quiet --target /tmp/zstd-py .bench/wheels/zstandard-*.whl
export PYTHONPATH=/tmp/zstd-py
for r in run1 run2 run3; do python3 $D/derive.py kernels/wgsl/matmul/coop_f16.wgsl /tmp/ws_$r $r; done
mkdir -p $S
for f in /tmp/ws_run1/split_l4_r2_a.wgsl /tmp/ws_run2/split_128x256_l4_r3_a.wgsl /tmp/ws_run3/split_128x256_l4_r2_a_o.wgsl; do
  b=$(basename $f .wgsl); dir=/tmp/nvcache/$b; rm -rf $dir; mkdir -p $dir
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=$dir \
    $L bench --kernel matmul --variant coop_f16 --wgsl $f --size 1024 --tiles 128x256x16 --experimental --unchecked 2>&1 | grep "^matmul/" | cut -c1-150
  python3 bench/nvcache.py $dir $S/$b.code > /dev/null
  nvdisasm -b SM90 $S/$b.code > $S/$b.sass
  python3 bench/sass_summary.py $b $S/$b.code $S/$b.sass
done
tar -czf $O/sass.tar.gz -C $S .

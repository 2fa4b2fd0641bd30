#!/usr/bin/env bash
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
L=${LAB:-target/release/lab}; X=out/experiments   # written by: python3 bench/experiments/variants.py out/experiments
r() { printf "%-34s " "$1"; shift; $L bench --kernel matmul "$@" 2>&1 | grep -E "matmul/|error" | awk '{for(i=1;i<=NF;i++) if($i=="ms") {print $(i-1)" ms", $(i+2)" GFLOP/s", $(NF-3), $(NF-2); next}} {print}'; }
for rep in 1 2; do
r "unrolled uc" --size 4096 --variant unrolled --tiles 128x256x16 --unchecked
r "unrolled_swz uc" --size 4096 --variant unrolled --tiles 128x256x16 --unchecked --wgsl $X/unrolled_swz.wgsl
r "unrolled c" --size 4096 --variant unrolled --tiles 128x256x16
r "unrolled_swz c" --size 4096 --variant unrolled --tiles 128x256x16 --wgsl $X/unrolled_swz.wgsl
done
r "vec4 uc" --size 4096 --variant vec4 --tiles 128x256x16 --unchecked
r "vec4_swz uc" --size 4096 --variant vec4 --tiles 128x256x16 --unchecked --wgsl $X/vec4_swz.wgsl
r "vec4 c" --size 4096 --variant vec4 --tiles 128x256x16
r "vec4_swz c" --size 4096 --variant vec4 --tiles 128x256x16 --wgsl $X/vec4_swz.wgsl
r "unrolled_swz 256x128 uc" --size 4096 --variant unrolled --tiles 256x128x16 --unchecked --wgsl $X/unrolled_swz.wgsl
r "unrolled_swz 128x128x16 uc" --size 4096 --variant unrolled --tiles 128x128x16 --unchecked --wgsl $X/unrolled_swz.wgsl
r "unrolled_swz 8192 c" --size 8192 --variant unrolled --tiles 128x256x16 --wgsl $X/unrolled_swz.wgsl
r "unrolled 8192 c" --size 8192 --variant unrolled --tiles 128x256x16
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u

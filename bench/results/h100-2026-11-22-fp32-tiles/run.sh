#!/usr/bin/env bash
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
L=${LAB:-target/release/lab}; X=out/experiments   # written by: python3 bench/experiments/variants.py out/experiments
r() { printf "%-34s " "$1"; shift; $L bench --kernel matmul --size 4096 "$@" 2>&1 | grep "matmul/" | awk '{for(i=1;i<=NF;i++) if($i=="ms") {print $(i-1)" ms", $(i+2)" GFLOP/s", $NF; break}}'; }
r "unrolled 128x256x16 uc" --variant unrolled --tiles 128x256x16 --unchecked
r "unrolled 128x256x16 c" --variant unrolled --tiles 128x256x16
for t in 256x128x16 128x256x16 128x128x8 64x128x8; do r "t168 $t uc" --variant unrolled --tiles $t --wgsl $X/unrolled_t168.wgsl --unchecked; done
r "t168 256x128x16 c" --variant unrolled --tiles 256x128x16 --wgsl $X/unrolled_t168.wgsl
for t in 128x128x8 128x128x16 64x128x16 128x64x16 64x64x16 128x256x16; do r "vec4u $t uc" --variant vec4 --tiles $t --wgsl $X/vec4_marked.wgsl --unchecked; done
r "vec4u 128x128x8 c" --variant vec4 --tiles 128x128x8 --wgsl $X/vec4_marked.wgsl
r "vec4 128x128x8 uc" --variant vec4 --tiles 128x128x8 --unchecked
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u

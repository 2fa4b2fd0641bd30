#!/usr/bin/env bash
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
L=${LAB:-target/release/lab}; X=out/experiments   # written by: python3 bench/experiments/variants.py out/experiments
r() { printf "%-34s " "$1"; shift; $L bench --kernel matmul --experimental "$@" 2>&1 | grep -E "matmul/|error" | awk '{for(i=1;i<=NF;i++) if($i=="ms") {print $(i-1)" ms", $(i+2)" GFLOP/s", $(NF-3), $(NF-2); next}} {print}'; }
r "coop 256x128x16 uc" --size 4096 --variant coop_f16 --tiles 256x128x16 --unchecked
r "coop 256x128x16 c" --size 4096 --variant coop_f16 --tiles 256x128x16
r "pair 256x128x16 uc" --size 4096 --variant coop_f16 --tiles 256x128x16 --wgsl $X/coop_pair.wgsl --unchecked
r "pair 256x128x16 c" --size 4096 --variant coop_f16 --tiles 256x128x16 --wgsl $X/coop_pair.wgsl
r "pair 128x256x16 uc" --size 4096 --variant coop_f16 --tiles 128x256x16 --wgsl $X/coop_pair.wgsl --unchecked
r "noconv 256x128x16 uc" --size 4096 --variant coop_f16 --tiles 256x128x16 --wgsl $X/coop_noconv.wgsl --unchecked
r "pair 8192 uc" --size 8192 --variant coop_f16 --tiles 256x128x16 --wgsl $X/coop_pair.wgsl --unchecked
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u

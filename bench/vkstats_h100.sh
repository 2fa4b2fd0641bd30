#!/usr/bin/env bash
# What the Vulkan driver made of our kernels on this GPU: registers per thread, spills, workgroup
# memory and code size for each kernel at the block it runs with on an H100 (BENCHMARKS.md's
# tables), with wgpu's runtime checks and without, plus the bisection variants that the FP32
# analysis cites. Prints the table last (bench/summarize_vkstats.py adds the occupancy those
# figures allow).
#
# usage, from the repository root on the GPU machine, with the Vulkan loader set up:
#   cargo build --release -p vkstats   # on the build machine
#   VKSTATS=path/to/vkstats OUT=out bash bench/vkstats_h100.sh
set -euo pipefail
V=${VKSTATS:-target/release/vkstats}
OUT=${OUT:-out}
mkdir -p "$OUT/experiments"
python3 bench/experiments/variants.py "$OUT/experiments" > /dev/null
M=kernels/wgsl/matmul X=$OUT/experiments
T="$OUT/vkstats.tsv"
: > "$T"
one() { "$V" "$@" >> "$T" || echo "failed: $*" >&2; }
both() { one "$@"; one "$@" --unchecked; }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
date -u
both "matmul/naive" $M/naive.wgsl TILE=16
both "matmul/tiled" $M/tiled.wgsl TILE=16
both "matmul/reg1d 64x64x8" $M/reg1d.wgsl BM=64 BN=64 BK=8
both "matmul/reg2d 128x128x8" $M/reg2d.wgsl BM=128 BN=128 BK=8
both "matmul/reg2d 128x128x16" $M/reg2d.wgsl BM=128 BN=128 BK=16
both "matmul/subgroup 32x128" $M/subgroup.wgsl BM=32 BN=128
both "matmul/subgroup 64x128" $M/subgroup.wgsl BM=64 BN=128
both "matmul/vec4 128x256x16" $M/vec4.wgsl BM=128 BN=256 BK=16
both "matmul/unrolled 128x256x16" $M/unrolled.wgsl BM=128 BN=256 BK=16
both "matmul/unrolled 256x128x16" $M/unrolled.wgsl BM=256 BN=128 BK=16
both "matmul/unrolled 128x128x16" $M/unrolled.wgsl BM=128 BN=128 BK=16
both "matmul/unrolled 128x128x8" $M/unrolled.wgsl BM=128 BN=128 BK=8
both "matmul/f16 256x128x16" $M/f16.wgsl BM=256 BN=128 BK=16
both "matmul/coop_f16 128x256x16" $M/coop_f16.wgsl BM=128 BN=256 BK=16 SG=32 WN=64
both "matmul/coop_split 128x128x16" $M/coop_split.wgsl BM=128 BN=128 BK=16 SG=32
both "attention/flash d128" kernels/wgsl/attention/flash.wgsl D=128 BC=32
both "attention/flash_f16 d128" kernels/wgsl/attention/flash_f16.wgsl D=128 BC=32
both "attention/flash_split d128" kernels/wgsl/attention/flash_split.wgsl D=128 BC=32 WARPS=4 KV_LOADS=8
both "gemv/q4_0_dp4a main" kernels/wgsl/gemv/q4_0_dp4a.wgsl WG=128 LANES=8 BATCH=1
one "variant: vec4 written out 128x256x16" $X/vec4_marked.wgsl BM=128 BN=256 BK=16 --unchecked
one "variant: vec4 written out 128x128x16" $X/vec4_marked.wgsl BM=128 BN=128 BK=16 --unchecked
one "variant: unrolled 16x8 tile 256x128x16" $X/unrolled_t168.wgsl BM=256 BN=128 BK=16 --unchecked
one "variant: 8x16 written out, compute only" $X/vec4_t816_unroll_compute.wgsl BM=128 BN=256 BK=16 --unchecked
one "variant: unrolled, four stores written out" $X/unrolled_stores4.wgsl BM=128 BN=256 BK=16
one "variant: unrolled, four stores written out" $X/unrolled_stores4.wgsl BM=128 BN=256 BK=16 --unchecked
python3 bench/summarize_vkstats.py "$T" | tee "$OUT/vkstats.md"

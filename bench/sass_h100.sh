#!/usr/bin/env bash
# The machine code the NVIDIA Vulkan driver made of coop_f16 and of the bisection variants that
# BENCHMARKS.md compares it with, and of `unrolled` at a fast and a slow block: each pipeline is
# built once (a 1024³ run) with an empty shader disk cache, cut out of the cache
# (bench/nvcache.py), disassembled with nvdisasm and summarized (bench/sass_summary.py). Prints
# the table last (also in OUT/sass.tsv); the listings go to OUT/sass.tar.gz.
#
# usage, from the repository root on the GPU machine, with the Vulkan loader set up, a release
# build of the CLI at .bench/lab and the zstandard wheel for the machine's Python in .bench/wheels
# (on the build machine: python3 -m pip download zstandard --only-binary=:all: \
#    --python-version 3.12 --platform manylinux2014_x86_64 -d .bench/wheels):
#   LAB=.bench/lab OUT=out bash bench/sass_h100.sh
set -euo pipefail
LAB=${LAB:-.bench/lab}; OUT=${OUT:-out}; WHEELS=${WHEELS:-.bench/wheels}
export PATH=$PATH:/usr/local/cuda/bin
python3 -m pip install --no-index --quiet --target /tmp/zstd-py "$WHEELS"/zstandard-*.whl
export PYTHONPATH=/tmp/zstd-py
X=$OUT/experiments S=$OUT/sass T=$OUT/sass.tsv
mkdir -p "$X" "$S"
python3 bench/experiments/variants.py "$X" > /dev/null
printf 'label\tinstr\tHMMA\tLDSM\tLDG\tSTS\tBAR\tloop\tloop HMMA\tloop LDG\tLDG waits\tLDG scoreboards\tloop LDS\tloop FFMA\n' > "$T"
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
date -u
one() { # LABEL VARIANT, then more arguments for `lab bench --kernel matmul`
  local label=$1 variant=$2; shift 2
  local dir=/tmp/nvcache/$label
  rm -rf "$dir"; mkdir -p "$dir"
  # Bisection variants return wrong results on purpose: only the build matters here.
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=$dir \
    "$LAB" bench --kernel matmul --variant "$variant" --size 1024 --experimental "$@" > /dev/null 2>&1 || true
  python3 bench/nvcache.py "$dir" "$S/$label.code" > /dev/null
  nvdisasm -b SM90 "$S/$label.code" > "$S/$label.sass"
  python3 bench/sass_summary.py "$label" "$S/$label.code" "$S/$label.sass" >> "$T"
}
B="--tiles 128x256x16" C=coop_f16
one coop_f16 $C $B --unchecked
one coop_f16_checked $C $B
one noload $C $B --unchecked --wgsl "$X/coop_noload.wgsl"
one nostash $C $B --unchecked --wgsl "$X/coop_nostash.wgsl"
one same $C $B --unchecked --wgsl "$X/coop_same.wgsl"
one nocheck $C $B --unchecked --wgsl "$X/coop_nocheck.wgsl"
one nocheck_checked $C $B --wgsl "$X/coop_nocheck.wgsl"
one apair $C $B --unchecked --wgsl bench/results/h100-2026-11-22-coop-apair/coop_apair.wgsl
# The FP32 ladder's `unrolled`: fast at 128×256×16, slow at 128×128×16 (BENCHMARKS.md).
one unrolled_128x256 unrolled --tiles 128x256x16 --unchecked
one unrolled_128x128 unrolled --tiles 128x128x16 --unchecked
tar -czf "$OUT/sass.tar.gz" -C "$S" $(cd "$S" && ls *.sass)
rm -rf "$X" "$S"
cat "$T"

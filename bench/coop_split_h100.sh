#!/usr/bin/env bash
# FP32 on the tensor cores (matmul/coop_split) side by side with cuBLAS SGEMM (TF32 off) and our
# best FP32-FMA kernel (unrolled) in one session on the H100, after the GPU tests (which run
# coop_split's ragged shapes and its far-out-of-f16-range inputs there for real).
#
# usage (on the GPU machine, from the repository root, Vulkan loader set up):
#   LAB=path/to/lab GPU_TESTS=path/to/gpu-test-binary OUT=out bash bench/coop_split_h100.sh
# LAB is `cargo build --release -p lab`; GPU_TESTS the binary that
# `cargo test --release -p kernels --test gpu --no-run` names (optional).
set -u
L=${LAB:-target/release/lab}
O=${OUT:-out}/split
mkdir -p "$O"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,temperature.gpu --format=csv,noheader; date -u
if [ -n "${GPU_TESTS:-}" ]; then
    timeout 240 "$GPU_TESTS" --test-threads=1 > "$O/gpu_tests.txt" 2>&1
    echo "gpu tests rc=$?"; grep "test result" "$O/gpu_tests.txt"
fi
SIZES=4096,8192 PYTHONUNBUFFERED=1 python3 bench/torch_matmul.py "$O/torch.json" > "$O/torch.txt" 2>&1
tail -4 "$O/torch.txt"
run() { name=$1; shift; "$L" bench --kernel matmul "$@" --json "$O/$name.json" > "$O/$name.txt" 2>&1; grep -E "matmul/|error" "$O/$name.txt"; }
run split_checked --variant coop_split --size 4096,8192 --autotune --experimental
run split_unchecked --variant coop_split --size 4096,8192 --autotune --unchecked --experimental
run unrolled --variant unrolled --size 4096 --unchecked
run coop --variant coop_f16 --size 4096 --unchecked --experimental
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u

#!/usr/bin/env bash
# The H100 run behind BENCHMARKS.md: the WGSL matmul ladder and the measured ceilings through
# `lab bench` (Vulkan), and cuBLAS (fp32 and fp16) through PyTorch on the same GPU in the same
# session. The ladder includes `subgroup` (needs SUBGROUP) and `coop_f16` (tensor cores through
# wgpu's experimental cooperative matrices, hence --experimental; compare it with cuBLAS fp16).
#
# usage (on the GPU machine, from the repository root):
#   bench/matmul_h100.sh LAB_BINARY OUT_DIR
# LAB_BINARY is a release build of the CLI (`cargo build --release -p lab`). Needs a Vulkan
# loader and the NVIDIA ICD, and python3 with torch for the reference.
set -uo pipefail
LAB=${1:?usage: matmul_h100.sh LAB_BINARY OUT_DIR}
OUT=${2:?usage: matmul_h100.sh LAB_BINARY OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SIZES=${SIZES:-4096,8192}   # square sizes N (N×N×N), comma-separated
mkdir -p "$OUT"
date -u +"date: %Y-%m-%dT%H:%M:%SZ" | tee "$OUT/log.txt"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,temperature.gpu,power.draw \
    --format=csv 2>&1 | tee -a "$OUT/log.txt"
"$LAB" adapters 2>&1 | tee -a "$OUT/log.txt"

# cuBLAS first, while the GPU is cool, then the ladder.
SIZES="$SIZES" PYTHONUNBUFFERED=1 python3 "$HERE/torch_matmul.py" "$OUT/torch.json" 2>&1 | tee -a "$OUT/log.txt"

# The whole ladder, bounds-checked as the browser would run it, at every size; autotuning picks
# each variant's block shape at the first size first.
"$LAB" bench --kernel matmul --size "$SIZES" --autotune --experimental \
    --json "$OUT/checked.json" \
    2>&1 | tee -a "$OUT/log.txt"
# The ladder again without wgpu's runtime bounds checks (native only), at the first size.
"$LAB" bench --kernel matmul --size "${SIZES%%,*}" --autotune --unchecked --experimental \
    --json "$OUT/unchecked.json" 2>&1 | tee -a "$OUT/log.txt"
# The roofs, and the peaks again without runtime checks (their loops are the only difference);
# --experimental adds the tensor-core roof (peak/coop-f16) where the adapter lists its shape.
"$LAB" bench --ceilings --experimental --json "$OUT/ceilings.json" 2>&1 | tee -a "$OUT/log.txt"
"$LAB" bench --kernel peak --size 2097152 --unchecked --experimental --json "$OUT/peak_unchecked.json" \
    2>&1 | tee -a "$OUT/log.txt"

python3 "$HERE/summarize.py" "$OUT/torch.json" "$OUT/checked.json" "$OUT/unchecked.json" \
    "$OUT/ceilings.json" "$OUT/peak_unchecked.json" 2>&1 | tee "$OUT/table.md"

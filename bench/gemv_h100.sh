#!/usr/bin/env bash
# Decode GEMV on a real GPU, ours and torch's side by side in one run.
#
# Run from the repository root on the GPU machine, with the native `lab` binary at $LAB
# (default .bench/lab) and the Vulkan loader set up. Writes everything to $OUT (default ./out).
set -uo pipefail
LAB=${LAB:-.bench/lab}
OUT=${OUT:-out}
mkdir -p "$OUT"
"$LAB" adapters | tee "$OUT/adapters.txt"
# Our copy bandwidth at 1 GiB (the roof the Q4_0 target is measured against).
"$LAB" bench --kernel stream --variant copy --size 1GiB --json "$OUT/copy.json" | tee "$OUT/copy.txt"
for size in 4096x4096x1 4096x4096x8 14336x4096x1 14336x4096x8; do
  "$LAB" bench --kernel gemv --size "$size" --json "$OUT/gemv-$size.json" | tee "$OUT/gemv-$size.txt"
done
PYTHONUNBUFFERED=1 python3 bench/torch_gemv.py | tee "$OUT/torch_gemv.jsonl"
python3 bench/summarize_gemv.py "$OUT"

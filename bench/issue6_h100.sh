#!/usr/bin/env bash
# Decode GEMV and attention on a real GPU, ours and torch's side by side in one run.
#
# Run from the repository root on the GPU machine with the native `lab` binary at $LAB (default
# .bench/lab) and the Vulkan loader set up. Writes all results to $OUT (default ./out), and the
# runs without wgpu's bounds checks (`--unchecked`, for the variants marked bounds_proven) to
# $OUT/unchecked; prints the comparison tables last.
set -uo pipefail
LAB=${LAB:-.bench/lab}
OUT=${OUT:-out}
mkdir -p "$OUT/unchecked"
"$LAB" adapters > "$OUT/adapters.txt"
head -3 "$OUT/adapters.txt"
# Our copy bandwidth at 1 GiB: the roof the Q4_0 target is measured against.
"$LAB" bench --kernel stream --variant copy --size 1GiB --json "$OUT/copy.json" > "$OUT/copy.txt"
for size in 4096x4096x1 4096x4096x8 14336x4096x1 14336x4096x8; do
  "$LAB" bench --kernel gemv --size "$size" --json "$OUT/gemv-$size.json" > "$OUT/gemv-$size.txt"
  for v in q4_0 q4_0_dp4a; do
    "$LAB" bench --kernel gemv --variant $v --size "$size" --unchecked \
      --json "$OUT/unchecked/gemv-$size-$v.json" > "$OUT/unchecked/gemv-$size-$v.txt"
  done
done
PYTHONUNBUFFERED=1 python3 bench/torch_gemv.py > "$OUT/torch_gemv.jsonl"
cp "$OUT/copy.json" "$OUT/torch_gemv.jsonl" "$OUT/unchecked/"
# GEMV_ONLY=1: stop after the GEMV tables.
if [ -n "${GEMV_ONLY:-}" ]; then
  cat "$OUT"/gemv-*.txt | grep -v '^kernel' | cut -c1-110
  echo "== with bounds checks"; python3 bench/summarize_gemv.py "$OUT"
  echo "== --unchecked"; python3 bench/summarize_gemv.py "$OUT/unchecked"
  exit 0
fi
sizes=1x32x1024x128,1x32x4096x128,1x32x8192x128
for causal in "" "--causal"; do
  tag=${causal:-full}; tag=${tag#--}
  "$LAB" bench --kernel attention --size $sizes $causal \
    --json "$OUT/attn-$tag.json" > "$OUT/attn-$tag.txt"
  for v in flash flash_f16; do
    "$LAB" bench --kernel attention --variant $v --size $sizes $causal --unchecked \
      --json "$OUT/unchecked/attn-$tag-$v.json" > "$OUT/unchecked/attn-$tag-$v.txt"
  done
done
PYTHONUNBUFFERED=1 python3 bench/torch_attention.py > "$OUT/torch_attention.jsonl"
cp "$OUT/torch_attention.jsonl" "$OUT/unchecked/"
cat "$OUT"/gemv-*.txt "$OUT"/attn-*.txt | grep -v '^kernel' | cut -c1-110
echo "== with bounds checks"
python3 bench/summarize_gemv.py "$OUT"
python3 bench/summarize_attention.py "$OUT"
echo "== --unchecked (bounds_proven variants only)"
python3 bench/summarize_gemv.py "$OUT/unchecked"
python3 bench/summarize_attention.py "$OUT/unchecked" "$OUT"

#!/usr/bin/env bash
# FP32 FlashAttention on the tensor cores (attention/flash_split) side by side with PyTorch's SDPA
# fp32, our FP32-FMA `flash` and our naive attention in one session on the H100, after the GPU tests (which run
# flash_split's odd shapes, its forced rescale and its far-out-of-f16-range inputs there).
#
# usage (on the GPU machine, from the repository root, Vulkan loader set up):
#   LAB=path/to/lab GPU_TESTS=path/to/gpu-test-binary OUT=out bash bench/flash_split_h100.sh
# LAB is `cargo build --release -p lab`; GPU_TESTS the binary that
# `cargo test --release -p kernels --test gpu --no-run` names (optional). Prints the table last.
set -u
L=${LAB:-target/release/lab}
O=${OUT:-out}/flash_split
mkdir -p "$O"
nvidia-smi --query-gpu=name,driver_version,clocks.sm,temperature.gpu --format=csv,noheader; date -u
if [ -n "${GPU_TESTS:-}" ]; then
    timeout 300 "$GPU_TESTS" --test-threads=1 > "$O/gpu_tests.txt" 2>&1
    echo "gpu tests rc=$?"; grep -E "test result|FAILED|panicked" "$O/gpu_tests.txt" | head
fi
sizes=1x32x1024x128,1x32x4096x128,1x32x8192x128
run() { name=$1; shift; "$L" bench --kernel attention "$@" --json "$O/$name.json" > "$O/$name.txt" 2>&1; grep -E "attention/|error" "$O/$name.txt" | cut -c1-120; }
for causal in "" "--causal"; do
    tag=${causal:-full}; tag=${tag#--}
    run "split-$tag" --variant flash_split --size $sizes $causal --experimental
    run "split-$tag-unchecked" --variant flash_split --size $sizes $causal --experimental --unchecked
    run "flash-$tag" --variant flash --size $sizes $causal
    run "naive-$tag" --variant naive --size 1x32x4096x128 $causal
done
PYTHONUNBUFFERED=1 python3 bench/torch_attention.py > "$O/torch_attention.jsonl" 2> "$O/torch.err"
nvidia-smi --query-gpu=clocks.sm,temperature.gpu --format=csv,noheader; date -u
python3 - "$O" <<'PY'
import glob, json, os, sys
o = sys.argv[1]
ours = {}
for path in glob.glob(os.path.join(o, "*.json")):
    name = os.path.basename(path)[:-5]
    for m in json.load(open(path))["measurements"]:
        s = m["shape"]
        kind = "unchecked" if name.endswith("unchecked") else "checked"
        ours[(m["variant"], kind, s["seq"], s["causal"])] = (m["gflops_per_s"] / 1e3, m["verified"])
sdpa = {}
for line in open(os.path.join(o, "torch_attention.jsonl")):
    r = json.loads(line)
    if r["dtype"] == "float32" and r["backend"] == "default":
        sdpa[(r["seq"], r["causal"])] = r["tflops"]
print("| N | mask | SDPA fp32 | naive | flash | flash_split | × SDPA | × naive | × flash | unchecked | × SDPA |")
print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for causal in (False, True):
    for n in (1024, 4096, 8192):
        ref = sdpa.get((n, causal), float("nan"))
        f = ours.get(("flash", "checked", n, causal), (float("nan"), False))
        c = ours.get(("flash_split", "checked", n, causal), (float("nan"), False))
        u = ours.get(("flash_split", "unchecked", n, causal), (float("nan"), False))
        nv = ours.get(("naive", "checked", n, causal), (float("nan"), True))
        ok = "" if c[1] and u[1] and f[1] and nv[1] else " (NOT VERIFIED)"
        print(f"| {n} | {'causal' if causal else 'none'} | {ref:.1f} | {nv[0]:.2f} | {f[0]:.2f} | "
              f"{c[0]:.2f} | {c[0] / ref:.2f} | {c[0] / nv[0]:.1f} | {c[0] / f[0]:.2f} | "
              f"{u[0]:.2f} | {u[0] / ref:.2f} |{ok}")
PY

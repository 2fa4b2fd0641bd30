"""Prints the attention comparison table from an issue6_h100.sh output folder.

usage: summarize_attention.py OUT [BASE]: naive kernels are also looked up in BASE (the runs
with bounds checks, when OUT holds only the --unchecked fused kernels)."""
import glob
import json
import os
import sys

out = sys.argv[1]
ours = []
for path in sorted(glob.glob(os.path.join(out, "attn-*.json"))):
    ours += json.load(open(path))["measurements"]
naives = list(ours)
if len(sys.argv) > 2:
    for path in sorted(glob.glob(os.path.join(sys.argv[2], "attn-*.json"))):
        naives += json.load(open(path))["measurements"]
ref = [json.loads(l) for l in open(os.path.join(out, "torch_attention.jsonl")) if l.strip()]


def sdpa(seq, causal, dtype, backend="default"):
    r = next((r for r in ref if r["seq"] == seq and r["causal"] == causal and r["dtype"] == dtype
              and r.get("backend", "default") == backend), None)
    return r["median_s"] if r else float("nan")


print(f"{'shape':<24} {'variant':<9} {'TFLOP/s':>8} {'x SDPA f32':>11} {'x math f32':>11} {'x SDPA f16':>11} {'x naive':>8} {'verified':>9}")
for m in ours:
    s = m["shape"]
    # Each variant against the naive kernel of its own precision.
    base = "naive_f16" if m["variant"].endswith("f16") else "naive"
    naive = next((n for n in naives if n["variant"] == base and n["shape"] == s), None)
    t = m["time"]["median_s"]
    shape = f"N{s['seq']} d{s['head_dim']}{' causal' if s['causal'] else ''}"
    vs_naive = naive["time"]["median_s"] / t if naive else float("nan")
    print(f"{shape:<24} {m['variant']:<9} {m['gflops_per_s'] / 1e3:>8.2f} "
          f"{sdpa(s['seq'], s['causal'], 'float32') / t:>11.2f} "
          f"{sdpa(s['seq'], s['causal'], 'float32', 'math') / t:>11.2f} "
          f"{sdpa(s['seq'], s['causal'], 'float16') / t:>11.2f} "
          f"{vs_naive:>8.2f} {str(m['verified']):>9}")
print("(x ref = reference time / our time: above 1 means ours is faster; x naive is against the naive kernel of the same precision;")
print(" SDPA f32 runs on the tensor cores (see the kernel names in torch_attention.jsonl), math f32 is SDPA's plain-fp32 backend)")
kinds = {tuple(r["kernels"]) for r in ref if r.get("dtype") == "float32" and "kernels" in r}
for k in sorted(kinds):
    print("SDPA fp32 kernels:", ", ".join(k))

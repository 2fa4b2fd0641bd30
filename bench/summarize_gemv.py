"""Prints the GEMV comparison table from a gemv_h100.sh output folder."""
import glob
import json
import os
import sys

out = sys.argv[1]
ours = []
for path in sorted(glob.glob(os.path.join(out, "gemv-*.json"))) + [os.path.join(out, "copy.json")]:
    if os.path.exists(path):
        ours += json.load(open(path))["measurements"]
ref = [json.loads(l) for l in open(os.path.join(out, "torch_gemv.jsonl")) if l.strip()]
copy_ref = next((r["gbytes_per_s"] for r in ref if r.get("kind") == "copy"), float("nan"))
copy_ours = next((m["gbytes_per_s"] for m in ours if m["kernel"] == "stream"), float("nan"))
print(f"copy bandwidth: ours {copy_ours:.0f} GB/s, torch {copy_ref:.0f} GB/s")
print(f"{'variant':<10} {'shape':<22} {'GB/s':>8} {'x copy(ours)':>13} {'x torch fp16':>13} {'verified':>9}")
for m in ours:
    if m["kernel"] != "gemv":
        continue
    s = m["shape"]
    t = next((r for r in ref if r.get("kind") == "gemv_fp16" and r["rows"] == s["rows"]
              and r["cols"] == s["cols"] and r["batch"] == s["batch"]), None)
    torch_gbs = t["gbytes_per_s"] if t else float("nan")
    torch_s = t["median_s"] if t else float("nan")
    shape = f"{s['rows']}x{s['cols']} b{s['batch']}"
    print(f"{m['variant']:<10} {shape:<22} {m['gbytes_per_s']:>8.0f} {m['gbytes_per_s'] / copy_ours:>13.2f} "
          f"{torch_s / m['time']['median_s']:>13.2f} {str(m['verified']):>9}")
print("(x torch fp16 = torch fp16 time / our time: above 1 means ours is faster)")

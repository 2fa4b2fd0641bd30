"""The table of bench/limits_h100.sh: every measurement of its numbered JSON files, in run order.

usage: python3 bench/summarize_limits.py OUT_DIR
"""
import glob
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "out"
print(f"{'run':<28} {'variant':<32} {'shape':<24} {'median':>10} {'TFLOP/s':>8} {'GB/s':>8} {'checks':>6}  verified")
for path in sorted(glob.glob(os.path.join(out, "[0-9][0-9]-*.json"))):
    run = os.path.basename(path)[3:-5]
    for m in json.load(open(path))["measurements"]:
        s = m["shape"]
        order = {"stream": ["elements"], "matmul": ["m", "n", "k"], "gemv": ["rows", "cols", "batch"],
                 "attention": ["batch", "heads", "seq", "head_dim"]}.get(s.get("kind"), [])
        shape = "x".join(str(s[k]) for k in order if k in s) or str(s)
        consts = dict(m["constants"])
        median = m["time"]["median_s"]
        t = f"{median * 1e6:.2f} us" if median < 1e-3 else f"{median * 1e3:.3f} ms"
        checks = "on" if consts.get("runtime_checks", 1.0) else "off"
        print(f"{run:<28} {m['variant']:<32} {shape:<24} {t:>10} {m['gflops_per_s'] / 1e3:>8.2f} "
              f"{m['gbytes_per_s']:>8.0f} {checks:>6}  {'yes' if m['verified'] else 'NO'}")

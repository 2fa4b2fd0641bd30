#!/usr/bin/env python3
"""Prints the BENCHMARKS.md table from `lab bench --json` files and torch_matmul.py's JSON.

usage: summarize.py TORCH_JSON LAB_JSON [LAB_JSON ...]
"""
import json
import sys


def main() -> None:
    torch = json.load(open(sys.argv[1]))
    ref = {(r["n"], r["dtype"]): r["tflops"] for r in torch["results"]}
    print(f"device: {torch['device']}  torch {torch['torch']} (CUDA {torch['cuda']}), TF32 off")
    for n in sorted({n for n, _ in ref}):
        print(f"cuBLAS {n}^3: fp32 SGEMM {ref[(n, 'float32')]:.1f} TFLOP/s, "
              f"fp16 {ref[(n, 'float16')]:.1f} TFLOP/s")
    print()
    print("TFLOP/s for matmul and peak rows; GB/s for stream rows.")
    print(f"| {'variant':<22} | {'size':<16} | {'TFLOP/s':>8} | {'vs cuBLAS':>9} | "
          f"{'verified':<8} | {'spread':>6} | constants |")
    print(f"|{'-'*24}|{'-'*18}|{'-'*10}|{'-'*11}|{'-'*10}|{'-'*8}|-----------|")
    for path in sys.argv[2:]:
        data = json.load(open(path))
        label = path.rsplit("/", 1)[-1].replace(".json", "")
        for m in data["measurements"]:
            s = m["shape"]
            if s["kind"] == "matmul":
                size = f"{s['m']}x{s['n']}x{s['k']}"
                key = (s["m"], "float16" if m["dtype"] == "f16" else "float32")
                r = ref.get(key) if s["m"] == s["n"] == s["k"] else None
                tf = m["gflops_per_s"] / 1e3
                ratio = f"{tf / r:.2f}x" if r else "-"
                value = f"{tf:8.2f}"
            else:
                size = str(s.get("elements", s.get("threads")))
                ratio = "-"
                value = (f"{m['gbytes_per_s']:8.0f}" if m["kernel"] == "stream"
                         else f"{m['gflops_per_s'] / 1e3:8.2f}")
            consts = ",".join(f"{k}={v:g}" for k, v in m["constants"])
            print(f"| {label + ':' + m['kernel'] + '/' + m['variant']:<22} | {size:<16} | "
                  f"{value} | {ratio:>9} | {str(m['verified']):<8} | "
                  f"{m['time']['spread'] * 100:5.1f}% | {consts} |")


if __name__ == "__main__":
    main()

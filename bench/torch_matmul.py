#!/usr/bin/env python3
"""Reference GEMM throughput on the same GPU, for BENCHMARKS.md: cuBLAS SGEMM (TF32 off) and
cuBLAS fp16 GEMM through PyTorch, at the sizes the WGSL ladder runs.

Sizes: the comma-separated SIZES environment variable (as bench/matmul_h100.sh passes it),
default 4096,8192. FP16_REDUCED=0 forbids cuBLAS fp16 reductions (PyTorch's
`allow_fp16_reduced_precision_reduction`, on by default), so that every sum is f32 as in
`coop_f16`; DTYPES=float16 times fp16 only.

Timing: CUDA events around a batch of back-to-back products after warm-up; the median over
samples is reported, like `lab bench`. Writes JSON to the path given as the first argument.
"""
import json
import os
import statistics
import sys

import torch

SIZES = [int(s) for s in os.environ.get("SIZES", "4096,8192").split(",") if s.strip()]
DTYPES = [getattr(torch, d) for d in os.environ.get("DTYPES", "float32,float16").split(",")]
WARMUP = 5
SAMPLES = 15


def time_gemm(n: int, dtype: torch.dtype) -> dict:
    a = torch.randn(n, n, device="cuda", dtype=dtype)
    b = torch.randn(n, n, device="cuda", dtype=dtype)
    c = torch.empty(n, n, device="cuda", dtype=dtype)
    for _ in range(WARMUP):
        torch.matmul(a, b, out=c)
    torch.cuda.synchronize()
    # Enough products per sample that one sample lasts >= ~10 ms.
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    torch.matmul(a, b, out=c)
    end.record()
    torch.cuda.synchronize()
    reps = max(1, int(10.0 / max(start.elapsed_time(end), 1e-3)))
    times = []
    for _ in range(SAMPLES):
        start.record()
        for _ in range(reps):
            torch.matmul(a, b, out=c)
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end) / 1e3 / reps)
    med = statistics.median(times)
    flops = 2.0 * n**3
    return {
        "n": n,
        "dtype": str(dtype).replace("torch.", ""),
        "median_s": med,
        "min_s": min(times),
        "max_s": max(times),
        "reps_per_sample": reps,
        "samples": SAMPLES,
        "tflops": flops / med / 1e12,
    }


def main() -> None:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = (
        os.environ.get("FP16_REDUCED", "1") != "0")
    out = {
        "device": torch.cuda.get_device_name(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        # fp16 GEMMs may then reduce in fp16 inside cuBLAS; coop_f16 always sums in f32.
        "allow_fp16_reduced_precision_reduction":
            torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction,
        "results": [],
    }
    for n in SIZES:
        for dtype in DTYPES:
            r = time_gemm(n, dtype)
            out["results"].append(r)
            print(f"torch {r['dtype']:8} {n}^3: {r['tflops']:7.1f} TFLOP/s", flush=True)
    with open(sys.argv[1], "w") as f:
        json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()

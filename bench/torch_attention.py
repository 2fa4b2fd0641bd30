"""Reference figures for attention on a CUDA GPU: torch scaled_dot_product_attention in fp32
and fp16 at the shapes `lab bench --kernel attention` runs. CUDA events, warm-up, median of
repeats. FLOPs counted as 4·B·H·N²·d, halved for causal (the same model as ours).

Each line also names the CUDA kernels the default backend launched. In fp32 on an H100 that is
PyTorch's memory-efficient kernel, which runs its products on the tensor cores (CUTLASS's
three-pass TF32, `OpMultiplyAddFastF32`); so fp32 rows are also timed with the math backend
(`backend: "math"`: cuBLAS SGEMM with TF32 off, the softmax, a second SGEMM), whose arithmetic is
plain fp32 like ours. Prints one JSON object per line.
"""
import json
import statistics
import sys

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def timed(fn, reps=20, warmup=5):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end) / 1e3)
    return statistics.median(times)


def kernels(fn):
    """Names of the CUDA kernels one call of `fn` launches."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return sorted({e.name for e in prof.events()
                   if e.device_type == torch.autograd.DeviceType.CUDA})


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    b, h, d = 1, 32, 128
    for n in [1024, 4096, 8192]:
        for causal in [False, True]:
            for dtype in [torch.float32, torch.float16]:
                q, k, v = (torch.randn(b, h, n, d, dtype=dtype, device="cuda") for _ in range(3))
                run = lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal)
                t = timed(run)
                flops = 4 * b * h * n * n * d * (0.5 if causal else 1.0)
                print(json.dumps({
                    "kind": "sdpa", "dtype": str(dtype).removeprefix("torch."), "seq": n,
                    "causal": causal, "median_s": t, "tflops": flops / t / 1e12,
                    "backend": "default", "kernels": kernels(run),
                }))
                if dtype == torch.float32:
                    with sdpa_kernel(SDPBackend.MATH):
                        t = timed(run)
                    print(json.dumps({
                        "kind": "sdpa", "dtype": "float32", "seq": n, "causal": causal,
                        "median_s": t, "tflops": flops / t / 1e12, "backend": "math",
                    }))
                del q, k, v


if __name__ == "__main__":
    sys.exit(main())

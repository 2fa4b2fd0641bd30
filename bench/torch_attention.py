"""Reference figures for attention on a CUDA GPU: torch scaled_dot_product_attention in fp32
and fp16 at the shapes `lab bench --kernel attention` runs. CUDA events, warm-up, median of
repeats. FLOPs counted as 4·B·H·N²·d, halved for causal (the same model as ours).
Prints one JSON object per line.
"""
import json
import statistics
import sys

import torch
import torch.nn.functional as F


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


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    b, h, d = 1, 32, 128
    for n in [1024, 4096, 8192]:
        for causal in [False, True]:
            for dtype in [torch.float32, torch.float16]:
                q, k, v = (torch.randn(b, h, n, d, dtype=dtype, device="cuda") for _ in range(3))
                t = timed(lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal))
                flops = 4 * b * h * n * n * d * (0.5 if causal else 1.0)
                print(json.dumps({
                    "kind": "sdpa", "dtype": str(dtype).removeprefix("torch."), "seq": n,
                    "causal": causal, "median_s": t, "tflops": flops / t / 1e12,
                }))
                del q, k, v


if __name__ == "__main__":
    sys.exit(main())

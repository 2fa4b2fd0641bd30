"""Reference figures for the decode GEMV on a CUDA GPU, to compare with `lab bench --kernel gemv`.

Times torch fp16 GEMV (y = x @ W.T, W rows x cols, x batch x cols) with CUDA events: warm-up,
then the median of repeated runs, rotating across several weight copies so L2 (50 MB on an H100)
does not hold the weights between runs. Also times a device-to-device copy for the bandwidth roof.
Prints one JSON object per line.
"""
import json
import statistics
import sys

import torch


def timed(fn, reps=50, warmup=10):
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
    shapes = [(4096, 4096), (14336, 4096)]
    batches = [1, 8]
    dev = torch.device("cuda")
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__}))
    # Copy bandwidth: 1 GiB, counting bytes read plus bytes written.
    n = 1 << 28
    src = torch.empty(n, dtype=torch.float32, device=dev).uniform_()
    dst = torch.empty_like(src)
    t = timed(lambda: dst.copy_(src))
    print(json.dumps({"kind": "copy", "bytes": 8 * n, "median_s": t, "gbytes_per_s": 8 * n / t / 1e9}))
    del src, dst
    for rows, cols in shapes:
        copies = max(2, int(200e6 // (rows * cols * 2)) + 1)
        ws = [torch.randn(rows, cols, dtype=torch.float16, device=dev) for _ in range(copies)]
        for batch in batches:
            x = torch.randn(batch, cols, dtype=torch.float16, device=dev)
            i = [0]

            def step():
                i[0] = (i[0] + 1) % copies
                return x @ ws[i[0]].T

            t = timed(step)
            nbytes = rows * cols * 2 + batch * (rows + cols) * 2
            print(json.dumps({
                "kind": "gemv_fp16", "rows": rows, "cols": cols, "batch": batch,
                "median_s": t, "gbytes_per_s": nbytes / t / 1e9,
                "gflops_per_s": 2 * rows * cols * batch / t / 1e9,
            }))
        del ws


if __name__ == "__main__":
    sys.exit(main())

"""Cuts the machine code of one Vulkan pipeline out of the NVIDIA driver's shader disk cache, so
that `nvdisasm -b SM90` can disassemble it (BENCHMARKS.md, "What the driver made of coop_f16").

usage: python3 bench/nvcache.py CACHE_DIR OUT.code
Run the kernel once with an empty cache directory first, so the cache holds its pipeline alone:
  __GL_SHADER_DISK_CACHE=1 __GL_SHADER_DISK_CACHE_SKIP_CLEANUP=1 __GL_SHADER_DISK_CACHE_PATH=DIR lab bench …

The layout was read off the cache files of driver 580.159.04 (not documented by NVIDIA): each
`.bin` holds zstd frames; the pipeline's frame decompresses to a container starting "NVDANVVM",
whose header gives the code's offset (32-bit word 8, plus 24) and size (word 15; the same
figure as the code size the driver reports through VK_KHR_pipeline_executable_properties).
Every cut is checked: sm_90 code ends in NOP padding, and a cut that does not is refused.
Needs the `zstandard` module (the GPU machine has none: install the wheel carried in .bench).
"""
import os
import struct
import sys

import zstandard

MAGIC = b"\x28\xb5\x2f\xfd"
NOP = bytes.fromhex("1879000000000000" "0000000000c00f00")


def containers(data):
    """Every zstd frame of `data` that decompresses to a code container."""
    at = data.find(MAGIC)
    while at >= 0:
        try:
            out = zstandard.ZstdDecompressor().decompressobj().decompress(data[at:])
        except zstandard.ZstdError:
            out = b""
        if out.startswith(b"NVDANVVM"):
            yield out
        at = data.find(MAGIC, at + 4)


def code(container):
    words = struct.unpack("<16I", container[16:80])
    start, size = words[8] + 24, words[15]
    cut = container[start:start + size]
    if size < 32 or len(cut) != size or cut[-16:] != NOP:
        raise SystemExit(f"the container's layout is not the one this script knows (start {start}, size {size})")
    return cut


def main():
    cache, out = sys.argv[1], sys.argv[2]
    found = []
    for d, _, files in os.walk(cache):
        for f in files:
            if f.endswith(".bin"):
                found.extend(containers(open(os.path.join(d, f), "rb").read()))
    if not found:
        raise SystemExit(f"no pipeline code found under {cache}")
    # The kernel's pipeline is the largest entry (the harness builds no other compute pipeline
    # as large).
    cut = code(max(found, key=len))
    with open(out, "wb") as f:
        f.write(cut)
    print(f"{out}: {len(cut)} bytes of code ({len(found)} pipeline(s) in the cache)")


if __name__ == "__main__":
    main()

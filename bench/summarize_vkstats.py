"""Turns bench/vkstats_h100.sh's TSV into a Markdown table, with the occupancy that each
kernel's registers, workgroup memory and threads allow on an H100 (sm_90: 65,536 registers and
228 KiB of shared memory per SM, of which 1 KiB is reserved per workgroup; registers allocated
per warp in whole multiples of 8 per thread; at most 64 warps and 32 workgroups per SM). The
occupancy is computed from the driver's figures by those rules, not measured.

usage: python3 bench/summarize_vkstats.py vkstats.tsv
"""
import math
import sys

REGS, SHARED, RESERVED, WARPS, GROUPS = 65536, 228 * 1024, 1024, 64, 32


def occupancy(threads, regs, shared):
    warps = math.ceil(threads / 32)
    per_warp = math.ceil(regs / 8) * 8 * 32
    by_regs = (REGS // per_warp) // warps
    by_shared = SHARED // (shared + RESERVED)
    groups = min(by_regs, by_shared, WARPS // warps, GROUPS)
    return groups, groups * warps


def main():
    print("| kernel | checks | threads | registers | spilled (B/thread) | workgroup memory (B) | code (B) | workgroups per SM | warps per SM |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    with open(sys.argv[1]) as f:
        for line in f:
            label, checks, threads, regs, local, shared, code = line.rstrip("\n").split("\t")
            groups, warps = occupancy(int(threads), int(regs), int(shared))
            print(f"| {label} | {checks} | {threads} | {regs} | {local} | {shared} | {code} | {groups} | {warps} |")


if __name__ == "__main__":
    main()

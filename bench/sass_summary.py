"""Summarizes a kernel's sm_90 disassembly: instruction counts in the whole kernel and in its
main loop, and where the loop waits for its global loads. Reads the scheduling bits that
nvdisasm does not print from the code itself (bits 105 and up of each 128-bit instruction,
among them the scoreboard an instruction sets when its result arrives late and the scoreboards
it waits for; the layout is the one public reverse-engineering of Volta and later
describes, checked here against the listing: every LDG and LDSM sets one, and only their
consumers wait).

usage: python3 bench/sass_summary.py LABEL FILE.code FILE.sass   (prints one TSV row)
columns: label, instructions, HMMA, LDSM, LDG, STS, BAR, loop instructions, loop HMMA,
loop LDG, loop instructions that wait for the loop's LDGs, the scoreboards those LDGs set, loop
LDS (plain workgroup-memory loads), loop FFMA (the last two added after the first run, whose rows
have twelve columns)
"""
import re
import sys

label, code_path, sass_path = sys.argv[1:4]
code = open(code_path, "rb").read()
rows = []
for line in open(sass_path):
    m = re.search(r"/\*([0-9a-f]{4,5})\*/\s+(.*?)\s*;", line)
    if not m:
        continue
    off = int(m.group(1), 16)
    word = int.from_bytes(code[off:off + 16], "little")
    ctrl = word >> 105
    text = m.group(2)
    op = re.sub(r"^@!?U?P\w+\s+", "", text).split()[0]
    rows.append({"off": off, "text": text, "op": op, "set": (ctrl >> 5) & 7,
                 "wait": (ctrl >> 11) & 0x3F})


def count(rs, prefix):
    return sum(r["op"].startswith(prefix) for r in rs)


# The main loop: the backward branch whose span holds the most matrix or FMA instructions.
best = (0, 0, 0)
for i, r in enumerate(rows):
    m = re.match(r"BRA 0x([0-9a-f]+)", r["text"])
    if m and int(m.group(1), 16) < r["off"]:
        j = next(k for k, q in enumerate(rows) if q["off"] == int(m.group(1), 16))
        h = count(rows[j:i + 1], "HMMA") + count(rows[j:i + 1], "FFMA")
        if h > best[0]:
            best = (h, j, i + 1)
loop = rows[best[1]:best[2]]
ldg_sb = {r["set"] for r in loop if r["op"].startswith("LDG") and r["set"] != 7}
waits = sum(any(r["wait"] >> b & 1 for b in ldg_sb) for r in loop)
print("\t".join(str(x) for x in (
    label, len(rows), count(rows, "HMMA"), count(rows, "LDSM"), count(rows, "LDG"),
    count(rows, "STS"), count(rows, "BAR"), len(loop), count(loop, "HMMA"), count(loop, "LDG"),
    waits, ",".join(f"SB{b}" for b in sorted(ldg_sb)),
    sum(r["op"] == "LDS" or r["op"].startswith("LDS.") for r in loop), count(loop, "FFMA"))))

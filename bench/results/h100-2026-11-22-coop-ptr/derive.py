"""Writes this folder's variants other than coop_ptr.wgsl, byte for byte as they ran, from
coop_ptr.wgsl and the kernel as of commit 2897c00.

usage: git show 2897c00:kernels/wgsl/matmul/coop_f16.wgsl > /tmp/coop_f16.wgsl
       python3 derive.py /tmp/coop_f16.wgsl OUT_DIR
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
kernel = open(sys.argv[1]).read()
ptr = open(os.path.join(here, "coop_ptr.wgsl")).read()
out = sys.argv[2]


def sub(s, old, new):
    assert old in s, old
    return s.replace(old, new)


def rw(s):
    for name in ("a", "b"):
        s = sub(s, f"var<storage, read> {name}: array<vec4<u32>>;",
                f"var<storage, read_write> {name}: array<vec4<u32>>;")
    return s


def dep(s, is_ptr):
    """Each step's barrier a workgroupUniformLoad of a zero word added to the next loads' index."""
    s = sub(s, "var<workgroup> c_stage:", "var<workgroup> zero_wg: u32;\nvar<workgroup> c_stage:")
    s = sub(s, "            workgroupBarrier();\n            buf = 1u - buf;",
            "            z = workgroupUniformLoad(&zero_wg);\n            buf = 1u - buf;")
    s = sub(s, "    var buf = 0u;\n    for (var t = 0u;", "    var buf = 0u;\n    var z = 0u;\n    for (var t = 0u;")
    if is_ptr:
        s = sub(s, "fetch(g, t + (s + 2u + DEPTH) * BK)", "fetch(g, t + z + (s + 2u + DEPTH) * BK)")
    else:
        s = sub(s, "fetch(tid, row0, col0, t + (s + 2u + DEPTH) * BK)",
                "fetch(tid, row0, col0, t + z + (s + 2u + DEPTH) * BK)")
    return sub(s, "    workgroupBarrier();\n    {\n        let pa0",
               "    if (tid == 0u) { zero_wg = 0u; }\n    workgroupBarrier();\n    {\n        let pa0")


def word16(s):
    """The zero word 16 bytes long, so that the tiles keep their 16-byte alignment."""
    s = sub(s, "var<workgroup> zero_wg: u32;",
            "// 16 bytes, so that the tiles stay 16-byte aligned whatever the layout.\n"
            "var<workgroup> zero_wg: array<u32, 4>;")
    s = sub(s, "workgroupUniformLoad(&zero_wg)", "workgroupUniformLoad(&zero_wg[0])")
    return sub(s, "if (tid == 0u) { zero_wg = 0u; }", "if (tid == 0u) { zero_wg[0] = 0u; }")


variants = {
    "coop_rw": rw(kernel),
    "coop_ptr_rw": rw(ptr),
    "coop_dep": dep(kernel, False),
    "coop_ptr_dep": dep(ptr, True),
    "coop_dep16": word16(dep(kernel, False)),
    "coop_ptr_dep16": word16(dep(ptr, True)),
}
for d in (2, 3):
    variants[f"coop_ptr_d{d}"] = sub(ptr, "const DEPTH: u32 = 4u;", f"const DEPTH: u32 = {d}u;")
os.makedirs(out, exist_ok=True)
for name, text in variants.items():
    with open(os.path.join(out, name + ".wgsl"), "w") as f:
        f.write(text)

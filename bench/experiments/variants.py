"""Writes the bisection variants of our kernels that BENCHMARKS.md's "where the time goes"
sections measure: each is the kernel's own WGSL with one thing taken out (global loads,
barriers, a phase of the work) or one thing changed (thread tile, loop unrolling). Most return
wrong results on purpose; they are timed, not trusted. Run through `lab bench --wgsl FILE`,
which keeps the variant's buffers, grid and cost model, so times compare directly.

usage: python3 bench/experiments/variants.py OUT_DIR   (from the repository root)
Every edit asserts that its anchor text is found, so a change to a kernel fails loudly here
instead of producing a silently unmodified "variant".

Each variant is written from the kernel as it is in the same commit. A figure measured before a
kernel changed came from that kernel's variants: to write them again, check out a commit from
before the change (BENCHMARKS.md names one where it matters: 2ec8700 for the experiments on
`coop_f16` and `coop_split` before they kept several steps of loads in flight; dc862c3 for
those on `coop_f16` before it loaded its fragments a step ahead, including the groups
`coop_bk32`, `coop_fpre`, `coop_fpre3` and the variant `coop_kstag4`, since removed).
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "kernels", "wgsl")


def read(path):
    with open(os.path.join(ROOT, path)) as f:
        return f.read()


def replace(src, old, new):
    assert old in src, f"anchor not found: {old[:60]!r}"
    return src.replace(old, new, 1)


def early_return(src, signature):
    """Returns at the top of the entry point whose declaration starts with `signature`. The
    condition is always true but reads a uniform, so the barriers below stay uniform."""
    i = src.index(signature)
    j = src.index(") {\n", i) + len(") {\n")
    return src[:j] + "    if (params.rows > 0u) { return; }\n" + src[j:]


# GEMV: the fixed cost of the dispatches, with their entry points emptied.
def gemv():
    dp4a = read("gemv/q4_0_dp4a.wgsl")
    q4 = read("gemv/q4_0.wgsl")
    return {
        "dp4a_nomain.wgsl": early_return(dp4a, "fn main("),
        "dp4a_noquant.wgsl": early_return(dp4a, "fn quantize("),
        "dp4a_none.wgsl": early_return(early_return(dp4a, "fn main("), "fn quantize("),
        "q4_nomain.wgsl": early_return(q4, "fn main("),
    }


# `q4_0_dp4a` with two pairs per loop trip and their next two in flight, no branch around any
# load (right results): a pair past the row's end reads clamped words and x, and adds zero.
def gemv_deep():
    g = read("gemv/q4_0_dp4a.wgsl")
    g = replace(g, """fn pair_dot(q: Pair, m: u32, p: u32, pairs: u32) -> f32 {
    let sc""", """fn pair_dot(q: Pair, m: u32, p0: u32, pairs: u32) -> f32 {
    let p = min(p0, pairs - 1u);
    let sc""")
    g = replace(g, "    return q.d0 * b0 + q.d1 * b1;\n}", "    return select(0.0, q.d0 * b0 + q.d1 * b1, p0 < pairs);\n}")
    g = replace(g, """    var win: Window;
    if (j < pairs) { win = load_window(row, j); }
    for (var p = j; p < pairs; p += LANES) {
        let cur = win;
        if (p + LANES < pairs) { win = load_window(row, p + LANES); }
        accumulate(cur, half, p, pairs, &s);
    }""", """    var w0 = load_window(row, j);
    var w1 = load_window(row, j + LANES);
    for (var p = j; p < pairs; p += 2u * LANES) {
        let c0 = w0;
        let c1 = w1;
        w0 = load_window(row, p + 2u * LANES);
        w1 = load_window(row, p + 3u * LANES);
        accumulate(c0, half, p, pairs, &s);
        accumulate(c1, half, p + LANES, pairs, &s);
    }""")
    return {"dp4a_ring2.wgsl": g}


# vec4 FP32 matmul.
def vec4_noload(s):
    for fn, scale in (("load_a", "1e-3"), ("load_b", "2e-3")):
        sig = f"fn {fn}(l: u32, tid: u32, {'row0' if fn == 'load_a' else 'col0'}: u32, t: u32) -> vec4<f32> {{"
        s = replace(s, sig, sig + f"\n    if (params.m > 0u) {{ return vec4<f32>(f32(tid + l + t) * {scale}); }}")
    return s


def vec4_nobar(s):
    return replace(s, "        workgroupBarrier();\n        buf = 1u - buf;", "        buf = 1u - buf;")


def vec4_nostore(s):
    return replace(s, "        if (fetch) {\n            let other", "        if (fetch && params.m == 0u) {\n            let other")


def depth_loop(s):
    """Where vec4's BK-deep loop starts and ends in `s`, and its body."""
    start = s.index("            for (var p = 0u; p < BK; p++) {")
    end = s.index("            }\n        }\n        // Store block t") + len("            }\n")
    loop = s[start:end]
    return start, end, loop[loop.index("{") + 1:loop.rindex("}")]


def vec4_unroll(s):
    """The BK-deep loop written out 16 times (BK = 16 only)."""
    start, end, body = depth_loop(s)
    return s[:start] + "".join(f"            {{\n                let p = {i}u;{body}            }}\n" for i in range(16)) + s[end:]


def vec4_unroll_by(s, u):
    """The BK-deep loop stepping u depths at a time, its body written out u times."""
    start, end, body = depth_loop(s)
    copies = "".join(f"                {{\n                let p = p0 + {i}u;{body}                }}\n" for i in range(u))
    return s[:start] + f"            for (var p0 = 0u; p0 < BK; p0 += {u}u) {{\n{copies}            }}\n" + s[end:]


def prefetch_lines():
    """The guarded loads of prefetch slots 1 to 3 (slot 0 is unconditional) and their stores
    into the other buffer, as `vec4` and `unrolled` write them."""
    loads = "\n".join(f"            if (LOADS_{x} > {i}u) {{ n{x.lower()}{i} = load_{x.lower()}({i}u, tid, {'row0' if x == 'A' else 'col0'}, t); }}"
                      for x in "AB" for i in (1, 2, 3))
    puts = "\n".join(f"            if (LOADS_{x} > {i}u) {{ {x.lower()}_tile[{x.lower()}_slot({i}u, tid, other)] = n{x.lower()}{i}; }}"
                     for x in "AB" for i in (1, 2, 3))
    return loads, puts


def vec4_t816(s):
    """An 8×16 thread tile (32 vec4 accumulators, half the threads). The host still passes
    BM, BN, BK; the workgroup size T2 = (BM/8)·(BN/16) is worked out here."""
    s = replace(s, "override LOADS_A: u32 = BM * BK / 4u / THREADS;",
                "override T2: u32 = (BM / 8u) * (BN / 16u);\noverride LOADS_A: u32 = BM * BK / 4u / T2;")
    s = replace(s, "override LOADS_B: u32 = BN * BK / 4u / THREADS;", "override LOADS_B: u32 = BN * BK / 4u / T2;")
    for fn in ("fn load_a", "fn a_slot", "fn load_b", "fn b_slot"):
        i = s.index(fn)
        j = s.index("\n}\n", i)
        s = s[:i] + s[i:j].replace("THREADS", "T2") + s[j:]
    head = s[:s.index("@compute")]
    lanes = ["a0.x", "a0.y", "a0.z", "a0.w", "a1.x", "a1.y", "a1.z", "a1.w"]
    acc = "\n".join("    " + " ".join(f"var c{r}{j} = vec4<f32>(0.0);" for j in range(4)) for r in range(8))
    fmas = "\n".join("                " + " ".join(
        f"c{r}{j} = fma(vec4<f32>({lanes[r]}), b{j}, c{r}{j});" for j in range(4)) for r in range(8))
    stores = "".join(
        f"    store_row({'r0' if r < 4 else 'r1'} + {r % 4}u, q0, c{r}0, c{r}1, c{r}2, c{r}3);\n" for r in range(8))
    loads, puts = prefetch_lines()
    return head + f"""@compute @workgroup_size(T2)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {{
    let tx = tid % (BN / 16u);
    let ty = tid / (BN / 16u);
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
{acc}
    var na0 = vec4<f32>(0.0); var na1 = vec4<f32>(0.0);
    var na2 = vec4<f32>(0.0); var na3 = vec4<f32>(0.0);
    var nb0 = vec4<f32>(0.0); var nb1 = vec4<f32>(0.0);
    var nb2 = vec4<f32>(0.0); var nb3 = vec4<f32>(0.0);
    var buf = 0u;
    for (var t = 0u; t < params.k + BK; t += BK) {{
        let fetch = t < params.k;
        if (fetch) {{
            na0 = load_a(0u, tid, row0, t);
            nb0 = load_b(0u, tid, col0, t);
{loads}
        }}
        if (t > 0u) {{
            let a_base = buf * BK * BM / 4u;
            let b_base = buf * BK * BN / 4u;
            for (var p = 0u; p < BK; p++) {{
                let a0 = a_tile[a_base + p * (BM / 4u) + ty];
                let a1 = a_tile[a_base + p * (BM / 4u) + BM / 8u + ty];
                let b0 = b_tile[b_base + p * (BN / 4u) + tx];
                let b1 = b_tile[b_base + p * (BN / 4u) + BN / 16u + tx];
                let b2 = b_tile[b_base + p * (BN / 4u) + 2u * (BN / 16u) + tx];
                let b3 = b_tile[b_base + p * (BN / 4u) + 3u * (BN / 16u) + tx];
{fmas}
            }}
        }}
        // Store block t into the other buffer.
        if (fetch) {{
            let other = 1u - buf;
            a_tile[a_slot(0u, tid, other)] = na0;
            b_tile[b_slot(0u, tid, other)] = nb0;
{puts}
        }}
        workgroupBarrier();
        buf = 1u - buf;
    }}
    let q0 = col0 / 4u + tx;
    let r0 = row0 + 4u * ty;
    let r1 = row0 + BM / 2u + 4u * ty;
{stores}}}

fn store_row(row: u32, q0: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {{
    if (row < params.m) {{
        let q = array<u32, 4>(q0, q0 + BN / 16u, q0 + 2u * (BN / 16u), q0 + 3u * (BN / 16u));
        let v = array<vec4<f32>, 4>(v0, v1, v2, v3);
        for (var j = 0u; j < 4u; j++) {{
            if (q[j] < params.b_stride) {{ c[row * params.b_stride + q[j]] = v[j]; }}
        }}
    }}
}}
"""


def vec4_marked(s):
    """vec4's BK-deep loop marked `// @unroll`, so the host writes it out at any BK."""
    anchor = "            for (var p = 0u; p < BK; p++) {"
    return replace(s, anchor, "            // @unroll\n" + anchor)


def unrolled_t168():
    """`unrolled` with its thread tile turned: 16×8 (four 4-row quarters × two vec4 columns)
    instead of 8×16, so it reads 4 vec4s of A and 2 of B per depth. Same thread count and
    host contract: (BM/16)·(BN/8) = (BM/8)·(BN/16)."""
    u = read("matmul/unrolled.wgsl")
    head = replace(u[:u.index("@compute")], "override QN: u32 = BN / 16u;", "override QN: u32 = BN / 8u;")
    acc = "\n".join(f"    var c{r}_0 = vec4<f32>(0.0); var c{r}_1 = vec4<f32>(0.0);" for r in range(16))
    a_reads = "\n".join(f"                let a{q} = a_tile[a_base + p * (BM / 4u) + {q}u * (BM / 16u) + ty];" for q in range(4))
    fmas = "\n".join(
        f"                c{4 * q + j}_0 = fma(vec4(a{q}.{x}), b0, c{4 * q + j}_0); c{4 * q + j}_1 = fma(vec4(a{q}.{x}), b1, c{4 * q + j}_1);"
        for q in range(4) for j, x in enumerate("xyzw"))
    stores = "\n".join(
        f"    store_row(row0 + {q}u * (BM / 4u) + 4u * ty + {j}u, q0, c{4 * q + j}_0, c{4 * q + j}_1);"
        for q in range(4) for j in range(4))
    loads, puts = prefetch_lines()
    return head + f"""@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {{
    let tx = tid % QN;
    let ty = tid / QN;
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
{acc}
    var na0 = vec4<f32>(0.0); var na1 = vec4<f32>(0.0);
    var na2 = vec4<f32>(0.0); var na3 = vec4<f32>(0.0);
    var nb0 = vec4<f32>(0.0); var nb1 = vec4<f32>(0.0);
    var nb2 = vec4<f32>(0.0); var nb3 = vec4<f32>(0.0);
    var buf = 0u;
    for (var t = 0u; t < params.k + BK; t += BK) {{
        let fetch = t < params.k;
        if (fetch) {{
            na0 = load_a(0u, tid, row0, t);
            nb0 = load_b(0u, tid, col0, t);
{loads}
        }}
        if (t > 0u) {{
            let a_base = buf * BK * BM / 4u;
            let b_base = buf * BK * BN / 4u;
            // @unroll
            for (var p = 0u; p < BK; p++) {{
{a_reads}
                let b0 = b_tile[b_base + p * (BN / 4u) + tx];
                let b1 = b_tile[b_base + p * (BN / 4u) + QN + tx];
{fmas}
            }}
        }}
        if (fetch) {{
            let other = 1u - buf;
            a_tile[a_slot(0u, tid, other)] = na0;
            b_tile[b_slot(0u, tid, other)] = nb0;
{puts}
        }}
        workgroupBarrier();
        buf = 1u - buf;
    }}
    let q0 = col0 / 4u + tx;
{stores}
}}

fn store_row(row: u32, q0: u32, v0: vec4<f32>, v1: vec4<f32>) {{
    if (row < params.m) {{
        let v = array<vec4<f32>, 2>(v0, v1);
        for (var j = 0u; j < 2u; j++) {{
            let q = q0 + j * QN;
            if (q < params.b_stride) {{
                c[row * params.b_stride + q] = v[j];
            }}
        }}
    }}
}}
"""


def a_swizzled(s):
    """The transposed A block stored with its vec4 column XOR-ed by the depth (mod 8), so that
    the 16 depths a warp stores at once fall in different banks instead of one; the reads XOR
    the same way (BM a multiple of 32 keeps every column inside its row)."""
    s = replace(s, "    return buf * BK * BM / 4u + (i % BK) * (BM / 4u) + i / BK;",
                "    return buf * BK * BM / 4u + (i % BK) * (BM / 4u) + ((i / BK) ^ (i % BK % 8u));")
    return replace(s, "                let a0 = a_tile[a_base + p * (BM / 4u) + ty];\n"
                      "                let a1 = a_tile[a_base + p * (BM / 4u) + BM / 8u + ty];",
                   "                let a0 = a_tile[a_base + p * (BM / 4u) + (ty ^ (p % 8u))];\n"
                   "                let a1 = a_tile[a_base + p * (BM / 4u) + ((BM / 8u + ty) ^ (p % 8u))];")


def unrolled_stores4():
    """`unrolled` with each row stored by four guarded stores written out, as its first version
    was, instead of the loop over a four-element array."""
    return replace(read("matmul/unrolled.wgsl"), """    if (row < params.m) {
        let v = array<vec4<f32>, 4>(v0, v1, v2, v3);
        for (var j = 0u; j < 4u; j++) {
            let q = q0 + j * QN;
            if (q < params.b_stride) {
                c[row * params.b_stride + q] = v[j];
            }
        }
    }""", """    if (row < params.m) {
        if (q0 < params.b_stride) { c[row * params.b_stride + q0] = v0; }
        if (q0 + QN < params.b_stride) { c[row * params.b_stride + q0 + QN] = v1; }
        if (q0 + 2u * QN < params.b_stride) { c[row * params.b_stride + q0 + 2u * QN] = v2; }
        if (q0 + 3u * QN < params.b_stride) { c[row * params.b_stride + q0 + 3u * QN] = v3; }
    }""")


def unrolled_nopre():
    """`unrolled` with block t's global loads issued after the multiplies of block t − BK
    instead of before them (nothing carried across the multiplies in registers)."""
    u = read("matmul/unrolled.wgsl")
    i = u.index("        let fetch = t < params.k;\n        {\n            na0 =")
    j = u.index("        // ... while they travel")
    loads = u[i:j]
    u = u[:i] + "        let fetch = t < params.k;\n" + u[j:]
    anchor = "        // Store block t into the other buffer;"
    return replace(u, anchor, loads.replace("        let fetch = t < params.k;\n", "") + anchor)


def vec4():
    s = read("matmul/vec4.wgsl")
    compute = lambda x: vec4_nostore(vec4_nobar(vec4_noload(x)))
    t816 = vec4_t816(s)
    return {
        "vec4_noload.wgsl": vec4_noload(s),
        "vec4_nobar.wgsl": vec4_nobar(s),
        "vec4_noload_nobar.wgsl": vec4_nobar(vec4_noload(s)),
        "vec4_compute.wgsl": compute(s),
        "vec4_unroll.wgsl": vec4_unroll(s),
        "vec4_unroll_compute.wgsl": vec4_unroll(compute(s)),
        "vec4_t816.wgsl": t816,
        "vec4_t816_compute.wgsl": compute(t816),
        "vec4_t816_unroll.wgsl": vec4_unroll(t816),
        "vec4_t816_u2.wgsl": vec4_unroll_by(t816, 2),
        "vec4_t816_u4.wgsl": vec4_unroll_by(t816, 4),
        "vec4_t816_u8.wgsl": vec4_unroll_by(t816, 8),
        "vec4_t816_unroll_compute.wgsl": vec4_unroll(compute(t816)),
        "vec4_marked.wgsl": vec4_marked(s),
        "unrolled_t168.wgsl": unrolled_t168(),
        "vec4_swz.wgsl": a_swizzled(s),
        "unrolled_swz.wgsl": a_swizzled(read("matmul/unrolled.wgsl")),
        "unrolled_stores4.wgsl": unrolled_stores4(),
        "unrolled_nopre.wgsl": unrolled_nopre(),
    }


# Tensor-core matmul: what its staging costs.
def no_round_trip(s):
    """`coop_f16` (or a variant) with the staged words choosing between two constants."""
    s = replace(s, "    return vec4<f16>(vec2<f16>(unpack2x16float(v.x)), vec2<f16>(unpack2x16float(v.y)));",
                "    return select(vec4<f16>(1.0h), vec4<f16>(0.5h), (v.x ^ v.y) == 0u);")
    return replace(s, "    return vec4<f16>(vec2<f16>(unpack2x16float(v.z)), vec2<f16>(unpack2x16float(v.w)));",
                   "    return select(vec4<f16>(1.0h), vec4<f16>(0.5h), (v.z ^ v.w) == 0u);")


def staged_as(s, decl, ty, zero, first, second):
    """`coop_f16` (or a variant) reading A and B as `ty` (declared by `decl`, which may be
    empty), 16 bytes that hold the two vec4<f16> to stage (`first` and `second`, expressions
    of `v`), so no conversion is needed."""
    s = replace(s, "@group(0) @binding(1) var<storage, read> a: array<vec4<u32>>;\n"
                   "@group(0) @binding(2) var<storage, read> b: array<vec4<u32>>;",
                f"{decl}@group(0) @binding(1) var<storage, read> a: array<{ty}>;\n"
                f"@group(0) @binding(2) var<storage, read> b: array<{ty}>;")
    for x in "ab":
        sig = f"fn load_{x}({'row0' if x == 'a' else 'col0'}: u32, t: u32, e: u32) -> vec4<u32> {{"
        s = replace(s, sig, sig.replace("vec4<u32>", ty))
        s = replace(s, "    var v = vec4<u32>();\n", f"    var v = {zero};\n")
        s = replace(s, f"fn put_{x}(buf: u32, e: u32, v: vec4<u32>) {{", f"fn put_{x}(buf: u32, e: u32, v: {ty}) {{")
        s = replace(s, f"        {x}_tile[i] = lo(v);\n        {x}_tile[i + 1u] = hi(v);",
                    f"        {x}_tile[i] = {first};\n        {x}_tile[i + 1u] = {second};")
        for k in range(4):
            s = replace(s, f"    {x}{k}: vec4<u32>,", f"    {x}{k}: {ty},")
    return s


def as_matrix(s):
    """`coop_f16` (or a variant) reading A and B as mat2x4<f16>, whose columns are the two
    vec4<f16>."""
    return staged_as(s, "", "mat2x4<f16>", "mat2x4<f16>()", "v[0]", "v[1]")


def coop():
    s = read("matmul/coop_f16.wgsl")
    # The staged words choose between two constants: no f32 round trip (wrong results).
    noconv = no_round_trip(s)
    # Each 16 bytes loaded as a struct of two vec4<f16>: no conversion at all (right results).
    pair = staged_as(s, "struct Pair {\n    lo: vec4<f16>,\n    hi: vec4<f16>,\n}\n", "Pair",
                     "Pair(vec4<f16>(), vec4<f16>())", "v.lo", "v.hi")
    # A read as if it were stored K×M: a warp's 32 loads cover 512 contiguous bytes instead of
    # 32 bytes of 16 rows (wrong results; the same bytes per step, only their addresses differ).
    acoal = replace(s, """    let r = row0 + e / (BK / 8u);
    let q = t / 8u + e % (BK / 8u);
    let row = params.a_row / 2u;
    var v = vec4<u32>();
    // q < row: the row's padding is zeros already, past it is the next row.
    if (e < BM * BK / 8u && r < params.m && q < row) {""", """    let r = t + e / (BM / 8u);
    let q = row0 / 8u + e % (BM / 8u);
    let row = params.a_row / 2u;
    var v = vec4<u32>();
    // q < row: the row's padding is zeros already, past it is the next row.
    if (e < BM * BK / 8u && r < params.k && q < row) {""")
    # Experiments on the kernel before it kept four steps in flight: the data movement of three
    # products per fragment (`coop_split3`), the next step's loads issued after the multiplies
    # (`coop_nopre`), each workgroup walking K from its own step (`coop_kstag`), and the
    # prefetches issued with no branch around them (`*_always`, `coop_sel`, `coop_deep*`).
    # This file at commit 2ec8700 writes them from the kernels of that commit.
    return {"coop_noconv.wgsl": noconv, "coop_pair.wgsl": pair, "coop_acoal.wgsl": acoal}


# FlashAttention f32.
def flash():
    s = read("attention/flash.wgsl")
    sig = "fn load_kv(is_v: bool, base: u32, kv0: u32, e: u32) -> vec4<f32> {"
    noload = lambda x: replace(x, sig, sig + "\n    if (params.n > 0u) { return vec4<f32>(f32(e + kv0) * 1e-4); }")

    def nobar(x):
        i = x.index("    for (var kv0 = 0u;")
        j = x.index("    workgroupBarrier();\n    red_s[lid] = l_part;")
        assert x[i:j].count("workgroupBarrier();") >= 4
        return x[:i] + x[i:j].replace("workgroupBarrier();", "") + x[j:]

    def unrolled(x):
        """Both loops over a tile written out (d = 128 and 32-key tiles only): the score loop's
        8 trips of 4 columns, and the P·V loop's 8 trips of 4 keys."""
        loop = "        for (var c = 0u; c < D4; c += 4u) {\n"
        i = x.index(loop)
        j = x.index("        }\n", i) + len("        }\n")
        body = x[i + len(loop):j - len("        }\n")]
        x = x[:i] + "".join("        {\n            let c = %du;\n%s        }\n" % (4 * k, body) for k in range(8)) + x[j:]
        loop = "        for (var j4 = 0u; j4 < BC4; j4++) {\n"
        i = x.index(loop)
        j = x.index("\n        }\n", i) + len("\n        }\n")
        body = x[i + len(loop):j - len("        }\n")]
        return x[:i] + "".join("        {\n            let j4 = %du;\n%s        }\n" % (k, body) for k in range(8)) + x[j:]

    def named(x):
        """The register blocks as named local variables instead of struct fields updated through
        pointers (`add_column`, `add_key` written in place); what lifted the matmul's loop."""
        x = replace(x, "        var sc = Scores(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);\n",
                    "        var s00 = 0.0; var s01 = 0.0; var s02 = 0.0; var s03 = 0.0;\n"
                    "        var s10 = 0.0; var s11 = 0.0; var s12 = 0.0; var s13 = 0.0;\n")
        x = replace(x, "        let s00 = sc.s00; let s01 = sc.s01; let s02 = sc.s02; let s03 = sc.s03;\n"
                    "        let s10 = sc.s10; let s11 = sc.s11; let s12 = sc.s12; let s13 = sc.s13;\n", "")
        for e in ("c", "c + 1u", "c + 2u", "c + 3u"):
            x = replace(x, f"            add_column(&sc, ty, tx, {e});\n", f"""            {{
                let cc = {e};
                let a0 = q_s[ty * QS + cc];
                let a1 = q_s[(ty + 16u) * QS + cc];
                let b0 = kv_s[tx * KS + cc];
                let b1 = kv_s[(tx + 8u) * KS + cc];
                s00 += dot(a0, b0); s01 += dot(a0, b1);
                s10 += dot(a1, b0); s11 += dot(a1, b1);
                if (BC == 32u) {{
                    let b2 = kv_s[(tx + 16u) * KS + cc];
                    let b3 = kv_s[(tx + 24u) * KS + cc];
                    s02 += dot(a0, b2); s03 += dot(a0, b3);
                    s12 += dot(a1, b2); s13 += dot(a1, b3);
                }}
            }}
""")
        x = replace(x, "    var acc = Out(z, z, z, z, z, z, z, z);\n",
                    "    var o00 = z; var o01 = z; var o02 = z; var o03 = z;\n"
                    "    var o10 = z; var o11 = z; var o12 = z; var o13 = z;\n")
        i = x.index("@compute")
        x = x[:i] + re.sub(r"acc\.(o[01][0-3])", r"\1", x[i:])
        for pa, pb, vr in (("p0.x", "p1.x", "vr"), ("p0.y", "p1.y", "vr + KS"),
                           ("p0.z", "p1.z", "vr + 2u * KS"), ("p0.w", "p1.w", "vr + 3u * KS")):
            x = replace(x, f"            add_key(&acc, {pa}, {pb}, {vr});\n", f"""            {{
                let a = vec4<f32>({pa});
                let b = vec4<f32>({pb});
                let w0 = kv_s[{vr}];
                o00 = fma(a, w0, o00); o10 = fma(b, w0, o10);
                if (D4 > 8u) {{ let w1 = kv_s[{vr} + 8u]; o01 = fma(a, w1, o01); o11 = fma(b, w1, o11); }}
                if (D4 > 16u) {{ let w2 = kv_s[{vr} + 16u]; o02 = fma(a, w2, o02); o12 = fma(b, w2, o12); }}
                if (D4 > 24u) {{ let w3 = kv_s[{vr} + 24u]; o03 = fma(a, w3, o03); o13 = fma(b, w3, o13); }}
            }}
""")
        return x

    def store_loop(x):
        """The output rows stored through a loop over an array (what lifted `matmul/unrolled`)."""
        named_regs = "acc.o00" not in x[x.index("    let i0 = q0 + ty;"):]
        pre = "" if named_regs else "acc."
        i = x.index("    let i0 = q0 + ty;")
        tail = "".join(f"""    let rv{h} = array<vec4<f32>, 4>({pre}o{h}0, {pre}o{h}1, {pre}o{h}2, {pre}o{h}3);
    let i{h} = q0 + ty{" + 16u" if h else ""};
    if (i{h} < n) {{
        let out = base + i{h} * D4 + tx;
        let inv = 1.0 / l{h};
        for (var kq = 0u; kq < D4 / 8u; kq++) {{ o[out + 8u * kq] = rv{h}[kq] * inv; }}
    }}
""" for h in (0, 1))
        return x[:i] + tail + "}\n"

    return {
        "flash_named.wgsl": named(s),
        "flash_storeloop.wgsl": store_loop(s),
        "flash_named_storeloop.wgsl": store_loop(named(s)),
        "flash_unroll.wgsl": unrolled(s),
        "flash_noload.wgsl": noload(s),
        "flash_nobar.wgsl": nobar(s),
        "flash_noload_nobar.wgsl": nobar(noload(s)),
        # Scores and softmax only / softmax and P·V only: the other product's loop runs 0 times.
        "flash_nopv.wgsl": replace(s, "for (var j4 = 0u; j4 < BC4; j4++) {", "for (var j4 = 0u; j4 < 0u; j4++) {"),
        "flash_nos.wgsl": replace(s, "for (var c = 0u; c < D4; c += 4u) {", "for (var c = 0u; c < 0u; c += 4u) {"),
    }


# attention/flash_split: the score phase's chains and the staging loop (BENCHMARKS.md, "FP32
# attention on the tensor cores"). All verify; only their speed differs.
def flash_split():
    s = read("attention/flash_split.wgsl")
    start = s.index("        // Scores: 16 rows × BC keys per subgroup")
    end = s.index("        workgroupBarrier();\n\n        // Softmax")
    qs = [(f"qh{i}", f"ql{i}", 4 * i) for i in range(8)]

    def guarded(i, line):
        return f"        {line}\n" if i == 0 else f"        if (D > {16 * i}u) {{ {line} }}\n"

    # The first version: the two 16-key blocks one after the other, each one chain.
    serial = "        for (var c = 0u; c < BC / FRAG; c++) {\n            var s: coop_mat16x16<f32, C>;\n"
    serial += "            let kb = c * FRAG * KS;\n"
    serial += "".join("    " + guarded(i, f"s = qk(s, {h}, {l}, kb + {o}u);") for i, (h, l, o) in enumerate(qs))
    serial += "            let sp = &s_tile[s_at + c * 4u];\n            coopStoreT(s, sp, SS);\n        }\n"
    # Four chains: each block's hi·hi products apart from its cross products.
    four = "".join(f"        var {v}: coop_mat16x16<f32, C>;\n" for v in ("s0h", "s0x", "s1h", "s1x"))
    four += "        let kb1 = FRAG * KS;\n"
    for i, (h, l, o) in enumerate(qs):
        four += guarded(i, f"s0h = qkh(s0h, {h}, {o}u); s0x = qkx(s0x, {h}, {l}, {o}u); "
                        f"if (BC > 16u) {{ s1h = qkh(s1h, {h}, kb1 + {o}u); s1x = qkx(s1x, {h}, {l}, kb1 + {o}u); }}")
    four += "        let sp0 = &s_tile[s_at];\n        coopStoreT(s0h + s0x, sp0, SS);\n"
    four += "        if (BC > 16u) {\n            let sp1 = &s_tile[s_at + 4u];\n"
    four += "            coopStoreT(s1h + s1x, sp1, SS);\n        }\n"
    helpers = """fn qkh(s: coop_mat16x16<f32, C>, qh: coop_mat16x16<f16, A>, at: u32) -> coop_mat16x16<f32, C> {
    let ph = &kv[at];
    let kh = coopLoad<coop_mat16x16<f16, B>>(ph, KS);
    return coopMultiplyAdd(qh, kh, s);
}

fn qkx(s: coop_mat16x16<f32, C>, qh: coop_mat16x16<f16, A>, ql: coop_mat16x16<f16, A>,
       at: u32) -> coop_mat16x16<f32, C> {
    let ph = &kv[at];
    let pl = &kv[at + BC * KS];
    let kh = coopLoad<coop_mat16x16<f16, B>>(ph, KS);
    let kl = coopLoad<coop_mat16x16<f16, B>>(pl, KS);
    return coopMultiplyAdd(ql, kh, coopMultiplyAdd(qh, kl, s));
}

"""
    four_src = replace(s[:start] + four + s[end:], "// One output matrix gets the products",
                       helpers + "// One output matrix gets the products")
    # K and V staged by two loops instead of one.
    stage = s.index("        // @unroll\n        for (var i = 0u; i < KV_LOADS; i++) {")
    stage_end = s.index("        workgroupBarrier();\n\n        // Scores")
    two = ""
    for t, dst in (("k", "r * KS + c"), ("v", "V_OFF + r * KS + c")):
        two += f"""        // @unroll
        for (var i = 0u; i < KV_LOADS; i++) {{
            let e = tid + i * THREADS;
            let r = e / D4;
            let c = e % D4;
            var x = vec4<f32>();
            if (t0 + r < n) {{
                x = {t}[(base + t0 + r) * D4 + c];
            }}
            put({dst}, BC * KS, x * s{t});
        }}
"""
    return {
        "fs_serial.wgsl": s[:start] + serial + s[end:],
        "fs_four.wgsl": four_src,
        "fs_kvs.wgsl": s[:stage] + two + s[stage_end:],
        "fs_nounroll.wgsl": replace(s, "        // @unroll\n        for (var i = 0u; i < KV_LOADS", "        for (var i = 0u; i < KV_LOADS"),
    }


# `coop_f16` with four subgroups of 64×64 at 128×128 (the host gives that block eight of
# 64×32): at 255 registers or fewer, two such workgroups fit an SM, so one can multiply while
# the other waits at its barrier. `coop_wide_dD`: D steps of loads in flight. (Measured at
# 16:12 UTC from the kernel of commit dc862c3, before its fragments were loaded a step ahead.)
def coop_wide():
    s = read("matmul/coop_f16.wgsl")
    s = replace(s, "override WIDE: bool = WN == 64u;", "override WIDE: bool = true;")
    s = replace(s, "override WARPS: u32 = (BM / WM) * (BN / WN);", "override WARPS: u32 = (BM / WM) * (BN / 64u);")
    s = replace(s, "    let wr = (sg / (BN / WN)) * WM;\n    let wc = (sg % (BN / WN)) * WN;",
                "    let wr = (sg / (BN / 64u)) * WM;\n    let wc = (sg % (BN / 64u)) * 64u;")
    return {f"coop_wide_d{d}.wgsl": replace(s, "const DEPTH: u32 = 4u;", f"const DEPTH: u32 = {d}u;")
            for d in (1, 2, 4)}


# FP32 on the tensor cores with D steps of loads in flight (the kernel keeps two):
# `split_depth1` is the schedule measured as `split_pre`, `split_depth3` the one measured as
# `split_ring3` (2026-11-22, 15:51 UTC), written then from the kernel before it had a ring.
def split():
    s = read("matmul/coop_split.wgsl")
    return {f"split_depth{d}.wgsl": replace(s, "const DEPTH: u32 = 2u;", f"const DEPTH: u32 = {d}u;")
            for d in (1, 3)}


# Where the time goes in `coop_f16` (wrong results except `mat`): the ring never refilled (no
# global loads in the loop, `noload`); nothing written to workgroup memory either (`nostash`);
# no barrier in the loop (`nobar`); every step reloading step 0's blocks, which stay in the
# SM's L1 (`same`: the kernel's instructions and registers without L2's bandwidth or latency;
# t / k is 0 in the loop, but the compiler cannot know it, so it cannot hoist the loads); A and
# B read as mat2x4<f16>, 16 bytes that are already two vec4<f16> (`mat`, right results). The
# `coop` group writes the other two measured beside them (`coop_noconv`, `coop_acoal`). The same
# parts of the kernel before it loaded its fragments a step ahead were measured as
# `coop_fpre_*_d2` and `_d4` (written by this file at commit dc862c3).
def coop_parts():
    k = read("matmul/coop_f16.wgsl")
    fetch = "            let fresh = fetch(tid, row0, col0, t + (s + 2u + DEPTH) * BK);\n"
    noload = replace(k, fetch, "            let fresh = ring[(s + 2u) % DEPTH];\n")
    return {
        "coop_noload.wgsl": noload,
        "coop_nostash.wgsl": replace(
            noload, "            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % DEPTH]);\n", ""),
        "coop_nobar.wgsl": replace(
            k, "            workgroupBarrier();\n            buf = 1u - buf;\n", "            buf = 1u - buf;\n"),
        "coop_same.wgsl": replace(k, fetch, "            let fresh = fetch(tid, row0, col0, (t / params.k) * BK);\n"),
        "coop_mat.wgsl": as_matrix(k),
    }


# `coop_f16` with the bounds checks of its global loads taken out. `coop_nocheck_rows`: no row,
# column or K check (the step is clamped to the last one inside K, so a load past K repeats it:
# right results wherever every block is whole and K is a multiple of DEPTH·BK, as at 4096³ and
# 8192³). `coop_nocheck`: no check of the slot against the block either (exact where each thread
# has whole slots, as at 128×256 and 256×128).
def coop_nocheck():
    k = read("matmul/coop_f16.wgsl")
    k = replace(k, """    let q = t / 8u + e % (BK / 8u);
    let row = params.a_row / 2u;
    var v = vec4<u32>();
    // q < row: the row's padding is zeros already, past it is the next row.
    if (e < BM * BK / 8u && r < params.m && q < row) {""", """    let q = min(t, params.k - BK) / 8u + e % (BK / 8u);
    let row = params.a_row / 2u;
    var v = vec4<u32>();
    if (e < BM * BK / 8u) {""")
    k = replace(k, """    let kk = t + e / (BN / 8u);
    let q = col0 / 8u + e % (BN / 8u);
    let row = params.b_row / 2u;
    var v = vec4<u32>();
    if (e < BK * BN / 8u && kk < params.k && q < row) {""", """    let kk = min(t, params.k - BK) + e / (BN / 8u);
    let q = col0 / 8u + e % (BN / 8u);
    let row = params.b_row / 2u;
    var v = vec4<u32>();
    if (e < BK * BN / 8u) {""")
    rows = k
    k = replace(k, "    if (e < BM * BK / 8u) {\n        v = a[r * row + q];\n    }", "    v = a[r * row + q];")
    k = replace(k, "    if (e < BK * BN / 8u) {\n        v = b[kk * row + q];\n    }", "    v = b[kk * row + q];")
    k = replace(k, "    if (e < BM * BK / 8u) {\n        let i = buf * BM * A_STRIDE", "    {\n        let i = buf * BM * A_STRIDE")
    k = replace(k, "    if (e < BK * BN / 8u) {\n        let i = buf * BK * B_STRIDE", "    {\n        let i = buf * BK * B_STRIDE")
    return {"coop_nocheck_rows.wgsl": rows, "coop_nocheck.wgsl": k}


# `coop_f16` with each step's new loads issued right after the stash of the ring slot they
# replace, so that the ring needs no fifth set of registers (right results): at the end of the
# step (`coop_late`), or with that stash moved to the top of the step, before the fragment
# loads and multiplies (`coop_early`; the copy it writes holds a step whose fragments every
# subgroup loaded before the last barrier).
def coop_order():
    k = read("matmul/coop_f16.wgsl")
    fetch = "            let fresh = fetch(tid, row0, col0, t + (s + 2u + DEPTH) * BK);\n"
    stash = ("            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % DEPTH]);\n"
             "            ring[(s + 2u) % DEPTH] = fresh;\n")
    both = ("            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % DEPTH]);\n"
            "            ring[(s + 2u) % DEPTH] = fetch(tid, row0, col0, t + (s + 2u + DEPTH) * BK);\n")
    late = replace(replace(k, fetch, ""), stash, both)
    frags = "            // The next step's fragments (rows wr + 16i and columns wc + 16j of its blocks),"
    early = replace(replace(replace(k, fetch, ""), stash, ""), frags, both + frags)
    return {"coop_late.wgsl": late, "coop_early.wgsl": early}


# `coop_f16` with a ring of DEPTH + 1 register sets and DEPTH + 1 steps per trip, so that each
# step's loads go straight into the slot that the step before wrote out, and the ring turns
# without copies (right results; K past the last whole trip multiplies zeros, as in the kernel):
# `coop_ring5` keeps four steps in flight, `coop_ring4` three.
def coop_ring():
    src = read("matmul/coop_f16.wgsl")

    def ring(depth):
        k = replace(src, "const DEPTH: u32 = 4u;",
                    f"const DEPTH: u32 = {depth}u;\n// Ring slots and steps per trip: DEPTH + 1, so each step's loads land in the slot the step\n"
                    f"// before wrote out, and the ring turns without copies.\nconst RING: u32 = {depth + 1}u;")
        k = replace(k, "    var ring: array<Next, DEPTH>;", "    var ring: array<Next, RING>;")
        k = replace(k, "        ring[(j + 2u) % DEPTH] = fetch(", "        ring[(j + 2u) % RING] = fetch(")
        k = replace(k, "t < params.k; t += DEPTH * BK) {", "t < params.k; t += RING * BK) {")
        k = replace(k, "        for (var s = 0u; s < DEPTH; s++) {", "        for (var s = 0u; s < RING; s++) {")
        k = replace(k, "            let fresh = fetch(", "            ring[(s + 2u + DEPTH) % RING] = fetch(")
        k = replace(k, """            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % DEPTH]);
            ring[(s + 2u) % DEPTH] = fresh;""", """            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % RING]);""")
        return k

    return {"coop_ring5.wgsl": ring(4), "coop_ring4.wgsl": ring(3)}


# `coop_f16` with two named sets of fragments that trade places each step, so no fragment is
# copied in the source (right results): even steps multiply ca*, cb* and load da*, db*, odd steps
# the reverse; the written-out loop takes the steps in pairs.
def coop_alt():
    src = read("matmul/coop_f16.wgsl")
    head = "        // @unroll\n        for (var s = 0u; s < DEPTH; s++) {\n"
    tail = "        }\n    }\n\n"
    start = src.index(head)
    end = src.index(tail, start) + len(tail)
    body = replace(src[start + len(head):end - len(tail)], """            ca0 = na0;
            ca1 = na1;
            ca2 = na2;
            ca3 = na3;
            cb0 = nb0;
            cb1 = nb1;
            cb2 = nb2;
            cb3 = nb3;
""", "")

    def loads_into(b, x):
        b = re.sub(r"let n([ab])(\d) = coopLoadT", x + r"\1\2 = coopLoadT", b)
        return re.sub(r"\bn([ab])(\d) = coopLoadT", x + r"\1\2 = coopLoadT", b)

    even = loads_into(body, "d")
    odd = re.sub(r"coopMultiplyAdd\(ca(\d), cb(\d),", r"coopMultiplyAdd(da\1, db\2,", loads_into(body, "c"))

    def indent(b):
        return "".join("    " + line if line.strip() else line for line in b.splitlines(True))

    loop = ("        // @unroll\n        for (var p = 0u; p < HALF; p++) {\n"
            "            {\n                let s = 2u * p;\n" + indent(even) + "            }\n"
            "            {\n                let s = 2u * p + 1u;\n" + indent(odd) + "            }\n" + tail)
    k = src[:start] + loop + src[end:]
    k = replace(k, "const DEPTH: u32 = 4u;", "const DEPTH: u32 = 4u;\n// Pairs of steps per trip: even steps multiply ca*, cb* and load da*, db*, odd steps the reverse.\nconst HALF: u32 = 2u;")
    sets = "".join(f"    var d{x}{i}: coop_mat16x16<f16, {x.upper()}>;\n" for x in "ab" for i in range(4))
    k = replace(k, "    var nb2: coop_mat16x16<f16, B>;\n    var nb3: coop_mat16x16<f16, B>;\n", sets)
    return {"coop_alt.wgsl": k}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "out/experiments"
    os.makedirs(out, exist_ok=True)
    for group in (gemv, gemv_deep, vec4, coop, coop_wide, coop_parts, coop_nocheck, coop_order,
                  coop_ring, coop_alt, flash, flash_split, split):
        for name, text in group().items():
            with open(os.path.join(out, name), "w") as f:
                f.write(text)
            print(os.path.join(out, name))


if __name__ == "__main__":
    main()

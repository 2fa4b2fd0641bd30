"""Writes this folder's warp-specialized variants of coop_f16: some subgroups only multiply, LW
more only move blocks from global to workgroup memory, so the multiplying subgroups never issue
a global load and never hold one in their registers.

usage: python3 derive.py KERNEL OUT_DIR [run1|run2|run3|run4|run5|run7|run8]
  KERNEL: kernels/wgsl/matmul/coop_f16.wgsl as of the commit named in README.md (its helpers,
  Params to put_b, are reused as they are).

Two designs, each with and without the next step's fragments loaded a step ahead (`a`):
- `ws_lL[_a]`: one loop for all; in it the multiplying subgroups multiply and the loading ones
  load a step's blocks and write them out, then the step's barrier, which every thread reaches
  at the same place (uniform control flow, as WGSL requires). The loading subgroups wait for
  their own loads inside each step, while the others multiply.
- `split_lL_rR[_a]`: each kind of subgroup has its own loop, each with one barrier per step, so
  the loading subgroups can carry R steps of loads in registers across barriers. A barrier in
  control flow that differs between subgroups is outside what Vulkan defines; NVIDIA's barrier
  counts arrivals whatever instruction they come from, which is what this tries.
Runs 5 and 7 vary the second design: `hyb_M_lL_rR`, where the multiplying subgroups load one
block (M) themselves (`hybrid`), and `burst_lL_rR`, where the loading subgroups issue a whole
trip's loads at its start (`burst`); run 8 has two groups of loading subgroups take turns
(`alternate`, `alt_rR`). Run 2 tries other blocks (`any_block`), run 3 the other
order of loads and writes, run 4 the bisection variants; README.md lists them all.
All for 128×256×16 unless their name says otherwise, and all need
`diagnostic(off, derivative_uniformity)`: naga's uniformity check forbids cooperative-matrix
calls under a branch on the thread index, and it reports that under this rule's severity.
"""
import os
import re
import sys

kernel = open(sys.argv[1]).read()
out = sys.argv[2]
os.makedirs(out, exist_ok=True)


def sub(s, old, new, count=1):
    n = s.count(old)
    assert n == count, (old, n)
    return s.replace(old, new)


helpers = kernel[kernel.index("struct Params"):kernel.index("// A thread's share of the next")]
# THREADS and LT are declared where the kernel declares THREADS: naga 30 panics when a named
# override follows an array whose size is an override expression and is used after it.
helpers = helpers.replace("override THREADS: u32 = WARPS * SG;\n",
                          "override THREADS: u32 = (WARPS + LW) * SG;\noverride LT: u32 = LW * SG;\n")
for pat in [r"// 16-byte elements \(8 f16\) each thread.*?const SLOTS: u32 = 4u;\n",
            r"// Steps of blocks in flight from global memory\..*?const DEPTH: u32 = 4u;\n"]:
    helpers, n = re.subn(pat, "", helpers, flags=re.S)
    assert n == 1, pat

HEAD = """// Warp-specialized coop_f16 (experiment; see derive.py). 128x256x16 only.
diagnostic(off, derivative_uniformity);
enable f16;
enable wgpu_cooperative_matrix;

"""

KNOBS = """
// Loading subgroups, their threads, and each one's 16-byte elements per block of A and of B.
const LW: u32 = {lw}u;
const NA: u32 = {na}u;
const NB: u32 = {nb}u;
// Steps of loads a loading thread carries across barriers (split design only).
const R: u32 = {r}u;

struct Blocks {{
    a: array<vec4<u32>, NA>,
    b: array<vec4<u32>, NB>,
}}

fn fetch(l: u32, row0: u32, col0: u32, t: u32) -> Blocks {{
    var v: Blocks;
    // @unroll
    for (var i = 0u; i < NA; i++) {{
        v.a[i] = load_a(row0, t, l + i * LT);
    }}
    // @unroll
    for (var i = 0u; i < NB; i++) {{
        v.b[i] = load_b(col0, t, l + i * LT);
    }}
    return v;
}}

fn stash(l: u32, buf: u32, v: Blocks) {{
    // @unroll
    for (var i = 0u; i < NA; i++) {{
        put_a(buf, l + i * LT, v.a[i]);
    }}
    // @unroll
    for (var i = 0u; i < NB; i++) {{
        put_b(buf, l + i * LT, v.b[i]);
    }}
}}

fn copy_out(sg: u32, lane: u32, row: u32, col: u32) {{
    for (var e = lane; e < FRAG * FRAG; e += SG) {{
        let r = row + e / FRAG;
        let cc = col + e % FRAG;
        if (r < params.m && cc < params.n) {{
            c[r * params.c_row + cc] = c_stage[sg * FRAG * FRAG + e];
        }}
    }}
}}

// Only multiplying subgroups store; every thread reaches the barriers.
fn store_frag(v: coop_mat16x16<f32, C>, direct: bool, mult: bool, sg: u32, lane: u32, row: u32,
              col: u32) {{
    if (direct) {{
        if (mult) {{
            let c_row = params.c_row;
            let p = &c[row * c_row + col];
            coopStoreT(v, p, c_row);
        }}
    }} else {{
        if (mult) {{
            let stage = &c_stage[sg * FRAG * FRAG];
            coopStoreT(v, stage, FRAG);
        }}
        workgroupBarrier();
        if (mult) {{
            copy_out(sg, lane, row, col);
        }}
        workgroupBarrier();
    }}
}}
"""

ACC = "".join(f"    var acc{i}{j}: coop_mat16x16<f32, C>;\n" for i in range(4) for j in range(4))
FRAGS = ("".join(f"    var ca{i}: coop_mat16x16<f16, A>;\n" for i in range(4))
         + "".join(f"    var cb{j}: coop_mat16x16<f16, B>;\n" for j in range(4)))


def load_frags(prefix, base_a, base_b, decl):
    """Loads of the four fragments of A and four of B from the copy at base_a/base_b."""
    s = ""
    kw = "let " if decl else ""
    for j in range(4):
        s += f"        {{ let p = &b_tile[{base_b} + (wc + {j}u * FRAG) / 4u]; "
        s += f"{prefix}b{j} = coopLoadT<coop_mat16x16<f16, B>>(p, B_STRIDE); }}\n"
    for i in range(4):
        s += f"        {{ let p = &a_tile[{base_a} + (wr + {i}u * FRAG) * A_STRIDE]; "
        s += f"{prefix}a{i} = coopLoadT<coop_mat16x16<f16, A>>(p, A_STRIDE); }}\n"
    return s


def multiply():
    return "".join(f"        acc{i}{j} = coopMultiplyAdd(ca{i}, cb{j}, acc{i}{j});\n"
                   for i in range(4) for j in range(4))


def compute_step(ahead, cur):
    """One multiplying step; `cur` is the copy holding this step's blocks."""
    if not ahead:
        return (load_frags("c", f"{cur} * BM * A_STRIDE", f"{cur} * BK * B_STRIDE", False)
                + multiply())
    # The next step's fragments (copy 1 - cur) into n*, while this step's (in c*) multiply.
    s = ""
    for j in range(4):
        s += f"        var nb{j}: coop_mat16x16<f16, B>;\n"
    for i in range(4):
        s += f"        var na{i}: coop_mat16x16<f16, A>;\n"
    s += load_frags("n", f"(1u - {cur}) * BM * A_STRIDE", f"(1u - {cur}) * BK * B_STRIDE", False)
    s += multiply()
    s += "".join(f"        ca{i} = na{i};\n" for i in range(4))
    s += "".join(f"        cb{j} = nb{j};\n" for j in range(4))
    return s


EPILOGUE = """
    let direct = row0 + BM <= params.m && col0 + BN <= params.n;
    let r0 = row0 + wr;
    let c0 = col0 + wc;
""" + "".join(
    f"    store_frag(acc{i}{j}, direct, mult, sg, lane, r0 + {i}u * FRAG, c0 + {j}u * FRAG);\n"
    for i in range(4) for j in range(4)) + "}\n"

MAIN_HEAD = """
@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    // Subgroups 0 .. WARPS - 1 multiply (NVIDIA forms warps from consecutive indices); the
    // rest load. A loading subgroup's wr, wc are never used.
    let mult = tid < WARPS * SG;
    let l = tid - WARPS * SG;
    let wr = (sg / (BN / WN)) * WM;
    let wc = (sg % (BN / WN)) * WN;
""" + ACC + FRAGS


def uniform(ahead):
    """One loop; each step: multiply or load-and-write, then the barrier."""
    first = "2u" if ahead else "1u"
    s = MAIN_HEAD
    s += "    if (!mult) {\n        stash(l, 0u, fetch(l, row0, col0, 0u));\n"
    if ahead:
        s += "        stash(l, 1u, fetch(l, row0, col0, BK));\n"
    s += "    }\n    workgroupBarrier();\n"
    if ahead:
        s += "    if (mult) {\n" + load_frags("c", "0u", "0u", False) + "    }\n    workgroupBarrier();\n"
    s += "    var buf = 0u;\n    for (var t = 0u; t < params.k; t += BK) {\n"
    s += "      if (mult) {\n" + compute_step(ahead, "buf") + "      } else {\n"
    # Step t + first into the copy no subgroup reads in this step.
    dst = "buf" if ahead else "(1u - buf)"
    s += f"        stash(l, {dst}, fetch(l, row0, col0, t + {first} * BK));\n"
    s += "      }\n      workgroupBarrier();\n      buf = 1u - buf;\n    }\n"
    return s + EPILOGUE


def multiplying(ahead, steps="R"):
    """The multiplying subgroups' branch of the split designs: the prologue's barriers (and with
    `ahead` step 0's fragments), then one barrier per step, `steps` steps per trip."""
    s = "    if (mult) {\n        workgroupBarrier();\n"
    if ahead:
        s += load_frags("c", "0u", "0u", False) + "        workgroupBarrier();\n"
    s += f"        var buf = 0u;\n        for (var t = 0u; t < params.k; t += {steps} * BK) {{\n"
    s += f"          // @unroll\n          for (var s = 0u; s < {steps}; s++) {{\n"
    s += compute_step(ahead, "buf")
    s += "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n        }\n"
    return s


def split(ahead, stash_first=False):
    """A loop per kind of subgroup, one barrier per step in each, R steps per trip in both.
    `stash_first`: each loading step writes out its oldest registers before issuing its loads
    (otherwise after), so that waiting for them cannot wait for the loads just issued."""
    first = 2 if ahead else 1
    s = MAIN_HEAD
    s += multiplying(ahead)
    s += "    } else {\n"
    s += "        stash(l, 0u, fetch(l, row0, col0, 0u));\n"
    if ahead:
        s += "        stash(l, 1u, fetch(l, row0, col0, BK));\n"
    # ring[j % R] holds step j's blocks, loaded R steps before they are written.
    s += "        var ring: array<Blocks, R>;\n        // @unroll\n"
    s += f"        for (var j = 0u; j < R; j++) {{\n"
    s += f"            ring[(j + {first}u) % R] = fetch(l, row0, col0, (j + {first}u) * BK);\n        }}\n"
    s += "        workgroupBarrier();\n"
    if ahead:
        s += "        workgroupBarrier();\n"
    s += "        var buf = 0u;\n        for (var t = 0u; t < params.k; t += R * BK) {\n"
    s += "          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
    # In step t + s: the loads of step t + s + first + R go out, step t + s + first is written.
    dst = "buf" if ahead else "(1u - buf)"
    if stash_first:
        s += f"            stash(l, {dst}, ring[(s + {first}u) % R]);\n"
        s += f"            ring[(s + {first}u) % R] = fetch(l, row0, col0, t + (s + {first}u + R) * BK);\n"
    else:
        s += f"            let fresh = fetch(l, row0, col0, t + (s + {first + 0}u + R) * BK);\n"
        s += f"            stash(l, {dst}, ring[(s + {first}u) % R]);\n"
        s += f"            ring[(s + {first}u) % R] = fresh;\n"
    s += "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n        }\n    }\n"
    return s + EPILOGUE


def hybrid(mine):
    """The split design, fragments a step ahead, with the multiplying subgroups loading one of
    the two blocks themselves (`mine`: "a" or "b", one or two 16-byte elements per thread, R
    steps carried) and the loading subgroups only the other (`theirs`)."""
    theirs = "b" if mine == "a" else "a"
    per = {"a": 1, "b": 2}[mine]
    extra = f"""
// The loading subgroups' share: the block of {theirs.upper()} only.
struct Theirs {{
    v: array<vec4<u32>, N{theirs.upper()}>,
}}

fn fetch_{theirs}(l: u32, row0: u32, col0: u32, t: u32) -> Theirs {{
    var v: Theirs;
    // @unroll
    for (var i = 0u; i < N{theirs.upper()}; i++) {{
        v.v[i] = load_{theirs}({"row0" if theirs == "a" else "col0"}, t, l + i * LT);
    }}
    return v;
}}

fn stash_{theirs}(l: u32, buf: u32, v: Theirs) {{
    // @unroll
    for (var i = 0u; i < N{theirs.upper()}; i++) {{
        put_{theirs}(buf, l + i * LT, v.v[i]);
    }}
}}

// The multiplying subgroups' share: {per} element(s) of {mine.upper()} per thread.
const MINE: u32 = {per}u;

struct Mine {{
    v: array<vec4<u32>, MINE>,
}}

fn fetch_mine(tid: u32, row0: u32, col0: u32, t: u32) -> Mine {{
    var v: Mine;
    // @unroll
    for (var i = 0u; i < MINE; i++) {{
        v.v[i] = load_{mine}({"row0" if mine == "a" else "col0"}, t, tid + i * WARPS * SG);
    }}
    return v;
}}

fn stash_mine(tid: u32, buf: u32, v: Mine) {{
    // @unroll
    for (var i = 0u; i < MINE; i++) {{
        put_{mine}(buf, tid + i * WARPS * SG, v.v[i]);
    }}
}}
"""
    s = MAIN_HEAD
    s += "    if (mult) {\n"
    s += "        stash_mine(tid, 0u, fetch_mine(tid, row0, col0, 0u));\n"
    s += "        stash_mine(tid, 1u, fetch_mine(tid, row0, col0, BK));\n"
    s += "        var mine: array<Mine, R>;\n        // @unroll\n"
    s += "        for (var j = 0u; j < R; j++) {\n"
    s += "            mine[(j + 2u) % R] = fetch_mine(tid, row0, col0, (j + 2u) * BK);\n        }\n"
    s += "        workgroupBarrier();\n"
    s += load_frags("c", "0u", "0u", False) + "        workgroupBarrier();\n"
    s += "        var buf = 0u;\n        for (var t = 0u; t < params.k; t += R * BK) {\n"
    s += "          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
    s += "            let fresh = fetch_mine(tid, row0, col0, t + (s + 2u + R) * BK);\n"
    s += compute_step(True, "buf")
    s += "            stash_mine(tid, buf, mine[(s + 2u) % R]);\n"
    s += "            mine[(s + 2u) % R] = fresh;\n"
    s += "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n        }\n"
    s += "    } else {\n"
    s += f"        stash_{theirs}(l, 0u, fetch_{theirs}(l, row0, col0, 0u));\n"
    s += f"        stash_{theirs}(l, 1u, fetch_{theirs}(l, row0, col0, BK));\n"
    s += "        var ring: array<Theirs, R>;\n        // @unroll\n"
    s += "        for (var j = 0u; j < R; j++) {\n"
    s += f"            ring[(j + 2u) % R] = fetch_{theirs}(l, row0, col0, (j + 2u) * BK);\n        }}\n"
    s += "        workgroupBarrier();\n        workgroupBarrier();\n"
    s += "        var buf = 0u;\n        for (var t = 0u; t < params.k; t += R * BK) {\n"
    s += "          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
    s += f"            let fresh = fetch_{theirs}(l, row0, col0, t + (s + 2u + R) * BK);\n"
    s += f"            stash_{theirs}(l, buf, ring[(s + 2u) % R]);\n"
    s += "            ring[(s + 2u) % R] = fresh;\n"
    s += "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n        }\n    }\n"
    return extra + s + EPILOGUE


def burst():
    """The split design, fragments a step ahead, with the loading subgroups issuing a whole
    trip's loads (R steps) at its start and writing one step of them out per step: nothing
    carried across trips, so no register copies at a trip's end (the driver puts every load on
    one scoreboard, and the first write-out waits for all of them)."""
    s = MAIN_HEAD
    s += multiplying(True)
    s += "    } else {\n"
    s += "        stash(l, 0u, fetch(l, row0, col0, 0u));\n"
    s += "        stash(l, 1u, fetch(l, row0, col0, BK));\n"
    s += "        workgroupBarrier();\n        workgroupBarrier();\n"
    s += "        var buf = 0u;\n        for (var t = 0u; t < params.k; t += R * BK) {\n"
    s += "          var ring: array<Blocks, R>;\n"
    s += "          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
    s += "            ring[s] = fetch(l, row0, col0, t + (s + 2u) * BK);\n          }\n"
    s += "          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
    s += "            stash(l, buf, ring[s]);\n"
    s += "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n        }\n    }\n"
    return s + EPILOGUE


def alternate(r):
    """The split design, fragments a step ahead, with the loading subgroups in two groups that
    take turns by trips of R steps: a group writes out a trip's blocks, one step per step, then
    issues the loads of its next trip, two trips on, and waits out the other group's trip. No
    group issues a load between its loads and their first use, so the one wait the driver puts
    before that use (every load sets the same scoreboard) finds them a whole trip old."""
    s = MAIN_HEAD
    s += multiplying(True, "R2")
    s += "    } else {\n"
    s += "        // Group g (0 or 1), and this thread's index in it.\n"
    s += "        let g = l / HALF;\n        let lg = l % HALF;\n"
    s += "        stash(lg, g, fetch(lg, row0, col0, g * BK));\n"
    s += "        var ring: array<Blocks, R>;\n"
    s += "        // @unroll\n        for (var s = 0u; s < R; s++) {\n"
    s += "            ring[s] = fetch(lg, row0, col0, (g * R + s + 2u) * BK);\n        }\n"
    s += "        workgroupBarrier();\n        workgroupBarrier();\n"
    writes = ("          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
              "            stash(lg, buf, ring[s]);\n"
              "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n")
    waits = ("          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
             "            workgroupBarrier();\n            buf = 1u - buf;\n          }\n")

    def loads(first):
        return ("          // @unroll\n          for (var s = 0u; s < R; s++) {\n"
                f"            ring[s] = fetch(lg, row0, col0, t + ({first}u * R + s + 2u) * BK);\n"
                "          }\n")
    s += "        if (g == 0u) {\n          var buf = 0u;\n"
    s += "          for (var t = 0u; t < params.k; t += R2 * BK) {\n"
    s += writes + loads(2) + waits + "          }\n"
    s += "        } else {\n          var buf = 0u;\n"
    s += "          for (var t = 0u; t < params.k; t += R2 * BK) {\n"
    s += waits + writes + loads(3) + "          }\n        }\n    }\n"
    return s + EPILOGUE


def alt_knobs(r):
    # Two groups of two loading subgroups (LW = 4): 64 threads per group, 4 elements of A and
    # 8 of B each per step.
    k = KNOBS.format(lw=4, na=4, nb=8, r=r)
    k = sub(k, "const R: u32 = ", f"const R2: u32 = {2 * r}u;\nconst R: u32 = ")
    return k.replace("l + i * LT", "l + i * HALF")


def knobs(lw, r, bm=128, bn=256):
    lt = lw * 32
    # 16-byte elements per block: BM·BK/8 of A, BK·BN/8 of B (BK = 16).
    return KNOBS.format(lw=lw, na=(bm * 2 + lt - 1) // lt, nb=(bn * 2 + lt - 1) // lt, r=r)


def any_block(text):
    """For blocks other than 128x256: subgroups of 64x64 whatever WN the host passes (it picks
    64x32 where 64x64 would leave fewer than 8 subgroups); WN stays declared, as the host sets it."""
    text = sub(text, "override WARPS: u32 = (BM / WM) * (BN / WN);",
               "override WARPS: u32 = (BM / WM) * (BN / 64u);")
    text = sub(text, "let wr = (sg / (BN / WN)) * WM;", "let wr = (sg / (BN / 64u)) * WM;")
    return sub(text, "let wc = (sg % (BN / WN)) * WN;", "let wc = (sg % (BN / 64u)) * 64u;")


which = sys.argv[3] if len(sys.argv) > 3 else "run1"
if which == "run1":
    # Run 1: 128x256x16, 8 multiplying subgroups.
    for lw in (1, 2, 4):
        for ahead in (False, True):
            a = "_a" if ahead else ""
            open(f"{out}/ws_l{lw}{a}.wgsl", "w").write(
                HEAD + helpers + knobs(lw, 1) + uniform(ahead))
            for r in (1, 2):
                open(f"{out}/split_l{lw}_r{r}{a}.wgsl", "w").write(
                    HEAD + helpers + knobs(lw, r) + split(ahead))
elif which == "run3":
    # Run 3: the split design with each loading step's writes before its loads (`_o`).
    for bm, bn, lw, r, ahead in [(128, 256, 4, 1, True), (128, 256, 4, 2, True),
                                 (128, 256, 4, 1, False), (128, 256, 2, 1, True),
                                 (128, 256, 8, 1, True),
                                 (192, 128, 2, 1, True), (192, 128, 2, 2, True),
                                 (128, 128, 4, 1, True), (128, 128, 4, 2, True)]:
        a = "_a" if ahead else ""
        open(f"{out}/split_{bm}x{bn}_l{lw}_r{r}{a}_o.wgsl", "w").write(
            any_block(HEAD + helpers + knobs(lw, r, bm, bn) + split(ahead, True)))
elif which == "run4":
    # Run 4: where split_128x256_l4_r2_a spends its time. `noload`: the loading subgroups write
    # the same registers every step and load nothing in the loop; `nomma`: the multiplying ones
    # do one multiply-add per step instead of sixteen (both wrong results, timing only).
    # `pair`: A and B read as structs of two vec4<f16>, which the loading subgroups write out
    # with no conversion (verified).
    base = any_block(HEAD + helpers + knobs(4, 2) + split(True))
    noload = sub(base, "let fresh = fetch(l, row0, col0, t + (s + 2u + R) * BK);",
                 "let fresh = ring[(s + 2u) % R];")
    nomma = base
    for i in range(4):
        for j in range(4):
            if i + j:
                nomma = sub(nomma, f"        acc{i}{j} = coopMultiplyAdd(ca{i}, cb{j}, acc{i}{j});\n", "")
    pair = sub(base, "array<vec4<u32>>;", "array<Pair>;", 2)
    pair = sub(pair, "struct Params {", "struct Pair {\n    lo: vec4<f16>,\n    hi: vec4<f16>,\n}\n\nstruct Params {")
    pair = sub(pair, "u32) -> vec4<u32> {", "u32) -> Pair {", 2)
    pair = sub(pair, "var v = vec4<u32>();", "var v = Pair();", 2)
    pair = sub(pair, "e: u32, v: vec4<u32>) {", "e: u32, v: Pair) {", 2)
    pair = sub(pair, "= lo(v);", "= v.lo;", 2)
    pair = sub(pair, "= hi(v);", "= v.hi;", 2)
    pair = sub(pair, "array<vec4<u32>, NA>", "array<Pair, NA>")
    pair = sub(pair, "array<vec4<u32>, NB>", "array<Pair, NB>")
    for name, text in [("noload", noload), ("nomma", nomma), ("pair", pair)]:
        open(f"{out}/split_128x256_l4_r2_a_{name}.wgsl", "w").write(text)
elif which == "run5":
    # Run 5: the multiplying subgroups load A (or B) themselves, the loading ones the other.
    for mine, lw, r in [("a", 4, 2), ("a", 4, 1), ("a", 2, 2), ("b", 4, 2), ("b", 2, 2)]:
        open(f"{out}/hyb_{mine}_l{lw}_r{r}.wgsl", "w").write(
            HEAD + helpers + knobs(lw, r) + hybrid(mine))
elif which == "run7":
    # Run 7: the burst design (`burst`), 128x256x16.
    for lw, r in [(4, 2), (4, 3), (4, 4), (4, 5), (4, 6), (2, 2), (2, 3)]:
        open(f"{out}/burst_l{lw}_r{r}.wgsl", "w").write(HEAD + helpers + knobs(lw, r) + burst())
elif which == "run8":
    # Run 8: the loading subgroups in two groups taking turns (`alternate`), 128x256x16.
    for r in (1, 2, 3):
        text = HEAD + helpers + alt_knobs(r) + alternate(r)
        # Threads per group, declared beside LT (see THREADS above).
        text = sub(text, "override LT: u32 = LW * SG;\n",
                   "override LT: u32 = LW * SG;\noverride HALF: u32 = LT / 2u;\n")
        open(f"{out}/alt_r{r}.wgsl", "w").write(text)
else:
    # Run 2: the split design at other blocks, named split_BMxBN_lLW_rR[_a].
    for bm, bn, lw, r, ahead in [(128, 256, 4, 2, True), (128, 256, 4, 3, True),
                                 (192, 128, 2, 1, True), (192, 128, 2, 2, True),
                                 (192, 128, 2, 3, True), (192, 128, 2, 2, False),
                                 (128, 192, 2, 1, True), (128, 192, 2, 2, True),
                                 (128, 192, 2, 3, True),
                                 (128, 128, 4, 2, True), (128, 128, 4, 3, True),
                                 (128, 128, 2, 2, True)]:
        a = "_a" if ahead else ""
        open(f"{out}/split_{bm}x{bn}_l{lw}_r{r}{a}.wgsl", "w").write(
            any_block(HEAD + helpers + knobs(lw, r, bm, bn) + split(ahead)))

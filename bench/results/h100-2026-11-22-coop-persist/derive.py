"""Writes this folder's variants of coop_f16, which look at the cost a workgroup pays once per
block of C rather than once per step of K (filling the pipeline, storing C, waves of workgroups
starting together).

usage: python3 derive.py KERNEL OUT_DIR
  KERNEL: kernels/wgsl/matmul/coop_f16.wgsl as of the commit named in README.md.

- `nostore`: the kernel, with C stored only when K = 7 (never, in these runs), so the loop
  stays but the stores go: wrong results on purpose; it prices the stores.
- `persist_P`: persistent workgroups. The first P workgroups of the host's grid each walk the
  blocks of C P apart (block w, w + P, w + 2P, … in the host's row-major order), the rest return
  at once; the loop body is the kernel's `main`, unchanged, as a function of the block. With P
  the number of SMs (132 on the H100) one workgroup fits per SM, so the blocks that run together
  are the same as in the host's waves, but a workgroup starts its next block as soon as it has
  issued the last one's stores instead of waiting for the whole wave.
- `stage_S`, `persist_132_stage_S`: C stored through workgroup memory. The driver compiles
  `coopStoreT` straight to C into eight 4-byte stores per lane per fragment, each writing every
  other word of 32 bytes in 8 rows. Here a subgroup stores S fragments side by side into its own
  staging area (rows padded by 16 bytes), and its lanes copy them to C as 16-byte words, S·64
  contiguous bytes per row. C is bound as vec4<f32> (its rows are padded to 8 floats); words
  past the padded row or rows past M are skipped.
"""
import os
import sys

kernel = open(sys.argv[1]).read()
out = sys.argv[2]
os.makedirs(out, exist_ok=True)


def sub(s, old, new, count=1):
    n = s.count(old)
    assert n == count, (old, n)
    return s.replace(old, new)


stores_at = "    let direct = row0 + BM <= params.m && col0 + BN <= params.n;\n"
end = kernel.rindex("}")
nostore = sub(kernel, stores_at, "    if (params.k != 7u) { return; }\n" + stores_at)
open(os.path.join(out, "nostore.wgsl"), "w").write(nostore)

head = """@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
"""
body = sub(kernel, head, """fn one_block(row0: u32, col0: u32, tid: u32, sg: u32, lane: u32) {
""")
for p in (132, 264):
    main = f"""
@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {{
    let w = wid.y * groups.x + wid.x;
    let blocks = groups.x * groups.y;
    // Uniform across the workgroup, so every barrier inside stays uniform.
    for (var blk = w; blk < blocks && w < {p}u; blk += {p}u) {{
        one_block((blk / groups.x) * BM, (blk % groups.x) * BN, tid, sg, lane);
        // The next block's prologue writes both copies of the tiles, and the edge stores
        // use the staging area: everyone must be done with this block first.
        workgroupBarrier();
    }}
}}
"""
    open(os.path.join(out, f"persist_{p}.wgsl"), "w").write(body + main)


def staged(src, span, pad=1, slots=1):
    src = sub(src, "@group(0) @binding(3) var<storage, read_write> c: array<f32>;",
              "@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;")
    src = sub(src, "var<workgroup> c_stage: array<f32, WARPS * FRAG * FRAG>;",
              f"const SPAN: u32 = {span}u;\n"
              f"// Staged row: SPAN fragments of 4 vec4<f32>, plus {pad} vec4 of padding.\n"
              f"const CW: u32 = SPAN * 4u + {pad}u;\n"
              f"// Staging slots per subgroup.\nconst SLOTS_C: u32 = {slots}u;\n"
              "var<workgroup> c_stage: array<vec4<f32>, SLOTS_C * WARPS * FRAG * CW>;")
    i = src.index("// Copies subgroup `sg`'s staged fragment")
    j = src.index("@compute @workgroup_size(THREADS)")
    src = src[:i] + """// Copies subgroup `sg`'s SPAN staged fragments in slot `slot` to C at (row, col), 16 bytes
// per store.
fn copy_out(sg: u32, slot: u32, lane: u32, row: u32, col: u32) {
    let q_row = params.c_row / 4u;
    let base = (slot * WARPS + sg) * FRAG * CW;
    for (var e = lane; e < FRAG * SPAN * 4u; e += SG) {
        let r = row + e / (SPAN * 4u);
        let q = col / 4u + e % (SPAN * 4u);
        if (r < params.m && q < q_row) {
            c[r * q_row + q] = c_stage[base + (e / (SPAN * 4u)) * CW + e % (SPAN * 4u)];
        }
    }
}

fn stage(v: coop_mat16x16<f32, C>, sg: u32, slot: u32, f: u32) {
    let p = &c_stage[(slot * WARPS + sg) * FRAG * CW + f * 4u];
    coopStoreT(v, p, CW);
}

""" + src[j:]
    i = src.index("    let direct = row0 + BM <= params.m && col0 + BN <= params.n;")
    j = src.index("\n}", i)
    accs = [[f"acc{r}{c}" for c in range(4)] for r in range(4)]
    lines = ["    let r0 = row0 + wr;", "    let c0 = col0 + wc;"]
    count = [0]
    def emit(r, cols, ind):
        for n in range(0, len(cols), span):
            grp = cols[n:n + span]
            slot = count[0] % slots
            count[0] += 1
            for f, cc in enumerate(grp):
                lines.append(f"{ind}stage({accs[r][cc]}, sg, {slot}u, {f}u);")
            lines.append(f"{ind}workgroupBarrier();")
            lines.append(f"{ind}copy_out(sg, {slot}u, lane, r0 + {r}u * FRAG, c0 + {grp[0]}u * FRAG);")
            if slots == 1:
                lines.append(f"{ind}workgroupBarrier();")
    for r in range(4):
        emit(r, [0, 1], "    ")
    lines.append("    if (WIDE) {")
    for r in range(4):
        emit(r, [2, 3], "        ")
    lines.append("    }")
    return src[:i] + "\n".join(lines) + src[j:]


variants = {"stage_1": (1, 1, 1), "stage_2": (2, 1, 1), "stage_1_nopad": (1, 0, 1),
            "stage_1_db": (1, 0, 2)}
for name, (span, pad, slots) in variants.items():
    k2 = staged(kernel, span, pad, slots)
    open(os.path.join(out, f"{name}.wgsl"), "w").write(k2)
    if name in ("stage_1", "stage_2"):
        b2 = sub(k2, head, """fn one_block(row0: u32, col0: u32, tid: u32, sg: u32, lane: u32) {
""")
        main = open(os.path.join(out, "persist_132.wgsl")).read()
        main = main[main.rindex("@compute"):]
        open(os.path.join(out, f"persist_132_{name}.wgsl"), "w").write(b2 + "\n" + main)

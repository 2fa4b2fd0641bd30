// Cooperative-matrix matrix multiply (tensor cores): C = A · B with A (M×K) and B (K×N) stored as
// f16, C (M×N) as f32, all row-major. Native only: needs wgpu's experimental
// `EXPERIMENTAL_COOPERATIVE_MATRIX` feature (plus `shader-f16` and `subgroups`), and runs only
// when the adapter lists the 16×16×16 f16 → f32 configuration (the host checks: wgpu does not,
// and an unlisted shape silently returns garbage).
//
// A cooperative matrix is a small matrix held collectively by the lanes of one subgroup (a warp:
// 32 lanes on NVIDIA): no lane knows which elements it holds, only the subgroup as a whole.
// `coopLoadT` fills one from memory, `coopMultiplyAdd(a, b, c)` computes a·b + c for a 16×16×16
// fragment in one hardware instruction sequence (4096 fmas), and `coopStoreT` writes it back.
// (`T`: the matrix is read or written row-major, like our buffers; plain `coopLoad` is
// column-major.) Every lane of the subgroup must reach each of these calls together, so none of
// them sits under a branch that depends on the lane.
//
// Who owns what.
// - A workgroup owns a BM×BN block of C (128×256 by default on an H100) and walks K in steps
//   of BK = 16, one fragment deep. It has (BM/64)·(BN/WN) subgroups: 8 at 256×128 or 128×256,
//   256 threads.
// - Each subgroup owns a 64×WN sub-block of C, WN = 64 (the host's choice where that still
//   leaves 8 subgroups) or 32: 4×4 (or 4×2) fragments of 16×16, held in sixteen (eight) f32
//   accumulator matrices that stay in registers for the whole walk along K. Per step it loads
//   four fragments of A and four (two) of B from workgroup memory and does sixteen (eight)
//   multiply-adds: each fragment it loads feeds four (two) of them, which is what keeps the
//   tensor cores fed rather than waiting on workgroup memory. (A 32×32 sub-block, 2×2, loads
//   four fragments for four multiply-adds.)
// - Every thread of the workgroup helps stage the BM×BK block of A and the BK×BN block of B in
//   workgroup memory, eight f16 at a time (one 16-byte load per element; the host pads the
//   rows of A, B and C to a multiple of 8 elements so every row starts 16-byte aligned), and
//   writes zeros outside A and B. That zero padding is how
//   ragged M, N and K work: a fragment that hangs over an edge multiplies zeros, and the tensor
//   cores never see a partial fragment.
// - Software pipelining, three stages. In step t:
//   - every thread issues the global loads of its share of step t + 2 + DEPTH's blocks
//     (`fetch`) into a ring of registers, where they travel while this step and the next
//     DEPTH are multiplied;
//   - each subgroup loads step t + 1's fragments from workgroup memory and multiplies step t's,
//     which it loaded in step t − 1;
//   - each thread writes its registers of step t + 2 (fetched DEPTH steps ago) into workgroup
//     memory (`stash`); then comes the step's one barrier.
//   Two copies of each block suffice: in step t the subgroups read step t + 1's copy, and step
//   t's copy, whose fragments are already in registers, takes step t + 2. With the next
//   fragments in registers before the barrier, the tensor cores start at once after it rather
//   than after a round trip to workgroup memory (H100, 4096³, checked: 221 TFLOP/s against 188
//   with the fragments loaded after the barrier). Many subgroups per workgroup help too: one
//   waiting on memory leaves the tensor cores to others.
// - At the end a workgroup whose whole block lies inside C stores its fragments straight to C.
//   One on an edge stores each fragment into its subgroup's own 16×16 f32 staging area in
//   workgroup memory, and its lanes copy the elements that lie inside C to global memory with
//   ordinary bounds-checked stores (`coopStoreT` straight to C would write past the edges).
//
// Alignment: Vulkan wants the pointer and the row stride of a cooperative load or store aligned
// to 16 bytes. Every fragment here starts at a multiple of 16 elements (32 bytes of f16) into a
// row, and every row stride (A_STRIDE, B_STRIDE below in 8-byte vec4<f16>s, both even; C's
// padded row of a multiple of 8 f32; 16 f32 for the staging) is a multiple of 16 bytes.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) does not accept that directive yet and enables the
// subgroup builtins from the device feature instead.
enable wgpu_cooperative_matrix;

struct Params {
    m: u32,
    n: u32,
    k: u32,
    // Row strides of the padded buffers: A and B in vec4<f16>s, C in f32s.
    a_row: u32,
    b_row: u32,
    c_row: u32,
}

// A and B are read eight f16 at a time, as 16-byte vec4<u32>s (the host pads their rows with
// zeros to a multiple of 8): loaded 8 bytes at a time as vec4<f16>, the kernel ran at 123 rather
// than 145 TFLOP/s (H100, 256×128×16, 4096³, unchecked). Each u32 holds two f16s.
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// The fragment shape (M = N = K = 16).
const FRAG: u32 = 16u;
// Workgroup block, pipeline-overridable: BM a multiple of 64, BN of 32, BK = 16 (the main loop
// multiplies one fragment deep per step; the host refuses any other BK), chosen by the host
// from the adapter's limits. SG is the adapter's subgroup size (the host refuses adapters
// where it varies), so the workgroup is exactly WARPS whole subgroups.
override BM: u32 = 128u;
override BN: u32 = 256u;
override BK: u32 = 16u;
override SG: u32 = 32u;
// The subgroup block: 4×4 fragments (WN = 64, WIDE) or 4×2 (WN = 32), set by the host. The
// accumulators below are named, one variable each: arrays of cooperative matrices indexed in
// loops ran at a fraction of the speed on the H100.
const WM: u32 = 64u;
override WN: u32 = 64u;
override WIDE: bool = WN == 64u;
override WARPS: u32 = (BM / WM) * (BN / WN);
override THREADS: u32 = WARPS * SG;

// Workgroup-memory row strides, in vec4<f16>s: a row of the block plus 2 (16 bytes) of padding.
// Without it the 8 rows of a fragment that the hardware reads at once (on NVIDIA, `ldmatrix`
// reads 8 rows of 16 bytes) would sit a multiple of 32 bytes apart, several in the same banks,
// and be served one after another; 16 extra bytes per row spread them over all 32 banks. (H100,
// 128×256×16, 4096³: 98 TFLOP/s padded, 69 without.)
override A_STRIDE: u32 = BK / 4u + 2u;
override B_STRIDE: u32 = BN / 4u + 2u;
// 16-byte elements (8 f16) each thread copies per block of A and of B (rounded up), and how many
// of them it carries in registers from one step to the next (the fields of `Next`).
override A_LOADS: u32 = (BM * BK / 8u + THREADS - 1u) / THREADS;
override B_LOADS: u32 = (BK * BN / 8u + THREADS - 1u) / THREADS;
const SLOTS: u32 = 4u;
// Steps of blocks in flight from global memory. Every load is issued unconditionally, with no
// branch around it: loaded under `if (more_steps)`, the registers merge with their old values
// after the branch, and the driver waited for the loads right there, so nothing was in flight
// across the multiplies (H100, 4096³ unchecked, 256×128×16: 142 TFLOP/s under the branch, 167
// without it). At 128×256×16, TFLOP/s at 4096³ unchecked / checked: 265 / 221 with four steps,
// 247 / 227 with two, 234 / 251 with three; at 8192³ 291 / 242 with four, 259 / 279 with three
// (BENCHMARKS.md). The driver gives every depth all 255 registers a thread may have (two steps
// unchecked: 242), and how it spends them moves these figures by ±10 %: four steps is the one
// depth faster than fragments loaded after the barrier in all four. Why so little: its machine
// code (bench/sass_h100.sh) issues a trip's loads together on one scoreboard, and the first use
// of any of them waits for all, so they travel one to two steps whatever DEPTH says.
const DEPTH: u32 = 3u;

// Workgroup memory: two copies (0 and 1) of the f16 blocks of A (BM rows of A_STRIDE) and of B
// (BK rows of B_STRIDE), step j's blocks in copy j % 2: 2·(BM·A_STRIDE + BK·B_STRIDE)·8 bytes,
// 29 KiB at 128, 256, 16. And one 16×16 f32 staging fragment per subgroup for the stores on the
// edges of C: 1 KiB per subgroup.
var<workgroup> a_tile: array<vec4<f16>, 2 * BM * A_STRIDE>;
var<workgroup> b_tile: array<vec4<f16>, 2 * BK * B_STRIDE>;
var<workgroup> c_stage: array<f32, WARPS * FRAG * FRAG>;

// Element e of the block of A (or B) at depth t: the 8 f16 at row e / (BK/8), column group
// e % (BK/8) of the block (of B: row e / (BN/8), group e % (BN/8)); zeros outside A (B). Thread
// tid takes e = tid + i·THREADS for i = 0, 1, …: consecutive threads, consecutive 16 bytes of a
// row (coalesced). Row strides in 16-byte units are half the host's, which count vec4<f16>s.
// EXPERIMENT coop_ptr: no checks; valid only for whole blocks (M % BM == 0, N % BN == 0,
// K % 16 == 0). Each thread's element indices at depth 0 are computed once (`Bases`); a step
// adds a uniform offset. Steps past K are clamped to the last step (their stash is never used).
struct Bases {
    a0: u32, a1: u32, a2: u32, a3: u32,
    b0: u32, b1: u32, b2: u32, b3: u32,
}
fn base_a(row0: u32, e: u32) -> u32 {
    return (row0 + e / (BK / 8u)) * (params.a_row / 2u) + e % (BK / 8u);
}
fn base_b(col0: u32, e: u32) -> u32 {
    return (e / (BN / 8u)) * (params.b_row / 2u) + col0 / 8u + e % (BN / 8u);
}
fn bases(tid: u32, row0: u32, col0: u32) -> Bases {
    var g: Bases;
    g.a0 = base_a(row0, tid);
    g.a1 = base_a(row0, tid + THREADS);
    g.a2 = base_a(row0, tid + 2u * THREADS);
    g.a3 = base_a(row0, tid + 3u * THREADS);
    g.b0 = base_b(col0, tid);
    g.b1 = base_b(col0, tid + THREADS);
    g.b2 = base_b(col0, tid + 2u * THREADS);
    g.b3 = base_b(col0, tid + 3u * THREADS);
    return g;
}

// The 8 f16 in `v` as two vec4<f16>. Through f32 rather than `bitcast`: naga (wgpu 30) types
// `bitcast<vec2<f16>>(u32)` as vec2<f32> and rejects the module. Exact: every f16 is an f32.
fn lo(v: vec4<u32>) -> vec4<f16> {
    return vec4<f16>(vec2<f16>(unpack2x16float(v.x)), vec2<f16>(unpack2x16float(v.y)));
}
fn hi(v: vec4<u32>) -> vec4<f16> {
    return vec4<f16>(vec2<f16>(unpack2x16float(v.z)), vec2<f16>(unpack2x16float(v.w)));
}

// Writes element e of a block into copy `buf` of the workgroup tile (two vec4<f16>s).
fn put_a(buf: u32, e: u32, v: vec4<u32>) {
    if (e < BM * BK / 8u) {
        let i = buf * BM * A_STRIDE + (e / (BK / 8u)) * A_STRIDE + 2u * (e % (BK / 8u));
        a_tile[i] = lo(v);
        a_tile[i + 1u] = hi(v);
    }
}

fn put_b(buf: u32, e: u32, v: vec4<u32>) {
    if (e < BK * BN / 8u) {
        let i = buf * BK * B_STRIDE + (e / (BN / 8u)) * B_STRIDE + 2u * (e % (BN / 8u));
        b_tile[i] = lo(v);
        b_tile[i + 1u] = hi(v);
    }
}

// A thread's share of the next step's blocks, in flight from global to workgroup memory: its
// first SLOTS elements of each block. Named fields rather than arrays so they surely stay in
// registers; the slots past A_LOADS (B_LOADS) are never touched, and the compiler drops them.
struct Next {
    a0: vec4<u32>,
    a1: vec4<u32>,
    a2: vec4<u32>,
    a3: vec4<u32>,
    b0: vec4<u32>,
    b1: vec4<u32>,
    b2: vec4<u32>,
    b3: vec4<u32>,
}

fn fetch(g: Bases, t0: u32) -> Next {
    let t = min(t0, ((params.k + BK - 1u) / BK - 1u) * BK);
    let oa = t / 8u;
    let ob = t * (params.b_row / 2u);
    var n: Next;
    n.a0 = a[g.a0 + oa];
    if (A_LOADS > 1u) { n.a1 = a[g.a1 + oa]; }
    if (A_LOADS > 2u) { n.a2 = a[g.a2 + oa]; }
    if (A_LOADS > 3u) { n.a3 = a[g.a3 + oa]; }
    n.b0 = b[g.b0 + ob];
    if (B_LOADS > 1u) { n.b1 = b[g.b1 + ob]; }
    if (B_LOADS > 2u) { n.b2 = b[g.b2 + ob]; }
    if (B_LOADS > 3u) { n.b3 = b[g.b3 + ob]; }
    return n;
}

// Writes the slots into copy `buf`, and copies directly the elements past SLOTS (only blocks
// with more than SLOTS elements per thread have any: slower, but any block shape works).
fn stash(tid: u32, buf: u32, n: Next) {
    put_a(buf, tid, n.a0);
    if (A_LOADS > 1u) { put_a(buf, tid + THREADS, n.a1); }
    if (A_LOADS > 2u) { put_a(buf, tid + 2u * THREADS, n.a2); }
    if (A_LOADS > 3u) { put_a(buf, tid + 3u * THREADS, n.a3); }
    put_b(buf, tid, n.b0);
    if (B_LOADS > 1u) { put_b(buf, tid + THREADS, n.b1); }
    if (B_LOADS > 2u) { put_b(buf, tid + 2u * THREADS, n.b2); }
    if (B_LOADS > 3u) { put_b(buf, tid + 3u * THREADS, n.b3); }
}

// Copies subgroup `sg`'s staged fragment to C at (row, col), skipping elements outside C. The
// subgroup's lanes take every SG-th element.
fn copy_out(sg: u32, lane: u32, row: u32, col: u32) {
    for (var e = lane; e < FRAG * FRAG; e += SG) {
        let r = row + e / FRAG;
        let cc = col + e % FRAG;
        if (r < params.m && cc < params.n) {
            c[r * params.c_row + cc] = c_stage[sg * FRAG * FRAG + e];
        }
    }
}

// Stores one accumulator fragment at (row, col) of C. `direct`: the whole workgroup block lies
// inside C (the same for every thread of the workgroup, so the barriers stay uniform), and the
// fragment goes straight to C. Otherwise through the subgroup's staging fragment: the store is
// followed by a barrier (the lanes that copy an element are not the ones that stored it: nobody
// knows which lane holds what), and the copy by another (the next store reuses the area).
fn store_frag(v: coop_mat16x16<f32, C>, direct: bool, sg: u32, lane: u32, row: u32, col: u32) {
    if (direct) {
        // Pointer and stride bound with `let` first: naga (wgpu 30) writes the store before
        // it evaluates expressions written inline in its arguments, and panics.
        let c_row = params.c_row;
        let p = &c[row * c_row + col];
        coopStoreT(v, p, c_row);
    } else {
        let stage = &c_stage[sg * FRAG * FRAG];
        coopStoreT(v, stage, FRAG);
        workgroupBarrier();
        copy_out(sg, lane, row, col);
        workgroupBarrier();
    }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    // This subgroup's WM×WN sub-block, relative to the workgroup block.
    let wr = (sg / (BN / WN)) * WM;
    let wc = (sg % (BN / WN)) * WN;
    let g = bases(tid, row0, col0);

    // The accumulators: accIJ is the fragment at rows wr + 16·I, columns wc + 16·J. Named
    // rather than an array so each surely stays in registers. Zero to start.
    var acc00: coop_mat16x16<f32, C>;
    var acc01: coop_mat16x16<f32, C>;
    var acc10: coop_mat16x16<f32, C>;
    var acc11: coop_mat16x16<f32, C>;
    var acc20: coop_mat16x16<f32, C>;
    var acc21: coop_mat16x16<f32, C>;
    var acc30: coop_mat16x16<f32, C>;
    var acc31: coop_mat16x16<f32, C>;
    // Columns 2 and 3 exist only when WN = 64: every `if (WIDE)` below is decided when the
    // pipeline is built, and the compiler drops the dead branch and the unused variables.
    var acc02: coop_mat16x16<f32, C>;
    var acc03: coop_mat16x16<f32, C>;
    var acc12: coop_mat16x16<f32, C>;
    var acc13: coop_mat16x16<f32, C>;
    var acc22: coop_mat16x16<f32, C>;
    var acc23: coop_mat16x16<f32, C>;
    var acc32: coop_mat16x16<f32, C>;
    var acc33: coop_mat16x16<f32, C>;

    // The fragments of the step being multiplied, loaded in the step before: four of A, four
    // (two) of B. nb2 and nb3 are declared here because they are set under `if (WIDE)`.
    var ca0: coop_mat16x16<f16, A>;
    var ca1: coop_mat16x16<f16, A>;
    var ca2: coop_mat16x16<f16, A>;
    var ca3: coop_mat16x16<f16, A>;
    var cb0: coop_mat16x16<f16, B>;
    var cb1: coop_mat16x16<f16, B>;
    var cb2: coop_mat16x16<f16, B>;
    var cb3: coop_mat16x16<f16, B>;
    var nb2: coop_mat16x16<f16, B>;
    var nb3: coop_mat16x16<f16, B>;

    // Prologue: steps 0 and 1 into copies 0 and 1; the loads of steps 2 .. DEPTH + 1 on their
    // way (step j in ring[j % DEPTH]); step 0's fragments.
    stash(tid, 0u, fetch(g, 0u));
    stash(tid, 1u, fetch(g, BK));
    var ring: array<Next, DEPTH>;
    // @unroll
    for (var j = 0u; j < DEPTH; j++) {
        ring[(j + 2u) % DEPTH] = fetch(g, (j + 2u) * BK);
    }
    workgroupBarrier();
    {
        let pa0 = &a_tile[wr * A_STRIDE];
        let pa1 = &a_tile[(wr + FRAG) * A_STRIDE];
        let pa2 = &a_tile[(wr + 2u * FRAG) * A_STRIDE];
        let pa3 = &a_tile[(wr + 3u * FRAG) * A_STRIDE];
        let pb0 = &b_tile[wc / 4u];
        let pb1 = &b_tile[(wc + FRAG) / 4u];
        ca0 = coopLoadT<coop_mat16x16<f16, A>>(pa0, A_STRIDE);
        ca1 = coopLoadT<coop_mat16x16<f16, A>>(pa1, A_STRIDE);
        ca2 = coopLoadT<coop_mat16x16<f16, A>>(pa2, A_STRIDE);
        ca3 = coopLoadT<coop_mat16x16<f16, A>>(pa3, A_STRIDE);
        cb0 = coopLoadT<coop_mat16x16<f16, B>>(pb0, B_STRIDE);
        cb1 = coopLoadT<coop_mat16x16<f16, B>>(pb1, B_STRIDE);
        if (WIDE) {
            let pb2 = &b_tile[(wc + 2u * FRAG) / 4u];
            let pb3 = &b_tile[(wc + 3u * FRAG) / 4u];
            cb2 = coopLoadT<coop_mat16x16<f16, B>>(pb2, B_STRIDE);
            cb3 = coopLoadT<coop_mat16x16<f16, B>>(pb3, B_STRIDE);
        }
    }
    // The first step writes step 2 into copy 0: every subgroup must have its step 0 fragments
    // first. (Without this barrier, one of three runs of the first version at 4096³ returned
    // wrong results.)
    workgroupBarrier();

    // DEPTH steps per trip, written out by the host so that every ring index is a constant and
    // the ring stays in registers. Past K the loads read zeros (`load_a`, `load_b`), so the
    // last trip's extra steps, up to DEPTH − 1 of them, multiply zeros.
    var buf = 0u;
    for (var t = 0u; t < params.k; t += DEPTH * BK) {
        // @unroll
        for (var s = 0u; s < DEPTH; s++) {
            // Step t + s: its fragments are in ca*, cb*; copy 1 − buf holds step t + s + 1, and
            // copy buf is free. First the loads of step t + s + 2 + DEPTH, which travel while
            // the tensor cores work on this step and the next DEPTH.
            let fresh = fetch(g, t + (s + 2u + DEPTH) * BK);
            // The next step's fragments (rows wr + 16i and columns wc + 16j of its blocks),
            // loaded while this step's are multiplied. Strides are in vec4<f16>s, the
            // pointers' element type.
            let a_base = (1u - buf) * BM * A_STRIDE;
            let b_base = (1u - buf) * BK * B_STRIDE;
            let pa0 = &a_tile[a_base + wr * A_STRIDE];
            let pa1 = &a_tile[a_base + (wr + FRAG) * A_STRIDE];
            let pa2 = &a_tile[a_base + (wr + 2u * FRAG) * A_STRIDE];
            let pa3 = &a_tile[a_base + (wr + 3u * FRAG) * A_STRIDE];
            let pb0 = &b_tile[b_base + wc / 4u];
            let pb1 = &b_tile[b_base + (wc + FRAG) / 4u];
            let nb0 = coopLoadT<coop_mat16x16<f16, B>>(pb0, B_STRIDE);
            let nb1 = coopLoadT<coop_mat16x16<f16, B>>(pb1, B_STRIDE);
            if (WIDE) {
                let pb2 = &b_tile[b_base + (wc + 2u * FRAG) / 4u];
                let pb3 = &b_tile[b_base + (wc + 3u * FRAG) / 4u];
                nb2 = coopLoadT<coop_mat16x16<f16, B>>(pb2, B_STRIDE);
                nb3 = coopLoadT<coop_mat16x16<f16, B>>(pb3, B_STRIDE);
            }
            let na0 = coopLoadT<coop_mat16x16<f16, A>>(pa0, A_STRIDE);
            acc00 = coopMultiplyAdd(ca0, cb0, acc00);
            acc01 = coopMultiplyAdd(ca0, cb1, acc01);
            if (WIDE) {
                acc02 = coopMultiplyAdd(ca0, cb2, acc02);
                acc03 = coopMultiplyAdd(ca0, cb3, acc03);
            }
            let na1 = coopLoadT<coop_mat16x16<f16, A>>(pa1, A_STRIDE);
            acc10 = coopMultiplyAdd(ca1, cb0, acc10);
            acc11 = coopMultiplyAdd(ca1, cb1, acc11);
            if (WIDE) {
                acc12 = coopMultiplyAdd(ca1, cb2, acc12);
                acc13 = coopMultiplyAdd(ca1, cb3, acc13);
            }
            let na2 = coopLoadT<coop_mat16x16<f16, A>>(pa2, A_STRIDE);
            acc20 = coopMultiplyAdd(ca2, cb0, acc20);
            acc21 = coopMultiplyAdd(ca2, cb1, acc21);
            if (WIDE) {
                acc22 = coopMultiplyAdd(ca2, cb2, acc22);
                acc23 = coopMultiplyAdd(ca2, cb3, acc23);
            }
            let na3 = coopLoadT<coop_mat16x16<f16, A>>(pa3, A_STRIDE);
            acc30 = coopMultiplyAdd(ca3, cb0, acc30);
            acc31 = coopMultiplyAdd(ca3, cb1, acc31);
            if (WIDE) {
                acc32 = coopMultiplyAdd(ca3, cb2, acc32);
                acc33 = coopMultiplyAdd(ca3, cb3, acc33);
            }
            ca0 = na0;
            ca1 = na1;
            ca2 = na2;
            ca3 = na3;
            cb0 = nb0;
            cb1 = nb1;
            cb2 = nb2;
            cb3 = nb3;
            // Step t + s + 2 into copy buf. Its fragments of step t + s were loaded in the step
            // before, which every subgroup finished before the barrier that ended it.
            stash(tid, buf, ring[(s + 2u) % DEPTH]);
            ring[(s + 2u) % DEPTH] = fresh;
            // One barrier per step: step t + s + 2's copy must be complete before anyone reads
            // it (in the next step), and nobody may overwrite step t + s + 1's copy (in the
            // next step) while a subgroup still reads its fragments (now).
            workgroupBarrier();
            buf = 1u - buf;
        }
    }

    let direct = row0 + BM <= params.m && col0 + BN <= params.n;
    let r0 = row0 + wr;
    let c0 = col0 + wc;
    store_frag(acc00, direct, sg, lane, r0, c0);
    store_frag(acc01, direct, sg, lane, r0, c0 + FRAG);
    store_frag(acc10, direct, sg, lane, r0 + FRAG, c0);
    store_frag(acc11, direct, sg, lane, r0 + FRAG, c0 + FRAG);
    store_frag(acc20, direct, sg, lane, r0 + 2u * FRAG, c0);
    store_frag(acc21, direct, sg, lane, r0 + 2u * FRAG, c0 + FRAG);
    store_frag(acc30, direct, sg, lane, r0 + 3u * FRAG, c0);
    store_frag(acc31, direct, sg, lane, r0 + 3u * FRAG, c0 + FRAG);
    if (WIDE) {
        store_frag(acc02, direct, sg, lane, r0, c0 + 2u * FRAG);
        store_frag(acc03, direct, sg, lane, r0, c0 + 3u * FRAG);
        store_frag(acc12, direct, sg, lane, r0 + FRAG, c0 + 2u * FRAG);
        store_frag(acc13, direct, sg, lane, r0 + FRAG, c0 + 3u * FRAG);
        store_frag(acc22, direct, sg, lane, r0 + 2u * FRAG, c0 + 2u * FRAG);
        store_frag(acc23, direct, sg, lane, r0 + 2u * FRAG, c0 + 3u * FRAG);
        store_frag(acc32, direct, sg, lane, r0 + 3u * FRAG, c0 + 2u * FRAG);
        store_frag(acc33, direct, sg, lane, r0 + 3u * FRAG, c0 + 3u * FRAG);
    }
}

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
// - At the end each subgroup stores its fragments one at a time into its own 16×16 f32 staging
//   area in workgroup memory, and its lanes copy them to C 16 bytes per store, skipping rows
//   past M (`coopStoreT` straight to C would write past the edges). Even where the whole block
//   lies inside C this is faster than storing straight to C: the driver compiles that into
//   eight 4-byte stores per lane per fragment, each writing every other word of 32 bytes in 8
//   rows, and at the end of each wave every SM stores 128 KiB of C at once (H100, 128×256×16,
//   4096³: 273 against 255–264 TFLOP/s unchecked, 261 against 217–219 checked; BENCHMARKS.md).
//
// Alignment: Vulkan wants the pointer and the row stride of a cooperative load or store aligned
// to 16 bytes. Every fragment here starts at a multiple of 16 elements (32 bytes of f16) into a
// row, and every row stride (A_STRIDE, B_STRIDE below in 8-byte vec4<f16>s, both even;
// C_STRIDE in 16-byte vec4<f32>s) is a multiple of 16 bytes. So is
// the size of every workgroup variable below, which keeps each tile 16-byte aligned whatever
// order the driver lays them out in: a 4-byte variable added in an experiment put the tiles 8
// bytes off on the H100, and the results came out wrong.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) does not accept that directive yet and enables the
// subgroup builtins from the device feature instead.
enable wgpu_cooperative_matrix;

struct Params {
    m: u32,
    n: u32,
    k: u32,
    // Row strides of the padded buffers: A and B in vec4<f16>s, C in f32s (a multiple of 8).
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
// C is written 16 bytes at a time: its rows are padded to a multiple of 8 f32.
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

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
// without it). At 128×256×16, before C was staged (see the top), TFLOP/s at 4096³ unchecked /
// checked: 265 / 221 with four steps, 247 / 227 with two, 234 / 251 with three; at 8192³ 291 / 242
// with four, 259 / 279 with three (BENCHMARKS.md). With C staged: 273 / 261 with four, 252 / 259
// with three, 266 / 235 with two; at 8192³ 290 / 283, 270 / 283, 280 / 252. The driver gives every
// depth all 255 registers a thread may have (two steps unchecked: 242), and how it spends them
// moves these figures by ±10 %: four steps is the one depth faster than fragments loaded after the
// barrier in all four. Why so little: its machine code (bench/sass_h100.sh) issues a trip's loads
// together on one scoreboard, and the first use of any of them waits for all, so they travel one
// to two steps whatever DEPTH says.
const DEPTH: u32 = 4u;

// Workgroup memory: two copies (0 and 1) of the f16 blocks of A (BM rows of A_STRIDE) and of B
// (BK rows of B_STRIDE), step j's blocks in copy j % 2: 2·(BM·A_STRIDE + BK·B_STRIDE)·8 bytes,
// 29 KiB at 128, 256, 16. And one 16×16 f32 staging fragment per subgroup for the stores to C,
// its rows padded by 16 bytes: 1.25 KiB per subgroup, 39,424 bytes in all at 128, 256, 16.
var<workgroup> a_tile: array<vec4<f16>, 2 * BM * A_STRIDE>;
var<workgroup> b_tile: array<vec4<f16>, 2 * BK * B_STRIDE>;
// The staging row stride in vec4<f32>s: 16 f32 plus 4 of padding, so that the 8 rows a store
// instruction writes do not all sit in the same banks (H100, 4096³: 261 against 259 TFLOP/s
// unpadded checked, the same within 1 % unchecked).
const C_STRIDE: u32 = FRAG / 4u + 1u;
var<workgroup> c_stage: array<vec4<f32>, WARPS * FRAG * C_STRIDE>;

// Element e of the block of A (or B) at depth t: the 8 f16 at row e / (BK/8), column group
// e % (BK/8) of the block (of B: row e / (BN/8), group e % (BN/8)); zeros outside A (B). Thread
// tid takes e = tid + i·THREADS for i = 0, 1, …: consecutive threads, consecutive 16 bytes of a
// row (coalesced). Row strides in 16-byte units are half the host's, which count vec4<f16>s.
fn load_a(row0: u32, t: u32, e: u32) -> vec4<u32> {
    let r = row0 + e / (BK / 8u);
    let q = t / 8u + e % (BK / 8u);
    let row = params.a_row / 2u;
    var v = vec4<u32>();
    // q < row: the row's padding is zeros already, past it is the next row.
    if (e < BM * BK / 8u && r < params.m && q < row) {
        v = a[r * row + q];
    }
    return v;
}

fn load_b(col0: u32, t: u32, e: u32) -> vec4<u32> {
    let kk = t + e / (BN / 8u);
    let q = col0 / 8u + e % (BN / 8u);
    let row = params.b_row / 2u;
    var v = vec4<u32>();
    if (e < BK * BN / 8u && kk < params.k && q < row) {
        v = b[kk * row + q];
    }
    return v;
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

// Issues the loads of this thread's slots of the blocks at depth t. Nothing waits for them
// until `stash` writes them out.
fn fetch(tid: u32, row0: u32, col0: u32, t: u32) -> Next {
    var n: Next;
    n.a0 = load_a(row0, t, tid);
    if (A_LOADS > 1u) { n.a1 = load_a(row0, t, tid + THREADS); }
    if (A_LOADS > 2u) { n.a2 = load_a(row0, t, tid + 2u * THREADS); }
    if (A_LOADS > 3u) { n.a3 = load_a(row0, t, tid + 3u * THREADS); }
    n.b0 = load_b(col0, t, tid);
    if (B_LOADS > 1u) { n.b1 = load_b(col0, t, tid + THREADS); }
    if (B_LOADS > 2u) { n.b2 = load_b(col0, t, tid + 2u * THREADS); }
    if (B_LOADS > 3u) { n.b3 = load_b(col0, t, tid + 3u * THREADS); }
    return n;
}

// Writes the slots into copy `buf`, and copies directly the elements past SLOTS (only blocks
// with more than SLOTS elements per thread have any: slower, but any block shape works).
fn stash(tid: u32, row0: u32, col0: u32, t: u32, buf: u32, n: Next) {
    put_a(buf, tid, n.a0);
    if (A_LOADS > 1u) { put_a(buf, tid + THREADS, n.a1); }
    if (A_LOADS > 2u) { put_a(buf, tid + 2u * THREADS, n.a2); }
    if (A_LOADS > 3u) { put_a(buf, tid + 3u * THREADS, n.a3); }
    put_b(buf, tid, n.b0);
    if (B_LOADS > 1u) { put_b(buf, tid + THREADS, n.b1); }
    if (B_LOADS > 2u) { put_b(buf, tid + 2u * THREADS, n.b2); }
    if (B_LOADS > 3u) { put_b(buf, tid + 3u * THREADS, n.b3); }
    for (var i = SLOTS; i < A_LOADS; i++) {
        put_a(buf, tid + i * THREADS, load_a(row0, t, tid + i * THREADS));
    }
    for (var i = SLOTS; i < B_LOADS; i++) {
        put_b(buf, tid + i * THREADS, load_b(col0, t, tid + i * THREADS));
    }
}

// Copies subgroup `sg`'s staged fragment to C at (row, col), 16 bytes per store: a subgroup
// stores 8 rows of 64 contiguous bytes at once. `col` is a multiple of 16 and C's row stride of
// 8, so every 16-byte word lies within one padded row; words past that row and rows past M are
// skipped. Columns between N and the padded row get the fragment's values there, which are
// zeros (B's padding is zeros): nobody reads them.
fn copy_out(sg: u32, lane: u32, row: u32, col: u32) {
    let q_row = params.c_row / 4u;
    for (var e = lane; e < FRAG * FRAG / 4u; e += SG) {
        let r = row + e / (FRAG / 4u);
        let q = col / 4u + e % (FRAG / 4u);
        if (r < params.m && q < q_row) {
            c[r * q_row + q] = c_stage[(sg * FRAG + e / (FRAG / 4u)) * C_STRIDE + e % (FRAG / 4u)];
        }
    }
}

// Stores one accumulator fragment at (row, col) of C through the subgroup's staging fragment.
// The store is followed by a barrier (the lanes that copy an element are not the ones that
// stored it: nobody knows which lane holds what), and the copy by another (the next store
// reuses the area). Every subgroup stores the same number of fragments, so every thread
// reaches every barrier.
fn store_frag(v: coop_mat16x16<f32, C>, sg: u32, lane: u32, row: u32, col: u32) {
    // Pointer bound with `let` first: naga (wgpu 30) writes the store before it evaluates
    // expressions written inline in its arguments, and panics.
    let stage = &c_stage[sg * FRAG * C_STRIDE];
    coopStoreT(v, stage, C_STRIDE);
    workgroupBarrier();
    copy_out(sg, lane, row, col);
    workgroupBarrier();
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
    stash(tid, row0, col0, 0u, 0u, fetch(tid, row0, col0, 0u));
    stash(tid, row0, col0, BK, 1u, fetch(tid, row0, col0, BK));
    var ring: array<Next, DEPTH>;
    // @unroll
    for (var j = 0u; j < DEPTH; j++) {
        ring[(j + 2u) % DEPTH] = fetch(tid, row0, col0, (j + 2u) * BK);
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
            let fresh = fetch(tid, row0, col0, t + (s + 2u + DEPTH) * BK);
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
            stash(tid, row0, col0, t + (s + 2u) * BK, buf, ring[(s + 2u) % DEPTH]);
            ring[(s + 2u) % DEPTH] = fresh;
            // One barrier per step: step t + s + 2's copy must be complete before anyone reads
            // it (in the next step), and nobody may overwrite step t + s + 1's copy (in the
            // next step) while a subgroup still reads its fragments (now).
            workgroupBarrier();
            buf = 1u - buf;
        }
    }

    let r0 = row0 + wr;
    let c0 = col0 + wc;
    store_frag(acc00, sg, lane, r0, c0);
    store_frag(acc01, sg, lane, r0, c0 + FRAG);
    store_frag(acc10, sg, lane, r0 + FRAG, c0);
    store_frag(acc11, sg, lane, r0 + FRAG, c0 + FRAG);
    store_frag(acc20, sg, lane, r0 + 2u * FRAG, c0);
    store_frag(acc21, sg, lane, r0 + 2u * FRAG, c0 + FRAG);
    store_frag(acc30, sg, lane, r0 + 3u * FRAG, c0);
    store_frag(acc31, sg, lane, r0 + 3u * FRAG, c0 + FRAG);
    if (WIDE) {
        store_frag(acc02, sg, lane, r0, c0 + 2u * FRAG);
        store_frag(acc03, sg, lane, r0, c0 + 3u * FRAG);
        store_frag(acc12, sg, lane, r0 + FRAG, c0 + 2u * FRAG);
        store_frag(acc13, sg, lane, r0 + FRAG, c0 + 3u * FRAG);
        store_frag(acc22, sg, lane, r0 + 2u * FRAG, c0 + 2u * FRAG);
        store_frag(acc23, sg, lane, r0 + 2u * FRAG, c0 + 3u * FRAG);
        store_frag(acc32, sg, lane, r0 + 3u * FRAG, c0 + 2u * FRAG);
        store_frag(acc33, sg, lane, r0 + 3u * FRAG, c0 + 3u * FRAG);
    }
}

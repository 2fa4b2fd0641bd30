// FP32 matrix multiply on the tensor cores: C = A · B with A (M×K), B (K×N) and C (M×N) all f32,
// row-major, to about the accuracy of f32 arithmetic, from f16 cooperative matrices. Native only,
// with the same requirements as `coop_f16.wgsl` (wgpu's experimental cooperative matrices,
// `shader-f16`, `subgroups`, and the 16×16×16 f16 → f32 shape in the adapter's list).
//
// The idea: split each f32 value x into two f16 values, hi = f16(x) and lo = f16((x − hi)·2¹¹).
// hi holds x's leading 11 significant bits, lo the next 11 (scaled up by 2¹¹ so they do not
// fall below f16's smallest normal numbers), so hi + lo·2⁻¹¹ is x to within about 2⁻²² of x.
// Then
//     a·b ≈ hi(a)·hi(b) + (hi(a)·lo(b) + lo(a)·hi(b))·2⁻¹¹
// leaving out only lo(a)·lo(b)·2⁻²², below f32's own rounding. A product of two f16 values is
// exact in f32, and the tensor cores sum in f32, so three f16 products give what one f32 product
// would: the same trade cuBLAS makes with TF32 ("3xTF32") and with BF16 on newer GPUs. Three
// tensor-core products cost less than one product on the ordinary f32 cores (the tensor cores'
// peak is about ten times the f32 one on an H100).
//
// f16 only reaches 65504, so the values are scaled first. A first pass (`absmax`) finds the
// largest |value| of A and of B; each is scaled by a power of two that brings its largest value
// into [2¹⁴, 2¹⁵), and C is scaled back at the end. Powers of two scale exactly. Values more
// than about 2²⁸ below their matrix's largest lose bits gradually (their halves become f16
// subnormals); the error in each stays below about 2⁻³⁹ of the largest value.
//
// A call is three dispatches: `clear` zeroes the two maxima, `absmax` finds them, `main`
// multiplies. All three are timed.
//
// Who owns what in `main` (as in coop_f16.wgsl, which explains the staging in more detail):
// - A workgroup owns a BM×BN block of C and walks K in steps of BK. Each of its (BM/64)·(BN/32)
//   subgroups owns 64×32 of C: 4×2 fragments, each with two f32 accumulators (hi·hi, and the
//   two cross products), 16 accumulator matrices in registers.
// - Every thread helps stage the blocks: it loads 4 f32 at a time (16 bytes), scales and splits
//   them, and writes the hi and lo halves into their own tiles of workgroup memory. Loads
//   outside A and B give zeros, which is how ragged M, N and K work.
// - Double-buffered tiles and one barrier per step, with DEPTH steps' loads in flight in a ring
//   of registers, as in coop_f16: a thread issues step t + DEPTH's loads before the multiplies
//   of step t, and afterwards writes step t + 1's, split, into the other copy. The loads are
//   issued with no branch around them: a build that loaded the next step under
//   `if (t + BK < K)` and carried it across the multiplies ran slower than loading after them
//   (53.9 against 58.5 TFLOP/s at 4096³, unchecked), because the driver waited for the loads
//   where the branch ended. Unconditional, one step ahead: 72.9; two: 84.4 (three: 84.0).
// - C's buffer is padded by the host to whole BM×BN blocks, so every fragment is stored
//   straight to it (no staging for the edges: its 8 KiB would not fit next to the tiles).
//
// Alignment: Vulkan wants a cooperative load's or store's pointer and row stride aligned to 16
// bytes. Every fragment starts at a multiple of 16 elements into a row; the tile strides (below,
// in 8-byte vec4<f16>s) are even; C's padded row is a multiple of 32 f32.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) enables the subgroup builtins from the device feature.
enable wgpu_cooperative_matrix;

struct Params {
    m: u32,
    n: u32,
    k: u32,
    // Row strides: A and B in vec4<f32>s (the host pads their rows to a multiple of 4), C in f32s.
    a_row: u32,
    b_row: u32,
    c_row: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;
// The largest |value| of A (0) and of B (1), as f32 bit patterns: for values ≥ 0 the order of
// the bit patterns as integers is the order of the values, so `atomicMax` finds the maximum.
@group(0) @binding(4) var<storage, read_write> amax: array<atomic<u32>, 2>;

const FRAG: u32 = 16u;
// Workgroup block, pipeline-overridable: BM a multiple of 64, BN of 32, BK of 16 (the host
// checks). SG is the adapter's one subgroup size.
override BM: u32 = 64u;
override BN: u32 = 256u;
override BK: u32 = 16u;
override SG: u32 = 32u;
const WM: u32 = 64u;
const WN: u32 = 32u;
override WARPS: u32 = (BM / WM) * (BN / WN);
override THREADS: u32 = WARPS * SG;

// Tile row strides in vec4<f16>s: a row of the block plus 16 bytes, against bank conflicts (see
// coop_f16.wgsl).
override A_STRIDE: u32 = BK / 4u + 2u;
override B_STRIDE: u32 = BN / 4u + 2u;
// 16-byte loads (4 f32) per thread per block of A and of B, rounded up, and how many of them
// ride in registers from one step to the next (the fields of `Next`).
override A_LOADS: u32 = (BM * BK / 4u + THREADS - 1u) / THREADS;
override B_LOADS: u32 = (BK * BN / 4u + THREADS - 1u) / THREADS;
const SLOTS: u32 = 4u;
// Steps of blocks in flight (the ring in `main`).
const DEPTH: u32 = 2u;

// The weight of the lo halves: lo = (x − hi)·2¹¹.
const LO: f32 = 2048.0;

// Workgroup memory: for each of two copies, the hi tile then the lo tile of A (BM rows of
// A_STRIDE) and of B (BK rows of B_STRIDE). 45 KiB at 64×256×16.
var<workgroup> a_tile: array<vec4<f16>, 4 * BM * A_STRIDE>;
var<workgroup> b_tile: array<vec4<f16>, 4 * BK * B_STRIDE>;

// Step 1: both maxima to zero (they only grow in step 2).
@compute @workgroup_size(1)
fn clear() {
    atomicStore(&amax[0], 0u);
    atomicStore(&amax[1], 0u);
}

// Step 2: the largest |value| of A and of B. Each thread walks its share of both buffers with
// the grid's stride (the host sizes the grid, not the data); a subgroup's lanes agree on their
// maxima first, so only one lane per subgroup touches the atomics. The rows' zero padding
// changes nothing.
@compute @workgroup_size(256)
fn absmax(@builtin(global_invocation_id) gid: vec3<u32>,
          @builtin(num_workgroups) groups: vec3<u32>,
          @builtin(subgroup_invocation_id) lane: u32) {
    let stride = groups.x * 256u;
    var ma = 0.0;
    for (var i = gid.x; i < arrayLength(&a); i += stride) {
        let v = abs(a[i]);
        ma = max(ma, max(max(v.x, v.y), max(v.z, v.w)));
    }
    var mb = 0.0;
    for (var i = gid.x; i < arrayLength(&b); i += stride) {
        let v = abs(b[i]);
        mb = max(mb, max(max(v.x, v.y), max(v.z, v.w)));
    }
    let sa = subgroupMax(ma);
    let sb = subgroupMax(mb);
    if (lane == 0u) {
        atomicMax(&amax[0], bitcast<u32>(sa));
        atomicMax(&amax[1], bitcast<u32>(sb));
    }
}

// The power of two e that scales a matrix whose largest |value| has the bit pattern `bits`
// into [2¹⁴, 2¹⁵): e = 14 − (that value's exponent), kept within [−113, 126] so that 2^e and
// 2^−e are both normal f32s. An all-zero matrix is not scaled (e = 0), and neither is one
// holding inf or NaN: its infinities and NaNs make NaNs in C, and its finite values beyond
// f16's 65504 become infinite, so there C differs from what f32 arithmetic would give.
fn scale_exponent(bits: u32) -> i32 {
    let biased = i32((bits >> 23u) & 0xffu);
    if (bits == 0u || biased == 255) {
        return 0;
    }
    return clamp(14 - (biased - 127), -113, 126);
}

// Element e of the block of A at depth t: the 4 f32 at row e / (BK/4), column group
// e % (BK/4); zeros outside A. Consecutive threads read consecutive 16 bytes of a row.
fn load_a(row0: u32, t: u32, e: u32) -> vec4<f32> {
    let r = row0 + e / (BK / 4u);
    let q = t / 4u + e % (BK / 4u);
    var v = vec4<f32>();
    // q < a_row: the row's padding is zeros already, past it is the next row.
    if (e < BM * BK / 4u && r < params.m && q < params.a_row) {
        v = a[r * params.a_row + q];
    }
    return v;
}

fn load_b(col0: u32, t: u32, e: u32) -> vec4<f32> {
    let kk = t + e / (BN / 4u);
    let q = col0 / 4u + e % (BN / 4u);
    var v = vec4<f32>();
    if (e < BK * BN / 4u && kk < params.k && q < params.b_row) {
        v = b[kk * params.b_row + q];
    }
    return v;
}

// x's hi half as an f32: x rounded to f16's 11 significant bits, on the bits themselves (add
// half of the dropped part, then clear it; a carry into the exponent is still exact). Not
// `f32(f16(x))`: the H100's driver (580) compiles that round trip to x itself, so x − hi came
// out 0 and every lo half vanished (measured: the cross products summed to exactly 0). Exact in
// f16 wherever x is an f16 normal number, which the scaling makes of everything within 2²⁸ of
// the largest value; below that f16(hi) rounds once more, by at most 2⁻²⁵ (scaled units).
fn hi_part(x: vec4<f32>) -> vec4<f32> {
    return bitcast<vec4<f32>>((bitcast<vec4<u32>>(x) + vec4<u32>(0x1000u)) & vec4<u32>(0xffffe000u));
}

// Scales 4 values by `s` and writes their hi halves at tile index i and their lo halves at
// i + lo (the lo tile's offset). x − hi is exact in f32 and at most half of hi's last place,
// so lo = (x − hi)·2¹¹ is at most |x|: inside f16's range.
fn split_a(i: u32, lo: u32, v: vec4<f32>, s: f32) {
    let x = v * s;
    let h = hi_part(x);
    a_tile[i] = vec4<f16>(h);
    a_tile[i + lo] = vec4<f16>((x - h) * LO);
}

fn split_b(i: u32, lo: u32, v: vec4<f32>, s: f32) {
    let x = v * s;
    let h = hi_part(x);
    b_tile[i] = vec4<f16>(h);
    b_tile[i + lo] = vec4<f16>((x - h) * LO);
}

// Writes element e of a block into copy `buf` of the tiles, split.
fn put_a(buf: u32, e: u32, v: vec4<f32>, s: f32) {
    if (e < BM * BK / 4u) {
        let i = buf * 2u * BM * A_STRIDE + (e / (BK / 4u)) * A_STRIDE + e % (BK / 4u);
        split_a(i, BM * A_STRIDE, v, s);
    }
}

fn put_b(buf: u32, e: u32, v: vec4<f32>, s: f32) {
    if (e < BK * BN / 4u) {
        let i = buf * 2u * BK * B_STRIDE + (e / (BN / 4u)) * B_STRIDE + e % (BN / 4u);
        split_b(i, BK * B_STRIDE, v, s);
    }
}

// A thread's share of one step's blocks: its first SLOTS elements of each block, in named fields
// so they stay in registers, all loads issued before any is used.
struct Next {
    a0: vec4<f32>,
    a1: vec4<f32>,
    a2: vec4<f32>,
    a3: vec4<f32>,
    b0: vec4<f32>,
    b1: vec4<f32>,
    b2: vec4<f32>,
    b3: vec4<f32>,
}

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

// Writes the slots into copy `buf`, and loads and writes directly the elements past SLOTS
// (only blocks with more than SLOTS per thread have any).
fn stash(tid: u32, row0: u32, col0: u32, t: u32, buf: u32, n: Next, sa: f32, sb: f32) {
    put_a(buf, tid, n.a0, sa);
    if (A_LOADS > 1u) { put_a(buf, tid + THREADS, n.a1, sa); }
    if (A_LOADS > 2u) { put_a(buf, tid + 2u * THREADS, n.a2, sa); }
    if (A_LOADS > 3u) { put_a(buf, tid + 3u * THREADS, n.a3, sa); }
    put_b(buf, tid, n.b0, sb);
    if (B_LOADS > 1u) { put_b(buf, tid + THREADS, n.b1, sb); }
    if (B_LOADS > 2u) { put_b(buf, tid + 2u * THREADS, n.b2, sb); }
    if (B_LOADS > 3u) { put_b(buf, tid + 3u * THREADS, n.b3, sb); }
    for (var i = SLOTS; i < A_LOADS; i++) {
        put_a(buf, tid + i * THREADS, load_a(row0, t, tid + i * THREADS), sa);
    }
    for (var i = SLOTS; i < B_LOADS; i++) {
        put_b(buf, tid + i * THREADS, load_b(col0, t, tid + i * THREADS), sb);
    }
}

// One fragment of C: hi·hi plus the cross products weighted 2⁻¹¹, scaled back by 2^−ea and
// 2^−eb (one at a time: their product may not be a normal f32), stored at (row, col). C is
// padded to whole blocks, so the store never leaves the buffer.
fn store_frag(hh: coop_mat16x16<f32, C>, hl: coop_mat16x16<f32, C>, ua: f32, ub: f32,
              row: u32, col: u32) {
    let v = ((hh + hl * (1.0 / LO)) * ua) * ub;
    // Pointer and stride bound with `let` first: naga (wgpu 30) writes the store before it
    // evaluates expressions written inline in its arguments, and panics.
    let c_row = params.c_row;
    let p = &c[row * c_row + col];
    coopStoreT(v, p, c_row);
}

// Step 3: the product.
@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32) {
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    let wr = (sg / (BN / WN)) * WM;
    let wc = (sg % (BN / WN)) * WN;
    let ea = scale_exponent(atomicLoad(&amax[0]));
    let eb = scale_exponent(atomicLoad(&amax[1]));
    let sa = ldexp(1.0, ea);
    let sb = ldexp(1.0, eb);

    // hIJ: hi·hi of the fragment at rows wr + 16·I, columns wc + 16·J; xIJ: its cross products.
    var h00: coop_mat16x16<f32, C>;
    var h01: coop_mat16x16<f32, C>;
    var h10: coop_mat16x16<f32, C>;
    var h11: coop_mat16x16<f32, C>;
    var h20: coop_mat16x16<f32, C>;
    var h21: coop_mat16x16<f32, C>;
    var h30: coop_mat16x16<f32, C>;
    var h31: coop_mat16x16<f32, C>;
    var x00: coop_mat16x16<f32, C>;
    var x01: coop_mat16x16<f32, C>;
    var x10: coop_mat16x16<f32, C>;
    var x11: coop_mat16x16<f32, C>;
    var x20: coop_mat16x16<f32, C>;
    var x21: coop_mat16x16<f32, C>;
    var x30: coop_mat16x16<f32, C>;
    var x31: coop_mat16x16<f32, C>;

    // The loads of steps 0 .. DEPTH − 1 (ring[j] holds the step ≡ j mod DEPTH), and step 0's
    // blocks into copy 0, complete before any subgroup reads them.
    var ring: array<Next, DEPTH>;
    // @unroll
    for (var j = 0u; j < DEPTH; j++) {
        ring[j] = fetch(tid, row0, col0, j * BK);
    }
    stash(tid, row0, col0, 0u, 0u, ring[0], sa, sb);
    workgroupBarrier();

    // DEPTH steps per trip, written out by the host so that every ring index is a constant. Past
    // K the loads read zeros, so the last trip's extra steps multiply zeros.
    var buf = 0u;
    for (var t = 0u; t < params.k; t += DEPTH * BK) {
        // @unroll
        for (var s = 0u; s < DEPTH; s++) {
            // Step t + s, whose registers went to workgroup memory in the step before: its slot
            // takes step t + s + DEPTH's loads, in flight across this step and the next.
            ring[s] = fetch(tid, row0, col0, t + (s + DEPTH) * BK);
            // Copy `buf`'s hi tiles, and their lo tiles right after them.
            let a_hi = buf * 2u * BM * A_STRIDE;
            let a_lo = a_hi + BM * A_STRIDE;
            let b_hi = buf * 2u * BK * B_STRIDE;
            let b_lo = b_hi + BK * B_STRIDE;
            for (var kk = 0u; kk < BK; kk += FRAG) {
                let pb0 = &b_tile[b_hi + kk * B_STRIDE + wc / 4u];
                let pb1 = &b_tile[b_hi + kk * B_STRIDE + (wc + FRAG) / 4u];
                let pl0 = &b_tile[b_lo + kk * B_STRIDE + wc / 4u];
                let pl1 = &b_tile[b_lo + kk * B_STRIDE + (wc + FRAG) / 4u];
                let b0 = coopLoadT<coop_mat16x16<f16, B>>(pb0, B_STRIDE);
                let b1 = coopLoadT<coop_mat16x16<f16, B>>(pb1, B_STRIDE);
                let l0 = coopLoadT<coop_mat16x16<f16, B>>(pl0, B_STRIDE);
                let l1 = coopLoadT<coop_mat16x16<f16, B>>(pl1, B_STRIDE);
                // Per fragment row of A: its hi and lo fragments, six multiply-adds.
                let pa0 = &a_tile[a_hi + wr * A_STRIDE + kk / 4u];
                let pq0 = &a_tile[a_lo + wr * A_STRIDE + kk / 4u];
                let a0 = coopLoadT<coop_mat16x16<f16, A>>(pa0, A_STRIDE);
                let q0 = coopLoadT<coop_mat16x16<f16, A>>(pq0, A_STRIDE);
                h00 = coopMultiplyAdd(a0, b0, h00);
                x00 = coopMultiplyAdd(a0, l0, x00);
                x00 = coopMultiplyAdd(q0, b0, x00);
                h01 = coopMultiplyAdd(a0, b1, h01);
                x01 = coopMultiplyAdd(a0, l1, x01);
                x01 = coopMultiplyAdd(q0, b1, x01);
                let pa1 = &a_tile[a_hi + (wr + FRAG) * A_STRIDE + kk / 4u];
                let pq1 = &a_tile[a_lo + (wr + FRAG) * A_STRIDE + kk / 4u];
                let a1 = coopLoadT<coop_mat16x16<f16, A>>(pa1, A_STRIDE);
                let q1 = coopLoadT<coop_mat16x16<f16, A>>(pq1, A_STRIDE);
                h10 = coopMultiplyAdd(a1, b0, h10);
                x10 = coopMultiplyAdd(a1, l0, x10);
                x10 = coopMultiplyAdd(q1, b0, x10);
                h11 = coopMultiplyAdd(a1, b1, h11);
                x11 = coopMultiplyAdd(a1, l1, x11);
                x11 = coopMultiplyAdd(q1, b1, x11);
                let pa2 = &a_tile[a_hi + (wr + 2u * FRAG) * A_STRIDE + kk / 4u];
                let pq2 = &a_tile[a_lo + (wr + 2u * FRAG) * A_STRIDE + kk / 4u];
                let a2 = coopLoadT<coop_mat16x16<f16, A>>(pa2, A_STRIDE);
                let q2 = coopLoadT<coop_mat16x16<f16, A>>(pq2, A_STRIDE);
                h20 = coopMultiplyAdd(a2, b0, h20);
                x20 = coopMultiplyAdd(a2, l0, x20);
                x20 = coopMultiplyAdd(q2, b0, x20);
                h21 = coopMultiplyAdd(a2, b1, h21);
                x21 = coopMultiplyAdd(a2, l1, x21);
                x21 = coopMultiplyAdd(q2, b1, x21);
                let pa3 = &a_tile[a_hi + (wr + 3u * FRAG) * A_STRIDE + kk / 4u];
                let pq3 = &a_tile[a_lo + (wr + 3u * FRAG) * A_STRIDE + kk / 4u];
                let a3 = coopLoadT<coop_mat16x16<f16, A>>(pa3, A_STRIDE);
                let q3 = coopLoadT<coop_mat16x16<f16, A>>(pq3, A_STRIDE);
                h30 = coopMultiplyAdd(a3, b0, h30);
                x30 = coopMultiplyAdd(a3, l0, x30);
                x30 = coopMultiplyAdd(q3, b0, x30);
                h31 = coopMultiplyAdd(a3, b1, h31);
                x31 = coopMultiplyAdd(a3, l1, x31);
                x31 = coopMultiplyAdd(q3, b1, x31);
            }
            // Step t + s + 1's blocks into the other copy, last read in step t + s − 1, which
            // every subgroup finished before the barrier that ended it.
            stash(tid, row0, col0, t + (s + 1u) * BK, 1u - buf, ring[(s + 1u) % DEPTH], sa, sb);
            workgroupBarrier();
            buf = 1u - buf;
        }
    }

    let ua = ldexp(1.0, -ea);
    let ub = ldexp(1.0, -eb);
    let r0 = row0 + wr;
    let c0 = col0 + wc;
    store_frag(h00, x00, ua, ub, r0, c0);
    store_frag(h01, x01, ua, ub, r0, c0 + FRAG);
    store_frag(h10, x10, ua, ub, r0 + FRAG, c0);
    store_frag(h11, x11, ua, ub, r0 + FRAG, c0 + FRAG);
    store_frag(h20, x20, ua, ub, r0 + 2u * FRAG, c0);
    store_frag(h21, x21, ua, ub, r0 + 2u * FRAG, c0 + FRAG);
    store_frag(h30, x30, ua, ub, r0 + 3u * FRAG, c0);
    store_frag(h31, x31, ua, ub, r0 + 3u * FRAG, c0 + FRAG);
}

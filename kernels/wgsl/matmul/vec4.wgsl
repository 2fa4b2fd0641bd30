// Vectorized 2D register-blocked matrix multiply: C = A · B, A (M×K), B (K×N), C (M×N), f32.
//
// The 2D register-blocked kernel with its memory accesses widened to vec4<f32> (16 bytes): global
// loads of B, stores of C, and every workgroup-memory read of the inner loop. One wide access
// replaces four narrow ones, so fewer load instructions compete with the fmas for issue slots.
// It also overlaps memory with arithmetic: while the block for step t is multiplied, the loads for
// step t + 1 are already in flight into registers, and workgroup memory is double-buffered so one
// barrier per step suffices.
//
// Registers are named variables, not arrays. An array indexed in a loop is only kept in registers
// if the compiler unrolls the loop and proves every index constant; with runtime bounds checks
// (as browsers apply) it often cannot, and the array spills to slow per-thread memory. Sixteen
// named vec4 accumulators leave it no choice.
//
// Layout contract with the host: every row of A, B and C is padded with zeros to a multiple of 4
// floats (K4, N4), so a vec4 never straddles two rows; the padding adds nothing to the sums, and
// the padded columns of C are never read back as results.
//
// Thread tile: 8×8 of C, as two 4-row halves × two 4-column halves. Thread (tx, ty) owns rows
// 4ty..4ty+3 and BM/2 + 4ty..+3, columns 4tx..4tx+3 and BN/2 + 4tx..+3, so neighbouring threads
// read neighbouring vec4s of workgroup memory and store neighbouring vec4s of C.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    // Row lengths: of A in elements (K; A is not padded), of B and C in vec4s (N4 / 4).
    a_stride: u32,
    b_stride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// Workgroup block (pipeline-overridable; BM and BN multiples of 8, BK of 4). Threads:
// (BM/8)·(BN/8). Each thread moves LOADS_A vec4s of A and LOADS_B of B per step, 1 to 4 each
// (the host checks).
override BM: u32 = 128u;
override BN: u32 = 128u;
override BK: u32 = 8u;
override THREADS: u32 = (BM / 8u) * (BN / 8u);
override LOADS_A: u32 = BM * BK / 4u / THREADS;
override LOADS_B: u32 = BN * BK / 4u / THREADS;

// Workgroup memory, two buffers of each block (double buffering): step t reads buffer t % 2 while
// the loads for step t + 1 are written to the other one.
// The A block is stored transposed, k-major: a_tile[buf][kk][r / 4] holds rows r..r+3 at depth kk,
// so a thread fetches its 4 rows for one kk with one vec4 read. B as is: b_tile[buf][kk][c / 4].
// 2·(BM + BN)·BK·4 bytes: 16 KiB at 128, 128, 8.
var<workgroup> a_tile: array<vec4<f32>, 2u * BK * BM / 4u>;
var<workgroup> b_tile: array<vec4<f32>, 2u * BK * BN / 4u>;

// The l-th vec4 of the A block this thread loads: rows 4q..4q+3 of the block at depth kk, read as
// four floats down a column of A (consecutive threads take consecutive kk along a row, so each
// warp-wide load touches a few contiguous runs). Zero outside A.
fn load_a(l: u32, tid: u32, row0: u32, t: u32) -> vec4<f32> {
    let i = tid + l * THREADS;
    let kk = i % BK;
    let row = row0 + 4u * (i / BK);
    var v = vec4<f32>(0.0);
    if (t + kk < params.k) {
        let at = row * params.a_stride + t + kk;
        if (row < params.m) { v.x = a[at]; }
        if (row + 1u < params.m) { v.y = a[at + params.a_stride]; }
        if (row + 2u < params.m) { v.z = a[at + 2u * params.a_stride]; }
        if (row + 3u < params.m) { v.w = a[at + 3u * params.a_stride]; }
    }
    return v;
}

// Where that vec4 goes in a_tile: depth kk, row group q (already transposed).
fn a_slot(l: u32, tid: u32, buf: u32) -> u32 {
    let i = tid + l * THREADS;
    return buf * BK * BM / 4u + (i % BK) * (BM / 4u) + i / BK;
}

// The l-th vec4 of the B block: depth kk, columns 4q..4q+3; consecutive threads take consecutive
// vec4s of a row of B (fully coalesced). Zero outside B.
fn load_b(l: u32, tid: u32, col0: u32, t: u32) -> vec4<f32> {
    let i = tid + l * THREADS;
    let kk = i / (BN / 4u);
    let q = col0 / 4u + i % (BN / 4u);
    var v = vec4<f32>(0.0);
    if (t + kk < params.k && q < params.b_stride) {
        v = b[(t + kk) * params.b_stride + q];
    }
    return v;
}

fn b_slot(l: u32, tid: u32, buf: u32) -> u32 {
    return buf * BK * BN / 4u + tid + l * THREADS;
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let tx = tid % (BN / 8u);
    let ty = tid / (BN / 8u);
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;

    // Accumulators: cRH = row R of the thread's 8 (0..3 first half, 4..7 second), column half H.
    var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0);
    var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0);
    var c20 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0);
    var c30 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0);
    var c40 = vec4<f32>(0.0); var c41 = vec4<f32>(0.0);
    var c50 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0);
    var c60 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0);
    var c70 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0);
    // The next block's global loads, held in registers while the current block is multiplied.
    // LOADS_A and LOADS_B are pipeline constants, so the unused ones compile away.
    var na0 = vec4<f32>(0.0); var na1 = vec4<f32>(0.0);
    var na2 = vec4<f32>(0.0); var na3 = vec4<f32>(0.0);
    var nb0 = vec4<f32>(0.0); var nb1 = vec4<f32>(0.0);
    var nb2 = vec4<f32>(0.0); var nb3 = vec4<f32>(0.0);

    var buf = 0u;
    for (var t = 0u; t < params.k + BK; t += BK) {
        // Step t: first fetch block t into registers, in every step: in the final one, which
        // only finishes the last block, they read zeros past K. (Loaded under `if (fetch)`, the
        // registers merged with their old values after the branch, and the H100's driver
        // waited for the loads there rather than at the stores below; BENCHMARKS.md.) ...
        let fetch = t < params.k;
        {
            na0 = load_a(0u, tid, row0, t);
            nb0 = load_b(0u, tid, col0, t);
            if (LOADS_A > 1u) { na1 = load_a(1u, tid, row0, t); }
            if (LOADS_A > 2u) { na2 = load_a(2u, tid, row0, t); }
            if (LOADS_A > 3u) { na3 = load_a(3u, tid, row0, t); }
            if (LOADS_B > 1u) { nb1 = load_b(1u, tid, col0, t); }
            if (LOADS_B > 2u) { nb2 = load_b(2u, tid, col0, t); }
            if (LOADS_B > 3u) { nb3 = load_b(3u, tid, col0, t); }
        }
        // ... then, while those loads travel, multiply block t − BK, which the previous step
        // stored in buffer `buf` (not for the first step: nothing is stored yet).
        if (t > 0u) {
            let a_base = buf * BK * BM / 4u;
            let b_base = buf * BK * BN / 4u;
            for (var p = 0u; p < BK; p++) {
                let a0 = a_tile[a_base + p * (BM / 4u) + ty];
                let a1 = a_tile[a_base + p * (BM / 4u) + BM / 8u + ty];
                let b0 = b_tile[b_base + p * (BN / 4u) + tx];
                let b1 = b_tile[b_base + p * (BN / 4u) + BN / 8u + tx];
                c00 = fma(vec4<f32>(a0.x), b0, c00); c01 = fma(vec4<f32>(a0.x), b1, c01);
                c10 = fma(vec4<f32>(a0.y), b0, c10); c11 = fma(vec4<f32>(a0.y), b1, c11);
                c20 = fma(vec4<f32>(a0.z), b0, c20); c21 = fma(vec4<f32>(a0.z), b1, c21);
                c30 = fma(vec4<f32>(a0.w), b0, c30); c31 = fma(vec4<f32>(a0.w), b1, c31);
                c40 = fma(vec4<f32>(a1.x), b0, c40); c41 = fma(vec4<f32>(a1.x), b1, c41);
                c50 = fma(vec4<f32>(a1.y), b0, c50); c51 = fma(vec4<f32>(a1.y), b1, c51);
                c60 = fma(vec4<f32>(a1.z), b0, c60); c61 = fma(vec4<f32>(a1.z), b1, c61);
                c70 = fma(vec4<f32>(a1.w), b0, c70); c71 = fma(vec4<f32>(a1.w), b1, c71);
            }
        }
        // Store block t into the other buffer. It was last read two steps ago, and the barrier
        // that ended the previous step guarantees every thread is done with it.
        if (fetch) {
            let other = 1u - buf;
            a_tile[a_slot(0u, tid, other)] = na0;
            b_tile[b_slot(0u, tid, other)] = nb0;
            if (LOADS_A > 1u) { a_tile[a_slot(1u, tid, other)] = na1; }
            if (LOADS_A > 2u) { a_tile[a_slot(2u, tid, other)] = na2; }
            if (LOADS_A > 3u) { a_tile[a_slot(3u, tid, other)] = na3; }
            if (LOADS_B > 1u) { b_tile[b_slot(1u, tid, other)] = nb1; }
            if (LOADS_B > 2u) { b_tile[b_slot(2u, tid, other)] = nb2; }
            if (LOADS_B > 3u) { b_tile[b_slot(3u, tid, other)] = nb3; }
        }
        // One barrier per step: block t is complete before the next step reads it, and nobody
        // still reads buffer `buf` when the next step overwrites it.
        workgroupBarrier();
        buf = 1u - buf;
    }

    // Write the 8×8 block: rows in two halves, each row as two vec4s. Threads past the edge of C
    // write nothing; the padded columns N..N4 receive zeros' sums, never read as results.
    let q0 = col0 / 4u + tx;
    let q1 = col0 / 4u + BN / 8u + tx;
    let r0 = row0 + 4u * ty;
    let r1 = row0 + BM / 2u + 4u * ty;
    store_row(r0, q0, q1, c00, c01);
    store_row(r0 + 1u, q0, q1, c10, c11);
    store_row(r0 + 2u, q0, q1, c20, c21);
    store_row(r0 + 3u, q0, q1, c30, c31);
    store_row(r1, q0, q1, c40, c41);
    store_row(r1 + 1u, q0, q1, c50, c51);
    store_row(r1 + 2u, q0, q1, c60, c61);
    store_row(r1 + 3u, q0, q1, c70, c71);
}

fn store_row(row: u32, q0: u32, q1: u32, v0: vec4<f32>, v1: vec4<f32>) {
    if (row < params.m) {
        if (q0 < params.b_stride) {
            c[row * params.b_stride + q0] = v0;
        }
        if (q1 < params.b_stride) {
            c[row * params.b_stride + q1] = v1;
        }
    }
}

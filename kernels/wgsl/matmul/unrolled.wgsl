// The vectorized kernel with a wider thread tile and its depth loop written out: C = A · B,
// A (M×K), B (K×N), C (M×N), f32.
//
// Two changes to `vec4`, which only pay off together:
//
// 1. Each thread owns 8×16 of C instead of 8×8: 32 vec4 accumulators (128 floats). Per depth
//    it reads 2 vec4s of A and 4 of B from workgroup memory for 128 fmas, where `vec4` reads
//    4 for 64: half the workgroup-memory reads per fma. The cost is registers: the 128
//    accumulators plus 24 operands and the prefetched loads. On an H100 the driver gives each
//    thread 222 registers, so a workgroup of 256 threads has an SM to itself (BENCHMARKS.md).
//
// 2. The BK-deep loop over one block is written out, BK copies of its body, each with its depth
//    `p` a constant. WGSL has no "unroll" attribute, and some drivers do not unroll the loop
//    themselves (the H100's Vulkan driver does not, with or without wgpu's runtime checks).
//    Written out, every workgroup-memory address is a base plus a constant, and the loads of
//    one depth can be issued while the previous depth's fmas run. The `// @unroll` line before
//    the loop asks the host to write it out when BK is known (kernels/src/unroll.rs); the text
//    below stays an ordinary loop, so the file reads, and computes, the same either way.
//
// On an H100 (4096³, BENCHMARKS.md): the wider tile alone runs slower than `vec4` (34 against
// 38 TFLOP/s), the loop written out alone too (28 at the same block, where 512 threads of
// `vec4` leave each only 128 registers); both together, 41 (37 with bounds checks, against 33).
//
// Layout contract with the host, as `vec4`: every row of B and C is padded with zeros to a
// multiple of 4 floats (N4), so a vec4 never straddles two rows.
//
// Thread tile: 8×16 of C, as two 4-row halves × four 4-column quarters. Thread (tx, ty) owns
// rows 4ty..4ty+3 and BM/2 + 4ty..+3, and the vec4 columns tx, tx + BN/16, tx + 2·BN/16 and
// tx + 3·BN/16: neighbouring threads read neighbouring vec4s of workgroup memory and store
// neighbouring vec4s of C.

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

// Workgroup block (pipeline-overridable; BM a multiple of 8, BN of 16, BK of 4). Threads:
// (BM/8)·(BN/16). Each thread moves LOADS_A vec4s of A and LOADS_B of B per step, 1 to 4 each
// (the host checks).
override BM: u32 = 128u;
override BN: u32 = 256u;
override BK: u32 = 16u;
override THREADS: u32 = (BM / 8u) * (BN / 16u);
override LOADS_A: u32 = BM * BK / 4u / THREADS;
override LOADS_B: u32 = BN * BK / 4u / THREADS;
// vec4 columns between a thread's four quarters.
override QN: u32 = BN / 16u;

// Workgroup memory, double-buffered as in `vec4`: A transposed (a_tile[buf][kk][r / 4] holds
// rows r..r+3 at depth kk), B as is. 2·(BM + BN)·BK·4 bytes: 48 KiB at 128, 256, 16.
var<workgroup> a_tile: array<vec4<f32>, 2u * BK * BM / 4u>;
var<workgroup> b_tile: array<vec4<f32>, 2u * BK * BN / 4u>;

// The l-th vec4 of the A block this thread loads (rows 4q..4q+3 at depth kk, down a column of
// A), zero outside A; and where it goes in a_tile. As in `vec4`.
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

fn a_slot(l: u32, tid: u32, buf: u32) -> u32 {
    let i = tid + l * THREADS;
    return buf * BK * BM / 4u + (i % BK) * (BM / 4u) + i / BK;
}

// The l-th vec4 of the B block (depth kk, columns 4q..4q+3; consecutive threads take
// consecutive vec4s of a row), zero outside B; and where it goes in b_tile.
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
    let tx = tid % QN;
    let ty = tid / QN;
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;

    // Accumulators: cRJ = row R of the thread's 8 (0..3 first half, 4..7 second), quarter J.
    var c00 = vec4<f32>(0.0); var c01 = vec4<f32>(0.0); var c02 = vec4<f32>(0.0); var c03 = vec4<f32>(0.0);
    var c10 = vec4<f32>(0.0); var c11 = vec4<f32>(0.0); var c12 = vec4<f32>(0.0); var c13 = vec4<f32>(0.0);
    var c20 = vec4<f32>(0.0); var c21 = vec4<f32>(0.0); var c22 = vec4<f32>(0.0); var c23 = vec4<f32>(0.0);
    var c30 = vec4<f32>(0.0); var c31 = vec4<f32>(0.0); var c32 = vec4<f32>(0.0); var c33 = vec4<f32>(0.0);
    var c40 = vec4<f32>(0.0); var c41 = vec4<f32>(0.0); var c42 = vec4<f32>(0.0); var c43 = vec4<f32>(0.0);
    var c50 = vec4<f32>(0.0); var c51 = vec4<f32>(0.0); var c52 = vec4<f32>(0.0); var c53 = vec4<f32>(0.0);
    var c60 = vec4<f32>(0.0); var c61 = vec4<f32>(0.0); var c62 = vec4<f32>(0.0); var c63 = vec4<f32>(0.0);
    var c70 = vec4<f32>(0.0); var c71 = vec4<f32>(0.0); var c72 = vec4<f32>(0.0); var c73 = vec4<f32>(0.0);
    // The next block's global loads, in registers while the current block is multiplied.
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
        // ... while they travel, multiply block t − BK from buffer `buf` (not in the first step).
        if (t > 0u) {
            let a_base = buf * BK * BM / 4u;
            let b_base = buf * BK * BN / 4u;
            // @unroll
            for (var p = 0u; p < BK; p++) {
                let a0 = a_tile[a_base + p * (BM / 4u) + ty];
                let a1 = a_tile[a_base + p * (BM / 4u) + BM / 8u + ty];
                let b0 = b_tile[b_base + p * (BN / 4u) + tx];
                let b1 = b_tile[b_base + p * (BN / 4u) + QN + tx];
                let b2 = b_tile[b_base + p * (BN / 4u) + 2u * QN + tx];
                let b3 = b_tile[b_base + p * (BN / 4u) + 3u * QN + tx];
                c00 = fma(vec4(a0.x), b0, c00); c01 = fma(vec4(a0.x), b1, c01); c02 = fma(vec4(a0.x), b2, c02); c03 = fma(vec4(a0.x), b3, c03);
                c10 = fma(vec4(a0.y), b0, c10); c11 = fma(vec4(a0.y), b1, c11); c12 = fma(vec4(a0.y), b2, c12); c13 = fma(vec4(a0.y), b3, c13);
                c20 = fma(vec4(a0.z), b0, c20); c21 = fma(vec4(a0.z), b1, c21); c22 = fma(vec4(a0.z), b2, c22); c23 = fma(vec4(a0.z), b3, c23);
                c30 = fma(vec4(a0.w), b0, c30); c31 = fma(vec4(a0.w), b1, c31); c32 = fma(vec4(a0.w), b2, c32); c33 = fma(vec4(a0.w), b3, c33);
                c40 = fma(vec4(a1.x), b0, c40); c41 = fma(vec4(a1.x), b1, c41); c42 = fma(vec4(a1.x), b2, c42); c43 = fma(vec4(a1.x), b3, c43);
                c50 = fma(vec4(a1.y), b0, c50); c51 = fma(vec4(a1.y), b1, c51); c52 = fma(vec4(a1.y), b2, c52); c53 = fma(vec4(a1.y), b3, c53);
                c60 = fma(vec4(a1.z), b0, c60); c61 = fma(vec4(a1.z), b1, c61); c62 = fma(vec4(a1.z), b2, c62); c63 = fma(vec4(a1.z), b3, c63);
                c70 = fma(vec4(a1.w), b0, c70); c71 = fma(vec4(a1.w), b1, c71); c72 = fma(vec4(a1.w), b2, c72); c73 = fma(vec4(a1.w), b3, c73);
            }
        }
        // Store block t into the other buffer; the barrier that ended the previous step
        // guarantees nobody still reads it.
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

    // Write the 8×16 block: each row as four vec4s. Threads past the edge of C write nothing;
    // the padded columns N..N4 receive zeros' sums, never read as results.
    let q0 = col0 / 4u + tx;
    let r0 = row0 + 4u * ty;
    let r1 = row0 + BM / 2u + 4u * ty;
    store_row(r0, q0, c00, c01, c02, c03);
    store_row(r0 + 1u, q0, c10, c11, c12, c13);
    store_row(r0 + 2u, q0, c20, c21, c22, c23);
    store_row(r0 + 3u, q0, c30, c31, c32, c33);
    store_row(r1, q0, c40, c41, c42, c43);
    store_row(r1 + 1u, q0, c50, c51, c52, c53);
    store_row(r1 + 2u, q0, c60, c61, c62, c63);
    store_row(r1 + 3u, q0, c70, c71, c72, c73);
}

// One row of the thread's block: its four quarters at vec4 columns q0 + J·QN, each only if it
// lies inside the (padded) row. A loop over a small array on purpose: written out as four
// guarded stores (32 per thread in all), the H100 ran the whole kernel at 31 rather than 41
// TFLOP/s, with the main loop unchanged. The stores run once per thread, but the driver's
// statistics show what they did to the rest: written out, the kernel took all 255 registers a
// thread may have and still spilled 128 bytes; with this loop, 222 and no spill.
fn store_row(row: u32, q0: u32, v0: vec4<f32>, v1: vec4<f32>, v2: vec4<f32>, v3: vec4<f32>) {
    if (row < params.m) {
        let v = array<vec4<f32>, 4>(v0, v1, v2, v3);
        for (var j = 0u; j < 4u; j++) {
            let q = q0 + j * QN;
            if (q < params.b_stride) {
                c[row * params.b_stride + q] = v[j];
            }
        }
    }
}

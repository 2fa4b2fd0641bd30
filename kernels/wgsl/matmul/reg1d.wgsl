// 1D register-blocked matrix multiply: C = A · B, A (M×K), B (K×N), C (M×N), row-major f32.
//
// In the tiled kernel every fma needs two loads from workgroup memory, so on-chip loads, not
// arithmetic, set the pace. Here each thread computes TM elements of one column of C: for each p
// it loads one value of B into a register and reuses it for TM fmas, one per row it owns. Loads
// from workgroup memory per fma drop from 2 to about 1 + 1/TM.
//
// Workgroup block: BM rows × BN columns of C, walking K in steps of BK.
// Threads: BN × (BM / TM); thread (tx, ty) owns column tx and rows ty, ty + BM/TM, … (strided, so
// neighbouring threads read neighbouring words of workgroup memory and store neighbouring words
// of C).

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// Rows of C per thread. A const, not an override: the accumulators below are two named vec4s,
// one per group of four rows. (Not an array indexed in a loop: under the runtime checks that
// browsers apply, some drivers then keep the array in slow per-thread memory instead of
// registers; on an H100 that made this kernel 9× slower.)
const TM: u32 = 8u;
// The block shape is pipeline-overridable; the host picks it from the adapter's limits
// (threads per workgroup, workgroup memory) and may autotune it.
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 8u;
override THREADS: u32 = BN * (BM / TM);

// Workgroup memory: a BM×BK block of A stored transposed (k-major, so the TM values a thread
// needs for one p are BM/TM words apart in one row) and a BK×BN block of B.
var<workgroup> a_tile: array<f32, BK * BM>;
var<workgroup> b_tile: array<f32, BK * BN>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let tx = tid % BN;
    let ty = tid / BN;
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    let rows_per_step = BM / TM;

    // Rows ty + i·rows_per_step: i = 0 .. 3 in acc0, 4 .. 7 in acc1.
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    for (var t = 0u; t < params.k; t += BK) {
        // Cooperative load of the A block: THREADS threads sweep its BM·BK elements. Consecutive
        // threads take consecutive k of one row of A (contiguous in memory). Out-of-range
        // elements become zero so partial blocks at the edges need no special case below.
        for (var i = tid; i < BM * BK; i += THREADS) {
            let r = i / BK;
            let kk = i % BK;
            var v = 0.0;
            if (row0 + r < params.m && t + kk < params.k) {
                v = a[(row0 + r) * params.k + t + kk];
            }
            a_tile[kk * BM + r] = v;
        }
        // The B block: consecutive threads take consecutive columns of one row (coalesced).
        for (var i = tid; i < BK * BN; i += THREADS) {
            let kk = i / BN;
            let cc = i % BN;
            var v = 0.0;
            if (t + kk < params.k && col0 + cc < params.n) {
                v = b[(t + kk) * params.n + col0 + cc];
            }
            b_tile[kk * BN + cc] = v;
        }
        // Both blocks must be complete before anyone computes with them.
        workgroupBarrier();
        for (var p = 0u; p < BK; p++) {
            // One B value in a register, reused for TM fmas (four at a time).
            let bv = vec4<f32>(b_tile[p * BN + tx]);
            let o = p * BM + ty;
            let s = rows_per_step;
            let a0 = vec4<f32>(a_tile[o], a_tile[o + s], a_tile[o + 2u * s], a_tile[o + 3u * s]);
            let a1 = vec4<f32>(a_tile[o + 4u * s], a_tile[o + 5u * s], a_tile[o + 6u * s],
                               a_tile[o + 7u * s]);
            acc0 = fma(a0, bv, acc0);
            acc1 = fma(a1, bv, acc1);
        }
        // Everyone must be done reading before the next iteration overwrites the blocks.
        workgroupBarrier();
    }
    let col = col0 + tx;
    let row = row0 + ty;
    store(row, col, acc0.x); store(row + rows_per_step, col, acc0.y);
    store(row + 2u * rows_per_step, col, acc0.z); store(row + 3u * rows_per_step, col, acc0.w);
    store(row + 4u * rows_per_step, col, acc1.x); store(row + 5u * rows_per_step, col, acc1.y);
    store(row + 6u * rows_per_step, col, acc1.z); store(row + 7u * rows_per_step, col, acc1.w);
}

// One element of C, if it is inside C.
fn store(row: u32, col: u32, v: f32) {
    if (row < params.m && col < params.n) {
        c[row * params.n + col] = v;
    }
}

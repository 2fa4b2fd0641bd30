// 2D register-blocked matrix multiply: C = A · B, A (M×K), B (K×N), C (M×N), row-major f32.
//
// Each thread computes a TM×TN block of C. For every p it loads TM values of A and TN values of B
// from workgroup memory into registers and does all TM·TN fmas between them (an outer product):
// TM + TN loads for TM·TN fmas, 16 loads for 64 fmas at 8×8, against 2 loads per fma in the
// tiled kernel. Workgroup-memory bandwidth stops being the limit; registers and fma issue take
// over.
//
// Workgroup block: BM×BN of C, walking K in steps of BK. Threads: (BN/TN) × (BM/TM).
// Thread (tx, ty) owns rows ty + i·(BM/TM) and columns tx + j·(BN/TN) for i < TM, j < TN: strided
// rather than contiguous, so at each step neighbouring threads read neighbouring words of
// workgroup memory (no bank conflicts) and store neighbouring words of C (coalesced).

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// Per-thread block: constants, because the accumulators are 16 named vec4 registers (row i,
// columns 0 .. 3 and 4 .. 7). Not an array indexed in loops: under the runtime checks that
// browsers apply, some drivers then keep the array in slow per-thread memory instead of
// registers (on an H100 this kernel ran 33× slower that way).
const TM: u32 = 8u;
const TN: u32 = 8u;
// Workgroup block, pipeline-overridable: chosen by the host from the adapter's limits.
override BM: u32 = 128u;
override BN: u32 = 128u;
override BK: u32 = 8u;
override THREADS: u32 = (BM / TM) * (BN / TN);

// Workgroup memory: the BM×BK block of A, transposed (k-major) so a thread's TM values for one p
// sit in one row, and the BK×BN block of B. (BM + BN)·BK·4 bytes: 8 KiB at 128, 128, 8.
var<workgroup> a_tile: array<f32, BK * BM>;
var<workgroup> b_tile: array<f32, BK * BN>;

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let tx = tid % (BN / TN);
    let ty = tid / (BN / TN);
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;

    // TM·TN running sums: cIH holds row i, columns 4H .. 4H + 3 of the thread's block.
    let z = vec4<f32>(0.0);
    var acc = Block(z, z, z, z, z, z, z, z, z, z, z, z, z, z, z, z);
    for (var t = 0u; t < params.k; t += BK) {
        // Cooperative loads (zero outside A and B, so edge blocks need no special case).
        for (var i = tid; i < BM * BK; i += THREADS) {
            let r = i / BK;
            let kk = i % BK;
            var v = 0.0;
            if (row0 + r < params.m && t + kk < params.k) {
                v = a[(row0 + r) * params.k + t + kk];
            }
            a_tile[kk * BM + r] = v;
        }
        for (var i = tid; i < BK * BN; i += THREADS) {
            let kk = i / BN;
            let cc = i % BN;
            var v = 0.0;
            if (t + kk < params.k && col0 + cc < params.n) {
                v = b[(t + kk) * params.n + col0 + cc];
            }
            b_tile[kk * BN + cc] = v;
        }
        // The blocks must be complete before anyone reads them.
        workgroupBarrier();
        for (var p = 0u; p < BK; p++) {
            // The two register vectors of the outer product: TM values of A, TN of B.
            let ao = p * BM + ty;
            let bo = p * BN + tx;
            let a0 = a4(ao);
            let a1 = a4(ao + 4u * (BM / TM));
            let b0 = b4(bo);
            let b1 = b4(bo + 4u * (BN / TN));
            outer(&acc, a0, a1, b0, b1);
        }
        // Everyone must finish reading before the next iteration overwrites the blocks.
        workgroupBarrier();
    }
    // Row i of the block is row0 + ty + i·(BM/TM); column j is col0 + tx + j·(BN/TN).
    let r = row0 + ty;
    let sr = BM / TM;
    store_row(r, col0 + tx, acc.c00, acc.c01);
    store_row(r + sr, col0 + tx, acc.c10, acc.c11);
    store_row(r + 2u * sr, col0 + tx, acc.c20, acc.c21);
    store_row(r + 3u * sr, col0 + tx, acc.c30, acc.c31);
    store_row(r + 4u * sr, col0 + tx, acc.c40, acc.c41);
    store_row(r + 5u * sr, col0 + tx, acc.c50, acc.c51);
    store_row(r + 6u * sr, col0 + tx, acc.c60, acc.c61);
    store_row(r + 7u * sr, col0 + tx, acc.c70, acc.c71);
}

// Four of a thread's TM values of A at one depth, from a_tile[o] on, BM / TM apart.
fn a4(o: u32) -> vec4<f32> {
    let s = BM / TM;
    return vec4<f32>(a_tile[o], a_tile[o + s], a_tile[o + 2u * s], a_tile[o + 3u * s]);
}

// Four of its TN values of B, from b_tile[o] on, BN / TN apart.
fn b4(o: u32) -> vec4<f32> {
    let s = BN / TN;
    return vec4<f32>(b_tile[o], b_tile[o + s], b_tile[o + 2u * s], b_tile[o + 3u * s]);
}

// A thread's 8×8 block of sums.
struct Block {
    c00: vec4<f32>, c01: vec4<f32>, c10: vec4<f32>, c11: vec4<f32>,
    c20: vec4<f32>, c21: vec4<f32>, c30: vec4<f32>, c31: vec4<f32>,
    c40: vec4<f32>, c41: vec4<f32>, c50: vec4<f32>, c51: vec4<f32>,
    c60: vec4<f32>, c61: vec4<f32>, c70: vec4<f32>, c71: vec4<f32>,
}

// The outer product: each of the 8 values of A times each of the 8 of B, added to the block.
fn outer(acc: ptr<function, Block>, a0: vec4<f32>, a1: vec4<f32>, b0: vec4<f32>,
         b1: vec4<f32>) {
    (*acc).c00 = fma(vec4<f32>(a0.x), b0, (*acc).c00);
    (*acc).c01 = fma(vec4<f32>(a0.x), b1, (*acc).c01);
    (*acc).c10 = fma(vec4<f32>(a0.y), b0, (*acc).c10);
    (*acc).c11 = fma(vec4<f32>(a0.y), b1, (*acc).c11);
    (*acc).c20 = fma(vec4<f32>(a0.z), b0, (*acc).c20);
    (*acc).c21 = fma(vec4<f32>(a0.z), b1, (*acc).c21);
    (*acc).c30 = fma(vec4<f32>(a0.w), b0, (*acc).c30);
    (*acc).c31 = fma(vec4<f32>(a0.w), b1, (*acc).c31);
    (*acc).c40 = fma(vec4<f32>(a1.x), b0, (*acc).c40);
    (*acc).c41 = fma(vec4<f32>(a1.x), b1, (*acc).c41);
    (*acc).c50 = fma(vec4<f32>(a1.y), b0, (*acc).c50);
    (*acc).c51 = fma(vec4<f32>(a1.y), b1, (*acc).c51);
    (*acc).c60 = fma(vec4<f32>(a1.z), b0, (*acc).c60);
    (*acc).c61 = fma(vec4<f32>(a1.z), b1, (*acc).c61);
    (*acc).c70 = fma(vec4<f32>(a1.w), b0, (*acc).c70);
    (*acc).c71 = fma(vec4<f32>(a1.w), b1, (*acc).c71);
}

// Row `row` of the block: columns col + j·(BN/TN), j = 0 .. 7, where inside C.
fn store_row(row: u32, col: u32, v0: vec4<f32>, v1: vec4<f32>) {
    if (row >= params.m) {
        return;
    }
    let s = BN / TN;
    store(row, col, v0.x); store(row, col + s, v0.y);
    store(row, col + 2u * s, v0.z); store(row, col + 3u * s, v0.w);
    store(row, col + 4u * s, v1.x); store(row, col + 5u * s, v1.y);
    store(row, col + 6u * s, v1.z); store(row, col + 7u * s, v1.w);
}

fn store(row: u32, col: u32, v: f32) {
    if (col < params.n) {
        c[row * params.n + col] = v;
    }
}

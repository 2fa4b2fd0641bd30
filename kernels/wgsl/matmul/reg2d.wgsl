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

// Per-thread block: constants, because the accumulators are a register array (WGSL sizes
// function-local arrays with constants only).
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

    // TM·TN running sums and the two register vectors of the outer product.
    var acc: array<f32, TM * TN>;
    var a_reg: array<f32, TM>;
    var b_reg: array<f32, TN>;
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
            for (var i = 0u; i < TM; i++) {
                a_reg[i] = a_tile[p * BM + ty + i * (BM / TM)];
            }
            for (var j = 0u; j < TN; j++) {
                b_reg[j] = b_tile[p * BN + tx + j * (BN / TN)];
            }
            for (var i = 0u; i < TM; i++) {
                for (var j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(a_reg[i], b_reg[j], acc[i * TN + j]);
                }
            }
        }
        // Everyone must finish reading before the next iteration overwrites the blocks.
        workgroupBarrier();
    }
    for (var i = 0u; i < TM; i++) {
        let row = row0 + ty + i * (BM / TM);
        for (var j = 0u; j < TN; j++) {
            let col = col0 + tx + j * (BN / TN);
            if (row < params.m && col < params.n) {
                c[row * params.n + col] = acc[i * TN + j];
            }
        }
    }
}

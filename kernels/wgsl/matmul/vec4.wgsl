// Vectorized 2D register-blocked matrix multiply: C = A · B, A (M×K), B (K×N), C (M×N), f32.
//
// The 2D register-blocked kernel with every memory access widened to vec4<f32> (16 bytes):
// global loads and stores, and the workgroup-memory reads of the inner loop. One wide access
// replaces four narrow ones, so fewer load instructions compete with the fmas for issue slots.
// It also overlaps memory with arithmetic: while the block for step t is multiplied, the loads
// for step t + 1 are already in flight into registers, and workgroup memory is double-buffered
// so one barrier per step suffices.
//
// Layout contract with the host: every row of A, B and C starts on a 16-byte boundary. The host
// pads K and N up to multiples of 4 (K4, N4) with zeros; padding adds nothing to the sums, and
// the padded columns of C are never read back as results.
//
// Thread tile: 8×8 of C, as two 4-row halves × two 4-column halves. Thread (tx, ty) owns rows
// 4ty..4ty+3 and BM/2 + 4ty..+3, columns 4tx..4tx+3 and BN/2 + 4tx..+3: neighbouring threads
// read neighbouring vec4s of workgroup memory and store neighbouring vec4s of C.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    // Row lengths in vec4s: K4 / 4 for A, N4 / 4 for B and C.
    a_stride: u32,
    b_stride: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// Workgroup block (pipeline-overridable; BM and BN multiples of 8, BK of 4). Threads:
// (BM/8)·(BN/8). Each thread loads LOADS_A vec4s of A and LOADS_B of B per step (at most 4).
override BM: u32 = 128u;
override BN: u32 = 128u;
override BK: u32 = 8u;
override THREADS: u32 = (BM / 8u) * (BN / 8u);
override LOADS_A: u32 = BM * BK / 4u / THREADS;
override LOADS_B: u32 = BN * BK / 4u / THREADS;

// Workgroup memory, two buffers of each block (double buffering): step t reads buffer t % 2
// while the loads for step t + 1 are written to the other one.
// A block transposed, k-major: a_tile[buf][kk][r / 4] holds rows r..r+3 at depth kk, so a thread
// fetches its 4 rows for one kk with one vec4 read. B block as is: b_tile[buf][kk][c / 4].
// 2·(BM + BN)·BK·4 bytes: 16 KiB at 128, 128, 8.
var<workgroup> a_tile: array<vec4<f32>, 2u * BK * BM / 4u>;
var<workgroup> b_tile: array<vec4<f32>, 2u * BK * BN / 4u>;

// Registers holding the next step's global loads while the current step computes.
var<private> a_next: array<vec4<f32>, 4>;
var<private> b_next: array<vec4<f32>, 4>;

// Global → registers for the block starting at depth t. Zero outside A and B.
fn load_global(tid: u32, row0: u32, col0: u32, t: u32) {
    for (var l = 0u; l < LOADS_A; l++) {
        // BM rows × BK/4 vec4s: consecutive threads take consecutive vec4s of a row of A.
        let i = tid + l * THREADS;
        let r = i / (BK / 4u);
        let q = i % (BK / 4u);
        var v = vec4<f32>(0.0);
        if (row0 + r < params.m && t / 4u + q < params.a_stride) {
            v = a[(row0 + r) * params.a_stride + t / 4u + q];
        }
        a_next[l] = v;
    }
    for (var l = 0u; l < LOADS_B; l++) {
        // BK rows × BN/4 vec4s: consecutive threads take consecutive vec4s of a row of B.
        let i = tid + l * THREADS;
        let kk = i / (BN / 4u);
        let q = i % (BN / 4u);
        var v = vec4<f32>(0.0);
        if (t + kk < params.k && col0 / 4u + q < params.b_stride) {
            v = b[(t + kk) * params.b_stride + col0 / 4u + q];
        }
        b_next[l] = v;
    }
}

// Registers → workgroup buffer `buf`, transposing A on the way.
fn store_tiles(tid: u32, buf: u32) {
    let a_base = buf * BK * BM / 4u;
    for (var l = 0u; l < LOADS_A; l++) {
        let i = tid + l * THREADS;
        let r = i / (BK / 4u);
        let kk = (i % (BK / 4u)) * 4u;
        let v = a_next[l];
        // Four depths kk..kk+3 of row r: component r % 4 of four different vec4s.
        a_tile[a_base + (kk + 0u) * (BM / 4u) + r / 4u][r % 4u] = v.x;
        a_tile[a_base + (kk + 1u) * (BM / 4u) + r / 4u][r % 4u] = v.y;
        a_tile[a_base + (kk + 2u) * (BM / 4u) + r / 4u][r % 4u] = v.z;
        a_tile[a_base + (kk + 3u) * (BM / 4u) + r / 4u][r % 4u] = v.w;
    }
    let b_base = buf * BK * BN / 4u;
    for (var l = 0u; l < LOADS_B; l++) {
        b_tile[b_base + tid + l * THREADS] = b_next[l];
    }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
    let tx = tid % (BN / 8u);
    let ty = tid / (BN / 8u);
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;

    // acc[2i + h]: row i of the thread's 8 (0..3 in the first half, 4..7 in the second), column
    // half h.
    var acc: array<vec4<f32>, 16>;

    load_global(tid, row0, col0, 0u);
    store_tiles(tid, 0u);
    // Block 0 must be complete before anyone reads it.
    workgroupBarrier();
    var buf = 0u;
    for (var t = 0u; t < params.k; t += BK) {
        // Start the next block's loads; they travel while we compute below.
        let more = t + BK < params.k;
        if (more) {
            load_global(tid, row0, col0, t + BK);
        }
        let a_base = buf * BK * BM / 4u;
        let b_base = buf * BK * BN / 4u;
        for (var p = 0u; p < BK; p++) {
            let a0 = a_tile[a_base + p * (BM / 4u) + ty];
            let a1 = a_tile[a_base + p * (BM / 4u) + BM / 8u + ty];
            let b0 = b_tile[b_base + p * (BN / 4u) + tx];
            let b1 = b_tile[b_base + p * (BN / 4u) + BN / 8u + tx];
            for (var i = 0u; i < 4u; i++) {
                acc[2u * i] = fma(vec4<f32>(a0[i]), b0, acc[2u * i]);
                acc[2u * i + 1u] = fma(vec4<f32>(a0[i]), b1, acc[2u * i + 1u]);
                acc[2u * i + 8u] = fma(vec4<f32>(a1[i]), b0, acc[2u * i + 8u]);
                acc[2u * i + 9u] = fma(vec4<f32>(a1[i]), b1, acc[2u * i + 9u]);
            }
        }
        if (more) {
            // The other buffer was last read in the previous step, and the barrier that ended
            // that step guarantees every thread is done with it: safe to overwrite now.
            store_tiles(tid, 1u - buf);
        }
        // One barrier per step: the next block is complete, and nobody still reads this one
        // when it gets overwritten two steps from now.
        workgroupBarrier();
        buf = 1u - buf;
    }

    for (var i = 0u; i < 8u; i++) {
        var row = row0 + 4u * ty + i;
        if (i >= 4u) {
            row = row0 + BM / 2u + 4u * ty + (i - 4u);
        }
        let q0 = col0 / 4u + tx;
        let q1 = col0 / 4u + BN / 8u + tx;
        if (row < params.m) {
            if (q0 < params.b_stride) {
                c[row * params.b_stride + q0] = acc[2u * i];
            }
            if (q1 < params.b_stride) {
                c[row * params.b_stride + q1] = acc[2u * i + 1u];
            }
        }
    }
}

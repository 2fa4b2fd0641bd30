// Subgroup-assisted matrix multiply: C = A · B, A (M×K), B (K×N), C (M×N), row-major f32.
// Needs the `subgroups` feature. (Native only in Roofline Lab: wgpu's browser backend does not
// pass `subgroups` through, so the browser reports this variant unsupported.)
//
// The threads of a subgroup (a warp on NVIDIA, 32 wide; 8 wide on Mesa's lavapipe) run in
// lockstep and can read each other's registers with `subgroupShuffle`. This kernel uses that
// instead of workgroup memory: it has no `var<workgroup>` and no barrier at all.
//
// Who owns what. A subgroup of S lanes owns a strip of C: TM rows by S·TN columns. Lane l owns
// the TM×TN elements at rows row0 + i and columns col0 + l + j·S (i < TM, j < TN), so at every
// step neighbouring lanes touch neighbouring columns of B and C (coalesced). The strip walks K in
// steps of S:
//   1. Each lane loads ONE column of the strip's A fragment (TM rows × S depths): lane l loads
//      A[row0 + i, t + l] for every i. Along a row of A the S lanes read S consecutive floats,
//      one coalesced read per row, and every element of the fragment is loaded exactly once.
//   2. For each depth p of the step, every lane needs A[row0 + i, t + p], which lane p holds:
//      `subgroupShuffle(a_lo, p)` hands it to all lanes at once (p is the same on every
//      lane, so this is a broadcast; WGSL's `subgroupBroadcast` would need p to be a constant).
//      Each lane loads its TN values of row t + p of B and does TM·TN fmas.
// Per depth: TN loads and TM shuffles for TM·TN fmas (4 + 8 for 32 at 8×4).
//
// Any subgroup size works (WebGPU's are powers of two from 4 up, and the depths are walked four
// at a time), as long as it is the same for every subgroup of the dispatch and every subgroup
// is full: the host checks that the largest size the adapter reports divides
// BN / TN (so strips tile the block exactly and the workgroup is a whole number of subgroups).
// The strip a subgroup takes comes from `subgroup_id`, not from `local_invocation_index`,
// because nothing promises which invocations form a subgroup.
//
// Every shuffle is reached by every lane of the subgroup (the loops depend only on K and S, the
// edge guards only choose what is loaded or stored): a shuffle from a lane that is not running
// is undefined.

// No `enable subgroups;`: naga (wgpu 30) does not accept that directive yet and enables the
// subgroup builtins from the device feature instead.

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// Per-lane block: TM rows × TN columns, fixed at 8 × 4 because the registers are named (below).
const TM: u32 = 8u;
const TN: u32 = 4u;
// Workgroup block, pipeline-overridable: chosen by the host from the adapter's limits and
// subgroup sizes. BM a multiple of TM, BN / TN a multiple of the subgroup size.
override BM: u32 = 64u;
override BN: u32 = 128u;
override THREADS: u32 = (BM / TM) * (BN / TN);

// A[row, depth], or zero outside A (so ragged edges need no special case in the arithmetic).
fn load_a(row: u32, depth: u32) -> f32 {
    if (row < params.m && depth < params.k) {
        return a[row * params.k + depth];
    }
    return 0.0;
}

fn load_b(depth: u32, col: u32) -> f32 {
    if (depth < params.k && col < params.n) {
        return b[depth * params.n + col];
    }
    return 0.0;
}

// Row `depth` of B at this lane's four columns col, col + s, col + 2s, col + 3s.
fn b_row(depth: u32, col: u32, s: u32) -> vec4<f32> {
    return vec4<f32>(load_b(depth, col), load_b(depth, col + s), load_b(depth, col + 2u * s),
                     load_b(depth, col + 3u * s));
}

// A lane's sums, one vec4 per row (its 4 columns), in named registers rather than an array:
// with wgpu's runtime bounds checks some drivers keep a loop-indexed array in slow local memory
// (on the H100 an array version ran 13× slower checked than unchecked).
struct Acc {
    c0: vec4<f32>, c1: vec4<f32>, c2: vec4<f32>, c3: vec4<f32>,
    c4: vec4<f32>, c5: vec4<f32>, c6: vec4<f32>, c7: vec4<f32>,
}

// One depth: the 8 rows' values of A (s_lo, s_hi) times the lane's 4 values of B.
fn add_depth(acc: ptr<function, Acc>, bv: vec4<f32>, s_lo: vec4<f32>, s_hi: vec4<f32>) {
    (*acc).c0 = fma(vec4<f32>(s_lo.x), bv, (*acc).c0);
    (*acc).c1 = fma(vec4<f32>(s_lo.y), bv, (*acc).c1);
    (*acc).c2 = fma(vec4<f32>(s_lo.z), bv, (*acc).c2);
    (*acc).c3 = fma(vec4<f32>(s_lo.w), bv, (*acc).c3);
    (*acc).c4 = fma(vec4<f32>(s_hi.x), bv, (*acc).c4);
    (*acc).c5 = fma(vec4<f32>(s_hi.y), bv, (*acc).c5);
    (*acc).c6 = fma(vec4<f32>(s_hi.z), bv, (*acc).c6);
    (*acc).c7 = fma(vec4<f32>(s_hi.w), bv, (*acc).c7);
}

fn store_c(row: u32, col: u32, v: f32) {
    if (row < params.m && col < params.n) {
        c[row * params.n + col] = v;
    }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_size) sg_size: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    // The BM×BN block is cut into strips of TM rows × sg_size·TN columns, one per subgroup.
    let strips_per_row = BN / (TN * sg_size);
    let row0 = wid.y * BM + (sg / strips_per_row) * TM;
    let col0 = wid.x * BN + (sg % strips_per_row) * TN * sg_size;

    let z = vec4<f32>(0.0);
    var acc = Acc(z, z, z, z, z, z, z, z);
    let col = col0 + lane;
    for (var t = 0u; t < params.k; t += sg_size) {
        // 1. Load the fragment: lane `lane` holds depth t + lane of the strip's 8 rows, rows 0-3
        //    in a_lo and 4-7 in a_hi (zeros past K).
        let ka = t + lane;
        let a_lo = vec4<f32>(load_a(row0, ka), load_a(row0 + 1u, ka), load_a(row0 + 2u, ka), load_a(row0 + 3u, ka));
        let a_hi = vec4<f32>(load_a(row0 + 4u, ka), load_a(row0 + 5u, ka), load_a(row0 + 6u, ka), load_a(row0 + 7u, ka));
        // 2. Walk the subgroup's depths four at a time (subgroup sizes are powers of two, at
        //    least 4), the four rows of B loaded before any is used, so their waits overlap.
        //    Past K, A and B read as zeros and add nothing. The loop bound is the same on every
        //    lane, so every lane reaches every shuffle.
        for (var p = 0u; p < sg_size; p += 4u) {
            let b0 = b_row(t + p, col, sg_size);
            let b1 = b_row(t + p + 1u, col, sg_size);
            let b2 = b_row(t + p + 2u, col, sg_size);
            let b3 = b_row(t + p + 3u, col, sg_size);
            // A[row0 + i, t + p] for the 8 rows, from lane p's registers.
            add_depth(&acc, b0, subgroupShuffle(a_lo, p), subgroupShuffle(a_hi, p));
            add_depth(&acc, b1, subgroupShuffle(a_lo, p + 1u), subgroupShuffle(a_hi, p + 1u));
            add_depth(&acc, b2, subgroupShuffle(a_lo, p + 2u), subgroupShuffle(a_hi, p + 2u));
            add_depth(&acc, b3, subgroupShuffle(a_lo, p + 3u), subgroupShuffle(a_hi, p + 3u));
        }
    }
    // Row i's vec4 holds columns col0 + lane + j·sg_size, j = 0 .. 3.
    store_row(row0, col, sg_size, acc.c0); store_row(row0 + 1u, col, sg_size, acc.c1);
    store_row(row0 + 2u, col, sg_size, acc.c2); store_row(row0 + 3u, col, sg_size, acc.c3);
    store_row(row0 + 4u, col, sg_size, acc.c4); store_row(row0 + 5u, col, sg_size, acc.c5);
    store_row(row0 + 6u, col, sg_size, acc.c6); store_row(row0 + 7u, col, sg_size, acc.c7);
}

fn store_row(row: u32, col: u32, s: u32, v: vec4<f32>) {
    store_c(row, col, v.x); store_c(row, col + s, v.y);
    store_c(row, col + 2u * s, v.z); store_c(row, col + 3u * s, v.w);
}

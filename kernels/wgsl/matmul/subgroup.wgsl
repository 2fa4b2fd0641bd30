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
// Any subgroup size works, as long as it is the same for every subgroup of the dispatch and
// every subgroup is full: the host checks that the largest size the adapter reports divides
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
    if (col < params.n) {
        return b[depth * params.n + col];
    }
    return 0.0;
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

    // The running sums, one vec4 per row (its 4 columns), in named registers rather than an
    // array: with wgpu's runtime bounds checks some drivers keep a loop-indexed array in slow
    // local memory (on the H100 an array version ran 13× slower checked than unchecked).
    var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
    var c4 = vec4<f32>(0.0); var c5 = vec4<f32>(0.0); var c6 = vec4<f32>(0.0); var c7 = vec4<f32>(0.0);
    for (var t = 0u; t < params.k; t += sg_size) {
        // 1. Load the fragment: lane `lane` holds depth t + lane of the strip's 8 rows, rows 0-3
        //    in a_lo and 4-7 in a_hi.
        let ka = t + lane;
        let a_lo = vec4<f32>(load_a(row0, ka), load_a(row0 + 1u, ka), load_a(row0 + 2u, ka), load_a(row0 + 3u, ka));
        let a_hi = vec4<f32>(load_a(row0 + 4u, ka), load_a(row0 + 5u, ka), load_a(row0 + 6u, ka), load_a(row0 + 7u, ka));
        // 2. Walk the depths of this step. `depth` is the same on every lane (it depends only on
        //    K and the subgroup size), so every lane reaches every shuffle.
        let depth = min(sg_size, params.k - t);
        for (var p = 0u; p < depth; p++) {
            let col = col0 + lane;
            let bv = vec4<f32>(load_b(t + p, col), load_b(t + p, col + sg_size),
                               load_b(t + p, col + 2u * sg_size), load_b(t + p, col + 3u * sg_size));
            // A[row0 + i, t + p] for the 8 rows, from lane p's registers.
            let s_lo = subgroupShuffle(a_lo, p);
            let s_hi = subgroupShuffle(a_hi, p);
            c0 = fma(vec4<f32>(s_lo.x), bv, c0); c1 = fma(vec4<f32>(s_lo.y), bv, c1);
            c2 = fma(vec4<f32>(s_lo.z), bv, c2); c3 = fma(vec4<f32>(s_lo.w), bv, c3);
            c4 = fma(vec4<f32>(s_hi.x), bv, c4); c5 = fma(vec4<f32>(s_hi.y), bv, c5);
            c6 = fma(vec4<f32>(s_hi.z), bv, c6); c7 = fma(vec4<f32>(s_hi.w), bv, c7);
        }
    }
    // Row i's vec4 holds columns col0 + lane + j·sg_size, j = 0 .. 3.
    let col = col0 + lane;
    let cols = vec4<u32>(col, col + sg_size, col + 2u * sg_size, col + 3u * sg_size);
    for (var j = 0u; j < TN; j++) {
        store_c(row0, cols[j], c0[j]); store_c(row0 + 1u, cols[j], c1[j]);
        store_c(row0 + 2u, cols[j], c2[j]); store_c(row0 + 3u, cols[j], c3[j]);
        store_c(row0 + 4u, cols[j], c4[j]); store_c(row0 + 5u, cols[j], c5[j]);
        store_c(row0 + 6u, cols[j], c6[j]); store_c(row0 + 7u, cols[j], c7[j]);
    }
}

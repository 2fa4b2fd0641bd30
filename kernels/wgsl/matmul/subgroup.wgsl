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
//      `subgroupShuffle(a_frag[i], p)` hands it to all lanes at once (p is the same on every
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

// Per-lane block: constants, because the accumulators are a register array (WGSL sizes
// function-local arrays with constants only).
const TM: u32 = 8u;
const TN: u32 = 4u;
// Workgroup block, pipeline-overridable: chosen by the host from the adapter's limits and
// subgroup sizes. BM a multiple of TM, BN / TN a multiple of the subgroup size.
override BM: u32 = 64u;
override BN: u32 = 128u;
override THREADS: u32 = (BM / TM) * (BN / TN);

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_size) sg_size: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    // The BM×BN block is cut into strips of TM rows × sg_size·TN columns, one per subgroup.
    let strips_per_row = BN / (TN * sg_size);
    let row0 = wid.y * BM + (sg / strips_per_row) * TM;
    let col0 = wid.x * BN + (sg % strips_per_row) * TN * sg_size;

    // TM·TN running sums, and this lane's column of the A fragment.
    var acc: array<f32, TM * TN>;
    var a_frag: array<f32, TM>;
    var b_reg: array<f32, TN>;
    for (var t = 0u; t < params.k; t += sg_size) {
        // 1. Load the fragment: lane `lane` holds depth t + lane of the strip's TM rows (zero
        //    outside A, so ragged edges need no special case below).
        let ka = t + lane;
        for (var i = 0u; i < TM; i++) {
            var v = 0.0;
            if (row0 + i < params.m && ka < params.k) {
                v = a[(row0 + i) * params.k + ka];
            }
            a_frag[i] = v;
        }
        // 2. Walk the depths of this step. `depth` is the same on every lane (it depends only on
        //    K and the subgroup size), so every lane reaches every shuffle.
        let depth = min(sg_size, params.k - t);
        for (var p = 0u; p < depth; p++) {
            for (var j = 0u; j < TN; j++) {
                let col = col0 + lane + j * sg_size;
                var v = 0.0;
                if (col < params.n) {
                    v = b[(t + p) * params.n + col];
                }
                b_reg[j] = v;
            }
            for (var i = 0u; i < TM; i++) {
                // A[row0 + i, t + p], from lane p's registers.
                let av = subgroupShuffle(a_frag[i], p);
                for (var j = 0u; j < TN; j++) {
                    acc[i * TN + j] = fma(av, b_reg[j], acc[i * TN + j]);
                }
            }
        }
    }
    for (var i = 0u; i < TM; i++) {
        let row = row0 + i;
        for (var j = 0u; j < TN; j++) {
            let col = col0 + lane + j * sg_size;
            if (row < params.m && col < params.n) {
                c[row * params.n + col] = acc[i * TN + j];
            }
        }
    }
}

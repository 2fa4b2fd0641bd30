// FlashAttention (forward), fused: O = softmax(Q·Kᵀ / √d) · V without ever writing the N×N
// score matrix to global memory.
//
// Each workgroup owns BR query rows of one (batch, head). Those rows of Q stay in workgroup
// memory for the whole kernel; K and V stream through in tiles of BC rows. For each tile the
// workgroup computes the BR×BC block of scores (in workgroup memory only), and every row keeps
// a running maximum m and running sum l of exponentials: the "online softmax". When a new tile
// raises a row's maximum, the row's partial output is rescaled by exp(m_old − m_new) before the
// tile's contribution is added, so the result equals a softmax over the whole row without the
// row ever being stored. Global traffic is Q, K, V read (K and V once per query block) and O
// written once.
//
// Tile sizes are pipeline-overridable: the host picks BC so that Q, K and V tiles and the score
// block fit the device's workgroup memory (32 KiB on many GPUs, 48 KiB on an H100).

struct Params {
    n: u32,
    // Number of (batch, head) pairs.
    heads: u32,
    causal: u32,
    scale: f32,
}

// Query rows per workgroup, key/value rows per tile, head dimension, threads.
override BR: u32 = 16u;
override BC: u32 = 32u;
override D: u32 = 64u;
override WG: u32 = 128u;

// Output elements each thread owns: BR·D / WG (the host guarantees it divides and is ≤ 32).
const MAX_OWN: u32 = 32u;
const MASKED: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;

// The query block (pre-scaled by 1/√d), the current K and V tiles, and the score block.
var<workgroup> q_s: array<f32, BR * D>;
// K rows are padded by one float: in the score loop the 32 lanes of a warp read 32 different
// key rows at the same column, and with a stride of exactly D (a multiple of 32) they would all
// hit the same memory bank and be served one at a time.
var<workgroup> k_s: array<f32, BC * (D + 1u)>;
var<workgroup> v_s: array<f32, BC * D>;
var<workgroup> p_s: array<f32, BR * BC>;
// Per query row: running maximum, running sum, and this tile's rescale factor.
var<workgroup> m_s: array<f32, BR>;
var<workgroup> l_s: array<f32, BR>;
var<workgroup> alpha_s: array<f32, BR>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let head = wg.y;
    let q0 = wg.x * BR;
    let n = params.n;
    let own = BR * D / WG;

    for (var e = lid; e < BR * D; e += WG) {
        let i = q0 + e / D;
        q_s[e] = select(0.0, q[(head * n + i) * D + e % D] * params.scale, i < n);
    }
    if (lid < BR) {
        m_s[lid] = MASKED;
        l_s[lid] = 0.0;
    }
    // Each thread's share of the BR×D output block, in registers: element t is row
    // (lid + t·WG) / D, column (lid + t·WG) % D.
    var acc: array<f32, MAX_OWN>;

    // Under the causal mask, keys after the block's last query contribute nothing: stop there.
    let kv_end = select(n, min(n, q0 + BR), params.causal == 1u);
    for (var kv0 = 0u; kv0 < kv_end; kv0 += BC) {
        // Everyone is done with the previous tile before it is overwritten.
        workgroupBarrier();
        for (var e = lid; e < BC * D; e += WG) {
            let j = kv0 + e / D;
            let g = (head * n + j) * D + e % D;
            k_s[(e / D) * (D + 1u) + e % D] = select(0.0, k[g], j < n);
            v_s[e] = select(0.0, v[g], j < n);
        }
        workgroupBarrier();
        // Scores for this tile, masked where the key is padding or (causal) in the future.
        for (var e = lid; e < BR * BC; e += WG) {
            let r = e / BC;
            let jj = e % BC;
            let i = q0 + r;
            let j = kv0 + jj;
            var score = MASKED;
            if (j < n && (params.causal == 0u || j <= i)) {
                var dot = 0.0;
                for (var c = 0u; c < D; c++) {
                    dot = fma(q_s[r * D + c], k_s[jj * (D + 1u) + c], dot);
                }
                score = dot;
            }
            p_s[e] = score;
        }
        workgroupBarrier();
        // Online softmax, one thread per row: new maximum, probabilities relative to it, and
        // the factor that rescales what the row has accumulated so far.
        if (lid < BR) {
            let r = lid;
            let m_old = m_s[r];
            var m_new = m_old;
            for (var jj = 0u; jj < BC; jj++) {
                m_new = max(m_new, p_s[r * BC + jj]);
            }
            var sum = 0.0;
            for (var jj = 0u; jj < BC; jj++) {
                let p = exp(p_s[r * BC + jj] - m_new);
                p_s[r * BC + jj] = p;
                sum += p;
            }
            let alpha = exp(m_old - m_new);
            l_s[r] = l_s[r] * alpha + sum;
            m_s[r] = m_new;
            alpha_s[r] = alpha;
        }
        workgroupBarrier();
        // Rescale the running output and add this tile: acc[r, c] = α·acc + Σ_j P[r, j]·V[j, c].
        for (var t = 0u; t < own; t++) {
            let e = lid + t * WG;
            let r = e / D;
            let c = e % D;
            var a = acc[t] * alpha_s[r];
            for (var jj = 0u; jj < BC; jj++) {
                a = fma(p_s[r * BC + jj], v_s[jj * D + c], a);
            }
            acc[t] = a;
        }
    }
    // l_s was last written before the barrier that preceded the final update.
    for (var t = 0u; t < own; t++) {
        let e = lid + t * WG;
        let i = q0 + e / D;
        if (i < n) {
            o[(head * n + i) * D + e % D] = acc[t] / l_s[e / D];
        }
    }
}

// FlashAttention (forward), fused: O = softmax(Q·Kᵀ / √d) · V without ever writing the N×N
// score matrix to global memory.
//
// Each workgroup owns BR = 16 query rows of one (batch, head). Those rows of Q stay in workgroup
// memory for the whole kernel; K and V stream through in tiles of BC rows. For each tile the
// workgroup computes the BR×BC block of scores (in workgroup memory only), and every row keeps
// a running maximum m and running sum l of exponentials: the "online softmax". When a new tile
// raises a row's maximum, the row's partial output is rescaled by exp(m_old − m_new) before the
// tile's contribution is added, so the result equals a softmax over the whole row without the
// row ever being stored. Global traffic is Q, K, V read (K and V once per query block) and O
// written once.
//
// Tile sizes are pipeline-overridable: the host picks BC so that Q, K and V tiles and the score
// block fit the device's workgroup memory (32 KiB on many GPUs, 48 KiB on an H100). D, the head
// dimension, is a multiple of 32 up to 128.

struct Params {
    n: u32,
    // Number of (batch, head) pairs.
    heads: u32,
    causal: u32,
    scale: f32,
}

// Query rows per workgroup (8 threads per row), key/value rows per tile, head dimension.
override BR: u32 = 16u;
override BC: u32 = 32u;
override D: u32 = 64u;
const WG: u32 = 128u;
// The head dimension in vec4s, and the padded stride of a K row in vec4s (see k_s).
override D4: u32 = D / 4u;
override KS: u32 = D4 + 1u;
const MASKED: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
// [batch·heads, N, D] row-major, read and written as vec4s (D is a multiple of 4).
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<f32>>;

// The query block (pre-scaled by 1/√d), the current K and V tiles, and the score block.
var<workgroup> q_s: array<vec4<f32>, BR * D4>;
// K rows are padded by one vec4: in the score loop the 32 lanes of a warp read 32 different key
// rows at the same column, and with a stride of exactly D floats (a multiple of 32) they would all
// hit the same memory banks and be served one after another.
var<workgroup> k_s: array<vec4<f32>, BC * KS>;
var<workgroup> v_s: array<vec4<f32>, BC * D4>;
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

    for (var e = lid; e < BR * D4; e += WG) {
        let i = q0 + e / D4;
        q_s[e] = select(vec4<f32>(0.0), q[(head * n + i) * D4 + e % D4] * params.scale, i < n);
    }
    if (lid < BR) {
        m_s[lid] = MASKED;
        l_s[lid] = 0.0;
    }
    // This thread's share of the output block: row `row`, columns 4·(col + 8t) .. + 3 for
    // t = 0 .. D/32 − 1, in named registers. (A loop-indexed array here can end up in slow local
    // memory when the driver keeps wgpu's bounds checks.)
    let row = lid / 8u;
    let col = lid % 8u;
    var o0 = vec4<f32>(0.0);
    var o1 = vec4<f32>(0.0);
    var o2 = vec4<f32>(0.0);
    var o3 = vec4<f32>(0.0);

    // Under the causal mask, keys after the block's last query contribute nothing: stop there.
    let kv_end = select(n, min(n, q0 + BR), params.causal == 1u);
    for (var kv0 = 0u; kv0 < kv_end; kv0 += BC) {
        // Everyone is done with the previous tile before it is overwritten.
        workgroupBarrier();
        for (var e = lid; e < BC * D4; e += WG) {
            let j = kv0 + e / D4;
            let g = (head * n + j) * D4 + e % D4;
            k_s[(e / D4) * KS + e % D4] = select(vec4<f32>(0.0), k[g], j < n);
            v_s[e] = select(vec4<f32>(0.0), v[g], j < n);
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
                var acc = 0.0;
                for (var c = 0u; c < D4; c++) {
                    acc += dot(q_s[r * D4 + c], k_s[jj * KS + c]);
                }
                score = acc;
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
        // Rescale the running output and add this tile: o = α·o + Σ_j P[row, j] · V[j].
        let alpha = alpha_s[row];
        o0 *= alpha;
        o1 *= alpha;
        o2 *= alpha;
        o3 *= alpha;
        for (var jj = 0u; jj < BC; jj++) {
            let p = vec4<f32>(p_s[row * BC + jj]);
            let vrow = jj * D4 + col;
            o0 = fma(p, v_s[vrow], o0);
            if (D >= 64u) {
                o1 = fma(p, v_s[vrow + 8u], o1);
            }
            if (D >= 96u) {
                o2 = fma(p, v_s[vrow + 16u], o2);
            }
            if (D >= 128u) {
                o3 = fma(p, v_s[vrow + 24u], o3);
            }
        }
    }
    // l_s was last written before the barrier that preceded the final update.
    let i = q0 + row;
    if (i < n) {
        let inv = 1.0 / l_s[row];
        let out = (head * n + i) * D4 + col;
        o[out] = o0 * inv;
        if (D >= 64u) {
            o[out + 8u] = o1 * inv;
        }
        if (D >= 96u) {
            o[out + 16u] = o2 * inv;
        }
        if (D >= 128u) {
            o[out + 24u] = o3 * inv;
        }
    }
}

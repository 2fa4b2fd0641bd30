// Exercise: write the softmax step (the TODO in `softmax` below).
//
// Naive attention, O = softmax(Q·Kᵀ / √d) · V, in three separate kernels that pass the N×N
// score matrix S through global memory: `scores` writes S, `softmax` reads it three times and
// rewrites it as probabilities P, and `pv` reads P again to form O. For long sequences S is far
// bigger than Q, K, V and O together, so these round trips, not the arithmetic, set the time.
// The fused kernel (attention/flash.wgsl) never writes S at all.
//
// Layout: Q, K, V and O are [batch·heads, N, d] row-major f32. S holds `heads_in_chunk` heads at
// a time ([heads_in_chunk, N, N]), because for long sequences all heads at once would exceed the
// device's largest storage binding; the host runs the three kernels once per chunk of heads.

struct Params {
    n: u32,
    d: u32,
    // Heads (of batch·heads) in this chunk, and the index of the chunk's first head.
    heads_in_chunk: u32,
    head_offset: u32,
    // 1 to mask scores where the key comes after the query.
    causal: u32,
    // 1/√d, applied to the scores.
    scale: f32,
}

// A masked score. Finite rather than -inf so that exp(masked - max) is exactly 0 and never NaN.
const MASKED: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> s: array<f32>;
@group(0) @binding(5) var<storage, read_write> o: array<f32>;

// S[h, i, j] = (Q[i] · K[j]) / √d: one thread per score, like the naive matmul.
@compute @workgroup_size(16, 16)
fn scores(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    let i = gid.y;
    let h = gid.z;
    if (i >= params.n || j >= params.n) {
        return;
    }
    let head = params.head_offset + h;
    var score = MASKED;
    if (params.causal == 0u || j <= i) {
        var acc = 0.0;
        let qi = (head * params.n + i) * params.d;
        let kj = (head * params.n + j) * params.d;
        for (var c = 0u; c < params.d; c++) {
            acc = fma(q[qi + c], k[kj + c], acc);
        }
        score = acc * params.scale;
    }
    s[(h * params.n + i) * params.n + j] = score;
}

const SOFTMAX_WG: u32 = 256u;
var<workgroup> reduce: array<f32, SOFTMAX_WG>;

// Combines the 256 per-thread values in `reduce` into reduce[0] with `op` (0: max, 1: sum).
// Every thread must call it (it contains barriers).
fn reduce_all(lid: u32, op: u32) -> f32 {
    for (var stride = SOFTMAX_WG / 2u; stride > 0u; stride /= 2u) {
        workgroupBarrier();
        if (lid < stride) {
            let a = reduce[lid];
            let b = reduce[lid + stride];
            reduce[lid] = select(a + b, max(a, b), op == 0u);
        }
    }
    workgroupBarrier();
    let r = reduce[0];
    // Nobody may overwrite reduce[0] for the next reduction before everyone has read it.
    workgroupBarrier();
    return r;
}

// One workgroup per row of S: find the row's maximum, sum exp(s − max), then write the
// probabilities. Subtracting the maximum keeps exp from overflowing for large logits.
@compute @workgroup_size(SOFTMAX_WG)
fn softmax(@builtin(workgroup_id) wg: vec3<u32>,
           @builtin(num_workgroups) groups: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
    let row = wg.x + wg.y * groups.x;
    if (row >= params.heads_in_chunk * params.n) {
        return;
    }
    let base = row * params.n;
    // TODO: turn row `row` of S into probabilities: find the row's maximum m (with reduce_all),
    // sum exp(s − m) over the row (reduce_all again), then write exp(s − m) / sum. As it stands
    // the rows are exponentiated but neither shifted nor normalised, so they do not sum to 1
    // and large scores overflow.
    for (var j = lid; j < params.n; j += SOFTMAX_WG) {
        s[base + j] = exp(s[base + j]);
    }
}

// O[i, c] = Σ_j P[i, j] · V[j, c]: one thread per output element.
@compute @workgroup_size(16, 16)
fn pv(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let i = gid.y;
    let h = gid.z;
    if (i >= params.n || c >= params.d) {
        return;
    }
    let head = params.head_offset + h;
    // Under the causal mask P[i, j] is 0 for j > i: skip those terms.
    let end = select(params.n, i + 1u, params.causal == 1u);
    var acc = 0.0;
    let p = (h * params.n + i) * params.n;
    for (var j = 0u; j < end; j++) {
        acc = fma(s[p + j], v[(head * params.n + j) * params.d + c], acc);
    }
    o[(head * params.n + i) * params.d + c] = acc;
}

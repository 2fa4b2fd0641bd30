// GEMV with f32 weights: y[m] = W · x[m] for a batch of up to 8 vectors x (decode with a few
// sequences at once). W is rows × cols, row-major; x is batch × cols; y is batch × rows.
//
// Decode is memory-bound: every weight is read once and used once per batch row, so the
// kernel's job is to stream W at full bandwidth. One workgroup owns one row of W; its 64 threads
// walk the row together (thread t reads columns t, t + 64, …), so each step of a warp reads
// consecutive addresses. Each thread keeps one running sum per batch row in registers, then the
// workgroup adds the 64 partial sums in workgroup memory.

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // Unused here; the quantized variants count 32-weight blocks per row.
    blocks_per_row: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Per-thread partial sums for batch rows 0-3 and 4-7, for the final reduction.
var<workgroup> partial_lo: array<vec4<f32>, WG>;
var<workgroup> partial_hi: array<vec4<f32>, WG>;

// x[m][col] for batch rows first .. first + 3. Rows past the batch repeat its last row (a cache
// hit); their sums are never written out.
fn x4(first: u32, col: u32) -> vec4<f32> {
    let last = params.batch - 1u;
    let n = params.cols;
    return vec4<f32>(x[min(first, last) * n + col], x[min(first + 1u, last) * n + col],
                     x[min(first + 2u, last) * n + col], x[min(first + 3u, last) * n + col]);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    // Rows beyond 65535 continue in the y dimension of the grid.
    let row = wg.x + wg.y * groups.x;
    // `row` is the same for the whole workgroup, so this early return keeps the barriers below
    // in uniform control flow.
    if (row >= params.rows) {
        return;
    }
    // Running sums for batch rows 0-3 and 4-7 in two named vec4s, not an array: with runtime
    // bounds checks some drivers move a loop-indexed array to slow local memory.
    var acc_lo = vec4<f32>(0.0);
    var acc_hi = vec4<f32>(0.0);
    let base = row * params.cols;
    for (var c = lid; c < params.cols; c += WG) {
        let wv = w[base + c];
        if (params.batch == 1u) {
            acc_lo.x = fma(wv, x[c], acc_lo.x);
        } else {
            acc_lo = fma(vec4<f32>(wv), x4(0u, c), acc_lo);
            if (params.batch > 4u) {
                acc_hi = fma(vec4<f32>(wv), x4(4u, c), acc_hi);
            }
        }
    }
    partial_lo[lid] = acc_lo;
    partial_hi[lid] = acc_hi;
    // Tree reduction: halve the number of active threads each step. The barrier makes each
    // step's writes visible before the next step reads them.
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        workgroupBarrier();
        if (lid < stride) {
            partial_lo[lid] += partial_lo[lid + stride];
            partial_hi[lid] += partial_hi[lid + stride];
        }
    }
    if (lid == 0u) {
        let lo = partial_lo[0];
        let hi = partial_hi[0];
        for (var m = 0u; m < params.batch; m++) {
            y[m * params.rows + row] = select(hi[m % 4u], lo[m % 4u], m < 4u);
        }
    }
}

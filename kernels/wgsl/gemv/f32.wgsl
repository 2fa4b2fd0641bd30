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
const MAX_BATCH: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Per-thread partial sums, one per batch row, for the final reduction.
var<workgroup> partial: array<array<f32, MAX_BATCH>, WG>;

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
    var acc: array<f32, MAX_BATCH>;
    let base = row * params.cols;
    for (var c = lid; c < params.cols; c += WG) {
        let wv = w[base + c];
        for (var m = 0u; m < params.batch; m++) {
            acc[m] = fma(wv, x[m * params.cols + c], acc[m]);
        }
    }
    partial[lid] = acc;
    // Tree reduction: halve the number of active threads each step. The barrier makes each
    // step's writes visible before the next step reads them.
    for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
        workgroupBarrier();
        if (lid < stride) {
            for (var m = 0u; m < params.batch; m++) {
                partial[lid][m] += partial[lid + stride][m];
            }
        }
    }
    if (lid == 0u) {
        for (var m = 0u; m < params.batch; m++) {
            y[m * params.rows + row] = partial[0][m];
        }
    }
}

// GEMV with f16 weights: half the bytes of f32, so a memory-bound decode step runs up to twice
// as fast. The weights are IEEE half floats packed two to a u32 word; unpack2x16float turns a
// word into two f32s, so this needs no shader-f16 support and runs on every adapter. The
// arithmetic stays in f32. Same shape and work split as gemv/f32.wgsl: one workgroup per row.

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    blocks_per_row: u32,
}

const WG: u32 = 64u;

@group(0) @binding(0) var<uniform> params: Params;
// rows × cols halves, row-major, two per word (element i is the low half of word i / 2 when i
// is even, the high half when odd).
@group(0) @binding(1) var<storage, read> w: array<u32>;
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
    let row = wg.x + wg.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    // Running sums for batch rows 0-3 and 4-7 in two named vec4s, not an array: with runtime
    // bounds checks some drivers move a loop-indexed array to slow local memory.
    var acc_lo = vec4<f32>(0.0);
    var acc_hi = vec4<f32>(0.0);
    let base = row * params.cols;
    // Each thread takes two neighbouring columns per step (one word when the row starts on a
    // word boundary), so a warp reads 64 consecutive halves.
    for (var c = lid * 2u; c < params.cols; c += WG * 2u) {
        let i = base + c;
        let lo = unpack2x16float(w[i / 2u])[i % 2u];
        var hi = 0.0;
        let two = c + 1u < params.cols;
        if (two) {
            hi = unpack2x16float(w[(i + 1u) / 2u])[(i + 1u) % 2u];
        }
        // The second column's weight is 0 past the end of the row, so its term vanishes (and
        // its x index is clamped to stay inside the buffer).
        let c2 = min(c + 1u, params.cols - 1u);
        if (params.batch == 1u) {
            acc_lo.x = fma(lo, x[c], fma(hi, x[c2], acc_lo.x));
        } else {
            acc_lo = fma(vec4<f32>(lo), x4(0u, c), fma(vec4<f32>(hi), x4(0u, c2), acc_lo));
            if (params.batch > 4u) {
                acc_hi = fma(vec4<f32>(lo), x4(4u, c), fma(vec4<f32>(hi), x4(4u, c2), acc_hi));
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

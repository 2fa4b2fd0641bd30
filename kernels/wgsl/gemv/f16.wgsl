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
const MAX_BATCH: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
// rows × cols halves, row-major, two per word (element i is the low half of word i / 2 when i
// is even, the high half when odd).
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<array<f32, MAX_BATCH>, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wg.x + wg.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    var acc: array<f32, MAX_BATCH>;
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
        for (var m = 0u; m < params.batch; m++) {
            let xm = m * params.cols + c;
            acc[m] = fma(lo, x[xm], acc[m]);
            if (two) {
                acc[m] = fma(hi, x[xm + 1u], acc[m]);
            }
        }
    }
    partial[lid] = acc;
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

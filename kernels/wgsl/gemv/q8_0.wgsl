// GEMV with Q8_0 weights in GGUF's own block layout: 34 bytes per 32 weights (an f16 scale d,
// then 32 signed bytes q; weight = d · q). About 1.06 bytes per weight instead of 4, so decode
// streams 3.8× fewer bytes than f32. The blocks are unpacked here, inside the kernel, so the
// packed bytes are all that ever cross the memory bus.
//
// One workgroup per row of W; thread t handles blocks t, t + 64, … of that row. A 34-byte block
// starts at any even byte offset, so words are read through `word_at`, which stitches an
// unaligned 32-bit word out of two aligned ones (both usually in the same cache line).

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

const WG: u32 = 64u;
const MAX_BATCH: u32 = 8u;
const BLOCK_BYTES: u32 = 34u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream viewed as little-endian u32 words, plus one spare word at the end so
// `word_at` never reads past the buffer.
@group(0) @binding(1) var<storage, read> w: array<u32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> partial: array<array<f32, MAX_BATCH>, WG>;

// The 32-bit little-endian word starting at any byte offset.
fn word_at(byte: u32) -> u32 {
    let i = byte / 4u;
    let shift = (byte % 4u) * 8u;
    if (shift == 0u) {
        return w[i];
    }
    return (w[i] >> shift) | (w[i + 1u] << (32u - shift));
}

// Byte k (0..3) of a word as a signed integer, as f32: shift it to the top, then an arithmetic
// shift back down copies its sign bit.
fn sbyte(word: u32, k: u32) -> f32 {
    return f32(bitcast<i32>(word << (24u - 8u * k)) >> 24u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let row = wg.x + wg.y * groups.x;
    if (row >= params.rows) {
        return;
    }
    var acc: array<f32, MAX_BATCH>;
    for (var b = lid; b < params.blocks_per_row; b += WG) {
        let off = (row * params.blocks_per_row + b) * BLOCK_BYTES;
        // The scale is the low half of the word at the block's start.
        let d = unpack2x16float(word_at(off)).x;
        let col = b * 32u;
        // 32 quantized weights = 8 words of 4 signed bytes each.
        for (var j = 0u; j < 8u; j++) {
            let q = word_at(off + 2u + 4u * j);
            let wv = vec4<f32>(sbyte(q, 0u), sbyte(q, 1u), sbyte(q, 2u), sbyte(q, 3u));
            for (var m = 0u; m < params.batch; m++) {
                let xi = m * params.cols + col + 4u * j;
                let xv = vec4<f32>(x[xi], x[xi + 1u], x[xi + 2u], x[xi + 3u]);
                // The scale is applied once per 4 weights rather than to every weight.
                acc[m] = fma(d, dot(wv, xv), acc[m]);
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

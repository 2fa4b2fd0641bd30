// Exercise: dequantize with the block scale (the TODO below).
//
// GEMV with Q8_0 weights in GGUF's own block layout: 34 bytes per 32 weights (an f16 scale d,
// then 32 signed bytes q; weight = d · q). About 1.06 bytes per weight instead of 4, so decode
// streams 3.8× fewer bytes than f32. The blocks are unpacked here, inside the kernel, so the
// packed bytes are all that ever cross the memory bus.
//
// One workgroup per row of W. Eight threads share each block, one 4-weight word each, so at
// every step neighbouring threads read neighbouring words of W and neighbouring 16-byte pieces
// of x: both streams coalesce. (Giving each thread a whole block instead puts neighbouring
// threads' x reads 128 bytes apart, and on an H100 that ran 8× slower.) A 34-byte block starts
// at any even byte offset, so words are read through `word_at`, which stitches an unaligned
// 32-bit word out of two aligned ones (both usually in the same cache line).

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

const WG: u32 = 64u;
const BLOCK_BYTES: u32 = 34u;
// Words of quantized weights per block, and so threads per block.
const UNITS: u32 = 8u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream viewed as little-endian u32 words, plus one spare word at the end so
// `word_at` never reads past the buffer.
@group(0) @binding(1) var<storage, read> w: array<u32>;
// x as vec4s: cols is a multiple of 32, so every group of four columns is 16-byte aligned.
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Per-thread partial sums for batch rows 0-3 and 4-7, for the final reduction.
var<workgroup> partial_lo: array<vec4<f32>, WG>;
var<workgroup> partial_hi: array<vec4<f32>, WG>;

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

// dot(w, x[m][4·xi .. 4·xi + 3]) for batch rows first .. first + 3. Rows past the batch repeat
// its last row (a cache hit); their sums are never written out.
fn dots(w: vec4<f32>, first: u32, xi: u32) -> vec4<f32> {
    let last = params.batch - 1u;
    let n = params.cols / 4u;
    return vec4<f32>(dot(w, x[min(first, last) * n + xi]), dot(w, x[min(first + 1u, last) * n + xi]),
                     dot(w, x[min(first + 2u, last) * n + xi]), dot(w, x[min(first + 3u, last) * n + xi]));
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
    for (var u = lid; u < params.blocks_per_row * UNITS; u += WG) {
        let b = u / UNITS;
        let j = u % UNITS;
        let off = (row * params.blocks_per_row + b) * BLOCK_BYTES;
        // TODO: every weight is d · q, where d is the block's scale: an f16 in the first two
        // bytes of the block (the low half of the 32-bit word at byte `off`). WGSL's
        // unpack2x16float turns a word into two f32s. Until then every scale is taken as 1.
        let d = 1.0;
        // This thread's word holds weights 4j .. 4j + 3 of the block.
        let q = word_at(off + 2u + 4u * j);
        let wv = vec4<f32>(sbyte(q, 0u), sbyte(q, 1u), sbyte(q, 2u), sbyte(q, 3u));
        let xi = b * 8u + j;
        if (params.batch == 1u) {
            acc_lo.x = fma(d, dot(wv, x[xi]), acc_lo.x);
        } else {
            acc_lo = fma(vec4<f32>(d), dots(wv, 0u, xi), acc_lo);
            if (params.batch > 4u) {
                acc_hi = fma(vec4<f32>(d), dots(wv, 4u, xi), acc_hi);
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

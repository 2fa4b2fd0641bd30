// GEMV with Q4_0 weights in GGUF's own block layout: 18 bytes per 32 weights (an f16 scale d,
// then 16 bytes of 4-bit values; weight = d · (nibble − 8)). 0.5625 bytes per weight: 7.1×
// fewer bytes than f32, which is the whole point for a memory-bound decode step.
//
// GGUF's nibble order: byte j of a block holds weight j in its low nibble and weight j + 16 in
// its high nibble. So the 4 bytes of one word give weights 4i..4i+3 (low nibbles) and
// 4i+16..4i+19 (high nibbles): two groups of four, each a dot product with 4 values of x.
//
// Four threads share each block, one word each, so neighbouring threads read neighbouring
// words of W and neighbouring 16-byte pieces of x, and both streams coalesce.

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

const WG: u32 = 64u;
const BLOCK_BYTES: u32 = 18u;
// Words of nibbles per block, and so threads per block.
const UNITS: u32 = 4u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream as little-endian u32 words, plus one spare word at the end.
@group(0) @binding(1) var<storage, read> w: array<u32>;
// x as vec4s: cols is a multiple of 32, so every group of four columns is 16-byte aligned.
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Per-thread partial sums for batch rows 0-3 and 4-7, for the final reduction.
var<workgroup> partial_lo: array<vec4<f32>, WG>;
var<workgroup> partial_hi: array<vec4<f32>, WG>;

// The 32-bit little-endian word starting at any byte offset (blocks start at even offsets).
fn word_at(byte: u32) -> u32 {
    let i = byte / 4u;
    let shift = (byte % 4u) * 8u;
    if (shift == 0u) {
        return w[i];
    }
    return (w[i] >> shift) | (w[i + 1u] << (32u - shift));
}

// The four low (or high) nibbles of a word's bytes, minus 8, as f32.
fn nibbles(word: u32, high: u32) -> vec4<f32> {
    let v = (word >> (4u * high)) & 0x0f0f0f0fu;
    return vec4<f32>(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu), f32(v >> 24u))
        - vec4<f32>(8.0);
}

// dot(lo, x[m][4·xi ..]) + dot(hi, x[m][4·xi + 16 ..]) for batch rows first .. first + 3. Rows
// past the batch repeat its last row (a cache hit); their sums are never written out.
fn dots(lo: vec4<f32>, hi: vec4<f32>, first: u32, xi: u32) -> vec4<f32> {
    let last = params.batch - 1u;
    let n = params.cols / 4u;
    // Four terms written out: a loop writing r[k] can cost a trip through local memory.
    let b0 = min(first, last) * n + xi;
    let b1 = min(first + 1u, last) * n + xi;
    let b2 = min(first + 2u, last) * n + xi;
    let b3 = min(first + 3u, last) * n + xi;
    return vec4<f32>(dot(lo, x[b0]) + dot(hi, x[b0 + 4u]), dot(lo, x[b1]) + dot(hi, x[b1 + 4u]),
                     dot(lo, x[b2]) + dot(hi, x[b2 + 4u]), dot(lo, x[b3]) + dot(hi, x[b3 + 4u]));
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
        let i = u % UNITS;
        let off = (row * params.blocks_per_row + b) * BLOCK_BYTES;
        let d = unpack2x16float(word_at(off)).x;
        let q = word_at(off + 2u + 4u * i);
        let lo = nibbles(q, 0u); // weights 4i .. 4i + 3 of the block
        let hi = nibbles(q, 1u); // weights 16 + 4i .. 16 + 4i + 3
        let xi = b * 8u + i;
        if (params.batch == 1u) {
            acc_lo.x = fma(d, dot(lo, x[xi]) + dot(hi, x[xi + 4u]), acc_lo.x);
        } else {
            acc_lo = fma(vec4<f32>(d), dots(lo, hi, 0u, xi), acc_lo);
            if (params.batch > 4u) {
                acc_hi = fma(vec4<f32>(d), dots(lo, hi, 4u, xi), acc_hi);
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

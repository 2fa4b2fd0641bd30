// GEMV with Q4_0 weights in GGUF's own block layout: 18 bytes per 32 weights (an f16 scale d,
// then 16 bytes of 4-bit values; weight = d · (nibble − 8)). 0.5625 bytes per weight: 7.1×
// fewer bytes than f32, which is the whole point for a memory-bound decode step.
//
// GGUF's nibble order: byte j of a block holds weight j in its low nibble and weight j + 16 in
// its high nibble. So the 4 bytes of one word give weights 4i..4i+3 (low nibbles) and
// 4i+16..4i+19 (high nibbles): two groups of four, each a dot product with 4 values of x.
//
// Work split. Blocks are 18 bytes, so a block's words are not aligned, but two blocks are 36
// bytes = 9 words: a thread takes a *pair* of blocks of a row and reads 9 whole words. T threads
// share a row tile of R rows and step through its pairs T apart, so the T threads read T
// neighbouring pairs (coalesced). Each thread loads its 64 values of x once into registers and
// uses them for all R rows: x is f32, 7× the bytes of the weights it meets, and re-reading it
// for every row would make the kernel wait on cache traffic rather than on memory.
// At the end the T partial sums of each output meet in workgroup memory.

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

// Set by the host (gemv.rs) for the adapter and batch.
override R: u32 = 4u;        // rows per thread
override T: u32 = 32u;       // threads per row tile
override WG: u32 = 128u;     // threads per workgroup, a multiple of T
override BATCH: u32 = 1u;    // rows of x; R · BATCH ≤ 32
const MAX_ACC: u32 = 32u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream as little-endian u32 words. The host pads it with zero words so that
// the 9 words of a row's final, unpaired block can be read whole (its partner is ignored).
@group(0) @binding(1) var<storage, read> w: array<u32>;
// x as vec4s, padded by the host with 16 zero vec4s for the same reason.
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

// Every thread's R · BATCH partial sums, output-major, for the final sum over T threads.
var<workgroup> partial: array<f32, WG * R * BATCH>;

// One pair of blocks as loaded: the two scales and the two blocks' 16 bytes of nibbles.
struct Pair {
    d0: f32,
    d1: f32,
    a0: u32, a1: u32, a2: u32, a3: u32,
    b0: u32, b1: u32, b2: u32, b3: u32,
}

// The 9 words of the pair starting at byte `start` (even). Rows start on a word boundary when
// blocks_per_row is even; otherwise every other row starts 2 bytes in, and each word is put
// together from two.
fn load_pair(start: u32) -> Pair {
    let i = start / 4u;
    var v0 = w[i]; var v1 = w[i + 1u]; var v2 = w[i + 2u];
    var v3 = w[i + 3u]; var v4 = w[i + 4u]; var v5 = w[i + 5u];
    var v6 = w[i + 6u]; var v7 = w[i + 7u]; var v8 = w[i + 8u];
    if (start % 4u != 0u) {
        let v9 = w[i + 9u];
        v0 = (v0 >> 16u) | (v1 << 16u); v1 = (v1 >> 16u) | (v2 << 16u);
        v2 = (v2 >> 16u) | (v3 << 16u); v3 = (v3 >> 16u) | (v4 << 16u);
        v4 = (v4 >> 16u) | (v5 << 16u); v5 = (v5 >> 16u) | (v6 << 16u);
        v6 = (v6 >> 16u) | (v7 << 16u); v7 = (v7 >> 16u) | (v8 << 16u);
        v8 = (v8 >> 16u) | (v9 << 16u);
    }
    // Word 0 is d0 and the first 2 nibble bytes; word 4 is the last 2 nibble bytes and d1.
    var p: Pair;
    p.d0 = unpack2x16float(v0).x;
    p.d1 = unpack2x16float(v4).y;
    p.a0 = (v0 >> 16u) | (v1 << 16u);
    p.a1 = (v1 >> 16u) | (v2 << 16u);
    p.a2 = (v2 >> 16u) | (v3 << 16u);
    p.a3 = (v3 >> 16u) | (v4 << 16u);
    p.b0 = v5; p.b1 = v6; p.b2 = v7; p.b3 = v8;
    return p;
}

// The four low (or high) nibbles of a word's bytes as f32 (0..15; the −8 is applied per block).
fn lo(q: u32) -> vec4<f32> {
    let v = q & 0x0f0f0f0fu;
    return vec4<f32>(f32(v & 0xffu), f32((v >> 8u) & 0xffu), f32((v >> 16u) & 0xffu), f32(v >> 24u));
}
fn hi(q: u32) -> vec4<f32> {
    return lo(q >> 4u);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    let tiles_per_group = WG / T;
    let group = wg.x + wg.y * groups.x;
    let row0 = (group * tiles_per_group + lid / T) * R;
    let t = lid % T;
    let bpr = params.blocks_per_row;
    let pairs = (bpr + 1u) / 2u;
    let xrow = params.cols / 4u;

    // Indexed only by loops over override constants, which the driver unrolls, so these stay
    // in registers.
    var acc: array<f32, MAX_ACC>;
    for (var k = 0u; k < MAX_ACC; k++) {
        acc[k] = 0.0;
    }
    for (var p = t; p < pairs; p += T) {
        // The second block of a row's last pair exists only when blocks_per_row is even.
        let second = select(0.0, 1.0, 2u * p + 1u < bpr);
        for (var m = 0u; m < BATCH; m++) {
            let xo = m * xrow + p * 16u;
            let x0 = x[xo]; let x1 = x[xo + 1u]; let x2 = x[xo + 2u]; let x3 = x[xo + 3u];
            let x4 = x[xo + 4u]; let x5 = x[xo + 5u]; let x6 = x[xo + 6u]; let x7 = x[xo + 7u];
            let x8 = x[xo + 8u]; let x9 = x[xo + 9u]; let x10 = x[xo + 10u]; let x11 = x[xo + 11u];
            let x12 = x[xo + 12u]; let x13 = x[xo + 13u]; let x14 = x[xo + 14u];
            let x15 = x[xo + 15u];
            // (nibble − 8) · x summed = nibble · x summed − 8 · Σx: one subtraction per block.
            let one = vec4<f32>(1.0);
            let sx0 = dot(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7, one);
            let sx1 = dot(x8 + x9 + x10 + x11 + x12 + x13 + x14 + x15, one);
            for (var r = 0u; r < R; r++) {
                // Rows past the end repeat the last row (a cache hit) and are never written.
                let row = min(row0 + r, params.rows - 1u);
                let q = load_pair((row * bpr + 2u * p) * 18u);
                let s0 = dot(lo(q.a0), x0) + dot(hi(q.a0), x4) + dot(lo(q.a1), x1)
                    + dot(hi(q.a1), x5) + dot(lo(q.a2), x2) + dot(hi(q.a2), x6)
                    + dot(lo(q.a3), x3) + dot(hi(q.a3), x7) - 8.0 * sx0;
                let s1 = dot(lo(q.b0), x8) + dot(hi(q.b0), x12) + dot(lo(q.b1), x9)
                    + dot(hi(q.b1), x13) + dot(lo(q.b2), x10) + dot(hi(q.b2), x14)
                    + dot(lo(q.b3), x11) + dot(hi(q.b3), x15) - 8.0 * sx1;
                let k = r * BATCH + m;
                acc[k] = fma(q.d0, s0, fma(q.d1 * second, s1, acc[k]));
            }
        }
    }
    for (var k = 0u; k < R * BATCH; k++) {
        partial[k * WG + lid] = acc[k];
    }
    // All partial sums are written before any thread adds them up.
    workgroupBarrier();
    // One thread per output of the workgroup adds its T partial sums.
    let outputs = tiles_per_group * R * BATCH;
    for (var o = lid; o < outputs; o += WG) {
        let tile = o / (R * BATCH);
        let k = o % (R * BATCH);
        var sum = 0.0;
        for (var j = 0u; j < T; j++) {
            sum += partial[k * WG + tile * T + j];
        }
        let row = (group * tiles_per_group + tile) * R + k / BATCH;
        if (row < params.rows) {
            y[(k % BATCH) * params.rows + row] = sum;
        }
    }
}

// GEMV with Q4_0 weights in GGUF's own block layout: 18 bytes per 32 weights (an f16 scale d,
// then 16 bytes of 4-bit values; weight = d · (nibble − 8)). 0.5625 bytes per weight: 7.1×
// fewer bytes than f32, which is the whole point for a memory-bound decode step.
//
// GGUF's nibble order: byte j of a block holds weight j in its low nibble and weight j + 16 in
// its high nibble. So the 4 bytes of one word give weights 4i..4i+3 (low nibbles) and
// 4i+16..4i+19 (high nibbles): two groups of four, each a dot product with 4 values of x.
//
// Work split. A workgroup owns ROWS = 32 rows; thread (g, r) works on row r, and the SPLIT
// groups g (8, or 4 where workgroup memory is small) take turns over the row's blocks, two blocks at a time (a *pair*: 36 bytes = 9 whole
// words, while a lone 18-byte block is never word-aligned). So the 32 threads of a group all
// need the same 64 values of x at the same moment: those loads are broadcasts, x costs almost
// nothing, and the weights are the only real traffic, as the roofline says they should be.
//
// The weights take a detour through workgroup memory. Were each thread to read its own row's
// words, the 32 threads of a warp would touch 32 different cache lines per load instruction, and
// the load units (not memory) would set the speed. Instead the workgroup copies a stage (the
// next 2·SPLIT pairs of all 32 rows) with neighbouring threads reading neighbouring words, then
// every thread reads its pairs from workgroup memory. Each thread fetches its share of the
// *next* stage into registers before working on the current one, so the wait for memory
// overlaps the arithmetic instead of following it.

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

const ROWS: u32 = 32u;
// Thread groups per row (set by the host from the workgroup memory it has), and pairs each
// takes per stage.
override SPLIT: u32 = 8u;
override WG: u32 = ROWS * SPLIT;
const CP: u32 = 2u;
// Words of a stage per row: SPLIT · CP pairs of 9 words, plus one for rows that start 2 bytes
// into a word. That is odd, so 32 threads reading 32 rows at the same offset hit 32 different
// banks of workgroup memory.
override STAGE: u32 = SPLIT * CP * 9u + 1u;
// ROWS · STAGE < 19 · WG: each thread copies at most 19 words of a stage.
// Rows of x, set by the host (1 to 8).
override BATCH: u32 = 1u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream as little-endian u32 words, padded by the host with zero words.
@group(0) @binding(1) var<storage, read> w: array<u32>;
// x as vec4s, padded by the host with 16 zero vec4s: a row's final, unpaired block reads its
// missing partner's 32 values of x (and multiplies them by zero).
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> stage: array<u32, ROWS * STAGE>;
// Each thread's BATCH partial sums, for the final sum over the SPLIT groups.
var<workgroup> partial: array<f32, WG * BATCH>;

// One pair of blocks: the two scales and the two blocks' 16 bytes of nibbles.
struct Pair {
    d0: f32,
    d1: f32,
    a0: u32, a1: u32, a2: u32, a3: u32,
    b0: u32, b1: u32, b2: u32, b3: u32,
}

// The pair whose 9 words start at stage[i], or (odd rows when blocks_per_row is odd) 2 bytes
// into stage[i], each word then put together from two.
fn load_pair(i: u32, aligned: bool) -> Pair {
    var v0 = stage[i]; var v1 = stage[i + 1u]; var v2 = stage[i + 2u];
    var v3 = stage[i + 3u]; var v4 = stage[i + 4u]; var v5 = stage[i + 5u];
    var v6 = stage[i + 6u]; var v7 = stage[i + 7u]; var v8 = stage[i + 8u];
    if (!aligned) {
        let v9 = stage[i + 9u];
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

// The four low (or high) nibbles of a word's bytes, minus 8, as f32. Converting an integer to
// a float is a slow instruction on many GPUs (a quarter of the float rate on recent NVIDIA
// parts), and this kernel does one per weight. So the conversion is done by hand: the bits
// 0x4B000000 | n are the float 2²³ + n exactly (n lands in the mantissa), and subtracting
// 2²³ + 8 leaves n − 8 exactly. An OR and a subtraction instead of a conversion.
const MAGIC: u32 = 0x4B000000u;
const MAGIC_PLUS_8: f32 = 8388616.0;
fn lo(q: u32) -> vec4<f32> {
    let v = q & 0x0f0f0f0fu;
    let bits = vec4<u32>(v & 0xffu, (v >> 8u) & 0xffu, (v >> 16u) & 0xffu, v >> 24u) | vec4<u32>(MAGIC);
    return bitcast<vec4<f32>>(bits) - vec4<f32>(MAGIC_PLUS_8);
}
fn hi(q: u32) -> vec4<f32> {
    return lo(q >> 4u);
}

// Σ (nibble − 8) · x over one block whose 32 values of x start at x[xo].
fn block_dot(q0: u32, q1: u32, q2: u32, q3: u32, xo: u32) -> f32 {
    return dot(lo(q0), x[xo]) + dot(hi(q0), x[xo + 4u]) + dot(lo(q1), x[xo + 1u])
        + dot(hi(q1), x[xo + 5u]) + dot(lo(q2), x[xo + 2u]) + dot(hi(q2), x[xo + 6u])
        + dot(lo(q3), x[xo + 3u]) + dot(hi(q3), x[xo + 7u]);
}

// A pair's contribution to batch row m's sum for row-pair p.
fn pair_dot(q: Pair, d1: f32, m: u32, p: u32) -> f32 {
    let xo = m * (params.cols / 4u) + p * 16u;
    return q.d0 * block_dot(q.a0, q.a1, q.a2, q.a3, xo) + d1 * block_dot(q.b0, q.b1, q.b2, q.b3, xo + 8u);
}

// Word e of the stage starting at pair p_stage (row by row), or 0 past the stage. Past the end
// of W (the last stage of the last row) it reads padding; the pairs there are skipped.
fn fetch(row0: u32, p_stage: u32, e: u32) -> u32 {
    if (e >= ROWS * STAGE || p_stage >= (params.blocks_per_row + 1u) / 2u) {
        return 0u;
    }
    let row = min(row0 + e / STAGE, params.rows - 1u);
    let word = (row * params.blocks_per_row * 18u) / 4u + p_stage * 9u + e % STAGE;
    return w[min(word, arrayLength(&w) - 1u)];
}

fn put(e: u32, v: u32) {
    if (e < ROWS * STAGE) {
        stage[e] = v;
    }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    if (params.rows > 0u) { return; }
    let row0 = (wg.x + wg.y * groups.x) * ROWS;
    let g = lid / ROWS;
    let r = lid % ROWS;
    let bpr = params.blocks_per_row;
    let pairs = (bpr + 1u) / 2u;
    // Rows past the end stand in for the last row (their sums are never written).
    let my_row = min(row0 + r, params.rows - 1u);
    let aligned = (my_row * bpr) % 2u == 0u;

    // Running sums for batch rows 0 .. 7, named rather than an array: with runtime bounds
    // checks some drivers move a loop-indexed array to slow local memory.
    var s0 = 0.0; var s1 = 0.0; var s2 = 0.0; var s3 = 0.0;
    var s4 = 0.0; var s5 = 0.0; var s6 = 0.0; var s7 = 0.0;

    // This thread's words of the first stage.
    var f0 = fetch(row0, 0u, lid); var f1 = fetch(row0, 0u, lid + WG);
    var f2 = fetch(row0, 0u, lid + 2u * WG); var f3 = fetch(row0, 0u, lid + 3u * WG);
    var f4 = fetch(row0, 0u, lid + 4u * WG); var f5 = fetch(row0, 0u, lid + 5u * WG);
    var f6 = fetch(row0, 0u, lid + 6u * WG); var f7 = fetch(row0, 0u, lid + 7u * WG);
    var f8 = fetch(row0, 0u, lid + 8u * WG); var f9 = fetch(row0, 0u, lid + 9u * WG);
    var f10 = fetch(row0, 0u, lid + 10u * WG); var f11 = fetch(row0, 0u, lid + 11u * WG);
    var f12 = fetch(row0, 0u, lid + 12u * WG); var f13 = fetch(row0, 0u, lid + 13u * WG);
    var f14 = fetch(row0, 0u, lid + 14u * WG); var f15 = fetch(row0, 0u, lid + 15u * WG);
    var f16 = fetch(row0, 0u, lid + 16u * WG); var f17 = fetch(row0, 0u, lid + 17u * WG);
    var f18 = fetch(row0, 0u, lid + 18u * WG);
    for (var p_stage = 0u; p_stage < pairs; p_stage += SPLIT * CP) {
        put(lid, f0); put(lid + WG, f1); put(lid + 2u * WG, f2); put(lid + 3u * WG, f3);
        put(lid + 4u * WG, f4); put(lid + 5u * WG, f5); put(lid + 6u * WG, f6);
        put(lid + 7u * WG, f7); put(lid + 8u * WG, f8); put(lid + 9u * WG, f9);
        put(lid + 10u * WG, f10); put(lid + 11u * WG, f11); put(lid + 12u * WG, f12);
        put(lid + 13u * WG, f13); put(lid + 14u * WG, f14); put(lid + 15u * WG, f15);
        put(lid + 16u * WG, f16); put(lid + 17u * WG, f17); put(lid + 18u * WG, f18);
        workgroupBarrier();
        // Start on the next stage's words now; they are stored after this stage is done.
        let next = p_stage + SPLIT * CP;
        f0 = fetch(row0, next, lid); f1 = fetch(row0, next, lid + WG);
        f2 = fetch(row0, next, lid + 2u * WG); f3 = fetch(row0, next, lid + 3u * WG);
        f4 = fetch(row0, next, lid + 4u * WG); f5 = fetch(row0, next, lid + 5u * WG);
        f6 = fetch(row0, next, lid + 6u * WG); f7 = fetch(row0, next, lid + 7u * WG);
        f8 = fetch(row0, next, lid + 8u * WG); f9 = fetch(row0, next, lid + 9u * WG);
        f10 = fetch(row0, next, lid + 10u * WG); f11 = fetch(row0, next, lid + 11u * WG);
        f12 = fetch(row0, next, lid + 12u * WG); f13 = fetch(row0, next, lid + 13u * WG);
        f14 = fetch(row0, next, lid + 14u * WG); f15 = fetch(row0, next, lid + 15u * WG);
        f16 = fetch(row0, next, lid + 16u * WG); f17 = fetch(row0, next, lid + 17u * WG);
        f18 = fetch(row0, next, lid + 18u * WG);
        for (var c = 0u; c < CP; c++) {
            let p = p_stage + g * CP + c;
            if (p < pairs) {
                let q = load_pair(r * STAGE + (g * CP + c) * 9u, aligned);
                // A row's last pair lacks its second block when blocks_per_row is odd; what the
                // stage holds there belongs to the next row.
                let d1 = select(0.0, q.d1, 2u * p + 1u < bpr);
                s0 += pair_dot(q, d1, 0u, p);
                if (BATCH > 1u) { s1 += pair_dot(q, d1, 1u, p); }
                if (BATCH > 2u) { s2 += pair_dot(q, d1, 2u, p); }
                if (BATCH > 3u) { s3 += pair_dot(q, d1, 3u, p); }
                if (BATCH > 4u) { s4 += pair_dot(q, d1, 4u, p); }
                if (BATCH > 5u) { s5 += pair_dot(q, d1, 5u, p); }
                if (BATCH > 6u) { s6 += pair_dot(q, d1, 6u, p); }
                if (BATCH > 7u) { s7 += pair_dot(q, d1, 7u, p); }
            }
        }
        // Everyone has read the stage before the next one overwrites it.
        workgroupBarrier();
    }
    let o = lid * BATCH;
    partial[o] = s0;
    if (BATCH > 1u) { partial[o + 1u] = s1; }
    if (BATCH > 2u) { partial[o + 2u] = s2; }
    if (BATCH > 3u) { partial[o + 3u] = s3; }
    if (BATCH > 4u) { partial[o + 4u] = s4; }
    if (BATCH > 5u) { partial[o + 5u] = s5; }
    if (BATCH > 6u) { partial[o + 6u] = s6; }
    if (BATCH > 7u) { partial[o + 7u] = s7; }
    workgroupBarrier();
    // Group 0 adds up each row's SPLIT partial sums.
    if (g == 0u && row0 + r < params.rows) {
        for (var m = 0u; m < BATCH; m++) {
            var sum = 0.0;
            for (var j = 0u; j < SPLIT; j++) {
                sum += partial[(j * ROWS + r) * BATCH + m];
            }
            y[m * params.rows + row0 + r] = sum;
        }
    }
}

// GEMV with Q4_0 weights (GGUF's block layout, exactly as in q4_0.wgsl) that multiplies in
// 8-bit integers: each workgroup quantizes the slice of x it is about to use to 8-bit values,
// 32 at a time with one f32 scale (the Q8 blocks that llama.cpp's decode path uses too), and
// then four weights meet their four values of x in one `dot4I8Packed`, a single DP4A
// instruction on most GPUs.
//
// Why bother. At full memory speed an H100 streams about 23 Q4_0 weights per clock into each
// SM, and an SM issues 128 lane-instructions per clock: about 5.5 instructions per weight, all
// included. q4_0.wgsl spends about that much just turning nibbles into floats (masks, shifts,
// the float trick) and fma-ing them with x, and the integer part runs at half rate. Here one
// 32-weight block costs about 25 instructions: two masks and a shift per word, eight DP4As,
// one conversion and two multiplies. (On the H100 that made batch 1 only 30 % faster and
// batch 8 1.5×: the arithmetic was part of the limit, latency the rest; see BENCHMARKS.md.)
//
// The price is x's precision: x is rounded to 255 levels per 32 values before the product
// (about 0.4 % of a block's largest value). The CPU reference rounds x the same way, so
// verification still checks the kernel to f32 precision; the rounding itself is the format's
// error, as with the weights. Results therefore differ slightly from gemv/q4_0's.
//
// Per block the sum is d · dx · (Σ nibble · q − 8 · Σ q): the integer sum is exact, the −8 of
// every nibble is applied once per block through Σ q, and the nibbles go into DP4A as they are
// (0 to 15 fit a signed byte).
//
// Everything else is q4_0.wgsl: a workgroup owns ROWS = 32 rows, thread (g, r) works on row r,
// the SPLIT groups g take turns over its pairs of blocks (36 bytes, 9 words), and the weights
// are staged through workgroup memory with coalesced loads, the next stage's words fetched into
// registers while the current one is being multiplied.

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
// Blocks of x a stage covers: SPLIT · CP pairs. BATCH · XB ≤ 8 · 4 · SPLIT = WG, so one thread
// per block quantizes the stage's x.
override XB: u32 = SPLIT * CP * 2u;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream as little-endian u32 words, padded by the host with zero words.
@group(0) @binding(1) var<storage, read> w: array<u32>;
// x as vec4s, batch rows of cols / 4.
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

var<workgroup> stage: array<u32, ROWS * STAGE>;
// Each thread's BATCH partial sums, for the final sum over the SPLIT groups.
var<workgroup> partial: array<f32, WG * BATCH>;
// The stage's x, per batch row and block: 32 signed bytes in two vec4<u32> (values 0-15, 16-31;
// word i of each holds values 4i .. 4i + 3, lowest byte first),
var<workgroup> xq: array<vec4<u32>, 2u * XB * BATCH>;
// and the block's scale dx and 8 · Σ q.
var<workgroup> xs: array<vec2<f32>, XB * BATCH>;

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

// Quantizes block blk of batch row m into the stage's slot m · XB + b: dx = max|x| / 127,
// q = round(x / dx), ties to even (as the CPU reference does). Past the row: zeros.
fn quantize_x(m: u32, blk: u32, b: u32) {
    var v0 = vec4<f32>(0.0); var v1 = vec4<f32>(0.0); var v2 = vec4<f32>(0.0);
    var v3 = vec4<f32>(0.0); var v4 = vec4<f32>(0.0); var v5 = vec4<f32>(0.0);
    var v6 = vec4<f32>(0.0); var v7 = vec4<f32>(0.0);
    if (blk < params.blocks_per_row) {
        let o = m * (params.cols / 4u) + blk * 8u;
        v0 = x[o]; v1 = x[o + 1u]; v2 = x[o + 2u]; v3 = x[o + 3u];
        v4 = x[o + 4u]; v5 = x[o + 5u]; v6 = x[o + 6u]; v7 = x[o + 7u];
    }
    let a = max(max(max(abs(v0), abs(v1)), max(abs(v2), abs(v3))),
                max(max(abs(v4), abs(v5)), max(abs(v6), abs(v7))));
    let amax = max(max(a.x, a.y), max(a.z, a.w));
    let inv = select(0.0, 127.0 / amax, amax > 0.0);
    let q0 = pack4xI8(vec4<i32>(round(v0 * inv))); let q1 = pack4xI8(vec4<i32>(round(v1 * inv)));
    let q2 = pack4xI8(vec4<i32>(round(v2 * inv))); let q3 = pack4xI8(vec4<i32>(round(v3 * inv)));
    let q4 = pack4xI8(vec4<i32>(round(v4 * inv))); let q5 = pack4xI8(vec4<i32>(round(v5 * inv)));
    let q6 = pack4xI8(vec4<i32>(round(v6 * inv))); let q7 = pack4xI8(vec4<i32>(round(v7 * inv)));
    let slot = m * XB + b;
    xq[2u * slot] = vec4<u32>(q0, q1, q2, q3);
    xq[2u * slot + 1u] = vec4<u32>(q4, q5, q6, q7);
    // Σ q, by dotting with four ones per word.
    let ones = 0x01010101u;
    let sum = dot4I8Packed(q0, ones) + dot4I8Packed(q1, ones) + dot4I8Packed(q2, ones)
        + dot4I8Packed(q3, ones) + dot4I8Packed(q4, ones) + dot4I8Packed(q5, ones)
        + dot4I8Packed(q6, ones) + dot4I8Packed(q7, ones);
    xs[slot] = vec2<f32>(amax / 127.0, f32(8 * sum));
}

// dx · Σ (nibble − 8) · q over one block: its nibble words q0 .. q3, its x in slot s. Word i's
// low nibbles are weights 4i .. 4i + 3 and meet x's word i of the first half; its high nibbles
// are weights 16 + 4i .. and meet word i of the second half.
fn block_dot(q0: u32, q1: u32, q2: u32, q3: u32, s: u32) -> f32 {
    let lo = xq[2u * s];
    let hi = xq[2u * s + 1u];
    let m = 0x0f0f0f0fu;
    let sum = dot4I8Packed(q0 & m, lo.x) + dot4I8Packed((q0 >> 4u) & m, hi.x)
        + dot4I8Packed(q1 & m, lo.y) + dot4I8Packed((q1 >> 4u) & m, hi.y)
        + dot4I8Packed(q2 & m, lo.z) + dot4I8Packed((q2 >> 4u) & m, hi.z)
        + dot4I8Packed(q3 & m, lo.w) + dot4I8Packed((q3 >> 4u) & m, hi.w);
    // Both terms are integers below 2²⁴, so the subtraction is exact.
    let sc = xs[s];
    return sc.x * (f32(sum) - sc.y);
}

// A pair's contribution to batch row m's sum; lp is the pair's place in the stage.
fn pair_dot(q: Pair, d1: f32, m: u32, lp: u32) -> f32 {
    let s = m * XB + 2u * lp;
    return q.d0 * block_dot(q.a0, q.a1, q.a2, q.a3, s) + d1 * block_dot(q.b0, q.b1, q.b2, q.b3, s + 1u);
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
        // The stage's x, one block per thread: a read from cache (every workgroup reads all of
        // x), a max, 32 roundings.
        if (lid < XB * BATCH) {
            quantize_x(lid / XB, p_stage * 2u + lid % XB, lid % XB);
        }
        // Start on the next stage's words now, before the barrier: the registers are free once
        // stored, and the loads fly while this stage is multiplied.
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
        workgroupBarrier();
        for (var c = 0u; c < CP; c++) {
            let p = p_stage + g * CP + c;
            if (p < pairs) {
                let q = load_pair(r * STAGE + (g * CP + c) * 9u, aligned);
                // A row's last pair lacks its second block when blocks_per_row is odd; what the
                // stage holds there belongs to the next row.
                let d1 = select(0.0, q.d1, 2u * p + 1u < bpr);
                let lp = g * CP + c;
                s0 += pair_dot(q, d1, 0u, lp);
                if (BATCH > 1u) { s1 += pair_dot(q, d1, 1u, lp); }
                if (BATCH > 2u) { s2 += pair_dot(q, d1, 2u, lp); }
                if (BATCH > 3u) { s3 += pair_dot(q, d1, 3u, lp); }
                if (BATCH > 4u) { s4 += pair_dot(q, d1, 4u, lp); }
                if (BATCH > 5u) { s5 += pair_dot(q, d1, 5u, lp); }
                if (BATCH > 6u) { s6 += pair_dot(q, d1, 6u, lp); }
                if (BATCH > 7u) { s7 += pair_dot(q, d1, 7u, lp); }
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

// GEMV with Q4_0 weights (GGUF's block layout, exactly as in q4_0.wgsl) that multiplies in
// 8-bit integers: x is first rounded to 8-bit values, 32 at a time with one f32 scale (the Q8
// blocks that llama.cpp's decode path uses too), and then four weights meet their four values
// of x in one `dot4I8Packed`, a single DP4A instruction on most GPUs.
//
// Why integers. At full memory speed an H100 streams about 23 Q4_0 weights per clock into each
// SM, and an SM issues 128 lane-instructions per clock: about 5.5 instructions per weight, all
// included. q4_0.wgsl spends about that much just turning nibbles into floats and fma-ing them
// with x. Here a 32-weight block costs about 25: two masks and a shift per word, eight DP4As, a
// conversion and two multiplies.
//
// The price is x's precision: x is rounded to 255 levels per 32 values (about 0.4 % of a
// block's largest value). The CPU reference rounds x the same way, so verification still
// checks the kernel to f32 precision; results differ slightly from gemv/q4_0's.
//
// Per block the sum is d · dx · (Σ nibble · q − 8 · Σ q): the integer sum is exact, the −8 of
// every nibble is applied once per block through Σ q, and the nibbles go into DP4A as they are
// (0 to 15 fit a signed byte).
//
// How the weights travel. A decode GEMV reads every weight once, so it is a streaming kernel,
// and the way to stream is wide loads that neighbouring threads issue to neighbouring addresses,
// with many of them in flight and nothing to wait for. Each thread reads its weights straight
// from memory into registers, with no workgroup-memory staging and no barriers between loads:
// - LANES neighbouring threads share a row, and thread j takes pairs of blocks j, j + LANES, …
//   A pair is 36 bytes, so the LANES threads together read one contiguous run of the row.
// - A pair is not 16-byte aligned, so a thread loads the three aligned vec4<u32> (48 bytes)
//   around it and picks its 9 words out of those 12 with selects. (If blocks_per_row is odd,
//   odd rows start 2 bytes into a word: four vec4s then, and every word stitched from two.)
// - While one pair is multiplied, the next pair's loads are already in flight.
//
// x is rounded once, by a first entry point (`quantize`, one thread per pair of blocks) that
// writes it to a small buffer; `main` then reads it from there, and every workgroup finds it in
// cache. Rounding x inside each workgroup instead cost 3.7 of 21.4 µs on an H100: hundreds of
// workgroups reading the same 16 KB of x and waiting at a barrier before their first weight.
//
// The buffer holds, for batch row m, pair p and quarter c (16 values; c = 0, 1 the first block,
// 2, 3 the second), 16 signed bytes at xq[(m · 4 + c) · pairs + p] (value 4i in the lowest byte
// of word i), so the LANES threads of a row read neighbouring vec4s and the rows of a subgroup
// the same ones; after those, per pair, the scales (dx0, 8Σq0, dx1, 8Σq1) as f32 bits at
// xq[(4 · batch + m) · pairs + p].

struct Params {
    rows: u32,
    cols: u32,
    batch: u32,
    // cols / 32.
    blocks_per_row: u32,
}

// Threads per workgroup and threads sharing a row (both set by the host).
override WG: u32 = 128u;
override LANES: u32 = 8u;
override ROWS: u32 = WG / LANES;
// Rows of x (1 to 8).
override BATCH: u32 = 1u;
// blocks_per_row is odd: rows may start mid-word, and a pair may straddle four vec4s.
override ODD: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
// The GGUF byte stream as little-endian u32 words, 4 to a vec4, padded by the host with zeros.
@group(0) @binding(1) var<storage, read> w: array<vec4<u32>>;
// x as vec4s, batch rows of cols / 4.
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
// Rounded x, as described above: read by `main`, written by `quantize` (the same buffer).
@group(0) @binding(4) var<storage, read> xq: array<vec4<u32>>;
@group(0) @binding(5) var<storage, read_write> xq_out: array<vec4<u32>>;

// The LANES partial sums of each row meet here at the end, two vec4s per thread.
var<workgroup> part: array<vec4<f32>, 2u * WG>;

// One block of x rounded: its 8 words of signed bytes, its scale, and 8 · Σ q.
struct XBlock {
    lo: vec4<u32>,
    hi: vec4<u32>,
    dx: f32,
    sum8: f32,
}

// Rounds block blk of batch row m: dx = max|x| / 127, q = round(x / dx), ties to even (as the
// CPU reference does). Past the row: zeros.
fn round_block(m: u32, blk: u32) -> XBlock {
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
    var b: XBlock;
    b.lo = vec4<u32>(pack4xI8(vec4<i32>(round(v0 * inv))), pack4xI8(vec4<i32>(round(v1 * inv))),
                     pack4xI8(vec4<i32>(round(v2 * inv))), pack4xI8(vec4<i32>(round(v3 * inv))));
    b.hi = vec4<u32>(pack4xI8(vec4<i32>(round(v4 * inv))), pack4xI8(vec4<i32>(round(v5 * inv))),
                     pack4xI8(vec4<i32>(round(v6 * inv))), pack4xI8(vec4<i32>(round(v7 * inv))));
    // Σ q, by dotting with four ones per word.
    let ones = 0x01010101u;
    let sum = dot4I8Packed(b.lo.x, ones) + dot4I8Packed(b.lo.y, ones)
        + dot4I8Packed(b.lo.z, ones) + dot4I8Packed(b.lo.w, ones)
        + dot4I8Packed(b.hi.x, ones) + dot4I8Packed(b.hi.y, ones)
        + dot4I8Packed(b.hi.z, ones) + dot4I8Packed(b.hi.w, ones);
    b.dx = amax / 127.0;
    b.sum8 = f32(8 * sum);
    return b;
}

// One thread per pair of blocks and batch row: rounds them into xq_out.
@compute @workgroup_size(64)
fn quantize(@builtin(global_invocation_id) gid: vec3<u32>,
            @builtin(num_workgroups) groups: vec3<u32>) {
    if (params.rows > 0u) { return; }
    let pairs = (params.blocks_per_row + 1u) / 2u;
    let i = gid.x + gid.y * groups.x * 64u;
    if (i >= pairs * params.batch) {
        return;
    }
    let m = i / pairs;
    let p = i % pairs;
    let b0 = round_block(m, 2u * p);
    let b1 = round_block(m, 2u * p + 1u);
    xq_out[(m * 4u) * pairs + p] = b0.lo;
    xq_out[(m * 4u + 1u) * pairs + p] = b0.hi;
    xq_out[(m * 4u + 2u) * pairs + p] = b1.lo;
    xq_out[(m * 4u + 3u) * pairs + p] = b1.hi;
    xq_out[(4u * params.batch + m) * pairs + p] =
        bitcast<vec4<u32>>(vec4<f32>(b0.dx, b0.sum8, b1.dx, b1.sum8));
}

// The loads around one pair: the aligned vec4s that hold its 36 bytes (38 when the row starts
// mid-word), and where in them the pair starts.
struct Window {
    u0: vec4<u32>,
    u1: vec4<u32>,
    u2: vec4<u32>,
    // Only loaded when ODD.
    u3: vec4<u32>,
    // The pair's first word within the window (0 to 3).
    o: u32,
}

fn fetch(v: u32) -> vec4<u32> {
    return w[min(v, arrayLength(&w) - 1u)];
}

// Pair p of row `row`. Past the end of W (a row's last, unpaired block) the loads read the
// host's zero padding or the next row; that block's x is zero, so it adds nothing.
fn load_window(row: u32, p: u32) -> Window {
    let word = (row * params.blocks_per_row + 2u * p) * 18u / 4u;
    let v = word / 4u;
    var win: Window;
    win.o = word % 4u;
    win.u0 = fetch(v);
    win.u1 = fetch(v + 1u);
    win.u2 = fetch(v + 2u);
    if (ODD) {
        win.u3 = fetch(v + 3u);
    }
    return win;
}

// Words o .. o + 3 of the 8 words in vec4s a and b (o = 0 to 3).
fn pick4(a: vec4<u32>, b: vec4<u32>, o: u32) -> vec4<u32> {
    let s1 = vec4<u32>(a.y, a.z, a.w, b.x);
    let s2 = vec4<u32>(a.z, a.w, b.x, b.y);
    let s3 = vec4<u32>(a.w, b.x, b.y, b.z);
    return select(select(a, s1, o == 1u), select(s2, s3, o == 3u), o >= 2u);
}

// One pair of blocks: the two scales and the two blocks' 16 bytes of nibbles.
struct Pair {
    d0: f32,
    d1: f32,
    a: vec4<u32>,
    b: vec4<u32>,
}

fn decode(win: Window, half: bool) -> Pair {
    // Words o .. o + 3, o + 4 .. o + 7, and o + 8 (and o + 9) of the window.
    var t0 = pick4(win.u0, win.u1, win.o);
    var t1 = pick4(win.u1, win.u2, win.o);
    var t2 = pick4(win.u2, win.u3, win.o);
    if (ODD && half) {
        // The row starts 2 bytes into a word: every word is the top half of one and the
        // bottom half of the next.
        t0 = (t0 >> vec4<u32>(16u)) | (vec4<u32>(t0.yzw, t1.x) << vec4<u32>(16u));
        t1 = (t1 >> vec4<u32>(16u)) | (vec4<u32>(t1.yzw, t2.x) << vec4<u32>(16u));
        t2.x = (t2.x >> 16u) | (t2.y << 16u);
    }
    // Word 0 is d0 and the first 2 nibble bytes; word 4 the last 2 nibble bytes and d1; words
    // 5 .. 8 the second block's nibbles.
    var p: Pair;
    p.d0 = unpack2x16float(t0.x).x;
    p.d1 = unpack2x16float(t1.x).y;
    p.a = (t0 >> vec4<u32>(16u)) | (vec4<u32>(t0.yzw, t1.x) << vec4<u32>(16u));
    p.b = vec4<u32>(t1.yzw, t2.x);
    return p;
}

// dx · Σ (nibble − 8) · q over one block with nibble words q and x's two quarters lo, hi.
// Word i's low nibbles are weights 4i .. 4i + 3 and meet word i of lo; its high nibbles are
// weights 16 + 4i .. and meet word i of hi.
fn block_dot(q: vec4<u32>, lo: vec4<u32>, hi: vec4<u32>, dx: f32, sum8: f32) -> f32 {
    let m = 0x0f0f0f0fu;
    let l = q & vec4<u32>(m);
    let h = (q >> vec4<u32>(4u)) & vec4<u32>(m);
    let sum = dot4I8Packed(l.x, lo.x) + dot4I8Packed(h.x, hi.x)
        + dot4I8Packed(l.y, lo.y) + dot4I8Packed(h.y, hi.y)
        + dot4I8Packed(l.z, lo.z) + dot4I8Packed(h.z, hi.z)
        + dot4I8Packed(l.w, lo.w) + dot4I8Packed(h.w, hi.w);
    // Both terms are integers below 2²⁴, so the subtraction is exact.
    return dx * (f32(sum) - sum8);
}

// Pair p's contribution to batch row m's sum.
fn pair_dot(q: Pair, m: u32, p: u32, pairs: u32) -> f32 {
    let sc = bitcast<vec4<f32>>(xq[(4u * BATCH + m) * pairs + p]);
    let b0 = block_dot(q.a, xq[(m * 4u) * pairs + p], xq[(m * 4u + 1u) * pairs + p], sc.x, sc.y);
    let b1 = block_dot(q.b, xq[(m * 4u + 2u) * pairs + p], xq[(m * 4u + 3u) * pairs + p],
                       sc.z, sc.w);
    return q.d0 * b0 + q.d1 * b1;
}

// Adds pair p (its loads in `win`) to the running sums.
fn accumulate(win: Window, half: bool, p: u32, pairs: u32, s: ptr<function, Sums>) {
    let q = decode(win, half);
    (*s).s0 += pair_dot(q, 0u, p, pairs);
    if (BATCH > 1u) { (*s).s1 += pair_dot(q, 1u, p, pairs); }
    if (BATCH > 2u) { (*s).s2 += pair_dot(q, 2u, p, pairs); }
    if (BATCH > 3u) { (*s).s3 += pair_dot(q, 3u, p, pairs); }
    if (BATCH > 4u) { (*s).s4 += pair_dot(q, 4u, p, pairs); }
    if (BATCH > 5u) { (*s).s5 += pair_dot(q, 5u, p, pairs); }
    if (BATCH > 6u) { (*s).s6 += pair_dot(q, 6u, p, pairs); }
    if (BATCH > 7u) { (*s).s7 += pair_dot(q, 7u, p, pairs); }
}

// Running sums for batch rows 0 .. 7, named rather than an array: with runtime bounds checks
// some drivers move a loop-indexed array to slow local memory.
struct Sums {
    s0: f32, s1: f32, s2: f32, s3: f32,
    s4: f32, s5: f32, s6: f32, s7: f32,
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
    if (params.rows > 0u) { return; }
    let row0 = (wg.x + wg.y * groups.x) * ROWS;
    let r = lid / LANES;
    let j = lid % LANES;
    let pairs = (params.blocks_per_row + 1u) / 2u;
    // Rows past the end stand in for the last row (their sums are never written).
    let row = min(row0 + r, params.rows - 1u);
    let half = (row * params.blocks_per_row) % 2u == 1u;

    var s = Sums(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    // The next pair's loads fly while this one is multiplied. (Keeping two or three in flight
    // measured slower on an H100 at every shape tried: with thousands of threads each holding
    // one pair's loads there are evidently enough in the air, and extra registers cost more.)
    var win: Window;
    if (j < pairs) { win = load_window(row, j); }
    for (var p = j; p < pairs; p += LANES) {
        let cur = win;
        if (p + LANES < pairs) { win = load_window(row, p + LANES); }
        accumulate(cur, half, p, pairs, &s);
    }
    part[2u * lid] = vec4<f32>(s.s0, s.s1, s.s2, s.s3);
    part[2u * lid + 1u] = vec4<f32>(s.s4, s.s5, s.s6, s.s7);
    workgroupBarrier();
    if (j == 0u && row0 + r < params.rows) {
        for (var m = 0u; m < BATCH; m++) {
            var sum = 0.0;
            for (var l = 0u; l < LANES; l++) {
                sum += part[2u * (lid + l) + m / 4u][m % 4u];
            }
            y[m * params.rows + row0 + r] = sum;
        }
    }
}

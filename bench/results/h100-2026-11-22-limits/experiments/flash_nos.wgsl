// FlashAttention (forward), fused: O = softmax(Q·Kᵀ / √d) · V without ever writing the N×N
// score matrix to global memory.
//
// Each workgroup owns BR = 32 query rows of one (batch, head). Those rows of Q stay in workgroup
// memory for the whole kernel; K and V stream through in tiles of BC rows. For each tile the
// workgroup computes the BR×BC block of scores (in workgroup memory only), and every row keeps
// a running maximum m and running sum l of exponentials: the "online softmax". When a new tile
// raises a row's maximum, the row's partial output is rescaled by 2^(m_old − m_new) before the
// tile's contribution is added, so the result equals a softmax over the whole row without the
// row ever being stored. Global traffic is Q, K, V read (K and V once per query block) and O
// written once.
//
// The two products are small matrix multiplies, and they get the matmul ladder's main trick:
// each thread computes a register tile (2 rows × BC/8 scores, then 2 rows × D/8 outputs), so
// every value read from workgroup memory feeds several multiply-adds.
//
// Who owns what (128 threads, tx = lid % 8, ty = lid / 8):
// - scores and output: rows ty and ty + 16; score columns tx + 8i; output vec4 columns tx + 8k;
// - softmax: thread lid handles a quarter of row lid / 4.
//
// Written for checked modules too (browsers always check). wgpu's runtime checks guard every
// loop against running forever, and then this GPU's driver does not unroll the loops; so the
// short inner loops are written out by hand, and every register block is a set of named values
// (struct fields), never an array or a vector indexed by a loop variable, which would live in
// slow local memory. On an H100 that took the checked kernel from 7.4 to 14.6 TFLOP/s.
//
// Scores are kept in base 2: Q is pre-scaled by log2(e)/√d, so exp(s) becomes exp2(s), which is
// a single hardware instruction on most GPUs. The softmax is unchanged by the change of base.
//
// Tile sizes are pipeline-overridable: the host picks BC (16 or 32) so that the Q block, the K
// (then V) tile and the score block fit the device's workgroup memory (32 KiB on many GPUs,
// 48 KiB on an H100). D, the head dimension, is a multiple of 32 up to 128.

struct Params {
    n: u32,
    // Number of (batch, head) pairs.
    heads: u32,
    causal: u32,
    scale: f32,
}

const BR: u32 = 32u;
override BC: u32 = 32u;
override D: u32 = 64u;
const WG: u32 = 128u;
const LOG2E: f32 = 1.4426950408889634;
// The head dimension and a score row in vec4s; the padded strides of a Q row, a K/V row and a
// score row (see q_s, kv_s, p_s); and how many vec4s of a K or V tile each thread stages (at
// most 8).
override D4: u32 = D / 4u;
override BC4: u32 = BC / 4u;
override QS: u32 = D4 + 1u;
override KS: u32 = D4 + 1u;
override PS: u32 = BC + 1u;
override LOADS: u32 = (BC * D4 + WG - 1u) / WG;
const MASKED: f32 = -3.0e38;

@group(0) @binding(0) var<uniform> params: Params;
// [batch·heads, N, D] row-major, read and written as vec4s (D is a multiple of 4).
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<f32>>;

// The query block (pre-scaled), then one tile: K during the score phase, V during P·V. Every
// row of both is padded by one vec4. Workgroup memory is split into 32 banks of 4 bytes, and
// lanes that read different addresses in one bank are served one after another. In the score
// loop the lanes of a subgroup read four different query rows and eight different key rows at
// the same column; with a row stride of exactly D floats (a multiple of 32) those rows would
// all start in the same bank. One extra vec4 per row shifts each row by four banks.
var<workgroup> q_s: array<vec4<f32>, BR * QS>;
var<workgroup> kv_s: array<vec4<f32>, BC * KS>;
// Scores, then probabilities, of the tile, rows padded by one float for the same reason: in
// P·V the lanes read four rows at the same key, in the softmax eight. Scalars, not vec4s:
// threads write single scores, and a write to one lane of a shared vec4 may be compiled as a
// read-modify-write of all four. (H100, N = 4096, d = 128: 14.6 → 16.7 TFLOP/s with checks,
// 17.6 → 18.1 without, from padding Q and P.)
var<workgroup> p_s: array<f32, BR * PS>;
// Partial row maxima (per tile) and partial row sums (at the end), four per row.
var<workgroup> red_s: array<f32, WG>;
// Per query row: this tile's rescale factor.
var<workgroup> alpha_s: array<f32, BR>;

// Element e of the tile of V (or K, when `is_v` is false) that starts at key kv0, or zero past
// the end.
fn load_kv(is_v: bool, base: u32, kv0: u32, e: u32) -> vec4<f32> {
    let j = kv0 + e / D4;
    if (e >= BC * D4 || j >= params.n) {
        return vec4<f32>(0.0);
    }
    if (is_v) {
        return v[base + j * D4 + e % D4];
    }
    return k[base + j * D4 + e % D4];
}

// A thread's share of a K or V tile: elements lid + i·WG for i < LOADS (at most 8), in named
// registers.
struct Tile {
    t0: vec4<f32>, t1: vec4<f32>, t2: vec4<f32>, t3: vec4<f32>,
    t4: vec4<f32>, t5: vec4<f32>, t6: vec4<f32>, t7: vec4<f32>,
}

// All of a thread's loads of one tile, issued together.
fn fetch_tile(is_v: bool, base: u32, kv0: u32, lid: u32) -> Tile {
    let z = vec4<f32>(0.0);
    var t = Tile(z, z, z, z, z, z, z, z);
    t.t0 = load_kv(is_v, base, kv0, lid);
    if (LOADS > 1u) { t.t1 = load_kv(is_v, base, kv0, lid + WG); }
    if (LOADS > 2u) { t.t2 = load_kv(is_v, base, kv0, lid + 2u * WG); }
    if (LOADS > 3u) { t.t3 = load_kv(is_v, base, kv0, lid + 3u * WG); }
    if (LOADS > 4u) { t.t4 = load_kv(is_v, base, kv0, lid + 4u * WG); }
    if (LOADS > 5u) { t.t5 = load_kv(is_v, base, kv0, lid + 5u * WG); }
    if (LOADS > 6u) { t.t6 = load_kv(is_v, base, kv0, lid + 6u * WG); }
    if (LOADS > 7u) { t.t7 = load_kv(is_v, base, kv0, lid + 7u * WG); }
    return t;
}

// Element e of the tile into kv_s (rows padded to KS), if it is part of the tile.
fn put_tile(e: u32, x: vec4<f32>) {
    if (e < BC * D4) {
        kv_s[(e / D4) * KS + e % D4] = x;
    }
}

fn store_tile(t: Tile, lid: u32) {
    put_tile(lid, t.t0);
    if (LOADS > 1u) { put_tile(lid + WG, t.t1); }
    if (LOADS > 2u) { put_tile(lid + 2u * WG, t.t2); }
    if (LOADS > 3u) { put_tile(lid + 3u * WG, t.t3); }
    if (LOADS > 4u) { put_tile(lid + 4u * WG, t.t4); }
    if (LOADS > 5u) { put_tile(lid + 5u * WG, t.t5); }
    if (LOADS > 6u) { put_tile(lid + 6u * WG, t.t6); }
    if (LOADS > 7u) { put_tile(lid + 7u * WG, t.t7); }
}

// Score s of query row r against key column c of the tile, or MASKED where the key is padding
// or (causal) in the future.
fn masked(s: f32, r: u32, c: u32, q0: u32, kv0: u32) -> f32 {
    let i = q0 + r;
    let j = kv0 + c;
    return select(MASKED, s, j < params.n && (params.causal == 0u || j <= i));
}

fn put_score(r: u32, c: u32, s: f32) {
    p_s[r * PS + c] = s;
}

fn get4(i: u32) -> vec4<f32> {
    return vec4<f32>(p_s[i], p_s[i + 1u], p_s[i + 2u], p_s[i + 3u]);
}
fn set4(i: u32, x: vec4<f32>) {
    p_s[i] = x.x;
    p_s[i + 1u] = x.y;
    p_s[i + 2u] = x.z;
    p_s[i + 3u] = x.w;
}

fn max4(x: vec4<f32>) -> f32 {
    return max(max(x.x, x.y), max(x.z, x.w));
}

// A thread's scores: rows ty (s0k) and ty + 16 (s1k) against key columns tx + 8k.
struct Scores {
    s00: f32, s01: f32, s02: f32, s03: f32,
    s10: f32, s11: f32, s12: f32, s13: f32,
}

// Adds vec4 column c of the query rows and key tile to the thread's scores.
fn add_column(sc: ptr<function, Scores>, ty: u32, tx: u32, c: u32) {
    let a0 = q_s[ty * QS + c];
    let a1 = q_s[(ty + 16u) * QS + c];
    let b0 = kv_s[tx * KS + c];
    let b1 = kv_s[(tx + 8u) * KS + c];
    (*sc).s00 += dot(a0, b0); (*sc).s01 += dot(a0, b1);
    (*sc).s10 += dot(a1, b0); (*sc).s11 += dot(a1, b1);
    if (BC == 32u) {
        let b2 = kv_s[(tx + 16u) * KS + c];
        let b3 = kv_s[(tx + 24u) * KS + c];
        (*sc).s02 += dot(a0, b2); (*sc).s03 += dot(a0, b3);
        (*sc).s12 += dot(a1, b2); (*sc).s13 += dot(a1, b3);
    }
}

// A thread's output block: rows ty (o0k) and ty + 16 (o1k), vec4 columns tx + 8k.
struct Out {
    o00: vec4<f32>, o01: vec4<f32>, o02: vec4<f32>, o03: vec4<f32>,
    o10: vec4<f32>, o11: vec4<f32>, o12: vec4<f32>, o13: vec4<f32>,
}

// Adds one key's value row (from kv_s[vr], vec4 columns tx + 8k) times its probabilities for
// the thread's two rows, pa and pb.
fn add_key(acc: ptr<function, Out>, pa: f32, pb: f32, vr: u32) {
    let a = vec4<f32>(pa);
    let b = vec4<f32>(pb);
    let w0 = kv_s[vr];
    (*acc).o00 = fma(a, w0, (*acc).o00); (*acc).o10 = fma(b, w0, (*acc).o10);
    if (D4 > 8u) {
        let w1 = kv_s[vr + 8u];
        (*acc).o01 = fma(a, w1, (*acc).o01); (*acc).o11 = fma(b, w1, (*acc).o11);
    }
    if (D4 > 16u) {
        let w2 = kv_s[vr + 16u];
        (*acc).o02 = fma(a, w2, (*acc).o02); (*acc).o12 = fma(b, w2, (*acc).o12);
    }
    if (D4 > 24u) {
        let w3 = kv_s[vr + 24u];
        (*acc).o03 = fma(a, w3, (*acc).o03); (*acc).o13 = fma(b, w3, (*acc).o13);
    }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let head = wg.y;
    let q0 = wg.x * BR;
    let n = params.n;
    let base = head * n * D4;

    let qscale = params.scale * LOG2E;
    for (var e = lid; e < BR * D4; e += WG) {
        let i = q0 + e / D4;
        var val = vec4<f32>(0.0);
        if (i < n) {
            val = q[base + i * D4 + e % D4] * qscale;
        }
        q_s[(e / D4) * QS + e % D4] = val;
    }
    let tx = lid % 8u;
    let ty = lid / 8u;
    // Softmax role: a quarter (BC/4 scores) of row sr.
    let sr = lid / 4u;
    let sq = lid % 4u;
    let pq = sr * PS + sq * (BC / 4u);
    // The row's running maximum (the same in the row's four threads) and this quarter's share
    // of its running sum.
    var m_run = MASKED;
    var l_part = 0.0;
    // The output block, in named registers (struct fields): a loop-indexed array here can end
    // up in slow local memory when the driver keeps wgpu's bounds checks.
    let z = vec4<f32>(0.0);
    var acc = Out(z, z, z, z, z, z, z, z);

    // Under the causal mask, keys after the block's last query contribute nothing: stop there.
    let kv_end = select(n, min(n, q0 + BR), params.causal == 1u);
    for (var kv0 = 0u; kv0 < kv_end; kv0 += BC) {
        // Start reading this tile's K and V now, into registers, all loads at once: K's wait
        // overlaps the barrier, V's the scores. (Loaded one per loop trip, each load would wait
        // for the store of the one before.)
        let vt = fetch_tile(true, base, kv0, lid);
        let kt = fetch_tile(false, base, kv0, lid);
        // Everyone is done with the previous tile's V and probabilities (and, the first time,
        // the Q block is complete).
        workgroupBarrier();
        store_tile(kt, lid);
        workgroupBarrier();

        // Scores: rows ty and ty + 16 against key columns tx, tx + 8 (, tx + 16, tx + 24).
        // Four vec4 columns per trip, written out (D4 is a multiple of 8): in checked modules
        // wgpu guards every loop, and the driver then does not unroll it for us.
        var sc = Scores(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        for (var c = 0u; c < 0u; c += 4u) {
            add_column(&sc, ty, tx, c);
            add_column(&sc, ty, tx, c + 1u);
            add_column(&sc, ty, tx, c + 2u);
            add_column(&sc, ty, tx, c + 3u);
        }
        let s00 = sc.s00; let s01 = sc.s01; let s02 = sc.s02; let s03 = sc.s03;
        let s10 = sc.s10; let s11 = sc.s11; let s12 = sc.s12; let s13 = sc.s13;
        put_score(ty, tx, masked(s00, ty, tx, q0, kv0));
        put_score(ty, tx + 8u, masked(s01, ty, tx + 8u, q0, kv0));
        put_score(ty + 16u, tx, masked(s10, ty + 16u, tx, q0, kv0));
        put_score(ty + 16u, tx + 8u, masked(s11, ty + 16u, tx + 8u, q0, kv0));
        if (BC == 32u) {
            put_score(ty, tx + 16u, masked(s02, ty, tx + 16u, q0, kv0));
            put_score(ty, tx + 24u, masked(s03, ty, tx + 24u, q0, kv0));
            put_score(ty + 16u, tx + 16u, masked(s12, ty + 16u, tx + 16u, q0, kv0));
            put_score(ty + 16u, tx + 24u, masked(s13, ty + 16u, tx + 24u, q0, kv0));
        }
        // All scores are written, and nobody reads K any more: V can take its place.
        workgroupBarrier();
        store_tile(vt, lid);

        // Online softmax. Each thread's quarter-row maximum, then the row's over four threads.
        let pa = get4(pq);
        var pb = vec4<f32>(MASKED);
        if (BC == 32u) {
            pb = get4(pq + 4u);
        }
        red_s[lid] = max(max4(pa), max4(pb));
        workgroupBarrier();
        let r4 = sr * 4u;
        let m_new = max(m_run, max(max(red_s[r4], red_s[r4 + 1u]), max(red_s[r4 + 2u], red_s[r4 + 3u])));
        let alpha = exp2(m_run - m_new);
        m_run = m_new;
        let ea = exp2(pa - vec4<f32>(m_new));
        set4(pq, ea);
        var sum = dot(ea, vec4<f32>(1.0));
        if (BC == 32u) {
            let eb = exp2(pb - vec4<f32>(m_new));
            set4(pq + 4u, eb);
            sum += dot(eb, vec4<f32>(1.0));
        }
        l_part = l_part * alpha + sum;
        if (sq == 0u) {
            alpha_s[sr] = alpha;
        }
        // Probabilities, factors and the V tile are all in place.
        workgroupBarrier();

        // Rescale the running output and add this tile: o = α·o + Σ_j P[row, j] · V[j].
        let al0 = alpha_s[ty];
        let al1 = alpha_s[ty + 16u];
        acc.o00 *= al0; acc.o01 *= al0; acc.o02 *= al0; acc.o03 *= al0;
        acc.o10 *= al1; acc.o11 *= al1; acc.o12 *= al1; acc.o13 *= al1;
        for (var j4 = 0u; j4 < BC4; j4++) {
            let p0 = get4(ty * PS + j4 * 4u);
            let p1 = get4((ty + 16u) * PS + j4 * 4u);
            // The four keys of p0 and p1 written out, not looped over: p0[jj] with a loop
            // index is a dynamically indexed vector, which (when the driver does not unroll
            // the loop, as with wgpu's loop guards in checked modules) lives in local memory.
            let vr = j4 * 4u * KS + tx;
            add_key(&acc, p0.x, p1.x, vr);
            add_key(&acc, p0.y, p1.y, vr + KS);
            add_key(&acc, p0.z, p1.z, vr + 2u * KS);
            add_key(&acc, p0.w, p1.w, vr + 3u * KS);
        }
    }
    // Every row's sum is the total of its four quarters.
    workgroupBarrier();
    red_s[lid] = l_part;
    workgroupBarrier();
    let l0 = red_s[ty * 4u] + red_s[ty * 4u + 1u] + red_s[ty * 4u + 2u] + red_s[ty * 4u + 3u];
    let r1 = (ty + 16u) * 4u;
    let l1 = red_s[r1] + red_s[r1 + 1u] + red_s[r1 + 2u] + red_s[r1 + 3u];
    let i0 = q0 + ty;
    if (i0 < n) {
        let out = base + i0 * D4 + tx;
        let inv = 1.0 / l0;
        o[out] = acc.o00 * inv;
        if (D4 > 8u) { o[out + 8u] = acc.o01 * inv; }
        if (D4 > 16u) { o[out + 16u] = acc.o02 * inv; }
        if (D4 > 24u) { o[out + 24u] = acc.o03 * inv; }
    }
    let i1 = q0 + ty + 16u;
    if (i1 < n) {
        let out = base + i1 * D4 + tx;
        let inv = 1.0 / l1;
        o[out] = acc.o10 * inv;
        if (D4 > 8u) { o[out + 8u] = acc.o11 * inv; }
        if (D4 > 16u) { o[out + 16u] = acc.o12 * inv; }
        if (D4 > 24u) { o[out + 24u] = acc.o13 * inv; }
    }
}

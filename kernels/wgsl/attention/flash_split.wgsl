// FlashAttention in FP32 on the tensor cores: O = softmax(Q·Kᵀ / √d) · V with Q, K, V and O all
// f32, to about the accuracy of f32 arithmetic, from f16 cooperative matrices. Native only, with
// the requirements of matmul/coop_split.wgsl (wgpu's experimental cooperative matrices,
// `shader-f16`, `subgroups` of 32 lanes, the 16×16×16 f16 → f32 shape in the adapter's list).
//
// It is flash.wgsl's algorithm (a block of queries stays on chip while K and V stream through
// in tiles, with an online softmax) with both products done as in matmul/coop_split.wgsl: each
// f32 value x is split into two f16 halves, hi (x rounded to 11 significant bits) and
// lo = x − hi, and a·b becomes hi(a)·hi(b) + hi(a)·lo(b) + lo(a)·hi(b), three tensor-core
// products summed in f32. Unlike coop_split, the three products share one accumulator and lo is
// not scaled up: a second set of accumulators would not fit in registers beside the output's
// (see below). So lo becomes an f16 subnormal for values more than about 2¹⁷ below their
// tensor's largest; such a value then errs by at most 2⁻²⁴ in scaled units (f16's smallest
// step), at most 2⁻³⁸ of that largest value, far inside the error bound of an f32 kernel.
//
// Scaling. f16 only reaches 65504, so a first pass (`absmax`) finds the largest |value| of Q, of
// K and of V, and each tensor is scaled by a power of two that brings its largest value into
// [2¹⁴, 2¹⁵) (Q is then also multiplied by log₂e/√d, below, which is less than 1). Powers of
// two scale exactly, and the scales are taken out again where the scores are read (Q's and
// K's) and where O is written (V's). The probabilities P are scaled by 2¹⁰ before they are split (P·2¹⁰ ≤ 2¹⁵:
// see TAU), so that their lo halves stay normal down to P = 2⁻¹³; the running sum l is kept in
// the same units, so the factor cancels in O = (P·V) / l.
//
// Scores are in base 2, as in flash.wgsl: Q is multiplied by log₂e/√d (in f32, before it is
// split), and exp becomes exp2.
//
// Rescaling, lazily. The output rows live in cooperative matrices, whose elements a thread
// cannot address; WGSL can only scale a whole matrix by one number. So O cannot be rescaled
// row by row at every tile, as flash.wgsl does. Instead each row keeps a reference maximum m,
// set by the first tile, and P = 2^(s − m) is used as long as no score exceeds m by more than
// TAU (P ≤ 2^TAU). Only when a score does is the row's m raised, and then (for the whole
// workgroup, a uniform decision) every output matrix makes a round trip through workgroup
// memory, where each row is scaled by its 2^(m_old − m_new). On random inputs that almost never
// happens after the first tile; the GPU tests force it with large logits. The result is the
// same softmax: any m works as long as nothing overflows.
//
// A call is three dispatches: `clear` zeroes the three maxima, `absmax` finds them, `main`
// computes attention. All three are timed.
//
// Who owns what in `main` (WARPS subgroups of 32 lanes, 16 query rows each, BR = 16·WARPS rows
// per workgroup, one (batch, head) per workgroup row of the grid):
// - A subgroup keeps its 16 rows of Q, split, as 2·D/16 f16 fragments in registers for the
//   whole kernel, and its 16×D block of O as D/16 f32 accumulators.
// - Every thread helps stage each K and V tile (BC rows): it loads 16-byte groups of 4 f32,
//   scales and splits them, and writes the hi and lo halves into workgroup memory.
// - Scores: a subgroup multiplies its Q fragments by the K tile (read transposed, as
//   column-major fragments) into 16×BC f32, which it stores into its own block of workgroup
//   memory.
// - Softmax: lane ℓ of a subgroup owns half a row of that block, row ℓ/2, columns (ℓ % 2)·BC/2
//   on; the two lanes of a row combine their maxima and sums with a shuffle. It writes P, split,
//   into workgroup memory where the K tile was.
// - P·V: a subgroup loads its P fragments and multiplies them by the V tile into O.
// - At the end each output matrix goes through workgroup memory once more, where the lanes
//   divide each row by its sum and write it to O in global memory.
//
// Every fragment's pointer and row stride are multiples of 16 bytes (Vulkan's rule for
// cooperative loads and stores): tile rows are padded by 16 bytes (which also spreads the rows
// of a fragment over the banks), fragments start at multiples of 16 elements.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) enables the subgroup builtins from the device feature.
enable wgpu_cooperative_matrix;

struct Params {
    n: u32,
    // Number of (batch, head) pairs.
    heads: u32,
    causal: u32,
    // 1/√d.
    scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
// [batch·heads, N, D] row-major, read and written as vec4s (D is a multiple of 16).
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> o: array<vec4<f32>>;
// The largest |value| of Q (0), K (1) and V (2) as f32 bit patterns (for values ≥ 0 the order
// of the bit patterns as integers is the order of the values, so `atomicMax` finds them).
@group(0) @binding(5) var<storage, read_write> amax: array<atomic<u32>, 3>;

// Pipeline-overridable, chosen and checked by the host: D a multiple of 16 up to 128, BC 16 or
// 32, WARPS 2 or 4 (`split_block` in kernels/src/attention.rs).
override D: u32 = 128u;
override BC: u32 = 32u;
override WARPS: u32 = 4u;
const SG: u32 = 32u;
const FRAG: u32 = 16u;
override BR: u32 = FRAG * WARPS;
override THREADS: u32 = WARPS * SG;
const LOG2E: f32 = 1.4426950408889634;
// A row's reference maximum is raised only when a score exceeds it by more than TAU (base 2).
const TAU: f32 = 5.0;
// P is scaled by 2^PB before it is split: P·2^PB ≤ 2^(TAU + PB) = 2¹⁵ < 65504.
const PB: f32 = 10.0;
// Masked scores: exp2 of (this − m) is 0, and max() never picks it over a real score.
const MASKED: f32 = -3.0e38;

// Row strides, padded by 16 bytes: Q, K and V rows in vec4<f16>s, score rows in vec4<f32>s,
// P rows in vec4<f16>s.
override D4: u32 = D / 4u;
override KS: u32 = D4 + 2u;
override SS: u32 = BC / 4u + 1u;
override PS: u32 = BC / 4u + 2u;
// Workgroup memory `kv`, in vec4<f16>s: the K tile (hi rows, then lo rows), which P replaces
// once the scores are taken (each subgroup's 16 hi rows then 16 lo rows), then the V tile (hi,
// lo). Before the first tile, the Q block (hi, lo) is staged there.
override K_LEN: u32 = max(2u * BC * KS, WARPS * 2u * FRAG * PS);
override V_OFF: u32 = K_LEN;
override KV_LEN: u32 = max(V_OFF + 2u * BC * KS, 2u * BR * KS);
// 16-byte groups per thread: of the Q block (rounded up) and of a K or V tile (BC·D/4 is a
// multiple of THREADS: the host checks).
override Q_LOADS: u32 = (BR * D4 + THREADS - 1u) / THREADS;
override KV_LOADS: u32 = BC * D4 / THREADS;

var<workgroup> kv: array<vec4<f16>, KV_LEN>;
// Each subgroup's 16×BC scores, later its output matrices one at a time.
var<workgroup> s_tile: array<vec4<f32>, WARPS * FRAG * SS>;
// Set when some row's maximum must be raised this tile (read with workgroupUniformLoad). Four
// words where one would do: the driver lays workgroup variables out in an order of its own, and
// one of 4 bytes can push `kv` 8 bytes off the 16-byte alignment its fragment loads need (seen
// on the H100 with a 4-byte variable beside `coop_f16`'s tiles: wrong results).
var<workgroup> grow: array<atomic<u32>, 4>;

// Step 1: the three maxima to zero (they only grow in step 2).
@compute @workgroup_size(1)
fn clear() {
    atomicStore(&amax[0], 0u);
    atomicStore(&amax[1], 0u);
    atomicStore(&amax[2], 0u);
}

fn vmax(x: vec4<f32>) -> f32 {
    let a = abs(x);
    return max(max(a.x, a.y), max(a.z, a.w));
}

// Step 2: the largest |value| of Q, K and V. Each thread walks its share of the three buffers
// with the grid's stride; a subgroup's lanes agree first, so one lane per subgroup touches the
// atomics.
@compute @workgroup_size(256)
fn absmax(@builtin(global_invocation_id) gid: vec3<u32>,
          @builtin(num_workgroups) groups: vec3<u32>,
          @builtin(subgroup_invocation_id) lane: u32) {
    let stride = groups.x * 256u;
    var mq = 0.0;
    var mk = 0.0;
    var mv = 0.0;
    for (var i = gid.x; i < arrayLength(&q); i += stride) {
        mq = max(mq, vmax(q[i]));
        mk = max(mk, vmax(k[i]));
        mv = max(mv, vmax(v[i]));
    }
    let sq = subgroupMax(mq);
    let sk = subgroupMax(mk);
    let sv = subgroupMax(mv);
    if (lane == 0u) {
        atomicMax(&amax[0], bitcast<u32>(sq));
        atomicMax(&amax[1], bitcast<u32>(sk));
        atomicMax(&amax[2], bitcast<u32>(sv));
    }
}

// As in coop_split.wgsl: the power of two e that brings a largest |value| with bit pattern
// `bits` into [2¹⁴, 2¹⁵), within [−113, 126]; 0 for an all-zero tensor or one holding inf or
// NaN (those propagate as they would in f32, and its finite values beyond 65504 become
// infinite).
fn scale_exponent(bits: u32) -> i32 {
    let biased = i32((bits >> 23u) & 0xffu);
    if (bits == 0u || biased == 255) {
        return 0;
    }
    return clamp(14 - (biased - 127), -113, 126);
}

// x rounded to f16's 11 significant bits, as an f32, on the bits (coop_split.wgsl says why not
// `f32(f16(x))`: this driver folds that round trip away).
fn hi_part(x: vec4<f32>) -> vec4<f32> {
    return bitcast<vec4<f32>>((bitcast<vec4<u32>>(x) + vec4<u32>(0x1000u)) & vec4<u32>(0xffffe000u));
}

// Writes x split: hi at kv[i], lo = x − hi (exact in f32) at kv[i + lo].
fn put(i: u32, lo: u32, x: vec4<f32>) {
    let h = hi_part(x);
    kv[i] = vec4<f16>(h);
    kv[i + lo] = vec4<f16>(x - h);
}

// A fragment of the staged Q block (its rows 16 apart by KS), starting at kv[at].
fn qfrag(at: u32) -> coop_mat16x16<f16, A> {
    let p = &kv[at];
    return coopLoadT<coop_mat16x16<f16, A>>(p, KS);
}

// One 16×16 block of scores gets the products of a Q fragment pair (hi, lo) with the K tile's
// fragment pair whose hi half starts at kv[at]: Kᵀ, read column-major from K's rows.
fn qk(s: coop_mat16x16<f32, C>, qh: coop_mat16x16<f16, A>, ql: coop_mat16x16<f16, A>,
      at: u32) -> coop_mat16x16<f32, C> {
    let ph = &kv[at];
    let pl = &kv[at + BC * KS];
    let kh = coopLoad<coop_mat16x16<f16, B>>(ph, KS);
    let kl = coopLoad<coop_mat16x16<f16, B>>(pl, KS);
    return coopMultiplyAdd(ql, kh, coopMultiplyAdd(qh, kl, coopMultiplyAdd(qh, kh, s)));
}

// One output matrix gets the products of a P fragment pair with the V tile's fragment pair
// whose hi half starts at kv[at].
fn pv(acc: coop_mat16x16<f32, C>, ph: coop_mat16x16<f16, A>, pl: coop_mat16x16<f16, A>,
      at: u32) -> coop_mat16x16<f32, C> {
    let pvh = &kv[at];
    let pvl = &kv[at + BC * KS];
    let vh = coopLoadT<coop_mat16x16<f16, B>>(pvh, KS);
    let vl = coopLoadT<coop_mat16x16<f16, B>>(pvl, KS);
    return coopMultiplyAdd(pl, vh, coopMultiplyAdd(ph, vl, coopMultiplyAdd(ph, vh, acc)));
}

// An output matrix with each of its rows multiplied by the factor that the row's lanes hold,
// through the subgroup's block of `s_tile` at `at` (lane: row `row`, 8 columns from 8·`half`).
// Called in uniform control flow only.
fn rescaled(acc: coop_mat16x16<f32, C>, at: u32, row: u32, half: u32,
            f: f32) -> coop_mat16x16<f32, C> {
    let p = &s_tile[at];
    coopStoreT(acc, p, SS);
    workgroupBarrier();
    let i = at + row * SS + 2u * half;
    s_tile[i] *= f;
    s_tile[i + 1u] *= f;
    workgroupBarrier();
    let r = coopLoadT<coop_mat16x16<f32, C>>(p, SS);
    workgroupBarrier();
    return r;
}

// Writes output matrix `frag` of the subgroup (columns 16·frag on) to row `qi` of the head whose
// rows start at `base`, each row multiplied by `f` and then by `g` (two factors: their product
// need not be a normal f32), through `s_tile` as in `rescaled`. Rows past N are not written.
fn emit(acc: coop_mat16x16<f32, C>, at: u32, row: u32, half: u32, f: f32, g: f32, frag: u32,
        qi: u32, base: u32) {
    let p = &s_tile[at];
    coopStoreT(acc, p, SS);
    workgroupBarrier();
    let i = at + row * SS + 2u * half;
    if (qi < params.n) {
        let dst = (base + qi) * D4 + frag * 4u + 2u * half;
        o[dst] = s_tile[i] * f * g;
        o[dst + 1u] = s_tile[i + 1u] * f * g;
    }
    workgroupBarrier();
}

// Step 3: attention.
@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    let n = params.n;
    // Query blocks in reverse, so that under the causal mask the longest start first.
    let r0 = (groups.x - 1u - wid.x) * BR;
    let base = wid.y * n;
    let eq = scale_exponent(atomicLoad(&amax[0]));
    let ek = scale_exponent(atomicLoad(&amax[1]));
    let ev = scale_exponent(atomicLoad(&amax[2]));
    // Q's scale includes log₂e/√d; scaling Q's largest value by 2^eq before that factor (< 1
    // for D ≥ 16) keeps the product below 2¹⁵.
    let sq = params.scale * LOG2E * ldexp(1.0, eq);
    let sk = ldexp(1.0, ek);
    let sv = ldexp(1.0, ev);

    // Stage the Q block, split, and load this subgroup's fragments.
    for (var i = 0u; i < Q_LOADS; i++) {
        let e = tid + i * THREADS;
        let r = e / D4;
        let c = e % D4;
        var x = vec4<f32>();
        if (e < BR * D4 && r0 + r < n) {
            x = q[(base + r0 + r) * D4 + c];
        }
        if (e < BR * D4) {
            put(r * KS + c, BR * KS, x * sq);
        }
    }
    workgroupBarrier();
    let qr = sg * FRAG * KS;
    var qh0: coop_mat16x16<f16, A>;
    var ql0: coop_mat16x16<f16, A>;
    var qh1: coop_mat16x16<f16, A>;
    var ql1: coop_mat16x16<f16, A>;
    var qh2: coop_mat16x16<f16, A>;
    var ql2: coop_mat16x16<f16, A>;
    var qh3: coop_mat16x16<f16, A>;
    var ql3: coop_mat16x16<f16, A>;
    var qh4: coop_mat16x16<f16, A>;
    var ql4: coop_mat16x16<f16, A>;
    var qh5: coop_mat16x16<f16, A>;
    var ql5: coop_mat16x16<f16, A>;
    var qh6: coop_mat16x16<f16, A>;
    var ql6: coop_mat16x16<f16, A>;
    var qh7: coop_mat16x16<f16, A>;
    var ql7: coop_mat16x16<f16, A>;
    qh0 = qfrag(qr);
    ql0 = qfrag(qr + BR * KS);
    if (D > 16u) {
        qh1 = qfrag(qr + 4u);
        ql1 = qfrag(qr + BR * KS + 4u);
    }
    if (D > 32u) {
        qh2 = qfrag(qr + 8u);
        ql2 = qfrag(qr + BR * KS + 8u);
    }
    if (D > 48u) {
        qh3 = qfrag(qr + 12u);
        ql3 = qfrag(qr + BR * KS + 12u);
    }
    if (D > 64u) {
        qh4 = qfrag(qr + 16u);
        ql4 = qfrag(qr + BR * KS + 16u);
    }
    if (D > 80u) {
        qh5 = qfrag(qr + 20u);
        ql5 = qfrag(qr + BR * KS + 20u);
    }
    if (D > 96u) {
        qh6 = qfrag(qr + 24u);
        ql6 = qfrag(qr + BR * KS + 24u);
    }
    if (D > 112u) {
        qh7 = qfrag(qr + 28u);
        ql7 = qfrag(qr + BR * KS + 28u);
    }

    var o0: coop_mat16x16<f32, C>;
    var o1: coop_mat16x16<f32, C>;
    var o2: coop_mat16x16<f32, C>;
    var o3: coop_mat16x16<f32, C>;
    var o4: coop_mat16x16<f32, C>;
    var o5: coop_mat16x16<f32, C>;
    var o6: coop_mat16x16<f32, C>;
    var o7: coop_mat16x16<f32, C>;

    // This lane's half row of the subgroup's score block, and its query's global index.
    let row = lane / 2u;
    let half = lane % 2u;
    let qi = r0 + sg * FRAG + row;
    let s_at = sg * FRAG * SS;
    let p_at = sg * 2u * FRAG * PS;
    // Scores come out scaled by 2^eq·2^ek; these take it out (two factors: their product
    // need not be a normal f32).
    let uq = ldexp(1.0, -eq);
    let uk = ldexp(1.0, -ek);
    // Keys this block attends to: all, or under the causal mask those up to its last row.
    var keys = n;
    if (params.causal != 0u) {
        keys = min(n, r0 + BR);
    }
    let limit = select(n, min(n, qi + 1u), params.causal != 0u);
    var m = 0.0;
    var l = 0.0;

    for (var t0 = 0u; t0 < keys; t0 += BC) {
        // The previous tile's P and V are no longer read; nobody reads `grow` any more.
        workgroupBarrier();
        if (tid == 0u) {
            atomicStore(&grow[0], 0u);
        }
        // The tile's K and V, scaled and split. The host writes this loop out (the marker
        // below), so that all of a thread's loads are issued before the first is stored: 54.2
        // against 30.0 TFLOP/s as a loop (H100, checked, N = 4096, d = 128).
        // @unroll
        for (var i = 0u; i < KV_LOADS; i++) {
            let e = tid + i * THREADS;
            let r = e / D4;
            let c = e % D4;
            var kx = vec4<f32>();
            var vx = vec4<f32>();
            if (t0 + r < n) {
                kx = k[(base + t0 + r) * D4 + c];
                vx = v[(base + t0 + r) * D4 + c];
            }
            put(r * KS + c, BC * KS, kx * sk);
            put(V_OFF + r * KS + c, BC * KS, vx * sv);
        }
        workgroupBarrier();

        // Scores: 16 rows × BC keys per subgroup, into its block of s_tile. The two column
        // blocks (s1 only when BC = 32) accumulate side by side, so that two independent chains
        // of multiply-adds can be in flight (one block after the other, each waiting for its
        // previous product: 46.9 against 54.6 TFLOP/s checked, H100, N = 4096, d = 128).
        var s0: coop_mat16x16<f32, C>;
        var s1: coop_mat16x16<f32, C>;
        let kb1 = FRAG * KS;
        s0 = qk(s0, qh0, ql0, 0u);
        if (BC > 16u) { s1 = qk(s1, qh0, ql0, kb1); }
        if (D > 16u) {
            s0 = qk(s0, qh1, ql1, 4u);
            if (BC > 16u) { s1 = qk(s1, qh1, ql1, kb1 + 4u); }
        }
        if (D > 32u) {
            s0 = qk(s0, qh2, ql2, 8u);
            if (BC > 16u) { s1 = qk(s1, qh2, ql2, kb1 + 8u); }
        }
        if (D > 48u) {
            s0 = qk(s0, qh3, ql3, 12u);
            if (BC > 16u) { s1 = qk(s1, qh3, ql3, kb1 + 12u); }
        }
        if (D > 64u) {
            s0 = qk(s0, qh4, ql4, 16u);
            if (BC > 16u) { s1 = qk(s1, qh4, ql4, kb1 + 16u); }
        }
        if (D > 80u) {
            s0 = qk(s0, qh5, ql5, 20u);
            if (BC > 16u) { s1 = qk(s1, qh5, ql5, kb1 + 20u); }
        }
        if (D > 96u) {
            s0 = qk(s0, qh6, ql6, 24u);
            if (BC > 16u) { s1 = qk(s1, qh6, ql6, kb1 + 24u); }
        }
        if (D > 112u) {
            s0 = qk(s0, qh7, ql7, 28u);
            if (BC > 16u) { s1 = qk(s1, qh7, ql7, kb1 + 28u); }
        }
        let sp0 = &s_tile[s_at];
        coopStoreT(s0, sp0, SS);
        if (BC > 16u) {
            let sp1 = &s_tile[s_at + 4u];
            coopStoreT(s1, sp1, SS);
        }
        workgroupBarrier();

        // Softmax on this lane's BC/2 scores: four (or two) vec4s.
        let si = s_at + row * SS + half * (BC / 8u);
        let key0 = t0 + half * (BC / 2u);
        let kvec = vec4<u32>(0u, 1u, 2u, 3u);
        var x0 = s_tile[si] * uq * uk;
        var x1 = s_tile[si + 1u] * uq * uk;
        x0 = select(x0, vec4<f32>(MASKED), kvec + key0 >= vec4<u32>(limit));
        x1 = select(x1, vec4<f32>(MASKED), kvec + (key0 + 4u) >= vec4<u32>(limit));
        var x2 = vec4<f32>(MASKED);
        var x3 = vec4<f32>(MASKED);
        if (BC > 16u) {
            x2 = select(s_tile[si + 2u] * uq * uk, vec4<f32>(MASKED),
                        kvec + (key0 + 8u) >= vec4<u32>(limit));
            x3 = select(s_tile[si + 3u] * uq * uk, vec4<f32>(MASKED),
                        kvec + (key0 + 12u) >= vec4<u32>(limit));
        }
        let mx = max(max(x0, x1), max(x2, x3));
        var top = max(max(mx.x, mx.y), max(mx.z, mx.w));
        top = max(top, subgroupShuffleXor(top, 1u));
        var alpha = 1.0;
        if (t0 == 0u) {
            // Key 0 is in every row's range, so the first tile's maximum is a real score.
            m = top;
        } else if (top > m + TAU) {
            alpha = exp2(m - top);
            m = top;
            atomicStore(&grow[0], 1u);
        }
        let off = PB - m;
        let p0 = exp2(x0 + off);
        let p1 = exp2(x1 + off);
        let p2 = exp2(x2 + off);
        let p3 = exp2(x3 + off);
        let ps = (p0 + p1) + (p2 + p3);
        l = l * alpha + (ps.x + ps.y) + (ps.z + ps.w);
        // P, split, where the K tile was: every subgroup has finished its scores.
        let pi = p_at + row * PS + half * (BC / 8u);
        put(pi, FRAG * PS, p0);
        put(pi + 1u, FRAG * PS, p1);
        if (BC > 16u) {
            put(pi + 2u, FRAG * PS, p2);
            put(pi + 3u, FRAG * PS, p3);
        }
        // A barrier too: P is visible to the whole subgroup after it.
        if (workgroupUniformLoad(&grow[0]) != 0u) {
            o0 = rescaled(o0, s_at, row, half, alpha);
            if (D > 16u) { o1 = rescaled(o1, s_at, row, half, alpha); }
            if (D > 32u) { o2 = rescaled(o2, s_at, row, half, alpha); }
            if (D > 48u) { o3 = rescaled(o3, s_at, row, half, alpha); }
            if (D > 64u) { o4 = rescaled(o4, s_at, row, half, alpha); }
            if (D > 80u) { o5 = rescaled(o5, s_at, row, half, alpha); }
            if (D > 96u) { o6 = rescaled(o6, s_at, row, half, alpha); }
            if (D > 112u) { o7 = rescaled(o7, s_at, row, half, alpha); }
        }

        // O += P·V.
        for (var c = 0u; c < BC / FRAG; c++) {
            let h = &kv[p_at + c * 4u];
            let lo = &kv[p_at + FRAG * PS + c * 4u];
            let ph = coopLoadT<coop_mat16x16<f16, A>>(h, PS);
            let pl = coopLoadT<coop_mat16x16<f16, A>>(lo, PS);
            let vb = V_OFF + c * FRAG * KS;
            o0 = pv(o0, ph, pl, vb);
            if (D > 16u) { o1 = pv(o1, ph, pl, vb + 4u); }
            if (D > 32u) { o2 = pv(o2, ph, pl, vb + 8u); }
            if (D > 48u) { o3 = pv(o3, ph, pl, vb + 12u); }
            if (D > 64u) { o4 = pv(o4, ph, pl, vb + 16u); }
            if (D > 80u) { o5 = pv(o5, ph, pl, vb + 20u); }
            if (D > 96u) { o6 = pv(o6, ph, pl, vb + 24u); }
            if (D > 112u) { o7 = pv(o7, ph, pl, vb + 28u); }
        }
    }

    // O = (P·V) / l, with V's scale taken out: each row's two lanes hold half of its sum.
    let total = l + subgroupShuffleXor(l, 1u);
    let f = 1.0 / total;
    let g = ldexp(1.0, -ev);
    // Every subgroup is done with its block of s_tile (the last tile's softmax read it before
    // the uniform load; a rescale ends with a barrier).
    emit(o0, s_at, row, half, f, g, 0u, qi, base);
    if (D > 16u) { emit(o1, s_at, row, half, f, g, 1u, qi, base); }
    if (D > 32u) { emit(o2, s_at, row, half, f, g, 2u, qi, base); }
    if (D > 48u) { emit(o3, s_at, row, half, f, g, 3u, qi, base); }
    if (D > 64u) { emit(o4, s_at, row, half, f, g, 4u, qi, base); }
    if (D > 80u) { emit(o5, s_at, row, half, f, g, 5u, qi, base); }
    if (D > 96u) { emit(o6, s_at, row, half, f, g, 6u, qi, base); }
    if (D > 112u) { emit(o7, s_at, row, half, f, g, 7u, qi, base); }
}

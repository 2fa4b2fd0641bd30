// Cooperative-matrix matrix multiply (tensor cores): C = A · B with A (M×K) and B (K×N) stored as
// f16, C (M×N) as f32, all row-major. Native only: needs wgpu's experimental
// `EXPERIMENTAL_COOPERATIVE_MATRIX` feature (plus `shader-f16` and `subgroups`), and runs only
// when the adapter lists the 16×16×16 f16 → f32 configuration (the host checks: wgpu does not,
// and an unlisted shape silently returns garbage).
//
// A cooperative matrix is a small matrix held collectively by the lanes of one subgroup (a warp:
// 32 lanes on NVIDIA): no lane knows which elements it holds, only the subgroup as a whole.
// `coopLoadT` fills one from memory, `coopMultiplyAdd(a, b, c)` computes a·b + c for a 16×16×16
// fragment in one hardware instruction sequence (4096 fmas), and `coopStoreT` writes it back.
// (`T`: the matrix is read or written row-major, like our buffers; plain `coopLoad` is
// column-major.) Every lane of the subgroup must reach each of these calls together, so none of
// them sits under a branch that depends on the lane.
//
// Who owns what.
// - A workgroup owns a BM×BN block of C and walks K in steps of BK.
// - Each subgroup owns a 32×32 sub-block of C: 2×2 fragments of 16×16, held in four f32
//   accumulator matrices that stay on chip for the whole walk along K.
// - Every thread of the workgroup helps stage the BM×BK block of A and the BK×BN block of B in
//   workgroup memory, converting nothing (they stay f16) but writing zeros outside A and B. That
//   zero padding is how ragged M, N and K work: a fragment that hangs over an edge multiplies
//   zeros, and the tensor cores never see a partial fragment.
// - At the end each subgroup stores its fragments, one at a time, into its own 16×16 f32 staging
//   area in workgroup memory, and its lanes copy the elements that lie inside C to global
//   memory with ordinary bounds-checked stores (`coopStoreT` straight to C would write past the
//   edges of a ragged C).
//
// Alignment: Vulkan wants the pointer and the row stride of a cooperative load or store aligned
// to 16 bytes. Every fragment here starts at a multiple of 16 elements of a row-major tile whose
// row length (BK or BN for f16, 16 for the f32 staging) is a multiple of 16 elements.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) does not accept that directive yet and enables the
// subgroup builtins from the device feature instead.
enable wgpu_cooperative_matrix;

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f16>;
@group(0) @binding(2) var<storage, read> b: array<f16>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// The fragment shape (M = N = K = 16) and the sub-block of C one subgroup owns (2×2 fragments).
const FRAG: u32 = 16u;
const WARP_BLOCK: u32 = 32u;
// Workgroup block, pipeline-overridable: BM and BN multiples of 32, BK a multiple of 16, chosen
// by the host from the adapter's limits. SG is the adapter's subgroup size (the host refuses
// adapters where it varies), so the workgroup is exactly WARPS whole subgroups.
override BM: u32 = 64u;
override BN: u32 = 64u;
override BK: u32 = 32u;
override SG: u32 = 32u;
override WARPS: u32 = (BM / WARP_BLOCK) * (BN / WARP_BLOCK);
override THREADS: u32 = WARPS * SG;

// Workgroup memory. The f16 blocks of A (BM×BK, row stride BK) and B (BK×BN, row stride BN),
// rewritten every step of K: (BM + BN)·BK·2 bytes, 8 KiB at 64, 64, 32. And one 16×16 f32
// staging fragment per subgroup for the final stores: 1 KiB per subgroup.
var<workgroup> a_tile: array<f16, BM * BK>;
var<workgroup> b_tile: array<f16, BK * BN>;
var<workgroup> c_stage: array<f32, WARPS * FRAG * FRAG>;

// Copies subgroup `sg`'s staged fragment to C at (row, col), skipping elements outside C. The
// subgroup's lanes take every SG-th element.
fn copy_out(sg: u32, lane: u32, row: u32, col: u32) {
    for (var e = lane; e < FRAG * FRAG; e += SG) {
        let r = row + e / FRAG;
        let cc = col + e % FRAG;
        if (r < params.m && cc < params.n) {
            c[r * params.n + cc] = c_stage[sg * FRAG * FRAG + e];
        }
    }
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32) {
    let row0 = wid.y * BM;
    let col0 = wid.x * BN;
    // This subgroup's 32×32 sub-block, relative to the workgroup block.
    let wr = (sg / (BN / WARP_BLOCK)) * WARP_BLOCK;
    let wc = (sg % (BN / WARP_BLOCK)) * WARP_BLOCK;

    // The four accumulators (rows wr, wr + 16 × columns wc, wc + 16), zero to start. They are
    // named rather than an array so each surely stays in registers.
    var acc00: coop_mat16x16<f32, C>;
    var acc01: coop_mat16x16<f32, C>;
    var acc10: coop_mat16x16<f32, C>;
    var acc11: coop_mat16x16<f32, C>;

    for (var t = 0u; t < params.k; t += BK) {
        // Stage the blocks of A and B: consecutive threads take consecutive elements of a row
        // (coalesced). Zero outside the matrices.
        for (var i = tid; i < BM * BK; i += THREADS) {
            let r = row0 + i / BK;
            let kk = t + i % BK;
            var v = 0.0h;
            if (r < params.m && kk < params.k) {
                v = a[r * params.k + kk];
            }
            a_tile[i] = v;
        }
        for (var i = tid; i < BK * BN; i += THREADS) {
            let kk = t + i / BN;
            let cc = col0 + i % BN;
            var v = 0.0h;
            if (kk < params.k && cc < params.n) {
                v = b[kk * params.n + cc];
            }
            b_tile[i] = v;
        }
        // The blocks must be complete before any subgroup loads a fragment from them.
        workgroupBarrier();
        for (var kk = 0u; kk < BK; kk += FRAG) {
            // Two fragments of A (rows wr and wr + 16, depths kk..kk+15) and two of B (depths
            // kk..kk+15, columns wc and wc + 16), each loaded once and used twice.
            let pa0 = &a_tile[wr * BK + kk];
            let pa1 = &a_tile[(wr + FRAG) * BK + kk];
            let pb0 = &b_tile[kk * BN + wc];
            let pb1 = &b_tile[kk * BN + wc + FRAG];
            let a0 = coopLoadT<coop_mat16x16<f16, A>>(pa0, BK);
            let a1 = coopLoadT<coop_mat16x16<f16, A>>(pa1, BK);
            let b0 = coopLoadT<coop_mat16x16<f16, B>>(pb0, BN);
            let b1 = coopLoadT<coop_mat16x16<f16, B>>(pb1, BN);
            acc00 = coopMultiplyAdd(a0, b0, acc00);
            acc01 = coopMultiplyAdd(a0, b1, acc01);
            acc10 = coopMultiplyAdd(a1, b0, acc10);
            acc11 = coopMultiplyAdd(a1, b1, acc11);
        }
        // Every subgroup must finish reading the blocks before the next step overwrites them.
        workgroupBarrier();
    }

    // Out through the staging fragment, one accumulator at a time. Each store is followed by a
    // barrier (the lanes that copy an element are not the ones that stored it: nobody knows which
    // lane holds what), and each copy by another (the next store reuses the staging area). The
    // value and the pointer are bound with `let` first: naga mishandled some inline forms.
    let stage = &c_stage[sg * FRAG * FRAG];
    let r0 = row0 + wr;
    let c0 = col0 + wc;
    let v00 = acc00;
    coopStoreT(v00, stage, FRAG);
    workgroupBarrier();
    copy_out(sg, lane, r0, c0);
    workgroupBarrier();
    let v01 = acc01;
    coopStoreT(v01, stage, FRAG);
    workgroupBarrier();
    copy_out(sg, lane, r0, c0 + FRAG);
    workgroupBarrier();
    let v10 = acc10;
    coopStoreT(v10, stage, FRAG);
    workgroupBarrier();
    copy_out(sg, lane, r0 + FRAG, c0);
    workgroupBarrier();
    let v11 = acc11;
    coopStoreT(v11, stage, FRAG);
    workgroupBarrier();
    copy_out(sg, lane, r0 + FRAG, c0 + FRAG);
}

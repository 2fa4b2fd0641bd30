// Experiment (timing only, 4096³: no edges handled): coop_f16 with every fragment loaded by
// coopLoadT straight from the storage buffers, no workgroup memory and no barrier. Each step's
// fragments are loaded one step ahead (AHEAD = 1) or two (AHEAD = 2, a second set of fragments).
enable f16;
enable wgpu_cooperative_matrix;

struct Params { m: u32, n: u32, k: u32, a_row: u32, b_row: u32, c_row: u32, }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f16>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f16>>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

const FRAG: u32 = 16u;
override BM: u32 = 128u;
override BN: u32 = 256u;
override BK: u32 = 16u;
override SG: u32 = 32u;
const WM: u32 = 64u;
override WN: u32 = 64u;
override WARPS: u32 = (BM / WM) * (BN / WN);
override THREADS: u32 = WARPS * SG;

fn put(v: coop_mat16x16<f32, C>, row: u32, col: u32) {
    let c_row = params.c_row;
    let p = &c[row * c_row + col];
    coopStoreT(v, p, c_row);
}

@compute @workgroup_size(THREADS)
fn main(@builtin(workgroup_id) wid: vec3<u32>,
        @builtin(subgroup_id) sg: u32) {
    let row0 = wid.y * BM + (sg / (BN / WN)) * WM;
    let col0 = wid.x * BN + (sg % (BN / WN)) * WN;
    let ar = params.a_row;
    let br = params.b_row;
    let last = params.k - BK;
    var acc00: coop_mat16x16<f32, C>; var acc01: coop_mat16x16<f32, C>;
    var acc02: coop_mat16x16<f32, C>; var acc03: coop_mat16x16<f32, C>;
    var acc10: coop_mat16x16<f32, C>; var acc11: coop_mat16x16<f32, C>;
    var acc12: coop_mat16x16<f32, C>; var acc13: coop_mat16x16<f32, C>;
    var acc20: coop_mat16x16<f32, C>; var acc21: coop_mat16x16<f32, C>;
    var acc22: coop_mat16x16<f32, C>; var acc23: coop_mat16x16<f32, C>;
    var acc30: coop_mat16x16<f32, C>; var acc31: coop_mat16x16<f32, C>;
    var acc32: coop_mat16x16<f32, C>; var acc33: coop_mat16x16<f32, C>;

    let i_pa0 = row0 * ar;
    let pa0 = &a[i_pa0];
    let i_pa1 = (row0 + 16u) * ar;
    let pa1 = &a[i_pa1];
    let i_pa2 = (row0 + 32u) * ar;
    let pa2 = &a[i_pa2];
    let i_pa3 = (row0 + 48u) * ar;
    let pa3 = &a[i_pa3];
    var ca0: coop_mat16x16<f16, A>;
    ca0 = coopLoadT<coop_mat16x16<f16, A>>(pa0, ar);
    var ca1: coop_mat16x16<f16, A>;
    ca1 = coopLoadT<coop_mat16x16<f16, A>>(pa1, ar);
    var ca2: coop_mat16x16<f16, A>;
    ca2 = coopLoadT<coop_mat16x16<f16, A>>(pa2, ar);
    var ca3: coop_mat16x16<f16, A>;
    ca3 = coopLoadT<coop_mat16x16<f16, A>>(pa3, ar);
    let i_pb0 = col0 / 4u;
    let pb0 = &b[i_pb0];
    let i_pb1 = (col0 + 16u) / 4u;
    let pb1 = &b[i_pb1];
    let i_pb2 = (col0 + 32u) / 4u;
    let pb2 = &b[i_pb2];
    let i_pb3 = (col0 + 48u) / 4u;
    let pb3 = &b[i_pb3];
    var cb0: coop_mat16x16<f16, B>;
    cb0 = coopLoadT<coop_mat16x16<f16, B>>(pb0, br);
    var cb1: coop_mat16x16<f16, B>;
    cb1 = coopLoadT<coop_mat16x16<f16, B>>(pb1, br);
    var cb2: coop_mat16x16<f16, B>;
    cb2 = coopLoadT<coop_mat16x16<f16, B>>(pb2, br);
    var cb3: coop_mat16x16<f16, B>;
    cb3 = coopLoadT<coop_mat16x16<f16, B>>(pb3, br);
    for (var t = 0u; t < params.k; t += BK) {
        let kn = min(t + BK, last);
        let i_qa0 = row0 * ar + kn / 4u;
        let qa0 = &a[i_qa0];
        let i_qa1 = (row0 + 16u) * ar + kn / 4u;
        let qa1 = &a[i_qa1];
        let i_qa2 = (row0 + 32u) * ar + kn / 4u;
        let qa2 = &a[i_qa2];
        let i_qa3 = (row0 + 48u) * ar + kn / 4u;
        let qa3 = &a[i_qa3];
        let i_qb0 = kn * br + col0 / 4u;
        let qb0 = &b[i_qb0];
        let i_qb1 = kn * br + (col0 + 16u) / 4u;
        let qb1 = &b[i_qb1];
        let i_qb2 = kn * br + (col0 + 32u) / 4u;
        let qb2 = &b[i_qb2];
        let i_qb3 = kn * br + (col0 + 48u) / 4u;
        let qb3 = &b[i_qb3];
        let nb0 = coopLoadT<coop_mat16x16<f16, B>>(qb0, br);
        let nb1 = coopLoadT<coop_mat16x16<f16, B>>(qb1, br);
        let nb2 = coopLoadT<coop_mat16x16<f16, B>>(qb2, br);
        let nb3 = coopLoadT<coop_mat16x16<f16, B>>(qb3, br);
        let na0 = coopLoadT<coop_mat16x16<f16, A>>(qa0, ar);
        acc00 = coopMultiplyAdd(ca0, cb0, acc00);
        acc01 = coopMultiplyAdd(ca0, cb1, acc01);
        acc02 = coopMultiplyAdd(ca0, cb2, acc02);
        acc03 = coopMultiplyAdd(ca0, cb3, acc03);
        let na1 = coopLoadT<coop_mat16x16<f16, A>>(qa1, ar);
        acc10 = coopMultiplyAdd(ca1, cb0, acc10);
        acc11 = coopMultiplyAdd(ca1, cb1, acc11);
        acc12 = coopMultiplyAdd(ca1, cb2, acc12);
        acc13 = coopMultiplyAdd(ca1, cb3, acc13);
        let na2 = coopLoadT<coop_mat16x16<f16, A>>(qa2, ar);
        acc20 = coopMultiplyAdd(ca2, cb0, acc20);
        acc21 = coopMultiplyAdd(ca2, cb1, acc21);
        acc22 = coopMultiplyAdd(ca2, cb2, acc22);
        acc23 = coopMultiplyAdd(ca2, cb3, acc23);
        let na3 = coopLoadT<coop_mat16x16<f16, A>>(qa3, ar);
        acc30 = coopMultiplyAdd(ca3, cb0, acc30);
        acc31 = coopMultiplyAdd(ca3, cb1, acc31);
        acc32 = coopMultiplyAdd(ca3, cb2, acc32);
        acc33 = coopMultiplyAdd(ca3, cb3, acc33);
        ca0 = na0; ca1 = na1; ca2 = na2; ca3 = na3;
        cb0 = nb0; cb1 = nb1; cb2 = nb2; cb3 = nb3;
    }
    put(acc00, row0 + 0u, col0 + 0u);
    put(acc01, row0 + 0u, col0 + 16u);
    put(acc02, row0 + 0u, col0 + 32u);
    put(acc03, row0 + 0u, col0 + 48u);
    put(acc10, row0 + 16u, col0 + 0u);
    put(acc11, row0 + 16u, col0 + 16u);
    put(acc12, row0 + 16u, col0 + 32u);
    put(acc13, row0 + 16u, col0 + 48u);
    put(acc20, row0 + 32u, col0 + 0u);
    put(acc21, row0 + 32u, col0 + 16u);
    put(acc22, row0 + 32u, col0 + 32u);
    put(acc23, row0 + 32u, col0 + 48u);
    put(acc30, row0 + 48u, col0 + 0u);
    put(acc31, row0 + 48u, col0 + 16u);
    put(acc32, row0 + 48u, col0 + 32u);
    put(acc33, row0 + 48u, col0 + 48u);
}

// Tensor-core peak probe: the ceiling that the cooperative-matrix matmul (matmul/coop_f16.wgsl)
// runs under. Native only: needs wgpu's experimental `EXPERIMENTAL_COOPERATIVE_MATRIX` (plus
// `shader-f16` and `subgroups`), and runs only when the adapter lists the 16×16×16 f16 → f32
// configuration (the host checks; wgpu does not).
//
// Each subgroup keeps one A and one B fragment (16×16 f16) and eight f32 accumulators in
// registers and runs ITERS rounds of eight independent multiply-adds, 2·16³ = 8192 FLOPs each,
// with no memory traffic in the loop: what is left is the rate of `coopMultiplyAdd` itself, as
// the driver compiles it. The matmul adds loading fragments from workgroup memory and staging
// blocks from global memory; the gap between the two is what that costs.
//
// Exact by construction, so the host checks every thread bit for bit. A holds add_a = 0.5 and B
// holds −add_b = 0.25 everywhere, so every multiply-add adds 16 · 0.5 · 0.25 = 2 to every element
// of its accumulator. Accumulator i starts at i in every element, which also keeps the eight
// chains different: identical chains could be merged by the compiler into one. At the end each
// element of accumulator i holds i + 2·ITERS, and the subgroup's total over its eight 256-element
// accumulators, 256 · (0 + 1 + … + 7 + 8 · 2 · ITERS), is an integer below 2²⁴ (exact in f32).
// Every thread writes that total.

enable f16;
// No `enable subgroups;`: naga (wgpu 30) enables the subgroup builtins from the device feature.
enable wgpu_cooperative_matrix;

struct Params {
    mul: f32,
    add_a: f32,
    add_b: f32,
    threads: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

override WORKGROUP_SIZE: u32 = 256u;
override ITERS: u32 = 256u;
const FRAG: u32 = 16u;
const ELEMS: u32 = FRAG * FRAG;

// Subgroups per workgroup at most: WORKGROUP_SIZE over the adapter's smallest subgroup size (set
// by the host).
override SUBGROUPS: u32 = 8u;

// The two input fragments (f16), the eight starting accumulators (f32, tile i filled with i), and
// one staging tile per subgroup for reading the results back: 18 KiB with 8 subgroups.
var<workgroup> a_s: array<f16, ELEMS>;
var<workgroup> b_s: array<f16, ELEMS>;
var<workgroup> init_s: array<f32, 8 * ELEMS>;
var<workgroup> stage_s: array<f32, SUBGROUPS * ELEMS>;

// Adds the elements of `acc` that lane `lane` of a subgroup of `size` lanes reads back through the
// subgroup's staging tile. The barriers: lanes read elements that other lanes stored, and the next
// store reuses the tile.
fn lane_sum(acc: coop_mat16x16<f32, C>, sg: u32, lane: u32, size: u32) -> f32 {
    let p = &stage_s[sg * ELEMS];
    coopStoreT(acc, p, FRAG);
    workgroupBarrier();
    var s = 0.0;
    for (var e = lane; e < ELEMS; e += size) {
        s += stage_s[sg * ELEMS + e];
    }
    workgroupBarrier();
    return s;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_id) sg: u32,
        @builtin(subgroup_invocation_id) lane: u32,
        @builtin(subgroup_size) size: u32) {
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    for (var e = lid; e < ELEMS; e += WORKGROUP_SIZE) {
        a_s[e] = f16(params.add_a);
        b_s[e] = f16(-params.add_b);
    }
    for (var e = lid; e < 8u * ELEMS; e += WORKGROUP_SIZE) {
        init_s[e] = f32(e / ELEMS);
    }
    workgroupBarrier();

    let a = coopLoadT<coop_mat16x16<f16, A>>(&a_s[0], FRAG);
    let b = coopLoadT<coop_mat16x16<f16, B>>(&b_s[0], FRAG);
    // Named accumulators, not an array: an array of cooperative matrices indexed in a loop ran at
    // a fraction of the speed (see matmul/coop_f16.wgsl).
    var acc0 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[0u * ELEMS], FRAG);
    var acc1 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[1u * ELEMS], FRAG);
    var acc2 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[2u * ELEMS], FRAG);
    var acc3 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[3u * ELEMS], FRAG);
    var acc4 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[4u * ELEMS], FRAG);
    var acc5 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[5u * ELEMS], FRAG);
    var acc6 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[6u * ELEMS], FRAG);
    var acc7 = coopLoadT<coop_mat16x16<f32, C>>(&init_s[7u * ELEMS], FRAG);
    for (var i = 0u; i < ITERS; i++) {
        acc0 = coopMultiplyAdd(a, b, acc0);
        acc1 = coopMultiplyAdd(a, b, acc1);
        acc2 = coopMultiplyAdd(a, b, acc2);
        acc3 = coopMultiplyAdd(a, b, acc3);
        acc4 = coopMultiplyAdd(a, b, acc4);
        acc5 = coopMultiplyAdd(a, b, acc5);
        acc6 = coopMultiplyAdd(a, b, acc6);
        acc7 = coopMultiplyAdd(a, b, acc7);
    }

    var s = lane_sum(acc0, sg, lane, size) + lane_sum(acc1, sg, lane, size);
    s += lane_sum(acc2, sg, lane, size) + lane_sum(acc3, sg, lane, size);
    s += lane_sum(acc4, sg, lane, size) + lane_sum(acc5, sg, lane, size);
    s += lane_sum(acc6, sg, lane, size) + lane_sum(acc7, sg, lane, size);
    let total = subgroupAdd(s);
    if (thread < params.threads) {
        out[thread] = total;
    }
}

// Naive matrix multiply: C = A · B with A (M×K), B (K×N), C (M×N), all row-major f32.
//
// One thread computes one element of C by walking a row of A and a column of B straight from
// global memory. Nothing is shared between threads, so every thread re-reads data its neighbours
// also read: the kernel moves about 2·M·N·K·4 bytes for 2·M·N·K FLOPs, an arithmetic intensity
// near 0.25 FLOP/byte, and sits far down the bandwidth slope of the roofline. The tiled variants
// fix exactly this.

struct Params {
    m: u32,
    n: u32,
    k: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// A 16×16 workgroup: x runs along a row of C (so neighbouring threads read neighbouring columns
// of B, which coalesces), y runs down the columns.
override TILE: u32 = 16u;

@compute @workgroup_size(TILE, TILE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let col = gid.x;
    let row = gid.y;
    // The grid is rounded up to whole workgroups, so edge threads may fall outside C.
    if (row >= params.m || col >= params.n) {
        return;
    }
    var acc = 0.0;
    for (var i = 0u; i < params.k; i++) {
        acc = fma(a[row * params.k + i], b[i * params.n + col], acc);
    }
    c[row * params.n + col] = acc;
}

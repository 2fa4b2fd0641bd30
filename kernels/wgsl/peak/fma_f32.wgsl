// f32 arithmetic peak probe: how many fused multiply-adds per second can this GPU issue?
//
// Each thread keeps 8 vec4<f32> accumulators (32 independent lanes) and runs ITERS rounds of two
// fmas on each. Independent chains let the hardware start a new fma every cycle instead of waiting
// for the previous one's result (fma latency is about 4 cycles; 32 chains per thread hide it).
// Memory traffic is one f32 written per thread, so nothing but arithmetic limits the kernel.
//
// The multiplier and addends come from a uniform buffer, so the compiler cannot fold the chains
// away: with mul = 1, add_a = 0.5 and add_b = -0.25 every round adds exactly 0.25, every value
// stays exactly representable, and the host can check each thread's sum bit for bit.

struct Params {
    mul: f32,
    add_a: f32,
    add_b: f32,
    // Threads that write a result (the grid is rounded up to whole workgroups).
    threads: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

override WORKGROUP_SIZE: u32 = 256u;
// Rounds per thread: each does 2 fmas on 32 lanes, 128 FLOPs.
override ITERS: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    // Distinct exact starting values: (thread % 64) / 4 + lane / 8.
    let base = f32(thread % 64u) * 0.25;
    var acc: array<vec4<f32>, 8>;
    for (var j = 0u; j < 8u; j++) {
        let lane = vec4<f32>(f32(4u * j), f32(4u * j + 1u), f32(4u * j + 2u), f32(4u * j + 3u));
        acc[j] = vec4<f32>(base) + lane * 0.125;
    }
    let m = vec4<f32>(params.mul);
    let a = vec4<f32>(params.add_a);
    let b = vec4<f32>(params.add_b);
    for (var i = 0u; i < ITERS; i++) {
        // 8 independent chains per step; each vec4 fma is 4 scalar fmas.
        for (var j = 0u; j < 8u; j++) {
            acc[j] = fma(acc[j], m, a);
        }
        for (var j = 0u; j < 8u; j++) {
            acc[j] = fma(acc[j], m, b);
        }
    }
    var sum = vec4<f32>(0.0);
    for (var j = 0u; j < 8u; j++) {
        sum += acc[j];
    }
    if (thread < params.threads) {
        out[thread] = (sum.x + sum.y) + (sum.z + sum.w);
    }
}

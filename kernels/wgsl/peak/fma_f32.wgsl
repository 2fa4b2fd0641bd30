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
    // Eight named vec4 accumulators, not an array: an array indexed in a loop may be kept in
    // slow per-thread memory instead of registers (see matmul/vec4.wgsl).
    var x0 = vec4<f32>(base) + vec4<f32>(f32(0u), f32(1u), f32(2u), f32(3u)) * 0.125;
    var x1 = vec4<f32>(base) + vec4<f32>(f32(4u), f32(5u), f32(6u), f32(7u)) * 0.125;
    var x2 = vec4<f32>(base) + vec4<f32>(f32(8u), f32(9u), f32(10u), f32(11u)) * 0.125;
    var x3 = vec4<f32>(base) + vec4<f32>(f32(12u), f32(13u), f32(14u), f32(15u)) * 0.125;
    var x4 = vec4<f32>(base) + vec4<f32>(f32(16u), f32(17u), f32(18u), f32(19u)) * 0.125;
    var x5 = vec4<f32>(base) + vec4<f32>(f32(20u), f32(21u), f32(22u), f32(23u)) * 0.125;
    var x6 = vec4<f32>(base) + vec4<f32>(f32(24u), f32(25u), f32(26u), f32(27u)) * 0.125;
    var x7 = vec4<f32>(base) + vec4<f32>(f32(28u), f32(29u), f32(30u), f32(31u)) * 0.125;
    let m = vec4<f32>(params.mul);
    let a = vec4<f32>(params.add_a);
    let b = vec4<f32>(params.add_b);
    for (var i = 0u; i < ITERS; i++) {
        // 8 independent chains; each vec4 fma is 4 scalar fmas.
        x0 = fma(x0, m, a);
        x1 = fma(x1, m, a);
        x2 = fma(x2, m, a);
        x3 = fma(x3, m, a);
        x4 = fma(x4, m, a);
        x5 = fma(x5, m, a);
        x6 = fma(x6, m, a);
        x7 = fma(x7, m, a);
        x0 = fma(x0, m, b);
        x1 = fma(x1, m, b);
        x2 = fma(x2, m, b);
        x3 = fma(x3, m, b);
        x4 = fma(x4, m, b);
        x5 = fma(x5, m, b);
        x6 = fma(x6, m, b);
        x7 = fma(x7, m, b);
    }
    let sum = ((x0 + x1) + (x2 + x3)) + ((x4 + x5) + (x6 + x7));
    if (thread < params.threads) {
        out[thread] = (sum.x + sum.y) + (sum.z + sum.w);
    }
}

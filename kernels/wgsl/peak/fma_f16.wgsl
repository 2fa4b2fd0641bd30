// f16 arithmetic peak probe: the f32 probe's twin in half precision.
//
// GPUs with fast f16 execute two f16 fmas per lane per instruction (packed vec2<f16>), so the
// f16 ceiling is often twice the f32 one. Each thread keeps 8 vec4<f16> accumulators (32 lanes)
// and runs ITERS rounds of two fmas on each; the constants come from a uniform buffer so the
// chains cannot be folded. With mul = 1, add_a = 0.5, add_b = -0.25 every value stays exactly
// representable in f16 (below 128, multiples of 1/8), and the host checks each thread bit for bit.
// The lanes are summed in f32 at the end: their sum would not be exact in f16.

enable f16;

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

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    let base = f16(thread % 64u) * 0.25h;
    // Eight named vec4 accumulators, not an array: an array indexed in a loop may be kept in
    // slow per-thread memory instead of registers (see matmul/vec4.wgsl).
    var x0 = vec4<f16>(base) + vec4<f16>(f16(0u), f16(1u), f16(2u), f16(3u)) * 0.125h;
    var x1 = vec4<f16>(base) + vec4<f16>(f16(4u), f16(5u), f16(6u), f16(7u)) * 0.125h;
    var x2 = vec4<f16>(base) + vec4<f16>(f16(8u), f16(9u), f16(10u), f16(11u)) * 0.125h;
    var x3 = vec4<f16>(base) + vec4<f16>(f16(12u), f16(13u), f16(14u), f16(15u)) * 0.125h;
    var x4 = vec4<f16>(base) + vec4<f16>(f16(16u), f16(17u), f16(18u), f16(19u)) * 0.125h;
    var x5 = vec4<f16>(base) + vec4<f16>(f16(20u), f16(21u), f16(22u), f16(23u)) * 0.125h;
    var x6 = vec4<f16>(base) + vec4<f16>(f16(24u), f16(25u), f16(26u), f16(27u)) * 0.125h;
    var x7 = vec4<f16>(base) + vec4<f16>(f16(28u), f16(29u), f16(30u), f16(31u)) * 0.125h;
    let m = vec4<f16>(f16(params.mul));
    let a = vec4<f16>(f16(params.add_a));
    let b = vec4<f16>(f16(params.add_b));
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
    // Summed in f32: the total would not be exact in f16.
    let sum = ((vec4<f32>(x0) + vec4<f32>(x1)) + (vec4<f32>(x2) + vec4<f32>(x3)))
        + ((vec4<f32>(x4) + vec4<f32>(x5)) + (vec4<f32>(x6) + vec4<f32>(x7)));
    if (thread < params.threads) {
        out[thread] = (sum.x + sum.y) + (sum.z + sum.w);
    }
}

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
    var acc: array<vec4<f16>, 8>;
    for (var j = 0u; j < 8u; j++) {
        let lane = vec4<f16>(f16(4u * j), f16(4u * j + 1u), f16(4u * j + 2u), f16(4u * j + 3u));
        acc[j] = vec4<f16>(base) + lane * 0.125h;
    }
    let m = vec4<f16>(f16(params.mul));
    let a = vec4<f16>(f16(params.add_a));
    let b = vec4<f16>(f16(params.add_b));
    for (var i = 0u; i < ITERS; i++) {
        for (var j = 0u; j < 8u; j++) {
            acc[j] = fma(acc[j], m, a);
        }
        for (var j = 0u; j < 8u; j++) {
            acc[j] = fma(acc[j], m, b);
        }
    }
    var sum = vec4<f32>(0.0);
    for (var j = 0u; j < 8u; j++) {
        sum += vec4<f32>(acc[j]);
    }
    if (thread < params.threads) {
        out[thread] = (sum.x + sum.y) + (sum.z + sum.w);
    }
}

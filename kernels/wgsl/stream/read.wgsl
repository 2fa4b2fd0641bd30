// Streaming read probe: how fast can this GPU pull bytes out of memory?
//
// Every thread walks the input with a grid stride (thread t reads vec4 number t, t + T, t + 2T, …
// where T is the number of threads in the whole dispatch), so neighbouring threads touch
// neighbouring 16-byte words at every step: the loads coalesce into full memory transactions.
// Each thread sums what it read and writes one partial sum, so the compiler cannot drop the loads,
// and the host can check that every element was read by exactly the thread it expected.

struct Params {
    // Number of vec4<f32> words in `src`.
    len: u32,
    // Total number of threads in the dispatch: the grid stride.
    stride: u32,
    // Sweeps over the buffer per dispatch. A small buffer is swept several times so that the
    // fixed cost of launching a dispatch does not hide how fast its bytes move.
    passes: u32,
    // Each sweep a thread takes over the words of the thread `shift` places further on, so it
    // does not simply re-read what its own core cached on the previous sweep.
    shift: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
// One partial sum per thread; the host adds them up (and checks each one).
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;

// 256 threads per workgroup is the WebGPU default limit and fills a warp/wavefront evenly.
override WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    // Workgroups are laid out in x then y, because one dimension holds at most 65535 of them.
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    if (thread >= params.stride) {
        return;
    }
    // Four independent accumulators (one per vec4 lane) keep the adds from forming one long
    // dependency chain; the loads, not the adds, should limit this kernel.
    var acc = vec4<f32>(0.0);
    for (var p = 0u; p < params.passes; p++) {
        let first = (thread + p * params.shift) % params.stride;
        for (var i = first; i < params.len; i += params.stride) {
            acc += src[i];
        }
    }
    partials[thread] = (acc.x + acc.y) + (acc.z + acc.w);
}

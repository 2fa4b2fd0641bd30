// Streaming copy probe: read one buffer and write another, the way a memcpy would.
//
// Bytes moved = bytes read + bytes written. Threads walk the buffers with a grid stride so that,
// at every step, a warp's 32 lanes read 32 consecutive 16-byte words (512 contiguous bytes): the
// widest, best-coalesced access WGSL can express without extensions.

struct Params {
    // Number of vec4<f32> words to copy.
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
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

override WORKGROUP_SIZE: u32 = 256u;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    if (thread >= params.stride) {
        return;
    }
    for (var p = 0u; p < params.passes; p++) {
        let first = (thread + p * params.shift) % params.stride;
        for (var i = first; i < params.len; i += params.stride) {
            dst[i] = src[i];
        }
    }
}

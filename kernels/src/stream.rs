//! Host code of the streaming bandwidth probes (`stream/read`, `stream/copy`) and their CPU
//! references.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::registry::{KernelSpec, StreamOp};
use crate::rng::Rng;
use crate::run::{self, Prepared};
use crate::shape::Shape;

/// Threads per workgroup (the WGSL `WORKGROUP_SIZE` override).
const WORKGROUP: u64 = 256;
/// At most this many workgroups: enough to fill the largest GPUs several times over, few enough
/// that each thread loops over several elements and the grid stays within one dispatch dimension.
const MAX_GROUPS: u64 = 8192;

/// A dispatch sweeps a small buffer until it has moved at least this many bytes, so that the
/// launch overhead between batched dispatches (microseconds) does not hide cache bandwidth.
pub const SWEEP_BYTES: u64 = 64 << 20;
/// At most this many sweeps per dispatch.
const MAX_PASSES: u64 = 256;

/// Sweeps per dispatch over a buffer of `bytes`.
pub fn passes(bytes: u64) -> u64 {
    (SWEEP_BYTES / bytes.max(1)).clamp(1, MAX_PASSES)
}

/// How far (in threads) each sweep shifts the threads' starting words: 33 workgroups, so a
/// thread's next sweep reads words another core read last time.
pub fn shift(threads: u64) -> u64 {
    (33 * WORKGROUP) % threads.max(1)
}

/// The grid for `len` vec4 words: (workgroups, total threads).
pub fn grid(len: u64) -> (u64, u64) {
    let groups = len.div_ceil(WORKGROUP).clamp(1, MAX_GROUPS);
    (groups, groups * WORKGROUP)
}

/// CPU reference of the read probe: the partial sum each thread of a `threads`-wide grid
/// computes, in f64, with the sum of absolute values that bounds its rounding error.
/// Over `passes` sweeps, thread `t` reads the words of thread `(t + p·shift) mod threads` in sweep
/// `p`.
pub fn read_reference(
    data: &[f32],
    threads: usize,
    passes: usize,
    shift: usize,
) -> Vec<(f64, f64)> {
    let mut own = vec![(0.0f64, 0.0f64); threads];
    for (word, chunk) in data.chunks(4).enumerate() {
        let slot = &mut own[word % threads];
        for &v in chunk {
            slot.0 += v as f64;
            slot.1 += (v as f64).abs();
        }
    }
    (0..threads)
        .map(|t| {
            (0..passes).fold((0.0, 0.0), |acc, p| {
                let (s, a) = own[(t + p * shift) % threads];
                (acc.0 + s, acc.1 + a)
            })
        })
        .collect()
}

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    op: StreamOp,
    shape: Shape,
    rng: &mut Rng,
) -> Result<Prepared, KernelError> {
    let Shape::Stream { elements } = shape else {
        return Err(spec.wrong_shape(&shape));
    };
    if elements == 0 {
        return Err(KernelError::InvalidShape {
            kernel: spec.id(),
            reason: "elements must be at least 1".into(),
        });
    }
    // The kernel moves whole vec4 words; pad the buffers up to a multiple of four floats.
    let words = elements.div_ceil(4);
    let bytes = words * 16;
    run::check_storage(gpu, "the stream buffer", bytes)?;
    let (groups, threads) = grid(words);
    if words > u32::MAX as u64 {
        return Err(KernelError::InvalidShape {
            kernel: spec.id(),
            reason: format!("{elements} elements is more than 2³² vec4 words"),
        });
    }
    let data = rng.signed_vec((words * 4) as usize);
    let src = run::input_buffer(gpu, "src", &data);
    let passes = passes(bytes);
    let shift = shift(threads);
    let params = run::params_buffer(
        gpu,
        &[words as u32, threads as u32, passes as u32, shift as u32],
    );
    let pipeline = run::pipeline(gpu, spec, wgsl, &[("WORKGROUP_SIZE", WORKGROUP as f64)]);

    let (output, output_len, check): (_, usize, run::Check) = match op {
        StreamOp::Read => {
            let partials = run::poisoned_output(gpu, "partials", threads as usize);
            let reference =
                read_reference(&data, threads as usize, passes as usize, shift as usize);
            let terms = (passes * words.div_ceil(threads)) as f64 * 4.0;
            let check = move |got: &[f32]| {
                let positions: Vec<usize> = (0..reference.len()).collect();
                run::compare(got, &positions, reference.len() as u64, |i| {
                    let (sum, abs) = reference[i];
                    // Summing n terms in f32 errs by at most about n·2⁻²⁴·Σ|x|.
                    (
                        sum,
                        (terms + 2.0) * f32::EPSILON as f64 * abs + f32::MIN_POSITIVE as f64,
                    )
                })
            };
            (partials, threads as usize, Box::new(check))
        }
        StreamOp::Copy => {
            let dst = run::poisoned_output(gpu, "dst", data.len());
            let check = move |got: &[f32]| {
                let positions: Vec<usize> = (0..data.len()).collect();
                // A copy must be bit-exact.
                run::compare(got, &positions, data.len() as u64, |i| {
                    (data[i] as f64, 0.0)
                })
            };
            (dst, (words * 4) as usize, Box::new(check))
        }
    };
    let bind_groups = vec![run::bind_group(gpu, &pipeline, &[&params, &src, &output])];
    Ok(Prepared {
        steps: vec![run::Step {
            pipeline,
            bind_groups,
            workgroups: [groups as u32, 1, 1],
        }],
        output,
        output_bytes: output_len as u64 * 4,
        check,
        constants: vec![
            ("WORKGROUP_SIZE".into(), WORKGROUP as f64),
            ("passes".into(), passes as f64),
            ("shift".into(), shift as f64),
        ],
        // Each sweep moves the shape's bytes once more.
        cost_scale: passes as f64,
        input_sets: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_bounded_and_covers_small_inputs() {
        assert_eq!(grid(1), (1, 256));
        assert_eq!(grid(257), (2, 512));
        assert_eq!(grid(1 << 30).0, MAX_GROUPS);
    }

    #[test]
    fn read_reference_assigns_words_round_robin() {
        let data = [1.0, 2.0, 3.0, 4.0, -5.0, 0.5, 0.0, 0.0, 10.0, 0.0, 0.0, 0.0];
        let r = read_reference(&data, 2, 1, 0);
        // Thread 0 reads words 0 and 2; thread 1 reads word 1.
        assert_eq!(r[0], (20.0, 20.0));
        assert_eq!(r[1], (-4.5, 5.5));
        // Two sweeps, shifted by one thread: each thread reads both sets once.
        let r = read_reference(&data, 2, 2, 1);
        assert_eq!(r[0], (15.5, 25.5));
        assert_eq!(r[1], (15.5, 25.5));
        assert_eq!(passes(1 << 30), 1);
        assert_eq!(passes(1 << 20), 64);
        assert_eq!(passes(16), MAX_PASSES);
    }
}

//! Host code of the arithmetic peak probes (`peak/fma-f32`, `peak/fma-f16`, and the tensor-core
//! probe `peak/coop-f16`): the compute roofs of the roofline, measured with the same harness as
//! every kernel.

use crate::KernelError;
use crate::gpu::Gpu;
use crate::registry::KernelSpec;
use crate::rng::Rng;
use crate::run::{self, Prepared};
use crate::shape::{Cost, Shape};

/// Threads per workgroup (the WGSL `WORKGROUP_SIZE` override).
const WORKGROUP: u64 = 256;
/// Rounds per thread (the WGSL `ITERS` override).
pub const ITERS: u64 = 256;
/// Independent lanes per thread: 8 vec4 accumulators.
const LANES: u64 = 32;
/// The uniform constants: every round adds exactly `ADD_A + ADD_B` = 0.25.
const MUL: f32 = 1.0;
const ADD_A: f32 = 0.5;
const ADD_B: f32 = -0.25;

/// Accumulators per subgroup in the tensor-core probe.
const COOP_ACCS: u64 = 8;
/// FLOPs of one 16×16×16 cooperative multiply-add.
const COOP_MMA_FLOPS: u64 = 2 * 16 * 16 * 16;
/// Lanes per subgroup that [`coop_cost`] counts in: the work of a subgroup shared by 32 threads.
/// The host rescales to the adapter's real subgroup size and the whole workgroups it dispatches.
const COOP_LANES: u64 = 32;

/// FLOPs and bytes of a peak probe over `threads` threads: two fmas per lane per round; one f32
/// written per thread.
pub fn cost(threads: u64) -> Cost {
    let t = threads as f64;
    Cost {
        flops: t * (ITERS * 2 * 2 * LANES) as f64,
        bytes: t * 4.0,
    }
}

/// FLOPs and bytes of the tensor-core probe over `threads` threads, counted as subgroups of 32:
/// eight 16×16×16 multiply-adds per subgroup per round; one f32 written per thread.
pub fn coop_cost(threads: u64) -> Cost {
    let subgroups = threads as f64 / COOP_LANES as f64;
    Cost {
        flops: subgroups * (COOP_ACCS * ITERS * COOP_MMA_FLOPS) as f64,
        bytes: threads as f64 * 4.0,
    }
}

/// What every thread of the tensor-core probe writes: its subgroup's total over eight
/// accumulators of 256 elements, accumulator i ending at i + 2·ITERS (see the WGSL).
pub fn coop_reference() -> f64 {
    let per_element: u64 = (0..COOP_ACCS).map(|i| i + 2 * ITERS).sum();
    (256 * per_element) as f64
}

/// What thread `t` writes: the sum over its 32 lanes of start + ITERS · 0.25, exact in f32.
pub fn reference(thread: u64) -> f64 {
    let base = (thread % 64) as f64 * 0.25;
    (0..LANES)
        .map(|lane| base + lane as f64 * 0.125 + ITERS as f64 * (ADD_A + ADD_B) as f64 * MUL as f64)
        .sum()
}

/// Why the tensor-core probe cannot run on `gpu`, or the subgroup size it will run with: the
/// adapter must list the 16×16×16 f16 → f32 fragment shape (wgpu does not check, and an unlisted
/// shape silently returns garbage) and have one fixed subgroup size of at least 8 lanes.
pub fn coop_subgroup(gpu: &Gpu) -> Result<u32, KernelError> {
    let kernel = "peak/coop-f16";
    crate::matmul::coop_f16_supported(gpu, kernel)?;
    let (sg_min, sg_max) = gpu.subgroup_sizes();
    if sg_min < 8 || sg_min != sg_max {
        // What the adapter is, not what was asked: a skip, like an unlisted fragment shape.
        return Err(KernelError::Unsupported {
            kernel: kernel.to_string(),
            reason: format!(
                "the probe needs one fixed subgroup size of at least 8 lanes; this adapter \
                 reports {sg_min} to {sg_max}"
            ),
        });
    }
    Ok(sg_min)
}

pub(crate) fn prepare(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    shape: Shape,
    _rng: &mut Rng,
) -> Result<Prepared, KernelError> {
    let Shape::Peak { threads } = shape else {
        return Err(spec.wrong_shape(&shape));
    };
    if threads == 0 || threads > u32::MAX as u64 {
        return Err(KernelError::InvalidShape {
            kernel: spec.id(),
            reason: format!("threads must be from 1 to 4294967295, got {threads}"),
        });
    }
    let coop = spec.variant == "coop-f16";
    let mut cost_scale = 1.0;
    let mut constants = vec![
        ("WORKGROUP_SIZE", WORKGROUP as f64),
        ("ITERS", ITERS as f64),
    ];
    if coop {
        let sg_min = coop_subgroup(gpu)?;
        constants.push(("SUBGROUPS", (WORKGROUP / sg_min as u64) as f64));
        // Every subgroup of every dispatched workgroup does the work, also past `threads`.
        let subgroups = threads.div_ceil(WORKGROUP) * (WORKGROUP / sg_min as u64);
        cost_scale = subgroups as f64 * COOP_LANES as f64 / threads as f64;
    }
    run::check_storage(gpu, "the peak output (one f32 per thread)", threads * 4)?;
    let groups = threads.div_ceil(WORKGROUP);
    let max = gpu.limits().max_compute_workgroups_per_dimension as u64;
    // Workgroups fill x first, then y, as in the stream probes.
    let (gx, gy) = if groups <= max {
        (groups, 1)
    } else {
        (max, groups.div_ceil(max))
    };
    let gy = run::check_groups(gpu, "the peak dispatch along y", gy)?;
    let out = run::poisoned_output(gpu, "out", threads as usize);
    let mut words = [0u32; 4];
    words[0] = MUL.to_bits();
    words[1] = ADD_A.to_bits();
    words[2] = ADD_B.to_bits();
    words[3] = threads as u32;
    let params = run::params_buffer(gpu, &words);
    let pipeline = run::pipeline(gpu, spec, wgsl, &constants);
    let bind_groups = vec![run::bind_group(gpu, &pipeline, &[&params, &out])];
    let check = move |got: &[f32]| {
        let positions: Vec<usize> = (0..threads as usize).collect();
        // Every intermediate value is exact: the result must be bit-exact.
        if coop {
            run::compare(got, &positions, threads, |_| (coop_reference(), 0.0))
        } else {
            run::compare(got, &positions, threads, |i| (reference(i as u64), 0.0))
        }
    };
    Ok(Prepared {
        steps: vec![run::Step {
            pipeline,
            bind_groups,
            workgroups: [gx as u32, gy, 1],
        }],
        output: out,
        output_bytes: threads * 4,
        check: Box::new(check),
        constants: constants.iter().map(|(n, v)| (n.to_string(), *v)).collect(),
        cost_scale,
        input_sets: 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_and_reference_are_hand_checked() {
        // 256 rounds · 2 fmas · 2 FLOPs · 32 lanes = 32768 FLOPs per thread.
        assert_eq!(cost(2).flops, 65536.0);
        assert_eq!(cost(2).bytes, 8.0);
        // Thread 0: Σ_lane (lane/8 + 64) = 496/8 + 2048 = 2110.
        assert_eq!(reference(0), 2110.0);
        assert_eq!(reference(65), reference(1));
        assert_eq!(reference(1), 2110.0 + 32.0 * 0.25);
    }

    #[test]
    fn coop_cost_and_reference_are_hand_checked() {
        // One subgroup of 32: 8 accumulators · 256 rounds · 8192 FLOPs = 16,777,216 FLOPs.
        assert_eq!(coop_cost(32).flops, 16_777_216.0);
        assert_eq!(coop_cost(64).bytes, 256.0);
        // Accumulators end at 512..519: 256 elements · (0 + … + 7 + 8 · 512) = 256 · 4124.
        assert_eq!(coop_reference(), 1_055_744.0);
        // Exact in f32 (below 2²⁴), as the bit-exact check needs.
        assert!(coop_reference() < (1u32 << 24) as f64);
    }
}

//! Running one kernel variant end to end: check limits, build buffers from fresh random inputs,
//! poison the output, run once and verify against the CPU reference, then time.
//!
//! The per-family modules ([`crate::stream`], [`crate::matmul`]) only say what their buffers are,
//! how big the grid is and how to check the output; everything else is shared here.

use crate::gpu::Gpu;
use crate::harness::{self, Dispatch, TimingOptions};
use crate::measurement::{Measurement, Verification};
use crate::registry::{Family, KernelSpec};
use crate::rng::Rng;
use crate::shape::{Shape, human_bytes};
use crate::{KernelError, matmul, peak, stream};
use wgpu::util::DeviceExt;

/// How to run a kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunOptions {
    /// Timing parameters.
    pub timing: TimingOptions,
    /// Seed for the random inputs; a fresh one from the clock when `None`.
    pub seed: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            timing: TimingOptions::benchmark(),
            seed: None,
        }
    }
}

/// Compares a read-back output (as f32 values) with the CPU reference.
pub(crate) type Check = Box<dyn Fn(&[f32]) -> Verification>;

/// What a family's `prepare` hands back: the dispatch's parts and the output check.
pub(crate) struct Prepared {
    pub pipeline: wgpu::ComputePipeline,
    pub bind_groups: Vec<wgpu::BindGroup>,
    pub workgroups: [u32; 3],
    /// The buffer to read back and verify, and its size in bytes.
    pub output: wgpu::Buffer,
    pub output_bytes: u64,
    /// Compares the output (as f32 values) with the CPU reference.
    pub check: Check,
    pub constants: Vec<(String, f64)>,
    /// How many times the dispatch does the shape's analytic work (a stream probe may sweep a
    /// small working set several times per dispatch so launch overhead does not hide it).
    pub cost_scale: f64,
}

/// Runs `spec` at `shape`: verify first, then time. The returned measurement says whether the
/// output was right; a wrong output is a result, not an error, so it can be shown and reported.
/// Matmul variants run with the block shape autotuning chose this session, else the default.
pub async fn run_kernel(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
    opts: &RunOptions,
) -> Result<Measurement, KernelError> {
    run_kernel_with(gpu, spec, shape, opts, None).await
}

/// [`run_kernel`] with an explicit matmul block shape (checked against the device's limits).
pub async fn run_kernel_with(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
    opts: &RunOptions,
    tiles: Option<matmul::Tiles>,
) -> Result<Measurement, KernelError> {
    gpu.check_alive()?;
    if !gpu.has(spec.features) {
        let missing = spec.features - gpu.device.features();
        return Err(KernelError::MissingFeature {
            kernel: spec.id(),
            feature: crate::gpu::feature_names(missing).join(", "),
        });
    }
    let mut cost = spec.cost(&shape)?;
    let seed = opts.seed.unwrap_or_else(Rng::fresh_seed);
    let mut rng = Rng::new(seed);

    let oom = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let prepared = match spec.family {
        Family::Stream(op) => stream::prepare(gpu, spec, op, shape, &mut rng),
        Family::Matmul => matmul::prepare(gpu, spec, shape, tiles, &mut rng),
        Family::Peak => peak::prepare(gpu, spec, shape, &mut rng),
    };
    let validation = validation.pop().await;
    let oom = oom.pop().await;
    let mut prepared = prepared?;
    // Whether wgpu's runtime checks (bounds, endless-loop guards) were compiled in: on some
    // drivers they change the speed several-fold, so every result says which it had.
    let checked = cfg!(target_arch = "wasm32") || !(gpu.unchecked_shaders() && spec.bounds_proven);
    prepared
        .constants
        .push(("runtime_checks".into(), if checked { 1.0 } else { 0.0 }));
    cost.flops *= prepared.cost_scale;
    cost.bytes *= prepared.cost_scale;
    if let Some(e) = validation.or(oom) {
        return Err(KernelError::Shader {
            kernel: spec.id(),
            message: e.to_string(),
        });
    }

    let dispatch = Dispatch {
        pipeline: &prepared.pipeline,
        bind_groups: &prepared.bind_groups,
        workgroups: prepared.workgroups,
    };
    let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    harness::run_once(gpu, &dispatch).await?;
    let out = harness::read_buffer(gpu, &prepared.output, prepared.output_bytes).await?;
    let verification = (prepared.check)(bytemuck::cast_slice(&out));
    let timing = harness::time_dispatch(gpu, &dispatch, &opts.timing).await?;
    if let Some(e) = scope.pop().await {
        return Err(KernelError::Gpu {
            kernel: spec.id(),
            message: e.to_string(),
        });
    }
    if let Some(e) = gpu.take_uncaptured().into_iter().next() {
        return Err(KernelError::Gpu {
            kernel: spec.id(),
            message: e,
        });
    }

    let median = timing.stats.median_s;
    Ok(Measurement {
        kernel: spec.kernel.to_string(),
        variant: spec.variant.to_string(),
        shape,
        dtype: spec.dtype,
        adapter: gpu.adapter.clone(),
        flops: cost.flops,
        bytes: cost.bytes,
        gflops_per_s: cost.flops / median / 1e9,
        gbytes_per_s: cost.bytes / median / 1e9,
        intensity: cost.intensity(),
        time: timing.stats,
        timing: timing.method,
        verified: verification.passed,
        verification,
        seed,
        constants: prepared.constants,
    })
}

/// Checks that a storage buffer of `bytes` fits the device, naming the limit when it does not.
pub(crate) fn check_storage(gpu: &Gpu, what: &str, bytes: u64) -> Result<(), KernelError> {
    let limits = gpu.limits();
    if bytes > limits.max_storage_buffer_binding_size {
        return Err(KernelError::LimitExceeded {
            what: what.to_string(),
            limit: "maxStorageBufferBindingSize",
            needed: human_bytes(bytes as f64),
            allowed: human_bytes(limits.max_storage_buffer_binding_size as f64),
        });
    }
    if bytes > limits.max_buffer_size {
        return Err(KernelError::LimitExceeded {
            what: what.to_string(),
            limit: "maxBufferSize",
            needed: human_bytes(bytes as f64),
            allowed: human_bytes(limits.max_buffer_size as f64),
        });
    }
    Ok(())
}

/// Checks a workgroup count against the per-dimension dispatch limit.
pub(crate) fn check_groups(gpu: &Gpu, what: &str, groups: u64) -> Result<u32, KernelError> {
    let max = gpu.limits().max_compute_workgroups_per_dimension;
    if groups > max as u64 {
        return Err(KernelError::LimitExceeded {
            what: what.to_string(),
            limit: "maxComputeWorkgroupsPerDimension",
            needed: format!("{groups} workgroups"),
            allowed: format!("{max} workgroups"),
        });
    }
    Ok(groups as u32)
}

/// A storage buffer holding `data`.
pub(crate) fn input_buffer(gpu: &Gpu, label: &str, data: &[f32]) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(data),
            usage: wgpu::BufferUsages::STORAGE,
        })
}

/// A storage buffer of `len` f32 filled with NaN, so any element the kernel fails to write
/// fails verification.
pub(crate) fn poisoned_output(gpu: &Gpu, label: &str, len: usize) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents: bytemuck::cast_slice(&vec![f32::NAN; len.max(1)]),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        })
}

/// A uniform buffer of u32 parameters, padded to 16 bytes as WGSL's uniform layout requires.
pub(crate) fn params_buffer(gpu: &Gpu, params: &[u32]) -> wgpu::Buffer {
    let mut words = params.to_vec();
    words.resize(params.len().div_ceil(4) * 4, 0);
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("params"),
            contents: bytemuck::cast_slice(&words),
            usage: wgpu::BufferUsages::UNIFORM,
        })
}

/// Compiles a registry entry's WGSL into a compute pipeline with override constants.
/// Errors surface through the caller's error scope.
#[allow(unsafe_code)]
pub(crate) fn pipeline(
    gpu: &Gpu,
    spec: &KernelSpec,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    let desc = wgpu::ShaderModuleDescriptor {
        label: Some(spec.file),
        source: wgpu::ShaderSource::Wgsl(spec.source.into()),
    };
    #[cfg(not(target_arch = "wasm32"))]
    let module = if gpu.unchecked_shaders() && spec.bounds_proven {
        // SAFETY: opted into by the caller, and only for variants whose every index is guarded
        // in the WGSL or bounded by the host-checked block shape; the GPU tests run each of them
        // on ragged and degenerate shapes with NaN-poisoned outputs.
        unsafe {
            gpu.device
                .create_shader_module_trusted(desc, wgpu::ShaderRuntimeChecks::unchecked())
        }
    } else {
        gpu.device.create_shader_module(desc)
    };
    #[cfg(target_arch = "wasm32")]
    let module = gpu.device.create_shader_module(desc);
    gpu.device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(spec.file),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..Default::default()
            },
            cache: None,
        })
}

/// A bind group with `buffers` at bindings 0, 1, 2, … of group 0.
pub(crate) fn bind_group(
    gpu: &Gpu,
    pipeline: &wgpu::ComputePipeline,
    buffers: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// Compares `got` with `want` element by element, where element `i` may differ by at most
/// `bound(i)`. NaN (an unwritten, poisoned element) always fails.
pub(crate) fn compare(
    got: &[f32],
    positions: &[usize],
    total: u64,
    want: impl Fn(usize) -> (f64, f64),
) -> Verification {
    let mut worst: f64 = 0.0;
    let mut first_failure = None;
    for &i in positions {
        let (expected, bound) = want(i);
        let value = got.get(i).copied().unwrap_or(f32::NAN) as f64;
        let err = (value - expected).abs();
        // A bound of 0 demands bit-exactness; keep the ratio finite for reporting.
        let ratio = if bound > 0.0 {
            err / bound
        } else if err == 0.0 {
            0.0
        } else {
            f64::INFINITY
        };
        let ok = ratio <= 1.0; // false for NaN
        if !ok && first_failure.is_none() {
            first_failure = Some(format!(
                "element {i}: got {value}, expected {expected} ± {bound:.3e}"
            ));
        }
        worst = if ratio.is_nan() {
            f64::INFINITY
        } else {
            worst.max(ratio)
        };
    }
    Verification {
        checked: positions.len() as u64,
        total,
        worst_error_ratio: worst,
        passed: first_failure.is_none(),
        first_failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_catches_nan_and_out_of_bound_values() {
        let got = [1.0f32, f32::NAN, 3.5];
        let v = compare(&got, &[0, 2], 3, |i| ([1.0, 2.0, 3.0][i], 0.6));
        assert!(v.passed, "{v:?}");
        let v = compare(&got, &[0, 1], 3, |i| ([1.0, 2.0, 3.0][i], 0.6));
        assert!(!v.passed);
        assert!(v.first_failure.unwrap().starts_with("element 1"));
        let v = compare(&got, &[2], 3, |_| (3.0, 0.1));
        assert!(!v.passed);
        let exact = compare(&[2.0], &[0], 1, |_| (2.0, 0.0));
        assert!(exact.passed);
    }
}

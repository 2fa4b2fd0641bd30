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
use crate::{KernelError, attention, gemv, matmul, peak, stream};

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

/// One dispatch of a kernel, owning its parts.
pub(crate) struct Step {
    pub pipeline: wgpu::ComputePipeline,
    pub bind_groups: Vec<wgpu::BindGroup>,
    pub workgroups: [u32; 3],
}

/// What a family's `prepare` hands back: the dispatches, in order, and the output check.
pub(crate) struct Prepared {
    pub steps: Vec<Step>,
    /// The buffer to read back and verify, and its size in bytes.
    pub output: wgpu::Buffer,
    pub output_bytes: u64,
    /// Compares the output (as f32 values) with the CPU reference.
    pub check: Check,
    pub constants: Vec<(String, f64)>,
    /// How many times the dispatch does the shape's analytic work (a stream probe may sweep a
    /// small working set several times per dispatch so launch overhead does not hide it).
    pub cost_scale: f64,
    /// Distinct input sets the timed runs rotate over (1: no rotation).
    pub input_sets: u32,
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
    run_kernel_full(gpu, spec, spec.source, shape, opts, None, 1.0).await
}

/// As [`run_kernel`], with the attention inputs Q, K and V, or the matmul inputs A and B,
/// multiplied by `input_scale`: large values give large logits, which is how the tests check that
/// softmax stays finite, and values far outside f16's range check that the tensor-core FP32
/// variants scale them.
pub async fn run_kernel_scaled(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
    opts: &RunOptions,
    input_scale: f32,
) -> Result<Measurement, KernelError> {
    run_kernel_full(gpu, spec, spec.source, shape, opts, None, input_scale).await
}

/// [`run_kernel`] with an explicit matmul block shape (checked against the device's limits).
pub async fn run_kernel_with(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
    opts: &RunOptions,
    tiles: Option<matmul::Tiles>,
) -> Result<Measurement, KernelError> {
    run_kernel_full(gpu, spec, spec.source, shape, opts, tiles, 1.0).await
}

/// Runs `source`, a replacement for `spec`'s own WGSL, through `spec`'s harness: its buffers,
/// grid, override constants, CPU reference and cost model (`lab bench --wgsl FILE`). The source
/// must keep the variant's bindings, entry points and override constants. A compile error comes
/// back as [`KernelError::Compile`] with line and column, a source that does not fit the
/// harness as [`KernelError::Contract`]. The measurement's variant reads `variant+label`, so it
/// is never mistaken for the registry's own kernel.
pub async fn run_kernel_source(
    gpu: &Gpu,
    spec: &KernelSpec,
    source: &str,
    label: &str,
    shape: Shape,
    opts: &RunOptions,
    tiles: Option<matmul::Tiles>,
) -> Result<Measurement, KernelError> {
    crate::exercise::compile_check(gpu, &spec.id(), source).await?;
    let mut m = match run_kernel_full(gpu, spec, source, shape, opts, tiles, 1.0).await {
        // The module compiled, so a shader error now is the pipeline or the bind group.
        Err(KernelError::Shader { message, .. }) => {
            return Err(KernelError::Contract {
                kernel: spec.id(),
                message: crate::exercise::first_line(&message),
                contract: format!(
                    "the bindings, entry points and override constants of kernels/wgsl/{}",
                    spec.file
                ),
            });
        }
        other => other?,
    };
    m.variant = format!("{}+{label}", spec.variant);
    Ok(m)
}

/// The one run path. `wgsl` is the variant's own source, or a student's replacement for it
/// (`crate::exercise`), which must honour the same bindings and entry points.
pub(crate) async fn run_kernel_full(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    shape: Shape,
    opts: &RunOptions,
    tiles: Option<matmul::Tiles>,
    input_scale: f32,
) -> Result<Measurement, KernelError> {
    gpu.check_alive()?;
    if !gpu.has(spec.features) {
        let missing = spec.features - gpu.device.features();
        if gpu.adapter_has(missing) {
            // Only an experimental feature can be offered by the adapter and still be missing:
            // every other wanted feature is requested whenever the adapter has it.
            return Err(KernelError::ExperimentalNotEnabled {
                kernel: spec.id(),
                feature: crate::gpu::feature_names(missing).join(", "),
            });
        }
        return Err(KernelError::MissingFeature {
            kernel: spec.id(),
            feature: crate::gpu::feature_names(missing).join(", "),
        });
    }
    let mut cost = spec.cost(&shape)?;
    // `prepare` sizes buffers in u64, padded to whole blocks: for a shape that moves more than
    // a petabyte (2^50 bytes, computed in f64) those products could overflow, and no GPU holds
    // such buffers anyway. Below that the device's own limits are checked buffer by buffer.
    if cost.bytes > MAX_TOTAL_BYTES {
        return Err(KernelError::InvalidShape {
            kernel: spec.id(),
            reason: format!(
                "at {shape} it moves {}, more than {} (no GPU holds buffers that large)",
                human_bytes(cost.bytes),
                human_bytes(MAX_TOTAL_BYTES)
            ),
        });
    }
    let seed = opts.seed.unwrap_or_else(Rng::fresh_seed);
    let mut rng = Rng::new(seed);

    let oom = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let prepared = match spec.family {
        Family::Stream(op) => stream::prepare(gpu, spec, wgsl, op, shape, &mut rng),
        Family::Matmul => matmul::prepare(gpu, spec, wgsl, shape, tiles, &mut rng, input_scale),
        Family::Peak => peak::prepare(gpu, spec, wgsl, shape, &mut rng),
        Family::Gemv => gemv::prepare(gpu, spec, wgsl, shape, &mut rng),
        Family::Attention(kind) => {
            attention::prepare(gpu, spec, wgsl, kind, shape, &mut rng, input_scale)
        }
    };
    let validation = validation.pop().await;
    let oom = oom.pop().await;
    let mut prepared = prepared?;
    // Whether wgpu's runtime checks (bounds, endless-loop guards) were compiled in: on some
    // drivers they change the speed several-fold, so every result says which it had.
    let checked = cfg!(target_arch = "wasm32") || !trusted(gpu, spec, wgsl);
    prepared
        .constants
        .push(("runtime_checks".into(), if checked { 1.0 } else { 0.0 }));
    // Whether the device was opened with wgpu's experimental features (`lab bench
    // --experimental`), which wgpu warns may still have bugs: the result says so.
    prepared.constants.push((
        "experimental_features".into(),
        if gpu.experimental() { 1.0 } else { 0.0 },
    ));
    cost.flops *= prepared.cost_scale;
    cost.bytes *= prepared.cost_scale;
    // Out of memory first: a buffer that could not be allocated makes every later use of it
    // a validation error ("invalid due to a previous error"), which would hide the cause.
    if let Some(e) = oom {
        return Err(KernelError::OutOfMemory {
            kernel: spec.id(),
            message: e.to_string(),
        });
    }
    if let Some(e) = validation {
        return Err(KernelError::Shader {
            kernel: spec.id(),
            message: e.to_string(),
        });
    }

    let dispatch: Vec<Dispatch<'_>> = prepared
        .steps
        .iter()
        .map(|s| Dispatch {
            pipeline: &s.pipeline,
            bind_groups: &s.bind_groups,
            workgroups: s.workgroups,
        })
        .collect();
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
        input_sets: prepared.input_sets,
    })
}

/// The most bytes a shape may move (its cost model's count) before it is refused outright.
const MAX_TOTAL_BYTES: f64 = (1u64 << 50) as f64;

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

/// A buffer of `usage` holding `contents`. Not `create_buffer_init`: that panics when the
/// buffer cannot be created (device lost, out of memory), where this reports the failure
/// through the caller's error scope.
fn buffer_with(gpu: &Gpu, label: &str, contents: &[u8], usage: wgpu::BufferUsages) -> wgpu::Buffer {
    // Copies must be 4-byte aligned and buffers non-empty.
    let size = (contents.len() as u64)
        .next_multiple_of(wgpu::COPY_BUFFER_ALIGNMENT)
        .max(16);
    let buffer = gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size,
        usage: usage | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    gpu.queue.write_buffer(&buffer, 0, contents);
    buffer
}

/// A storage buffer holding `data`.
pub(crate) fn input_buffer(gpu: &Gpu, label: &str, data: &[f32]) -> wgpu::Buffer {
    buffer_with(
        gpu,
        label,
        bytemuck::cast_slice(data),
        wgpu::BufferUsages::STORAGE,
    )
}

/// A storage buffer holding raw bytes (packed weights), padded with one spare word so kernels
/// that stitch unaligned words from two aligned ones never read past the end.
pub(crate) fn input_bytes(gpu: &Gpu, label: &str, bytes: &[u8]) -> wgpu::Buffer {
    let mut padded = bytes.to_vec();
    padded.resize(bytes.len().next_multiple_of(4) + 4, 0);
    buffer_with(gpu, label, &padded, wgpu::BufferUsages::STORAGE)
}

/// A storage buffer of `len` f32 filled with NaN, so any element the kernel fails to write
/// fails verification.
pub(crate) fn poisoned_output(gpu: &Gpu, label: &str, len: usize) -> wgpu::Buffer {
    let poison = vec![f32::NAN; len.max(1)];
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    buffer_with(gpu, label, bytemuck::cast_slice(&poison), usage)
}

/// A storage buffer the kernel writes and the host reads back, filled with `bytes` (a poison
/// pattern in the output's own format).
pub(crate) fn output_bytes(gpu: &Gpu, label: &str, bytes: &[u8]) -> wgpu::Buffer {
    let usage = wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC;
    buffer_with(gpu, label, bytes, usage)
}

/// A uniform buffer of u32 parameters, padded to 16 bytes as WGSL's uniform layout requires.
pub(crate) fn params_buffer(gpu: &Gpu, params: &[u32]) -> wgpu::Buffer {
    let mut words = params.to_vec();
    words.resize(params.len().div_ceil(4) * 4, 0);
    buffer_with(
        gpu,
        "params",
        bytemuck::cast_slice(&words),
        wgpu::BufferUsages::UNIFORM,
    )
}

/// Whether `wgsl` may be compiled without runtime checks: only when the caller opted in, and
/// either `wgsl` is the variant's own source and the variant is `bounds_proven`, or it is a
/// replacement and the caller also opted in for those ([`Gpu::set_unchecked_custom_sources`];
/// exercises refuse a device with it set).
fn trusted(gpu: &Gpu, spec: &KernelSpec, wgsl: &str) -> bool {
    if !gpu.unchecked_shaders() {
        return false;
    }
    if std::ptr::eq(wgsl, spec.source) {
        spec.bounds_proven
    } else {
        gpu.unchecked_custom_sources()
    }
}

/// Compiles `wgsl` (a registry entry's source, or a student's version of it) into a compute
/// pipeline with override constants. Errors surface through the caller's error scope.
pub(crate) fn pipeline(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    pipeline_entry(gpu, spec, wgsl, "main", constants)
}

/// As [`pipeline`], for a file with several entry points.
#[allow(unsafe_code)]
pub(crate) fn pipeline_entry(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    entry: &str,
    constants: &[(&str, f64)],
) -> wgpu::ComputePipeline {
    // Trust is decided on the text as given; what is compiled has its marked loops written
    // out, which computes the same.
    #[cfg(not(target_arch = "wasm32"))]
    let trusted = trusted(gpu, spec, wgsl);
    // wgpu's messages quote the label: a replacement source (`--wgsl`, an exercise) must not be
    // named as the registry's file.
    let label = if wgsl == spec.source {
        spec.file.to_string()
    } else {
        format!("replacement for {}", spec.file)
    };
    let desc = wgpu::ShaderModuleDescriptor {
        label: Some(&label),
        source: wgpu::ShaderSource::Wgsl(crate::unroll::expand(wgsl, constants)),
    };
    #[cfg(not(target_arch = "wasm32"))]
    let module = if trusted {
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
            label: Some(&label),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants,
                ..Default::default()
            },
            cache: None,
        })
}

/// A bind group with each buffer at its given binding of group 0 (for entry points that use
/// only some of a file's bindings).
pub(crate) fn bind_group_at(
    gpu: &Gpu,
    pipeline: &wgpu::ComputePipeline,
    buffers: &[(u32, &wgpu::Buffer)],
) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .map(|(binding, b)| wgpu::BindGroupEntry {
            binding: *binding,
            resource: b.as_entire_binding(),
        })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &pipeline.get_bind_group_layout(0),
        entries: &entries,
    })
}

/// Workgroups of a scale pass (`absmax`), which walks its inputs with the grid's stride: enough
/// to fill a large GPU, few enough that their atomics do not queue.
const SCALE_GROUPS: u64 = 264;

/// The scale pass of the FP32 tensor-core kernels (`matmul/coop_split`, `attention/flash_split`):
/// their `clear` entry point zeroes the maxima bound at `amax`, then `absmax` finds them over the
/// inputs, one bind group per input set in `inputs`; `vec4s` is the longest input in vec4s.
pub(crate) fn scale_steps(
    gpu: &Gpu,
    spec: &KernelSpec,
    wgsl: &str,
    constants: &[(&str, f64)],
    amax: (u32, &wgpu::Buffer),
    inputs: &[Vec<(u32, &wgpu::Buffer)>],
    vec4s: u64,
) -> [Step; 2] {
    let clear = pipeline_entry(gpu, spec, wgsl, "clear", constants);
    let absmax = pipeline_entry(gpu, spec, wgsl, "absmax", constants);
    [
        Step {
            bind_groups: vec![bind_group_at(gpu, &clear, &[amax])],
            pipeline: clear,
            workgroups: [1, 1, 1],
        },
        Step {
            bind_groups: inputs
                .iter()
                .map(|set| {
                    let mut bound = set.clone();
                    bound.push(amax);
                    bind_group_at(gpu, &absmax, &bound)
                })
                .collect(),
            pipeline: absmax,
            workgroups: [vec4s.div_ceil(256).clamp(1, SCALE_GROUPS) as u32, 1, 1],
        },
    ]
}

/// A bind group with `buffers` at bindings 0, 1, 2, … of group 0.
pub(crate) fn bind_group(
    gpu: &Gpu,
    pipeline: &wgpu::ComputePipeline,
    buffers: &[&wgpu::Buffer],
) -> wgpu::BindGroup {
    let numbered: Vec<(u32, &wgpu::Buffer)> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| (i as u32, *b))
        .collect();
    bind_group_at(gpu, pipeline, &numbered)
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

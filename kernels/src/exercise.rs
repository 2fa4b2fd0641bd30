//! Kernel exercises: a student's WGSL run through the host code of a registry variant.
//!
//! Each exercise family borrows a registry variant's harness (its buffers, grid, CPU reference
//! and cost model) and replaces only the WGSL. The student's source is compiled first on its
//! own, so that a syntax or type error comes back as [`CompileMessage`]s with line and column
//! rather than as one opaque pipeline error; a source that compiles but does not fit the
//! harness (a missing binding, another entry point name) becomes [`KernelError::Contract`],
//! which spells out what the harness expects. Problem sizes are fixed per family and bounded,
//! so a slow kernel stays slow rather than endless, and a student's source is never compiled
//! without wgpu's runtime checks.

use crate::gpu::Gpu;
use crate::measurement::Measurement;
use crate::registry::{KernelSpec, find};
use crate::run::{RunOptions, run_kernel_full};
use crate::shape::Shape;
use crate::{KernelError, run_kernel};
use serde::{Deserialize, Serialize};

/// One compiler message about a student's WGSL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompileMessage {
    /// 1-based line; 0 when the compiler gave no location.
    pub line: u32,
    /// 1-based column (in bytes of the line); 0 when the compiler gave no location.
    pub column: u32,
    /// The compiler's text.
    pub message: String,
}

impl std::fmt::Display for CompileMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}:{}: {}", self.line, self.column, self.message)
        }
    }
}

/// What an exercise family runs: a registry variant's harness at a fixed, bounded size.
#[derive(Debug, Clone, Copy)]
pub struct ExerciseKernel {
    /// The family id, as a lesson's `kernel:` field names it.
    pub family: &'static str,
    /// The registry variant whose host code, reference and cost model are used.
    pub spec: &'static KernelSpec,
    /// The graded size: not a multiple of any tile, small enough for a software rasterizer.
    pub shape: Shape,
    /// What the student's WGSL must provide, in words, for error messages and the page.
    pub contract: &'static str,
}

/// Every exercise family, by the id a lesson uses.
pub const FAMILIES: &[&str] = &[
    "stream-copy",
    "matmul-tiled",
    "gemv-q8_0",
    "attention-naive",
];

/// The family `id`, or an error listing the known ones.
pub fn exercise_kernel(id: &str) -> Result<ExerciseKernel, KernelError> {
    let (kernel, variant, shape, contract) = match id {
        // 2²⁴ + 3 floats: over the 64 MiB sweep, so the harness makes one pass per dispatch
        // (a kernel that skipped passes could not look faster than it is), and ragged.
        "stream-copy" => (
            "stream",
            "copy",
            Shape::Stream {
                elements: (1 << 24) + 3,
            },
            "entry point `main`; `override WORKGROUP_SIZE: u32`; @group(0) @binding(0) \
             var<uniform> params: Params { len, stride, passes, shift: u32 }, @binding(1) src: \
             array<vec4<f32>> (read), @binding(2) dst: array<vec4<f32>> (read_write); the grid \
             has at most 8192 workgroups of WORKGROUP_SIZE threads, fewer threads than words",
        ),
        "matmul-tiled" => (
            "matmul",
            "tiled",
            Shape::Matmul {
                m: 383,
                n: 257,
                k: 301,
            },
            "entry point `main`; `override TILE: u32` with @workgroup_size(TILE, TILE); \
             @group(0) @binding(0) var<uniform> params: Params { m, n, k: u32 }, @binding(1) a: \
             array<f32> (read, M×K row-major), @binding(2) b: array<f32> (read, K×N), \
             @binding(3) c: array<f32> (read_write, M×N); one workgroup per TILE×TILE block of C",
        ),
        "gemv-q8_0" => (
            "gemv",
            "q8_0",
            Shape::Gemv {
                rows: 2047,
                cols: 2048,
                batch: 1,
            },
            "entry point `main`; @group(0) @binding(0) var<uniform> params: Params { rows, cols, \
             batch, blocks_per_row: u32 }, @binding(1) w: array<u32> (read, GGUF Q8_0 bytes), \
             @binding(2) x: array<vec4<f32>> (read), @binding(3) y: array<f32> (read_write); one \
             workgroup per row (x + y·groups.x)",
        ),
        "attention-naive" => (
            "attention",
            "naive",
            Shape::Attention {
                batch: 1,
                heads: 4,
                seq: 257,
                head_dim: 64,
                causal: false,
            },
            "entry points `scores`, `softmax` and `pv` with the bindings of the starter: \
             @group(0) @binding(0) params, 1 q, 2 k, 3 v (read), 4 s and 5 o (read_write)",
        ),
        other => {
            return Err(KernelError::UnknownKernel {
                name: other.to_string(),
                available: FAMILIES.join(", "),
            });
        }
    };
    Ok(ExerciseKernel {
        family: FAMILIES
            .iter()
            .copied()
            .find(|f| *f == id)
            .unwrap_or("exercise"),
        spec: find(kernel, variant)?,
        shape,
        contract,
    })
}

/// Compiles `source` on its own and returns the compiler's errors with line and column.
/// Warnings and notes are not errors; an empty `Ok` means the module compiled.
pub async fn compile_check(gpu: &Gpu, family: &str, source: &str) -> Result<(), KernelError> {
    gpu.check_alive()?;
    let scope = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let module = gpu
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(family),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    let info = module.get_compilation_info().await;
    let scoped = scope.pop().await;
    let mut messages: Vec<CompileMessage> = info
        .messages
        .into_iter()
        .filter(|m| m.message_type == wgpu::CompilationMessageType::Error)
        .map(|m| CompileMessage {
            line: m.location.map_or(0, |l| l.line_number),
            column: m.location.map_or(0, |l| l.line_position),
            message: m.message.trim().to_string(),
        })
        .collect();
    if messages.is_empty()
        && let Some(e) = scoped
    {
        // The backend reported an error without structured messages: keep its text.
        messages.push(CompileMessage {
            line: 0,
            column: 0,
            message: e.to_string(),
        });
    }
    gpu.check_alive()?;
    if messages.is_empty() {
        Ok(())
    } else {
        Err(KernelError::Compile {
            kernel: family.to_string(),
            messages,
        })
    }
}

/// Runs a student's `source` for exercise `family`: compile, then the registry variant's
/// harness (fresh random inputs, NaN-poisoned outputs, verification against the f64 CPU
/// reference, timing). `shape` overrides the family's graded size (tests use small ones).
/// A wrong output is a measurement with `verified: false`, not an error.
pub async fn run_exercise(
    gpu: &Gpu,
    family: &str,
    source: &str,
    shape: Option<Shape>,
    opts: &RunOptions,
) -> Result<Measurement, KernelError> {
    let ex = exercise_kernel(family)?;
    // A student's indices are proven by nothing, so exercises keep wgpu's runtime checks on
    // every device; one set to compile replacement sources without them (`lab bench --wgsl
    // FILE --unchecked`) would drop them here too, so it runs no exercise.
    if gpu.unchecked_custom_sources() {
        return Err(KernelError::Unsupported {
            kernel: ex.family.to_string(),
            reason: "this device compiles replacement WGSL without runtime checks; exercises \
                     always run with them"
                .into(),
        });
    }
    compile_check(gpu, ex.family, source).await?;
    let shape = shape.unwrap_or(ex.shape);
    match run_kernel_full(gpu, ex.spec, source, shape, opts, None, 1.0).await {
        // The module compiled, so a shader error here is the pipeline or the bind group: the
        // source does not fit the harness.
        Err(KernelError::Shader { message, .. }) => Err(KernelError::Contract {
            kernel: ex.family.to_string(),
            message: first_line(&message),
            contract: ex.contract.to_string(),
        }),
        other => other,
    }
}

/// A multi-line wgpu error on one line, without its generic headings ("Validation Error",
/// "Caused by:").
pub(crate) fn first_line(message: &str) -> String {
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && *l != "Validation Error" && *l != "Caused by:")
        .collect();
    if parts.is_empty() {
        message.trim().to_string()
    } else {
        parts.join(" ")
    }
}

/// The roofs a kernel exercise can be graded against, by the id a lesson's `roof:` uses.
pub const ROOFS: &[&str] = &["copy-bandwidth", "read-bandwidth", "fma-f32"];

/// Measures roof `id` on the spot with its registry probe (used when the page has no stored
/// ceilings yet): copy or read bandwidth over a 64 MiB working set (or the device's largest
/// binding, if smaller), or the f32 fma peak over a million threads.
pub async fn measure_roof(
    gpu: &Gpu,
    id: &str,
    opts: &RunOptions,
) -> Result<Measurement, KernelError> {
    let bytes = (64u64 << 20).min(gpu.limits().max_storage_buffer_binding_size);
    let (spec, shape) = match id {
        "copy-bandwidth" => (
            find("stream", "copy")?,
            Shape::Stream {
                elements: bytes / 4,
            },
        ),
        "read-bandwidth" => (
            find("stream", "read")?,
            Shape::Stream {
                elements: bytes / 4,
            },
        ),
        "fma-f32" => (find("peak", "fma-f32")?, Shape::Peak { threads: 1 << 20 }),
        other => {
            return Err(KernelError::UnknownKernel {
                name: other.to_string(),
                available: ROOFS.join(", "),
            });
        }
    };
    run_kernel(gpu, spec, shape, opts).await
}

/// The rate a roof is measured in, read off a measurement: GB/s for bandwidth roofs, GFLOP/s
/// for the fma peak. `None` for an unknown roof id.
pub fn rate(m: &Measurement, roof: &str) -> Option<f64> {
    match roof {
        "copy-bandwidth" | "read-bandwidth" => Some(m.gbytes_per_s),
        "fma-f32" => Some(m.gflops_per_s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_resolves_and_unknown_ones_are_listed() {
        for id in FAMILIES {
            let ex = exercise_kernel(id).unwrap_or_else(|e| panic!("{id}: {e}"));
            assert_eq!(ex.family, *id);
            assert!(ex.spec.cost(&ex.shape).is_ok(), "{id}");
        }
        let e = exercise_kernel("stream-cpy").unwrap_err();
        assert!(e.to_string().contains("stream-copy"), "{e}");
    }

    #[test]
    fn messages_print_line_and_column() {
        let m = CompileMessage {
            line: 3,
            column: 7,
            message: "expected ';'".into(),
        };
        assert_eq!(m.to_string(), "3:7: expected ';'");
        assert_eq!(
            first_line("Validation Error\n\nCaused by:\n  In create_bind_group\n    3 != 4"),
            "In create_bind_group 3 != 4"
        );
    }
}

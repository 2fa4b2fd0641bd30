//! The one list of kernels that the browser, the CLI and the tests all read.
//!
//! Each entry names a kernel family and variant, carries its WGSL source (one file per variant,
//! embedded at compile time so the browser and native builds run the very same text), the adapter
//! features it needs, and its analytic cost model. Host code for each family lives in its own
//! module ([`crate::stream`], [`crate::matmul`]).

use crate::KernelError;
use crate::attention::{self, AttentionKind};
use crate::shape::{Cost, Dtype, Shape};

/// Which host code drives a kernel: the families share buffers layouts and CPU references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Streaming bandwidth probes over one f32 buffer.
    Stream(StreamOp),
    /// Matrix multiply C = A · B.
    Matmul,
    /// Arithmetic peak probes: long independent fma chains per thread, one value written.
    Peak,
    /// Matrix-vector product for decode, weights in the kernel spec's dtype.
    Gemv,
    /// Attention, naive or fused.
    Attention(AttentionKind),
}

/// What a streaming probe does with each element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamOp {
    /// Read every element once (and reduce, so the reads cannot be dropped).
    Read,
    /// Read every element and write it to a second buffer.
    Copy,
}

/// One kernel variant.
#[derive(Debug, Clone, Copy)]
pub struct KernelSpec {
    /// Kernel name as the CLI and UI show it (`stream`, `matmul`).
    pub kernel: &'static str,
    /// Variant name (`read`, `copy`, `naive`, …).
    pub variant: &'static str,
    /// Path of the WGSL file under `kernels/wgsl/`.
    pub file: &'static str,
    /// The WGSL source.
    pub source: &'static str,
    /// Element type.
    pub dtype: Dtype,
    /// Adapter features the variant needs.
    pub features: wgpu::Features,
    /// Host code family.
    pub family: Family,
    /// One-line description for tables and tooltips.
    pub summary: &'static str,
    /// The size used when none is given: large enough to mean something on a laptop GPU, small
    /// enough to finish in a second on a software rasterizer.
    pub default_shape: Shape,
    /// Every index in the WGSL is guarded or bounded by host-checked constants, and the GPU tests
    /// prove it on ragged shapes: natively it may be compiled without runtime bounds checks when
    /// the caller opts in ([`crate::Gpu::set_unchecked_shaders`]).
    pub bounds_proven: bool,
    /// Tensor-core products behind each product its FLOPs count: 0 for kernels on the ordinary
    /// cores, 1 where f16 inputs go straight to the tensor cores, 3 for FP32 made from three f16
    /// products (`matmul/coop_split`). The roofline measures such a kernel against the measured
    /// tensor-core peak divided by this, not against the peak of its element type.
    pub tensor_products: u32,
}

impl KernelSpec {
    /// `kernel/variant`, the id used in tables, JSON and pipeline caches.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kernel, self.variant)
    }

    /// The analytic FLOPs and minimum bytes of one launch at `shape`.
    pub fn cost(&self, shape: &Shape) -> Result<Cost, KernelError> {
        match (self.family, shape) {
            (Family::Stream(op), Shape::Stream { elements }) => {
                let n = *elements as f64;
                Ok(match op {
                    // One add per element; every element read once.
                    StreamOp::Read => Cost {
                        flops: n,
                        bytes: 4.0 * n,
                    },
                    // No arithmetic; every element read once and written once.
                    StreamOp::Copy => Cost {
                        flops: 0.0,
                        bytes: 8.0 * n,
                    },
                })
            }
            (Family::Peak, Shape::Peak { threads }) if self.variant == "coop-f16" => {
                Ok(crate::peak::coop_cost(*threads))
            }
            (Family::Peak, Shape::Peak { threads }) => Ok(crate::peak::cost(*threads)),
            (Family::Matmul, Shape::Matmul { m, n, k }) => {
                let (m, n, k) = (*m as f64, *n as f64, *k as f64);
                let elem = self.dtype.bytes_per_element();
                // 2·M·N·K: one multiply and one add per (i, j, p); A and B read once, C written once.
                // C is always f32: the f16 variant sums in f32 and stores the sums as they are.
                Ok(Cost {
                    flops: 2.0 * m * n * k,
                    bytes: elem * (m * k + k * n) + 4.0 * m * n,
                })
            }
            (Family::Gemv, Shape::Gemv { rows, cols, batch }) => {
                // A block format's rows hold whole 32-weight blocks: no cost for other widths,
                // so that a page shows the rule before anything runs.
                if matches!(self.dtype, Dtype::Q8_0 | Dtype::Q4_0)
                    && !cols.is_multiple_of(crate::quant::BLOCK as u32)
                {
                    return Err(KernelError::InvalidShape {
                        kernel: self.id(),
                        reason: format!(
                            "cols must be a multiple of 32 for {} (GGUF blocks hold 32 weights), \
                             got {cols}",
                            self.dtype
                        ),
                    });
                }
                let (r, c, b) = (*rows as f64, *cols as f64, *batch as f64);
                // The weights are read once (packed bytes and scales) whatever the batch; each
                // x is read and each y written once. 2·rows·cols FLOPs per vector.
                Ok(Cost {
                    flops: 2.0 * r * c * b,
                    bytes: self.dtype.bytes_per_element() * r * c + 4.0 * b * (c + r),
                })
            }
            (Family::Attention(kind), Shape::Attention { .. }) => {
                attention::cost(kind, self.dtype, shape).ok_or_else(|| self.wrong_shape(shape))
            }
            _ => Err(self.wrong_shape(shape)),
        }
    }

    pub(crate) fn wrong_shape(&self, shape: &Shape) -> KernelError {
        let expected = match self.family {
            Family::Stream(_) => "a stream shape (a number of f32 elements)",
            Family::Matmul => "a matmul shape M×N×K",
            Family::Peak => "a peak shape (a number of threads)",
            Family::Gemv => "a GEMV shape rows×cols with a batch",
            Family::Attention(_) => "an attention shape (batch, heads, seq, head_dim, causal)",
        };
        KernelError::InvalidShape {
            kernel: self.id(),
            reason: format!("got {shape}, expected {expected}"),
        }
    }
}

/// What every cooperative-matrix (tensor-core) variant needs: wgpu's experimental cooperative
/// matrices, with f16 fragments and the subgroup builtins. Each also runs only where the adapter
/// lists 16×16×16 f16 → f32 (`matmul::coop_shape_supported`).
const TENSOR_CORES: wgpu::Features = wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX
    .union(wgpu::Features::SHADER_F16)
    .union(wgpu::Features::SUBGROUP);

/// Every kernel variant Roofline Lab knows, in ladder order within each kernel. A variant that
/// needs a feature the adapter lacks is reported "unsupported on this adapter" (a
/// [`KernelError::MissingFeature`]) rather than run; `features` is what the device must have.
pub const REGISTRY: &[KernelSpec] = &[
    KernelSpec {
        kernel: "stream",
        variant: "read",
        file: "stream/read.wgsl",
        source: include_str!("../wgsl/stream/read.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Stream(StreamOp::Read),
        summary: "read a buffer once (vec4 loads, grid stride): the memory read ceiling",
        default_shape: Shape::Stream { elements: 16 << 20 },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "stream",
        variant: "copy",
        file: "stream/copy.wgsl",
        source: include_str!("../wgsl/stream/copy.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Stream(StreamOp::Copy),
        summary: "copy one buffer to another (vec4, grid stride): read + write bandwidth",
        default_shape: Shape::Stream { elements: 16 << 20 },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "naive",
        file: "matmul/naive.wgsl",
        source: include_str!("../wgsl/matmul/naive.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "one thread per output element, straight from global memory",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "tiled",
        file: "matmul/tiled.wgsl",
        source: include_str!("../wgsl/matmul/tiled.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "TILE×TILE blocks of A and B in workgroup memory, one element of C per thread",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "reg1d",
        file: "matmul/reg1d.wgsl",
        source: include_str!("../wgsl/matmul/reg1d.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "workgroup tiles; each thread computes 8 rows of one column in registers",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "reg2d",
        file: "matmul/reg2d.wgsl",
        source: include_str!("../wgsl/matmul/reg2d.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "workgroup tiles; each thread computes an 8×8 outer product in registers",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "vec4",
        file: "matmul/vec4.wgsl",
        source: include_str!("../wgsl/matmul/vec4.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "8×8 per thread, vec4 loads and stores, double-buffered workgroup memory",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "unrolled",
        file: "matmul/unrolled.wgsl",
        source: include_str!("../wgsl/matmul/unrolled.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Matmul,
        summary: "8×16 per thread, vec4 accesses, the depth loop written out by the host",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "f16",
        file: "matmul/f16.wgsl",
        source: include_str!("../wgsl/matmul/f16.wgsl"),
        dtype: Dtype::F16,
        features: wgpu::Features::SHADER_F16,
        family: Family::Matmul,
        summary: "the vec4 kernel with f16 inputs (half the bytes) and f32 sums and output",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "subgroup",
        file: "matmul/subgroup.wgsl",
        source: include_str!("../wgsl/matmul/subgroup.wgsl"),
        dtype: Dtype::F32,
        // Native only in practice: wgpu's browser backend does not pass `subgroups` through.
        features: wgpu::Features::SUBGROUP,
        family: Family::Matmul,
        summary: "8×4 per lane; A fragments shared across the subgroup by shuffles, no workgroup memory",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "coop_f16",
        file: "matmul/coop_f16.wgsl",
        source: include_str!("../wgsl/matmul/coop_f16.wgsl"),
        dtype: Dtype::F16,
        // Native only, experimental in wgpu (`lab bench --experimental`), and only where the
        // adapter lists the 16×16×16 f16 → f32 shape (`matmul::coop_shape_supported`).
        features: TENSOR_CORES,
        family: Family::Matmul,
        summary: "tensor cores: 16×16×16 cooperative-matrix fragments, f16 inputs, f32 sums and output",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 1,
    },
    KernelSpec {
        kernel: "matmul",
        variant: "coop_split",
        file: "matmul/coop_split.wgsl",
        source: include_str!("../wgsl/matmul/coop_split.wgsl"),
        dtype: Dtype::F32,
        // As coop_f16: native only, experimental, and only where 16×16×16 f16 → f32 is listed.
        features: TENSOR_CORES,
        family: Family::Matmul,
        summary: "FP32 on the tensor cores: each f32 split into two f16 halves, three fragment products, f32 sums",
        default_shape: MATMUL_DEFAULT,
        bounds_proven: true,
        tensor_products: 3,
    },
    KernelSpec {
        kernel: "peak",
        variant: "fma-f32",
        file: "peak/fma_f32.wgsl",
        source: include_str!("../wgsl/peak/fma_f32.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Peak,
        summary: "independent f32 fma chains, no memory traffic: the f32 arithmetic ceiling",
        default_shape: Shape::Peak { threads: 1 << 20 },
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "peak",
        variant: "fma-f16",
        file: "peak/fma_f16.wgsl",
        source: include_str!("../wgsl/peak/fma_f16.wgsl"),
        dtype: Dtype::F16,
        features: wgpu::Features::SHADER_F16,
        family: Family::Peak,
        summary: "independent f16 fma chains (vec4<f16>): the f16 arithmetic ceiling",
        default_shape: Shape::Peak { threads: 1 << 20 },
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "peak",
        variant: "coop-f16",
        file: "peak/coop_f16.wgsl",
        source: include_str!("../wgsl/peak/coop_f16.wgsl"),
        dtype: Dtype::F16,
        // Native only, as matmul/coop_f16; runs only where the adapter lists 16×16×16 f16 → f32.
        features: TENSOR_CORES,
        family: Family::Peak,
        summary: "independent cooperative-matrix multiply-adds (16×16×16, f16 in, f32 sums): the tensor-core ceiling",
        default_shape: Shape::Peak { threads: 1 << 20 },
        bounds_proven: true,
        tensor_products: 1,
    },
    KernelSpec {
        kernel: "gemv",
        variant: "f32",
        file: "gemv/f32.wgsl",
        source: include_str!("../wgsl/gemv/f32.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Gemv,
        summary: "f32 weights, one workgroup per row: the baseline decode step",
        default_shape: Shape::Gemv {
            rows: 4096,
            cols: 4096,
            batch: 1,
        },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "gemv",
        variant: "f16",
        file: "gemv/f16.wgsl",
        source: include_str!("../wgsl/gemv/f16.wgsl"),
        dtype: Dtype::F16,
        features: wgpu::Features::empty(),
        family: Family::Gemv,
        summary: "f16 weights unpacked in the kernel: half the bytes of f32",
        default_shape: Shape::Gemv {
            rows: 4096,
            cols: 4096,
            batch: 1,
        },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "gemv",
        variant: "q8_0",
        file: "gemv/q8_0.wgsl",
        source: include_str!("../wgsl/gemv/q8_0.wgsl"),
        dtype: Dtype::Q8_0,
        features: wgpu::Features::empty(),
        family: Family::Gemv,
        summary: "GGUF Q8_0 blocks dequantized in the kernel: 8.5 bits per weight",
        default_shape: Shape::Gemv {
            rows: 4096,
            cols: 4096,
            batch: 1,
        },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "gemv",
        variant: "q4_0",
        file: "gemv/q4_0.wgsl",
        source: include_str!("../wgsl/gemv/q4_0.wgsl"),
        dtype: Dtype::Q4_0,
        features: wgpu::Features::empty(),
        family: Family::Gemv,
        summary: "GGUF Q4_0 blocks dequantized in the kernel: 4.5 bits per weight",
        default_shape: Shape::Gemv {
            rows: 4096,
            cols: 4096,
            batch: 1,
        },
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "gemv",
        variant: "q4_0_dp4a",
        file: "gemv/q4_0_dp4a.wgsl",
        source: include_str!("../wgsl/gemv/q4_0_dp4a.wgsl"),
        dtype: Dtype::Q4_0,
        features: wgpu::Features::empty(),
        family: Family::Gemv,
        summary: "Q4_0 times x rounded to 8-bit integers: 4 weights per integer dot product",
        default_shape: Shape::Gemv {
            rows: 4096,
            cols: 4096,
            batch: 1,
        },
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "attention",
        variant: "naive",
        file: "attention/naive.wgsl",
        source: include_str!("../wgsl/attention/naive.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Attention(AttentionKind::Naive),
        summary: "scores, softmax and P·V as three kernels; the N×N matrix goes through memory",
        default_shape: Shape::Attention {
            batch: 1,
            heads: 8,
            seq: 1024,
            head_dim: 64,
            causal: false,
        },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "attention",
        variant: "flash",
        file: "attention/flash.wgsl",
        source: include_str!("../wgsl/attention/flash.wgsl"),
        dtype: Dtype::F32,
        features: wgpu::Features::empty(),
        family: Family::Attention(AttentionKind::Flash),
        summary: "fused FlashAttention: online softmax, the N×N matrix never leaves the chip",
        default_shape: Shape::Attention {
            batch: 1,
            heads: 8,
            seq: 1024,
            head_dim: 64,
            causal: false,
        },
        bounds_proven: true,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "attention",
        variant: "flash_split",
        file: "attention/flash_split.wgsl",
        source: include_str!("../wgsl/attention/flash_split.wgsl"),
        dtype: Dtype::F32,
        // As matmul/coop_split: native only, experimental, 16×16×16 f16 → f32 listed, and
        // subgroups of 32 lanes (each lane owns half a row of a 16-row score block).
        features: TENSOR_CORES,
        family: Family::Attention(AttentionKind::FlashSplit),
        summary: "FP32 FlashAttention on the tensor cores: both products from f16 halves, three fragment products each",
        default_shape: Shape::Attention {
            batch: 1,
            heads: 8,
            seq: 1024,
            head_dim: 64,
            causal: false,
        },
        bounds_proven: true,
        tensor_products: 3,
    },
    KernelSpec {
        kernel: "attention",
        variant: "naive_f16",
        file: "attention/naive_f16.wgsl",
        source: include_str!("../wgsl/attention/naive_f16.wgsl"),
        dtype: Dtype::F16,
        features: wgpu::Features::SHADER_F16,
        family: Family::Attention(AttentionKind::Naive),
        summary: "the naive three kernels with f16 Q, K, V and O (S and the sums in f32)",
        default_shape: Shape::Attention {
            batch: 1,
            heads: 8,
            seq: 1024,
            head_dim: 64,
            causal: false,
        },
        bounds_proven: false,
        tensor_products: 0,
    },
    KernelSpec {
        kernel: "attention",
        variant: "flash_f16",
        file: "attention/flash_f16.wgsl",
        source: include_str!("../wgsl/attention/flash_f16.wgsl"),
        dtype: Dtype::F16,
        features: wgpu::Features::SHADER_F16,
        family: Family::Attention(AttentionKind::Flash),
        summary: "fused FlashAttention with f16 Q, K, V and O; tiles and sums in f32",
        default_shape: Shape::Attention {
            batch: 1,
            heads: 8,
            seq: 1024,
            head_dim: 64,
            causal: false,
        },
        bounds_proven: true,
        tensor_products: 0,
    },
];

/// The default matmul size: large enough to mean something on a laptop GPU, small enough to run
/// in a second on a software rasterizer.
const MATMUL_DEFAULT: Shape = Shape::Matmul {
    m: 512,
    n: 512,
    k: 512,
};

/// [`KernelSpec::tensor_products`] of the registered `kernel`/`variant`, where `variant` may
/// carry a `+FILE` suffix (a `lab bench --wgsl` run, which keeps its variant's arithmetic); 0 for
/// a kernel the registry does not know.
pub fn tensor_products_of(kernel: &str, variant: &str) -> u32 {
    let base = variant.split('+').next().unwrap_or(variant);
    REGISTRY
        .iter()
        .find(|s| s.kernel == kernel && s.variant == base)
        .map_or(0, |s| s.tensor_products)
}

/// The distinct kernel names, in registry order.
pub fn kernel_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for spec in REGISTRY {
        if !names.contains(&spec.kernel) {
            names.push(spec.kernel);
        }
    }
    names
}

/// All variants of a kernel, in ladder order.
pub fn variants(kernel: &str) -> Result<Vec<&'static KernelSpec>, KernelError> {
    let found: Vec<_> = REGISTRY.iter().filter(|s| s.kernel == kernel).collect();
    if found.is_empty() {
        return Err(KernelError::UnknownKernel {
            name: kernel.to_string(),
            available: kernel_names().join(", "),
        });
    }
    Ok(found)
}

/// One variant by `kernel` and `variant` name.
pub fn find(kernel: &str, variant: &str) -> Result<&'static KernelSpec, KernelError> {
    let all = variants(kernel)?;
    all.iter()
        .copied()
        .find(|s| s.variant == variant)
        .ok_or_else(|| KernelError::UnknownKernel {
            name: format!("{kernel}/{variant}"),
            available: all.iter().map(|s| s.id()).collect::<Vec<_>>().join(", "),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_files_match_sources() {
        let mut ids: Vec<String> = REGISTRY.iter().map(KernelSpec::id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), REGISTRY.len());
        for spec in REGISTRY {
            let path = concat!(env!("CARGO_MANIFEST_DIR"), "/wgsl/");
            let on_disk = std::fs::read_to_string(format!("{path}{}", spec.file)).unwrap();
            assert_eq!(
                on_disk,
                spec.source,
                "{} embeds a different file",
                spec.id()
            );
        }
    }

    #[test]
    fn tensor_core_kernels_say_how_many_products_each_takes() {
        // Exactly the kernels that need cooperative matrices run on the tensor cores.
        for spec in REGISTRY {
            let tensor = spec
                .features
                .contains(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX);
            assert_eq!(spec.tensor_products > 0, tensor, "{}", spec.id());
        }
        assert_eq!(tensor_products_of("matmul", "coop_split"), 3);
        assert_eq!(tensor_products_of("matmul", "coop_split+mine.wgsl"), 3);
        assert_eq!(tensor_products_of("attention", "flash_split"), 3);
        assert_eq!(tensor_products_of("peak", "coop-f16"), 1);
        assert_eq!(tensor_products_of("matmul", "vec4"), 0);
        assert_eq!(tensor_products_of("nope", "coop_split"), 0);
    }

    #[test]
    fn cost_models_match_hand_counts() {
        let mm = find("matmul", "naive").unwrap();
        let c = mm.cost(&Shape::Matmul { m: 2, n: 3, k: 4 }).unwrap();
        // 2·2·3·4 = 48 FLOPs; (2·4 + 4·3 + 2·3) = 26 floats = 104 bytes.
        assert_eq!(c.flops, 48.0);
        assert_eq!(c.bytes, 104.0);
        let copy = find("stream", "copy")
            .unwrap()
            .cost(&Shape::Stream { elements: 10 })
            .unwrap();
        assert_eq!((copy.flops, copy.bytes), (0.0, 80.0));
        let read = find("stream", "read")
            .unwrap()
            .cost(&Shape::Stream { elements: 10 })
            .unwrap();
        assert_eq!((read.flops, read.bytes), (10.0, 40.0));
        assert!(mm.cost(&Shape::Stream { elements: 1 }).is_err());
        // The tensor-core variant reads f16 A and B (2 bytes each) and writes f32 C, so it lands
        // on the roofline at its own intensity: 48 FLOPs over 2·(8 + 12) + 4·6 = 64 bytes.
        let coop = find("matmul", "coop_f16").unwrap();
        let c = coop.cost(&Shape::Matmul { m: 2, n: 3, k: 4 }).unwrap();
        assert_eq!((c.flops, c.bytes), (48.0, 64.0));
        assert_eq!(coop.dtype, Dtype::F16);
    }

    #[test]
    fn lookups_name_what_exists() {
        let e = find("matmul", "nope").unwrap_err().to_string();
        assert!(e.contains("matmul/naive"), "{e}");
        let e = variants("conv").unwrap_err().to_string();
        assert!(e.contains("stream") && e.contains("matmul"), "{e}");
        let e = find("matmul", "nope").unwrap_err().to_string();
        assert!(e.contains("matmul/vec4"), "{e}");
    }
}

//! Hardware and model presets, each with its source.
//!
//! GPU peaks are *dense* (no 2:4 sparsity): where a datasheet quotes sparse figures they are halved.
//! Where the curriculum (§3.1) gives a figure, that figure is used. Memory is the marketed capacity
//! in decimal bytes (80 GB = 80·10⁹), as the curriculum does; the driver usually reports a little
//! more (an "80 GB" H100 has 80 GiB), so capacity answers err on the safe side. Bandwidths are
//! decimal bytes/s.
//!
//! Model shapes come from each model's published `config.json` (or paper, where noted). `head_dim`
//! is stored explicitly; MLA models carry their latent and RoPE-key widths.

use serde::Serialize;

use crate::error::{ModelError, Result, invalid};
use crate::kv_cache::KvLayout;

/// A number format for which a GPU has a published peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// FP32 on the regular (non-tensor) units.
    Fp32,
    /// TF32 tensor-core math.
    Tf32,
    /// FP16 tensor-core math.
    Fp16,
    /// BF16 tensor-core math.
    Bf16,
    /// FP8 tensor-core math.
    Fp8,
    /// INT8 tensor-core math (operations per second).
    Int8,
}

impl Precision {
    /// Every precision, in table order.
    pub const ALL: [Precision; 6] = [
        Precision::Fp32,
        Precision::Tf32,
        Precision::Fp16,
        Precision::Bf16,
        Precision::Fp8,
        Precision::Int8,
    ];

    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Tf32 => "tf32",
            Precision::Fp16 => "fp16",
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
            Precision::Int8 => "int8",
        }
    }

    /// Parses a name, case-insensitively.
    pub fn parse(name: &str) -> Result<Precision> {
        Precision::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                invalid(
                    "precision",
                    name,
                    "one of fp32, tf32, fp16, bf16, fp8, int8",
                )
            })
    }
}

/// Dense peak throughput per precision, FLOP/s (OP/s for INT8); `None` where nothing is published.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Peaks {
    /// FP32, non-tensor.
    pub fp32: Option<f64>,
    /// TF32 tensor.
    pub tf32: Option<f64>,
    /// FP16 tensor.
    pub fp16: Option<f64>,
    /// BF16 tensor.
    pub bf16: Option<f64>,
    /// FP8 tensor.
    pub fp8: Option<f64>,
    /// INT8 tensor.
    pub int8: Option<f64>,
}

/// One GPU's datasheet figures.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GpuPreset {
    /// Lookup id (`h100-sxm`).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Memory capacity, bytes.
    pub memory_bytes: u64,
    /// Memory bandwidth, bytes/s.
    pub bandwidth: f64,
    /// Dense peaks per precision.
    pub peaks: Peaks,
    /// Where the figures come from.
    pub source: &'static str,
}

impl GpuPreset {
    /// The dense peak for `precision`, if published.
    pub fn peak(&self, precision: Precision) -> Option<f64> {
        let p = &self.peaks;
        match precision {
            Precision::Fp32 => p.fp32,
            Precision::Tf32 => p.tf32,
            Precision::Fp16 => p.fp16,
            Precision::Bf16 => p.bf16,
            Precision::Fp8 => p.fp8,
            Precision::Int8 => p.int8,
        }
    }

    /// The dense peak for `precision`, or an error listing the precisions this GPU has.
    pub fn require_peak(&self, precision: Precision) -> Result<f64> {
        self.peak(precision).ok_or_else(|| {
            let have: Vec<&str> = Precision::ALL
                .into_iter()
                .filter(|p| self.peak(*p).is_some())
                .map(Precision::as_str)
                .collect();
            invalid(
                "precision",
                precision.as_str(),
                &format!("one with a published {} peak: {}", self.id, have.join(", ")),
            )
        })
    }

    /// Ridge intensity `peak / bandwidth` for `precision`, FLOP/byte.
    pub fn ridge(&self, precision: Precision) -> Option<f64> {
        self.peak(precision).map(|p| p / self.bandwidth)
    }
}

const fn peaks(
    fp32: Option<f64>,
    tf32: Option<f64>,
    fp16: Option<f64>,
    fp8: Option<f64>,
    int8: Option<f64>,
) -> Peaks {
    // BF16 and FP16 tensor rates are equal on every GPU listed that has BF16 units at all.
    Peaks {
        fp32,
        tf32,
        fp16,
        bf16: fp16,
        fp8,
        int8,
    }
}

/// The GPU table.
pub const GPUS: &[GpuPreset] = &[
    GpuPreset {
        id: "v100",
        name: "NVIDIA V100 SXM2 32 GB",
        memory_bytes: 32_000_000_000,
        bandwidth: 900e9,
        peaks: Peaks {
            fp32: Some(15.7e12),
            tf32: None,
            fp16: Some(125e12),
            bf16: None,
            fp8: None,
            int8: None,
        },
        source: "NVIDIA V100 datasheet (SXM2); FP16 tensor 125 TFLOP/s as in curriculum §3.1 (003:L73)",
    },
    GpuPreset {
        id: "a100-40gb",
        name: "NVIDIA A100 SXM 40 GB",
        memory_bytes: 40_000_000_000,
        bandwidth: 1555e9,
        peaks: peaks(
            Some(19.5e12),
            Some(156e12),
            Some(312e12),
            None,
            Some(624e12),
        ),
        source: "NVIDIA A100 datasheet, SXM 40 GB, dense",
    },
    GpuPreset {
        id: "a100-80gb",
        name: "NVIDIA A100 SXM 80 GB",
        memory_bytes: 80_000_000_000,
        bandwidth: 2039e9,
        peaks: peaks(
            Some(19.5e12),
            Some(156e12),
            Some(312e12),
            None,
            Some(624e12),
        ),
        source: "NVIDIA A100 datasheet, SXM 80 GB, dense; 312 TFLOP/s and 2.04 TB/s as in \
                 curriculum §3.1 (003:L74)",
    },
    GpuPreset {
        id: "h100-sxm",
        name: "NVIDIA H100 SXM 80 GB",
        memory_bytes: 80_000_000_000,
        bandwidth: 3.35e12,
        peaks: peaks(
            Some(67e12),
            Some(494.5e12),
            Some(989e12),
            Some(1979e12),
            Some(1979e12),
        ),
        source: "NVIDIA H100 datasheet, SXM, dense (sparse figures halved); FP16 989 and FP8 \
                 1,979 TFLOP/s, 3.35 TB/s as in curriculum §3.1",
    },
    GpuPreset {
        id: "h100-pcie",
        name: "NVIDIA H100 PCIe 80 GB",
        memory_bytes: 80_000_000_000,
        bandwidth: 2.0e12,
        peaks: peaks(
            Some(51e12),
            Some(378e12),
            Some(756.5e12),
            Some(1513e12),
            Some(1513e12),
        ),
        source: "NVIDIA H100 datasheet, PCIe, dense (sparse figures halved)",
    },
    GpuPreset {
        id: "h200",
        name: "NVIDIA H200 SXM 141 GB",
        memory_bytes: 141_000_000_000,
        bandwidth: 4.8e12,
        peaks: peaks(
            Some(67e12),
            Some(494.5e12),
            Some(989e12),
            Some(1979e12),
            Some(1979e12),
        ),
        source: "NVIDIA H200 datasheet, SXM, dense; 989 TFLOP/s, 4.8 TB/s, 141 GB as in \
                 curriculum §3.1 (001:L81)",
    },
    GpuPreset {
        id: "b200",
        name: "NVIDIA B200 180 GB",
        memory_bytes: 180_000_000_000,
        bandwidth: 8e12,
        peaks: peaks(None, None, Some(2250e12), Some(4500e12), None),
        source: "FP16 2,250 TFLOP/s and 8 TB/s from curriculum §3.1 (000:L69, 003:L76); FP8 and \
                 180 GB per GPU from the NVIDIA HGX B200 datasheet (8-GPU totals / 8, dense)",
    },
    GpuPreset {
        id: "rtx-4090",
        name: "NVIDIA GeForce RTX 4090",
        memory_bytes: 24_000_000_000,
        bandwidth: 1008e9,
        peaks: peaks(
            Some(82.6e12),
            Some(82.6e12),
            Some(165.2e12),
            Some(330.3e12),
            Some(660.6e12),
        ),
        source: "NVIDIA Ada Lovelace architecture whitepaper, RTX 4090, dense; FP16/BF16/FP8 with \
                 FP32 accumulate (FP16 accumulate is twice as fast on GeForce)",
    },
    GpuPreset {
        id: "m1",
        name: "Apple M1 (8-core GPU)",
        memory_bytes: 16_000_000_000,
        bandwidth: 68.25e9,
        peaks: peaks(Some(2.6e12), None, None, None, None),
        source: "Apple M1 announcement (Nov 2020): 2.6 TFLOP/s FP32; LPDDR4X-4266 on a 128-bit \
                 bus = 68.25 GB/s; largest memory option 16 GB",
    },
    GpuPreset {
        id: "m1-max",
        name: "Apple M1 Max (32-core GPU)",
        memory_bytes: 64_000_000_000,
        bandwidth: 400e9,
        peaks: peaks(Some(10.4e12), None, None, None, None),
        source: "Apple M1 Pro/Max announcement (Oct 2021): 10.4 TFLOP/s FP32, 400 GB/s, up to 64 GB",
    },
    GpuPreset {
        id: "m2",
        name: "Apple M2 (10-core GPU)",
        memory_bytes: 24_000_000_000,
        bandwidth: 100e9,
        peaks: peaks(Some(3.6e12), None, None, None, None),
        source: "Apple M2 announcement (Jun 2022): 3.6 TFLOP/s FP32, 100 GB/s, up to 24 GB",
    },
    GpuPreset {
        id: "m2-ultra",
        name: "Apple M2 Ultra (76-core GPU)",
        memory_bytes: 192_000_000_000,
        bandwidth: 800e9,
        peaks: peaks(Some(27.2e12), None, None, None, None),
        source: "Apple M2 Ultra announcement (Jun 2023): 27.2 TFLOP/s FP32, 800 GB/s, up to 192 GB",
    },
];

/// MLA cache widths (DeepSeek's `kv_lora_rank` and `qk_rope_head_dim`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MlaDims {
    /// Compressed KV latent width.
    pub latent_dim: u64,
    /// Decoupled RoPE key width.
    pub rope_dim: u64,
}

/// One model's published shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelPreset {
    /// Lookup id (`llama-2-70b`).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Transformer layers (`num_hidden_layers`).
    pub layers: u64,
    /// Hidden size (`hidden_size`).
    pub hidden: u64,
    /// Query heads (`num_attention_heads`).
    pub heads: u64,
    /// KV heads (`num_key_value_heads`).
    pub kv_heads: u64,
    /// Width of one query/key head. For MLA models: `qk_nope_head_dim + qk_rope_head_dim`.
    pub head_dim: u64,
    /// FFN width (`intermediate_size`; per expert for MoE models).
    pub intermediate: u64,
    /// Vocabulary size.
    pub vocab: u64,
    /// Total parameters.
    pub params: u64,
    /// Parameters used per token, for mixture-of-experts models.
    pub active_params: Option<u64>,
    /// MLA widths, for models that cache a latent instead of per-head keys and values.
    pub mla: Option<MlaDims>,
    /// Context length the model was released with (`max_position_embeddings`).
    pub max_context: u64,
    /// Where the figures come from.
    pub source: &'static str,
}

impl ModelPreset {
    /// What the model caches per token per layer.
    pub fn kv_layout(&self) -> KvLayout {
        match self.mla {
            Some(m) => KvLayout::Latent {
                latent_dim: m.latent_dim,
                rope_dim: m.rope_dim,
            },
            None => KvLayout::Heads {
                kv_heads: self.kv_heads,
                head_dim: self.head_dim,
            },
        }
    }
}

/// A dense or MoE model with per-head KV caching; `params` computed from the config (see tests).
#[allow(clippy::too_many_arguments)]
const fn gqa(
    id: &'static str,
    name: &'static str,
    layers: u64,
    hidden: u64,
    heads: u64,
    kv_heads: u64,
    intermediate: u64,
    vocab: u64,
    params: u64,
    max_context: u64,
    source: &'static str,
) -> ModelPreset {
    ModelPreset {
        id,
        name,
        layers,
        hidden,
        heads,
        kv_heads,
        head_dim: 128,
        intermediate,
        vocab,
        params,
        active_params: None,
        mla: None,
        max_context,
        source,
    }
}

/// The model table. Parameter counts of the dense models and Mixtral are exact sums over the
/// configs' tensors (embeddings, attention, MLP, norms; untied output head); the tests recompute
/// them. The DeepSeek counts are the papers' rounded totals.
pub const MODELS: &[ModelPreset] = &[
    gqa(
        "llama-2-7b",
        "Llama 2 7B",
        32,
        4096,
        32,
        32,
        11008,
        32000,
        6_738_415_616,
        4096,
        "config.json of meta-llama/Llama-2-7b-hf",
    ),
    gqa(
        "llama-2-13b",
        "Llama 2 13B",
        40,
        5120,
        40,
        40,
        13824,
        32000,
        13_015_864_320,
        4096,
        "config.json of meta-llama/Llama-2-13b-hf",
    ),
    gqa(
        "llama-2-70b",
        "Llama 2 70B",
        80,
        8192,
        64,
        8,
        28672,
        32000,
        68_976_648_192,
        4096,
        "config.json of meta-llama/Llama-2-70b-hf; 80 layers, 8 KV heads, head_dim 128 as in \
         curriculum F1.32 (002:L227-233)",
    ),
    gqa(
        "llama-3-8b",
        "Llama 3 8B",
        32,
        4096,
        32,
        8,
        14336,
        128256,
        8_030_261_248,
        8192,
        "config.json of meta-llama/Meta-Llama-3-8B",
    ),
    gqa(
        "llama-3.1-8b",
        "Llama 3.1 8B",
        32,
        4096,
        32,
        8,
        14336,
        128256,
        8_030_261_248,
        131072,
        "config.json of meta-llama/Llama-3.1-8B",
    ),
    gqa(
        "llama-3-70b",
        "Llama 3 70B",
        80,
        8192,
        64,
        8,
        28672,
        128256,
        70_553_706_496,
        8192,
        "config.json of meta-llama/Meta-Llama-3-70B",
    ),
    gqa(
        "llama-3.1-70b",
        "Llama 3.1 70B",
        80,
        8192,
        64,
        8,
        28672,
        128256,
        70_553_706_496,
        131072,
        "config.json of meta-llama/Llama-3.1-70B",
    ),
    gqa(
        "llama-3.1-405b",
        "Llama 3.1 405B",
        126,
        16384,
        128,
        8,
        53248,
        128256,
        405_853_388_800,
        131072,
        "config.json of meta-llama/Llama-3.1-405B",
    ),
    gqa(
        "mistral-7b",
        "Mistral 7B v0.1",
        32,
        4096,
        32,
        8,
        14336,
        32000,
        7_241_732_096,
        32768,
        "config.json of mistralai/Mistral-7B-v0.1 (its 4,096-token sliding window, which caps \
         the cache, is not modelled)",
    ),
    ModelPreset {
        active_params: Some(12_879_925_248),
        ..gqa(
            "mixtral-8x7b",
            "Mixtral 8x7B",
            32,
            4096,
            32,
            8,
            14336,
            32000,
            46_702_792_704,
            32768,
            "config.json of mistralai/Mixtral-8x7B-v0.1 (8 experts, 2 active per token)",
        )
    },
    gqa(
        "qwen2.5-7b",
        "Qwen2.5 7B",
        28,
        3584,
        28,
        4,
        18944,
        152064,
        7_615_616_512,
        32768,
        "config.json of Qwen/Qwen2.5-7B-Instruct (32K native context)",
    ),
    gqa(
        "qwen2.5-72b",
        "Qwen2.5 72B",
        80,
        8192,
        64,
        8,
        29568,
        152064,
        72_706_203_648,
        32768,
        "config.json of Qwen/Qwen2.5-72B-Instruct (32K native context)",
    ),
    ModelPreset {
        id: "deepseek-v2",
        name: "DeepSeek-V2",
        layers: 60,
        hidden: 5120,
        heads: 128,
        kv_heads: 128,
        head_dim: 192,
        intermediate: 1536,
        vocab: 102400,
        params: 236_000_000_000,
        active_params: Some(21_000_000_000),
        mla: Some(MlaDims {
            latent_dim: 512,
            rope_dim: 64,
        }),
        max_context: 163840,
        source: "config.json of deepseek-ai/DeepSeek-V2 (kv_lora_rank 512, qk_rope_head_dim 64, \
                 qk_nope_head_dim 128, moe_intermediate_size 1536); 236B total / 21B active \
                 from the DeepSeek-V2 paper (rounded)",
    },
    ModelPreset {
        id: "deepseek-v3",
        name: "DeepSeek-V3",
        layers: 61,
        hidden: 7168,
        heads: 128,
        kv_heads: 128,
        head_dim: 192,
        intermediate: 2048,
        vocab: 129280,
        params: 671_000_000_000,
        active_params: Some(37_000_000_000),
        mla: Some(MlaDims {
            latent_dim: 512,
            rope_dim: 64,
        }),
        max_context: 163840,
        source: "config.json of deepseek-ai/DeepSeek-V3 (kv_lora_rank 512, qk_rope_head_dim 64, \
                 qk_nope_head_dim 128, moe_intermediate_size 2048); 671B total / 37B active \
                 from the DeepSeek-V3 report (rounded; the checkpoint's extra 14B MTP module is \
                 not counted)",
    },
];

fn ids<T>(table: &[T], id: impl Fn(&T) -> &'static str) -> String {
    table.iter().map(id).collect::<Vec<_>>().join(", ")
}

/// Looks up a GPU by id, case-insensitively.
pub fn gpu(id: &str) -> Result<&'static GpuPreset> {
    GPUS.iter()
        .find(|g| g.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| ModelError::UnknownPreset {
            kind: "gpu",
            id: id.to_string(),
            allowed: ids(GPUS, |g| g.id),
        })
}

/// Looks up a model by id, case-insensitively.
pub fn model(id: &str) -> Result<&'static ModelPreset> {
    MODELS
        .iter()
        .find(|m| m.id.eq_ignore_ascii_case(id))
        .ok_or_else(|| ModelError::UnknownPreset {
            kind: "model",
            id: id.to_string(),
            allowed: ids(MODELS, |m| m.id),
        })
}

//! KV-cache size: per token, per request, per GPU, paged, and what fits in memory.
//!
//! For attention with `kv_heads` key/value heads of width `head_dim` (curriculum F1.31–F1.33) every
//! token stores one key and one value vector per KV head per layer:
//! `bytes = 2 · layers · kv_heads · head_dim · tokens · batch · bytes_per_value`.
//! `head_dim` is always explicit (it is not `hidden / heads` in every model), and `kv_heads` is the
//! number of *KV* heads: equal to the query heads for MHA, fewer for GQA, one for MQA.
//!
//! Multi-head latent attention (DeepSeek-V2/V3) caches one compressed latent of `latent_dim` values
//! plus one decoupled RoPE key of `rope_dim` values per token per layer, shared by every head: no
//! factor 2, no head count (F1.34).
//!
//! Byte counts are exact integers. Quantized values are packed per vector (one head's key, one
//! head's value, or one latent): `ceil((dim·bits + groups·scale_bits) / 8)` bytes, where each group of
//! `group_size` values carries one scale when per-group scales are enabled.
//!
//! Tensor parallelism splits the KV heads across GPUs; with more GPUs than KV heads each head is
//! replicated (every GPU holds one), and an MLA latent is replicated on every GPU because all
//! heads need it. Paging rounds each sequence up to whole pages (F1.37); contiguous pre-allocation
//! reserves a maximum length per sequence instead.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result, invalid, mul, positive_int, to_u64};

/// The element type of cached keys and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KvDtype {
    /// 32-bit float.
    Fp32,
    /// 16-bit float.
    Fp16,
    /// bfloat16.
    Bf16,
    /// 8-bit float (E4M3 or E5M2).
    Fp8,
    /// 8-bit integer.
    Int8,
    /// 4-bit integer, two values per byte.
    Int4,
}

impl KvDtype {
    /// Every type, in the order shown to users.
    pub const ALL: [KvDtype; 6] = [
        KvDtype::Fp32,
        KvDtype::Fp16,
        KvDtype::Bf16,
        KvDtype::Fp8,
        KvDtype::Int8,
        KvDtype::Int4,
    ];

    /// Bits per stored value.
    pub fn bits(self) -> u64 {
        match self {
            KvDtype::Fp32 => 32,
            KvDtype::Fp16 | KvDtype::Bf16 => 16,
            KvDtype::Fp8 | KvDtype::Int8 => 8,
            KvDtype::Int4 => 4,
        }
    }

    /// The lowercase name (`"bf16"`).
    pub fn as_str(self) -> &'static str {
        match self {
            KvDtype::Fp32 => "fp32",
            KvDtype::Fp16 => "fp16",
            KvDtype::Bf16 => "bf16",
            KvDtype::Fp8 => "fp8",
            KvDtype::Int8 => "int8",
            KvDtype::Int4 => "int4",
        }
    }

    /// Parses a name as printed by [`KvDtype::as_str`], case-insensitively.
    pub fn parse(name: &str) -> Result<KvDtype> {
        KvDtype::ALL
            .into_iter()
            .find(|d| d.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| invalid("dtype", name, "one of fp32, fp16, bf16, fp8, int8, int4"))
    }
}

/// One scale stored per group of values, as in block-quantized KV caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupScale {
    /// Values sharing one scale, counted within one vector (the last group may be partial).
    pub group_size: u64,
    /// Bits per scale (16 for an FP16 scale, 32 for FP32).
    pub scale_bits: u64,
}

/// What one layer caches per token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KvLayout {
    /// MHA, GQA or MQA: a key and a value vector per KV head.
    Heads {
        /// KV heads per layer (query heads for MHA, fewer for GQA, 1 for MQA).
        kv_heads: u64,
        /// Width of one head's key (and value) vector.
        head_dim: u64,
    },
    /// Multi-head latent attention: one latent plus one decoupled RoPE key, shared by all heads.
    Latent {
        /// Width of the compressed KV latent (DeepSeek's `kv_lora_rank`).
        latent_dim: u64,
        /// Width of the decoupled RoPE key (DeepSeek's `qk_rope_head_dim`).
        rope_dim: u64,
    },
}

/// GPU memory left for the cache, to ask what fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FitInput {
    /// Memory of one GPU, bytes.
    pub gpu_memory_bytes: u64,
    /// Weights of the whole model, bytes; tensor parallelism splits them evenly.
    pub weight_bytes: u64,
    /// Everything else per GPU (activations, runtime, fragmentation reserve), bytes.
    pub overhead_bytes: u64,
}

/// A KV-cache question: one model shape, one context length, one batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvCacheInput {
    /// Transformer layers.
    pub layers: u64,
    /// Head-based or latent cache.
    pub layout: KvLayout,
    /// Tokens cached per sequence (prompt plus generated).
    pub tokens: u64,
    /// Sequences.
    pub batch: u64,
    /// Element type of the cache.
    pub dtype: KvDtype,
    /// Per-group scales, for quantized caches.
    pub group_scale: Option<GroupScale>,
    /// Tensor-parallel GPUs (1 for none).
    pub tp: u64,
    /// Page (block) size in tokens for a paged cache; `None` for exact-length storage.
    pub page_size: Option<u64>,
    /// Contiguous pre-allocation per sequence, in tokens, to compare paging against.
    pub reserve_tokens: Option<u64>,
    /// Memory budget for the capacity questions.
    pub fit: Option<FitInput>,
}

impl KvCacheInput {
    /// A plain GQA/MHA/MQA question with no paging, scales, sharding or fit.
    pub fn heads(
        layers: u64,
        kv_heads: u64,
        head_dim: u64,
        tokens: u64,
        batch: u64,
        dtype: KvDtype,
    ) -> KvCacheInput {
        KvCacheInput {
            layers,
            layout: KvLayout::Heads { kv_heads, head_dim },
            tokens,
            batch,
            dtype,
            group_scale: None,
            tp: 1,
            page_size: None,
            reserve_tokens: None,
            fit: None,
        }
    }

    /// Checks every field, including that `tp` splits the KV heads evenly.
    pub fn validate(&self) -> Result<()> {
        positive_int("layers", self.layers)?;
        positive_int("tp", self.tp)?;
        match self.layout {
            KvLayout::Heads { kv_heads, head_dim } => {
                positive_int("kv_heads", kv_heads)?;
                positive_int("head_dim", head_dim)?;
                if self.tp <= kv_heads && !kv_heads.is_multiple_of(self.tp)
                    || self.tp > kv_heads && !self.tp.is_multiple_of(kv_heads)
                {
                    return Err(invalid(
                        "tp",
                        self.tp,
                        &format!(
                            "a divisor or a multiple of kv_heads ({kv_heads}) so heads split evenly"
                        ),
                    ));
                }
            }
            KvLayout::Latent {
                latent_dim,
                rope_dim: _,
            } => {
                positive_int("latent_dim", latent_dim)?;
            }
        }
        positive_int("tokens", self.tokens)?;
        positive_int("batch", self.batch)?;
        if let Some(g) = self.group_scale {
            positive_int("group_size", g.group_size)?;
            if g.scale_bits == 0 || g.scale_bits > 64 {
                return Err(invalid(
                    "scale_bits",
                    g.scale_bits,
                    "an integer from 1 to 64",
                ));
            }
        }
        if let Some(p) = self.page_size {
            positive_int("page_size", p)?;
        }
        if let Some(r) = self.reserve_tokens
            && r < self.tokens
        {
            return Err(invalid(
                "reserve_tokens",
                r,
                &format!("at least tokens ({})", self.tokens),
            ));
        }
        Ok(())
    }
}

/// Paged allocation of one sequence and of the batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PagingReport {
    /// Tokens per page.
    pub page_size: u64,
    /// `ceil(tokens / page_size)`.
    pub pages_per_sequence: u64,
    /// Empty slots in each sequence's last page, `pages·page_size − tokens`.
    pub waste_tokens_per_sequence: u64,
    /// Bytes of empty slots over the whole batch, all GPUs counted once.
    pub waste_bytes: u64,
    /// `waste_bytes / total_bytes`.
    pub waste_fraction: f64,
}

/// Contiguous pre-allocation to a maximum length, for comparison with paging.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContiguousReport {
    /// Tokens reserved per sequence.
    pub reserve_tokens: u64,
    /// Bytes reserved for the whole batch.
    pub reserved_bytes: u64,
    /// Reserved but unused bytes.
    pub waste_bytes: u64,
    /// `1 − tokens / reserve_tokens`.
    pub waste_fraction: f64,
}

/// What fits on each GPU.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// `ceil(weight_bytes / tp)`.
    pub weight_bytes_per_gpu: u64,
    /// GPU memory minus weights and overhead (0 when they do not fit).
    pub available_bytes_per_gpu: u64,
    /// Whether weights and overhead fit at all.
    pub weights_fit: bool,
    /// Largest batch of `tokens`-long sequences that fits (paging included).
    pub max_batch: u64,
    /// Longest context for `batch` sequences that fits (whole pages when paged).
    pub max_tokens: u64,
}

/// The cache, exactly, in bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KvCacheReport {
    /// Bytes of one cached value vector (a head's key or value, or a latent), packing and scales
    /// included.
    pub bytes_per_vector: u64,
    /// Bytes one token adds across all layers, one copy (no replication).
    pub bytes_per_token: u64,
    /// Bytes one token adds on each GPU.
    pub bytes_per_token_per_gpu: u64,
    /// Tokens allocated per sequence: `tokens`, rounded up to whole pages when paged.
    pub allocated_tokens_per_sequence: u64,
    /// `bytes_per_token · allocated tokens · batch`: the cache as stored, one copy.
    pub total_bytes: u64,
    /// `bytes_per_token · tokens · batch`: without page rounding.
    pub exact_bytes: u64,
    /// The cache on each GPU under tensor parallelism.
    pub per_gpu_bytes: u64,
    /// `per_gpu_bytes · tp`: all copies together.
    pub all_gpus_bytes: u64,
    /// KV heads (or latents) held by each GPU per layer.
    pub kv_heads_per_gpu: u64,
    /// How many GPUs hold each KV head: 1 unless `tp` exceeds the KV heads (or MLA).
    pub replication: u64,
    /// Paging details, when a page size was given.
    pub paging: Option<PagingReport>,
    /// Contiguous pre-allocation, when a reservation was given.
    pub contiguous: Option<ContiguousReport>,
    /// Capacity, when a memory budget was given.
    pub fit: Option<FitReport>,
}

/// Bytes of one packed vector of `dim` values with optional per-group scales.
pub fn bytes_per_vector(dim: u64, dtype: KvDtype, scale: Option<GroupScale>) -> Result<u64> {
    let value_bits = mul("vector bits", dim.into(), dtype.bits().into())?;
    let scale_bits = match scale {
        Some(g) if g.group_size > 0 => mul(
            "vector bits",
            dim.div_ceil(g.group_size).into(),
            g.scale_bits.into(),
        )?,
        _ => 0,
    };
    to_u64("bytes per vector", (value_bits + scale_bits).div_ceil(8))
}

/// Evaluates the KV-cache model.
pub fn compute(input: &KvCacheInput) -> Result<KvCacheReport> {
    input.validate()?;
    let tp = input.tp;
    let (dim, vectors_per_layer, per_gpu_vectors, kv_heads_per_gpu, replication) =
        match input.layout {
            KvLayout::Heads { kv_heads, head_dim } => {
                let per_gpu = if tp <= kv_heads { kv_heads / tp } else { 1 };
                let replication = if tp <= kv_heads { 1 } else { tp / kv_heads };
                (
                    head_dim,
                    2 * u128::from(kv_heads),
                    2 * u128::from(per_gpu),
                    per_gpu,
                    replication,
                )
            }
            KvLayout::Latent {
                latent_dim,
                rope_dim,
            } => {
                let dim = latent_dim
                    .checked_add(rope_dim)
                    .ok_or(ModelError::Overflow {
                        what: "latent width",
                    })?;
                (dim, 1, 1, 1, tp)
            }
        };
    let bpv = bytes_per_vector(dim, input.dtype, input.group_scale)?;
    let layers = u128::from(input.layers);
    let bpt = mul(
        "bytes per token",
        mul("bytes per token", layers, vectors_per_layer)?,
        bpv.into(),
    )?;
    let bpt_gpu = mul(
        "bytes per token",
        mul("bytes per token", layers, per_gpu_vectors)?,
        bpv.into(),
    )?;
    let allocated = match input.page_size {
        Some(p) => input
            .tokens
            .div_ceil(p)
            .checked_mul(p)
            .ok_or(ModelError::Overflow {
                what: "allocated tokens",
            })?,
        None => input.tokens,
    };
    let batch = u128::from(input.batch);
    let total = mul(
        "total bytes",
        mul("total bytes", bpt, allocated.into())?,
        batch,
    )?;
    let exact = mul(
        "total bytes",
        mul("total bytes", bpt, input.tokens.into())?,
        batch,
    )?;
    let per_gpu = mul(
        "per-GPU bytes",
        mul("per-GPU bytes", bpt_gpu, allocated.into())?,
        batch,
    )?;
    let all_gpus = mul("all-GPU bytes", per_gpu, tp.into())?;

    let paging = input.page_size.map(|page_size| PagingReport {
        page_size,
        pages_per_sequence: allocated / page_size,
        waste_tokens_per_sequence: allocated - input.tokens,
        waste_bytes: (total - exact) as u64,
        waste_fraction: (total - exact) as f64 / total as f64,
    });
    let contiguous = match input.reserve_tokens {
        Some(reserve) => {
            let reserved = mul(
                "reserved bytes",
                mul("reserved bytes", bpt, reserve.into())?,
                batch,
            )?;
            Some(ContiguousReport {
                reserve_tokens: reserve,
                reserved_bytes: to_u64("reserved bytes", reserved)?,
                waste_bytes: to_u64("reserved bytes", reserved - exact)?,
                waste_fraction: 1.0 - input.tokens as f64 / reserve as f64,
            })
        }
        None => None,
    };
    let fit = input
        .fit
        .map(|f| fit(&f, tp, bpt_gpu, allocated, input))
        .transpose()?;
    Ok(KvCacheReport {
        bytes_per_vector: bpv,
        bytes_per_token: to_u64("bytes per token", bpt)?,
        bytes_per_token_per_gpu: to_u64("bytes per token", bpt_gpu)?,
        allocated_tokens_per_sequence: allocated,
        total_bytes: to_u64("total bytes", total)?,
        exact_bytes: to_u64("total bytes", exact)?,
        per_gpu_bytes: to_u64("per-GPU bytes", per_gpu)?,
        all_gpus_bytes: to_u64("all-GPU bytes", all_gpus)?,
        kv_heads_per_gpu,
        replication,
        paging,
        contiguous,
        fit,
    })
}

fn fit(
    f: &FitInput,
    tp: u64,
    bpt_gpu: u128,
    allocated: u64,
    input: &KvCacheInput,
) -> Result<FitReport> {
    let weight_bytes_per_gpu = f.weight_bytes.div_ceil(tp);
    let used = u128::from(weight_bytes_per_gpu) + u128::from(f.overhead_bytes);
    let memory = u128::from(f.gpu_memory_bytes);
    let weights_fit = used <= memory;
    let available = memory.saturating_sub(used);
    // Saturating: a product past u128 can only mean "nothing fits", which division by it gives.
    let per_sequence = bpt_gpu.saturating_mul(u128::from(allocated));
    let max_batch = available.checked_div(per_sequence).unwrap_or(0);
    let per_token_of_batch = bpt_gpu.saturating_mul(u128::from(input.batch));
    let mut max_tokens = available.checked_div(per_token_of_batch).unwrap_or(0);
    if let Some(p) = input.page_size {
        max_tokens -= max_tokens % u128::from(p);
    }
    Ok(FitReport {
        weight_bytes_per_gpu,
        available_bytes_per_gpu: to_u64("available bytes", available)?,
        weights_fit,
        max_batch: to_u64("max batch", max_batch)?,
        max_tokens: to_u64("max tokens", max_tokens)?,
    })
}

//! ZeRO memory per GPU (Rajbhandari et al. 2020), term by term, with optional CPU offload and an
//! activation estimate; and DeepSpeed's own estimator formulas as a second, separately labelled model.
//!
//! Mixed-precision Adam keeps, per parameter, 2 bytes of FP16/BF16 weights, 2 bytes of gradients
//! and `K = 12` bytes of optimizer state (FP32 master weights, momentum and variance). With `N_d`
//! data-parallel ranks (curriculum F1.46):
//!
//! | stage | params | grads | optimizer |
//! |---|---|---|---|
//! | 0 | 2Ψ | 2Ψ | KΨ |
//! | 1 | 2Ψ | 2Ψ | KΨ/N_d |
//! | 2 | 2Ψ | 2Ψ/N_d | KΨ/N_d |
//! | 3 | 2Ψ/N_d | 2Ψ/N_d | KΨ/N_d |
//!
//! A sharded term holds `ceil(Ψ / N_d)` elements per rank — partitions are padded to equal size,
//! so every byte count stays an exact integer. The headline "4×, 8×, N_d×" savings are the limits as
//! `N_d → ∞`, not what a finite cluster gets. Activations, temporary buffers and fragmentation are
//! not model states and come on top.

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid, mul, positive_int, to_u64};

/// Activation memory of one data-parallel rank, estimated with the per-layer count of Korthikanti
/// et al. 2022 (16-bit activations, no tensor or sequence parallelism):
/// `s·b·h·(34 + 5·a·s/h)` bytes per layer, or `2·s·b·h` per layer when each layer keeps only its
/// input and recomputes the rest (full activation checkpointing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationInput {
    /// Transformer layers `L`.
    pub layers: u64,
    /// Hidden size `h`.
    pub hidden: u64,
    /// Attention heads `a`.
    pub heads: u64,
    /// Sequence length `s`.
    pub seq_len: u64,
    /// Micro-batch per GPU `b`.
    pub micro_batch: u64,
    /// Whether activation checkpointing is on (decides which estimate counts in the total).
    pub checkpointing: bool,
}

/// A ZeRO configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroInput {
    /// Parameters `Ψ`.
    pub params: u64,
    /// Data-parallel ranks `N_d`.
    pub gpus: u64,
    /// ZeRO stage, 0 (plain data parallelism) to 3.
    pub stage: u8,
    /// Optimizer bytes per parameter `K` (12 for mixed-precision Adam).
    pub optimizer_bytes: u64,
    /// Bytes per working parameter (2 for FP16/BF16).
    pub param_bytes: u64,
    /// Bytes per gradient (2 for FP16/BF16).
    pub grad_bytes: u64,
    /// Keep optimizer states in CPU memory (ZeRO-Offload; stages 1–3).
    pub offload_optimizer: bool,
    /// Keep parameters in CPU memory (ZeRO-Infinity style; stage 3 only).
    pub offload_params: bool,
    /// An activation estimate to add.
    pub activations: Option<ActivationInput>,
}

impl ZeroInput {
    /// Mixed-precision Adam (`K = 12`, 2-byte params and grads), no offload, no activations.
    pub fn adam(params: u64, gpus: u64, stage: u8) -> ZeroInput {
        ZeroInput {
            params,
            gpus,
            stage,
            optimizer_bytes: 12,
            param_bytes: 2,
            grad_bytes: 2,
            offload_optimizer: false,
            offload_params: false,
            activations: None,
        }
    }

    /// Checks every field and the offload/stage combinations.
    pub fn validate(&self) -> Result<()> {
        positive_int("params", self.params)?;
        positive_int("gpus", self.gpus)?;
        if self.stage > 3 {
            return Err(invalid("stage", self.stage, "0, 1, 2 or 3"));
        }
        positive_int("param_bytes", self.param_bytes)?;
        if self.offload_optimizer && self.stage == 0 {
            return Err(invalid(
                "offload_optimizer",
                true,
                "used with stage 1, 2 or 3",
            ));
        }
        if self.offload_params && self.stage != 3 {
            return Err(invalid("offload_params", true, "used with stage 3 only"));
        }
        if let Some(a) = &self.activations {
            positive_int("layers", a.layers)?;
            positive_int("hidden", a.hidden)?;
            positive_int("heads", a.heads)?;
            positive_int("seq_len", a.seq_len)?;
            positive_int("micro_batch", a.micro_batch)?;
        }
        Ok(())
    }
}

/// Model-state bytes by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Breakdown {
    /// Working parameters.
    pub params: u64,
    /// Gradients.
    pub grads: u64,
    /// Optimizer states.
    pub optimizer: u64,
}

impl Breakdown {
    /// `params + grads + optimizer`.
    pub fn total(&self) -> u64 {
        self.params + self.grads + self.optimizer
    }
}

/// Activation estimates for one rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivationReport {
    /// `L·(34·s·b·h + 5·a·s²·b)` bytes.
    pub without_checkpointing_bytes: u64,
    /// `L·2·s·b·h` stored layer inputs, plus one layer's full activations while it is recomputed.
    pub with_checkpointing_bytes: u64,
    /// The estimate that matches `checkpointing`.
    pub used_bytes: u64,
}

/// ZeRO memory of one rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZeroReport {
    /// Model states in GPU memory, bytes: the sum of `breakdown`.
    pub per_gpu_bytes: u64,
    /// GPU-resident model states by kind.
    pub breakdown: Breakdown,
    /// Model states offloaded to CPU memory by this rank, bytes.
    pub cpu_bytes: u64,
    /// Offloaded model states by kind.
    pub cpu_breakdown: Breakdown,
    /// Stage 0 without offload: `(param_bytes + grad_bytes + K)·Ψ`.
    pub baseline_bytes: u64,
    /// `baseline_bytes / per_gpu_bytes`.
    pub reduction: f64,
    /// Activations, when asked for.
    pub activations: Option<ActivationReport>,
    /// `per_gpu_bytes` plus the activation estimate in use.
    pub per_gpu_total_bytes: u64,
}

/// Evaluates the ZeRO model.
pub fn compute(input: &ZeroInput) -> Result<ZeroReport> {
    input.validate()?;
    let psi = u128::from(input.params);
    let shard = u128::from(input.params.div_ceil(input.gpus));
    let s = input.stage;
    let term = |bytes: u64, sharded: bool| -> Result<u64> {
        to_u64(
            "model-state bytes",
            mul(
                "model-state bytes",
                if sharded { shard } else { psi },
                bytes.into(),
            )?,
        )
    };
    let states = Breakdown {
        params: term(input.param_bytes, s >= 3)?,
        grads: term(input.grad_bytes, s >= 2)?,
        optimizer: term(input.optimizer_bytes, s >= 1)?,
    };
    let mut gpu = states;
    let mut cpu = Breakdown::default();
    if input.offload_optimizer {
        cpu.optimizer = gpu.optimizer;
        gpu.optimizer = 0;
    }
    if input.offload_params {
        cpu.params = gpu.params;
        gpu.params = 0;
    }
    let per_term = input
        .param_bytes
        .checked_add(input.grad_bytes)
        .and_then(|b| b.checked_add(input.optimizer_bytes))
        .ok_or(crate::ModelError::Overflow {
            what: "bytes per parameter",
        })?;
    let baseline_bytes = to_u64(
        "baseline bytes",
        mul("baseline bytes", psi, per_term.into())?,
    )?;
    let per_gpu_bytes = gpu.total();
    let activations = input
        .activations
        .as_ref()
        .map(activation_estimate)
        .transpose()?;
    let per_gpu_total_bytes = per_gpu_bytes
        .checked_add(activations.as_ref().map_or(0, |a| a.used_bytes))
        .ok_or(crate::ModelError::Overflow {
            what: "per-GPU bytes",
        })?;
    Ok(ZeroReport {
        per_gpu_bytes,
        breakdown: gpu,
        cpu_bytes: cpu.total(),
        cpu_breakdown: cpu,
        baseline_bytes,
        reduction: baseline_bytes as f64 / per_gpu_bytes as f64,
        activations,
        per_gpu_total_bytes,
    })
}

/// The activation estimate of [`ActivationInput`].
pub fn activation_estimate(a: &ActivationInput) -> Result<ActivationReport> {
    let what = "activation bytes";
    let (l, h, heads, s, b) = (
        u128::from(a.layers),
        u128::from(a.hidden),
        u128::from(a.heads),
        u128::from(a.seq_len),
        u128::from(a.micro_batch),
    );
    let sbh = mul(what, mul(what, s, b)?, h)?;
    // 34·s·b·h: QKV, attention output, MLP and layer-norm inputs, dropout masks (16-bit values,
    // 1-byte masks); 5·a·s²·b: attention scores, softmax output and its dropout mask.
    let per_layer =
        mul(what, 34, sbh)? + mul(what, mul(what, mul(what, 5, heads)?, mul(what, s, s)?)?, b)?;
    let without = mul(what, l, per_layer)?;
    let with = mul(what, mul(what, l, 2)?, sbh)? + per_layer;
    let (without, with) = (to_u64(what, without)?, to_u64(what, with)?);
    Ok(ActivationReport {
        without_checkpointing_bytes: without,
        with_checkpointing_bytes: with,
        used_bytes: if a.checkpointing { with } else { without },
    })
}

/// Inputs of DeepSpeed's `estimate_zero2_model_states_mem_needs` and
/// `estimate_zero3_model_states_mem_needs` (DeepSpeed, `deepspeed/runtime/zero/stage_1_and_2.py`
/// and `stage3.py`), re-derived here as formulas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSpeedInput {
    /// 2 or 3: DeepSpeed has an estimator for these two stages only.
    pub stage: u8,
    /// Parameters.
    pub params: u64,
    /// Parameters of the largest single module (stage 3 gathers one at a time).
    pub largest_layer_params: u64,
    /// GPUs per node.
    pub gpus_per_node: u64,
    /// Nodes.
    pub nodes: u64,
    /// Optimizer states offloaded to CPU.
    pub offload_optimizer: bool,
    /// Parameters offloaded to CPU too (stage 3, together with `offload_optimizer`).
    pub offload_params: bool,
    /// Whether the model is built with `zero.Init` (stage 3): changes the CPU estimate.
    pub zero_init: bool,
    /// DeepSpeed's safety margin on CPU memory (its default is 1.5).
    pub buffer_factor: f64,
}

impl DeepSpeedInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        if self.stage != 2 && self.stage != 3 {
            return Err(invalid(
                "stage",
                self.stage,
                "2 or 3 (DeepSpeed estimates only these)",
            ));
        }
        positive_int("params", self.params)?;
        positive_int("gpus_per_node", self.gpus_per_node)?;
        positive_int("nodes", self.nodes)?;
        if self.offload_params && !(self.stage == 3 && self.offload_optimizer) {
            return Err(invalid(
                "offload_params",
                true,
                "used with stage 3 and offload_optimizer",
            ));
        }
        if !(self.buffer_factor.is_finite() && self.buffer_factor >= 1.0) {
            return Err(invalid(
                "buffer_factor",
                self.buffer_factor,
                "a finite number of at least 1",
            ));
        }
        Ok(())
    }
}

/// DeepSpeed's estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeepSpeedReport {
    /// GPU memory per GPU, bytes.
    pub gpu_bytes_per_gpu: u64,
    /// CPU memory per node, bytes.
    pub cpu_bytes_per_node: u64,
    /// `4 · largest_layer_params` (stage 3), bytes.
    pub largest_layer_bytes: Option<u64>,
}

/// Evaluates DeepSpeed's estimator formulas. They are computed in floating point and truncated,
/// as the Python original does, so results match its printout byte for byte.
pub fn deepspeed_estimate(input: &DeepSpeedInput) -> Result<DeepSpeedReport> {
    input.validate()?;
    let psi = input.params as f64;
    let gpn = input.gpus_per_node as f64;
    let nodes = input.nodes as f64;
    let total_gpus = gpn * nodes;
    let f = input.buffer_factor;
    let (gpu, cpu, largest) = if input.stage == 2 {
        if input.offload_optimizer {
            (2.0 * psi, psi * (4.0 * total_gpus).max(16.0) * f, None)
        } else {
            (
                4.0 * psi + (16.0 * psi / total_gpus).trunc(),
                psi * 4.0 * gpn * f,
                None,
            )
        }
    } else {
        let largest_params = input.largest_layer_params as f64;
        let largest = 4.0 * largest_params;
        let per_node = 1.0 / nodes;
        let (gpu, cpu) = match (input.offload_optimizer, input.offload_params) {
            (true, true) => {
                // Same operation order as the Python original, so rounding matches too.
                let cpu = if input.zero_init {
                    psi * 18.0 * per_node * f
                } else {
                    psi * (4.0 * gpn).max(18.0 * per_node) * f
                };
                (largest, cpu)
            }
            (true, false) => {
                let cpu = if input.zero_init {
                    psi * 16.0 * per_node * f
                } else {
                    psi * (4.0 * gpn).max(16.0 * per_node) * f
                };
                (largest + (2.0 * psi / total_gpus).trunc(), cpu)
            }
            _ => {
                let cpu = if input.zero_init {
                    largest_params * 4.0 * gpn * f
                } else {
                    psi * 4.0 * gpn * f
                };
                (largest + (18.0 * psi / total_gpus).trunc(), cpu)
            }
        };
        (gpu, cpu, Some(largest))
    };
    let to_bytes = |x: f64| -> Result<u64> {
        if x < u64::MAX as f64 {
            Ok(x.trunc() as u64)
        } else {
            Err(crate::ModelError::Overflow {
                what: "DeepSpeed estimate",
            })
        }
    };
    Ok(DeepSpeedReport {
        gpu_bytes_per_gpu: to_bytes(gpu)?,
        cpu_bytes_per_node: to_bytes(cpu)?,
        largest_layer_bytes: largest.map(to_bytes).transpose()?,
    })
}

//! Decode intensity versus batch size, and the weight-streaming floor on time per token.
//!
//! One decode step of a batch of `B` streams does about `2·P·B` FLOPs and must read every weight
//! once (`P·b_param` bytes) plus one activation vector per stream (`B·d_model·b_act` bytes), so
//! `I(B) = 2·P·B / (P·b_param + B·d_model·b_act)` (curriculum F1.24). At batch 1 and FP16 that is
//! about 1 FLOP/byte, which is why decode is memory-bound. Streaming the weights once per step sets
//! the floor `t ≥ P·b_param / (N·BW)` over `N` tensor-parallel GPUs (F1.25). Both ignore KV-cache
//! reads, which only lower the real intensity further.

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid, positive, positive_int};
use crate::roofline::Bound;

/// A model decoding a batch on one or more GPUs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeInput {
    /// Parameter count `P`.
    pub params: u64,
    /// Concurrent streams `B`, each producing one token per step.
    pub batch: u64,
    /// Bytes per stored weight (2 for FP16, 0.5 for 4-bit, 0.53125 for 4.25 bits per weight).
    pub bytes_per_param: f64,
    /// Hidden size `d_model`.
    pub hidden: u64,
    /// Bytes per activation element (2 for FP16).
    pub bytes_per_activation: f64,
    /// Memory bandwidth of one GPU, bytes/s.
    pub bandwidth: f64,
    /// Peak compute of one GPU, FLOP/s; enables the ridge batch and the compute term.
    pub peak_flops: Option<f64>,
    /// Tensor-parallel GPUs sharing the weights (1 for a single GPU).
    pub gpus: u64,
}

impl DecodeInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        positive_int("params", self.params)?;
        positive_int("batch", self.batch)?;
        positive("bytes_per_param", self.bytes_per_param)?;
        positive_int("hidden", self.hidden)?;
        if !(self.bytes_per_activation.is_finite() && self.bytes_per_activation >= 0.0) {
            return Err(invalid(
                "bytes_per_activation",
                self.bytes_per_activation,
                "a finite number of at least 0",
            ));
        }
        positive("bandwidth", self.bandwidth)?;
        if let Some(p) = self.peak_flops {
            positive("peak_flops", p)?;
        }
        positive_int("gpus", self.gpus)?;
        Ok(())
    }
}

/// The decode step, its intensity and its time floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecodeReport {
    /// `2·P·B` FLOPs per step.
    pub flops_per_step: f64,
    /// `P·b_param + B·d_model·b_act` bytes per step.
    pub bytes_per_step: f64,
    /// `flops_per_step / bytes_per_step`, FLOP/byte.
    pub intensity: f64,
    /// Weight bytes, `P·b_param` rounded up to a whole byte.
    pub weight_bytes: u64,
    /// Weight bytes each GPU streams per step, `ceil(P·b_param / N)`.
    pub weight_bytes_per_gpu: u64,
    /// Weight-streaming floor on the time of one step (one token per stream), seconds.
    pub time_per_token_s: f64,
    /// `1 / time_per_token_s`: the ceiling on tokens/s for one stream.
    pub tokens_per_s_per_stream: f64,
    /// `B / time_per_token_s`: the ceiling on tokens/s for the whole batch.
    pub tokens_per_s_batch: f64,
    /// `peak_flops / bandwidth`, when a peak was given.
    pub ridge_intensity: Option<f64>,
    /// The batch at which `I(B)` reaches the ridge, as a real number; `None` when no batch does
    /// (the intensity approaches `2P / (d_model·b_act)` and that asymptote is below the ridge).
    pub ridge_batch: Option<f64>,
    /// The smallest whole batch at or past the ridge.
    pub ridge_batch_integer: Option<u64>,
    /// Memory- or compute-bound at this batch, when a peak was given.
    pub bound: Option<Bound>,
    /// `max(bytes/(N·BW), flops/(N·peak))`: the roofline time of one step, when a peak was given.
    pub step_time_s: Option<f64>,
}

/// `I(B)` for a batch `batch`; the formula of F1.24.
pub fn intensity(
    params: f64,
    batch: f64,
    bytes_per_param: f64,
    hidden: f64,
    bytes_act: f64,
) -> f64 {
    2.0 * params * batch / (params * bytes_per_param + batch * hidden * bytes_act)
}

/// Evaluates the decode model.
pub fn compute(input: &DecodeInput) -> Result<DecodeReport> {
    input.validate()?;
    let p = input.params as f64;
    let b = input.batch as f64;
    let d = input.hidden as f64;
    let n = input.gpus as f64;
    let flops_per_step = 2.0 * p * b;
    let bytes_per_step = p * input.bytes_per_param + b * d * input.bytes_per_activation;
    let intensity = flops_per_step / bytes_per_step;
    // P·b_param is exact in f64 for every realistic P (< 2^53) and byte width (a dyadic fraction);
    // rounding up covers packings such as 4.25 bits per weight on odd counts.
    let weight_f = p * input.bytes_per_param;
    if weight_f >= u64::MAX as f64 {
        return Err(crate::ModelError::Overflow {
            what: "weight bytes",
        });
    }
    let weight_bytes = weight_f.ceil() as u64;
    let weight_bytes_per_gpu = weight_bytes.div_ceil(input.gpus);
    let time_per_token_s = weight_f / (n * input.bandwidth);
    let ridge_intensity = input.peak_flops.map(|peak| peak / input.bandwidth);
    let ridge_batch = ridge_intensity.and_then(|ridge| {
        // Solve 2PB = ridge·(P·b_param + B·d·b_act) for B.
        let denom = 2.0 * p - ridge * d * input.bytes_per_activation;
        (denom > 0.0).then(|| ridge * p * input.bytes_per_param / denom)
    });
    let ridge_batch_integer = match (ridge_batch, ridge_intensity) {
        // Beyond 2^53 a batch is not a meaningful integer any more.
        (Some(rb), Some(ridge)) if rb < 9.0e15 => {
            let mut k = (rb.ceil() as u64).max(1);
            // The division can land a hair off an exact integer; settle on the smallest batch
            // whose intensity really reaches the ridge (a few steps at most).
            for _ in 0..4 {
                if k > 1 && intensity_of(input, (k - 1) as f64) >= ridge {
                    k -= 1;
                } else if intensity_of(input, k as f64) < ridge {
                    k += 1;
                }
            }
            Some(k)
        }
        _ => None,
    };
    let bound = ridge_intensity.map(|r| {
        if intensity < r {
            Bound::Memory
        } else {
            Bound::Compute
        }
    });
    let step_time_s = input
        .peak_flops
        .map(|peak| (bytes_per_step / (n * input.bandwidth)).max(flops_per_step / (n * peak)));
    Ok(DecodeReport {
        flops_per_step,
        bytes_per_step,
        intensity,
        weight_bytes,
        weight_bytes_per_gpu,
        time_per_token_s,
        tokens_per_s_per_stream: 1.0 / time_per_token_s,
        tokens_per_s_batch: b / time_per_token_s,
        ridge_intensity,
        ridge_batch,
        ridge_batch_integer,
        bound,
        step_time_s,
    })
}

fn intensity_of(input: &DecodeInput, batch: f64) -> f64 {
    intensity(
        input.params as f64,
        batch,
        input.bytes_per_param,
        input.hidden as f64,
        input.bytes_per_activation,
    )
}

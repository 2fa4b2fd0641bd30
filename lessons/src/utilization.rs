//! Utilization metrics: model FLOPs utilization (MFU) and its hardware variant (HFU), memory
//! bandwidth utilization (MBU), and the scaling tax of a fleet against a single node.

use crate::error::{Result, invalid, positive};

/// Achieved fraction of the fleet's peak FLOP/s when a step of `tokens` tokens through a model of
/// `params` parameters takes `step_s` on `gpus` GPUs of `peak` FLOP/s each, counting
/// `flops_per_param_token` FLOPs per parameter and token (6 for a training step: forward and
/// backward; 8 when one extra forward is recomputed, which gives HFU).
pub fn flops_utilization(
    params: f64,
    tokens: f64,
    step_s: f64,
    gpus: f64,
    peak: f64,
    flops_per_param_token: f64,
) -> Result<f64> {
    positive("params", params)?;
    positive("tokens", tokens)?;
    positive("step_s", step_s)?;
    positive("gpus", gpus)?;
    positive("peak", peak)?;
    positive("flops_per_param_token", flops_per_param_token)?;
    Ok(flops_per_param_token * params * tokens / (step_s * gpus * peak))
}

/// Fraction of the bandwidth used when `bytes` are streamed in `time_s` on a part with
/// `bandwidth` bytes per second.
pub fn bandwidth_utilization(bytes: f64, time_s: f64, bandwidth: f64) -> Result<f64> {
    positive("bytes", bytes)?;
    positive("time_s", time_s)?;
    positive("bandwidth", bandwidth)?;
    Ok(bytes / time_s / bandwidth)
}

/// The share of single-node efficiency lost at fleet scale: `1 − fleet / single`.
pub fn scaling_tax(single: f64, fleet: f64) -> Result<f64> {
    positive("single", single)?;
    if !(fleet.is_finite() && fleet >= 0.0 && fleet <= single) {
        return Err(invalid(
            "fleet",
            fleet,
            "between 0 and the single-node figure",
        ));
    }
    Ok(1.0 - fleet / single)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let mfu = flops_utilization(7e9, 1e6, 10.0, 8.0, 989e12, 6.0).unwrap();
        assert!((mfu - 0.531).abs() < 1e-3);
        let hfu = flops_utilization(7e9, 1e6, 10.0, 8.0, 989e12, 8.0).unwrap();
        assert!((hfu - 0.708).abs() < 1e-3);
        let mbu = bandwidth_utilization(17.5e9, 7e-3, 3.35e12).unwrap();
        assert!((mbu - 0.746).abs() < 1e-3);
        assert!((scaling_tax(0.6, 0.45).unwrap() - 0.25).abs() < 1e-12);
        assert!(scaling_tax(0.5, 0.6).is_err());
        assert!(bandwidth_utilization(1.0, 0.0, 1.0).is_err());
    }
}

//! Weight-quantization arithmetic: effective bits per weight of block-scaled formats, the bytes
//! of a model at a given width, the worst-case rounding error of a uniform step, and the ideal
//! memory-bound speedup over FP16.

use crate::error::{Result, invalid, positive, positive_int};

/// Effective bits per weight: `bits` per code plus `overhead_bits` (scales, offsets) shared by a
/// block of `group` weights.
pub fn bits_per_weight(bits: f64, overhead_bits: f64, group: u64) -> Result<f64> {
    positive("bits", bits)?;
    if !(overhead_bits.is_finite() && overhead_bits >= 0.0) {
        return Err(invalid(
            "overhead_bits",
            overhead_bits,
            "a number of at least 0",
        ));
    }
    positive_int("group", group)?;
    Ok(bits + overhead_bits / group as f64)
}

/// Bytes of `params` weights stored at `bpw` bits each.
pub fn model_bytes(params: f64, bpw: f64) -> Result<f64> {
    positive("params", params)?;
    positive("bpw", bpw)?;
    Ok(params * bpw / 8.0)
}

/// Worst-case error of rounding an unclipped value to a uniform grid of step `step`: half a step.
pub fn max_rounding_error(step: f64) -> Result<f64> {
    positive("step", step)?;
    Ok(step / 2.0)
}

/// Upper bound on the memory-bound decode speedup of storing weights at `bpw` bits instead of 16:
/// the ratio of bytes streamed.
pub fn speedup_bound_vs_fp16(bpw: f64) -> Result<f64> {
    positive("bpw", bpw)?;
    Ok(16.0 / bpw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert_eq!(bits_per_weight(4.0, 16.0, 128).unwrap(), 4.125);
        assert_eq!(bits_per_weight(4.0, 32.0, 64).unwrap(), 4.5);
        assert_eq!(bits_per_weight(4.0, 8.0, 32).unwrap(), 4.25);
        assert_eq!(model_bytes(8e9, 4.25).unwrap(), 4.25e9);
        assert_eq!(max_rounding_error(0.02).unwrap(), 0.01);
        assert!((speedup_bound_vs_fp16(4.25).unwrap() - 3.7647).abs() < 1e-4);
        assert!(bits_per_weight(4.0, 16.0, 0).is_err());
    }
}

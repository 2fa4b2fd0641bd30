//! Fusion and launch-overhead arithmetic: the HBM traffic that fusing a chain of element-wise
//! kernels saves, and the share of wall time spent launching kernels.

use crate::error::{Result, non_negative, positive, positive_int};

/// Bytes no longer moved when `intermediates` tensors of `elements` values of `element_bytes`
/// each stay on chip: each would have been written once and read back once.
pub fn bytes_saved(elements: u64, element_bytes: f64, intermediates: u64) -> Result<f64> {
    positive_int("elements", elements)?;
    positive("element_bytes", element_bytes)?;
    positive_int("intermediates", intermediates)?;
    Ok(2.0 * intermediates as f64 * elements as f64 * element_bytes)
}

/// Share of wall time spent on launches: `kernels` launches of `launch_s` each around `work_s`
/// of real work, with no overlap between the two.
pub fn launch_share(kernels: u64, launch_s: f64, work_s: f64) -> Result<f64> {
    positive_int("kernels", kernels)?;
    positive("launch_s", launch_s)?;
    non_negative("work_s", work_s)?;
    let overhead = kernels as f64 * launch_s;
    Ok(overhead / (overhead + work_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let saved = bytes_saved(2048 * 4096, 2.0, 2).unwrap();
        assert!((saved - 67.1e6).abs() < 0.1e6);
        let share = launch_share(40, 8e-6, 1.5e-3).unwrap();
        assert!((share - 0.176).abs() < 1e-3);
        assert!(launch_share(0, 8e-6, 1e-3).is_err());
    }
}

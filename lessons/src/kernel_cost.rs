//! Analytic costs of the kernel lessons: a matrix multiplication's FLOPs, compulsory bytes and
//! intensity, the global-memory intensity and workgroup memory of square tiling, and the bytes
//! of naive versus fused attention for one head.

use crate::error::{Result, positive, positive_int};

/// FLOPs of `C[m×n] = A[m×k] · B[k×n]`: one multiply and one add per term.
pub fn matmul_flops(m: u64, n: u64, k: u64) -> Result<f64> {
    positive_int("m", m)?;
    positive_int("n", n)?;
    positive_int("k", k)?;
    Ok(2.0 * m as f64 * n as f64 * k as f64)
}

/// Compulsory bytes of a matmul: read A and B once, write C once, `element_bytes` each.
pub fn matmul_bytes(m: u64, n: u64, k: u64, element_bytes: f64) -> Result<f64> {
    matmul_flops(m, n, k)?;
    positive("element_bytes", element_bytes)?;
    Ok((m as f64 * k as f64 + k as f64 * n as f64 + m as f64 * n as f64) * element_bytes)
}

/// Global-memory intensity of square tiling with side `tile`: each K-step loads two `tile²`
/// tiles and performs `2·tile³` FLOPs, so `tile / element_bytes` FLOP/B.
pub fn tiled_intensity(tile: u64, element_bytes: f64) -> Result<f64> {
    positive_int("tile", tile)?;
    positive("element_bytes", element_bytes)?;
    Ok(tile as f64 / element_bytes)
}

/// Workgroup memory for one A tile and one B tile of side `tile`.
pub fn tile_memory_bytes(tile: u64, element_bytes: f64) -> Result<f64> {
    positive_int("tile", tile)?;
    positive("element_bytes", element_bytes)?;
    Ok(2.0 * (tile * tile) as f64 * element_bytes)
}

/// Bytes of Q, K, V and O for one head: `4·seq·dim` values.
pub fn attention_io_bytes(seq: u64, dim: u64, element_bytes: f64) -> Result<f64> {
    positive_int("seq", seq)?;
    positive_int("dim", dim)?;
    positive("element_bytes", element_bytes)?;
    Ok(4.0 * seq as f64 * dim as f64 * element_bytes)
}

/// Extra bytes of naive attention for one head: the score and probability matrices
/// (`seq²` values each), each written once and read once.
pub fn attention_score_bytes(seq: u64, element_bytes: f64) -> Result<f64> {
    positive_int("seq", seq)?;
    positive("element_bytes", element_bytes)?;
    Ok(4.0 * (seq as f64).powi(2) * element_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert!((matmul_flops(2048, 2048, 2048).unwrap() - 17.18e9).abs() < 0.01e9);
        let bytes = matmul_bytes(2048, 2048, 2048, 4.0).unwrap();
        assert!((bytes - 50.3e6).abs() < 0.1e6);
        assert!((matmul_flops(2048, 2048, 2048).unwrap() / bytes - 341.3).abs() < 0.1);
        assert_eq!(tiled_intensity(16, 4.0).unwrap(), 4.0);
        assert_eq!(tile_memory_bytes(16, 4.0).unwrap(), 2048.0);
        assert!((attention_io_bytes(4096, 128, 2.0).unwrap() - 4.19e6).abs() < 0.01e6);
        assert!((attention_score_bytes(4096, 2.0).unwrap() - 134.2e6).abs() < 0.1e6);
        assert!(matmul_flops(0, 1, 1).is_err());
    }
}

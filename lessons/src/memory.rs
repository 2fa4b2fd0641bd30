//! Memory-system arithmetic for the memory-hierarchy lesson: how long a pass over a buffer takes,
//! how many memory transactions a group of threads needs for a strided read (coalescing), and
//! the energy of data movement at a given cost per access.

use crate::error::{Result, invalid, positive, positive_int};

/// Seconds to stream `bytes` once at `bandwidth` bytes per second.
pub fn pass_time_s(bytes: f64, bandwidth: f64) -> Result<f64> {
    positive("bytes", bytes)?;
    positive("bandwidth", bandwidth)?;
    Ok(bytes / bandwidth)
}

/// Distinct aligned `segment`-byte transactions needed when `threads` threads each read one
/// `element`-byte value, thread `t` at element index `t · stride` from an aligned base.
pub fn transactions(threads: u64, stride: u64, element: u64, segment: u64) -> Result<u64> {
    positive_int("threads", threads)?;
    positive_int("element", element)?;
    positive_int("segment", segment)?;
    if threads > 1 << 20 {
        return Err(invalid("threads", threads, "at most 2^20"));
    }
    let mut segments: Vec<u64> = (0..threads)
        .map(|t| t * stride * element / segment)
        .collect();
    segments.sort_unstable();
    segments.dedup();
    Ok(segments.len() as u64)
}

/// Joules spent on `accesses` accesses at `picojoules` each.
pub fn energy_j(accesses: f64, picojoules: f64) -> Result<f64> {
    positive("accesses", accesses)?;
    positive("picojoules", picojoules)?;
    Ok(accesses * picojoules * 1e-12)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        assert!((pass_time_s(80e9, 3.35e12).unwrap() - 0.02388).abs() < 1e-5);
        assert_eq!(transactions(32, 1, 4, 128).unwrap(), 1);
        assert_eq!(transactions(32, 32, 4, 128).unwrap(), 32);
        assert_eq!(transactions(32, 2, 4, 128).unwrap(), 2);
        // Stride 0: every thread reads the same word, one transaction.
        assert_eq!(transactions(32, 0, 4, 128).unwrap(), 1);
        assert!((energy_j(1e9, 640.0).unwrap() - 0.64).abs() < 1e-12);
        assert!(transactions(0, 1, 4, 128).is_err());
        assert!(energy_j(1e9, -1.0).is_err());
    }
}

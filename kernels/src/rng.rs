//! A tiny seeded random number generator for test inputs.
//!
//! SplitMix64 is enough for filling buffers with values that are neither zero nor structured, and
//! a seed makes any failing run reproducible. Seeds come from the clock so every run is fresh.

/// SplitMix64: 64 bits of state, full period, good statistical quality for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from an explicit seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A fresh seed from the wall clock (nanoseconds), mixed so close times differ widely.
    pub fn fresh_seed() -> u64 {
        let nanos = web_time::SystemTime::now()
            .duration_since(web_time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x9E37_79B9_7F4A_7C15);
        Rng(nanos).next_u64()
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform f32 in [-1, 1), never exactly zero, so an unwritten output cannot pass by luck.
    pub fn signed_unit(&mut self) -> f32 {
        loop {
            // 24 random bits map exactly onto f32's mantissa.
            let v = ((self.next_u64() >> 40) as f32) / (1u32 << 23) as f32 - 1.0;
            if v != 0.0 {
                return v;
            }
        }
    }

    /// `n` values from [`Rng::signed_unit`].
    pub fn signed_vec(&mut self, n: usize) -> Vec<f32> {
        (0..n).map(|_| self.signed_unit()).collect()
    }

    /// A uniform index in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_in_range_nonzero_and_seed_reproducible() {
        let a = Rng::new(7).signed_vec(10_000);
        assert!(a.iter().all(|&v| (-1.0..1.0).contains(&v) && v != 0.0));
        assert_eq!(a, Rng::new(7).signed_vec(10_000));
        assert_ne!(a, Rng::new(8).signed_vec(10_000));
        let mean: f32 = a.iter().sum::<f32>() / a.len() as f32;
        assert!(mean.abs() < 0.05, "mean {mean} is far from 0");
    }
}

//! Weight formats for the quantized GEMV: IEEE half floats and GGUF's Q8_0 and Q4_0 blocks,
//! byte for byte as GGUF stores them.
//!
//! Both block formats hold 32 weights with one f16 scale `d` in front:
//! - Q8_0 (34 bytes): `d`, then 32 signed bytes `q`; weight = d · q.
//! - Q4_0 (18 bytes): `d`, then 16 bytes of nibbles; byte `j` holds weight `j` in its low nibble
//!   and weight `j + 16` in its high nibble; weight = d · (nibble − 8).
//!
//! Blocks are stored back to back with no padding, so a block starts at any even byte offset;
//! the GPU kernels read them through unaligned u32 word loads.

/// Weights per block in both GGUF formats.
pub const BLOCK: usize = 32;
/// Bytes of a Q8_0 block.
pub const Q8_0_BYTES: usize = 34;
/// Bytes of a Q4_0 block.
pub const Q4_0_BYTES: usize = 18;

/// Each value as f16 ([`f16_bits`]), two little-endian bytes apiece: how the GPU reads an
/// `array<f16>` (or `vec4<f16>`) buffer.
pub fn f16_bytes(x: &[f32]) -> Vec<u8> {
    x.iter().flat_map(|&v| f16_bits(v).to_le_bytes()).collect()
}

/// f32 → IEEE 754 half bits, rounding to nearest even, with overflow to infinity and
/// subnormals kept.
pub fn f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x007f_ffff;
    if exp == 0xff {
        // Inf stays inf; NaN stays a (quiet) NaN.
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 0x1f {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign; // Too small even for a subnormal: signed zero.
        }
        // Subnormal: shift the full mantissa (with its hidden bit) into place, rounding.
        let m = man | 0x0080_0000;
        let shift = (14 - e) as u32;
        let half = m >> shift;
        let rem = m & ((1 << shift) - 1);
        let midway = 1 << (shift - 1);
        let round = rem > midway || (rem == midway && (half & 1) == 1);
        return sign | (half + round as u32) as u16;
    }
    let half = ((e as u32) << 10) | (man >> 13);
    let rem = man & 0x1fff;
    let round = rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1);
    // A carry out of the mantissa correctly bumps the exponent (and may reach infinity).
    sign | (half + round as u32) as u16
}

/// IEEE 754 half bits → f32 (exact).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h & 0x8000) as u32) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = match exp {
        0 if man == 0 => sign,
        0 => {
            // Subnormal: value = man · 2⁻²⁴.
            return f32::from_bits(sign)
                + (man as f32) * 2f32.powi(-24) * if sign != 0 { -1.0 } else { 1.0 };
        }
        0x1f => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 127 - 15) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

/// Rounds to the nearest f16 and back: the value an f16 weight really holds.
pub fn round_f16(x: f32) -> f32 {
    f16_to_f32(f16_bits(x))
}

/// Quantizes `x` (a multiple of 32 long) to Q8_0: per block, d = max|x| / 127 and
/// q = round(x / d).
pub fn quantize_q8_0(x: &[f32]) -> Vec<u8> {
    assert!(
        x.len().is_multiple_of(BLOCK),
        "Q8_0 needs a multiple of 32 values"
    );
    let mut out = Vec::with_capacity(x.len() / BLOCK * Q8_0_BYTES);
    for block in x.chunks(BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let inv = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16_bits(d).to_le_bytes());
        out.extend(
            block
                .iter()
                .map(|v| ((v * inv).round().clamp(-127.0, 127.0) as i8) as u8),
        );
    }
    out
}

/// Expands Q8_0 blocks back to f32 weights.
pub fn dequantize_q8_0(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks(Q8_0_BYTES)
        .flat_map(|b| {
            let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
            b[2..].iter().map(move |&q| d * (q as i8) as f32)
        })
        .collect()
}

/// Quantizes `x` (a multiple of 32 long) to Q4_0: per block, the value of largest magnitude
/// `m` maps to nibble 0, so d = m / −8, and each weight to clamp(round(x / d) + 8, 0, 15).
pub fn quantize_q4_0(x: &[f32]) -> Vec<u8> {
    assert!(
        x.len().is_multiple_of(BLOCK),
        "Q4_0 needs a multiple of 32 values"
    );
    let mut out = Vec::with_capacity(x.len() / BLOCK * Q4_0_BYTES);
    for block in x.chunks(BLOCK) {
        let m = block
            .iter()
            .fold(0.0f32, |m, &v| if v.abs() > m.abs() { v } else { m });
        let d = m / -8.0;
        let inv = if d != 0.0 { 1.0 / d } else { 0.0 };
        let q = |v: f32| ((v * inv + 8.5).floor().clamp(0.0, 15.0)) as u8;
        out.extend_from_slice(&f16_bits(d).to_le_bytes());
        out.extend((0..16).map(|j| q(block[j]) | (q(block[j + 16]) << 4)));
    }
    out
}

/// Expands Q4_0 blocks back to f32 weights.
pub fn dequantize_q4_0(bytes: &[u8]) -> Vec<f32> {
    let mut out = Vec::with_capacity(bytes.len() / Q4_0_BYTES * BLOCK);
    for b in bytes.chunks(Q4_0_BYTES) {
        let d = f16_to_f32(u16::from_le_bytes([b[0], b[1]]));
        let qs = &b[2..];
        out.extend(qs.iter().map(|&q| d * ((q & 0x0f) as f32 - 8.0)));
        out.extend(qs.iter().map(|&q| d * ((q >> 4) as f32 - 8.0)));
    }
    out
}

/// x rounded to 8-bit integers, 32 values per scale, as the integer-dot-product GEMV
/// (`gemv/q4_0_dp4a`) rounds it on the GPU.
#[derive(Debug, Clone, PartialEq)]
pub struct Q8x {
    /// The integers, one per value of x.
    pub q: Vec<i8>,
    /// Per block of 32: dx = max|x| / 127, so value ≈ dx · q.
    pub scale: Vec<f32>,
    /// Where x · 127 / max|x| lies so close to a rounding tie that the GPU's less exact division
    /// (WGSL allows 2.5 ulp) may round it the other way: the reference allows one step there.
    pub near_tie: Vec<bool>,
}

/// Quantizes x (a multiple of 32 long) as the GPU does: per block, q = round(x · 127 / max|x|)
/// with ties to even, and dx = max|x| / 127; an all-zero block gives zeros.
pub fn quantize_x_q8(x: &[f32]) -> Q8x {
    assert!(
        x.len().is_multiple_of(BLOCK),
        "x quantization needs a multiple of 32 values"
    );
    let mut out = Q8x {
        q: Vec::with_capacity(x.len()),
        scale: Vec::with_capacity(x.len() / BLOCK),
        near_tie: Vec::with_capacity(x.len()),
    };
    for block in x.chunks(BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let inv = if amax > 0.0 { 127.0 / amax } else { 0.0 };
        out.scale.push(amax / 127.0);
        for &v in block {
            let t = v * inv;
            out.q.push(t.round_ties_even() as i8);
            // A few ulp of t on either side of k + ½ (relative 2⁻²⁰, far more than 2.5 ulp of
            // the division plus the product's own rounding).
            let frac = t.abs().fract();
            out.near_tie
                .push((frac - 0.5).abs() <= t.abs() * 2f32.powi(-20));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    #[test]
    fn f16_conversion_matches_known_bit_patterns() {
        for (x, bits) in [
            (0.0f32, 0x0000u16),
            (-0.0, 0x8000),
            (1.0, 0x3c00),
            (-2.0, 0xc000),
            (65504.0, 0x7bff),            // largest finite half
            (65520.0, 0x7c00),            // rounds up to infinity
            (6.103_515_6e-5, 0x0400),     // smallest normal, 2⁻¹⁴
            (5.960_464_5e-8, 0x0001),     // smallest subnormal, 2⁻²⁴
            (1.0 + 1.0 / 2048.0, 0x3c00), // halfway: ties to even (down)
            (1.0 + 3.0 / 2048.0, 0x3c02), // halfway: ties to even (up)
            (0.1, 0x2e66),
        ] {
            assert_eq!(f16_bits(x), bits, "{x}");
        }
        assert_eq!(f16_to_f32(0x3555), 0.333_251_95);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(f16_bits(f32::NAN)).is_nan());
        // Every finite half survives a round trip through f32.
        for h in 0u16..=0xffff {
            let f = f16_to_f32(h);
            if f.is_finite() {
                assert_eq!(f16_bits(f), h, "{h:#06x}");
            }
        }
    }

    #[test]
    fn q8_0_hand_checked_block() {
        // A ramp -31..=32 scaled so max |x| = 127 · 0.5: d = 0.5 exactly, q = 2x.
        let x: Vec<f32> = (0..32)
            .map(|i| (i as f32 - 15.0) * 0.5 * 127.0 / 16.0 / 8.0)
            .collect();
        let amax = x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let b = quantize_q8_0(&x);
        assert_eq!(b.len(), 34);
        assert_eq!(u16::from_le_bytes([b[0], b[1]]), f16_bits(amax / 127.0));
        // The largest magnitude maps to ±127.
        let imax = x.iter().position(|v| v.abs() == amax).unwrap();
        assert_eq!((b[2 + imax] as i8).unsigned_abs(), 127);
        // A hand-built block: d = 1.0 (0x3c00), q = 0, 1, …, 31.
        let mut block = vec![0x00, 0x3c];
        block.extend(0..32u8);
        assert_eq!(
            dequantize_q8_0(&block),
            (0..32).map(|i| i as f32).collect::<Vec<_>>()
        );
    }

    #[test]
    fn q4_0_nibble_order_matches_gguf() {
        // d = 2.0 (0x4000); byte j = low nibble j % 16, high nibble 15 − j % 16.
        let mut block = vec![0x00, 0x40];
        block.extend((0..16u8).map(|j| j | ((15 - j) << 4)));
        let w = dequantize_q4_0(&block);
        // Weight j (j < 16) is the low nibble of byte j: 2 · (j − 8).
        assert_eq!(w[0], -16.0);
        assert_eq!(w[15], 14.0);
        // Weight j + 16 is the high nibble of byte j: 2 · (15 − j − 8).
        assert_eq!(w[16], 14.0);
        assert_eq!(w[31], -16.0);
        // Quantizing those weights gives back the same bytes: the largest magnitude, −16, is
        // m, so d = −16 / −8 = 2.
        assert_eq!(quantize_q4_0(&w), block);
    }

    #[test]
    fn round_trips_stay_within_one_quantization_step() {
        let mut rng = Rng::new(99);
        let x: Vec<f32> = (0..32 * 64).map(|_| rng.signed_unit() * 3.0).collect();
        // Worst error as a fraction of the block's max |x|: Q8_0 rounds to half a step of
        // amax/127; Q4_0's nibbles span −8..7 steps of amax/8, so the value at the clamped end
        // (+7 when the extreme is −8, or the reverse) can be off by a whole step.
        for (bytes, back, worst) in [
            (
                quantize_q8_0(&x),
                dequantize_q8_0 as fn(&[u8]) -> Vec<f32>,
                0.5f32 / 127.0,
            ),
            (quantize_q4_0(&x), dequantize_q4_0, 1.0 / 8.0),
        ] {
            let y = back(&bytes);
            assert_eq!(y.len(), x.len());
            for (xb, yb) in x.chunks(32).zip(y.chunks(32)) {
                let amax = xb.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                // Plus the f16 rounding of the scale itself, which scales every weight.
                let bound = amax * worst + amax * 2f32.powi(-10);
                for (a, b) in xb.iter().zip(yb) {
                    assert!(
                        (a - b).abs() <= bound * 1.0001,
                        "{a} vs {b} (bound {bound})"
                    );
                }
            }
        }
    }

    #[test]
    fn zero_blocks_quantize_to_zero() {
        let z = vec![0.0f32; 32];
        assert!(
            dequantize_q8_0(&quantize_q8_0(&z))
                .iter()
                .all(|&v| v == 0.0)
        );
        assert!(
            dequantize_q4_0(&quantize_q4_0(&z))
                .iter()
                .all(|&v| v == 0.0)
        );
    }

    #[test]
    fn x_quantization_hand_checked_block() {
        // max |x| = 2.54: dx = 0.02, q = x / 0.02 rounded, ties to even.
        let mut x = vec![0.0f32; 32];
        x[0] = 2.54;
        x[1] = -2.54;
        x[2] = 0.01; // 0.5 exactly in steps: a tie, rounds to 0 and is flagged
        x[3] = 0.03; // 1.5: rounds to 2
        x[4] = 1.0; // 50
        x[5] = -0.1; // −5
        let q = quantize_x_q8(&x);
        assert_eq!(q.scale, vec![2.54f32 / 127.0]);
        assert_eq!(&q.q[..6], &[127, -127, 0, 2, 50, -5]);
        assert!(q.q[6..].iter().all(|&v| v == 0));
        assert_eq!(&q.near_tie[..6], &[false, false, true, true, false, false]);
        // Dequantized, every value is within half a step (plus rounding) of x.
        for (&v, &k) in x.iter().zip(&q.q) {
            assert!((v - q.scale[0] * k as f32).abs() <= q.scale[0] * 0.5001);
        }
        // Zeros stay zeros, with a zero scale.
        let z = quantize_x_q8(&[0.0; 32]);
        assert_eq!(z.scale, vec![0.0]);
        assert!(z.q.iter().all(|&v| v == 0));
    }
}

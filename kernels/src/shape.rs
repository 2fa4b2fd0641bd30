//! Problem shapes, element types and the analytic cost of a kernel at a shape.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The size of one kernel launch. Each kernel family has its own kind of shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shape {
    /// A streaming kernel over `elements` f32 values.
    Stream {
        /// Number of f32 elements in each buffer.
        elements: u64,
    },
    /// C (m×n) = A (m×k) · B (k×n).
    Matmul {
        /// Rows of A and C.
        m: u32,
        /// Columns of B and C.
        n: u32,
        /// Columns of A, rows of B.
        k: u32,
    },
    /// An arithmetic peak probe over `threads` threads.
    Peak {
        /// Threads in the dispatch (rounded up to whole workgroups).
        threads: u64,
    },
    /// y (batch × rows) = x (batch × cols) · Wᵀ: a decode step's matrix-vector product.
    Gemv {
        /// Rows of W: outputs per vector.
        rows: u32,
        /// Columns of W: inputs per vector (a multiple of 32 for the block formats).
        cols: u32,
        /// Vectors x processed together (1 to 8).
        batch: u32,
    },
    /// Attention over Q, K, V of shape (batch, heads, seq, head_dim).
    Attention {
        /// Sequences.
        batch: u32,
        /// Heads per sequence.
        heads: u32,
        /// Sequence length N.
        seq: u32,
        /// Head dimension d.
        head_dim: u32,
        /// Whether each query sees only keys at or before its own position.
        causal: bool,
    },
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Stream { elements } => {
                write!(
                    f,
                    "{elements} f32 ({})",
                    human_bytes(*elements as f64 * 4.0)
                )
            }
            Shape::Matmul { m, n, k } => write!(f, "{m}×{n}×{k}"),
            Shape::Peak { threads } => write!(f, "{threads} threads"),
            Shape::Gemv { rows, cols, batch } => write!(f, "{rows}×{cols}, batch {batch}"),
            Shape::Attention {
                batch,
                heads,
                seq,
                head_dim,
                causal,
            } => write!(
                f,
                "B{batch} H{heads} N{seq} d{head_dim}{}",
                if *causal { " causal" } else { "" }
            ),
        }
    }
}

/// Element type of a kernel's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[allow(non_camel_case_types)] // Q8_0 and Q4_0 are GGUF's names.
pub enum Dtype {
    /// 32-bit IEEE float.
    F32,
    /// 16-bit IEEE float.
    F16,
    /// GGUF Q8_0: blocks of 32 signed bytes with one f16 scale (8.5 bits per weight).
    #[serde(rename = "q8_0")]
    Q8_0,
    /// GGUF Q4_0: blocks of 32 nibbles with one f16 scale (4.5 bits per weight).
    #[serde(rename = "q4_0")]
    Q4_0,
}

impl Dtype {
    /// Bytes per element, counting the block scales of the quantized formats.
    pub fn bytes_per_element(self) -> f64 {
        match self {
            Dtype::F32 => 4.0,
            Dtype::F16 => 2.0,
            Dtype::Q8_0 => 34.0 / 32.0,
            Dtype::Q4_0 => 18.0 / 32.0,
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dtype::F32 => "f32",
            Dtype::F16 => "f16",
            Dtype::Q8_0 => "q8_0",
            Dtype::Q4_0 => "q4_0",
        })
    }
}

/// The analytic work of one launch: the numbers that place a measurement on the roofline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Floating-point operations (an FMA counts as two).
    pub flops: f64,
    /// The fewest bytes the kernel must move to and from memory (each input read once, each
    /// output written once). Real kernels may move more; that gap is what the lessons are about.
    pub bytes: f64,
}

impl Cost {
    /// FLOPs per byte.
    pub fn intensity(&self) -> f64 {
        if self.bytes > 0.0 {
            self.flops / self.bytes
        } else {
            0.0
        }
    }
}

/// Bytes as a short human string with a binary unit (KiB, MiB, GiB).
pub fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_round_trip_through_json() {
        for s in [
            Shape::Stream { elements: 12 },
            Shape::Matmul { m: 1, n: 2, k: 3 },
        ] {
            let json = serde_json::to_string(&s).unwrap();
            assert_eq!(serde_json::from_str::<Shape>(&json).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&Shape::Matmul { m: 1, n: 2, k: 3 }).unwrap(),
            r#"{"kind":"matmul","m":1,"n":2,"k":3}"#
        );
    }

    #[test]
    fn human_bytes_uses_binary_units() {
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(256.0 * 1024.0 * 1024.0), "256.0 MiB");
    }
}

//! The roofline model and the iron law of performance.
//!
//! Roofline (curriculum F1.14–F1.17): a kernel that does `I` FLOPs per byte of memory traffic can
//! run no faster than `min(peak, bandwidth × I)`. The ridge `peak / bandwidth` separates
//! memory-bound kernels (left of it) from compute-bound ones (right of it). With several ceilings
//! (an f32 and an f16 peak; L2 and DRAM bandwidths, each with the intensity measured at that level)
//! the lowest roof wins (F1.16).
//!
//! Iron law (F1.18–F1.19): `T = bytes/BW + FLOPs/(peak·η) + latency` when nothing overlaps, and
//! `T = max(bytes/BW, FLOPs/(peak·η)) + latency` when memory traffic hides under compute.

use serde::{Deserialize, Serialize};

use crate::error::{Result, invalid, non_negative, positive};

/// Which resource limits a kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bound {
    /// Left of the ridge: bandwidth × intensity is the lower roof.
    Memory,
    /// At or right of the ridge: the compute peak is the lower roof.
    Compute,
}

impl Bound {
    /// `"memory"` or `"compute"`, as in the JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            Bound::Memory => "memory",
            Bound::Compute => "compute",
        }
    }
}

/// One compute peak and one memory bandwidth, and where a kernel sits between them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RooflineInput {
    /// Peak compute, FLOP/s.
    pub peak_flops: f64,
    /// Memory bandwidth, bytes/s.
    pub bandwidth: f64,
    /// Arithmetic intensity of the kernel, FLOP/byte.
    pub intensity: f64,
    /// A measured throughput for the kernel, FLOP/s, to compare with its roof.
    pub measured_flops: Option<f64>,
}

impl RooflineInput {
    /// Checks every field; the message names the field and what is allowed.
    pub fn validate(&self) -> Result<()> {
        positive("peak_flops", self.peak_flops)?;
        positive("bandwidth", self.bandwidth)?;
        positive("intensity", self.intensity)?;
        if let Some(m) = self.measured_flops {
            non_negative("measured_flops", m)?;
        }
        Ok(())
    }
}

/// Where a kernel sits on one roofline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RooflineReport {
    /// `peak_flops / bandwidth`, FLOP/byte.
    pub ridge_intensity: f64,
    /// `min(peak_flops, bandwidth × intensity)`, FLOP/s.
    pub attainable_flops: f64,
    /// Memory-bound when `intensity < ridge_intensity`, else compute-bound.
    pub bound: Bound,
    /// `attainable_flops / peak_flops`: the most of the peak this kernel can use (F1.17).
    pub fraction_of_peak: f64,
    /// `measured_flops / attainable_flops`, when a measurement was given.
    pub fraction_of_attainable: Option<f64>,
}

/// Evaluates the roofline for one kernel.
pub fn compute(input: &RooflineInput) -> Result<RooflineReport> {
    input.validate()?;
    let ridge_intensity = input.peak_flops / input.bandwidth;
    let memory_roof = input.bandwidth * input.intensity;
    let attainable_flops = memory_roof.min(input.peak_flops);
    let bound = if input.intensity < ridge_intensity {
        Bound::Memory
    } else {
        Bound::Compute
    };
    Ok(RooflineReport {
        ridge_intensity,
        attainable_flops,
        bound,
        fraction_of_peak: attainable_flops / input.peak_flops,
        fraction_of_attainable: input.measured_flops.map(|m| m / attainable_flops),
    })
}

/// A compute ceiling, e.g. the f16 tensor-core peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComputeCeiling {
    /// Shown in tables and charts (`"fp16"`).
    pub label: String,
    /// FLOP/s.
    pub peak_flops: f64,
}

/// A bandwidth ceiling of one memory level, with the kernel's intensity measured at that level
/// (FLOPs divided by the bytes that level moves: L2 traffic is usually larger than DRAM traffic).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryCeiling {
    /// Shown in tables and charts (`"L2"`, `"HBM"`).
    pub label: String,
    /// Bytes/s.
    pub bandwidth: f64,
    /// FLOP/byte at this level.
    pub intensity: f64,
}

/// Several ceilings at once: a hierarchical roofline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingsInput {
    /// At least one compute peak.
    pub compute: Vec<ComputeCeiling>,
    /// At least one memory level.
    pub memory: Vec<MemoryCeiling>,
    /// A measured throughput, FLOP/s.
    pub measured_flops: Option<f64>,
}

impl CeilingsInput {
    /// Checks every ceiling.
    pub fn validate(&self) -> Result<()> {
        if self.compute.is_empty() {
            return Err(invalid("compute", "none", "at least one compute ceiling"));
        }
        if self.memory.is_empty() {
            return Err(invalid("memory", "none", "at least one memory ceiling"));
        }
        for c in &self.compute {
            positive("peak_flops", c.peak_flops)?;
        }
        for m in &self.memory {
            positive("bandwidth", m.bandwidth)?;
            positive("intensity", m.intensity)?;
        }
        if let Some(m) = self.measured_flops {
            non_negative("measured_flops", m)?;
        }
        Ok(())
    }
}

/// The roof of one memory level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryRoof {
    /// The level's label.
    pub label: String,
    /// `bandwidth × intensity`, FLOP/s.
    pub roof_flops: f64,
}

/// The outcome for one compute ceiling under all memory ceilings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingRow {
    /// The compute ceiling's label.
    pub label: String,
    /// Its peak, FLOP/s.
    pub peak_flops: f64,
    /// `min(peak, every memory roof)`, FLOP/s.
    pub attainable_flops: f64,
    /// The label of the lowest roof: this compute ceiling's or a memory level's.
    pub binding: String,
    /// Compute-bound when the compute peak is the lowest roof.
    pub bound: Bound,
    /// `measured / attainable`, when a measurement was given.
    pub fraction_of_attainable: Option<f64>,
}

/// A hierarchical roofline evaluated for every compute ceiling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CeilingsReport {
    /// One roof per memory level.
    pub memory: Vec<MemoryRoof>,
    /// One row per compute ceiling, in input order.
    pub rows: Vec<CeilingRow>,
}

/// Evaluates several compute and memory ceilings at once.
pub fn compute_ceilings(input: &CeilingsInput) -> Result<CeilingsReport> {
    input.validate()?;
    let memory: Vec<MemoryRoof> = input
        .memory
        .iter()
        .map(|m| MemoryRoof {
            label: m.label.clone(),
            roof_flops: m.bandwidth * m.intensity,
        })
        .collect();
    // Validation guarantees at least one level; start from infinity so the fold needs no unwrap.
    let lowest = memory.iter().fold((f64::INFINITY, ""), |best, m| {
        if m.roof_flops < best.0 {
            (m.roof_flops, m.label.as_str())
        } else {
            best
        }
    });
    let rows = input
        .compute
        .iter()
        .map(|c| {
            let (attainable_flops, binding, bound) = if lowest.0 < c.peak_flops {
                (lowest.0, lowest.1.to_string(), Bound::Memory)
            } else {
                (c.peak_flops, c.label.clone(), Bound::Compute)
            };
            CeilingRow {
                label: c.label.clone(),
                peak_flops: c.peak_flops,
                attainable_flops,
                binding,
                bound,
                fraction_of_attainable: input.measured_flops.map(|m| m / attainable_flops),
            }
        })
        .collect();
    Ok(CeilingsReport { memory, rows })
}

/// The inputs of the iron law.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IronLawInput {
    /// Bytes moved to and from memory (or over a link).
    pub bytes: f64,
    /// Floating-point operations.
    pub flops: f64,
    /// Memory (or link) bandwidth, bytes/s.
    pub bandwidth: f64,
    /// Peak compute, FLOP/s.
    pub peak_flops: f64,
    /// The achieved fraction of peak compute, η, in (0, 1].
    pub efficiency: f64,
    /// Fixed overhead in seconds: launches, synchronisation, dispatch.
    pub latency_s: f64,
}

impl IronLawInput {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        non_negative("bytes", self.bytes)?;
        non_negative("flops", self.flops)?;
        positive("bandwidth", self.bandwidth)?;
        positive("peak_flops", self.peak_flops)?;
        if !(self.efficiency.is_finite() && self.efficiency > 0.0 && self.efficiency <= 1.0) {
            return Err(invalid("efficiency", self.efficiency, "a number in (0, 1]"));
        }
        non_negative("latency_s", self.latency_s)?;
        Ok(())
    }
}

/// The three terms of the iron law.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Term {
    /// `bytes / bandwidth`.
    Memory,
    /// `flops / (peak · η)`.
    Compute,
    /// The fixed overhead.
    Latency,
}

impl Term {
    /// `"memory"`, `"compute"` or `"latency"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Term::Memory => "memory",
            Term::Compute => "compute",
            Term::Latency => "latency",
        }
    }
}

/// The iron law evaluated term by term.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IronLawReport {
    /// `bytes / bandwidth`, seconds.
    pub memory_s: f64,
    /// `flops / (peak_flops · efficiency)`, seconds.
    pub compute_s: f64,
    /// The fixed overhead, seconds.
    pub latency_s: f64,
    /// `memory_s + compute_s + latency_s`: nothing overlaps.
    pub serial_s: f64,
    /// `max(memory_s, compute_s) + latency_s`: traffic and arithmetic overlap perfectly.
    pub overlapped_s: f64,
    /// The largest of the three terms (ties go to memory, then compute).
    pub dominant: Term,
    /// `flops / bytes`, FLOP/byte; `None` when no bytes move.
    pub intensity: Option<f64>,
}

/// Evaluates the iron law.
pub fn iron_law(input: &IronLawInput) -> Result<IronLawReport> {
    input.validate()?;
    let memory_s = input.bytes / input.bandwidth;
    let compute_s = input.flops / (input.peak_flops * input.efficiency);
    let latency_s = input.latency_s;
    // Finite inputs can still divide past f64's range (1e300 bytes at 1e-300 B/s).
    if !(memory_s + compute_s + latency_s).is_finite() {
        return Err(crate::ModelError::OutOfRange {
            what: "the time (bytes / bandwidth, FLOPs / peak)",
        });
    }
    let mut dominant = (Term::Memory, memory_s);
    for (term, t) in [(Term::Compute, compute_s), (Term::Latency, latency_s)] {
        if t > dominant.1 {
            dominant = (term, t);
        }
    }
    Ok(IronLawReport {
        memory_s,
        compute_s,
        latency_s,
        serial_s: memory_s + compute_s + latency_s,
        overlapped_s: memory_s.max(compute_s) + latency_s,
        dominant: dominant.0,
        intensity: (input.bytes > 0.0).then(|| input.flops / input.bytes),
    })
}

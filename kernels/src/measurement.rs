//! The one result type: a [`Measurement`], shared by the browser export and the CLI's `--json`.
//!
//! A measurement carries everything needed to place it on a roofline (FLOPs, bytes, time) and to
//! judge it (adapter, timing method, verification), so a file written by the native CLI can be
//! imported in the browser and drawn on the same chart.

use crate::gpu::AdapterSummary;
use crate::harness::{TimeStats, TimingMethod};
use crate::shape::{Dtype, Shape};
use serde::{Deserialize, Serialize};

/// Version of the JSON schema; bump on incompatible changes.
pub const SCHEMA: &str = "roofline-lab/measurements/v1";

/// How the GPU's output compared with the f64 CPU reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// Output elements compared.
    pub checked: u64,
    /// Output elements in total (large outputs are checked at random positions).
    pub total: u64,
    /// Worst error as a fraction of its allowed bound (≤ 1 passes).
    pub worst_error_ratio: f64,
    /// Whether every checked element was within its bound.
    pub passed: bool,
    /// The first failing element, described, if any.
    pub first_failure: Option<String>,
}

/// One timed, verified run of a kernel variant at a shape on an adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// Kernel name (`stream`, `matmul`).
    pub kernel: String,
    /// Variant name.
    pub variant: String,
    /// Problem size.
    pub shape: Shape,
    /// Element type.
    pub dtype: Dtype,
    /// Adapter that ran it.
    pub adapter: AdapterSummary,
    /// Floating-point operations per dispatch (analytic).
    pub flops: f64,
    /// Minimum bytes moved per dispatch (analytic).
    pub bytes: f64,
    /// Time per dispatch.
    pub time: TimeStats,
    /// How the time was measured.
    pub timing: TimingMethod,
    /// FLOPs / median time, in GFLOP/s.
    pub gflops_per_s: f64,
    /// Bytes / median time, in GB/s (10⁹ bytes per second).
    pub gbytes_per_s: f64,
    /// FLOPs per byte.
    pub intensity: f64,
    /// The result matched the CPU reference.
    pub verified: bool,
    /// Details of the check.
    pub verification: Verification,
    /// Seed of the random inputs, to reproduce a failure.
    pub seed: u64,
    /// Pipeline-overridable constants the variant ran with.
    pub constants: Vec<(String, f64)>,
    /// Distinct copies of the inputs the timed runs rotated over, so caches could not hold
    /// them between runs (1: no rotation).
    #[serde(default = "one")]
    pub input_sets: u32,
}

fn one() -> u32 {
    1
}

impl Measurement {
    /// `kernel/variant`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.kernel, self.variant)
    }
}

/// A results file: what `lab bench --json` writes and the browser exports and imports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultsFile {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// What wrote it (`lab 0.1.0`, `browser`).
    pub producer: String,
    /// The measurements.
    pub measurements: Vec<Measurement>,
}

impl ResultsFile {
    /// A results file for these measurements.
    pub fn new(producer: impl Into<String>, measurements: Vec<Measurement>) -> Self {
        ResultsFile {
            schema: SCHEMA.to_string(),
            producer: producer.into(),
            measurements,
        }
    }

    /// Parses a results file, rejecting other schemas with a message that says what was found.
    pub fn from_json(text: &str) -> Result<ResultsFile, String> {
        let file: ResultsFile = serde_json::from_str(text)
            .map_err(|e| format!("not a Roofline Lab results file: {e}"))?;
        if file.schema != SCHEMA {
            return Err(format!(
                "unsupported results schema '{}'; this version reads '{SCHEMA}'",
                file.schema
            ));
        }
        Ok(file)
    }
}

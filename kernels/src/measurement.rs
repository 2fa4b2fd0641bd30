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
        for (i, m) in file.measurements.iter().enumerate() {
            m.check_figures()
                .map_err(|why| format!("measurement {} ({}): {why}", i + 1, m.id()))?;
        }
        Ok(file)
    }
}

impl Measurement {
    /// Checks the figures a roofline plots: a rate below zero, a time of zero or less, or a value
    /// that is not a number cannot be placed on a chart, and a file holding one was written by
    /// hand or broken on the way.
    pub fn check_figures(&self) -> Result<(), String> {
        let figures = [
            ("flops", self.flops),
            ("bytes", self.bytes),
            ("gflops_per_s", self.gflops_per_s),
            ("gbytes_per_s", self.gbytes_per_s),
            ("intensity", self.intensity),
        ];
        for (name, v) in figures {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!(
                    "{name} must be a finite number of at least 0, got {v}"
                ));
            }
        }
        let t = self.time.median_s;
        if !(t.is_finite() && t > 0.0) {
            return Err(format!(
                "time.median_s must be a finite number greater than 0, got {t}"
            ));
        }
        if self.gflops_per_s == 0.0 && self.gbytes_per_s == 0.0 {
            return Err("both gflops_per_s and gbytes_per_s are 0: nothing to plot".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COPY: &str = include_str!("../../bench/results/h100-2026-11-21-issue6/copy.json");

    fn with(path: &[&str], value: serde_json::Value) -> String {
        let mut v: serde_json::Value = serde_json::from_str(COPY).unwrap();
        let mut at = &mut v["measurements"][0];
        for p in path {
            at = &mut at[*p];
        }
        *at = value;
        v.to_string()
    }

    #[test]
    fn a_results_file_with_figures_no_chart_can_place_is_refused() {
        assert_eq!(ResultsFile::from_json(COPY).unwrap().measurements.len(), 1);
        let e = ResultsFile::from_json(&with(&["gbytes_per_s"], (-1.0).into())).unwrap_err();
        assert_eq!(
            e,
            "measurement 1 (stream/copy): gbytes_per_s must be a finite number of at least 0, got -1"
        );
        let e = ResultsFile::from_json(&with(&["time", "median_s"], 0.0.into())).unwrap_err();
        assert!(e.contains("time.median_s must be"), "{e}");
        let zero = with(&["gbytes_per_s"], 0.0.into());
        let e = ResultsFile::from_json(&zero).unwrap_err();
        assert!(e.ends_with("nothing to plot"), "{e}");
    }
}

//! Kernel exercises, the pure half: what a ```` ```exercise ```` block of `type: kernel` names
//! (the harness family, starter and solution WGSL, the roof and the speed goal), the outcome of
//! a run as the page records it, and the grading of that outcome.
//!
//! Running the WGSL is the `kernels` crate's job (`kernels::exercise`); this module only judges
//! the numbers it reports, so grading is plain arithmetic tested without a GPU. The outcome is
//! stored as the exercise's accepted answer (JSON) and [`crate::lesson::Exercise::check`]
//! re-grades it, exactly like a typed number.

use crate::lesson::{Inline, Verdict};
use serde::{Deserialize, Serialize};

/// Harness families a kernel exercise can use (ids as `kernels::exercise::FAMILIES` spells
/// them; a test in `kernels` checks the two lists agree).
pub const FAMILIES: &[&str] = &[
    "stream-copy",
    "matmul-tiled",
    "gemv-q8_0",
    "attention-naive",
];

/// The roofs an exercise's speed goal can be relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Roof {
    /// Measured copy bandwidth (read + write bytes), GB/s.
    CopyBandwidth,
    /// Measured read bandwidth, GB/s.
    ReadBandwidth,
    /// Measured f32 fma peak, GFLOP/s.
    FmaF32,
}

impl Roof {
    /// Every roof.
    pub const ALL: [Roof; 3] = [Roof::CopyBandwidth, Roof::ReadBandwidth, Roof::FmaF32];

    /// The id a lesson's `roof:` uses (and `kernels::exercise::ROOFS`).
    pub fn id(self) -> &'static str {
        match self {
            Roof::CopyBandwidth => "copy-bandwidth",
            Roof::ReadBandwidth => "read-bandwidth",
            Roof::FmaF32 => "fma-f32",
        }
    }

    /// Words for a sentence: "your measured copy bandwidth".
    pub fn label(self) -> &'static str {
        match self {
            Roof::CopyBandwidth => "copy bandwidth",
            Roof::ReadBandwidth => "read bandwidth",
            Roof::FmaF32 => "f32 FMA peak",
        }
    }

    /// The unit the roof and the achieved rate are in.
    pub fn unit(self) -> &'static str {
        match self {
            Roof::FmaF32 => "GFLOP/s",
            _ => "GB/s",
        }
    }

    /// The roof with id `id`.
    pub fn parse(id: &str) -> Option<Roof> {
        Roof::ALL.into_iter().find(|r| r.id() == id)
    }
}

/// A kernel exercise as the lesson declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct KernelTask {
    /// Harness family (one of [`FAMILIES`]).
    pub family: &'static str,
    /// File name of the starter under `lessons/content/kernels/`.
    pub starter_file: &'static str,
    /// The starter WGSL: compiles, but is incomplete.
    pub starter: &'static str,
    /// File name of the solution.
    pub solution_file: &'static str,
    /// A solution that passes.
    pub solution: &'static str,
    /// What the speed goal is relative to.
    pub roof: Roof,
    /// The goal as a fraction of the roof (0.6 for `threshold: 60%`).
    pub threshold: f64,
    /// Hints, revealed one at a time.
    pub hints: Vec<Vec<Inline>>,
}

/// What one run of a student's kernel gave, as the page records it (and stores as the
/// accepted answer, in JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KernelOutcome {
    /// The output matched the CPU reference.
    pub correct: bool,
    /// Worst error as a multiple of its allowed bound (≤ 1 passes).
    pub max_error: f64,
    /// The first wrong element, described, if any.
    pub first_failure: Option<String>,
    /// Median seconds per dispatch.
    pub time_s: f64,
    /// Achieved rate in `unit` (GB/s or GFLOP/s, by the roof).
    pub achieved: f64,
    /// `GB/s` or `GFLOP/s`.
    pub unit: String,
    /// Which roof it was compared with.
    pub roof: Roof,
    /// The roof's value in `unit`.
    pub roof_value: f64,
    /// Where the roof came from ("measured on the Benchmark page, 2026-11-21").
    pub roof_source: String,
    /// `achieved / roof_value`.
    pub fraction: f64,
    /// The goal, as a fraction of the roof.
    pub required: f64,
    /// The adapter that ran it.
    pub adapter: String,
    /// How it was timed (`GPU timestamps`, `wall clock`).
    pub timing: String,
}

impl KernelOutcome {
    /// Fills in `fraction` from the achieved rate and the roof (0 when the roof is not a
    /// positive number).
    pub fn with_fraction(mut self) -> Self {
        self.fraction = if self.roof_value.is_finite() && self.roof_value > 0.0 {
            self.achieved / self.roof_value
        } else {
            0.0
        };
        self
    }
}

/// A number to three significant figures, for messages.
pub fn sig3(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    let decimals = if a >= 100.0 {
        0
    } else if a >= 10.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    format!("{v:.decimals$}")
}

/// Grades an outcome against the task's goal (the task's threshold, not the one recorded in
/// the outcome, so editing stored progress cannot lower the bar).
pub fn grade(task: &KernelTask, o: &KernelOutcome) -> Verdict {
    if !o.correct {
        let what = o
            .first_failure
            .as_deref()
            .map(|f| format!(" First difference: {f}."))
            .unwrap_or_default();
        return Verdict::Incorrect(format!(
            "Not correct yet: the output does not match the CPU reference.{what}"
        ));
    }
    if !(o.roof_value.is_finite() && o.roof_value > 0.0 && o.achieved.is_finite()) {
        return Verdict::Unreadable(format!(
            "Correct, but there is no measured {} to compare the speed with.",
            task.roof.label()
        ));
    }
    let fraction = o.achieved / o.roof_value;
    if fraction < task.threshold {
        return Verdict::Incorrect(format!(
            "Correct, but {}% of your measured {} ({} {unit} of {} {unit}); the goal is {}%.",
            sig3(fraction * 100.0),
            task.roof.label(),
            sig3(o.achieved),
            sig3(o.roof_value),
            sig3(task.threshold * 100.0),
            unit = task.roof.unit(),
        ));
    }
    Verdict::Correct
}

/// Parses a stored outcome and grades it.
pub fn check(task: &KernelTask, attempt: &str) -> Verdict {
    match serde_json::from_str::<KernelOutcome>(attempt) {
        Ok(o) => grade(task, &o),
        Err(_) => Verdict::Unreadable("Run your kernel to check it.".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> KernelTask {
        KernelTask {
            family: "stream-copy",
            starter_file: "s.wgsl",
            starter: "",
            solution_file: "t.wgsl",
            solution: "",
            roof: Roof::CopyBandwidth,
            threshold: 0.6,
            hints: Vec::new(),
        }
    }

    fn outcome(correct: bool, achieved: f64) -> KernelOutcome {
        KernelOutcome {
            correct,
            max_error: if correct { 0.0 } else { f64::INFINITY },
            first_failure: (!correct).then(|| "element 7: got NaN, expected 1 ± 0".into()),
            time_s: 1e-3,
            achieved,
            unit: "GB/s".into(),
            roof: Roof::CopyBandwidth,
            roof_value: 179.0,
            roof_source: "measured".into(),
            fraction: 0.0,
            required: 0.6,
            adapter: "test".into(),
            timing: "wall clock".into(),
        }
        .with_fraction()
    }

    #[test]
    fn correct_and_fast_passes() {
        assert_eq!(grade(&task(), &outcome(true, 120.0)), Verdict::Correct);
    }

    #[test]
    fn wrong_output_fails_and_names_the_element() {
        let Verdict::Incorrect(m) = grade(&task(), &outcome(false, 500.0)) else {
            panic!("a wrong output must not pass");
        };
        assert!(m.contains("element 7"), "{m}");
    }

    #[test]
    fn correct_but_slow_says_how_far_off() {
        let v = grade(&task(), &outcome(true, 41.2));
        assert_eq!(
            v,
            Verdict::Incorrect(
                "Correct, but 23.0% of your measured copy bandwidth (41.2 GB/s of 179 GB/s); \
                 the goal is 60.0%."
                    .into()
            )
        );
    }

    #[test]
    fn missing_roof_and_garbage_are_unreadable() {
        let mut o = outcome(true, 150.0);
        o.roof_value = 0.0;
        assert!(matches!(grade(&task(), &o), Verdict::Unreadable(_)));
        assert!(matches!(check(&task(), "12"), Verdict::Unreadable(_)));
    }

    #[test]
    fn stored_outcomes_round_trip_and_regrade_with_the_tasks_goal() {
        let mut o = outcome(true, 150.0);
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(check(&task(), &json), Verdict::Correct);
        // A stored outcome that claims a lower goal is still held to the task's.
        o.achieved = 50.0;
        o.required = 0.1;
        let json = serde_json::to_string(&o).unwrap();
        assert!(matches!(check(&task(), &json), Verdict::Incorrect(_)));
        for r in Roof::ALL {
            assert_eq!(Roof::parse(r.id()), Some(r));
        }
    }
}

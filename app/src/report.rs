//! Lab reports: what a student hands in. A [`Report`] gathers, for every lesson or for exactly
//! one course lab's exercises, the question, whether it was answered correctly and the accepted
//! answer with its unit, plus the latest benchmark measurements with the adapter they ran on.
//!
//! [`build`] is pure (progress, lab, results and clock are passed in), so it is tested natively;
//! the page (`labs::ReportView`) renders a `Report`, adds the browser's own WebGPU adapter once
//! it has connected, and offers it as JSON or for printing. The
//! JSON schema is [`REPORT_SCHEMA`]; fields with units carry them in their names (`median_s`).

use crate::format;
use crate::lesson_page::Progress;
use kernels::gpu::AdapterSummary;
use kernels::{Measurement, ResultsFile};
use lessons::content::{self, LESSONS};
use lessons::course_lab::Lab;
use lessons::lesson::{self, Exercise, ExerciseKind, Lesson};
use serde::Serialize;
use std::collections::BTreeMap;

/// Schema string of a report file; bumped when a field changes meaning.
pub const REPORT_SCHEMA: &str = "roofline-lab/report/v1";

/// A lab report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Always [`REPORT_SCHEMA`].
    pub schema: &'static str,
    /// When it was made (ISO 8601, UTC, from the browser's clock).
    pub generated: String,
    /// The course lab it covers; `None` covers every lesson.
    pub lab: Option<ReportLab>,
    /// Exercises answered correctly.
    pub done: usize,
    /// Exercises covered.
    pub total: usize,
    /// Every exercise covered, in lab (or course) order.
    pub exercises: Vec<ReportExercise>,
    /// The adapters the measurements ran on, each once.
    pub adapters: Vec<AdapterSummary>,
    /// The WebGPU adapter of the browser that made the report, when it could connect to one.
    pub browser_adapter: Option<AdapterSummary>,
    /// Why that browser had no WebGPU adapter, when it had none.
    pub webgpu_unavailable: Option<String>,
    /// The latest benchmark run kept in this browser (empty when none).
    pub measurements: Vec<ReportMeasurement>,
}

/// The lab a report covers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportLab {
    /// `/labs/<id>` (`imported` for a lab imported from a file).
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its due date, as the instructor wrote it.
    pub due: Option<String>,
}

/// One exercise in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportExercise {
    /// Lesson id.
    pub lesson: String,
    /// Lesson number (L1 … L14).
    pub lesson_number: u32,
    /// Lesson title.
    pub lesson_title: String,
    /// Exercise id in that lesson.
    pub exercise: String,
    /// Its number in the lesson, from 1, as the lesson page shows it.
    pub number: usize,
    /// The question, as plain text.
    pub question: String,
    /// `numeric`, `choice`, `classify`, … .
    pub kind: &'static str,
    /// `done` (answered correctly), `not done`, or `below the lab's threshold` (a kernel run
    /// that met the lesson's goal but not the lab's).
    pub status: &'static str,
    /// The accepted answer as stored (a number, an option index, a label, …).
    pub answer: Option<String>,
    /// The answer's unit, for numeric answers.
    pub unit: Option<String>,
    /// The answer as a reader should see it (`33.3 FLOP/B`, `“Cut the bytes …”`).
    pub answer_text: Option<String>,
    /// An accepted answer that is itself a JSON object (a kernel run's outcome), kept as JSON.
    pub outcome: Option<serde_json::Value>,
    /// The lab's threshold for this exercise (a fraction in (0, 1]), if it sets one.
    pub threshold: Option<f64>,
}

/// One benchmark result in a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMeasurement {
    /// `kernel/variant`.
    pub kernel: String,
    /// The problem size, in words (`4096×4096×4096`).
    pub shape: String,
    /// The adapter's name.
    pub adapter: String,
    /// Median seconds per dispatch.
    pub median_s: f64,
    /// Achieved GFLOP/s.
    pub gflop_per_s: f64,
    /// Achieved GB/s (10⁹ bytes per second).
    pub gbyte_per_s: f64,
    /// FLOPs per byte.
    pub intensity_flop_per_byte: f64,
    /// Matched the CPU reference.
    pub verified: bool,
    /// How it was timed.
    pub timing: String,
}

/// How a stored answer reads in a report, per exercise kind.
struct AnswerView {
    kind: &'static str,
    unit: Option<String>,
    text: Option<String>,
}

/// The one place that knows how each exercise kind's answer reads: a new kind is one arm here.
fn answer_view(kind: &ExerciseKind, answer: Option<&str>) -> AnswerView {
    match kind {
        ExerciseKind::Numeric { unit, .. } => AnswerView {
            kind: "numeric",
            unit: Some(unit.clone()),
            text: answer.map(|a| format!("{a} {unit}").trim().to_string()),
        },
        ExerciseKind::Choice { options, .. } => AnswerView {
            kind: "choice",
            unit: None,
            text: answer.map(|a| {
                a.trim()
                    .parse::<usize>()
                    .ok()
                    .and_then(|k| options.get(k))
                    .map(|o| format!("“{}”", lesson::plain_text(o)))
                    .unwrap_or_else(|| a.to_string())
            }),
        },
        ExerciseKind::Classify { .. } => AnswerView {
            kind: "classify",
            unit: None,
            text: answer.map(str::to_string),
        },
        ExerciseKind::Kernel(_) => AnswerView {
            kind: "kernel",
            unit: None,
            text: answer.map(crate::kernel_exercise::report_line),
        },
    }
}

/// Whether an accepted answer also meets the lab's threshold: the fraction of the measured roof
/// a kernel exercise's run must reach in that lab, beside the lesson's own goal (which the run
/// met to be saved). Other kinds have no measured fraction, so the report only carries it.
fn meets_lab_threshold(kind: &ExerciseKind, answer: &str, threshold: Option<f64>) -> bool {
    match (kind, threshold) {
        (ExerciseKind::Kernel(task), Some(t)) => {
            let mut task = task.clone();
            task.threshold = t;
            lessons::kernel_exercise::check(&task, answer) == lesson::Verdict::Correct
        }
        _ => true,
    }
}

fn exercise_entry(
    lesson_id: &str,
    number: u32,
    lesson: &Lesson,
    exercise: &Exercise,
    index: usize,
    answer: Option<&String>,
    threshold: Option<f64>,
) -> ReportExercise {
    let view = answer_view(&exercise.kind, answer.map(String::as_str));
    let below = answer.is_some_and(|a| !meets_lab_threshold(&exercise.kind, a, threshold));
    ReportExercise {
        lesson: lesson_id.to_string(),
        lesson_number: number,
        lesson_title: lesson.title.clone(),
        exercise: exercise.id.clone(),
        number: index + 1,
        question: lesson::plain_text(&exercise.question),
        kind: view.kind,
        status: match (answer, below) {
            (Some(_), false) => "done",
            (Some(_), true) => "below the lab's threshold",
            (None, _) => "not done",
        },
        answer: answer.cloned(),
        unit: view.unit,
        answer_text: view.text,
        outcome: answer
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .filter(serde_json::Value::is_object),
        threshold,
    }
}

/// Builds a report over every lesson (`lab` is `None`) or over exactly one lab's exercises.
/// `progress` is every lesson's stored progress, `results` the latest benchmark run.
pub fn build(
    lab: Option<(&str, &Lab)>,
    progress: &BTreeMap<String, Progress>,
    results: Option<&ResultsFile>,
    generated: String,
) -> Report {
    let parsed: BTreeMap<&str, (u32, Lesson)> = LESSONS
        .iter()
        .filter_map(|s| lesson::parse(s.text).ok().map(|l| (s.id, (s.number, l))))
        .collect();
    let answer = |lesson: &str, exercise: &str| progress.get(lesson).and_then(|p| p.get(exercise));
    let mut exercises = Vec::new();
    match lab {
        None => {
            for src in LESSONS {
                let Some((number, l)) = parsed.get(src.id) else {
                    continue;
                };
                for (i, e) in l.exercises().enumerate() {
                    exercises.push(exercise_entry(
                        src.id,
                        *number,
                        l,
                        e,
                        i,
                        answer(src.id, &e.id),
                        None,
                    ));
                }
            }
        }
        Some((_, lab)) => {
            for item in &lab.exercises {
                let Some((number, l)) = parsed.get(item.lesson) else {
                    continue;
                };
                if let Some((i, e)) = l
                    .exercises()
                    .enumerate()
                    .find(|(_, e)| e.id == item.exercise)
                {
                    exercises.push(exercise_entry(
                        item.lesson,
                        *number,
                        l,
                        e,
                        i,
                        answer(item.lesson, &e.id),
                        item.threshold,
                    ));
                }
            }
        }
    }
    let measurements: &[Measurement] = results.map(|r| r.measurements.as_slice()).unwrap_or(&[]);
    let mut adapters: Vec<AdapterSummary> = Vec::new();
    for m in measurements {
        if !adapters.contains(&m.adapter) {
            adapters.push(m.adapter.clone());
        }
    }
    Report {
        schema: REPORT_SCHEMA,
        generated,
        lab: lab.map(|(id, l)| ReportLab {
            id: id.to_string(),
            title: l.file.title.clone(),
            due: l.file.due.clone(),
        }),
        done: exercises.iter().filter(|e| e.status == "done").count(),
        total: exercises.len(),
        exercises,
        adapters,
        browser_adapter: None,
        webgpu_unavailable: None,
        measurements: measurements
            .iter()
            .map(|m| ReportMeasurement {
                kernel: m.id(),
                shape: m.shape.to_string(),
                adapter: m.adapter.name.clone(),
                median_s: m.time.median_s,
                gflop_per_s: m.gflops_per_s,
                gbyte_per_s: m.gbytes_per_s,
                intensity_flop_per_byte: m.intensity,
                verified: m.verified,
                timing: m.timing.label().to_string(),
            })
            .collect(),
    }
}

/// The report as pretty JSON, for download.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The file name a report downloads as.
pub fn file_name(report: &Report) -> String {
    match &report.lab {
        Some(l) => format!("roofline-lab-report-{}.json", l.id),
        None => "roofline-lab-report.json".to_string(),
    }
}

/// One adapter in words, for the printed page.
pub fn describe_adapter(a: &AdapterSummary) -> String {
    let name = if a.name.is_empty() {
        "(name hidden by the browser)"
    } else {
        &a.name
    };
    format!("{name} · {} · {} · {}", a.device_type, a.backend, a.driver)
        .trim_end_matches(" · ")
        .to_string()
}

/// A measurement's figures with units, for the printed page.
pub fn describe_measurement(m: &ReportMeasurement) -> [String; 3] {
    [
        format::seconds(m.median_s),
        format::giga_rate(m.gflop_per_s, "FLOP"),
        format::giga_rate(m.gbyte_per_s, "B"),
    ]
}

/// A lesson's number and title (`L3 The roofline model`), or the id when it does not parse.
pub fn lesson_label(id: &str) -> String {
    content::find(id)
        .map(|s| {
            let title = lesson::parse(s.text)
                .map(|l| l.title)
                .unwrap_or_else(|_| s.id.to_string());
            format!("L{} {title}", s.number)
        })
        .unwrap_or_else(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lessons::course_lab;

    fn progress() -> BTreeMap<String, Progress> {
        let mut all = BTreeMap::new();
        let mut p = Progress::new();
        p.insert("ridge-custom".to_string(), "33.3".to_string());
        p.insert("next-step".to_string(), "1".to_string());
        // A kind whose accepted answer is a JSON outcome keeps it as JSON.
        p.insert("a100-regime".to_string(), "memory-bound".to_string());
        all.insert("roofline".to_string(), p);
        all
    }

    #[test]
    fn a_report_over_every_lesson_has_every_exercise_and_the_answers() {
        let r = build(None, &progress(), None, "2026-11-21T23:00:00.000Z".into());
        let value: serde_json::Value = serde_json::from_str(&to_json(&r)).unwrap();
        assert_eq!(value["schema"], "roofline-lab/report/v1");
        assert_eq!(value["lab"], serde_json::Value::Null);
        assert_eq!(file_name(&r), "roofline-lab-report.json");
        let total: usize = LESSONS
            .iter()
            .map(|s| lesson::parse(s.text).unwrap().exercises().count())
            .sum();
        assert_eq!((r.done, r.total), (3, total));
        let ridge = r
            .exercises
            .iter()
            .find(|e| e.exercise == "ridge-custom")
            .unwrap();
        assert_eq!(ridge.status, "done");
        assert_eq!(ridge.kind, "numeric");
        assert_eq!(ridge.answer_text.as_deref(), Some("33.3 FLOP/B"));
        assert_eq!(ridge.unit.as_deref(), Some("FLOP/B"));
        assert_eq!(ridge.lesson_number, 3);
        assert_eq!(ridge.number, 1);
        assert!(ridge.question.contains("50 TFLOP/s"), "{}", ridge.question);
        let next = r
            .exercises
            .iter()
            .find(|e| e.exercise == "next-step")
            .unwrap();
        assert!(
            next.answer_text
                .as_deref()
                .unwrap()
                .starts_with("“Cut the bytes")
        );
        let fp8 = r
            .exercises
            .iter()
            .find(|e| e.exercise == "fp8-regime")
            .unwrap();
        assert_eq!((fp8.status, fp8.answer.as_ref()), ("not done", None));
        assert!(r.measurements.is_empty() && r.adapters.is_empty());
    }

    #[test]
    fn a_lab_report_covers_exactly_the_labs_exercises_with_thresholds() {
        let lab = course_lab::parse(
            r#"{"title": "Week 3", "due": "Friday", "items": [
                {"lesson": "kv-cache", "exercises": ["llama70-request"]},
                {"lesson": "roofline", "exercises": ["next-step", "fp8-regime"],
                 "thresholds": {"fp8-regime": 0.5}}]}"#,
        )
        .unwrap();
        let mut all = progress();
        all.entry("kv-cache".into()).or_default().insert(
            "llama70-request".into(),
            r#"{"ok": true, "fraction": 0.7}"#.into(),
        );
        let r = build(Some(("week-3", &lab)), &all, None, "t".into());
        let ids: Vec<(&str, &str, &str)> = r
            .exercises
            .iter()
            .map(|e| (e.lesson.as_str(), e.exercise.as_str(), e.status))
            .collect();
        assert_eq!(
            ids,
            [
                ("kv-cache", "llama70-request", "done"),
                ("roofline", "next-step", "done"),
                ("roofline", "fp8-regime", "not done"),
            ]
        );
        assert_eq!((r.done, r.total), (2, 3));
        assert_eq!(r.exercises[2].threshold, Some(0.5));
        assert_eq!(r.exercises[0].outcome.as_ref().unwrap()["fraction"], 0.7);
        assert!(r.exercises[1].outcome.is_none());
        let lab = r.lab.as_ref().unwrap();
        assert_eq!(
            (lab.id.as_str(), lab.due.as_deref()),
            ("week-3", Some("Friday"))
        );
        assert_eq!(file_name(&r), "roofline-lab-report-week-3.json");
    }

    #[test]
    fn a_kernel_run_below_the_labs_threshold_is_not_done() {
        use lessons::kernel_exercise::{KernelOutcome, Roof};
        // A copy at 60% of the measured copy roof: past the lesson's 50% goal.
        let outcome = KernelOutcome {
            correct: true,
            max_error: 0.0,
            first_failure: None,
            time_s: 1e-3,
            achieved: 60.0,
            unit: "GB/s".into(),
            roof: Roof::CopyBandwidth,
            roof_value: 100.0,
            roof_source: "measured".into(),
            fraction: 0.6,
            required: 0.5,
            adapter: "test".into(),
            timing: "GPU timestamps".into(),
        };
        let mut all = BTreeMap::new();
        all.entry("fusion".to_string())
            .or_insert_with(Progress::new)
            .insert(
                "copy-kernel".into(),
                serde_json::to_string(&outcome).unwrap(),
            );
        let lab_with = |t: f64| {
            course_lab::parse(&format!(
                r#"{{"title": "T", "items": [{{"lesson": "fusion", "exercises": ["copy-kernel"],
                    "thresholds": {{"copy-kernel": {t}}}}}]}}"#
            ))
            .unwrap()
        };
        let strict = lab_with(0.9);
        let r = build(Some(("t", &strict)), &all, None, "t".into());
        assert_eq!(r.exercises[0].status, "below the lab's threshold");
        assert_eq!((r.done, r.total), (0, 1));
        let lenient = lab_with(0.55);
        let r = build(Some(("t", &lenient)), &all, None, "t".into());
        assert_eq!(r.exercises[0].status, "done");
        assert_eq!(r.done, 1);
    }

    #[test]
    fn measurements_and_their_adapter_come_from_the_results_file() {
        // A real `lab bench --json` file from an H100.
        let text = include_str!("../../bench/results/h100-2026-11-21-issue6/copy.json");
        let results = ResultsFile::from_json(text).unwrap();
        let r = build(None, &BTreeMap::new(), Some(&results), "t".into());
        assert_eq!(r.done, 0);
        assert_eq!(r.measurements.len(), 1);
        let m = &r.measurements[0];
        assert_eq!((m.kernel.as_str(), m.verified), ("stream/copy", true));
        assert_eq!(m.adapter, "NVIDIA H100 80GB HBM3");
        assert!((m.gbyte_per_s - 2884.59).abs() < 0.01, "{}", m.gbyte_per_s);
        assert!((m.median_s - 7.4447e-4).abs() < 1e-7, "{}", m.median_s);
        assert_eq!(describe_measurement(m)[0], "744 µs");
        assert_eq!(describe_measurement(m)[2], "2.88 TB/s");
        assert_eq!(r.adapters.len(), 1);
        assert!(describe_adapter(&r.adapters[0]).starts_with("NVIDIA H100 80GB HBM3 · "));
    }
}

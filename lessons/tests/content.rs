//! Every lesson file parses, has goals, a widget and at least four exercises, uses only known
//! widget kinds and parameters, and every exercise answer comes out of the models as a finite
//! value. A typo in a directive fails here with the file and line.

use lessons::content::LESSONS;
use lessons::exercise::{self, Value};
use lessons::lesson::{self, Block, ExerciseKind, Inline, Verdict};

fn parsed() -> Vec<(&'static str, lesson::Lesson)> {
    LESSONS
        .iter()
        .map(|src| match lesson::parse(src.text) {
            Ok(l) => (src.file, l),
            Err(e) => panic!("lessons/content/{}: {e}", src.file),
        })
        .collect()
}

#[test]
fn every_lesson_parses_with_goals_a_widget_and_four_exercises() {
    for (file, l) in parsed() {
        assert!(
            l.blocks
                .iter()
                .any(|b| matches!(b, Block::Heading { level: 2, text }
                if lesson::plain_text(text) == "Learning goals")),
            "{file}: no '## Learning goals'"
        );
        assert!(l.widgets().count() >= 1, "{file}: no widget");
        assert!(
            l.exercises().count() >= 4,
            "{file}: fewer than four exercises"
        );
        assert!(
            l.blocks
                .iter()
                .any(|b| matches!(b, Block::Math(m) if m.starts_with("<math display=\"block\">"))),
            "{file}: no display formula"
        );
    }
}

#[test]
fn lesson_ids_and_files_are_unique_and_every_file_is_listed() {
    assert!(
        LESSONS.windows(2).all(|w| w[0].number < w[1].number),
        "lessons/src/content.rs must list lessons in course order"
    );
    let mut ids: Vec<&str> = LESSONS.iter().map(|l| l.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), LESSONS.len());
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        if name.ends_with(".md") && name != "README.md" {
            assert!(
                LESSONS.iter().any(|l| l.file == name),
                "lessons/content/{name} is not listed in lessons/src/content.rs"
            );
        }
    }
}

/// Answers worked by hand, as the curriculum and a learner would write them, are accepted.
#[test]
fn hand_worked_answers_are_accepted() {
    let cases = [
        // 2 tiles · 32² · 4 B = 8,192 B = 8 KiB; at T = 64, 32 KiB.
        ("04-tiled-matmul.md", "tile-32-memory", "8"),
        ("04-tiled-matmul.md", "tile-64-memory", "32"),
        // 70e9 · 2 B / 8 GPUs / 3.35 TB/s = 5.224 ms.
        ("06-llm-inference.md", "tp8-floor", "5.22"),
        // 68,976,648,192 · 2 B / 8 / 3.35e12 = 5.148 ms, with the unit typed too.
        ("14-capstone.md", "baseline-floor", "5.15 ms"),
        // 68,976,648,192 · 0.5625 B / 8 / 3.35e12 = 1.448 ms.
        ("14-capstone.md", "int4-floor", "1.45"),
    ];
    let lessons = parsed();
    for (file, id, typed) in cases {
        let l = &lessons.iter().find(|(f, _)| *f == file).unwrap().1;
        let e = l.exercises().find(|e| e.id == id).unwrap();
        assert_eq!(e.check(typed), Verdict::Correct, "{file} {id}: {typed}");
    }
}

#[test]
fn every_exercise_answer_is_recomputed_from_the_models() {
    for (file, l) in parsed() {
        for e in l.exercises() {
            let at = format!("lessons/content/{file}:{} ({})", e.line, e.id);
            match &e.kind {
                ExerciseKind::Numeric {
                    answer,
                    unit,
                    expected,
                    ..
                } => {
                    let Ok(Value::Number(si)) = exercise::evaluate(answer) else {
                        panic!("{at}: the answer does not evaluate to a number");
                    };
                    let scale = exercise::unit_scale(unit).unwrap();
                    assert!(si.is_finite() && expected.is_finite(), "{at}: not finite");
                    assert_eq!(si / scale, *expected, "{at}");
                    // The expected value itself is accepted; a value 10 % off is not.
                    assert_eq!(e.check(&expected.to_string()), Verdict::Correct, "{at}");
                    assert!(
                        matches!(
                            e.check(&(expected * 1.1 + 1.0).to_string()),
                            Verdict::Incorrect(_)
                        ),
                        "{at}: a wrong answer passes"
                    );
                }
                ExerciseKind::Classify {
                    answer,
                    labels,
                    expected,
                } => {
                    assert_eq!(
                        exercise::evaluate(answer),
                        Ok(Value::Label(expected)),
                        "{at}"
                    );
                    assert!(labels.contains(expected), "{at}");
                    assert_eq!(e.check(expected), Verdict::Correct, "{at}");
                }
                ExerciseKind::Choice { options, correct } => {
                    assert!(*correct < options.len(), "{at}");
                    assert_eq!(e.check(&correct.to_string()), Verdict::Correct, "{at}");
                }
                ExerciseKind::Kernel(task) => {
                    // The WGSL runs in the kernels crate's tests (tests/exercise.rs); here the
                    // declaration: an honest starter, hints, and a goal a student can reach.
                    assert!(task.starter.contains("TODO"), "{at}: starter has no TODO");
                    assert_ne!(task.starter, task.solution, "{at}");
                    assert!(!task.hints.is_empty(), "{at}: no hints");
                    // Modest enough that the solution passes on a software GPU (SwiftShader in
                    // headless Chrome), yet not zero.
                    assert!((0.005..=0.8).contains(&task.threshold), "{at}: threshold");
                }
            }
        }
    }
}

#[test]
fn known_figures_come_out_right() {
    // Spot checks against curriculum §4, so a model or unit slip shows up by name.
    let find = |id: &str| {
        parsed()
            .into_iter()
            .flat_map(|(_, l)| l.exercises().cloned().collect::<Vec<_>>())
            .find(|e| e.id == id)
            .unwrap()
    };
    let expect = |id: &str, v: f64, tol: f64| match find(id).kind {
        ExerciseKind::Numeric { expected, .. } => {
            assert!((expected - v).abs() <= tol, "{id}: {expected} vs {v}")
        }
        k => panic!("{id}: {k:?}"),
    };
    expect("serial-time", 4.907, 0.001);
    expect("pass-80gb", 23.88, 0.01);
    expect("token-floor-70b", 41.79, 0.01);
    expect("coalesced", 1.0, 0.0);
    expect("strided", 32.0, 0.0);
    expect("energy-hbm", 0.64, 1e-9);
    expect("energy-sram", 0.5, 1e-9);
    expect("overlapped-time", 2.907, 0.001);
    expect("doubled-peak", 2.05, 0.001);
    expect("amdahl-4x", 1.099, 0.001);
    expect("ridge-fp8", 590.7, 0.1);
    expect("floor-13b-fp16", 26.0, 1e-9);
    expect("tp8-floor", 5.22, 0.01);
    expect("mha-request", 2.147, 0.001);
    expect("llama70-per-token", 327.68, 1e-9);
    expect("page-waste", 12.0, 0.0);
    expect("reserve-waste", 82.9, 0.05);
    expect("fit-fp16", 14.0, 0.0);
    expect("fit-fp8", 29.0, 0.0);
    expect("best-gamma", 6.0, 0.0);
    expect("case-study-itl", 10.22, 0.01);
    expect("fit-fp16-8k", 186.0, 0.0);
    expect("fit-int4-fp8", 450.0, 0.0);
    expect("littles-law", 180.0, 1e-9);
    expect("cost-per-million", 0.579, 0.001);
    expect("end-to-end", 16.26, 1e-9);
    expect("fanout", 39.5, 0.05);
    expect("dp-baseline", 208.0, 1e-9);
    expect("mfu-7b", 53.1, 0.05);
    expect("hfu-7b", 70.8, 0.05);
    expect("mbu-decode", 74.6, 0.05);
    expect("scaling-tax", 25.0, 1e-9);
    expect("halve-gemm", 1.29, 0.005);
    expect("gemm-flops", 17.18, 0.005);
    expect("gemm-bytes", 50.33, 0.005);
    expect("gemm-intensity", 341.3, 0.05);
    expect("tile-32-memory", 8.0, 1e-9); // KiB, as the curriculum's "8 KB" means
    expect("io-bytes", 4.194, 0.001);
    expect("score-bytes", 134.2, 0.05);
    expect("fused-bytes", 67.1, 0.05);
    expect("launch-share", 17.6, 0.05);
    expect("compile-speedup", 1.46, 0.005);
    expect("bpw-128", 4.125, 1e-12);
    expect("bpw-64-offset", 4.5, 1e-12);
    expect("mxfp4-size", 4.25, 1e-12);
    expect("rounding-error", 0.01, 1e-12);
    expect("speedup-bound", 3.76, 0.005);
    expect("fusion-and-graphs", 1.282, 0.001);
    expect("zero-1", 61.75, 1e-9);
    expect("zero-2", 37.375, 1e-9);
    expect("zero-3", 13.0, 1e-9);
    expect("stage-1-on-8", 2.909, 0.001);
}

#[test]
fn a_typo_in_a_directive_fails_with_its_line() {
    let src = LESSONS[0]
        .text
        .replacen("```widget iron-law", "```widget iron-lw", 1);
    let e = lesson::parse(&src).unwrap_err();
    assert!(e.message.contains("unknown widget kind 'iron-lw'"), "{e}");
    let line = LESSONS[0]
        .text
        .lines()
        .position(|l| l.starts_with("```widget"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line);
    let src = LESSONS[0]
        .text
        .replacen("efficiency=0.7", "eficiency=0.7", 1);
    let e = lesson::parse(&src).unwrap_err();
    assert!(e.message.contains("unknown argument 'eficiency'"), "{e}");
}

#[test]
fn inline_math_in_lessons_is_converted() {
    let l = parsed();
    let any_inline_math = l.iter().any(|(_, l)| {
        l.blocks.iter().any(|b| {
            matches!(b, Block::Paragraph(p) if p.iter().any(|i| matches!(i, Inline::Math(m) if m.starts_with("<math>"))))
        })
    });
    assert!(any_inline_math);
}

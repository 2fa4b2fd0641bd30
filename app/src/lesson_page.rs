//! `/lessons` and `/lessons/<id>`: the lessons compiled in from `lessons/content/`, rendered from
//! their parsed document, with live calculators and checked exercises.
//!
//! Widgets are the calculator component itself ([`CalcPage`]) under a router of their own that
//! starts at the directive's preset and never touches the address bar. Formulas are MathML made
//! by `lessons::math` from the compiled-in lesson text only; nothing from the URL is ever
//! inserted as markup. Progress (each exercise answered correctly, with the answer given) is kept
//! in local storage, one JSON object per lesson.

use crate::calc_view::CalcPage;
use crate::import_box::ImportBox;
use crate::kernel_exercise::KernelExerciseCard;
use crate::route::{Location, Page};
use crate::{Link, Nav, browser, calc};
use leptos::prelude::*;
use lessons::content::{LESSONS, LessonSource};
use lessons::lesson::{self, Block, Exercise, ExerciseKind, Inline, Verdict, Widget};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Local-storage key of one lesson's progress.
pub fn progress_key(lesson_id: &str) -> String {
    format!("roofline-lab/lessons/{lesson_id}")
}

/// Exercise id → the answer that was accepted.
pub type Progress = BTreeMap<String, String>;

/// Reads a stored progress object; anything unreadable counts as no progress.
pub fn parse_progress(text: &str) -> Progress {
    serde_json::from_str(text).unwrap_or_default()
}

/// The answers in `progress` that the lesson's exercises accept now: an answer to an exercise
/// the lesson does not have, or one its exercise does not accept (a file edited by hand, an
/// import from elsewhere, an answer from before a question changed), is left out, so it can
/// never show as correct or count as done.
pub fn accepted(lesson_id: &str, progress: Progress) -> Progress {
    let Some(l) = lessons::content::find(lesson_id).and_then(|s| lesson::parse(s.text).ok()) else {
        return Progress::new();
    };
    progress
        .into_iter()
        .filter(|(id, answer)| {
            l.exercises()
                .any(|e| &e.id == id && e.check(answer) == Verdict::Correct)
        })
        .collect()
}

/// One lesson's stored progress, as far as its exercises accept it ([`accepted`]). What is
/// stored is left as it is.
pub fn load_progress(lesson_id: &str) -> Progress {
    let stored = browser::load(&progress_key(lesson_id))
        .map(|t| parse_progress(&t))
        .unwrap_or_default();
    accepted(lesson_id, stored)
}

/// Records `answer` as the accepted answer of an exercise.
pub(crate) fn save_answer(lesson_id: &str, exercise_id: &str, answer: &str) {
    let mut p = load_progress(lesson_id);
    p.insert(exercise_id.to_string(), answer.to_string());
    if let Ok(text) = serde_json::to_string(&p) {
        browser::save(&progress_key(lesson_id), &text);
    }
}

/// The progress of every lesson as one JSON document (`{"lesson": {"exercise": "answer"}}`).
pub fn export_progress(all: &BTreeMap<String, Progress>) -> String {
    serde_json::to_string_pretty(all).unwrap_or_else(|_| "{}".into())
}

/// What an import keeps: the accepted answers of each lesson, and how many were left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// Lesson id → its accepted answers (lessons with none left out).
    pub lessons: BTreeMap<String, Progress>,
    /// Answers left out: for lessons or exercises that do not exist, or not accepted.
    pub left_out: usize,
}

impl Imported {
    /// One line for the page: what was imported and what was not.
    pub fn summary(&self) -> String {
        let answers: usize = self.lessons.values().map(BTreeMap::len).sum();
        let n = self.lessons.len();
        let mut s = format!(
            "Imported {answers} {} for {n} {}.",
            if answers == 1 { "answer" } else { "answers" },
            if n == 1 { "lesson" } else { "lessons" }
        );
        if self.left_out > 0 {
            s.push_str(&format!(
                " Left out {}: {} for exercises this site does not have, or not accepted by \
                 their exercise.",
                self.left_out,
                if self.left_out == 1 {
                    "an answer"
                } else {
                    "answers"
                }
            ));
        }
        s
    }
}

/// Parses an exported document and keeps what the lessons accept ([`accepted`]).
pub fn import_progress(text: &str) -> Result<Imported, String> {
    let all: BTreeMap<String, Progress> =
        serde_json::from_str(text).map_err(|e| format!("Not a progress file: {e}"))?;
    let given: usize = all.values().map(BTreeMap::len).sum();
    let lessons: BTreeMap<String, Progress> = all
        .into_iter()
        .map(|(id, p)| {
            let kept = accepted(&id, p);
            (id, kept)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let kept: usize = lessons.values().map(BTreeMap::len).sum();
    Ok(Imported {
        lessons,
        left_out: given - kept,
    })
}

/// A lab report in Markdown: every lesson, every exercise, and the accepted answers. It renders
/// [`crate::report::build`]'s report, so how each exercise kind's answer reads is decided there.
pub fn lab_report(all: &BTreeMap<String, Progress>) -> String {
    let report = crate::report::build(None, all, None, String::new());
    let mut out = String::from("# Roofline Lab: lab report\n");
    for src in LESSONS {
        let items: Vec<_> = report
            .exercises
            .iter()
            .filter(|e| e.lesson == src.id)
            .collect();
        let Some(first) = items.first() else {
            continue;
        };
        let done = items.iter().filter(|e| e.answer.is_some()).count();
        out.push_str(&format!(
            "\n## L{} {}\n\n{done} of {} exercises answered correctly.\n\n",
            src.number,
            first.lesson_title,
            items.len()
        ));
        for e in items {
            let (mark, shown) = match &e.answer_text {
                Some(t) => ("x", format!("answered {t}")),
                None => (" ", "not answered yet".to_string()),
            };
            out.push_str(&format!(
                "- [{mark}] {}. {} ({shown})\n",
                e.number, e.question
            ));
        }
    }
    out
}

/// Every lesson's stored progress, lessons without any left out.
pub fn all_progress() -> BTreeMap<String, Progress> {
    LESSONS
        .iter()
        .map(|l| (l.id.to_string(), load_progress(l.id)))
        .filter(|(_, p)| !p.is_empty())
        .collect()
}

/// `/lessons`: every lesson with its number, title and progress.
#[component]
pub fn LessonIndex() -> impl IntoView {
    let (message, set_message) = signal(String::new());
    let version = RwSignal::new(0u32);
    let items = move || {
        version.track();
        LESSONS
            .iter()
            .map(|src| {
                let parsed = lesson::parse(src.text);
                let (title, total) = match &parsed {
                    Ok(l) => (l.title.clone(), l.exercises().count()),
                    Err(_) => (src.id.to_string(), 0),
                };
                let done = load_progress(src.id).len().min(total);
                view! {
                    <li class="card lesson-card" data-testid=format!("lesson-{}", src.id)>
                        <h2>
                            <span class="lesson-number">{format!("L{} ", src.number)}</span>
                            <Link href=format!("/lessons/{}", src.id)>{title}</Link>
                        </h2>
                        <p class="progress" data-testid=format!("progress-{}", src.id)>
                            {format!("{done} of {total} exercises done")}
                        </p>
                    </li>
                }
            })
            .collect_view()
    };
    let export = move |_| {
        browser::download_text(
            "roofline-lab-progress.json",
            "application/json",
            &export_progress(&all_progress()),
        );
    };
    let report = move |_| {
        browser::download_text(
            "roofline-lab-report.md",
            "text/markdown",
            &lab_report(&all_progress()),
        );
    };
    let import_text = move |text: String| match import_progress(&text) {
        Ok(imported) => {
            for (id, p) in &imported.lessons {
                let mut merged = load_progress(id);
                merged.extend(p.clone());
                if let Ok(t) = serde_json::to_string(&merged) {
                    browser::save(&progress_key(id), &t);
                }
            }
            set_message.set(imported.summary());
            version.update(|v| *v += 1);
        }
        Err(e) => set_message.set(e),
    };
    view! {
        <h1>"Lessons"</h1>
        <p>
            "Each lesson explains one idea, lets you play with it in a live calculator and ends "
            "with exercises whose answers are computed from the same models. Your progress stays "
            "in this browser."
        </p>
        <ul class="cards lessons">{items}</ul>
        <section class="card progress-io">
            <h2>"Your progress"</h2>
            <button type="button" class="secondary" data-testid="export-progress" on:click=export>
                "Export progress (JSON)"
            </button>
            " "
            <button type="button" class="secondary" data-testid="lab-report" on:click=report>
                "Download lab report (Markdown)"
            </button>
            <p>
                <Link href="/report".into()>"Printable lab report (JSON too)"</Link>
                " · "
                <Link href="/labs".into()>"Course labs"</Link>
            </p>
            <h3>"Import progress"</h3>
            <ImportBox
                file_label="Choose an exported file"
                paste_label="Or paste its text"
                button_label="Import pasted text"
                paste_id="import-progress"
                test_ids=["import-progress-file", "import-progress", "import-progress-button"]
                on_text=Callback::new(import_text)
                on_read_error=Callback::new(move |e| {
                    set_message.set(format!("Could not read the file: {e}"))
                })
            />
            <p role="status" data-testid="import-message">{message}</p>
        </section>
    }
}

/// `/lessons/<id>`: one lesson, or a message naming the lessons there are.
#[component]
pub fn LessonRoute(
    /// Lesson id from the path.
    id: String,
) -> impl IntoView {
    match lessons::content::find(&id) {
        Some(src) => match lesson::parse(src.text) {
            Ok(l) => view! { <LessonView source=src lesson=l /> }.into_any(),
            Err(e) => view! {
                <section class="card notice" role="alert">
                    <h1>"This lesson does not parse"</h1>
                    <p>{format!("lessons/content/{}: {e}", src.file)}</p>
                </section>
            }
            .into_any(),
        },
        None => {
            let ids = LESSONS.iter().map(|l| l.id).collect::<Vec<_>>().join(", ");
            view! {
                <section class="card notice" role="alert" data-testid="unknown-lesson">
                    <h1>"No such lesson"</h1>
                    <p>"There is no lesson called “" {id} "”. The lessons are: " {ids} "."</p>
                    <p><Link href="/lessons".into()>"See all lessons"</Link></p>
                </section>
            }
            .into_any()
        }
    }
}

/// A parsed lesson.
#[component]
pub fn LessonView(
    /// Where it came from (id for progress).
    source: &'static LessonSource,
    /// The document.
    lesson: lesson::Lesson,
) -> impl IntoView {
    let progress = load_progress(source.id);
    let mut number = 0usize;
    let blocks = lesson
        .blocks
        .into_iter()
        .map(|b| match b {
            Block::Heading { level, text } => {
                let inner = inlines(&text);
                match level {
                    1 => view! { <h1>{inner}</h1> }.into_any(),
                    2 => view! { <h2>{inner}</h2> }.into_any(),
                    _ => view! { <h3>{inner}</h3> }.into_any(),
                }
            }
            Block::Paragraph(p) => view! { <p>{inlines(&p)}</p> }.into_any(),
            Block::List { ordered, items } => {
                let lis = items
                    .iter()
                    .map(|i| view! { <li>{inlines(i)}</li> })
                    .collect_view();
                if ordered {
                    view! { <ol>{lis}</ol> }.into_any()
                } else {
                    view! { <ul>{lis}</ul> }.into_any()
                }
            }
            Block::Code { lang, text } => view! {
                <pre class="code"><code data-lang=lang>{text}</code></pre>
            }
            .into_any(),
            // MathML produced by `lessons::math` from compiled-in lesson text.
            Block::Math(mathml) => view! { <div class="math" inner_html=mathml></div> }.into_any(),
            Block::Widget(w) => view! { <LessonWidget widget=w /> }.into_any(),
            Block::Exercise(e) => {
                number += 1;
                let saved = progress.get(&e.id).cloned();
                // The anchor the labs' checklists link to (`#exercise-<id>`).
                let anchor = format!("exercise-{}", e.id);
                view! {
                    <div id=anchor>
                        <ExerciseCard lesson_id=source.id exercise=e number=number saved=saved />
                    </div>
                }
                .into_any()
            }
        })
        .collect_view();
    view! {
        <article class="lesson" data-testid=format!("lesson-page-{}", source.id)>
            <p class="crumbs"><Link href="/lessons".into()>"Lessons"</Link>{format!(" · L{}", source.number)}</p>
            {blocks}
        </article>
    }
}

/// Inline lesson content as views.
pub(crate) fn inlines(items: &[Inline]) -> impl IntoView + use<> {
    items
        .iter()
        .map(|i| match i.clone() {
            Inline::Text(t) => t.into_any(),
            Inline::Emph(t) => view! { <em>{t}</em> }.into_any(),
            Inline::Strong(t) => view! { <strong>{t}</strong> }.into_any(),
            Inline::Code(t) => view! { <code>{t}</code> }.into_any(),
            // MathML produced by `lessons::math` from compiled-in lesson text.
            Inline::Math(m) => view! { <span class="math" inner_html=m></span> }.into_any(),
            Inline::Link { text, href } if href.starts_with('/') => {
                view! { <Link href=href>{text}</Link> }.into_any()
            }
            Inline::Link { text, href } if href.starts_with("https://") => {
                view! { <a href=href rel="noopener">{text}</a> }.into_any()
            }
            Inline::Link { text, .. } => text.into_any(),
        })
        .collect_view()
}

/// A calculator inside a lesson, starting at the directive's preset. It has its own router, so
/// changing its inputs never changes the lesson's URL.
#[component]
pub fn LessonWidget(
    /// The directive.
    widget: Widget,
) -> impl IntoView {
    let Some(c) = calc::find(&widget.kind) else {
        return view! { <p class="notice">{format!("Unknown calculator {}", widget.kind)}</p> }
            .into_any();
    };
    let params = widget.params.into_iter().collect();
    let local = Nav::new(
        Location {
            page: Page::Embed(c.id.to_string()),
            params,
        },
        false,
    );
    provide_context(local);
    view! {
        <div class="lesson-widget" data-testid=format!("widget-{}", c.id)>
            <CalcPage calc=c embed=true />
        </div>
    }
    .into_any()
}

/// What an exercise card shows under its Check button.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Unanswered,
    Correct,
    Wrong(String),
}

/// One exercise: question, input, Check, feedback; a correct answer is remembered.
#[component]
pub fn ExerciseCard(
    /// Lesson id, for progress.
    lesson_id: &'static str,
    /// The exercise.
    exercise: Exercise,
    /// Its number in the lesson, from 1.
    number: usize,
    /// The answer accepted earlier, if any.
    saved: Option<String>,
) -> impl IntoView {
    if matches!(exercise.kind, ExerciseKind::Kernel(_)) {
        return view! {
            <KernelExerciseCard lesson_id=lesson_id exercise=exercise number=number saved=saved />
        }
        .into_any();
    }
    let ex = Arc::new(exercise);
    let id = ex.id.clone();
    let attempt = RwSignal::new(saved.clone().unwrap_or_default());
    let status = RwSignal::new(if saved.is_some() {
        Status::Correct
    } else {
        Status::Unanswered
    });
    let check = {
        let ex = ex.clone();
        move || {
            let a = attempt.get_untracked();
            match ex.check(&a) {
                Verdict::Correct => {
                    save_answer(lesson_id, &ex.id, &a);
                    status.set(Status::Correct);
                }
                Verdict::Incorrect(m) | Verdict::Unreadable(m) => status.set(Status::Wrong(m)),
            }
        }
    };
    let input_id = format!("answer-{id}");
    let control = match &ex.kind {
        ExerciseKind::Numeric {
            unit, tolerance, ..
        } => {
            let hint = format!("Answer in {unit}, within {}.", tolerance.describe(unit));
            let check = check.clone();
            view! {
                <div class="control">
                    <input
                        id=input_id.clone()
                        type="text"
                        inputmode="decimal"
                        autocomplete="off"
                        data-testid=input_id.clone()
                        prop:value=move || attempt.get()
                        on:input=move |ev| attempt.set(event_target_value(&ev))
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                check();
                            }
                        }
                    />
                    <span class="unit">{unit.clone()}</span>
                </div>
                <p class="hint">{hint}</p>
            }
            .into_any()
        }
        ExerciseKind::Choice { options, .. } => {
            let choices: Vec<(String, AnyView)> = options
                .iter()
                .enumerate()
                .map(|(i, o)| (i.to_string(), inlines(o).into_any()))
                .collect();
            radios(&id, choices, attempt).into_any()
        }
        ExerciseKind::Classify { labels, .. } => {
            let choices: Vec<(String, AnyView)> = labels
                .iter()
                .map(|l| (l.to_string(), l.to_string().into_any()))
                .collect();
            radios(&id, choices, attempt).into_any()
        }
        // Rendered by `KernelExerciseCard` above.
        ExerciseKind::Kernel(_) => ().into_any(),
    };
    let explain = inlines(&ex.explain);
    let has_explain = !ex.explain.is_empty();
    let feedback = move || match status.get() {
        Status::Unanswered => String::new(),
        Status::Correct => "Correct.".into(),
        Status::Wrong(m) => m,
    };
    view! {
        <section
            class="card exercise"
            class:correct=move || status.get() == Status::Correct
            data-testid=format!("exercise-{id}")
        >
            <h3>{format!("Exercise {number}")}</h3>
            <p class="question"><label for=input_id>{inlines(&ex.question)}</label></p>
            {control}
            <button type="button" data-testid=format!("check-{id}") on:click=move |_| check()>
                "Check"
            </button>
            <p class="feedback" role="status" data-testid=format!("feedback-{id}")>{feedback}</p>
            <p class="explain" hidden=move || !(has_explain && status.get() == Status::Correct)>
                {explain}
            </p>
        </section>
    }
    .into_any()
}

fn radios(id: &str, choices: Vec<(String, AnyView)>, attempt: RwSignal<String>) -> impl IntoView {
    let name = format!("choice-{id}");
    let items = choices
        .into_iter()
        .map(|(value, label)| {
            let v = value.clone();
            let v2 = value.clone();
            view! {
                <li>
                    <label>
                        <input
                            type="radio"
                            name=name.clone()
                            value=value.clone()
                            data-testid=format!("option-{id}-{value}")
                            prop:checked=move || attempt.get() == v
                            on:change=move |_| attempt.set(v2.clone())
                        />
                        {label}
                    </label>
                </li>
            }
        })
        .collect_view();
    view! { <ul class="choices">{items}</ul> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lessons::lesson::WIDGETS;

    #[test]
    fn the_widget_table_matches_the_calculators() {
        for c in calc::CALCULATORS {
            let keys: Vec<&str> = (c.fields)(&Default::default())
                .iter()
                .map(|f| f.key)
                .collect();
            let table = WIDGETS.iter().find(|(k, _)| *k == c.id).unwrap_or_else(|| {
                panic!("calculator {} missing from lessons::lesson::WIDGETS", c.id)
            });
            assert_eq!(table.1, keys.as_slice(), "{}", c.id);
        }
        assert_eq!(WIDGETS.len(), calc::CALCULATORS.len());
    }

    #[test]
    fn every_lesson_widget_is_accepted_by_its_calculator() {
        for src in LESSONS {
            let l = lesson::parse(src.text).unwrap();
            for w in l.widgets() {
                let c = calc::find(&w.kind).unwrap();
                let params = w.params.iter().cloned().collect();
                let out = (c.eval)(&params);
                assert!(
                    out.errors.is_empty(),
                    "lessons/content/{}:{}: {:?}",
                    src.file,
                    w.line,
                    out.errors
                );
                assert!(!out.rows.is_empty());
            }
        }
    }

    #[test]
    fn progress_round_trips_and_ignores_unknown_lessons() {
        let mut all = BTreeMap::new();
        let mut p = Progress::new();
        p.insert("ridge-custom".to_string(), "33.3".to_string());
        all.insert("roofline".to_string(), p);
        all.insert("no-such-lesson".to_string(), Progress::new());
        let text = export_progress(&all);
        let back = import_progress(&text).unwrap();
        assert_eq!(back.lessons.len(), 1);
        assert_eq!(back.lessons["roofline"]["ridge-custom"], "33.3");
        assert_eq!(back.left_out, 0);
        assert_eq!(back.summary(), "Imported 1 answer for 1 lesson.");
        assert!(import_progress("not json").is_err());
        assert!(parse_progress("garbage").is_empty());
    }

    #[test]
    fn only_answers_the_exercises_accept_are_imported_or_loaded() {
        // A wrong number, a wrong option, a label that is no category, an exercise that does
        // not exist, and one right answer (50 TFLOP/s / 1.5 TB/s = 33.3 FLOP/B).
        let text = r#"{"roofline": {"ridge-custom": "99999", "next-step": "7",
            "fp8-regime": "banana", "bogus": "1", "attainable-h100": "1"},
            "speculative-decoding": {"expected-tokens": "2.176"}}"#;
        let back = import_progress(text).unwrap();
        assert_eq!(back.lessons.len(), 1, "{back:?}");
        assert_eq!(back.lessons["speculative-decoding"].len(), 1);
        assert_eq!(back.left_out, 5);
        assert_eq!(
            back.summary(),
            "Imported 1 answer for 1 lesson. Left out 5: answers for exercises this site does \
             not have, or not accepted by their exercise."
        );
        let mut p = Progress::new();
        p.insert("ridge-custom".into(), "99999".into());
        p.insert("next-step".into(), "1".into());
        let kept = accepted("roofline", p);
        assert_eq!(kept.keys().collect::<Vec<_>>(), ["next-step"]);
        assert!(accepted("no-such-lesson", kept).is_empty());
    }

    #[test]
    fn the_lab_report_lists_every_exercise_and_the_answers_given() {
        let mut all = BTreeMap::new();
        let mut p = Progress::new();
        p.insert("ridge-custom".to_string(), "33.3".to_string());
        p.insert("next-step".to_string(), "1".to_string());
        all.insert("roofline".to_string(), p);
        let report = lab_report(&all);
        assert!(report.starts_with("# Roofline Lab: lab report"));
        assert!(report.contains("## L3 The roofline model"), "{report}");
        assert!(
            report.contains("2 of 8 exercises answered correctly."),
            "{report}"
        );
        assert!(report.contains("- [x] 1. A device offers 50 TFLOP/s and 1.5 TB/s. Where is its ridge? (answered 33.3 FLOP/B)"), "{report}");
        assert!(report.contains("(answered “Cut the bytes"), "{report}");
        assert!(report.contains("- [ ] 2. "), "{report}");
        let lessons_listed = report.matches("\n## L").count();
        assert_eq!(lessons_listed, LESSONS.len());
    }
}

//! Kernel exercises in a lesson: a WGSL editor, Run, and the grade.
//!
//! The student's code is saved to local storage on every keystroke (and the version replaced by
//! Reset or Reveal solution is kept, restorable with one click), so neither a compile error, a
//! lost device nor a reload loses work. A run goes through `kernels::exercise::run_exercise`
//! (compile alone first, for errors with line and column; then the family's harness: random
//! inputs, CPU reference, timing), and the outcome is graded by `lessons::kernel_exercise`
//! against a roof measured on this device: the Benchmark page's, this page's earlier one, or,
//! failing both, one measured on the spot. A lost device is an error with a Reconnect button;
//! the page never needs a reload.

use crate::gpu_panel::{GpuContext, GpuStatus};
use crate::lesson_page::inlines;
use crate::lesson_page::save_answer;
use crate::{bench, browser, format};
use kernels::exercise::{self as kx, CompileMessage};
use kernels::{AdapterSummary, Gpu, KernelError, Measurement, RunOptions, Shape, TimingOptions};
use leptos::prelude::*;
use lessons::kernel_exercise::{KernelOutcome, KernelTask, Roof, sig3};
use lessons::lesson::{self, Exercise, ExerciseKind, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::rc::Rc;

/// Local-storage key of the code being written for one exercise.
pub fn draft_key(lesson_id: &str, exercise_id: &str) -> String {
    format!("roofline-lab/kernel-draft/{lesson_id}/{exercise_id}")
}

/// Local-storage key of the version that Reset or Reveal solution replaced.
pub fn previous_key(lesson_id: &str, exercise_id: &str) -> String {
    format!("roofline-lab/kernel-previous/{lesson_id}/{exercise_id}")
}

/// Local-storage key of the roofs measured by the exercises themselves.
pub const ROOFS_KEY: &str = "roofline-lab/exercise-roofs";

/// A roof measured on the spot by an exercise, kept for later runs on the same adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredRoof {
    /// GB/s or GFLOP/s, by the roof.
    pub value: f64,
    /// The adapter it was measured on (its label).
    pub adapter: String,
    /// When (ISO date).
    pub date: String,
}

/// A roof to grade against, with where it came from in words.
#[derive(Debug, Clone, PartialEq)]
pub struct RoofValue {
    /// GB/s or GFLOP/s.
    pub value: f64,
    /// "measured on the Benchmark page", "measured by this exercise on 2026-11-21".
    pub source: String,
}

/// The roof `roof` for `adapter` from earlier measurements: the Benchmark page's last run
/// (bandwidth at its largest working set, the DRAM roof the exercises' sizes reach), else one
/// an exercise measured. `None` when neither was measured on this adapter.
pub fn known_roof(
    roof: Roof,
    adapter: &str,
    bench_run: Option<&[Measurement]>,
    stored: &BTreeMap<String, StoredRoof>,
) -> Option<RoofValue> {
    if let Some(ms) = bench_run {
        let same: Vec<Measurement> = ms
            .iter()
            .filter(|m| m.adapter.label() == adapter)
            .cloned()
            .collect();
        let r = kernels::ceilings::roofs(&same);
        let v = match roof {
            Roof::CopyBandwidth => r.copy_largest.map(|(v, _)| v),
            Roof::ReadBandwidth => r.read_largest.map(|(v, _)| v),
            Roof::FmaF32 => r.f32_gflops,
        };
        if let Some(value) = v.filter(|v| *v > 0.0) {
            return Some(RoofValue {
                value,
                source: "measured on the Benchmark page".into(),
            });
        }
    }
    stored
        .get(roof.id())
        .filter(|s| s.adapter == adapter && s.value > 0.0)
        .map(|s| RoofValue {
            value: s.value,
            source: format!("measured by an exercise on {}", s.date),
        })
}

/// The outcome of a run, graded against `roof`.
pub fn outcome(m: &Measurement, task: &KernelTask, roof: &RoofValue) -> KernelOutcome {
    KernelOutcome {
        correct: m.verified,
        max_error: m.verification.worst_error_ratio,
        first_failure: m.verification.first_failure.clone(),
        time_s: m.time.median_s,
        achieved: kx::rate(m, task.roof.id()).unwrap_or(0.0),
        unit: task.roof.unit().into(),
        roof: task.roof,
        roof_value: roof.value,
        roof_source: roof.source.clone(),
        fraction: 0.0,
        required: task.threshold,
        adapter: m.adapter.label(),
        timing: m.timing.label().into(),
    }
    .with_fraction()
}

/// One line for the lab report about a stored outcome.
pub fn report_line(answer: &str) -> String {
    match serde_json::from_str::<KernelOutcome>(answer) {
        Ok(o) => format!(
            "with a correct kernel: {} {} = {}% of the measured {} ({} {}, {}; goal {}%) on {}, timed by {}",
            sig3(o.achieved),
            o.unit,
            sig3(o.fraction * 100.0),
            o.roof.label(),
            sig3(o.roof_value),
            o.unit,
            o.roof_source,
            sig3(o.required * 100.0),
            o.adapter,
            o.timing
        ),
        Err(_) => "run recorded in an unreadable form".into(),
    }
}

/// Line numbers for the gutter: one per line of `code` (at least one).
pub fn gutter(code: &str) -> String {
    let n = code.split('\n').count().max(1);
    (1..=n)
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The byte index of UTF-16 offset `u16_index` in `s` (textarea selections count UTF-16 units;
/// WGSL comments may hold `·` or `√`). Clamped to the string.
pub fn byte_index(s: &str, u16_index: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in s.char_indices() {
        if units >= u16_index {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    s.len()
}

/// The UTF-16 offset of 1-based `line` and byte `column` (as compilers report them).
pub fn utf16_offset(s: &str, line: u32, column: u32) -> u32 {
    let mut offset = 0u32;
    for (i, l) in s.split('\n').enumerate() {
        if i + 1 == line as usize {
            let col = (column.max(1) - 1) as usize;
            let upto = l.get(..col.min(l.len())).unwrap_or(l);
            return offset + upto.encode_utf16().count() as u32;
        }
        offset += l.encode_utf16().count() as u32 + 1;
    }
    offset
}

/// `code` with four spaces in place of the selection `start..end` (UTF-16 offsets), and the
/// caret's new UTF-16 offset.
pub fn insert_tab(code: &str, start: u32, end: u32) -> (String, u32) {
    let (a, b) = (byte_index(code, start), byte_index(code, end.max(start)));
    let mut out = String::with_capacity(code.len() + 4);
    out.push_str(&code[..a]);
    out.push_str("    ");
    out.push_str(&code[b..]);
    (out, start + 4)
}

/// What the card shows below the editor.
#[derive(Debug, Clone, PartialEq)]
enum RunState {
    Idle,
    /// Working; the text says on what.
    Busy(String),
    /// It compiled and ran: the outcome and the verdict.
    Done(KernelOutcome, Verdict),
    /// It did not compile.
    Compile(Vec<CompileMessage>),
    /// Any other failure; `lost` offers to reconnect the device.
    Failed {
        message: String,
        lost: bool,
    },
}

fn load_stored_roofs() -> BTreeMap<String, StoredRoof> {
    browser::load(ROOFS_KEY)
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

fn today() -> String {
    let iso: String = js_sys::Date::new_0().to_iso_string().into();
    iso.chars().take(10).collect()
}

/// Where a run reports, and which run it is: a run whose number is no longer the card's
/// current one (Stop waiting, or a newer run) reports nothing.
#[derive(Clone, Copy)]
struct Reporter {
    state: RwSignal<RunState>,
    generation: StoredValue<u64>,
    mine: u64,
}

/// Runs `code` and grades it, reporting progress through `r.state`.
async fn run_and_grade(
    gpu: Rc<Gpu>,
    task: KernelTask,
    code: String,
    size: Option<Shape>,
    timing: TimingOptions,
    r: Reporter,
) -> Option<(KernelOutcome, Verdict)> {
    let Reporter {
        state,
        generation,
        mine,
    } = r;
    let current = move || generation.get_value() == mine;
    let opts = RunOptions { timing, seed: None };
    state.set(RunState::Busy(
        "Compiling, running and checking against the CPU reference…".into(),
    ));
    let m = match kx::run_exercise(&gpu, task.family, &code, size, &opts).await {
        Ok(m) => m,
        Err(e) => {
            if current() {
                state.set(failure(&gpu, e));
            }
            return None;
        }
    };
    if !current() {
        return None;
    }
    let adapter = gpu.adapter.label();
    let bench_run = bench::load_last_run().map(|f| f.measurements);
    let mut stored = load_stored_roofs();
    let roof = match known_roof(task.roof, &adapter, bench_run.as_deref(), &stored) {
        Some(r) => r,
        None => {
            state.set(RunState::Busy(format!(
                "Measuring your {} once (it is kept for later runs)…",
                task.roof.label()
            )));
            let probe = match kx::measure_roof(&gpu, task.roof.id(), &opts).await {
                Ok(p) if p.verified => p,
                Ok(p) => {
                    if current() {
                        state.set(RunState::Failed {
                            message: format!(
                                "The {} probe gave a wrong result ({}), so there is no roof to \
                                 compare with.",
                                task.roof.label(),
                                p.verification.first_failure.unwrap_or_default()
                            ),
                            lost: false,
                        });
                    }
                    return None;
                }
                Err(e) => {
                    if current() {
                        state.set(failure(&gpu, e));
                    }
                    return None;
                }
            };
            let value = kx::rate(&probe, task.roof.id()).unwrap_or(0.0);
            let date = today();
            stored.insert(
                task.roof.id().into(),
                StoredRoof {
                    value,
                    adapter: adapter.clone(),
                    date: date.clone(),
                },
            );
            if let Ok(t) = serde_json::to_string(&stored) {
                browser::save(ROOFS_KEY, &t);
            }
            RoofValue {
                value,
                source: format!("measured by an exercise on {date}"),
            }
        }
    };
    if !current() {
        return None;
    }
    let o = outcome(&m, &task, &roof);
    let verdict = lessons::kernel_exercise::grade(&task, &o);
    state.set(RunState::Done(o.clone(), verdict.clone()));
    Some((o, verdict))
}

/// What to show for a failed run. Any error on a device that has since been lost is shown as
/// the loss (the browser reports the loss asynchronously, often after the first failed call).
fn failure(gpu: &Gpu, e: KernelError) -> RunState {
    let e = match gpu.check_alive() {
        Err(lost @ KernelError::DeviceLost(_)) if !matches!(e, KernelError::Compile { .. }) => lost,
        _ => e,
    };
    match e {
        KernelError::Compile { messages, .. } => RunState::Compile(messages),
        KernelError::DeviceLost(why) => RunState::Failed {
            message: format!(
                "The GPU device was lost ({why}). Your code is saved; reconnect and run again."
            ),
            lost: true,
        },
        other => RunState::Failed {
            message: other.to_string(),
            lost: false,
        },
    }
}

fn is_software(a: &AdapterSummary) -> bool {
    a.device_type == "Cpu"
}

/// A kernel exercise: the question, the editor, Run, hints, the solution and the grade.
#[component]
pub fn KernelExerciseCard(
    /// Lesson id, for progress and the saved code.
    lesson_id: &'static str,
    /// The exercise (of kind [`ExerciseKind::Kernel`]; any other kind shows a notice).
    exercise: Exercise,
    /// Its number in the lesson, from 1.
    number: usize,
    /// The outcome accepted earlier (JSON), if any.
    saved: Option<String>,
    /// Problem size instead of the family's graded one (component tests use small ones).
    #[prop(optional)]
    size: Option<Shape>,
    /// Timing options instead of the device's default (careful on GPUs, quick on software).
    #[prop(optional)]
    timing: Option<TimingOptions>,
) -> impl IntoView {
    let ExerciseKind::Kernel(task) = exercise.kind.clone() else {
        return view! { <p class="notice">"Not a kernel exercise."</p> }.into_any();
    };
    let ctx = use_context::<GpuContext>().unwrap_or_else(|| {
        let c = GpuContext::new();
        provide_context(c);
        c
    });
    ctx.ensure();
    let id = exercise.id.clone();
    let draft = draft_key(lesson_id, &id);
    let previous_k = previous_key(lesson_id, &id);
    let code = RwSignal::new(browser::load(&draft).unwrap_or_else(|| task.starter.to_string()));
    let previous = RwSignal::new(browser::load(&previous_k));
    let state = RwSignal::new(match saved.as_deref().map(|s| (s, exercise.check(s))) {
        Some((s, Verdict::Correct)) => serde_json::from_str::<KernelOutcome>(s)
            .map(|o| RunState::Done(o, Verdict::Correct))
            .unwrap_or(RunState::Idle),
        _ => RunState::Idle,
    });
    let passed = RwSignal::new(matches!(
        state.get_untracked(),
        RunState::Done(_, Verdict::Correct)
    ));
    let generation = StoredValue::new(0u64);
    let hints_shown = RwSignal::new(0usize);
    let confirm_solution = RwSignal::new(false);
    let tab_leaves = RwSignal::new(false);
    let editor = NodeRef::<leptos::html::Textarea>::new();
    let gutter_ref = NodeRef::<leptos::html::Pre>::new();

    let set_code = {
        let draft = draft.clone();
        move |text: String| {
            browser::save(&draft, &text);
            code.set(text);
        }
    };
    // Keeps the code being replaced, so Reset and Reveal can be undone.
    let replace_with = {
        let set_code = set_code.clone();
        let previous_k = previous_k.clone();
        move |text: &str| {
            let old = code.get_untracked();
            if old != text {
                browser::save(&previous_k, &old);
                previous.set(Some(old));
            }
            set_code(text.to_string());
        }
    };
    let on_input = {
        let set_code = set_code.clone();
        move |ev: leptos::ev::Event| set_code(event_target_value(&ev))
    };
    let on_keydown = {
        let set_code = set_code.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" {
                // The next Tab leaves the editor, as a keyboard user expects.
                tab_leaves.set(true);
                return;
            }
            if ev.key() != "Tab" || ev.shift_key() || ev.ctrl_key() || ev.alt_key() || ev.meta_key()
            {
                return;
            }
            if tab_leaves.get_untracked() {
                tab_leaves.set(false);
                return;
            }
            let Some(area) = editor.get_untracked() else {
                return;
            };
            ev.prevent_default();
            let start = area.selection_start().ok().flatten().unwrap_or(0);
            let end = area.selection_end().ok().flatten().unwrap_or(start);
            let (text, caret) = insert_tab(&area.value(), start, end);
            area.set_value(&text);
            let _ = area.set_selection_range(caret, caret);
            set_code(text);
        }
    };
    let on_scroll = move |_| {
        if let (Some(area), Some(g)) = (editor.get_untracked(), gutter_ref.get_untracked()) {
            g.set_scroll_top(area.scroll_top());
        }
    };
    let go_to = move |line: u32, column: u32| {
        if let Some(area) = editor.get_untracked() {
            let at = utf16_offset(&area.value(), line, column);
            let _ = area.focus();
            let _ = area.set_selection_range(at, at);
        }
    };

    let run = {
        let task = task.clone();
        let id = id.clone();
        move |_| {
            let Some(gpu) = ctx.gpu.get_value() else {
                ctx.ensure();
                state.set(RunState::Failed {
                    message: "No GPU device yet: see the note above.".into(),
                    lost: false,
                });
                return;
            };
            let mine = generation.get_value() + 1;
            generation.set_value(mine);
            let timing = timing.unwrap_or_else(|| {
                if is_software(&gpu.adapter) {
                    TimingOptions::quick()
                } else {
                    TimingOptions::benchmark()
                }
            });
            let task = task.clone();
            let id = id.clone();
            let source = code.get_untracked();
            leptos::task::spawn_local(async move {
                let reporter = Reporter {
                    state,
                    generation,
                    mine,
                };
                let result = run_and_grade(gpu, task, source, size, timing, reporter).await;
                if let Some((o, Verdict::Correct)) = result
                    && let Ok(json) = serde_json::to_string(&o)
                {
                    save_answer(lesson_id, &id, &json);
                    passed.set(true);
                }
            });
        }
    };
    // The GPU cannot be interrupted, but the card can stop waiting for it: the run's result is
    // then ignored, and the editor and Run are usable at once.
    let cancel = move |_| {
        generation.set_value(generation.get_value() + 1);
        state.set(RunState::Idle);
    };
    let reconnect = move |_| {
        ctx.reconnect();
        state.set(RunState::Idle);
    };
    let reset = {
        let replace_with = replace_with.clone();
        let starter = task.starter;
        move |_| replace_with(starter)
    };
    let restore = {
        let replace_with = replace_with.clone();
        move |_| {
            if let Some(old) = previous.get_untracked() {
                replace_with(&old);
            }
        }
    };
    let reveal = {
        let replace_with = replace_with.clone();
        let solution = task.solution;
        move |_| {
            confirm_solution.set(false);
            replace_with(solution);
        }
    };

    let busy = move || matches!(state.get(), RunState::Busy(_));
    let no_gpu = move || match ctx.status.get() {
        GpuStatus::Unavailable(why) => Some(why),
        _ => None,
    };
    let hints = task.hints.clone();
    let hint_count = hints.len();
    let hint_list = move || {
        hints
            .iter()
            .take(hints_shown.get())
            .enumerate()
            .map(|(i, h)| {
                view! { <li data-testid=format!("hint-{i}")>{inlines(h)}</li> }
            })
            .collect_view()
    };
    let goal = format!(
        "Goal: the output must match the CPU reference, and the kernel must reach {}% of your \
         measured {} ({}).",
        sig3(task.threshold * 100.0),
        task.roof.label(),
        task.roof.unit()
    );
    let contract = kx::exercise_kernel(task.family)
        .map(|k| k.contract)
        .unwrap_or("");
    let result = move || match state.get() {
        RunState::Idle => ().into_any(),
        RunState::Busy(what) => view! {
            <p class="running" aria-busy="true" data-testid="kernel-running">{what}</p>
        }
        .into_any(),
        RunState::Compile(messages) => {
            let items = messages
                .into_iter()
                .map(|m| {
                    let (line, column) = (m.line, m.column);
                    let at = if line == 0 {
                        "?".to_string()
                    } else {
                        format!("{line}:{column}")
                    };
                    view! {
                        <li>
                            <button
                                type="button"
                                class="link"
                                data-testid="compile-at"
                                on:click=move |_| go_to(line, column)
                            >
                                {format!("line {at}")}
                            </button>
                            " " {m.message}
                        </li>
                    }
                })
                .collect_view();
            view! {
                <div class="compile-errors" role="alert" data-testid="compile-errors">
                    <p>"It does not compile (your code is saved):"</p>
                    <ul>{items}</ul>
                </div>
            }
            .into_any()
        }
        RunState::Failed { message, lost } => view! {
            <div class="run-error" role="alert" data-testid="kernel-error">
                <p>{message}</p>
                {lost.then(|| view! {
                    <button type="button" data-testid="reconnect" on:click=reconnect>
                        "Reconnect the GPU"
                    </button>
                })}
            </div>
        }
        .into_any(),
        RunState::Done(o, verdict) => {
            let (ok, message) = match &verdict {
                Verdict::Correct => (true, "Correct and fast enough: exercise done.".to_string()),
                Verdict::Incorrect(m) | Verdict::Unreadable(m) => (false, m.clone()),
            };
            let correctness = if o.correct {
                format!("yes (worst error {}× the allowed bound)", sig3(o.max_error))
            } else {
                format!(
                    "no: {}",
                    o.first_failure
                        .clone()
                        .unwrap_or_else(|| "wrong output".into())
                )
            };
            let per_second = if o.unit == "GFLOP/s" { "FLOP" } else { "B" };
            let rate = format::giga_rate(o.achieved, per_second);
            let roof = format::giga_rate(o.roof_value, per_second);
            view! {
                <div class="kernel-result" class:bad=!ok data-testid="kernel-result">
                    <p class="verdict" role="status" data-testid="kernel-verdict">{message}</p>
                    <dl class="facts">
                        <dt>"Correct"</dt><dd data-testid="kernel-correct">{correctness}</dd>
                        <dt>"Median time"</dt><dd>{format::seconds(o.time_s)} " (" {o.timing.clone()} ")"</dd>
                        <dt>"Achieved"</dt><dd data-testid="kernel-achieved">{rate}</dd>
                        <dt>"Of the roof"</dt>
                        <dd data-testid="kernel-fraction">
                            {format!("{} (goal {})", format::percent(o.fraction), format::percent(o.required))}
                        </dd>
                        <dt>"Roof"</dt>
                        <dd data-testid="kernel-roof">
                            {format!("your {}: {roof}, {}", o.roof.label(), o.roof_source)}
                        </dd>
                        <dt>"Device"</dt><dd>{o.adapter.clone()}</dd>
                    </dl>
                </div>
            }
            .into_any()
        }
    };
    let editor_id = format!("kernel-{id}");
    let explain = lesson::plain_text(&exercise.explain);
    let has_explain = !explain.is_empty();
    view! {
        <section
            class="card exercise kernel-exercise"
            class:correct=move || passed.get()
            data-testid=format!("exercise-{id}")
        >
            <h3>{format!("Exercise {number} · kernel")}</h3>
            <p class="question"><label for=editor_id.clone()>{inlines(&exercise.question)}</label></p>
            <p class="hint">{goal}</p>
            <details class="contract">
                <summary>"What the harness expects"</summary>
                <p>{contract}</p>
            </details>
            {move || no_gpu().map(|why| view! {
                <p class="notice" role="note" data-testid="kernel-no-webgpu">
                    "This browser has no WebGPU, so the kernel cannot run here (" {why} "). You can "
                    "still write it: it is saved in this browser."
                </p>
            })}
            <div class="code-editor">
                <pre class="gutter" aria-hidden="true" node_ref=gutter_ref>{move || gutter(&code.get())}</pre>
                <textarea
                    id=editor_id
                    node_ref=editor
                    rows=24
                    spellcheck="false"
                    autocomplete="off"
                    wrap="off"
                    aria-describedby=format!("keys-{id}")
                    data-testid="kernel-editor"
                    prop:value=move || code.get()
                    on:input=on_input
                    on:keydown=on_keydown
                    on:scroll=on_scroll
                ></textarea>
            </div>
            <p class="hint" id=format!("keys-{id}")>
                "Tab inserts four spaces; to leave the editor press Esc and then Tab, or Shift+Tab. "
                "Your code is saved in this browser as you type."
            </p>
            <div class="actions">
                <button
                    type="button"
                    data-testid="kernel-run"
                    disabled=move || busy() || !ctx.ready()
                    on:click=run
                >
                    {move || if busy() { "Running…" } else { "Run and check" }}
                </button>
                <button type="button" class="secondary" data-testid="kernel-cancel" hidden=move || !busy() on:click=cancel>
                    "Stop waiting"
                </button>
                <button type="button" class="secondary" data-testid="kernel-reset" on:click=reset>
                    "Reset to starter"
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="kernel-restore"
                    hidden=move || previous.get().is_none()
                    on:click=restore
                >
                    "Restore my previous version"
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="kernel-hint"
                    disabled=move || { hints_shown.get() >= hint_count }
                    on:click=move |_| hints_shown.update(|n| *n += 1)
                >
                    {move || format!("Show a hint ({} left)", hint_count - hints_shown.get().min(hint_count))}
                </button>
                <button
                    type="button"
                    class="secondary"
                    data-testid="kernel-reveal"
                    on:click=move |_| confirm_solution.set(true)
                >
                    "Reveal solution"
                </button>
            </div>
            <p class="confirm" hidden=move || !confirm_solution.get() data-testid="kernel-confirm">
                "Replace your code with the solution? Your version stays restorable. "
                <button type="button" data-testid="kernel-reveal-yes" on:click=reveal>"Show the solution"</button>
                " "
                <button type="button" class="secondary" on:click=move |_| confirm_solution.set(false)>"Keep mine"</button>
            </p>
            <ol class="hints">{hint_list}</ol>
            {result}
            <p class="explain" hidden=move || !(has_explain && passed.get())>{explain.clone()}</p>
        </section>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_replaces_the_selection_and_counts_utf16() {
        assert_eq!(insert_tab("ab", 1, 1), ("a    b".to_string(), 5));
        assert_eq!(insert_tab("abcd", 1, 3), ("a    d".to_string(), 5));
        // `√` is one UTF-16 unit and three bytes; `𝑥` is two units and four bytes.
        assert_eq!(insert_tab("√𝑥y", 3, 3), ("√𝑥    y".to_string(), 7));
        assert_eq!(insert_tab("x", 99, 99), ("x    ".to_string(), 103));
    }

    #[test]
    fn positions_map_between_lines_and_offsets() {
        let s = "ab\n√cd\nef";
        assert_eq!(utf16_offset(s, 1, 1), 0);
        assert_eq!(utf16_offset(s, 2, 1), 3);
        // Column 4 (bytes) is after `√` (three bytes): one UTF-16 unit into the line.
        assert_eq!(utf16_offset(s, 2, 4), 4);
        assert_eq!(utf16_offset(s, 3, 2), 8);
        assert_eq!(gutter(s), "1\n2\n3");
        assert_eq!(gutter(""), "1");
    }

    #[test]
    fn known_roofs_prefer_the_benchmark_and_match_the_adapter() {
        let mut stored = BTreeMap::new();
        stored.insert(
            "copy-bandwidth".to_string(),
            StoredRoof {
                value: 100.0,
                adapter: "GPU A".into(),
                date: "2026-11-21".into(),
            },
        );
        let r = known_roof(Roof::CopyBandwidth, "GPU A", None, &stored).unwrap();
        assert_eq!(r.value, 100.0);
        assert!(r.source.contains("2026-11-21"));
        assert!(known_roof(Roof::CopyBandwidth, "GPU B", None, &stored).is_none());
        assert!(known_roof(Roof::FmaF32, "GPU A", None, &stored).is_none());
    }

    #[test]
    fn report_lines_describe_the_run() {
        let o = KernelOutcome {
            correct: true,
            max_error: 0.0,
            first_failure: None,
            time_s: 1e-3,
            achieved: 120.0,
            unit: "GB/s".into(),
            roof: Roof::CopyBandwidth,
            roof_value: 200.0,
            roof_source: "measured on the Benchmark page".into(),
            fraction: 0.6,
            required: 0.5,
            adapter: "GPU A".into(),
            timing: "GPU timestamps".into(),
        };
        let line = report_line(&serde_json::to_string(&o).unwrap());
        assert!(
            line.contains("120 GB/s = 60.0% of the measured copy bandwidth"),
            "{line}"
        );
        assert!(line.contains("goal 50.0%"), "{line}");
        assert_eq!(report_line("??"), "run recorded in an unreadable form");
    }
}

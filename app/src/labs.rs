//! Course labs and lab reports: `/labs` (the labs shipped with the site and importing one),
//! `/labs/<id>` (one lab's checklist), `/labs/<id>/report` and `/report` (printable reports).
//!
//! A shipped lab is the file `/labs/<id>.json` (from `static/labs/`), listed in
//! `/labs/index.json`; the lab an instructor sends as a file is imported into local storage and
//! lives at `/labs/imported`, so a reload keeps it. Lab files are parsed and checked by
//! `lessons::course_lab`; progress is the lessons' own (one local-storage object per lesson), so a
//! checklist and the lessons never disagree. Nothing from a lab file reaches the DOM as markup.

use crate::gpu_panel::{GpuContext, GpuStatus};
use crate::import_box::ImportBox;
use crate::lesson_page::all_progress;
use crate::report::{self, Report};
use crate::{Link, bench, browser, format};
use leptos::prelude::*;
use lessons::course_lab::{self, Lab, LabIndex};

/// Local-storage key of the lab file imported in this browser (its text, as imported).
pub const IMPORTED_KEY: &str = "roofline-lab/labs/imported";

/// The id under which the imported lab is shown (`/labs/imported`); no shipped lab may use it.
pub const IMPORTED_ID: &str = "imported";

/// Loads a lab by id: the imported one from local storage, a shipped one from the site. The
/// error is a sentence for the page.
pub async fn load_lab(id: &str) -> Result<Lab, String> {
    if id == IMPORTED_ID {
        let text = browser::load(IMPORTED_KEY).ok_or(
            "No lab has been imported in this browser. Import the lab file on the Labs page.",
        )?;
        return course_lab::parse(&text)
            .map_err(|e| format!("The imported lab file is invalid: {e}."));
    }
    if !course_lab::is_valid_id(id) {
        return Err(format!(
            "“{id}” is not a lab id: lab ids are lowercase letters, digits and hyphens."
        ));
    }
    let url = format!("/labs/{id}.json");
    let text = browser::fetch_text(&url).await.map_err(|e| match e {
        browser::FetchError::Status(404, _) => {
            format!("There is no lab “{id}” on this site ({url} was not found).")
        }
        browser::FetchError::Status(code, text) => {
            format!("The lab file {url} could not be loaded: HTTP {code} {text}.")
        }
        browser::FetchError::Network(m) => {
            format!("The lab file {url} could not be loaded ({m}).")
        }
    })?;
    course_lab::parse(&text).map_err(|e| format!("{url} is not a valid lab file: {e}."))
}

/// Runs `load_lab` and keeps its outcome in a signal (`None` while loading).
fn lab_signal(id: String) -> RwSignal<Option<Result<Lab, String>>> {
    let state = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let result = load_lab(&id).await;
        state.set(Some(result));
    });
    state
}

/// The message shown while a lab loads or when it cannot be loaded.
fn lab_problem(state: Option<Result<Lab, String>>) -> Result<Lab, AnyView> {
    match state {
        None => Err(view! { <p role="status">"Loading the lab…"</p> }.into_any()),
        Some(Err(e)) => Err(view! {
            <section class="card notice" role="alert" data-testid="lab-error">
                <h1>"This lab cannot be opened"</h1>
                <p>{e}</p>
                <p><Link href="/labs".into()>"See the labs"</Link></p>
            </section>
        }
        .into_any()),
        Some(Ok(lab)) => Ok(lab),
    }
}

/// `/labs`: the labs this site ships, the imported one, and importing a lab file.
#[component]
pub fn LabsPage() -> impl IntoView {
    let index = RwSignal::new(None::<Result<LabIndex, String>>);
    leptos::task::spawn_local(async move {
        let result = match browser::fetch_text("/labs/index.json").await {
            Ok(t) => course_lab::parse_index(&t).map_err(|e| format!("/labs/index.json: {e}")),
            Err(_) => Err("This site lists no labs (/labs/index.json is missing).".to_string()),
        };
        index.set(Some(result));
    });
    let imported =
        RwSignal::new(browser::load(IMPORTED_KEY).and_then(|t| course_lab::parse(&t).ok()));
    let message = RwSignal::new(String::new());
    let import_text = move |text: String| match course_lab::parse(&text) {
        Ok(lab) => {
            if browser::save(IMPORTED_KEY, &text) {
                let n = lab.exercises.len();
                message.set(format!(
                    "Imported “{}”: {n} exercise{}.",
                    lab.file.title,
                    if n == 1 { "" } else { "s" }
                ));
                imported.set(Some(lab));
            } else {
                message.set("This browser does not let the page store the lab.".into());
            }
        }
        Err(e) => message.set(format!("Could not import the lab file: {e}.")),
    };
    let shipped = move || match index.get() {
        None => view! { <p role="status">"Loading the list of labs…"</p> }.into_any(),
        Some(Err(e)) => view! { <p class="hint" data-testid="labs-missing">{e}</p> }.into_any(),
        Some(Ok(idx)) => idx
            .labs
            .into_iter()
            .map(|l| {
                view! {
                    <li class="card" data-testid=format!("lab-{}", l.id)>
                        <h2><Link href=format!("/labs/{}", l.id)>{l.title}</Link></h2>
                        <p class="hint">{format!("/labs/{}", l.id)}</p>
                    </li>
                }
            })
            .collect_view()
            .into_any(),
    };
    let imported_view = move || {
        imported.get().map(|lab| {
            view! {
                <li class="card" data-testid="lab-imported">
                    <h2><Link href=format!("/labs/{IMPORTED_ID}")>{lab.file.title.clone()}</Link></h2>
                    <p class="hint">{format!("Imported in this browser · {} exercises", lab.exercises.len())}</p>
                </li>
            }
        })
    };
    view! {
        <h1>"Labs"</h1>
        <p>
            "A course lab is a list of exercises from the lessons that an instructor sets, with a "
            "title and a due date. Open your lab, work through its checklist in the lessons, then "
            "hand in its report (JSON, or printed to PDF)."
        </p>
        <ul class="cards labs">{shipped}{imported_view}</ul>
        <section class="card lab-import">
            <h2>"Import a lab file"</h2>
            <p>"If your instructor sent you a lab file (JSON), import it here; it stays in this browser."</p>
            <ImportBox
                file_label="Choose a lab file"
                paste_label="Or paste its text"
                button_label="Import pasted lab"
                paste_id="lab-paste"
                test_ids=["lab-file", "lab-paste", "lab-import"]
                on_text=Callback::new(import_text)
                on_read_error=Callback::new(move |e| {
                    message.set(format!("Could not import the lab file: {e}."))
                })
            />
            <p role="status" data-testid="lab-import-message">{move || message.get()}</p>
            <p hidden=move || imported.with(Option::is_none)>
                <Link href=format!("/labs/{IMPORTED_ID}")>"Open the imported lab"</Link>
            </p>
        </section>
        <p><Link href="/report".into()>"Report over every lesson"</Link></p>
    }
}

/// `/labs/<id>`: a lab's checklist, or a message saying why it cannot be shown.
#[component]
pub fn LabRoute(
    /// Lab id from the path.
    id: String,
) -> impl IntoView {
    let state = lab_signal(id.clone());
    move || match lab_problem(state.get()) {
        Ok(lab) => view! { <LabView id=id.clone() lab=lab /> }.into_any(),
        Err(v) => v,
    }
}

/// One lab: its title and notes, and its exercises with done or not done.
#[component]
pub fn LabView(
    /// The lab's id (for its report link).
    id: String,
    /// The checked lab.
    lab: Lab,
) -> impl IntoView {
    let progress = all_progress();
    // The report decides what is done (an accepted answer, and the lab's threshold where it
    // sets one), and carries the questions.
    let report = report::build(Some((&id, &lab)), &progress, None, String::new());
    let (done, total) = (report.done, report.total);
    // Group consecutive exercises by lesson, in lab order.
    let mut groups: Vec<(String, Vec<report::ReportExercise>)> = Vec::new();
    for e in report.exercises {
        match groups.last_mut() {
            Some((lesson, items)) if *lesson == e.lesson => items.push(e),
            _ => groups.push((e.lesson.clone(), vec![e])),
        }
    }
    let checklist = groups
        .into_iter()
        .map(|(lesson, items)| {
            let rows = items
                .into_iter()
                .map(|e| {
                    let done = e.status == "done";
                    let href = format!("/lessons/{}#exercise-{}", e.lesson, e.exercise);
                    let threshold = e.threshold.map(|t| {
                        if e.status == "done" || e.answer.is_none() {
                            format!(" · threshold {}", format::percent(t))
                        } else {
                            format!(" · {}: below this lab's threshold of {}", e.answer_text.clone().unwrap_or_default(), format::percent(t))
                        }
                    });
                    view! {
                        <li
                            class:done=done
                            data-testid=format!("lab-item-{}-{}", e.lesson, e.exercise)
                            data-done=if done { "true" } else { "false" }
                        >
                            <span class="check-mark" aria-hidden="true">{if done { "✓" } else { "○" }}</span>
                            <span class="visually-hidden">{if done { "Done: " } else { "Not done: " }}</span>
                            <Link href=href>{format!("Exercise {}", e.number)}</Link>
                            " "
                            <span>{e.question}</span>
                            <span class="hint">{threshold}</span>
                        </li>
                    }
                })
                .collect_view();
            view! {
                <section class="card lab-lesson">
                    <h2><Link href=format!("/lessons/{lesson}")>{report::lesson_label(&lesson)}</Link></h2>
                    <ul class="checklist">{rows}</ul>
                </section>
            }
        })
        .collect_view();
    let file = lab.file;
    view! {
        <article class="lab" data-testid="lab">
            <p class="crumbs"><Link href="/labs".into()>"Labs"</Link></p>
            <h1 data-testid="lab-title">{file.title}</h1>
            {file.due.map(|d| view! { <p><strong>"Due: "</strong>{d}</p> })}
            {file.description.map(|d| view! { <p>{d}</p> })}
            {file.notes.map(|n| view! { <p class="hint">{n}</p> })}
            <div class="progress">
                <progress max=total value=done></progress>
                <span data-testid="lab-progress">{format!("{done} of {total} exercises done")}</span>
            </div>
            {checklist}
            <p>
                <Link href=format!("/labs/{id}/report") class="button">"Lab report"</Link>
            </p>
        </article>
    }
}

/// `/labs/<id>/report`: the printable report of exactly one lab.
#[component]
pub fn LabReportRoute(
    /// Lab id from the path.
    id: String,
) -> impl IntoView {
    let state = lab_signal(id.clone());
    move || match lab_problem(state.get()) {
        Ok(lab) => {
            let r = report::build(
                Some((&id, &lab)),
                &all_progress(),
                bench::load_last_run().as_ref(),
                browser::now_iso(),
            );
            view! { <ReportView report=r back=format!("/labs/{id}") /> }.into_any()
        }
        Err(v) => v,
    }
}

/// `/report`: the printable report over every lesson.
#[component]
pub fn AllLessonsReport() -> impl IntoView {
    let r = report::build(
        None,
        &all_progress(),
        bench::load_last_run().as_ref(),
        browser::now_iso(),
    );
    view! { <ReportView report=r back="/lessons".into() /> }
}

/// A report laid out for reading and printing, with Print and Download JSON.
#[component]
pub fn ReportView(
    /// The report.
    report: Report,
    /// Where the back link goes.
    back: String,
) -> impl IntoView {
    // The adapter of this browser goes into the report too, so a report made without a
    // benchmark run still says what hardware the student had.
    let gpu = use_context::<GpuContext>();
    if let Some(g) = gpu {
        g.ensure();
    }
    let status = move || gpu.map(|g| g.status.get());
    let with_adapter = {
        let base = report.clone();
        move |status: Option<GpuStatus>| {
            let mut r = base.clone();
            match status {
                Some(GpuStatus::Ready(a)) => r.browser_adapter = Some(a),
                Some(GpuStatus::Unavailable(why)) => r.webgpu_unavailable = Some(why),
                Some(GpuStatus::Connecting) | None => {}
            }
            r
        }
    };
    let name = report::file_name(&report);
    let download = move |_| {
        let r = with_adapter(gpu.map(|g| g.status.get_untracked()));
        browser::download_text(&name, "application/json", &report::to_json(&r));
    };
    let this_browser = move || match status() {
        Some(GpuStatus::Ready(a)) => report::describe_adapter(&a),
        Some(GpuStatus::Unavailable(why)) => format!("no WebGPU adapter ({why})"),
        Some(GpuStatus::Connecting) => "connecting…".to_string(),
        None => "unknown".to_string(),
    };
    let heading = match &report.lab {
        Some(l) => format!("Lab report: {}", l.title),
        None => "Lab report: all lessons".to_string(),
    };
    let due = report.lab.as_ref().and_then(|l| l.due.clone());
    let rows = report
        .exercises
        .iter()
        .map(|e| {
            let threshold = e.threshold.map(format::percent).unwrap_or_default();
            view! {
                <tr
                    data-testid=format!("report-row-{}-{}", e.lesson, e.exercise)
                    data-status=e.status
                >
                    <td>{format!("L{}.{}", e.lesson_number, e.number)}</td>
                    <td class="wrap">{e.question.clone()}</td>
                    // A non-breaking space keeps "not done" on one line in a narrow column.
                    <td class:bad=e.status != "done">{e.status.replacen(' ', "\u{a0}", 1)}</td>
                    <td class="wrap">{e.answer_text.clone().unwrap_or_default()}</td>
                    <td>{threshold}</td>
                </tr>
            }
        })
        .collect_view();
    let adapters = report
        .adapters
        .iter()
        .map(|a| view! { <li>{report::describe_adapter(a)}</li> })
        .collect_view();
    let measurements = if report.measurements.is_empty() {
        view! {
            <p class="hint" data-testid="report-no-measurements">
                "No benchmark run is kept in this browser. Run "
                <Link href="/bench".into()>"Benchmark my GPU"</Link>
                " before you export to include your GPU's measurements."
            </p>
        }
        .into_any()
    } else {
        let rows = report
            .measurements
            .iter()
            .map(|m| {
                let [time, flops, bytes] = report::describe_measurement(m);
                view! {
                    <tr>
                        <td>{m.kernel.clone()}</td>
                        <td>{m.shape.clone()}</td>
                        <td>{time}</td>
                        <td>{flops}</td>
                        <td>{bytes}</td>
                        <td>{format!("{} FLOP/B", format::num(m.intensity_flop_per_byte))}</td>
                        <td class:bad=!m.verified>{if m.verified { "yes" } else { "no" }}</td>
                        <td>{m.timing.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <ul data-testid="report-adapters">{adapters}</ul>
            <div class="table-wrap">
                <table data-testid="report-measurements">
                    <thead><tr>
                        <th>"Kernel"</th><th>"Shape"</th><th>"Median time"</th><th>"Compute"</th>
                        <th>"Bandwidth"</th><th>"Intensity"</th><th>"Verified"</th><th>"Timed by"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <article class="report" data-testid="report">
            <div class="actions no-print">
                <Link href=back>"← Back"</Link>
                <button type="button" data-testid="print-report" on:click=move |_| browser::print()>
                    "Print"
                </button>
                <button type="button" class="secondary" data-testid="download-report" on:click=download>
                    "Download JSON"
                </button>
            </div>
            <h1>{heading}</h1>
            <dl class="facts">
                <dt>"Generated"</dt>
                <dd>{report.generated.clone()}</dd>
                {due.map(|d| view! { <dt>"Due"</dt><dd>{d}</dd> })}
                <dt>"This browser's GPU"</dt>
                <dd data-testid="report-browser-adapter">{this_browser}</dd>
                <dt>"Exercises done"</dt>
                <dd data-testid="report-summary">
                    {format!("{} of {}", report.done, report.total)}
                </dd>
            </dl>
            <h2>"Exercises"</h2>
            <div class="table-wrap">
                <table class="report-table" data-testid="report-exercises">
                    <thead><tr>
                        <th>"Exercise"</th><th>"Question"</th><th>"Status"</th><th>"Answer"</th>
                        <th>"Threshold"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <h2>"Measurements"</h2>
            {measurements}
        </article>
    }
}

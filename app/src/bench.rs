//! "Benchmark my GPU": runs the bandwidth probes (the measured roofs) and then every other kernel
//! variant in the registry, with progress, cancel and per-step status; fills the roofline live;
//! keeps the last run in local storage; exports and imports runs.
//!
//! The suite is built from [`kernels::REGISTRY`], so new variants appear here without UI changes.

use crate::gpu_panel::{AdapterCard, GpuContext, ResultsTable};
use crate::roofline::RooflineChart;
use crate::sweep::BandwidthSweep;
use crate::{Nav, browser};
use kernels::{KernelSpec, Measurement, ResultsFile, RunOptions, Shape, TimingOptions};
use leptos::prelude::*;

/// Local-storage key of the last run.
pub const LAST_RUN_KEY: &str = "roofline-lab/last-run";
/// Local-storage key of the results imported on the benchmark page.
pub const IMPORTED_KEY: &str = "roofline-lab/imported";

/// A size small enough for a software rasterizer (SwiftShader, lavapipe) to finish in seconds:
/// 16 MiB streams, 256³ matmuls, 16 Ki threads of peak FMAs, 512×512 GEMVs, 2 heads of 128
/// tokens of attention.
pub fn small_shape(spec: &KernelSpec) -> Shape {
    match spec.default_shape {
        Shape::Stream { elements } => Shape::Stream {
            elements: elements.min(4 << 20),
        },
        Shape::Matmul { m, n, k } => Shape::Matmul {
            m: m.min(256),
            n: n.min(256),
            k: k.min(256),
        },
        Shape::Peak { threads } => Shape::Peak {
            threads: threads.min(1 << 14),
        },
        Shape::Gemv { rows, cols, batch } => Shape::Gemv {
            rows: rows.min(512),
            cols: cols.min(512),
            batch,
        },
        Shape::Attention {
            batch,
            heads,
            seq,
            head_dim,
            causal,
        } => Shape::Attention {
            batch: batch.min(1),
            heads: heads.min(2),
            seq: seq.min(128),
            head_dim,
            causal,
        },
    }
}

/// The size to benchmark `spec` at: the registry's default on a real GPU, [`small_shape`] on a
/// software adapter (a CPU pretending to be a GPU would take minutes at full size).
pub fn bench_shape(spec: &KernelSpec, software: bool) -> Shape {
    if software {
        small_shape(spec)
    } else {
        spec.default_shape
    }
}

/// The largest working set of the bandwidth sweep on a real GPU: several times the last-level
/// cache of most GPUs (an H100's L2 holds 50 MB, an RTX 4090's 72 MB), so that its bandwidth is
/// the memory's.
pub const SWEEP_LARGEST: u64 = 256 << 20;

/// The suite in run order: the roofs first, then every other variant in the registry. The roofs
/// are what `lab bench --ceilings` measures ([`kernels::ceilings::plan`]): the peak probes, then
/// read and copy bandwidth over working sets from 1 MiB up to [`SWEEP_LARGEST`] (or the device's
/// largest storage binding, `binding_cap`, if smaller), so the sweep shows the caches. A software
/// adapter runs [`small_shape`]s and sweeps only up to 16 MiB.
pub fn suite(software: bool, binding_cap: u64) -> Vec<(&'static KernelSpec, Shape)> {
    let largest = if software { 16 << 20 } else { SWEEP_LARGEST };
    let sizes = kernels::ceilings::sizes_upto(largest.min(binding_cap));
    // Peaks before the sweep, as in the CLI: on an H100 the f32 probe ran at a quarter of its
    // speed right after a memory sweep.
    let peaks = kernels::REGISTRY
        .iter()
        .filter(|s| s.kernel == "peak")
        .map(|s| (s, bench_shape(s, software)));
    let sweeps = kernels::REGISTRY
        .iter()
        .filter(|s| s.kernel == "stream")
        .flat_map(|s| {
            sizes.iter().map(move |&bytes| {
                (
                    s,
                    Shape::Stream {
                        elements: bytes / 4,
                    },
                )
            })
        });
    let rest = kernels::REGISTRY
        .iter()
        .filter(|s| s.kernel != "peak" && s.kernel != "stream")
        .map(|s| (s, bench_shape(s, software)));
    peaks.chain(sweeps).chain(rest).collect()
}

/// What a skipped step lacks, and where it runs instead when no browser could run it.
fn skip_note(lacking: Option<(String, bool)>) -> String {
    match lacking {
        Some((names, true)) => format!("{names}; native only: lab bench --experimental"),
        Some((names, false)) => names,
        None => String::new(),
    }
}

/// Where one step of a run stands.
#[derive(Debug, Clone, PartialEq)]
pub enum StepState {
    /// Not started.
    Pending,
    /// Running now.
    Running,
    /// Finished; the text says how.
    Done(String),
    /// Failed, with the reason.
    Failed(String),
    /// Skipped because the run was cancelled.
    Cancelled,
    /// Not run: the adapter lacks a feature the variant needs (named here).
    Skipped(String),
}

/// One step of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    /// `kernel/variant`.
    pub id: String,
    /// The size it runs at.
    pub shape: Shape,
    /// Where it stands.
    pub state: StepState,
}

/// Reads the last run from local storage.
pub fn load_last_run() -> Option<ResultsFile> {
    browser::load(LAST_RUN_KEY).and_then(|t| ResultsFile::from_json(&t).ok())
}

/// The benchmark page.
#[component]
pub fn BenchPage() -> impl IntoView {
    let ctx = expect_context::<GpuContext>();
    ctx.ensure();
    let nav = expect_context::<Nav>();
    let quick = nav
        .location
        .with_untracked(|l| l.params.get("quick").is_some_and(|v| v == "1"));
    let careful = RwSignal::new(!quick);
    let results = RwSignal::new(Vec::<Measurement>::new());
    let imported = RwSignal::new(Vec::<Measurement>::new());
    let steps = RwSignal::new(Vec::<Step>::new());
    let running = RwSignal::new(false);
    let cancel = RwSignal::new(false);
    let (status, set_status) = signal(String::new());
    if let Some(last) = load_last_run() {
        results.set(last.measurements);
        set_status.set("Showing your last run, kept in this browser.".into());
    }
    // Imported results are kept too, until removed on the chart.
    if let Some(kept) = browser::load(IMPORTED_KEY).and_then(|t| ResultsFile::from_json(&t).ok()) {
        imported.set(kept.measurements);
    }
    Effect::new(move |_| {
        let file = ResultsFile::new("roofline-lab web (imported)", imported.get());
        if file.measurements.is_empty() {
            browser::remove(IMPORTED_KEY);
        } else if let Ok(text) = serde_json::to_string(&file) {
            browser::save(IMPORTED_KEY, &text);
        }
    });

    let run = move |_| {
        let Some(g) = ctx.gpu.get_value() else { return };
        // SwiftShader and lavapipe report themselves as CPU devices.
        let plan = suite(
            g.adapter.device_type == "Cpu",
            g.limits().max_storage_buffer_binding_size,
        );
        steps.set(
            plan.iter()
                .map(|(s, shape)| Step {
                    id: s.id(),
                    shape: *shape,
                    state: if g.has(s.features) {
                        StepState::Pending
                    } else {
                        StepState::Skipped(skip_note(g.lacking(s.features)))
                    },
                })
                .collect(),
        );
        results.set(Vec::new());
        cancel.set(false);
        running.set(true);
        let timing = if careful.get_untracked() {
            TimingOptions::benchmark()
        } else {
            TimingOptions::quick()
        };
        leptos::task::spawn_local(async move {
            let skipped = plan.iter().filter(|(s, _)| !g.has(s.features)).count();
            let total = plan.len() - skipped;
            let mut verified = 0;
            let mut failed = 0;
            let mut started = 0;
            for (i, (spec, shape)) in plan.into_iter().enumerate() {
                if !g.has(spec.features) {
                    continue;
                }
                if cancel.get_untracked() {
                    steps.update(|s| {
                        for st in s.iter_mut().skip(i) {
                            if st.state == StepState::Pending {
                                st.state = StepState::Cancelled;
                            }
                        }
                    });
                    break;
                }
                steps.update(|s| s[i].state = StepState::Running);
                set_status.set(format!(
                    "{started} of {total}: running {} at {shape}",
                    spec.id()
                ));
                started += 1;
                let opts = RunOptions { timing, seed: None };
                match kernels::run_kernel(&g, spec, shape, &opts).await {
                    Ok(m) => {
                        verified += usize::from(m.verified);
                        let text = if m.verified {
                            format!(
                                "verified, {} / {}",
                                crate::format::giga_rate(m.gbytes_per_s, "B"),
                                crate::format::giga_rate(m.gflops_per_s, "FLOP")
                            )
                        } else {
                            failed += 1;
                            "result did not match the CPU reference".to_string()
                        };
                        steps.update(|s| s[i].state = StepState::Done(text));
                        results.update(|r| r.push(m));
                    }
                    Err(e) => {
                        failed += 1;
                        steps.update(|s| s[i].state = StepState::Failed(e.to_string()));
                    }
                }
            }
            let done = results.with_untracked(Vec::len);
            let message = if cancel.get_untracked() {
                format!("Cancelled after {done} of {total}; {verified} verified")
            } else if failed == 0 && verified == total {
                if skipped > 0 {
                    format!(
                        "All {total} results verified; {skipped} skipped (this adapter lacks a feature they need)"
                    )
                } else {
                    format!("All {total} results verified")
                }
            } else {
                format!("{verified} of {total} verified; {failed} failed")
            };
            // A cancelled run is kept only where there is no earlier one: it must not replace
            // a whole run (whose roofs the kernel exercises grade against) with a part of one.
            let keep_previous = cancel.get_untracked() && load_last_run().is_some();
            if done > 0 && !keep_previous {
                let file = ResultsFile::new("roofline-lab web", results.get_untracked());
                if let Ok(text) = serde_json::to_string(&file) {
                    browser::save(LAST_RUN_KEY, &text);
                }
            }
            let message = if keep_previous {
                format!("{message}. Your previous run is still the one kept.")
            } else {
                message
            };
            set_status.set(message);
            running.set(false);
        });
    };

    let progress = move || {
        steps.with(|s| {
            let done = s
                .iter()
                .filter(|x| !matches!(x.state, StepState::Pending | StepState::Running))
                .count();
            (done, s.len())
        })
    };
    let step_items = move || {
        steps
            .get()
            .into_iter()
            .map(|s| {
                let (class, text) = match &s.state {
                    StepState::Pending => ("pending", "waiting".to_string()),
                    StepState::Running => ("running", "running…".to_string()),
                    StepState::Done(t) => ("done", t.clone()),
                    StepState::Failed(t) => ("failed", format!("failed: {t}")),
                    StepState::Cancelled => ("cancelled", "cancelled".to_string()),
                    StepState::Skipped(f) => (
                        "skipped",
                        format!("skipped: unsupported on this adapter (it lacks {f})"),
                    ),
                };
                view! {
                    <li class=class data-testid="step" data-kernel=s.id.clone() data-state=class>
                        <strong>{s.id.clone()}</strong>" at "{s.shape.to_string()}": "{text}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <h1>"Benchmark my GPU"</h1>
        <p>
            "Measures your GPU's roofs first: its arithmetic peak with FMA-only kernels, and its "
            "memory bandwidth with streaming kernels over working sets from 1 MiB up, so that "
            "the caches show. Then it runs every kernel variant in the lab, checks each result "
            "against a CPU reference and puts it on the roofline, under the roofs measured here."
        </p>
        <AdapterCard status=ctx.status />
        <section class="card">
            <h2>"Run"</h2>
            <fieldset class="inline">
                <legend>"Timing"</legend>
                <label class="check">
                    <input type="radio" name="timing" prop:checked=move || careful.get() on:change=move |_| careful.set(true) />
                    "careful (9 samples of 10 ms)"
                </label>
                <label class="check">
                    <input type="radio" name="timing" data-testid="quick" prop:checked=move || !careful.get() on:change=move |_| careful.set(false) />
                    "quick (3 short samples)"
                </label>
            </fieldset>
            <div class="actions">
                <button data-testid="run" on:click=run disabled=move || !ctx.ready() || running.get()>
                    "Run the benchmark"
                </button>
                <button
                    class="secondary"
                    data-testid="cancel"
                    on:click=move |_| cancel.set(true)
                    disabled=move || !running.get() || cancel.get()
                >
                    "Cancel"
                </button>
            </div>
            <div class="progress">
                <Show when=move || { progress().1 > 0 }>
                    <progress max=move || progress().1 value=move || progress().0></progress>
                </Show>
                <span data-testid="run-status" aria-live="polite">{status}</span>
            </div>
            <ol class="steps" data-testid="steps">{step_items}</ol>
        </section>
        <RooflineChart measurements=results.into() imported=imported export_name="roofline-run" />
        <BandwidthSweep measurements=Signal::derive(move || {
            let mut all = results.get();
            all.extend(imported.get());
            all
        }) />
        <Show when=move || !results.with(Vec::is_empty)>
            <section class="card">
                <h2>"Results"</h2>
                <ResultsTable results=results.into() />
            </section>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_steps_say_what_they_lack_and_where_they_run() {
        assert_eq!(skip_note(Some(("SHADER_F16".into(), false))), "SHADER_F16");
        assert_eq!(
            skip_note(Some(("EXPERIMENTAL_COOPERATIVE_MATRIX".into(), true))),
            "EXPERIMENTAL_COOPERATIVE_MATRIX; native only: lab bench --experimental"
        );
    }

    #[test]
    fn the_suite_runs_roofs_first_and_covers_the_registry() {
        const MIB: u64 = 1 << 20;
        let s = suite(true, 1 << 30);
        // Every variant, the stream probes once per working set of the sweep.
        for spec in kernels::REGISTRY {
            let n = s.iter().filter(|(k, _)| k.id() == spec.id()).count();
            assert_eq!(
                n,
                if spec.kernel == "stream" { 3 } else { 1 },
                "{}",
                spec.id()
            );
        }
        // Peaks, then the read and copy sweeps, then the rest.
        let kinds: Vec<&str> = s.iter().map(|(k, _)| k.kernel).collect();
        let order = |k: &str| match k {
            "peak" => 0,
            "stream" => 1,
            _ => 2,
        };
        assert!(
            kinds.windows(2).all(|w| order(w[0]) <= order(w[1])),
            "{kinds:?}"
        );
        assert_eq!(kinds[0], "peak");
        let sweep = |plan: &[(&KernelSpec, Shape)], variant: &str| -> Vec<u64> {
            plan.iter()
                .filter(|(k, _)| k.kernel == "stream" && k.variant == variant)
                .map(|(_, shape)| match shape {
                    Shape::Stream { elements } => elements * 4,
                    other => panic!("{other}"),
                })
                .collect()
        };
        // A software adapter sweeps 1 to 16 MiB (its small size), a GPU up to 256 MiB.
        assert_eq!(sweep(&s, "read"), [MIB, 4 * MIB, 16 * MIB]);
        assert_eq!(sweep(&s, "copy"), [MIB, 4 * MIB, 16 * MIB]);
        let full = suite(false, 1 << 30);
        assert_eq!(
            sweep(&full, "copy"),
            [MIB, 4 * MIB, 16 * MIB, 64 * MIB, 256 * MIB]
        );
        // ... never past the device's largest binding (WebGPU's default is 128 MiB).
        assert_eq!(
            sweep(&suite(false, 128 * MIB), "read"),
            [MIB, 4 * MIB, 16 * MIB, 64 * MIB]
        );
        // A real GPU runs the registry's sizes; a software adapter runs capped ones.
        let others = |plan: &[(&'static KernelSpec, Shape)]| -> Vec<(&'static KernelSpec, Shape)> {
            plan.iter()
                .filter(|(k, _)| k.kernel != "stream")
                .copied()
                .collect()
        };
        for ((spec, full), (_, small)) in others(&full).iter().zip(&others(&s)) {
            assert_eq!(*full, spec.default_shape);
            let (f, m) = (spec.cost(full).unwrap(), spec.cost(small).unwrap());
            assert!(m.flops <= f.flops && m.bytes <= f.bytes, "{}", spec.id());
        }
        for (spec, shape) in s.iter().chain(&full) {
            assert!(spec.cost(shape).is_ok(), "{}", spec.id());
        }
    }
}

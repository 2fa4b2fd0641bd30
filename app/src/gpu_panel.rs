//! The first page's two panels: what WebGPU adapter this browser gives us (or why there is none
//! and how to get one), and a control that runs the kernels and shows verified results.

use crate::format;
use kernels::registry::find;
use kernels::{AdapterSummary, Gpu, Measurement, RunOptions, Shape, TimingOptions};
use leptos::prelude::*;
use std::rc::Rc;

/// Where the GPU connection stands.
#[derive(Debug, Clone, PartialEq)]
pub enum GpuStatus {
    /// Asking the browser for an adapter and device.
    Connecting,
    /// Ready, with the adapter's summary.
    Ready(AdapterSummary),
    /// No GPU: the message says why and what to do.
    Unavailable(String),
}

/// The device, shared by every panel of the page. Lives on the main thread only (WebGPU objects
/// are not `Send`), hence local storage.
pub type SharedGpu = StoredValue<Option<Rc<Gpu>>, LocalStorage>;

/// Asks the browser for a GPU once and records the outcome in `status`.
pub fn connect(gpu: SharedGpu, status: WriteSignal<GpuStatus>) {
    leptos::task::spawn_local(async move {
        match Gpu::new(kernels::AdapterChoice::Best).await {
            Ok(g) => {
                status.set(GpuStatus::Ready(g.adapter.clone()));
                gpu.set_value(Some(Rc::new(g)));
            }
            Err(e) => status.set(GpuStatus::Unavailable(e.to_string())),
        }
    });
}

/// Shows the adapter (name, backend, features, key limits), or why WebGPU is unavailable.
#[component]
pub fn AdapterCard(
    /// The connection status to show.
    status: ReadSignal<GpuStatus>,
) -> impl IntoView {
    move || {
        match status.get() {
        GpuStatus::Connecting => {
            view! { <section class="card" aria-busy="true"><p>"Asking the browser for a GPU…"</p></section> }
                .into_any()
        }
        GpuStatus::Unavailable(why) => view! {
            <section class="card notice" data-testid="no-webgpu" role="alert">
                <h2>"No WebGPU here"</h2>
                <p>{why}</p>
                <p>
                    "The calculators and lessons work without it; kernel runs need WebGPU. "
                    "Chrome and Edge 113+ have it on Windows, macOS and ChromeOS; on Linux start "
                    "Chromium with " <code>"--enable-unsafe-webgpu --enable-features=Vulkan"</code>
                    "; Firefox Nightly and Safari Technology Preview have it behind a setting."
                </p>
            </section>
        }
        .into_any(),
        GpuStatus::Ready(a) => {
            let l = &a.limits;
            let features = if a.features.is_empty() { "none".to_string() } else { a.features.join(", ") };
            view! {
                <section class="card" data-testid="adapter">
                    <h2>"Your GPU"</h2>
                    <dl class="facts">
                        <dt>"Adapter"</dt><dd data-testid="adapter-name">{a.label()}</dd>
                        <dt>"Backend"</dt><dd>{format!("{} ({})", a.backend, a.device_type)}</dd>
                        <dt>"Features"</dt><dd>{features}</dd>
                        <dt>"Largest storage binding"</dt>
                        <dd>{kernels::shape::human_bytes(l.max_storage_buffer_binding_size as f64)}</dd>
                        <dt>"Workgroup memory"</dt>
                        <dd>{kernels::shape::human_bytes(l.max_compute_workgroup_storage_size as f64)}</dd>
                        <dt>"Threads per workgroup"</dt>
                        <dd>{l.max_compute_invocations_per_workgroup}</dd>
                    </dl>
                </section>
            }
            .into_any()
        }
    }
    }
}

/// The first slice of the benchmark: a bandwidth probe (read, copy) and the naive matmul, at
/// sizes a laptop browser finishes in seconds.
pub fn first_suite() -> Vec<(&'static str, &'static str, Shape)> {
    vec![
        ("stream", "read", Shape::Stream { elements: 4 << 20 }),
        ("stream", "copy", Shape::Stream { elements: 4 << 20 }),
        (
            "matmul",
            "naive",
            Shape::Matmul {
                m: 256,
                n: 256,
                k: 256,
            },
        ),
    ]
}

/// Progress of a run: which step, of how many, doing what.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Progress {
    /// Steps finished.
    pub done: usize,
    /// Steps in all.
    pub total: usize,
    /// What is running now, or how the run ended.
    pub message: String,
    /// A run is in progress.
    pub running: bool,
}

/// Runs the suite and shows each verified result as it arrives.
#[component]
pub fn RunPanel(
    /// The shared device.
    gpu: SharedGpu,
    /// Whether a device is ready.
    status: ReadSignal<GpuStatus>,
) -> impl IntoView {
    let (results, set_results) = signal(Vec::<Measurement>::new());
    let (progress, set_progress) = signal(Progress::default());
    let ready = move || matches!(status.get(), GpuStatus::Ready(_));

    let run = move |_| {
        let Some(g) = gpu.get_value() else { return };
        let suite = first_suite();
        set_results.set(Vec::new());
        set_progress.set(Progress {
            done: 0,
            total: suite.len(),
            message: "starting".into(),
            running: true,
        });
        leptos::task::spawn_local(async move {
            let total = suite.len();
            let mut verified = 0;
            let mut errors = Vec::new();
            for (i, (kernel, variant, shape)) in suite.into_iter().enumerate() {
                set_progress
                    .update(|p| p.message = format!("running {kernel}/{variant} at {shape}"));
                let outcome = match find(kernel, variant) {
                    Ok(spec) => {
                        let opts = RunOptions {
                            timing: TimingOptions::benchmark(),
                            seed: None,
                        };
                        kernels::run_kernel(&g, spec, shape, &opts).await
                    }
                    Err(e) => Err(e),
                };
                match outcome {
                    Ok(m) => {
                        verified += usize::from(m.verified);
                        set_results.update(|r| r.push(m));
                    }
                    Err(e) => errors.push(format!("{kernel}/{variant}: {e}")),
                }
                set_progress.update(|p| p.done = i + 1);
            }
            let message = if errors.is_empty() && verified == total {
                format!("All {total} results verified")
            } else {
                format!("{verified} of {total} verified. {}", errors.join(" "))
            };
            set_progress.set(Progress {
                done: total,
                total,
                message,
                running: false,
            });
        });
    };

    view! {
        <section class="card">
            <h2>"Measure"</h2>
            <p>
                "Runs a streaming bandwidth probe (read, copy) and a naive matrix multiply on your "
                "GPU, checks every result against a CPU reference, and times it."
            </p>
            <button
                data-testid="run"
                on:click=run
                disabled=move || !ready() || progress.get().running
            >
                "Run the kernels"
            </button>
            <Show when=move || { progress.get().total > 0 }>
                <div class="progress">
                    <progress max=move || progress.get().total value=move || progress.get().done></progress>
                    <span data-testid="run-status" aria-live="polite">
                        {move || {
                            let p = progress.get();
                            if p.running { format!("{} of {}: {}", p.done, p.total, p.message) } else { p.message }
                        }}
                    </span>
                </div>
            </Show>
            <Show when=move || !results.get().is_empty()>
                <ResultsTable results=results />
            </Show>
        </section>
    }
}

/// A table of measurements with units on every number.
#[component]
pub fn ResultsTable(
    /// The measurements to show, in order.
    results: ReadSignal<Vec<Measurement>>,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table data-testid="results">
                <thead>
                    <tr>
                        <th scope="col">"Kernel"</th>
                        <th scope="col">"Shape"</th>
                        <th scope="col">"Median time"</th>
                        <th scope="col">"Bandwidth"</th>
                        <th scope="col">"Compute"</th>
                        <th scope="col">"Intensity"</th>
                        <th scope="col">"Timing"</th>
                        <th scope="col">"Verified"</th>
                    </tr>
                </thead>
                <tbody>
                    {move || {
                        results
                            .get()
                            .into_iter()
                            .map(|m| {
                                let ok = m.verified;
                                let check = if ok {
                                    format!("yes ({} elements)", m.verification.checked)
                                } else {
                                    format!("NO: {}", m.verification.first_failure.clone().unwrap_or_default())
                                };
                                view! {
                                    <tr data-kernel=m.id()>
                                        <td>{m.id()}</td>
                                        <td>{m.shape.to_string()}</td>
                                        <td>{format::seconds(m.time.median_s)} " ±" {format!("{:.0}%", m.time.spread * 50.0)}</td>
                                        <td>{format::giga_rate(m.gbytes_per_s, "B")}</td>
                                        <td>{format::giga_rate(m.gflops_per_s, "FLOP")}</td>
                                        <td>{format!("{:.2} FLOP/B", m.intensity)}</td>
                                        <td>{m.timing.label()}</td>
                                        <td class:bad=!ok data-testid="verified">{check}</td>
                                    </tr>
                                }
                            })
                            .collect_view()
                    }}
                </tbody>
            </table>
        </div>
    }
}

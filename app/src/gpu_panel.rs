//! The WebGPU connection, shared by the pages that run kernels: it is opened on first use (the
//! calculators and embeds never ask for a GPU), and [`AdapterCard`] shows what the browser gave
//! us, or why there is none and how to enable WebGPU.

use crate::format;
use kernels::{AdapterSummary, Gpu, Measurement};
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

/// The app-wide GPU connection, provided as context by the shell.
#[derive(Clone, Copy)]
pub struct GpuContext {
    /// The device once connected.
    pub gpu: SharedGpu,
    /// Where the connection stands.
    pub status: RwSignal<GpuStatus>,
    started: StoredValue<bool>,
}

impl Default for GpuContext {
    fn default() -> Self {
        Self::new()
    }
}

impl GpuContext {
    /// Not connected yet.
    pub fn new() -> GpuContext {
        GpuContext {
            gpu: StoredValue::new_local(None),
            status: RwSignal::new(GpuStatus::Connecting),
            started: StoredValue::new(false),
        }
    }

    /// A context that never connects and reports `why` (a browser known to lack WebGPU; tests).
    pub fn unavailable(why: &str) -> GpuContext {
        GpuContext {
            gpu: StoredValue::new_local(None),
            status: RwSignal::new(GpuStatus::Unavailable(why.to_string())),
            started: StoredValue::new(true),
        }
    }

    /// Connects on the first call; later calls do nothing.
    pub fn ensure(&self) {
        if !self.started.get_value() {
            self.started.set_value(true);
            connect(self.gpu, self.status.write_only());
        }
    }

    /// Drops the device and asks the browser for a new one: after the device was lost (a
    /// runaway kernel, a driver reset), without reloading the page.
    pub fn reconnect(&self) {
        self.gpu.set_value(None);
        self.status.set(GpuStatus::Connecting);
        self.started.set_value(true);
        connect(self.gpu, self.status.write_only());
    }

    /// Whether a device is ready.
    pub fn ready(&self) -> bool {
        matches!(self.status.get(), GpuStatus::Ready(_))
    }
}

/// Asks the browser for a GPU once and records the outcome in `status`.
pub fn connect(gpu: SharedGpu, status: WriteSignal<GpuStatus>) {
    leptos::task::spawn_local(async move {
        match Gpu::new(kernels::AdapterChoice::Best).await {
            Ok(g) => {
                // The device first, so that whatever reacts to Ready finds it.
                let adapter = g.adapter.clone();
                gpu.set_value(Some(Rc::new(g)));
                status.set(GpuStatus::Ready(adapter));
            }
            Err(e) => status.set(GpuStatus::Unavailable(e.to_string())),
        }
    });
}

/// Shows the adapter (name, backend, features, key limits), or why WebGPU is unavailable.
#[component]
pub fn AdapterCard(
    /// The connection status to show.
    status: RwSignal<GpuStatus>,
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
                <p>"Kernels cannot run in this browser: " {why}</p>
                <p>
                    "The calculators, lessons and imported results work without it; kernel runs need WebGPU. "
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

/// A table of measurements with units on every number.
#[component]
pub fn ResultsTable(
    /// The measurements to show, in order.
    results: Signal<Vec<Measurement>>,
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

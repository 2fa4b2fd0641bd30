//! Roofline Lab in the browser: Leptos, client-side rendered.
//!
//! Architecture invariant: components here call into `kernels` (GPU work) and `lessons` (models);
//! they hold UI state only. `main.rs` does nothing but mount [`App`].

pub mod format;
pub mod gpu_panel;

use gpu_panel::{AdapterCard, GpuStatus, RunPanel, SharedGpu};
use leptos::prelude::*;

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let (status, set_status) = signal(GpuStatus::Connecting);
    let gpu: SharedGpu = StoredValue::new_local(None);
    gpu_panel::connect(gpu, set_status);
    view! {
        <header class="top">
            <h1>"Roofline Lab"</h1>
            <p class="tagline">"Learn ML performance engineering by measuring it, on your own GPU."</p>
        </header>
        <main>
            <AdapterCard status=status />
            <RunPanel gpu=gpu status=status />
        </main>
    }
}

/// Mounts the app on the page body.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

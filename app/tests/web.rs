//! Component tests in a real browser: mount a page or component into a fresh element, act on
//! the DOM, let the reactive system run (`tick`), assert on what a person would see.

#![cfg(target_arch = "wasm32")]
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use app::route::Location;
use app::{Nav, Shell};
use kernels::gpu::LimitsSummary;
use kernels::{AdapterSummary, Dtype, Measurement, Shape, TimeStats, TimingMethod, Verification};
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A new empty element at the end of the page's body, to mount a component into.
fn fresh_root() -> web_sys::Element {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    root
}

/// A real `lab bench --ceilings` file from an H100 (BENCHMARKS.md, 2026-11-22 08:32 run): three
/// peaks, then read and copy from 1 MiB to 1 GiB.
fn h100_ceilings() -> Vec<Measurement> {
    let text = include_str!("../../bench/results/h100-2026-11-22-matmul-c/ceilings.json");
    kernels::ResultsFile::from_json(text).unwrap().measurements
}

/// Mounts the app shell at `path?search` (without touching the address bar) in a fresh element.
fn mount_at(path: &str, search: &str) -> web_sys::Element {
    let root = fresh_root();
    let loc = Location::parse(path, search);
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <Shell nav=Nav::new(loc, false) /> }
    });
    handle.forget();
    root
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
        .text_content()
        .unwrap_or_default()
}

fn count(root: &web_sys::Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

/// Types `value` into an input or select and fires the event the component listens to.
fn set_value(root: &web_sys::Element, selector: &str, value: &str, event: &str) {
    let el = root.query_selector(selector).unwrap().unwrap();
    if let Some(i) = el.dyn_ref::<web_sys::HtmlInputElement>() {
        i.set_value(value);
    } else if let Some(s) = el.dyn_ref::<web_sys::HtmlSelectElement>() {
        s.set_value(value);
    }
    let ev = web_sys::Event::new_with_event_init_dict(event, &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .unwrap();
    el.dispatch_event(&ev).unwrap();
}

#[wasm_bindgen_test]
async fn a_kv_cache_permalink_shows_its_numbers_with_units() {
    let root = mount_at("/calc/kv-cache", "?model=llama-2-70b&tokens=4096&batch=1");
    leptos::task::tick().await;
    // 80 layers · 8 KV heads · 128 · 2 (K, V) · 2 bytes = 327,680 bytes per token.
    assert_eq!(
        text(&root, "[data-testid=result-bytes-per-token]"),
        "328 kB"
    );
    assert_eq!(text(&root, "[data-testid=result-total]"), "1.34 GB");
    assert_eq!(count(&root, "[data-testid=bar]"), 1);
}

#[wasm_bindgen_test]
async fn bad_input_gets_an_inline_message_and_good_input_clears_it() {
    let root = mount_at("/calc/kv-cache", "?model=llama-2-70b");
    leptos::task::tick().await;
    set_value(&root, "[data-testid=input-tokens]", "lots", "input");
    leptos::task::tick().await;
    let msg = text(&root, "[data-testid=error-tokens]");
    assert!(
        msg.contains("must be a number") && msg.contains("\"lots\""),
        "{msg}"
    );
    assert_eq!(count(&root, "[data-testid=results]"), 0);
    assert_eq!(count(&root, "[data-testid=fix-inputs]"), 1);
    let input = root
        .query_selector("[data-testid=input-tokens]")
        .unwrap()
        .unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));

    set_value(&root, "[data-testid=input-tokens]", "8192", "input");
    set_value(&root, "[data-testid=input-batch]", "1", "input");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=error-tokens]"), "");
    assert_eq!(text(&root, "[data-testid=result-total]"), "2.68 GB");
}

#[wasm_bindgen_test]
async fn a_bad_url_parameter_is_explained_not_rendered() {
    let root = mount_at("/calc/kv-cache", "?model=%3Cimg%20src%3Dx%3E&tokens=-3");
    leptos::task::tick().await;
    let msg = text(&root, "[data-testid=error-model]");
    assert!(
        msg.contains("<img src=x>") && msg.contains("not one of"),
        "{msg}"
    );
    assert_eq!(count(&root, "img"), 0, "a URL parameter became HTML");
    assert!(text(&root, "[data-testid=error-tokens]").contains("whole number"));
}

#[wasm_bindgen_test]
async fn choosing_a_preset_resets_what_it_sets() {
    let root = mount_at("/calc/roofline", "?gpu=custom&peak=1000&bw=2000&ai=100");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=result-ridge]"), "500 FLOP/byte");
    set_value(&root, "[data-testid=input-gpu]", "a100-80gb", "change");
    leptos::task::tick().await;
    // Leptos sets `value` properties in a microtask after the render effects: one more tick.
    leptos::task::tick().await;
    let peak = root
        .query_selector("[data-testid=input-peak]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlInputElement>()
        .value();
    assert_eq!(peak, "312", "the A100's FP16 peak replaces the typed one");
}

#[wasm_bindgen_test]
async fn the_embed_button_shows_a_snippet_for_the_inputs_on_screen() {
    let root = mount_at("/calc/kv-cache", "?model=llama-2-70b&tokens=8192");
    leptos::task::tick().await;
    root.query_selector("[data-testid=embed-button]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
    leptos::task::tick().await;
    leptos::task::tick().await;
    let snippet = root
        .query_selector("[data-testid=embed-snippet]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlTextAreaElement>()
        .value();
    assert!(snippet.contains("/embed.js\" defer></script>"), "{snippet}");
    assert!(
        snippet.contains(
            "<roofline-lab kind=\"kv-cache\" model=\"llama-2-70b\" tokens=\"8192\"></roofline-lab>"
        ),
        "{snippet}"
    );
}

#[wasm_bindgen_test]
async fn the_speculative_chart_marks_the_chosen_gamma() {
    let root = mount_at("/calc/speculative", "?alpha=0.8&gamma=4&c=0");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=result-speedup]"), "3.36×");
    assert_eq!(count(&root, "[data-testid=chart-marker]"), 1);
}

#[wasm_bindgen_test]
async fn embeds_have_no_site_chrome_and_unknown_calculators_say_so() {
    let root = mount_at("/embed/zero", "?stage=2");
    leptos::task::tick().await;
    assert_eq!(count(&root, "header.top"), 0);
    assert_eq!(count(&root, "[data-testid=bar]"), 4);
    let root = mount_at("/calc/warp-drive", "");
    leptos::task::tick().await;
    assert!(text(&root, "[data-testid=unknown-calculator]").contains("kv-cache"));
    // Inside an iframe the list of calculators opens in a tab of its own.
    let root = mount_at("/embed/warp-drive", "");
    leptos::task::tick().await;
    let link = root
        .query_selector("[data-testid=unknown-calculator] a")
        .unwrap()
        .unwrap();
    assert_eq!(link.get_attribute("target").as_deref(), Some("_blank"));
}

#[wasm_bindgen_test]
async fn home_routes_to_the_four_uses() {
    let root = mount_at("/", "");
    leptos::task::tick().await;
    assert_eq!(text(&root, "h1"), "Roofline Lab");
    assert_eq!(count(&root, "ul.uses li"), 4);
    // Clicking a link navigates in place.
    let link = root
        .query_selector("ul.uses a[href='/calc']")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>();
    link.click();
    leptos::task::tick().await;
    assert_eq!(text(&root, "main h1"), "Calculators");
}

fn measurement(kernel: &str, variant: &str, adapter: &str, gflops: f64, gbs: f64) -> Measurement {
    let time = TimeStats {
        median_s: 1e-3,
        min_s: 1e-3,
        max_s: 1e-3,
        mean_s: 1e-3,
        spread: 0.0,
        samples: 3,
        reps_per_sample: 1,
    };
    Measurement {
        kernel: kernel.into(),
        variant: variant.into(),
        shape: Shape::Stream { elements: 1024 },
        dtype: Dtype::F32,
        adapter: AdapterSummary {
            name: adapter.into(),
            vendor: 0,
            device: 0,
            device_type: "Cpu".into(),
            backend: "BrowserWebGpu".into(),
            driver: String::new(),
            driver_info: String::new(),
            features: vec![],
            limits: LimitsSummary {
                max_buffer_size: 1 << 30,
                max_storage_buffer_binding_size: 1 << 30,
                max_compute_workgroup_storage_size: 32768,
                max_compute_invocations_per_workgroup: 256,
                max_compute_workgroups_per_dimension: 65535,
            },
        },
        flops: gflops * 1e6,
        bytes: gbs * 1e6,
        time,
        timing: TimingMethod::WallClock,
        gflops_per_s: gflops,
        gbytes_per_s: gbs,
        intensity: if gbs > 0.0 { gflops / gbs } else { 0.0 },
        verified: true,
        verification: Verification {
            checked: 1024,
            total: 1024,
            worst_error_ratio: 0.0,
            passed: true,
            first_failure: None,
        },
        seed: 1,
        constants: vec![],
        input_sets: 1,
    }
}

#[wasm_bindgen_test]
async fn the_roofline_shows_roofs_dots_a_table_and_selection() {
    let root = fresh_root();
    let own = vec![
        measurement("stream", "read", "Test GPU", 25.0, 100.0),
        measurement("matmul", "naive", "Test GPU", 50.0, 10.0),
    ];
    let imported = RwSignal::new(vec![measurement(
        "matmul",
        "naive",
        "H100 (CLI)",
        5000.0,
        500.0,
    )]);
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <app::roofline::RooflineChart measurements=Signal::stored(own.clone()) imported=imported /> }
    });
    handle.forget();
    leptos::task::tick().await;
    assert_eq!(count(&root, "[data-testid=dot]"), 3);
    assert_eq!(count(&root, "[data-testid=roofline-row]"), 3);
    let legend = text(&root, "[data-testid=legend]");
    assert!(
        legend.contains("measured read bandwidth, 4.0 KiB working set (Test GPU)"),
        "{legend}"
    );
    assert!(legend.contains("H100 (CLI) (imported)"), "{legend}");
    // matmul: 50 GFLOP/s at 5 FLOP/byte under a 100 GB/s roof is 10% of 500 GFLOP/s.
    let row = text(&root, "[data-testid=roofline-row]:nth-child(2)");
    assert!(row.contains("10.0%"), "{row}");

    let dot = root
        .query_selector("[data-testid=dot][data-kernel='matmul/naive']")
        .unwrap()
        .unwrap();
    dot.dispatch_event(&web_sys::Event::new("mouseenter").unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert!(text(&root, "[data-testid=tooltip]").contains("50.0 GFLOP/s"));
    dot.dispatch_event(&web_sys::MouseEvent::new("click").unwrap())
        .unwrap();
    leptos::task::tick().await;
    assert!(text(&root, "[data-testid=selected]").contains("matmul/naive"));

    let presets_before = count(&root, "[data-testid=roof]");
    let cb = root
        .query_selector("[data-testid=preset-h100-sxm]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlElement>();
    cb.click();
    leptos::task::tick().await;
    assert_eq!(count(&root, "[data-testid=roof]"), presets_before + 3);
    assert!(text(&root, "[data-testid=legend]").contains("H100 SXM 80 GB FP32 peak"));
}

/// Waits `ms` milliseconds (lets promises such as `File.text()` settle).
async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_ceilings_sweep_draws_memory_roofs_solid_and_cache_roofs_dotted() {
    let root = fresh_root();
    let ms = h100_ceilings();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <app::roofline::RooflineChart measurements=Signal::stored(ms.clone()) imported=RwSignal::new(vec![]) /> }
    });
    handle.forget();
    leptos::task::tick().await;
    // Three peaks, two memory roofs (1 GiB) and two cache roofs (the L2), these two dotted.
    assert_eq!(count(&root, "[data-testid=roof]"), 7);
    assert_eq!(
        count(&root, "[data-testid=roof][stroke-dasharray='2 4']"),
        2
    );
    let legend = text(&root, "[data-testid=legend]");
    assert!(
        legend.contains("measured read bandwidth, 1.0 GiB working set")
            && legend.contains("measured read bandwidth in cache, 16.0 MiB working set"),
        "{legend}"
    );
    assert_eq!(count(&root, "[data-testid=legend] .line.dotted"), 2);
}

#[wasm_bindgen_test]
async fn the_bandwidth_sweep_of_an_imported_ceilings_file_shows_the_cache_step() {
    let root = fresh_root();
    // One stream run on another adapter is a point, not a sweep: no card for it.
    let mut all = h100_ceilings();
    all.push(measurement("stream", "read", "Test GPU", 25.0, 100.0));
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <app::sweep::BandwidthSweep measurements=Signal::stored(all.clone()) /> }
    });
    handle.forget();
    leptos::task::tick().await;
    assert_eq!(count(&root, "[data-testid=sweep]"), 1);
    assert_eq!(count(&root, "[data-testid=sweep-row]"), 6);
    assert_eq!(
        text(&root, "[data-testid=sweep-row]:nth-child(3)"),
        "16.0 MiB4.79 TB/s5.13 TB/s"
    );
    let finding = text(&root, "[data-testid=sweep-finding]");
    assert!(
        finding.starts_with("Read at 16.0 MiB ran 1.57× as fast as at 1.0 GiB"),
        "{finding}"
    );
    // The chart draws both lines, and marks each of the 12 measurements on them.
    assert_eq!(count(&root, "[data-testid=sweep] polyline"), 2);
    assert_eq!(count(&root, "[data-testid=sweep] circle"), 12);
}

#[wasm_bindgen_test]
async fn a_results_file_from_the_cli_is_imported_and_overlaid() {
    let root = fresh_root();
    let imported = RwSignal::new(Vec::<Measurement>::new());
    let own = vec![measurement("stream", "copy", "Browser GPU", 0.0, 100.0)];
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <app::roofline::RooflineChart measurements=Signal::stored(own.clone()) imported=imported /> }
    });
    handle.forget();
    leptos::task::tick().await;
    // What `lab bench --json` writes: the shared results schema.
    let file = kernels::ResultsFile::new(
        "lab 0.1.0",
        vec![
            measurement("stream", "read", "NVIDIA H100 80GB HBM3", 500.0, 2000.0),
            measurement("matmul", "naive", "NVIDIA H100 80GB HBM3", 4000.0, 400.0),
        ],
    );
    let json = serde_json::to_string(&file).unwrap();
    let parts = js_sys::Array::of1(&json.into());
    let f = web_sys::File::new_with_str_sequence(&parts, "h100.json").unwrap();
    let dt = web_sys::DataTransfer::new().unwrap();
    dt.items().add_with_file(&f).unwrap();
    let input = root
        .query_selector("[data-testid=import-json]")
        .unwrap()
        .unwrap()
        .unchecked_into::<web_sys::HtmlInputElement>();
    input.set_files(dt.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    for _ in 0..50 {
        sleep(20).await;
        if !text(&root, "[data-testid=import-status]").is_empty() {
            break;
        }
    }
    leptos::task::tick().await;
    assert_eq!(
        text(&root, "[data-testid=import-status]"),
        "Imported 2 measurements from lab 0.1.0."
    );
    assert_eq!(imported.with_untracked(Vec::len), 2);
    // The same file again adds nothing.
    let again = web_sys::DataTransfer::new().unwrap();
    let f = web_sys::File::new_with_str_sequence(&parts, "h100.json").unwrap();
    again.items().add_with_file(&f).unwrap();
    input.set_files(again.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    for _ in 0..50 {
        sleep(20).await;
        if text(&root, "[data-testid=import-status]").starts_with("Imported 0") {
            break;
        }
    }
    assert_eq!(
        text(&root, "[data-testid=import-status]"),
        "Imported 0 measurements from lab 0.1.0. 2 were already on the chart, not added again."
    );
    assert_eq!(imported.with_untracked(Vec::len), 2);
    let legend = text(&root, "[data-testid=legend]");
    assert!(
        legend.contains("measured read bandwidth, 4.0 KiB working set (NVIDIA H100 80GB HBM3)")
            && legend.contains("NVIDIA H100 80GB HBM3 (imported)")
            && legend.contains("Browser GPU (this browser)"),
        "{legend}"
    );
    // The imported matmul: 4000 GFLOP/s at 10 FLOP/byte under its own 2000 GB/s roof is 20%.
    let row = text(&root, "[data-testid=roofline-row]:nth-child(3)");
    assert!(row.contains("20.0%"), "{row}");

    // A file of another kind is refused with the reason.
    let bad = js_sys::Array::of1(&"{\"schema\": \"something/else\"}".into());
    let f = web_sys::File::new_with_str_sequence(&bad, "bad.json").unwrap();
    let dt = web_sys::DataTransfer::new().unwrap();
    dt.items().add_with_file(&f).unwrap();
    input.set_files(dt.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    for _ in 0..50 {
        sleep(20).await;
        if text(&root, "[data-testid=import-status]").starts_with("Could not") {
            break;
        }
    }
    assert!(text(&root, "[data-testid=import-status]").starts_with("Could not import"));
    assert_eq!(imported.with_untracked(Vec::len), 2);
}

/// The kernel page, mounted with no WebGPU adapter.
async fn kernel_page_without_webgpu() -> web_sys::Element {
    let root = fresh_root();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), || {
        provide_context(app::gpu_panel::GpuContext::unavailable(
            "this browser has no navigator.gpu",
        ));
        view! { <app::kernel_page::KernelPage /> }
    });
    handle.forget();
    leptos::task::tick().await;
    root
}

#[wasm_bindgen_test]
async fn without_webgpu_the_kernel_page_says_why_and_still_teaches() {
    let root = kernel_page_without_webgpu().await;
    let notice = text(&root, "[data-testid=no-webgpu]");
    assert!(
        notice.contains("no navigator.gpu") && notice.contains("--enable-unsafe-webgpu"),
        "{notice}"
    );
    let run = root
        .query_selector("[data-testid=run-kernel]")
        .unwrap()
        .unwrap();
    assert!(run.has_attribute("disabled"));
    // The WGSL and the cost model are there regardless.
    assert!(text(&root, "[data-testid=source]").contains("@compute"));
    assert!(text(&root, "[data-testid=cost]").contains("FLOP/byte"));
}

#[wasm_bindgen_test]
async fn every_kernel_on_the_kernel_page_takes_its_own_sizes() {
    let root = kernel_page_without_webgpu().await;
    let fields = |root: &web_sys::Element| {
        let labels = root.query_selector_all("label[for^=k-size-]").unwrap();
        (0..labels.length())
            .map(|i| labels.get(i).unwrap().text_content().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    // Attention: four sizes and the causal box; what is typed reaches the cost model.
    set_value(&root, "[data-testid=kernel]", "attention", "change");
    leptos::task::tick().await;
    assert_eq!(
        fields(&root),
        [
            "Batch B",
            "Heads H",
            "Sequence length N",
            "Head dimension d"
        ]
    );
    assert_eq!(count(&root, "[data-testid=causal]"), 1);
    set_value(&root, "[data-testid=size-0]", "1", "input");
    set_value(&root, "[data-testid=size-1]", "1", "input");
    set_value(&root, "[data-testid=size-2]", "1000", "input");
    set_value(&root, "[data-testid=size-3]", "64", "input");
    leptos::task::tick().await;
    // Naive attention: 4·B·H·N²·d = 4 · 1000² · 64 = 256,000,000 FLOPs.
    let cost = text(&root, "[data-testid=cost]");
    assert!(cost.contains("256,000,000 FLOP"), "{cost}");
    set_value(&root, "[data-testid=size-2]", "0", "input");
    leptos::task::tick().await;
    let error = text(&root, "[data-testid=size-error]");
    assert!(
        error.starts_with("Sequence length N must be a whole number from 1 to 16,384"),
        "{error}"
    );
    // GEMV: rows, columns and batch; the batch is capped at 8.
    set_value(&root, "[data-testid=kernel]", "gemv", "change");
    leptos::task::tick().await;
    assert_eq!(
        fields(&root),
        ["Rows of W", "Columns of W", "Batch (vectors x)"]
    );
    assert_eq!(count(&root, "[data-testid=causal]"), 0);
    set_value(&root, "[data-testid=size-2]", "9", "input");
    leptos::task::tick().await;
    assert!(text(&root, "[data-testid=size-error]").starts_with("Batch (vectors x) must be"));
    // A block format's rule shows before anything runs: Q8_0 rows hold whole 32-weight blocks.
    set_value(&root, "[data-testid=size-2]", "1", "input");
    set_value(&root, "[data-testid=variant]", "q8_0", "change");
    set_value(&root, "[data-testid=size-1]", "100", "input");
    leptos::task::tick().await;
    let error = text(&root, "[data-testid=size-error]");
    assert!(
        error.contains("cols must be a multiple of 32 for q8_0"),
        "{error}"
    );
    set_value(&root, "[data-testid=size-1]", "128", "input");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=size-error]"), "");
    // Peak probes take a thread count.
    set_value(&root, "[data-testid=kernel]", "peak", "change");
    leptos::task::tick().await;
    assert_eq!(fields(&root), ["Threads"]);
}

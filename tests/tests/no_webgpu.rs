//! A browser without WebGPU gets an explanation and instructions, not a blank page or a panic,
//! and everything that needs no GPU still works.

use std::time::Duration;
use xtask::webdriver::{Browser, CHROME_ARGS};

#[test]
fn without_webgpu_kernel_pages_explain_why_and_calculators_still_work() {
    let base = e2e::serve_dist();
    // The usual flags minus the two that turn WebGPU on, plus an explicit off switch.
    let mut args: Vec<&str> = CHROME_ARGS
        .iter()
        .copied()
        .filter(|a| !a.contains("webgpu") && !a.contains("Vulkan"))
        .collect();
    args.push("--disable-features=WebGPU");
    let browser = Browser::launch_with(&args).expect("launching headless Chromium");
    browser.goto(&format!("{base}/bench")).unwrap();
    let notice = browser
        .wait_text("[data-testid=no-webgpu]", Duration::from_secs(60), |t| {
            !t.is_empty()
        })
        .unwrap_or_else(|e| panic!("no explanation shown: {e}"));
    assert!(notice.contains("WebGPU is not available"), "{notice}");
    assert!(notice.contains("--enable-unsafe-webgpu"), "{notice}");
    assert_eq!(
        browser.text("main h1").unwrap().as_deref(),
        Some("Benchmark my GPU")
    );
    let enabled = browser
        .script("const b = document.querySelector('[data-testid=run]'); return b ? !b.disabled : false;")
        .unwrap();
    assert_eq!(
        enabled,
        serde_json::json!(false),
        "Run is offered without a GPU"
    );
    // A calculator needs no GPU: its permalink still computes.
    browser
        .goto(&format!("{base}/calc/speculative?alpha=0.8&gamma=4"))
        .unwrap();
    let h1 = browser
        .wait_text("main h1", Duration::from_secs(30), |t| !t.is_empty())
        .unwrap();
    assert!(h1.to_lowercase().contains("speculative"), "{h1}");
    let body = browser.text("main").unwrap().unwrap_or_default();
    // E = (1 − 0.8⁵) / (1 − 0.8) = 3.3616 tokens per target pass.
    assert!(
        body.contains("3.36"),
        "speculative page without WebGPU: {body}"
    );
}

//! A browser without WebGPU gets an explanation and instructions, not a blank page or a panic.

use std::time::Duration;
use xtask::webdriver::{Browser, CHROME_ARGS};

#[test]
fn without_webgpu_the_page_explains_why_and_how_to_enable_it() {
    let base = e2e::serve_dist();
    // The usual flags minus the two that turn WebGPU on, plus an explicit off switch.
    let mut args: Vec<&str> = CHROME_ARGS
        .iter()
        .copied()
        .filter(|a| !a.contains("webgpu") && !a.contains("Vulkan"))
        .collect();
    args.push("--disable-features=WebGPU");
    let browser = Browser::launch_with(&args).expect("launching headless Chromium");
    browser.goto(&format!("{base}/")).unwrap();
    let notice = browser
        .wait_text("[data-testid=no-webgpu]", Duration::from_secs(60), |t| {
            !t.is_empty()
        })
        .unwrap_or_else(|e| panic!("no explanation shown: {e}"));
    assert!(notice.contains("WebGPU is not available"), "{notice}");
    assert!(notice.contains("--enable-unsafe-webgpu"), "{notice}");
    // The page itself still works: the title is there and nothing offers to run a kernel.
    assert_eq!(browser.text("h1").unwrap().as_deref(), Some("Roofline Lab"));
    let enabled = browser
        .script("const b = document.querySelector('[data-testid=run]'); return b ? !b.disabled : false;")
        .unwrap();
    assert_eq!(enabled, serde_json::json!(false));
}

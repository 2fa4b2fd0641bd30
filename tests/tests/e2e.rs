//! The served app in headless Chromium: the page loads, finds a WebGPU adapter, runs the
//! kernels and shows results that were verified against the CPU reference.

use std::time::Duration;
use xtask::webdriver::Browser;

#[test]
fn the_page_loads_runs_both_kernels_and_shows_verified_results() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser.goto(&format!("{base}/")).unwrap();
    let title = browser
        .wait_text("h1", Duration::from_secs(60), |t| !t.is_empty())
        .unwrap();
    assert_eq!(title, "Roofline Lab");
    // SwiftShader reports an adapter; its name may be empty, the label never is.
    let adapter = browser.wait_text("[data-testid=adapter-name]", Duration::from_secs(60), |t| {
        !t.is_empty()
    });
    assert!(
        adapter.is_ok(),
        "no adapter shown: {adapter:?}; page: {:?}",
        browser.text("main")
    );

    browser.click("[data-testid=run]").unwrap();
    let status = browser
        .wait_text("[data-testid=run-status]", Duration::from_secs(240), |t| {
            !t.contains(" of 3:")
        })
        .unwrap();
    assert_eq!(
        status,
        "All 3 results verified",
        "page says: {:?}",
        browser.text("main")
    );
    let rows = browser
        .script("return [...document.querySelectorAll('[data-testid=results] tbody tr')].map(r => r.dataset.kernel)")
        .unwrap();
    assert_eq!(
        rows,
        serde_json::json!(["stream/read", "stream/copy", "matmul/naive"])
    );
    let verified = browser
        .script("return [...document.querySelectorAll('[data-testid=verified]')].every(c => c.textContent.startsWith('yes'))")
        .unwrap();
    assert_eq!(verified, serde_json::json!(true));
}

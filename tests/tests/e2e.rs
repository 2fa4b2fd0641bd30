//! The served app in headless Chromium: the benchmark page finds a WebGPU adapter (SwiftShader),
//! runs the kernel suite, shows verified results and dots on the roofline and keeps the run; a
//! calculator permalink shows the right number; calculator results fit their cards at desktop,
//! lesson, embed and phone widths; an embed loads inside a host page on another origin and
//! resizes to its content.
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use std::time::Duration;
use xtask::webdriver::Browser;

/// Polls a script until it returns something other than `null`/`false`, or fails after `timeout`.
fn wait_script(browser: &Browser, js: &str, timeout: Duration) -> Value {
    let start = std::time::Instant::now();
    loop {
        let v = browser.script(js).unwrap();
        if !(v.is_null() || v == json!(false)) {
            return v;
        }
        assert!(
            start.elapsed() < timeout,
            "timed out waiting for `{js}`; page: {:?}",
            browser.text("body")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_benchmark_runs_every_kernel_verifies_it_and_plots_it() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser.goto(&format!("{base}/")).unwrap();
    let title = browser
        .wait_text("h1", Duration::from_secs(60), |t| !t.is_empty())
        .unwrap();
    assert_eq!(title, "Roofline Lab");

    // Through the navigation, as a person would.
    browser.click("header nav a[href='/bench']").unwrap();
    let h1 = browser
        .wait_text("main h1", Duration::from_secs(10), |t| {
            t.contains("Benchmark")
        })
        .unwrap();
    assert_eq!(h1, "Benchmark my GPU");
    // SwiftShader reports an adapter; its name may be empty, the label never is.
    let adapter = browser.wait_text("[data-testid=adapter-name]", Duration::from_secs(60), |t| {
        !t.is_empty()
    });
    assert!(
        adapter.is_ok(),
        "no adapter shown: {adapter:?}; page: {:?}",
        browser.text("main")
    );

    // Quick timing: SwiftShader is slow, and correctness is what this test checks.
    browser.click("[data-testid=quick]").unwrap();
    browser.click("[data-testid=run]").unwrap();
    // Variants that need a feature SwiftShader lacks (shader-f16) are listed as skipped.
    let steps = wait_script(
        &browser,
        "const s = [...document.querySelectorAll('[data-testid=step]')]\
           .filter(s => s.dataset.state !== 'skipped').map(s => s.dataset.kernel); \
         return s.length ? s : null",
        Duration::from_secs(10),
    );
    let steps: Vec<String> = serde_json::from_value(steps).unwrap();
    let n = steps.len();
    for id in ["stream/read", "stream/copy", "matmul/naive"] {
        assert!(
            steps.iter().any(|s| s == id),
            "{id} is not in the suite {steps:?}"
        );
    }
    let status = browser
        .wait_text("[data-testid=run-status]", Duration::from_secs(240), |t| {
            t.contains("verified") && !t.contains(&format!(" of {n}:"))
        })
        .unwrap();
    assert!(
        status == format!("All {n} results verified")
            || status.starts_with(&format!("All {n} results verified; ")),
        "status {status:?}; page says: {:?}",
        browser.text("main")
    );
    // A tensor-core variant says where it runs instead: no browser has cooperative matrices.
    let coop = browser
        .script(
            "const s = document.querySelector('[data-testid=step][data-kernel=\"attention/flash_split\"]'); \
             return s && [s.dataset.state, s.textContent]",
        )
        .unwrap();
    assert_eq!(coop[0], json!("skipped"), "{coop:?}");
    assert!(
        coop[1]
            .as_str()
            .is_some_and(|t| t.contains("EXPERIMENTAL_COOPERATIVE_MATRIX")
                && t.ends_with("; native only: lab bench --experimental)")),
        "{coop:?}"
    );
    let rows = browser
        .script("return [...document.querySelectorAll('[data-testid=results] tbody tr')].map(r => r.dataset.kernel)")
        .unwrap();
    assert_eq!(rows, json!(steps));
    let verified = browser
        .script("return [...document.querySelectorAll('[data-testid=verified]')].every(c => c.textContent.startsWith('yes'))")
        .unwrap();
    assert_eq!(verified, json!(true));

    // Dots on the roofline: every kernel that does FLOPs (stream/copy does none and becomes a
    // bandwidth roof instead).
    let dots = browser
        .script(
            "return [...document.querySelectorAll('[data-testid=dot]')].map(d => d.dataset.kernel)",
        )
        .unwrap();
    let dots: Vec<String> = serde_json::from_value(dots).unwrap();
    assert!(
        dots.contains(&"stream/read".into()) && dots.contains(&"matmul/naive".into()),
        "dots: {dots:?}"
    );
    let legend = browser.text("[data-testid=legend]").unwrap().unwrap();
    // The bandwidth roof is the sweep's largest working set (16 MiB on a software adapter),
    // not its fastest, which may fit in a cache.
    assert!(
        legend.contains("measured copy bandwidth, 16.0 MiB working set"),
        "{legend}"
    );
    // The sweep itself: read and copy at 1, 4 and 16 MiB, each a rate with its unit.
    let sweep = browser
        .script(
            "return [...document.querySelectorAll('[data-testid=sweep-row]')]\
               .map(r => [...r.cells].map(c => c.textContent))",
        )
        .unwrap();
    let sweep: Vec<Vec<String>> = serde_json::from_value(sweep).unwrap();
    assert_eq!(
        sweep.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["1.0 MiB", "4.0 MiB", "16.0 MiB"],
        "{sweep:?}"
    );
    assert!(
        sweep
            .iter()
            .all(|r| r[1].ends_with("B/s") && r[2].ends_with("B/s")),
        "{sweep:?}"
    );
    for (kernel, n) in [("stream/read", 3), ("stream/copy", 3), ("matmul/naive", 1)] {
        assert_eq!(
            steps.iter().filter(|s| *s == kernel).count(),
            n,
            "{steps:?}"
        );
    }
    // The f32 FMA probe ran (SwiftShader lacks f16, so that one is skipped) and became a roof.
    assert!(legend.contains("measured fma-f32 peak"), "{legend}");

    // Export PNG: catch the download and count the pixels that are not background.
    browser
        .script(
            "window.__png = null; const click = HTMLAnchorElement.prototype.click; \
             HTMLAnchorElement.prototype.click = function () { \
               if (this.download === 'roofline.png') { window.__png = this.href; return; } \
               return click.call(this); }; \
             document.querySelector('[data-testid=export-png]').click(); return true",
        )
        .unwrap();
    let png = wait_script(
        &browser,
        "if (!window.__png) return null; \
         if (window.__ink === undefined) { window.__ink = null; const img = new Image(); \
           img.onload = () => { const c = document.createElement('canvas'); \
             c.width = img.width; c.height = img.height; const g = c.getContext('2d'); \
             g.drawImage(img, 0, 0); const d = g.getImageData(0, 0, c.width, c.height).data; \
             let ink = 0; for (let i = 0; i < d.length; i += 4) \
               if (d[i] < 200 || d[i + 1] < 200 || d[i + 2] < 200) ink++; \
             window.__ink = { w: img.width, h: img.height, ink: ink, \
               png: window.__png.startsWith('data:image/png') }; }; \
           img.src = window.__png; } \
         return window.__ink;",
        Duration::from_secs(30),
    );
    assert_eq!(
        (png["w"].clone(), png["h"].clone(), png["png"].clone()),
        (json!(1280), json!(720), json!(true))
    );
    assert!(
        png["ink"].as_u64().unwrap() > 5000,
        "the exported PNG is nearly blank: {png}"
    );
    let table = browser
        .script("return document.querySelectorAll('[data-testid=roofline-row]').length")
        .unwrap();
    assert_eq!(table, json!(n));

    // The run survives a reload (local storage).
    browser.goto(&format!("{base}/bench")).unwrap();
    let status = browser
        .wait_text("[data-testid=run-status]", Duration::from_secs(30), |t| {
            !t.is_empty()
        })
        .unwrap();
    assert!(status.contains("last run"), "{status}");
    let rows = browser
        .script("return [...document.querySelectorAll('[data-testid=results] tbody tr')].map(r => r.dataset.kernel)")
        .unwrap();
    assert_eq!(rows, json!(steps));

    // A run cancelled part way does not replace the whole one kept.
    wait_script(
        &browser,
        "return !document.querySelector('[data-testid=run]').disabled",
        Duration::from_secs(60),
    );
    browser.click("[data-testid=quick]").unwrap();
    browser.click("[data-testid=run]").unwrap();
    wait_script(
        &browser,
        "return !document.querySelector('[data-testid=cancel]').disabled",
        Duration::from_secs(30),
    );
    browser.click("[data-testid=cancel]").unwrap();
    let status = browser
        .wait_text("[data-testid=run-status]", Duration::from_secs(120), |t| {
            t.starts_with("Cancelled")
        })
        .unwrap();
    assert!(
        status.ends_with("Your previous run is still the one kept."),
        "{status}"
    );
    browser.goto(&format!("{base}/bench")).unwrap();
    browser
        .wait_text("[data-testid=run-status]", Duration::from_secs(30), |t| {
            t.contains("last run")
        })
        .unwrap();
    let rows = browser
        .script("return [...document.querySelectorAll('[data-testid=results] tbody tr')].map(r => r.dataset.kernel)")
        .unwrap();
    assert_eq!(rows, json!(steps));

    // The speculative calculator takes its draft cost c from two of these measurements.
    browser.goto(&format!("{base}/calc/speculative")).unwrap();
    browser
        .wait_text(
            "[data-testid=measured-times]",
            Duration::from_secs(30),
            |t| !t.is_empty(),
        )
        .unwrap();
    browser.click("[data-testid=use-measured]").unwrap();
    let used = wait_script(
        &browser,
        "const p = new URLSearchParams(location.search); \
         const c = document.querySelector('[data-testid=result-c-used]'); \
         if (!p.get('draft_ms') || !c) return null; \
         return { d: Number(p.get('draft_ms')), v: Number(p.get('verify_ms')), \
                  c: Number(c.textContent) }",
        Duration::from_secs(10),
    );
    let (d, v, c) = (
        used["d"].as_f64().unwrap(),
        used["v"].as_f64().unwrap(),
        used["c"].as_f64().unwrap(),
    );
    assert!(d > 0.0 && v > 0.0, "{used}");
    assert!(
        (c - d / v).abs() <= 0.05 * (d / v),
        "c shown {c}, measured ratio {}",
        d / v
    );
}

#[test]
fn a_calculator_permalink_reads_the_right_value_and_keeps_the_url_in_sync() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser
        .goto(&format!(
            "{base}/calc/kv-cache?model=llama-2-70b&tokens=4096&batch=1"
        ))
        .unwrap();
    // 80 layers · 8 KV heads · 128 dims · 2 (K, V) · 2 bytes = 327,680 bytes per token.
    let per_token = browser
        .wait_text(
            "[data-testid=result-bytes-per-token]",
            Duration::from_secs(60),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert_eq!(per_token, "328 kB");
    assert_eq!(
        browser
            .text("[data-testid=result-total]")
            .unwrap()
            .as_deref(),
        Some("1.34 GB")
    );

    // Typing updates the results and the address bar (a permalink of what is on screen).
    browser
        .script(
            "const i = document.querySelector('[data-testid=input-batch]'); i.value = '2'; \
             i.dispatchEvent(new Event('input', { bubbles: true })); return true",
        )
        .unwrap();
    wait_script(
        &browser,
        "return location.search.includes('batch=2') && \
         document.querySelector('[data-testid=result-total]').textContent === '2.68 GB'",
        Duration::from_secs(10),
    );

    // A bad parameter is explained inline; nothing breaks.
    browser
        .goto(&format!("{base}/calc/zero?gpus=zero&stage=2"))
        .unwrap();
    let msg = browser
        .wait_text("[data-testid=error-gpus]", Duration::from_secs(60), |t| {
            !t.is_empty()
        })
        .unwrap();
    assert!(msg.contains("must be a number"), "{msg}");
}

/// Whether every label and value of the calculator results on the page lies inside its card,
/// and the page does not scroll sideways; `null` until results are on the page, otherwise a
/// list of what sticks out (empty when everything fits).
const RESULTS_FIT: &str = "\
    const lists = [...document.querySelectorAll('[data-testid=results]')]; \
    if (!lists.length || lists.some(l => !l.children.length)) return null; \
    const out = []; \
    for (const l of lists) { \
      const card = l.closest('.card').getBoundingClientRect(); \
      for (const e of l.children) { \
        const r = e.getBoundingClientRect(); \
        if (r.right > card.right + 0.5 || r.left < card.left - 0.5) \
          out.push(e.textContent + ': ' + r.left + '..' + r.right + ' outside ' + card.left + '..' + card.right); \
      } \
    } \
    if (document.documentElement.scrollWidth > innerWidth + 0.5) \
      out.push('page ' + document.documentElement.scrollWidth + ' wide in ' + innerWidth); \
    return out";

#[test]
fn calculator_results_stay_inside_their_cards() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    // The decode calculator has the longest labels and values; in a lesson it sits in the
    // narrow text column, and embeds are often 800 px wide or less.
    for (width, path) in [
        (1280, "/calc/decode?gpus=8"),
        (1280, "/lessons/capstone"),
        (1024, "/lessons/zero"),
        (800, "/embed/decode?gpus=8"),
        (800, "/embed/zero"),
        (390, "/calc/kv-cache"),
    ] {
        browser
            .cdp(
                "Emulation.setDeviceMetricsOverride",
                json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
            )
            .unwrap();
        browser.goto(&format!("{base}{path}")).unwrap();
        let outside = wait_script(&browser, RESULTS_FIT, Duration::from_secs(60));
        assert_eq!(outside, json!([]), "{path} at {width} px");
    }
}

#[test]
fn the_kernel_exercise_editor_keeps_its_line_numbers_and_hides_idle_buttons() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser.goto(&format!("{base}/lessons/fusion")).unwrap();
    let state = wait_script(
        &browser,
        "const ed = document.querySelector('.code-editor'); if (!ed) return null; \
         const g = getComputedStyle(ed.querySelector('.gutter')); \
         const t = getComputedStyle(ed.querySelector('textarea')); \
         const shown = id => getComputedStyle(document.querySelector(`[data-testid=${id}]`)).display; \
         return [g.fontSize === t.fontSize && g.lineHeight === t.lineHeight, \
                 shown('kernel-cancel'), shown('kernel-restore')]",
        Duration::from_secs(60),
    );
    // The gutter's lines are the textarea's lines; Stop and Restore are hidden while idle and
    // with nothing to restore (a `hidden` attribute the button style once overrode).
    assert_eq!(state, json!([true, "none", "none"]));
}

#[test]
fn an_embed_loads_in_a_host_page_on_another_origin_and_fits_its_content() {
    let base = e2e::serve_dist();
    let host_dir = std::env::temp_dir().join(format!("roofline-embed-host-{}", std::process::id()));
    std::fs::create_dir_all(&host_dir).unwrap();
    std::fs::write(
        host_dir.join("host.html"),
        format!(
            "<!doctype html><html><head><title>Host</title></head><body>\
             <h1>My course notes</h1>\
             <script src=\"{base}/embed.js\" defer></script>\
             <roofline-lab kind=\"kv-cache\" model=\"llama-2-70b\" tokens=\"4096\" batch=\"1\"></roofline-lab>\
             <p id=\"after\">after the embed</p></body></html>"
        ),
    )
    .unwrap();
    let host_port = xtask::serve::spawn(host_dir, 0).expect("binding a local port");
    let browser = Browser::launch().expect("launching headless Chromium");
    browser
        .goto(&format!("http://127.0.0.1:{host_port}/host.html"))
        .unwrap();
    let src = wait_script(
        &browser,
        "const f = document.querySelector('roofline-lab iframe'); return f ? f.src : null",
        Duration::from_secs(30),
    );
    assert_eq!(
        src,
        json!(format!(
            "{base}/embed/kv-cache?model=llama-2-70b&tokens=4096&batch=1"
        ))
    );
    // The embedded page reports its height and the element resizes the iframe to it (the
    // initial height is 480px; while the app boots the page is a one-line message).
    let height = wait_script(
        &browser,
        "const h = document.querySelector('roofline-lab iframe').style.height; \
         return h !== '480px' && parseFloat(h) > 200 ? h : null",
        Duration::from_secs(60),
    );
    let px: f64 = height
        .as_str()
        .and_then(|h| h.strip_suffix("px"))
        .and_then(|h| h.parse().ok())
        .unwrap_or(0.0);
    assert!(px > 200.0, "embed height {height}");

    // The same embed URL on its own shows the calculator with minimal chrome and its state.
    browser
        .goto(&format!(
            "{base}/embed/kv-cache?model=llama-2-70b&tokens=4096&batch=1"
        ))
        .unwrap();
    let per_token = browser
        .wait_text(
            "[data-testid=result-bytes-per-token]",
            Duration::from_secs(60),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert_eq!(per_token, "328 kB");
    assert_eq!(
        browser
            .script("return document.querySelectorAll('header.top').length")
            .unwrap(),
        json!(0)
    );
}

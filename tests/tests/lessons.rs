//! A lesson in headless Chromium, as a learner would use it: open the KV-cache lesson from the
//! navigation, use its calculator to find the size of one request, answer the exercise with that
//! figure, see it marked correct, and find it still marked after a reload and counted on the
//! lessons index. The answer is read off the calculator, never written into the test.
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

/// Sets an input's value and fires `input`, as typing does.
fn type_in(browser: &Browser, selector: &str, value: &str) {
    let js = format!(
        "const i = document.querySelector({}); i.value = {}; \
         i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true",
        Value::String(selector.into()),
        Value::String(value.into())
    );
    browser.script(&js).unwrap();
}

#[test]
fn a_lesson_exercise_is_answered_marked_correct_and_remembered() {
    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser.goto(&format!("{base}/")).unwrap();
    browser
        .wait_text("h1", Duration::from_secs(60), |t| !t.is_empty())
        .unwrap();
    browser.click("header nav a[href='/lessons']").unwrap();
    let progress = browser
        .wait_text(
            "[data-testid=progress-kv-cache]",
            Duration::from_secs(10),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert!(progress.starts_with("0 of "), "{progress}");
    browser
        .click("[data-testid=lesson-kv-cache] a[href='/lessons/kv-cache']")
        .unwrap();
    let h1 = browser
        .wait_text("article.lesson h1", Duration::from_secs(10), |t| {
            !t.is_empty()
        })
        .unwrap();
    assert!(h1.contains("KV cache"), "{h1}");
    assert_eq!(
        browser.script("return location.pathname").unwrap(),
        json!("/lessons/kv-cache")
    );
    let maths = browser
        .script("return document.querySelectorAll('article.lesson math').length")
        .unwrap();
    assert!(maths.as_u64().unwrap() >= 2, "{maths}");

    // The lesson's calculator, set to one request, gives the size the exercise asks for.
    type_in(
        &browser,
        "[data-testid=widget-kv-cache] [data-testid=input-batch]",
        "1",
    );
    let total = browser
        .wait_text(
            "[data-testid=widget-kv-cache] [data-testid=result-total]",
            Duration::from_secs(10),
            |t| t.ends_with(" GB") && !t.starts_with("21"),
        )
        .unwrap();
    let gb = total.trim_end_matches(" GB");
    // Changing the widget leaves the lesson's address alone.
    assert_eq!(browser.script("return location.search").unwrap(), json!(""));

    let id = "llama70-request";
    type_in(&browser, &format!("[data-testid=answer-{id}]"), "2");
    browser.click(&format!("[data-testid=check-{id}]")).unwrap();
    let fb = browser
        .wait_text(
            &format!("[data-testid=feedback-{id}]"),
            Duration::from_secs(5),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert!(fb.contains("±1%") && fb.contains("GB"), "{fb}");

    type_in(&browser, &format!("[data-testid=answer-{id}]"), gb);
    browser.click(&format!("[data-testid=check-{id}]")).unwrap();
    browser
        .wait_text(
            &format!("[data-testid=feedback-{id}]"),
            Duration::from_secs(5),
            |t| t == "Correct.",
        )
        .unwrap();

    // Remembered across a reload, and counted on the index.
    browser.goto(&format!("{base}/lessons/kv-cache")).unwrap();
    browser
        .wait_text(
            &format!("[data-testid=feedback-{id}]"),
            Duration::from_secs(30),
            |t| t == "Correct.",
        )
        .unwrap();
    wait_script(
        &browser,
        &format!(
            "return document.querySelector('[data-testid=answer-{id}]').value === {}",
            Value::String(gb.into())
        ),
        Duration::from_secs(5),
    );
    browser.goto(&format!("{base}/lessons")).unwrap();
    let progress = browser
        .wait_text(
            "[data-testid=progress-kv-cache]",
            Duration::from_secs(30),
            |t| !t.is_empty(),
        )
        .unwrap();
    assert!(progress.starts_with("1 of "), "{progress}");
}

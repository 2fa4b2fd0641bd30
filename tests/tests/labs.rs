//! A course lab in headless Chromium, as a student would use it: find the shipped example lab
//! from the navigation, follow its checklist into a lesson, answer one exercise correctly, come
//! back to see it ticked, open the lab report and download it as JSON; the file covers exactly
//! the lab's exercises and has that one as done with the answer given, plus the benchmark run
//! kept in the browser and its adapter. The expected answer is
//! computed by the `lessons` crate, never written into the test. A lab that is not on the site
//! gets a message, not a blank page.
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use lessons::lesson::{self, ExerciseKind};
use serde_json::{Value, json};
use std::time::Duration;
use xtask::webdriver::Browser;

const LAB: &str = "week-3-memory-bound";

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

/// The shipped lab's exercises, as `lessons` reads the file in `static/labs/`.
fn lab_exercises() -> Vec<(String, String)> {
    let text = include_str!("../../static/labs/week-3-memory-bound.json");
    let lab = lessons::course_lab::parse(text).unwrap();
    lab.exercises
        .iter()
        .map(|e| (e.lesson.to_string(), e.exercise.clone()))
        .collect()
}

fn expected(lesson_id: &str, exercise_id: &str) -> (f64, String) {
    let l = lesson::parse(lessons::content::find(lesson_id).unwrap().text).unwrap();
    match &l.exercises().find(|e| e.id == exercise_id).unwrap().kind {
        ExerciseKind::Numeric { expected, unit, .. } => (*expected, unit.clone()),
        k => panic!("{k:?}"),
    }
}

#[test]
fn a_student_answers_a_lab_exercise_and_downloads_the_lab_report() {
    let exercises = lab_exercises();
    let total = exercises.len();
    let (lesson_id, id) = ("kv-cache", "llama70-request");
    assert!(exercises.contains(&(lesson_id.into(), id.into())));
    let (value, unit) = expected(lesson_id, id);
    let answer = format!("{value:.4}");

    let base = e2e::serve_dist();
    let browser = Browser::launch().expect("launching headless Chromium");
    browser.goto(&format!("{base}/")).unwrap();
    browser
        .wait_text("h1", Duration::from_secs(60), |t| !t.is_empty())
        .unwrap();
    browser.click("header nav a[href='/labs']").unwrap();
    browser
        .wait_text(
            &format!("[data-testid=lab-{LAB}] h2"),
            Duration::from_secs(10),
            |t| t == "Week 3: memory-bound kernels",
        )
        .unwrap();
    browser
        .click(&format!("[data-testid=lab-{LAB}] a[href='/labs/{LAB}']"))
        .unwrap();
    browser
        .wait_text("[data-testid=lab-progress]", Duration::from_secs(10), |t| {
            t == format!("0 of {total} exercises done")
        })
        .unwrap();

    // The checklist links to the exercise inside its lesson.
    let item = format!("[data-testid=lab-item-{lesson_id}-{id}]");
    assert_eq!(
        browser
            .script(&format!(
                "return document.querySelector('{item}').dataset.done"
            ))
            .unwrap(),
        json!("false")
    );
    browser.click(&format!("{item} a")).unwrap();
    browser
        .wait_text(
            &format!("#exercise-{id} [data-testid=check-{id}]"),
            Duration::from_secs(10),
            |t| t == "Check",
        )
        .unwrap();
    assert_eq!(
        browser
            .script("return location.pathname + location.hash")
            .unwrap(),
        json!(format!("/lessons/{lesson_id}#exercise-{id}"))
    );
    browser
        .script(&format!(
            "const i = document.querySelector('[data-testid=answer-{id}]'); i.value = '{answer}'; \
             i.dispatchEvent(new Event('input', {{ bubbles: true }})); return true"
        ))
        .unwrap();
    browser.click(&format!("[data-testid=check-{id}]")).unwrap();
    browser
        .wait_text(
            &format!("[data-testid=feedback-{id}]"),
            Duration::from_secs(5),
            |t| t == "Correct.",
        )
        .unwrap();

    // The benchmark page keeps its last run in local storage; here that run is a real
    // `lab bench --json` file from an H100 (SwiftShader runs are covered by e2e.rs).
    let run = include_str!("../../bench/results/h100-2026-11-21-issue6/copy.json");
    browser
        .script(&format!(
            "localStorage.setItem('roofline-lab/last-run', {}); return true",
            Value::String(run.into())
        ))
        .unwrap();

    // A fresh load of the lab's address (the server hands /labs/<id> to the app) shows it ticked.
    browser.goto(&format!("{base}/labs/{LAB}")).unwrap();
    browser
        .wait_text("[data-testid=lab-progress]", Duration::from_secs(30), |t| {
            t == format!("1 of {total} exercises done")
        })
        .unwrap();
    assert_eq!(
        browser
            .script(&format!(
                "return document.querySelector('{item}').dataset.done"
            ))
            .unwrap(),
        json!("true")
    );

    // The report page, and its JSON download caught as the blob the page hands the browser.
    browser
        .click(&format!("a[href='/labs/{LAB}/report']"))
        .unwrap();
    browser
        .wait_text(
            "[data-testid=report-summary]",
            Duration::from_secs(10),
            |t| t == format!("1 of {total}"),
        )
        .unwrap();
    let heading = browser.text("main h1").unwrap().unwrap();
    assert_eq!(heading, "Lab report: Week 3: memory-bound kernels");
    let table = browser
        .text("[data-testid=report-measurements] tbody")
        .unwrap()
        .unwrap();
    assert!(
        table.contains("stream/copy") && table.contains("TB/s"),
        "{table}"
    );
    // SwiftShader's adapter, once the page has connected to it.
    let here = browser
        .wait_text(
            "[data-testid=report-browser-adapter]",
            Duration::from_secs(60),
            |t| t != "connecting…",
        )
        .unwrap();
    assert!(!here.starts_with("no WebGPU"), "{here}");
    browser
        .script(
            "window.__report = null; window.__name = null; \
             const create = URL.createObjectURL; \
             URL.createObjectURL = function (b) { b.text().then(t => window.__report = t); \
               return create.call(URL, b); }; \
             const click = HTMLAnchorElement.prototype.click; \
             HTMLAnchorElement.prototype.click = function () { \
               if (this.download) { window.__name = this.download; return; } \
               return click.call(this); }; \
             document.querySelector('[data-testid=download-report]').click(); return true",
        )
        .unwrap();
    let text = wait_script(&browser, "return window.__report", Duration::from_secs(10));
    assert_eq!(
        browser.script("return window.__name").unwrap(),
        json!(format!("roofline-lab-report-{LAB}.json"))
    );
    let report: Value = serde_json::from_str(text.as_str().unwrap()).unwrap();
    assert_eq!(report["schema"], "roofline-lab/report/v1");
    assert_eq!(report["lab"]["id"], LAB);
    assert_eq!(report["lab"]["title"], "Week 3: memory-bound kernels");
    assert_eq!(
        (report["done"].clone(), report["total"].clone()),
        (json!(1), json!(total))
    );
    let listed: Vec<(String, String)> = report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["lesson"].as_str().unwrap().to_string(),
                e["exercise"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, exercises);
    let entry = report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["exercise"] == id)
        .unwrap();
    assert_eq!(entry["status"], "done");
    assert_eq!(entry["answer"], json!(answer));
    assert_eq!(entry["unit"], json!(unit));
    assert!(
        entry["question"].as_str().unwrap().contains("8,192"),
        "{entry}"
    );
    let not_done = report["exercises"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["status"] == "not done")
        .count();
    assert_eq!(not_done, total - 1);
    assert!(report["generated"].as_str().unwrap().ends_with('Z'));
    assert_eq!(report["measurements"][0]["kernel"], "stream/copy");
    assert_eq!(report["measurements"][0]["verified"], true);
    assert!(report["measurements"][0]["gbyte_per_s"].as_f64().unwrap() > 1000.0);
    assert_eq!(report["adapters"][0]["name"], "NVIDIA H100 80GB HBM3");
    assert_eq!(report["browser_adapter"]["backend"], "BrowserWebGpu");
    assert_eq!(report["webgpu_unavailable"], Value::Null);

    // Printed, the report is black on white without the site's chrome or buttons.
    browser
        .cdp("Emulation.setEmulatedMedia", json!({ "media": "print" }))
        .unwrap();
    let printed = browser
        .script(
            "const s = e => getComputedStyle(document.querySelector(e)); \
             return [s('header.top').display, s('[data-testid=download-report]').display, \
                     s('body').color, s('body').backgroundColor, \
                     s('[data-testid=report-exercises]').display]",
        )
        .unwrap();
    assert_eq!(
        printed,
        json!([
            "none",
            "none",
            "rgb(0, 0, 0)",
            "rgb(255, 255, 255)",
            "table"
        ])
    );
    browser
        .cdp("Emulation.setEmulatedMedia", json!({ "media": "" }))
        .unwrap();

    // A lab the site does not have.
    browser.goto(&format!("{base}/labs/no-such-lab")).unwrap();
    let e = browser
        .wait_text("[data-testid=lab-error]", Duration::from_secs(30), |t| {
            !t.is_empty()
        })
        .unwrap();
    assert!(
        e.contains("There is no lab “no-such-lab” on this site"),
        "{e}"
    );
}

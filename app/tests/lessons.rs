//! Component tests of the lesson pages in a real browser: a lesson renders with MathML, its
//! preset calculator and its exercises; a numeric exercise rejects a wrong answer with its
//! tolerance and unit, accepts the answer the models compute, and remembers it.

#![cfg(target_arch = "wasm32")]
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use app::lesson_page::{load_progress, progress_key};
use app::route::Location;
use app::{Nav, Shell};
use leptos::prelude::*;
use lessons::lesson::{self, ExerciseKind};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_at(path: &str) -> web_sys::Element {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let loc = Location::parse(path, "");
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        view! { <Shell nav=Nav::new(loc, false) /> }
    });
    handle.forget();
    root
}

fn find(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

fn text(root: &web_sys::Element, selector: &str) -> String {
    find(root, selector).text_content().unwrap_or_default()
}

fn type_in(root: &web_sys::Element, selector: &str, value: &str) {
    let el = find(root, selector);
    el.dyn_ref::<web_sys::HtmlInputElement>()
        .unwrap()
        .set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    el.dispatch_event(&ev).unwrap();
}

fn click(root: &web_sys::Element, selector: &str) {
    find(root, selector)
        .dyn_ref::<web_sys::HtmlElement>()
        .unwrap()
        .click();
}

fn clear_progress(lesson: &str) {
    let storage = window().local_storage().unwrap().unwrap();
    storage.remove_item(&progress_key(lesson)).unwrap();
}

/// The expected value of a numeric exercise, computed by the lessons crate.
fn expected(lesson_id: &str, exercise_id: &str) -> f64 {
    let src = lessons::content::find(lesson_id).unwrap();
    let l = lesson::parse(src.text).unwrap();
    let e = l.exercises().find(|e| e.id == exercise_id).unwrap();
    match e.kind {
        ExerciseKind::Numeric { expected, .. } => expected,
        ref k => panic!("{k:?}"),
    }
}

#[wasm_bindgen_test]
async fn a_lesson_renders_math_a_preset_widget_and_exercises() {
    let root = mount_at("/lessons/kv-cache");
    leptos::task::tick().await;
    assert!(text(&root, "article.lesson h1").contains("KV cache"));
    assert!(root.query_selector_all("math").unwrap().length() >= 2);
    // Formulas are real MathML elements, not TeX text.
    find(&root, "math[display=block] mtext");
    find(&root, "math msub");
    assert!(!text(&root, "article.lesson").contains("\\cdot"));
    // The calculator is preset from the directive: Llama 2 70B, 8,192 tokens, batch 8.
    let widget = find(&root, "[data-testid=widget-kv-cache]");
    assert_eq!(text(&widget, "[data-testid=result-total]"), "21.5 GB");
    assert!(root.query_selector_all(".exercise").unwrap().length() >= 4);
}

#[wasm_bindgen_test]
async fn a_numeric_exercise_is_checked_and_remembered() {
    clear_progress("kv-cache");
    let root = mount_at("/lessons/kv-cache");
    leptos::task::tick().await;
    let id = "llama70-request";
    type_in(&root, &format!("[data-testid=answer-{id}]"), "1.3");
    click(&root, &format!("[data-testid=check-{id}]"));
    leptos::task::tick().await;
    let fb = text(&root, &format!("[data-testid=feedback-{id}]"));
    assert!(fb.contains("±1%") && fb.contains("GB"), "{fb}");
    assert!(load_progress("kv-cache").is_empty());

    let answer = format!("{:.3}", expected("kv-cache", id));
    type_in(&root, &format!("[data-testid=answer-{id}]"), &answer);
    click(&root, &format!("[data-testid=check-{id}]"));
    leptos::task::tick().await;
    assert_eq!(
        text(&root, &format!("[data-testid=feedback-{id}]")),
        "Correct."
    );
    assert_eq!(load_progress("kv-cache").get(id), Some(&answer));

    // A fresh mount shows it answered, and the index counts it.
    let again = mount_at("/lessons/kv-cache");
    leptos::task::tick().await;
    assert_eq!(
        text(&again, &format!("[data-testid=feedback-{id}]")),
        "Correct."
    );
    let index = mount_at("/lessons");
    leptos::task::tick().await;
    assert!(text(&index, "[data-testid=progress-kv-cache]").starts_with("1 of "));
    clear_progress("kv-cache");
}

#[wasm_bindgen_test]
async fn classify_and_choice_exercises_take_the_picked_option() {
    clear_progress("roofline");
    let root = mount_at("/lessons/roofline");
    leptos::task::tick().await;
    // Intensity 400 on H100 FP8 is left of the FP8 ridge: the models say memory-bound.
    click(&root, "[data-testid=option-fp8-regime-compute-bound]");
    click(&root, "[data-testid=check-fp8-regime]");
    leptos::task::tick().await;
    assert_ne!(text(&root, "[data-testid=feedback-fp8-regime]"), "Correct.");
    click(&root, "[data-testid=option-fp8-regime-memory-bound]");
    click(&root, "[data-testid=check-fp8-regime]");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=feedback-fp8-regime]"), "Correct.");
    // The explanation appears once the answer is right.
    let explain = find(&root, "[data-testid=exercise-fp8-regime] .explain");
    assert!(!explain.has_attribute("hidden"));

    click(&root, "[data-testid=option-next-step-1]");
    click(&root, "[data-testid=check-next-step]");
    leptos::task::tick().await;
    assert_eq!(text(&root, "[data-testid=feedback-next-step]"), "Correct.");
    let saved = load_progress("roofline");
    assert_eq!(
        saved.get("fp8-regime").map(String::as_str),
        Some("memory-bound")
    );
    assert_eq!(saved.get("next-step").map(String::as_str), Some("1"));
    clear_progress("roofline");
}

#[wasm_bindgen_test]
async fn progress_can_be_imported_on_the_index() {
    clear_progress("speculative-decoding");
    let root = mount_at("/lessons");
    leptos::task::tick().await;
    let area = find(&root, "[data-testid=import-progress]");
    area.dyn_ref::<web_sys::HtmlTextAreaElement>()
        .unwrap()
        .set_value(r#"{"speculative-decoding": {"expected-tokens": "2.176", "alpha-for-3": "0"}, "nope": {"x": "1"}}"#);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    area.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    leptos::task::tick().await;
    // Pasting alone imports nothing: the button does.
    assert_eq!(text(&root, "[data-testid=import-message]"), "");
    click(&root, "[data-testid=import-progress-button]");
    leptos::task::tick().await;
    assert_eq!(
        text(&root, "[data-testid=import-message]"),
        "Imported 1 answer for 1 lesson. Left out 2: answers for exercises this site does not \
         have, or not accepted by their exercise."
    );
    assert!(text(&root, "[data-testid=progress-speculative-decoding]").starts_with("1 of "));
    clear_progress("speculative-decoding");
}

#[wasm_bindgen_test]
async fn every_lesson_renders_its_exercises_widgets_and_formulas() {
    for src in lessons::content::LESSONS {
        let l = lesson::parse(src.text).unwrap();
        let root = mount_at(&format!("/lessons/{}", src.id));
        leptos::task::tick().await;
        let page = find(&root, &format!("[data-testid=lesson-page-{}]", src.id));
        assert_eq!(
            page.query_selector_all(".exercise").unwrap().length() as usize,
            l.exercises().count(),
            "{}",
            src.file
        );
        assert_eq!(
            page.query_selector_all(".lesson-widget [data-testid=results]")
                .unwrap()
                .length() as usize,
            l.widgets().count(),
            "{}: a widget shows no results",
            src.file
        );
        assert!(
            page.query_selector_all("math").unwrap().length() > 0,
            "{}",
            src.file
        );
    }
}

//! Component tests of the labs pages in a real browser: a lab's checklist counts what the
//! lessons' stored progress says is done, its report covers exactly its exercises, a bad lab file
//! is refused with a message naming what is wrong, and a lab that does not exist says so.

#![cfg(target_arch = "wasm32")]
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use app::labs::IMPORTED_KEY;
use app::lesson_page::progress_key;
use app::route::Location;
use app::{Nav, Shell};
use leptos::prelude::*;
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

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits up to 10 s for `selector` to appear (labs load asynchronously) and returns it.
async fn wait_for(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    for _ in 0..200 {
        leptos::task::tick().await;
        if let Some(el) = root.query_selector(selector).unwrap() {
            return el;
        }
        sleep(50).await;
    }
    panic!("no {selector} in {}", root.inner_html());
}

fn text(el: &web_sys::Element) -> String {
    el.text_content().unwrap_or_default()
}

fn storage() -> web_sys::Storage {
    window().local_storage().unwrap().unwrap()
}

const LAB: &str = r#"{
  "title": "Test lab",
  "due": "Friday",
  "items": [
    {"lesson": "roofline", "exercises": ["ridge-custom", "next-step"],
     "thresholds": {"next-step": 0.6}},
    {"lesson": "zero", "exercises": []},
    {"lesson": "kv-cache", "exercises": ["llama70-request"]}
  ]
}"#;

#[wasm_bindgen_test]
async fn a_lab_checklist_counts_done_exercises_and_its_report_covers_exactly_the_lab() {
    storage().set_item(IMPORTED_KEY, LAB).unwrap();
    storage()
        .set_item(
            &progress_key("roofline"),
            r#"{"ridge-custom": "33.3", "fp8-regime": "x"}"#,
        )
        .unwrap();
    storage().remove_item(&progress_key("kv-cache")).unwrap();

    let root = mount_at("/labs/imported");
    let progress = wait_for(&root, "[data-testid=lab-progress]").await;
    assert_eq!(text(&progress), "1 of 3 exercises done");
    assert_eq!(
        text(&wait_for(&root, "[data-testid=lab-title]").await),
        "Test lab"
    );
    let items: Vec<(String, String)> = {
        let list = root.query_selector_all("[data-testid^=lab-item-]").unwrap();
        (0..list.length())
            .map(|i| {
                let el: web_sys::Element = list.item(i).unwrap().unchecked_into();
                (
                    el.get_attribute("data-testid").unwrap(),
                    el.get_attribute("data-done").unwrap(),
                )
            })
            .collect()
    };
    let expect = [
        ("lab-item-roofline-ridge-custom", "true"),
        ("lab-item-roofline-next-step", "false"),
        ("lab-item-kv-cache-llama70-request", "false"),
    ];
    assert_eq!(
        items,
        expect.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
    let next = wait_for(&root, "[data-testid=lab-item-roofline-next-step]").await;
    assert!(text(&next).contains("threshold 60.0%"), "{}", text(&next));
    // Each item links to its exercise's anchor in the lesson.
    let link = wait_for(&root, "[data-testid=lab-item-kv-cache-llama70-request] a").await;
    assert_eq!(
        link.get_attribute("href").unwrap(),
        "/lessons/kv-cache#exercise-llama70-request"
    );

    let root = mount_at("/labs/imported/report");
    let summary = wait_for(&root, "[data-testid=report-summary]").await;
    assert_eq!(text(&summary), "1 of 3");
    let rows = root
        .query_selector_all("[data-testid=report-exercises] tbody tr")
        .unwrap();
    assert_eq!(rows.length(), 3);
    let done = wait_for(&root, "[data-testid=report-row-roofline-ridge-custom]").await;
    assert_eq!(done.get_attribute("data-status").unwrap(), "done");
    assert!(text(&done).contains("33.3 FLOP/B"), "{}", text(&done));
    assert!(text(&root).contains("Lab report: Test lab"));
}

#[wasm_bindgen_test]
async fn a_bad_lab_file_is_refused_with_what_is_wrong() {
    storage().remove_item(IMPORTED_KEY).unwrap();
    let root = mount_at("/labs");
    let paste = wait_for(&root, "[data-testid=lab-paste]").await;
    let message = wait_for(&root, "[data-testid=lab-import-message]").await;
    let import = |value: &str| {
        paste
            .dyn_ref::<web_sys::HtmlTextAreaElement>()
            .unwrap()
            .set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
        paste.dispatch_event(&ev).unwrap();
        root.query_selector("[data-testid=lab-import]")
            .unwrap()
            .unwrap()
            .unchecked_into::<web_sys::HtmlElement>()
            .click();
    };

    import(r#"{"title": "T", "items": [{"lesson": "roofs"}]}"#);
    leptos::task::tick().await;
    let m = text(&message);
    assert!(
        m.starts_with("Could not import the lab file: unknown lesson 'roofs'; the lessons are: "),
        "{m}"
    );
    import("{ not json");
    leptos::task::tick().await;
    assert!(
        text(&message).starts_with("Could not import the lab file: not a lab file: "),
        "{}",
        text(&message)
    );
    assert!(storage().get_item(IMPORTED_KEY).unwrap().is_none());

    import(LAB);
    leptos::task::tick().await;
    assert_eq!(text(&message), "Imported “Test lab”: 3 exercises.");
    assert_eq!(
        storage().get_item(IMPORTED_KEY).unwrap().as_deref(),
        Some(LAB)
    );
    assert!(text(&wait_for(&root, "[data-testid=lab-imported]").await).contains("Test lab"));
}

#[wasm_bindgen_test]
async fn a_lab_that_is_not_there_says_so() {
    // The test runner's server has no /labs/: the fetch gets a 404.
    let root = mount_at("/labs/no-such-lab");
    let e = text(&wait_for(&root, "[data-testid=lab-error]").await);
    assert!(
        e.contains(
            "There is no lab “no-such-lab” on this site (/labs/no-such-lab.json was not found)."
        ),
        "{e}"
    );
    let root = mount_at("/labs/Bad_Id/report");
    let e = text(&wait_for(&root, "[data-testid=lab-error]").await);
    assert!(e.contains("“Bad_Id” is not a lab id"), "{e}");
    storage().set_item(IMPORTED_KEY, "{\"title\": 1}").unwrap();
    let root = mount_at("/labs/imported");
    let e = text(&wait_for(&root, "[data-testid=lab-error]").await);
    assert!(
        e.contains("The imported lab file is invalid: not a lab file:"),
        "{e}"
    );
}

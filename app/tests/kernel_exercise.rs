//! Component tests of the kernel exercise card in a real browser (headless Chromium, SwiftShader
//! WebGPU): Tab in the editor, Reset with undo, the code surviving a remount, a compile error
//! listed with line and column, a correct solution graded against a roof, and the card without
//! WebGPU.

#![cfg(target_arch = "wasm32")]
// Test helpers: a failed DOM call is a failed test, and unwrap says where.
#![allow(clippy::unwrap_used)]

use app::gpu_panel::GpuContext;
use app::kernel_exercise::{KernelExerciseCard, ROOFS_KEY, StoredRoof, draft_key, previous_key};
use app::lesson_page::progress_key;
use kernels::{Shape, TimingOptions};
use leptos::prelude::*;
use lessons::lesson::{self, Exercise, ExerciseKind};
use std::collections::BTreeMap;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const LESSON: &str = "fusion";
const EXERCISE: &str = "copy-kernel";

fn exercise() -> Exercise {
    let src = lessons::content::find(LESSON).unwrap();
    lesson::parse(src.text)
        .unwrap()
        .exercises()
        .find(|e| e.id == EXERCISE)
        .unwrap()
        .clone()
}

fn storage() -> web_sys::Storage {
    window().local_storage().unwrap().unwrap()
}

fn clear() {
    let s = storage();
    for key in [
        draft_key(LESSON, EXERCISE),
        previous_key(LESSON, EXERCISE),
        progress_key(LESSON),
        ROOFS_KEY.to_string(),
    ] {
        s.remove_item(&key).unwrap();
    }
}

/// Mounts the card alone; `ctx` decides whether there is a GPU.
fn mount(ctx: Option<GpuContext>) -> web_sys::Element {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let handle = leptos::mount::mount_to(root.clone().unchecked_into(), move || {
        if let Some(c) = ctx {
            provide_context(c);
        }
        view! {
            <KernelExerciseCard
                lesson_id=LESSON
                exercise=exercise()
                number=1
                saved=None
                size=Shape::Stream { elements: (1 << 16) + 5 }
                timing=TimingOptions::quick()
            />
        }
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

fn editor(root: &web_sys::Element) -> web_sys::HtmlTextAreaElement {
    find(root, "[data-testid=kernel-editor]").unchecked_into()
}

fn click(root: &web_sys::Element, selector: &str) {
    find(root, selector)
        .unchecked_into::<web_sys::HtmlElement>()
        .click();
}

fn type_code(root: &web_sys::Element, code: &str) {
    let area = editor(root);
    area.set_value(code);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let ev = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    area.dispatch_event(&ev).unwrap();
}

fn key(root: &web_sys::Element, name: &str) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(name);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    editor(root).dispatch_event(&ev).unwrap()
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

/// Waits until `selector` exists (GPU work is asynchronous), up to about a minute.
async fn wait_for(root: &web_sys::Element, selector: &str) {
    for _ in 0..600 {
        if root.query_selector(selector).unwrap().is_some() {
            return;
        }
        sleep(100).await;
    }
    panic!("{selector} never appeared: {}", root.inner_html());
}

fn starter() -> &'static str {
    match exercise().kind {
        ExerciseKind::Kernel(t) => t.starter,
        k => panic!("{k:?}"),
    }
}

fn solution() -> &'static str {
    match exercise().kind {
        ExerciseKind::Kernel(t) => t.solution,
        k => panic!("{k:?}"),
    }
}

#[wasm_bindgen_test]
async fn tab_indents_and_escape_lets_the_keyboard_leave() {
    clear();
    let root = mount(Some(GpuContext::unavailable("test")));
    leptos::task::tick().await;
    type_code(&root, "fn main() {\n}");
    let area = editor(&root);
    area.set_selection_range(12, 12).unwrap();
    // Tab is taken by the editor: four spaces at the caret, the default prevented.
    assert!(!key(&root, "Tab"), "Tab was not prevented");
    assert_eq!(area.value(), "fn main() {\n    }");
    assert_eq!(area.selection_start().unwrap(), Some(16));
    // Saved as typed.
    assert_eq!(
        storage().get_item(&draft_key(LESSON, EXERCISE)).unwrap(),
        Some("fn main() {\n    }".to_string())
    );
    // After Esc, Tab is the browser's again (moves focus) and the text is unchanged.
    key(&root, "Escape");
    assert!(key(&root, "Tab"), "Tab after Esc was prevented");
    assert_eq!(area.value(), "fn main() {\n    }");
    // The gutter numbers every line.
    leptos::task::tick().await;
    assert_eq!(text(&root, ".gutter"), "1\n2");
    // Hint text tells keyboard users how to leave.
    assert!(text(&root, ".kernel-exercise").contains("press Esc and then Tab"));
}

#[wasm_bindgen_test]
async fn reset_restores_the_starter_and_can_be_undone_and_code_survives_a_remount() {
    clear();
    let root = mount(Some(GpuContext::unavailable("test")));
    leptos::task::tick().await;
    assert_eq!(editor(&root).value(), starter());
    type_code(&root, "// my work");
    click(&root, "[data-testid=kernel-reset]");
    leptos::task::tick().await;
    assert_eq!(editor(&root).value(), starter());
    let restore = find(&root, "[data-testid=kernel-restore]");
    assert!(!restore.has_attribute("hidden"));
    click(&root, "[data-testid=kernel-restore]");
    leptos::task::tick().await;
    assert_eq!(editor(&root).value(), "// my work");
    // A new card (a reload) starts from the saved code.
    let again = mount(Some(GpuContext::unavailable("test")));
    leptos::task::tick().await;
    assert_eq!(editor(&again).value(), "// my work");
    // Without WebGPU the card says so and Run is disabled, but the editor works.
    assert!(text(&again, "[data-testid=kernel-no-webgpu]").contains("no WebGPU"));
    assert!(find(&again, "[data-testid=kernel-run]").has_attribute("disabled"));
    // Reveal asks first, then loads the solution; the student's version stays restorable.
    click(&again, "[data-testid=kernel-reveal]");
    leptos::task::tick().await;
    assert_eq!(editor(&again).value(), "// my work");
    click(&again, "[data-testid=kernel-reveal-yes]");
    leptos::task::tick().await;
    assert_eq!(editor(&again).value(), solution());
    assert_eq!(
        storage().get_item(&previous_key(LESSON, EXERCISE)).unwrap(),
        Some("// my work".to_string())
    );
    // Hints come one at a time.
    assert!(
        again
            .query_selector("[data-testid=hint-0]")
            .unwrap()
            .is_none()
    );
    click(&again, "[data-testid=kernel-hint]");
    leptos::task::tick().await;
    assert!(text(&again, "[data-testid=hint-0]").contains("params.stride"));
    assert!(
        again
            .query_selector("[data-testid=hint-1]")
            .unwrap()
            .is_none()
    );
}

#[wasm_bindgen_test]
async fn a_compile_error_is_listed_with_line_and_column_and_the_code_is_kept() {
    clear();
    let root = mount(None);
    wait_for(&root, "[data-testid=kernel-run]:not([disabled])").await;
    let broken = solution().replace("dst[i] = src[i];", "dst[i] = srcc[i];");
    let line = broken.lines().position(|l| l.contains("srcc")).unwrap() + 1;
    let column = broken.lines().nth(line - 1).unwrap().find("srcc").unwrap() + 1;
    type_code(&root, &broken);
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=compile-errors]").await;
    let errors = text(&root, "[data-testid=compile-errors]");
    assert!(
        errors.contains(&format!("line {line}:{column}")),
        "{errors}"
    );
    assert_eq!(editor(&root).value(), broken);
    // Clicking the position puts the caret there.
    click(&root, "[data-testid=compile-at]");
    let caret = editor(&root).selection_start().unwrap().unwrap() as usize;
    let prefix =
        String::from_utf16(&broken.encode_utf16().take(caret).collect::<Vec<_>>()).unwrap();
    assert!(prefix.ends_with("dst[i] = "), "caret after {prefix:?}");
}

#[wasm_bindgen_test]
async fn a_correct_solution_is_graded_against_the_roof_and_remembered() {
    clear();
    let ctx = GpuContext::new();
    let root = mount(Some(ctx));
    wait_for(&root, "[data-testid=kernel-run]:not([disabled])").await;
    type_code(&root, solution());
    // First run: no roof known for this adapter, so the card measures the copy bandwidth on the
    // spot and keeps it.
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=kernel-result]").await;
    let correct = text(&root, "[data-testid=kernel-correct]");
    assert!(correct.starts_with("yes"), "{correct}");
    assert!(text(&root, "[data-testid=kernel-achieved]").contains("B/s"));
    let roof = text(&root, "[data-testid=kernel-roof]");
    assert!(roof.contains("your copy bandwidth"), "{roof}");
    assert!(roof.contains("measured by an exercise on"), "{roof}");
    assert!(text(&root, "[data-testid=kernel-fraction]").contains("goal 50.0%"));
    let mut stored: BTreeMap<String, StoredRoof> =
        serde_json::from_str(&storage().get_item(ROOFS_KEY).unwrap().unwrap()).unwrap();
    let measured = stored["copy-bandwidth"].clone();
    assert!(measured.value > 0.0);
    // Second run against a roof this small that any correct copy meets the goal: the exercise
    // is passed and the outcome stored as its answer.
    stored.insert(
        "copy-bandwidth".into(),
        StoredRoof {
            value: 1e-6,
            ..measured
        },
    );
    storage()
        .set_item(ROOFS_KEY, &serde_json::to_string(&stored).unwrap())
        .unwrap();
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=kernel-result] .verdict").await;
    for _ in 0..600 {
        if text(&root, "[data-testid=kernel-verdict]").starts_with("Correct and fast") {
            break;
        }
        sleep(100).await;
    }
    assert_eq!(
        text(&root, "[data-testid=kernel-verdict]"),
        "Correct and fast enough: exercise done."
    );
    let progress = storage().get_item(&progress_key(LESSON)).unwrap().unwrap();
    assert!(progress.contains("copy-kernel"), "{progress}");
    assert!(
        find(&root, ".kernel-exercise")
            .class_list()
            .contains("correct")
    );
}

#[wasm_bindgen_test]
async fn a_wrong_kernel_is_correctly_called_wrong() {
    clear();
    let root = mount(None);
    wait_for(&root, "[data-testid=kernel-run]:not([disabled])").await;
    // Doubles every value: compiles, fits the harness, and fails the comparison with the CPU
    // reference. (Writing zeros would leave `src` unused, which the harness reports instead.)
    type_code(
        &root,
        &solution().replace("dst[i] = src[i];", "dst[i] = 2.0 * src[i];"),
    );
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=kernel-result]").await;
    assert!(text(&root, "[data-testid=kernel-correct]").starts_with("no: element"));
    assert!(text(&root, "[data-testid=kernel-verdict]").starts_with("Not correct yet"));
}

#[wasm_bindgen_test]
async fn a_lost_device_is_shown_with_reconnect_and_reconnecting_gives_a_working_device() {
    clear();
    let ctx = GpuContext::new();
    let root = mount(Some(ctx));
    wait_for(&root, "[data-testid=kernel-run]:not([disabled])").await;
    type_code(&root, solution());
    // Reconnecting replaces the device, and the card runs on the new one.
    ctx.reconnect();
    leptos::task::tick().await;
    wait_for(&root, "[data-testid=kernel-run]:not([disabled])").await;
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=kernel-result]").await;
    assert!(text(&root, "[data-testid=kernel-correct]").starts_with("yes"));
    // What a runaway kernel or a driver reset does to a device: the run fails as a loss, with
    // a Reconnect button, and the code is kept. (In headless Chromium with SwiftShader a new
    // device is not granted after destroy(), so reconnecting is checked above instead.)
    ctx.gpu.get_value().unwrap().device.destroy();
    sleep(200).await;
    click(&root, "[data-testid=kernel-run]");
    wait_for(&root, "[data-testid=reconnect]").await;
    assert!(text(&root, "[data-testid=kernel-error]").contains("lost"));
    assert_eq!(editor(&root).value(), solution(), "the code survives");
}

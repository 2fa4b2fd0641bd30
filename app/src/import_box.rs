//! How a page takes a JSON file from its reader: a file picker, or the file's text pasted into
//! a box and imported with a button (pasting alone imports nothing, so half a paste is never
//! read). The labs page and the lessons index use it.

use crate::browser;
use leptos::prelude::*;

/// A file picker, a paste box and its button.
#[component]
pub fn ImportBox(
    /// The picker's text (`Choose a lab file`).
    file_label: &'static str,
    /// The paste box's label (`Or paste its text`).
    paste_label: &'static str,
    /// The button's text.
    button_label: &'static str,
    /// Element id of the paste box, for its label.
    paste_id: &'static str,
    /// `data-testid`s of the picker, the paste box and the button.
    test_ids: [&'static str; 3],
    /// Called with the text of the chosen file, or the pasted text.
    on_text: Callback<String>,
    /// Called with why a chosen file could not be read.
    on_read_error: Callback<String>,
) -> impl IntoView {
    let pasted = RwSignal::new(String::new());
    let on_file = move |ev: leptos::ev::Event| {
        browser::read_file_from_event(&ev, move |result| match result {
            Ok(text) => on_text.run(text),
            Err(e) => on_read_error.run(e),
        });
    };
    let [file_id, paste_test_id, button_id] = test_ids;
    view! {
        <div class="actions">
            <label class="file secondary">
                {file_label}
                <input type="file" accept=".json,application/json" data-testid=file_id on:change=on_file />
            </label>
        </div>
        <label for=paste_id>{paste_label}</label>
        <textarea
            id=paste_id
            rows=4
            data-testid=paste_test_id
            prop:value=move || pasted.get()
            on:input=move |ev| pasted.set(event_target_value(&ev))
        ></textarea>
        <div class="actions">
            <button
                type="button"
                class="secondary"
                data-testid=button_id
                on:click=move |_| on_text.run(pasted.get_untracked())
            >
                {button_label}
            </button>
        </div>
    }
}

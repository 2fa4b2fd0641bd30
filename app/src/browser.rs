//! The few browser APIs the app uses, wrapped so pages stay declarative: history, local storage,
//! file downloads and uploads, the clipboard. Every call degrades quietly where an API is missing
//! (a locked-down iframe, a private window): the app keeps working without it.

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The current path and query (`/calc/zero`, `?stage=2`).
pub fn current_location() -> (String, String) {
    window()
        .map(|w| {
            let l = w.location();
            (
                l.pathname().unwrap_or_else(|_| "/".into()),
                l.search().unwrap_or_default(),
            )
        })
        .unwrap_or_else(|| ("/".into(), String::new()))
}

/// The page's origin (`http://127.0.0.1:8080`), for embed snippets.
pub fn origin() -> String {
    window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

fn history() -> Option<web_sys::History> {
    window().and_then(|w| w.history().ok())
}

/// Adds a history entry for an app path.
pub fn push_state(href: &str) {
    if let Some(h) = history() {
        let _ = h.push_state_with_url(&JsValue::NULL, "", Some(href));
    }
}

/// Replaces the current history entry.
pub fn replace_state(href: &str) {
    if let Some(h) = history() {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(href));
    }
}

/// Brings the element with this id into view (after following a link with a fragment).
pub fn scroll_to_id(id: &str) {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        el.scroll_into_view();
    }
}

/// The current fragment without `#` (`exercise-next-step`), or empty.
pub fn current_hash() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(w) = window() {
        let _ = w.print();
    }
}

/// The current time as ISO 8601 in UTC (`2026-11-21T23:40:00.000Z`), from the browser's clock.
pub fn now_iso() -> String {
    js_sys::Date::new_0()
        .to_iso_string()
        .as_string()
        .unwrap_or_default()
}

/// Why [`fetch_text`] found no text.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The server answered with an error status (`404 Not Found`).
    Status(u16, String),
    /// No answer at all (offline, blocked) or an unreadable body.
    Network(String),
}

/// GETs a URL of this site and returns its body as text.
pub async fn fetch_text(url: &str) -> Result<String, FetchError> {
    let w = window().ok_or_else(|| FetchError::Network("no window".into()))?;
    let response = wasm_bindgen_futures::JsFuture::from(w.fetch_with_str(url))
        .await
        .map_err(|e| FetchError::Network(format!("{e:?}")))?
        .dyn_into::<web_sys::Response>()
        .map_err(|_| FetchError::Network("not a response".into()))?;
    if !response.ok() {
        return Err(FetchError::Status(
            response.status(),
            response.status_text(),
        ));
    }
    let promise = response
        .text()
        .map_err(|_| FetchError::Network("unreadable body".into()))?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .ok()
        .and_then(|t| t.as_string())
        .ok_or_else(|| FetchError::Network("the body is not text".into()))
}

/// Scrolls to the top after navigating.
pub fn scroll_top() {
    if let Some(w) = window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Calls `f(path, search)` on back/forward navigation, for the life of the page.
pub fn on_popstate(f: impl Fn(String, String) + 'static) {
    let Some(w) = window() else { return };
    let cb = Closure::<dyn Fn()>::new(move || {
        let (p, s) = current_location();
        f(p, s);
    });
    let _ = w.add_event_listener_with_callback("popstate", cb.as_ref().unchecked_ref());
    cb.forget();
}

fn storage() -> Option<web_sys::Storage> {
    window().and_then(|w| w.local_storage().ok().flatten())
}

/// Reads a local-storage item.
pub fn load(key: &str) -> Option<String> {
    storage().and_then(|s| s.get_item(key).ok().flatten())
}

/// Writes a local-storage item; false when storage is unavailable or full.
pub fn save(key: &str, value: &str) -> bool {
    storage().is_some_and(|s| s.set_item(key, value).is_ok())
}

/// Removes a local-storage item.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Offers `url` (a data: or blob: URL) as a download named `filename`.
pub fn download_url(filename: &str, url: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(a) = doc.create_element("a") else {
        return;
    };
    let _ = a.set_attribute("href", url);
    let _ = a.set_attribute("download", filename);
    if let Some(a) = a.dyn_ref::<web_sys::HtmlElement>() {
        a.click();
    }
}

/// Offers `text` as a download.
pub fn download_text(filename: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    if let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) {
        download_url(filename, &url);
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// Copies text to the clipboard; resolves to whether it worked.
pub async fn copy(text: &str) -> bool {
    let Some(w) = window() else { return false };
    let p = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(p).await.is_ok()
}

/// The text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Result<String, String> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or("no file chosen")?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map_err(|_| "the file could not be read".to_string())?;
    text.as_string()
        .ok_or_else(|| "the file is not text".into())
}

/// For a file input's `change` event: reads the chosen file and hands its text, or why it could
/// not be read, to `then`. The input is cleared, so that choosing the same file again imports it
/// again.
pub fn read_file_from_event(
    ev: &web_sys::Event,
    then: impl FnOnce(Result<String, String>) + 'static,
) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let result = read_chosen_file(&input).await;
        input.set_value("");
        then(result);
    });
}

/// Renders an `<svg>` element to a PNG and offers it as a download (white background, 2× scale).
pub fn download_svg_as_png(svg: &web_sys::Element, filename: &'static str) {
    let Ok(xml) = web_sys::XmlSerializer::new().and_then(|s| s.serialize_to_string(svg)) else {
        return;
    };
    let url = format!(
        "data:image/svg+xml;charset=utf-8,{}",
        js_sys::encode_uri_component(&xml)
    );
    let Ok(img) = web_sys::HtmlImageElement::new() else {
        return;
    };
    let (w, h) = (1280u32, 720u32);
    let img2 = img.clone();
    let onload = Closure::once_into_js(move || {
        let Some(doc) = window().and_then(|w| w.document()) else {
            return;
        };
        let Some(canvas) = doc
            .create_element("canvas")
            .ok()
            .and_then(|c| c.dyn_into::<web_sys::HtmlCanvasElement>().ok())
        else {
            return;
        };
        canvas.set_width(w);
        canvas.set_height(h);
        let Some(ctx) = canvas
            .get_context("2d")
            .ok()
            .flatten()
            .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
        else {
            return;
        };
        ctx.set_fill_style_str("#ffffff");
        ctx.fill_rect(0.0, 0.0, f64::from(w), f64::from(h));
        let _ = ctx.draw_image_with_html_image_element_and_dw_and_dh(
            &img2,
            0.0,
            0.0,
            f64::from(w),
            f64::from(h),
        );
        if let Ok(png) = canvas.to_data_url_with_type("image/png") {
            download_url(filename, &png);
        }
    });
    img.set_onload(Some(onload.unchecked_ref()));
    img.set_src(&url);
}

/// Sets `data-theme` on the root element (`light`, `dark`; empty follows the system).
pub fn set_theme(theme: &str) {
    let Some(root) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let _ = if theme.is_empty() {
        root.remove_attribute("data-theme")
    } else {
        root.set_attribute("data-theme", theme)
    };
}

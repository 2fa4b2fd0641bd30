//! Roofline Lab in the browser: Leptos, client-side rendered.
//!
//! Architecture invariant: components here call into `kernels` (GPU work) and `lessons` (models);
//! they hold UI state only. `main.rs` does nothing but mount [`App`].
//!
//! Code map: [`route`] and [`query`] parse the URL (pure); [`calc`] describes the calculators
//! (pure); [`charts`], [`roofline`] and [`sweep`] draw; [`calc_view`], [`bench`], [`kernel_page`],
//! [`lesson_page`], [`labs`] and [`pages`] are the pages; [`report`] builds lab reports (pure); [`gpu_panel`] owns the WebGPU connection; [`browser`] wraps the few
//! browser APIs used (history, storage, downloads, clipboard).

pub mod bench;
pub mod browser;
pub mod calc;
pub mod calc_view;
pub mod charts;
pub mod format;
pub mod gpu_panel;
pub mod import_box;
pub mod kernel_exercise;
pub mod kernel_page;
pub mod labs;
pub mod lesson_page;
pub mod pages;
pub mod query;
pub mod report;
pub mod roofline;
pub mod route;
pub mod sweep;

use leptos::prelude::*;
use route::{Location, Page};

/// The router: the current location, and how to move.
#[derive(Clone, Copy)]
pub struct Nav {
    /// Where the app is.
    pub location: RwSignal<Location>,
    /// Whether moves update the browser's address bar (off in component tests).
    pub sync_url: bool,
}

impl Nav {
    /// A router starting at `location`.
    pub fn new(location: Location, sync_url: bool) -> Nav {
        Nav {
            location: RwSignal::new(location),
            sync_url,
        }
    }

    /// Goes to an app path (`/calc/zero?stage=2`), adding a history entry.
    pub fn go(&self, href: &str) {
        let (href, fragment) = href.split_once('#').unwrap_or((href, ""));
        let (path, search) = href.split_once('?').unwrap_or((href, ""));
        let loc = Location::parse(path, search);
        if self.sync_url {
            if fragment.is_empty() {
                browser::push_state(&loc.href());
            } else {
                browser::push_state(&format!("{}#{fragment}", loc.href()));
            }
            browser::scroll_top();
        }
        self.location.set(loc);
        if !fragment.is_empty() {
            scroll_to_fragment(fragment.to_string());
        }
    }

    /// Replaces the query parameters of the current page (calculator inputs), without a new
    /// history entry: the address bar is always a permalink of what is on screen.
    pub fn set_params(&self, params: query::Params) {
        self.location.update(|l| l.params = params);
        if self.sync_url {
            browser::replace_state(&self.location.with_untracked(Location::href));
        }
    }
}

/// Scrolls to an element once the page that holds it has rendered (the next task, after the
/// reactive updates).
fn scroll_to_fragment(id: String) {
    set_timeout(
        move || browser::scroll_to_id(&id),
        std::time::Duration::from_millis(0),
    );
}

/// A link inside the app: a real `<a href>` (open in new tab works) that navigates in place.
#[component]
pub fn Link(
    /// App path, with query if any.
    href: String,
    /// Extra class names.
    #[prop(optional, into)]
    class: String,
    /// The link text and content.
    children: Children,
) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let target = href.clone();
    view! {
        <a
            href=href
            class=class
            on:click=move |ev: leptos::ev::MouseEvent| {
                if ev.button() == 0 && !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key() && !ev.alt_key() {
                    ev.prevent_default();
                    nav.go(&target);
                }
            }
        >
            {children()}
        </a>
    }
}

/// The whole app at the browser's current URL.
#[component]
pub fn App() -> impl IntoView {
    let (path, search) = browser::current_location();
    let nav = Nav::new(Location::parse(&path, &search), true);
    browser::on_popstate(move |path, search| nav.location.set(Location::parse(&path, &search)));
    // A link opened in a new tab (`/lessons/roofline#exercise-next-step`) loads before its target
    // exists, so the browser cannot scroll to it by itself.
    let hash = browser::current_hash();
    if !hash.is_empty() {
        scroll_to_fragment(hash);
    }
    view! { <Shell nav=nav /> }
}

/// The page for a location, with or without the site chrome (embeds have none).
#[component]
pub fn Shell(
    /// The router.
    nav: Nav,
) -> impl IntoView {
    provide_context(nav);
    let gpu = gpu_panel::GpuContext::new();
    provide_context(gpu);
    let page = Memo::new(move |_| nav.location.with(|l| l.page.clone()));
    let embed = move || matches!(page.get(), Page::Embed(_));
    // The tab title names the page, so history and bookmarks are readable.
    Effect::new(move |_| {
        let name = match page.get() {
            Page::Home => String::new(),
            Page::Bench => "Benchmark my GPU".into(),
            Page::Kernels => "Kernels".into(),
            Page::Calculators => "Calculators".into(),
            Page::Calc(id) | Page::Embed(id) => calc::find(&id)
                .map(|c| c.title.to_string())
                .unwrap_or_else(|| "No such calculator".into()),
            Page::EmbedHelp => "Embed".into(),
            Page::Lessons => "Lessons".into(),
            Page::Lesson(id) => lessons::content::find(&id)
                .and_then(|s| lessons::lesson::parse(s.text).ok())
                .map(|l| l.title)
                .unwrap_or_else(|| "No such lesson".into()),
            Page::Labs => "Labs".into(),
            Page::Lab(id) => format!("Lab {id}"),
            Page::LabReport(id) => format!("Report of lab {id}"),
            Page::Report => "Lab report".into(),
            Page::NotFound(_) => "Not found".into(),
        };
        let title = if name.is_empty() {
            "Roofline Lab".to_string()
        } else {
            format!("{name} · Roofline Lab")
        };
        if nav.sync_url {
            document().set_title(&title);
        }
    });
    let body = move || match page.get() {
        Page::Home => view! { <pages::Home /> }.into_any(),
        Page::Bench => view! { <bench::BenchPage /> }.into_any(),
        Page::Kernels => view! { <kernel_page::KernelPage /> }.into_any(),
        Page::Calculators => view! { <pages::CalculatorList /> }.into_any(),
        Page::Calc(id) => view! { <calc_view::CalcRoute id=id embed=false /> }.into_any(),
        Page::Embed(id) => view! { <calc_view::CalcRoute id=id embed=true /> }.into_any(),
        Page::EmbedHelp => view! { <pages::EmbedHelp /> }.into_any(),
        Page::Lessons => view! { <lesson_page::LessonIndex /> }.into_any(),
        Page::Lesson(id) => view! { <lesson_page::LessonRoute id=id /> }.into_any(),
        Page::Labs => view! { <labs::LabsPage /> }.into_any(),
        Page::Lab(id) => view! { <labs::LabRoute id=id /> }.into_any(),
        Page::LabReport(id) => view! { <labs::LabReportRoute id=id /> }.into_any(),
        Page::Report => view! { <labs::AllLessonsReport /> }.into_any(),
        Page::NotFound(p) => view! { <pages::NotFound path=p /> }.into_any(),
    };
    view! {
        <Show when=move || !embed()>
            <a class="skip" href="#main">"Skip to content"</a>
            <header class="top">
                <Link href="/".into() class="brand">"Roofline Lab"</Link>
                <nav aria-label="Main">
                    <ul>
                        <li><Link href="/lessons".into()>"Lessons"</Link></li>
                        <li><Link href="/labs".into()>"Labs"</Link></li>
                        <li><Link href="/calc".into()>"Calculators"</Link></li>
                        <li><Link href="/bench".into()>"Benchmark my GPU"</Link></li>
                        <li><Link href="/kernels".into()>"Kernels"</Link></li>
                        <li><Link href="/embed".into()>"Embed"</Link></li>
                    </ul>
                </nav>
                <ThemeButton />
            </header>
        </Show>
        <main id="main" class:embed=embed>{body}</main>
    }
}

/// Cycles the colour theme: the system's, light, dark. Kept in local storage; `index.html`
/// applies it before the first paint.
#[component]
pub fn ThemeButton() -> impl IntoView {
    let theme = RwSignal::new(browser::load(THEME_KEY).unwrap_or_default());
    let label = move || match theme.get().as_str() {
        "light" => "Theme: light",
        "dark" => "Theme: dark",
        _ => "Theme: system",
    };
    let next = move |_| {
        let t = match theme.get_untracked().as_str() {
            "" => "light",
            "light" => "dark",
            _ => "",
        };
        browser::set_theme(t);
        browser::save(THEME_KEY, t);
        theme.set(t.to_string());
    };
    view! {
        <button type="button" class="secondary theme" data-testid="theme" on:click=next aria-live="polite">
            {label}
        </button>
    }
}

/// Local-storage key of the chosen theme (`light`, `dark`, or empty for the system's).
pub const THEME_KEY: &str = "roofline-lab/theme";

/// Mounts the app on the page body.
pub fn mount() {
    leptos::mount::mount_to_body(App);
}

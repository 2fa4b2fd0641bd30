//! The calculator page, one component for all calculators: inputs from the URL, inline messages
//! per field, results with units, the chart, a permalink and the Embed button.
//!
//! The state lives in the URL only ([`crate::Nav::set_params`]); this component reads it back
//! through [`crate::calc`], so what is on screen is always what the address bar says.

use crate::calc::{self, Calculator, Chart, Field, Kind};
use crate::charts::{BarsChart, LineChart};
use crate::{Link, Nav, browser, query};
use leptos::prelude::*;

/// `/calc/<id>` and `/embed/<id>`: the calculator, or a message naming the known ones.
#[component]
pub fn CalcRoute(
    /// Calculator id from the path.
    id: String,
    /// Minimal chrome for iframes.
    embed: bool,
) -> impl IntoView {
    match calc::find(&id) {
        Some(c) => view! { <CalcPage calc=c embed=embed /> }.into_any(),
        None => view! {
            <section class="card notice" role="alert" data-testid="unknown-calculator">
                <h1>"No such calculator"</h1>
                <p>"There is no calculator called “" {id} "”. The calculators are: " {calc::ids()} "."</p>
                // Inside an iframe the list opens in a tab of its own, as "Open in Roofline Lab"
                // does, rather than the whole site inside the host's page.
                {if embed {
                    view! { <p><a href="/calc" target="_blank" rel="noopener">"See all calculators ↗"</a></p> }.into_any()
                } else {
                    view! { <p><Link href="/calc".into()>"See all calculators"</Link></p> }.into_any()
                }}
            </section>
        }
        .into_any(),
    }
}

/// The embed snippet for a calculator at the given parameters.
pub fn embed_snippet(origin: &str, id: &str, params: &query::Params) -> String {
    let mut attrs = format!("kind=\"{}\"", escape_attr(id));
    for (k, v) in params {
        if !v.is_empty()
            && k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            attrs.push_str(&format!(" {k}=\"{}\"", escape_attr(v)));
        }
    }
    format!(
        "<script src=\"{origin}/embed.js\" defer></script>\n<roofline-lab {attrs}></roofline-lab>"
    )
}

/// Escapes text for a double-quoted HTML attribute.
pub fn escape_attr(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One calculator.
#[component]
pub fn CalcPage(
    /// Which calculator.
    calc: &'static Calculator,
    /// Minimal chrome for iframes.
    embed: bool,
) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let params = Memo::new(move |_| nav.location.with(|l| l.params.clone()));
    let fields = Memo::new(move |_| params.with(|p| (calc.fields)(p)));
    let outcome = Memo::new(move |_| params.with(|p| (calc.eval)(p)));

    let set = move |field: &Field, value: String| {
        let mut p = params.get_untracked();
        for r in field.resets {
            p.remove(*r);
        }
        p.insert(field.key.to_string(), value);
        nav.set_params(p);
    };

    // The list of fields is fixed per calculator (only defaults change), so the inputs are built
    // once and keep their focus while the user types.
    let inputs = fields
        .get_untracked()
        .into_iter()
        .map(|f| {
            let key = f.key;
            let id = format!("in-{}-{key}", calc.id);
            let err_id = format!("err-{}-{key}", calc.id);
            let current = move || {
                params.with(|p| p.get(key).cloned()).unwrap_or_else(|| {
                    fields.with(|fs| {
                        fs.iter()
                            .find(|x| x.key == key)
                            .map(|x| x.default.clone())
                            .unwrap_or_default()
                    })
                })
            };
            let error = move || {
                outcome.with(|o| {
                    o.errors
                        .iter()
                        .filter(|e| e.key == Some(key))
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
            };
            let invalid = move || !error().is_empty();
            let field = f.clone();
            let control = match &f.kind {
                Kind::Number => {
                    let placeholder = move || {
                        fields.with(|fs| {
                            fs.iter()
                                .find(|x| x.key == key)
                                .map(|x| x.default.clone())
                                .unwrap_or_default()
                        })
                    };
                    view! {
                        <input
                            id=id.clone()
                            type="text"
                            inputmode="decimal"
                            autocomplete="off"
                            data-testid=format!("input-{key}")
                            prop:value=current
                            placeholder=placeholder
                            aria-invalid=move || if invalid() { "true" } else { "false" }
                            aria-describedby=err_id.clone()
                            on:input=move |ev| set(&field, event_target_value(&ev))
                        />
                    }
                    .into_any()
                }
                Kind::Choice(options) => {
                    let opts = options
                        .iter()
                        .map(|(v, label)| {
                            let v2 = v.clone();
                            view! { <option value=v.clone() selected=move || current() == v2>{label.clone()}</option> }
                        })
                        .collect_view();
                    view! {
                        <select
                            id=id.clone()
                            data-testid=format!("input-{key}")
                            prop:value=current
                            aria-invalid=move || if invalid() { "true" } else { "false" }
                            aria-describedby=err_id.clone()
                            on:change=move |ev| set(&field, event_target_value(&ev))
                        >
                            {opts}
                        </select>
                    }
                    .into_any()
                }
            };
            view! {
                <div class="field" class:invalid=invalid>
                    <label for=id>{f.label}</label>
                    <div class="control">
                        {control}
                        <span class="unit">{f.unit}</span>
                    </div>
                    <p class="error" id=err_id.clone() data-testid=format!("error-{key}") aria-live="polite">
                        {error}
                    </p>
                </div>
            }
        })
        .collect_view();

    let general = move || {
        outcome.with(|o| {
            o.errors
                .iter()
                .filter(|e| e.key.is_none())
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
        })
    };
    let unknown = move || {
        params.with(|p| {
            let fs = fields.get();
            p.keys()
                .filter(|k| !fs.iter().any(|f| f.key == k.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let results = move || {
        outcome.with(|o| {
            o.rows
                .iter()
                .map(|r| {
                    view! {
                        <dt>{r.label}</dt>
                        <dd data-testid=format!("result-{}", r.key)>{r.value.clone()}</dd>
                    }
                })
                .collect_view()
        })
    };
    let chart = move || {
        outcome.with(|o| match o.chart.clone() {
            Some(Chart::Line(plot)) => view! { <LineChart plot=plot /> }.into_any(),
            Some(Chart::Bars(chart)) => view! { <BarsChart chart=chart /> }.into_any(),
            None => ().into_any(),
        })
    };
    let has_errors = move || outcome.with(|o| !o.errors.is_empty());

    let (snippet_open, set_snippet_open) = signal(false);
    let (copied, set_copied) = signal(String::new());
    let snippet = move || params.with(|p| embed_snippet(&browser::origin(), calc.id, p));
    let copy = move |_| {
        set_snippet_open.set(true);
        let text = snippet();
        leptos::task::spawn_local(async move {
            let ok = browser::copy(&text).await;
            set_copied.set(if ok {
                "Copied to the clipboard.".into()
            } else {
                "Select the snippet and copy it.".into()
            });
        });
    };
    let permalink = move || {
        nav.location
            .with(|l| format!("/calc/{}{}", calc.id, href_query(&l.params)))
    };
    let reset = move |_| nav.set_params(query::Params::new());

    view! {
        <article class="calculator" data-testid=format!("calc-{}", calc.id)>
            <h1>{calc.title}</h1>
            <Show when=move || !embed>
                <p class="summary">{calc.summary}</p>
            </Show>
            <div class="calc-grid">
                <form class="inputs card" on:submit=|ev| ev.prevent_default() aria-label="Inputs">
                    {inputs}
                    <Show when=move || !unknown().is_empty()>
                        <p class="hint" data-testid="unknown-params">
                            "Ignored URL parameters: " {move || unknown().join(", ")}
                        </p>
                    </Show>
                    <button type="button" class="secondary" on:click=reset>"Reset"</button>
                    <Show when=move || calc.id == "speculative" && !embed>
                        <MeasuredTimes params=params />
                    </Show>
                </form>
                <section class="results card" aria-live="polite" aria-label="Results">
                    <Show when=move || !general().is_empty()>
                        <p class="error" role="alert" data-testid="error-general">{move || general().join(" ")}</p>
                    </Show>
                    <Show
                        when=move || !has_errors()
                        fallback=move || view! {
                            <p class="hint" data-testid="fix-inputs">
                                {move || if outcome.with(|o| o.errors.iter().any(|e| e.key.is_some())) {
                                    "Fix the marked inputs to see results."
                                } else {
                                    "Change the inputs to see results."
                                }}
                            </p>
                        }
                    >
                        <dl class="facts" data-testid="results">{results}</dl>
                    </Show>
                </section>
            </div>
            <Show when=move || !has_errors()>
                <div class="card chart-card">{chart}</div>
            </Show>
            <div class="actions">
                <Show
                    when=move || !embed
                    fallback=move || view! {
                        <a href=permalink target="_blank" rel="noopener" class="open-full">"Open in Roofline Lab ↗"</a>
                    }
                >
                    <a href=permalink data-testid="permalink">"Permalink"</a>
                    <button type="button" data-testid="embed-button" on:click=copy>"Embed"</button>
                    <span aria-live="polite" class="hint">{copied}</span>
                </Show>
            </div>
            <Show when=move || snippet_open.get() && !embed>
                <label class="snippet">
                    "Paste this into your page:"
                    <textarea readonly rows=3 data-testid="embed-snippet" prop:value=snippet></textarea>
                </label>
            </Show>
        </article>
    }
}

/// Fills the speculative calculator's draft and target step times from two measurements of the
/// last benchmark run, so the draft cost ratio c comes from this GPU rather than a guess.
#[component]
fn MeasuredTimes(
    /// The calculator's current URL parameters (the times are written back into them).
    params: Memo<query::Params>,
) -> impl IntoView {
    let nav = expect_context::<Nav>();
    let runs: Vec<(String, f64)> = crate::bench::load_last_run()
        .map(|r| {
            r.measurements
                .iter()
                .map(|m| {
                    let ms = m.time.median_s * 1e3;
                    (
                        format!(
                            "{} at {} ({})",
                            m.id(),
                            m.shape,
                            crate::format::seconds(m.time.median_s)
                        ),
                        ms,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if runs.is_empty() {
        return view! {
            <p class="hint" data-testid="no-measured-times">
                "Run " <crate::Link href="/bench".into()>"Benchmark my GPU"</crate::Link>
                " to take the draft and target step times from your own measurements."
            </p>
        }
        .into_any();
    }
    let times: Vec<f64> = runs.iter().map(|(_, ms)| *ms).collect();
    let (draft, set_draft) = signal(0usize);
    let (target, set_target) = signal(runs.len().saturating_sub(1));
    let options = move |selected: ReadSignal<usize>| {
        runs.iter()
            .enumerate()
            .map(|(i, (label, _))| {
                view! { <option value=i.to_string() selected=move || selected.get() == i>{label.clone()}</option> }
            })
            .collect_view()
    };
    let apply = move |_| {
        let mut p = params.get_untracked();
        if let (Some(d), Some(v)) = (
            times.get(draft.get_untracked()),
            times.get(target.get_untracked()),
        ) {
            p.remove("c");
            p.insert("draft_ms".into(), format!("{d:.6}"));
            p.insert("verify_ms".into(), format!("{v:.6}"));
            nav.set_params(p);
        }
    };
    let pick =
        |set: WriteSignal<usize>| move |ev| set.set(event_target_value(&ev).parse().unwrap_or(0));
    view! {
        <fieldset class="measured" data-testid="measured-times">
            <legend>"Times from your last benchmark run"</legend>
            <label>"Draft step " <select data-testid="measured-draft" on:change=pick(set_draft)>{options(draft)}</select></label>
            <label>"Target step " <select data-testid="measured-target" on:change=pick(set_target)>{options(target)}</select></label>
            <button type="button" class="secondary" data-testid="use-measured" on:click=apply>"Use these times"</button>
        </fieldset>
    }
    .into_any()
}

/// `?a=1&b=2`, or nothing when there are no parameters.
fn href_query(p: &query::Params) -> String {
    let q = query::encode(p);
    if q.is_empty() { q } else { format!("?{q}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_escape_what_they_quote() {
        let p = query::parse("model=llama-2-70b&evil=%22%3E%3Cscript%3E&bad%20key=1");
        let s = embed_snippet("https://lab.example", "kv-cache", &p);
        assert!(s.contains("<roofline-lab kind=\"kv-cache\""), "{s}");
        assert!(s.contains("model=\"llama-2-70b\""), "{s}");
        assert!(s.contains("evil=\"&quot;&gt;&lt;script&gt;\""), "{s}");
        assert!(!s.contains("bad key"), "{s}");
        assert!(s.starts_with("<script src=\"https://lab.example/embed.js\" defer>"));
    }
}

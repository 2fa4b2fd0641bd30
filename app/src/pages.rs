//! The plain pages: home, the calculator list, how to embed, and "not found".

use crate::calc::CALCULATORS;
use crate::{Link, browser};
use leptos::prelude::*;

/// `/`: what the lab is, and the four ways in.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Roofline Lab"</h1>
            <p class="tagline">"Learn ML performance engineering by measuring it, on your own GPU."</p>
            <p>
                "Every kernel is limited by one of two roofs: how fast the GPU can compute, or how "
                "fast it can move bytes. Roofline Lab runs real WebGPU kernels in your browser, "
                "times them, checks their results against a CPU reference and puts each one on a "
                "roofline chart, next to the roofs of your GPU and of datacenter GPUs. The "
                "calculators apply the same reasoning to language models: decode intensity, KV "
                "cache size, speculative decoding and ZeRO memory."
            </p>
        </section>
        <ul class="uses">
            <li class="card">
                <h2><Link href="/labs".into()>"Course lab"</Link></h2>
                <p>
                    "Open the lab your instructor set: a checklist of exercises from the lessons, and a report to hand in (JSON or printed). Or pick one of the "
                    <Link href="/kernels".into()>"kernels"</Link>
                    ", read its WGSL and its FLOP/byte model, run it, and watch its dot move on the roofline."
                </p>
            </li>
            <li class="card">
                <h2><Link href="/calc".into()>"Self-paced"</Link></h2>
                <p>
                    "Follow the " <Link href="/lessons".into()>"fourteen lessons"</Link>
                    ", with exercises checked as you go, or work through the calculators: roofline and iron law, decode vs batch, KV cache, speculative decoding, ZeRO. Every view is a permalink."
                </p>
            </li>
            <li class="card">
                <h2><Link href="/bench".into()>"Benchmark my GPU"</Link></h2>
                <p>"Measure your GPU's bandwidth and run the kernel suite; keep, export and compare runs, including results from the native lab CLI."</p>
            </li>
            <li class="card">
                <h2><Link href="/embed".into()>"Embed"</Link></h2>
                <p>"Put any calculator into your own page or course notes with one line of HTML."</p>
            </li>
        </ul>
    }
}

/// `/calc`: every calculator with its summary.
#[component]
pub fn CalculatorList() -> impl IntoView {
    let items = CALCULATORS
        .iter()
        .map(|c| {
            view! {
                <li class="card">
                    <h2><Link href=format!("/calc/{}", c.id)>{c.title}</Link></h2>
                    <p>{c.summary}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <h1>"Calculators"</h1>
        <p>"Work without a GPU. Inputs are checked as you type; the address bar always links to what you see."</p>
        <ul class="uses">{items}</ul>
    }
}

/// `/embed`: how to put a calculator into another page.
#[component]
pub fn EmbedHelp() -> impl IntoView {
    let origin = browser::origin();
    let snippet = format!(
        "<script src=\"{origin}/embed.js\" defer></script>\n<roofline-lab kind=\"kv-cache\" model=\"llama-2-70b\" tokens=\"8192\"></roofline-lab>"
    );
    let kinds = CALCULATORS
        .iter()
        .map(|c| view! { <li><code>{c.id}</code>" — "{c.title}</li> })
        .collect_view();
    view! {
        <h1>"Embed a calculator"</h1>
        <p>
            "Load " <code>"embed.js"</code> " once, then place a " <code>"<roofline-lab>"</code>
            " element where the calculator should appear. Its " <code>"kind"</code>
            " attribute picks the calculator; every other attribute is passed as an input, exactly "
            "like the calculator's URL parameters. The element inserts an iframe of "
            <code>"/embed/<kind>"</code> " and resizes it to fit its content."
        </p>
        <pre class="card"><code data-testid="embed-example">{snippet}</code></pre>
        <p>"Each calculator's page has an Embed button that copies the snippet for the inputs on screen."</p>
        <h2>"Kinds"</h2>
        <ul>{kinds}</ul>
    }
}

/// Any path the app does not know.
#[component]
pub fn NotFound(
    /// The path that was asked for (shown as text).
    path: String,
) -> impl IntoView {
    view! {
        <section class="card notice" role="alert">
            <h1>"Page not found"</h1>
            <p>"Roofline Lab has no page at " <code>{path}</code> "."</p>
            <p><Link href="/".into()>"Go to the home page"</Link></p>
        </section>
    }
}

//! The interactive roofline: measured roofs, preset overlays, one dot per measurement with a
//! tooltip and selection, zoom and pan, a legend, the same numbers as a table, PNG and JSON
//! export, and import of results files from the `lab` CLI (same schema), told apart by adapter.
//!
//! Roofs are labelled for what they are: a bandwidth roof measured by a streaming kernel says so,
//! a preset says it is a datasheet figure, and no FLOP/s dot is ever promoted to a "peak".

use crate::charts::{Axis, Frame, H, MB, ML, MR, MT, PALETTE, W, to_xy};
use crate::{browser, format};
use kernels::{Dtype, Measurement, ResultsFile};
use leptos::prelude::*;
use lessons::presets::{GPUS, Precision};
use wasm_bindgen::JsCast;

/// What limits a roof.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RoofKind {
    /// A bandwidth, GB/s: the line `GB/s × intensity`.
    Memory(f64),
    /// A compute rate, GFLOP/s: a horizontal line.
    Compute(f64),
}

/// One roof on the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Roof {
    /// Honest label ("measured copy bandwidth (SwiftShader)", "preset H100 SXM FP32 peak").
    pub label: String,
    /// The adapter it was measured on; `None` for presets.
    pub adapter: Option<String>,
    /// Memory or compute.
    pub kind: RoofKind,
    /// A bandwidth seen only while the working set fit in a cache (the fastest point of a
    /// sweep): drawn dotted, and never what a dot's share of the roof is measured against.
    pub in_cache: bool,
    /// For a compute roof, the precision its operands have (f32, or f16 for the f16 FMA and
    /// tensor-core peaks): a kernel is measured against the peaks of its own precision.
    pub precision: Option<Dtype>,
    /// A compute roof measured by a tensor-core probe (`peak/coop-f16`): the roof of kernels that
    /// run on the tensor cores, divided by the products each of their counted products takes
    /// (three for FP32 from f16 halves).
    pub tensor: bool,
}

/// Roofs measured by bandwidth probes (`stream/*`) and peak kernels (any kernel whose name has
/// `peak` in it), one per (adapter, variant). Other kernels' dots are never roofs.
///
/// A peak roof is the best rate measured. A bandwidth roof is the one at the largest working set
/// (the best there, if it was measured more than once), not the best of a sweep: smaller sets
/// fit in a cache and stream faster than memory can, and a kernel that walks a big matrix is
/// under the memory's roof. The label names the working set. Where a smaller working set of the
/// same probe ran at least [`CACHE_FACTOR`] times as fast, it becomes a second, dotted roof: a
/// cache's, which explains dots above the memory roof (a hierarchical roofline).
pub fn measured_roofs(ms: &[Measurement]) -> Vec<Roof> {
    /// What one (adapter, variant) has given so far: the roof at the largest working set and,
    /// for bandwidths, the fastest working set `(bytes, GB/s)`.
    struct Pick {
        key: (String, String),
        at: f64,
        roof: Roof,
        fastest: Option<(f64, f64)>,
    }
    let mut picks: Vec<Pick> = Vec::new();
    for m in ms.iter().filter(|m| m.verified) {
        let adapter = m.adapter.label();
        let tensor = kernels::registry::tensor_products_of(&m.kernel, &m.variant) > 0;
        let (at, label, kind, precision) = if m.kernel == "stream" || m.kernel.contains("bandwidth")
        {
            let at = match m.shape {
                kernels::Shape::Stream { elements } => elements as f64 * 4.0,
                _ => 0.0,
            };
            (
                at,
                format!(
                    "measured {} bandwidth{} ({adapter})",
                    m.variant,
                    working_set(at)
                ),
                RoofKind::Memory(m.gbytes_per_s),
                None,
            )
        } else if m.kernel.contains("peak") {
            (
                0.0,
                format!("measured {} peak ({adapter})", m.variant),
                RoofKind::Compute(m.gflops_per_s),
                Some(m.dtype),
            )
        } else {
            continue;
        };
        let key = (adapter.clone(), m.id());
        let fastest = match kind {
            RoofKind::Memory(v) if at > 0.0 => Some((at, v)),
            _ => None,
        };
        let roof = Roof {
            label,
            adapter: Some(adapter),
            kind,
            in_cache: false,
            precision,
            tensor: tensor && matches!(kind, RoofKind::Compute(_)),
        };
        match picks.iter_mut().find(|p| p.key == key) {
            Some(p) => {
                if at > p.at || (at == p.at && value(p.roof.kind) < value(kind)) {
                    p.at = at;
                    p.roof = roof;
                }
                if let Some(f) = fastest
                    && p.fastest.is_none_or(|(_, v)| f.1 > v)
                {
                    p.fastest = Some(f);
                }
            }
            None => picks.push(Pick {
                key,
                at,
                roof,
                fastest,
            }),
        }
    }
    let mut roofs = Vec::new();
    let mut caches = Vec::new();
    for p in picks {
        if let (Some((at, v)), RoofKind::Memory(memory)) = (p.fastest, p.roof.kind)
            && at < p.at
            && v >= CACHE_FACTOR * memory
        {
            let (variant, adapter) = (&p.key.1, &p.key.0);
            let variant = variant.rsplit('/').next().unwrap_or(variant);
            caches.push(Roof {
                label: format!(
                    "measured {variant} bandwidth in cache{} ({adapter})",
                    working_set(at)
                ),
                adapter: p.roof.adapter.clone(),
                kind: RoofKind::Memory(v),
                in_cache: true,
                precision: None,
                tensor: false,
            });
        }
        roofs.push(p.roof);
    }
    roofs.extend(caches);
    roofs
}

/// How much faster than the largest working set a smaller one must stream to count as a cache:
/// beyond a quick run's spread (an H100's L2 shows as 1.57× for reads, 2.15× for copies).
pub const CACHE_FACTOR: f64 = 1.25;

/// ", 16.0 MiB working set", or nothing for an unknown size.
fn working_set(bytes: f64) -> String {
    if bytes > 0.0 {
        format!(", {} working set", kernels::shape::human_bytes(bytes))
    } else {
        String::new()
    }
}

fn value(k: RoofKind) -> f64 {
    match k {
        RoofKind::Memory(v) | RoofKind::Compute(v) => v,
    }
}

/// The datasheet roofs of a preset GPU: bandwidth, FP32 and FP16 peaks.
pub fn preset_roofs(id: &str) -> Vec<Roof> {
    let Ok(g) = lessons::presets::gpu(id) else {
        return Vec::new();
    };
    let mut v = vec![Roof {
        label: format!("preset {} bandwidth", g.name),
        adapter: None,
        kind: RoofKind::Memory(g.bandwidth / 1e9),
        in_cache: false,
        precision: None,
        tensor: false,
    }];
    for p in [Precision::Fp32, Precision::Fp16] {
        if let Some(f) = g.peak(p) {
            v.push(Roof {
                label: format!("preset {} {} peak", g.name, p.as_str().to_uppercase()),
                adapter: None,
                kind: RoofKind::Compute(f / 1e9),
                in_cache: false,
                precision: Some(match p {
                    Precision::Fp32 => Dtype::F32,
                    _ => Dtype::F16,
                }),
                tensor: false,
            });
        }
    }
    v
}

/// The attainable GFLOP/s at `intensity` for a kernel of precision `dtype` under the roofs
/// measured on `adapter`: the best memory bandwidth (cache roofs left out) times the intensity,
/// capped by the best measured peak of that precision. f32 and the quantized formats (whose
/// kernels do f32 or integer arithmetic) meet the f32 peak; f16 meets the best f16 peak, FMA or
/// tensor cores. A kernel that runs on the tensor cores (`tensor_products` > 0, from the
/// registry) meets the tensor-core peak divided by `tensor_products`, where one was measured: an
/// FP32 kernel made of three f16 products is not held to the f32 FMA peak of cores it does not
/// use. Where no peak of that precision was measured, the best of any caps it. `None` without a
/// roof.
pub fn attainable(
    roofs: &[Roof],
    adapter: &str,
    intensity: f64,
    dtype: Dtype,
    tensor_products: u32,
) -> Option<f64> {
    let best = |v: Option<f64>, b: f64| Some(v.map_or(b, |a: f64| a.max(b)));
    let mine = || {
        roofs
            .iter()
            .filter(|r| r.adapter.as_deref() == Some(adapter) && !r.in_cache)
    };
    let bw = mine()
        .filter_map(|r| match r.kind {
            RoofKind::Memory(b) => Some(b),
            RoofKind::Compute(_) => None,
        })
        .fold(None, best);
    let want = match dtype {
        Dtype::F16 => Dtype::F16,
        Dtype::F32 | Dtype::Q8_0 | Dtype::Q4_0 => Dtype::F32,
    };
    let peak_of = |only: Option<Dtype>| {
        mine()
            .filter(|r| only.is_none() || r.precision == only)
            .filter_map(|r| match r.kind {
                RoofKind::Compute(p) => Some(p),
                RoofKind::Memory(_) => None,
            })
            .fold(None, best)
    };
    let tensor = mine()
        .filter(|r| r.tensor && tensor_products > 0)
        .filter_map(|r| match r.kind {
            RoofKind::Compute(p) => Some(p / f64::from(tensor_products)),
            RoofKind::Memory(_) => None,
        })
        .fold(None, best);
    let peak = tensor
        .or_else(|| peak_of(Some(want)))
        .or_else(|| peak_of(None));
    match (bw, peak) {
        (Some(b), Some(p)) => Some((b * intensity).min(p)),
        (Some(b), None) => Some(b * intensity),
        (None, Some(p)) => Some(p),
        (None, None) => None,
    }
}

/// `measured / attainable` as text, or a dash. More than 5 % past the memory roof (beyond timing
/// spread), it says that a cache served the data: the dotted roofs show how fast one can.
pub fn share(m: &Measurement, roofs: &[Roof]) -> String {
    if m.flops == 0.0 {
        return "— (0 FLOP)".into();
    }
    let adapter = m.adapter.label();
    let products = kernels::registry::tensor_products_of(&m.kernel, &m.variant);
    match attainable(roofs, &adapter, m.intensity, m.dtype, products) {
        Some(a) if a > 0.0 => {
            let f = m.gflops_per_s / a;
            let memory_bound =
                attainable(roofs, &adapter, f64::INFINITY, m.dtype, products) > Some(a);
            if f > 1.05 && memory_bound {
                format!(
                    "{} (above the memory roof: a cache served it)",
                    format::percent(f)
                )
            } else {
                format::percent(f)
            }
        }
        _ => "— (no roof measured)".into(),
    }
}

/// The colour of the `i`th roof when `adapters` colours are taken by the dots.
fn roof_color(i: usize, adapters: usize) -> &'static str {
    PALETTE[(adapters.max(1) + i) % PALETTE.len()]
}

/// A measurement's dot id (unique within one chart).
fn dot_id(i: usize) -> String {
    format!("dot-{i}")
}

/// Whether a measurement can be a dot on log–log axes: some FLOPs and some bytes (a pure
/// bandwidth probe or a pure FLOP probe is drawn as a roof instead).
pub fn plottable(m: &Measurement) -> bool {
    m.intensity.is_finite()
        && m.intensity > 0.0
        && m.gflops_per_s.is_finite()
        && m.gflops_per_s > 0.0
}

/// The axes that fit the dots and roofs.
pub fn fit(ms: &[Measurement], roofs: &[Roof]) -> (Axis, Axis) {
    let dots = ms
        .iter()
        .filter(|m| m.intensity > 0.0 && m.gflops_per_s > 0.0);
    let mut xs: Vec<f64> = dots.clone().map(|m| m.intensity).collect();
    let mut ys: Vec<f64> = dots.map(|m| m.gflops_per_s).collect();
    xs.extend([0.1, 100.0]);
    let peaks: Vec<f64> = roofs
        .iter()
        .filter_map(|r| match r.kind {
            RoofKind::Compute(p) => Some(p),
            _ => None,
        })
        .collect();
    for r in roofs {
        if let RoofKind::Memory(b) = r.kind {
            ys.push(b * 0.1);
            if let Some(p) = peaks.iter().copied().reduce(f64::max) {
                xs.push(p / b * 2.0);
            }
        }
    }
    ys.extend(peaks);
    let x = Axis::fit(xs, true);
    let mut y = Axis::fit(ys, true);
    y.hi *= 3.0;
    (x, y)
}

/// Zooms a log axis by `factor` (< 1 zooms in) about its centre.
pub fn zoom(a: Axis, factor: f64) -> Axis {
    let (l, h) = (a.lo.log10(), a.hi.log10());
    let c = (l + h) / 2.0;
    let half = ((h - l) / 2.0 * factor).clamp(0.25, 12.0);
    Axis {
        lo: 10f64.powf(c - half),
        hi: 10f64.powf(c + half),
        log: true,
    }
}

/// Pans a log axis by `fraction` of its span.
pub fn pan(a: Axis, fraction: f64) -> Axis {
    let shift = (a.hi.log10() - a.lo.log10()) * fraction;
    Axis {
        lo: a.lo * 10f64.powf(shift),
        hi: a.hi * 10f64.powf(shift),
        log: true,
    }
}

/// The roofline chart with its controls, legend and table.
/// Adds the measurements of an imported file that are not on the chart already (the same file
/// imported twice adds nothing); returns how many were added and how many were repeats.
pub fn merge_imported(shown: &mut Vec<Measurement>, new: Vec<Measurement>) -> (usize, usize) {
    let mut added = 0;
    let mut repeated = 0;
    for m in new {
        if shown.contains(&m) {
            repeated += 1;
        } else {
            shown.push(m);
            added += 1;
        }
    }
    (added, repeated)
}

/// The line the page shows after an import.
pub fn import_summary(added: usize, repeated: usize, producer: &str) -> String {
    let noun = |n: usize| {
        if n == 1 {
            "measurement"
        } else {
            "measurements"
        }
    };
    let mut s = format!("Imported {added} {} from {producer}.", noun(added));
    if repeated > 0 {
        s.push_str(&format!(
            " {repeated} {} already on the chart, not added again.",
            if repeated == 1 { "was" } else { "were" }
        ));
    }
    s
}

#[component]
pub fn RooflineChart(
    /// Measurements made in this browser (dots, and bandwidth roofs from `stream/*`).
    measurements: Signal<Vec<Measurement>>,
    /// Measurements imported from results files (other adapters, the `lab` CLI).
    imported: RwSignal<Vec<Measurement>>,
    /// File name for exports, without extension.
    #[prop(default = "roofline")]
    export_name: &'static str,
    /// How the legend names the adapters of `imported` measurements.
    #[prop(default = "imported")]
    imported_label: &'static str,
) -> impl IntoView {
    let presets = RwSignal::new(Vec::<&'static str>::new());
    let all = Memo::new(move |_| {
        let mut v = measurements.get();
        v.extend(imported.get());
        v
    });
    let roofs = Memo::new(move |_| {
        let mut r = measured_roofs(&all.get());
        for id in presets.get() {
            r.extend(preset_roofs(id));
        }
        r
    });
    let adapters = Memo::new(move |_| {
        let mut a: Vec<String> = Vec::new();
        for m in all.get() {
            let l = m.adapter.label();
            if !a.contains(&l) {
                a.push(l);
            }
        }
        a
    });
    let view_axes = RwSignal::new(None::<(Axis, Axis)>);
    let axes = move || {
        view_axes
            .get()
            .unwrap_or_else(|| fit(&all.get(), &roofs.get()))
    };
    let hovered = RwSignal::new(None::<usize>);
    let selected = RwSignal::new(None::<usize>);
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    let (import_msg, set_import_msg) = signal(String::new());

    let color_of_adapter = move |label: &str| {
        let i = adapters.with(|a| a.iter().position(|x| x == label).unwrap_or(0));
        PALETTE[i % PALETTE.len()]
    };

    let roof_lines = move || {
        let (x, y) = axes();
        roofs
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                // Roofs take colours after the adapters' (dots), so a roof never looks like a dot.
                let color = roof_color(i, adapters.with(Vec::len));
                let dash = if r.in_cache {
                    "2 4"
                } else if r.adapter.is_none() {
                    "6 4"
                } else {
                    ""
                };
                let (p0, p1) = match r.kind {
                    RoofKind::Memory(b) => ((x.lo, b * x.lo), (x.hi, b * x.hi)),
                    RoofKind::Compute(p) => ((x.lo, p), (x.hi, p)),
                };
                let (a, b) = (to_xy(&x, &y, p0), to_xy(&x, &y, p1));
                let title = match r.kind {
                    RoofKind::Memory(bw) => format!("{}: {}", r.label, format::giga_rate(bw, "B")),
                    RoofKind::Compute(p) => {
                        format!("{}: {}", r.label, format::giga_rate(p, "FLOP"))
                    }
                };
                view! {
                    <line
                        class="roof"
                        data-testid="roof"
                        x1=a.0 y1=a.1 x2=b.0 y2=b.1
                        stroke=color
                        stroke-width=2
                        stroke-dasharray=dash
                    >
                        <title>{title}</title>
                    </line>
                }
            })
            .collect_view()
    };

    let dots = move || {
        let (x, y) = axes();
        let own = measurements.with(Vec::len);
        all.get()
            .into_iter()
            .enumerate()
            .filter(|(_, m)| plottable(m))
            .map(|(i, m)| {
                let (px, py) = to_xy(&x, &y, (m.intensity, m.gflops_per_s));
                let color = color_of_adapter(&m.adapter.label());
                let is_imported = i >= own;
                let label = format!(
                    "{} at {}, {}: {} at {:.2} FLOP/byte",
                    m.id(),
                    m.shape,
                    m.adapter.label(),
                    format::giga_rate(m.gflops_per_s, "FLOP"),
                    m.intensity
                );
                view! {
                    <circle
                        class="dot"
                        class:selected=move || selected.get() == Some(i)
                        data-testid="dot"
                        data-kernel=m.id()
                        id=dot_id(i)
                        cx=px
                        cy=py
                        r=move || if selected.get() == Some(i) { 8 } else { 6 }
                        fill=if is_imported { "none" } else { color }
                        stroke=color
                        stroke-width=if is_imported { 3 } else { 1 }
                        tabindex=0
                        role="button"
                        aria-label=label
                        aria-pressed=move || if selected.get() == Some(i) { "true" } else { "false" }
                        on:mouseenter=move |_| hovered.set(Some(i))
                        on:mouseleave=move |_| hovered.set(None)
                        on:focus=move |_| hovered.set(Some(i))
                        on:blur=move |_| hovered.set(None)
                        on:click=move |_| selected.update(|s| *s = if *s == Some(i) { None } else { Some(i) })
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                selected.update(|s| *s = if *s == Some(i) { None } else { Some(i) });
                            }
                        }
                    />
                }
            })
            .collect_view()
    };

    let details = move |i: usize| {
        let m = all.with(|a| a.get(i).cloned())?;
        let r = roofs.get();
        Some(view! {
            <strong>{m.id()}</strong>" at "{m.shape.to_string()}<br />
            {m.adapter.label()}<br />
            {format::giga_rate(m.gflops_per_s, "FLOP")}", "{format::giga_rate(m.gbytes_per_s, "B")}<br />
            {format!("{:.2} FLOP/byte", m.intensity)}", "{share(&m, &r)}" of the measured roof"<br />
            "timed by "{m.timing.label()}", median "{format::seconds(m.time.median_s)}
        })
    };
    let tooltip = move || {
        let i = hovered.get()?;
        let (x, y) = axes();
        let m = all.with(|a| a.get(i).cloned())?;
        let (px, py) = to_xy(&x, &y, (m.intensity, m.gflops_per_s));
        let style = format!("left:{:.1}%;top:{:.1}%", px / W * 100.0, py / H * 100.0);
        Some(
            view! { <div class="tooltip" role="tooltip" data-testid="tooltip" style=style>{details(i)}</div> },
        )
    };

    let zoom_by = move |f: f64| {
        let (x, y) = axes();
        view_axes.set(Some((zoom(x, f), zoom(y, f))));
    };
    let pan_by = move |dx: f64, dy: f64| {
        let (x, y) = axes();
        view_axes.set(Some((pan(x, dx), pan(y, dy))));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let handled = match ev.key().as_str() {
            "+" | "=" => {
                zoom_by(0.7);
                true
            }
            "-" | "_" => {
                zoom_by(1.4);
                true
            }
            "ArrowLeft" => {
                pan_by(-0.1, 0.0);
                true
            }
            "ArrowRight" => {
                pan_by(0.1, 0.0);
                true
            }
            "ArrowUp" => {
                pan_by(0.0, 0.1);
                true
            }
            "ArrowDown" => {
                pan_by(0.0, -0.1);
                true
            }
            "0" => {
                view_axes.set(None);
                true
            }
            _ => false,
        };
        if handled {
            ev.prevent_default();
        }
    };
    // Drag to pan: remember where the pointer went down, in SVG units.
    let drag = StoredValue::new(None::<(f64, f64, Axis, Axis)>);
    let svg_point = move |ev: &leptos::ev::PointerEvent| -> Option<(f64, f64)> {
        let svg = svg_ref.get()?;
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return None;
        }
        Some((
            (f64::from(ev.client_x()) - rect.left()) / rect.width() * W,
            (f64::from(ev.client_y()) - rect.top()) / rect.height() * H,
        ))
    };
    let on_down = move |ev: leptos::ev::PointerEvent| {
        if ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|e| e.class_list().contains("dot"))
        {
            return;
        }
        if let Some((px, py)) = svg_point(&ev) {
            let (x, y) = axes();
            drag.set_value(Some((px, py, x, y)));
        }
    };
    let on_move = move |ev: leptos::ev::PointerEvent| {
        let Some((sx, sy, x0, y0)) = drag.get_value() else {
            return;
        };
        if let Some((px, py)) = svg_point(&ev) {
            let fx = -(px - sx) / (W - ML - MR);
            let fy = (py - sy) / (H - MT - MB);
            view_axes.set(Some((pan(x0, fx), pan(y0, fy))));
        }
    };
    let on_up = move |_| drag.set_value(None);

    let export_json = move |_| {
        let file = ResultsFile::new("roofline-lab web", all.get());
        if let Ok(text) = serde_json::to_string_pretty(&file) {
            browser::download_text(&format!("{export_name}.json"), "application/json", &text);
        }
    };
    let export_png = move |_| {
        if let Some(svg) = svg_ref.get() {
            browser::download_svg_as_png(&svg, "roofline.png");
        }
    };
    let on_import = move |ev: leptos::ev::Event| {
        browser::read_file_from_event(&ev, move |result| {
            match result.and_then(|t| ResultsFile::from_json(&t)) {
                Ok(f) => {
                    let producer = f.producer.clone();
                    let (added, repeated) = merge_imported(&mut imported.write(), f.measurements);
                    set_import_msg.set(import_summary(added, repeated, &producer));
                }
                Err(e) => set_import_msg.set(format!("Could not import: {e}")),
            }
        });
    };

    let preset_boxes = GPUS
        .iter()
        .map(|g| {
            let id = g.id;
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid=format!("preset-{id}")
                        prop:checked=move || presets.with(|p| p.contains(&id))
                        on:change=move |_| presets.update(|p| {
                            if let Some(i) = p.iter().position(|x| *x == id) { p.remove(i); } else { p.push(id); }
                        })
                    />
                    {g.name}
                </label>
            }
        })
        .collect_view();

    let legend = move || {
        let roof_items = roofs
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, r)| {
                // Roofs take colours after the adapters' (dots), so a roof never looks like a dot.
                let color = roof_color(i, adapters.with(Vec::len));
                let style = if r.in_cache {
                    "dotted"
                } else if r.adapter.is_none() {
                    "dashed"
                } else {
                    "solid"
                };
                view! { <li><span class=format!("line {style}") style=format!("border-color:{color}")></span>{r.label}</li> }
            })
            .collect_view();
        let own = measurements.with(|m| m.first().map(|m| m.adapter.label()));
        let adapter_items = adapters
            .get()
            .into_iter()
            .map(|a| {
                let color = color_of_adapter(&a);
                let imported = own.as_deref() != Some(a.as_str());
                let style = if imported {
                    format!("border:3px solid {color}")
                } else {
                    format!("background:{color}")
                };
                let what = if imported {
                    format!(" ({imported_label})")
                } else {
                    " (this browser)".to_string()
                };
                view! { <li><span class="dot-swatch" style=style></span>{a}{what}</li> }
            })
            .collect_view();
        view! { <ul class="legend" data-testid="legend">{roof_items}{adapter_items}</ul> }
    };

    let table_rows = move || {
        let r = roofs.get();
        all.get()
            .into_iter()
            .enumerate()
            .map(|(i, m)| {
                let pct = share(&m, &r);
                view! {
                    <tr
                        data-kernel=m.id()
                        data-testid="roofline-row"
                        class:selected=move || selected.get() == Some(i)
                        on:click=move |_| selected.set(Some(i))
                    >
                        <td>{m.adapter.label()}</td>
                        <th scope="row">{m.id()}</th>
                        <td>{m.shape.to_string()}</td>
                        <td>{format::giga_rate(m.gflops_per_s, "FLOP")}</td>
                        <td>{format::giga_rate(m.gbytes_per_s, "B")}</td>
                        <td>{format!("{:.2} FLOP/B", m.intensity)}</td>
                        <td>{pct}</td>
                        <td>{m.timing.label()}</td>
                    </tr>
                }
            })
            .collect_view()
    };

    view! {
        <section class="roofline card" aria-label="Roofline chart">
            <div class="toolbar" role="toolbar" aria-label="Chart controls">
                <button type="button" class="secondary" on:click=move |_| zoom_by(0.7) aria-label="Zoom in">"+"</button>
                <button type="button" class="secondary" on:click=move |_| zoom_by(1.4) aria-label="Zoom out">"−"</button>
                <button type="button" class="secondary" data-testid="reset-zoom" on:click=move |_| view_axes.set(None)>"Reset view"</button>
                <button type="button" class="secondary" data-testid="export-png" on:click=export_png>"Export PNG"</button>
                <button type="button" class="secondary" data-testid="export-json" on:click=export_json>"Export JSON"</button>
                <label class="file secondary">
                    "Import JSON"
                    <input type="file" accept=".json,application/json" data-testid="import-json" on:change=on_import />
                </label>
                <button
                    type="button"
                    class="secondary"
                    data-testid="clear-imported"
                    hidden=move || imported.with(Vec::is_empty)
                    on:click=move |_| {
                        imported.set(Vec::new());
                        set_import_msg.set("Imported results removed.".into());
                    }
                >
                    "Remove imported"
                </button>
            </div>
            <p class="hint" aria-live="polite" data-testid="import-status">{import_msg}</p>
            <div class="roofline-body">
                <div class="plot-wrap">
                    <svg
                        node_ref=svg_ref
                        viewBox=format!("0 0 {W} {H}")
                        xmlns="http://www.w3.org/2000/svg"
                        role="group"
                        aria-label="Roofline: throughput against arithmetic intensity. Focus to zoom with + and −, pan with the arrow keys, 0 resets."
                        tabindex=0
                        data-testid="roofline-svg"
                        on:keydown=on_key
                        on:pointerdown=on_down
                        on:pointermove=on_move
                        on:pointerup=on_up
                        on:pointerleave=on_up
                    >
                        <defs>
                            <clipPath id="plot-area">
                                <rect x=ML y=MT width=W - ML - MR height=H - MT - MB />
                            </clipPath>
                        </defs>
                        {move || {
                            let (x, y) = axes();
                            view! {
                                <Frame
                                    x=x
                                    y=y
                                    x_label="Arithmetic intensity (FLOP/byte)".into()
                                    y_label="Throughput (GFLOP/s)".into()
                                />
                            }
                        }}
                        <g clip-path="url(#plot-area)">{roof_lines}{dots}</g>
                    </svg>
                    {tooltip}
                </div>
                <div class="side">
                    {legend}
                    <details>
                        <summary>"Preset GPUs"</summary>
                        <div class="presets">{preset_boxes}</div>
                    </details>
                    <Show when=move || selected.get().is_some()>
                        <p class="selected-details" data-testid="selected">{move || selected.get().and_then(details)}</p>
                    </Show>
                </div>
            </div>
            <div class="table-wrap">
                <table data-testid="roofline-table">
                    <caption>"Every measurement on the chart"</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Adapter"</th>
                            <th scope="col">"Kernel"</th>
                            <th scope="col">"Shape"</th>
                            <th scope="col">"Compute"</th>
                            <th scope="col">"Bandwidth"</th>
                            <th scope="col">"Intensity"</th>
                            <th scope="col" title="The FLOP rate as a share of what the roofs measured on the same adapter allow at its intensity: memory bandwidth at the largest working set, capped by the measured peak of the kernel's own precision (f32, or f16), or for a tensor-core kernel by the tensor-core peak divided by the tensor-core products each of its products takes (three for FP32 from f16 halves). Dotted cache roofs are not used.">"Of measured roof"</th>
                            <th scope="col">"Timing"</th>
                        </tr>
                    </thead>
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bandwidth_roofs_come_from_the_largest_working_set() {
        // A real `lab bench --ceilings` file from an H100: read and copy from 1 MiB to 1 GiB.
        let text = include_str!("../../bench/results/h100-2026-11-22-matmul-c/ceilings.json");
        let mut ms = kernels::ResultsFile::from_json(text).unwrap().measurements;
        let roofs = measured_roofs(&ms);
        let find = |roofs: &[Roof], what: &str| {
            roofs
                .iter()
                .find(|r| r.label.starts_with(what))
                .unwrap_or_else(|| panic!("no {what} in {roofs:?}"))
                .clone()
        };
        // Not the 4.79 TB/s of the 16 MiB read, which fits in the L2: the 1 GiB one.
        let read = find(&roofs, "measured read bandwidth");
        assert_eq!(
            read.label,
            "measured read bandwidth, 1.0 GiB working set (NVIDIA H100 80GB HBM3)"
        );
        assert!(
            matches!(read.kind, RoofKind::Memory(v) if (v - 3051.86).abs() < 0.01),
            "{read:?}"
        );
        let copy = find(&roofs, "measured copy bandwidth");
        assert!(
            matches!(copy.kind, RoofKind::Memory(v) if (v - 2880.4).abs() < 0.1),
            "{copy:?}"
        );
        // Peaks are the best rate; three of them, and two bandwidths.
        let f32 = find(&roofs, "measured fma-f32 peak");
        assert!(
            matches!(f32.kind, RoofKind::Compute(v) if (v - 52951.6).abs() < 0.1),
            "{f32:?}"
        );
        // And the L2, where the sweep's fastest point ran 1.57× (read) and 2.15× (copy) the
        // 1 GiB rate: dotted cache roofs, each at its own working set.
        let read_l2 = find(&roofs, "measured read bandwidth in cache");
        assert_eq!(
            read_l2.label,
            "measured read bandwidth in cache, 16.0 MiB working set (NVIDIA H100 80GB HBM3)"
        );
        assert!(read_l2.in_cache && !read.in_cache);
        assert!(matches!(read_l2.kind, RoofKind::Memory(v) if (v - 4791.0).abs() < 0.1));
        let copy_l2 = find(&roofs, "measured copy bandwidth in cache, 4.0 MiB");
        assert!(matches!(copy_l2.kind, RoofKind::Memory(v) if (v - 6190.0).abs() < 0.1));
        assert_eq!(roofs.len(), 7);
        // What a dot is measured against is the memory's roof, not the cache's: at 0.25 FLOP/B
        // (a read), 0.25 × 3,051.9 GB/s; and past the tensor-core peak, that peak.
        let h100 = "NVIDIA H100 80GB HBM3";
        let a = attainable(&roofs, h100, 0.25, Dtype::F32, 0).unwrap();
        assert!((a - 0.25 * 3051.86).abs() < 0.01, "{a}");
        // An f32 kernel meets the f32 FMA peak; an f16 one the tensor cores; Q4_0 the f32 one.
        let peak = |d| attainable(&roofs, h100, 1e6, d, 0).unwrap();
        assert!((peak(Dtype::F32) - 52951.6).abs() < 0.1);
        assert!((peak(Dtype::F16) - 598996.5).abs() < 0.1);
        assert_eq!(peak(Dtype::Q4_0), peak(Dtype::F32));
        let probe = |v: &str| ms.iter().find(|m| m.variant == v).unwrap();
        assert_eq!(share(probe("fma-f32"), &roofs), "100%");
        assert_eq!(share(probe("coop-f16"), &roofs), "100%");
        // The f16 FMA probe, against what f16 operands reach here (the tensor cores).
        assert_eq!(share(probe("fma-f16"), &roofs), "10.6%");
        // The 16 MiB read's dot sits above that roof, and its share says why.
        let read_at = |elements: u64| {
            ms.iter()
                .find(|m| m.variant == "read" && m.shape == kernels::Shape::Stream { elements })
                .unwrap()
        };
        assert_eq!(
            share(read_at(1 << 22), &roofs),
            "157% (above the memory roof: a cache served it)"
        );
        assert_eq!(share(read_at(1 << 28), &roofs), "100%");
        // The same working set twice: the faster run. A failed run is no roof.
        let i = ms
            .iter()
            .position(|m| m.shape == kernels::Shape::Stream { elements: 1 << 28 })
            .unwrap();
        let mut faster = ms[i].clone();
        faster.gbytes_per_s = 3100.0;
        let mut failed = ms[i].clone();
        failed.gbytes_per_s = 9999.0;
        failed.verified = false;
        ms.extend([faster, failed]);
        let read = find(&measured_roofs(&ms), "measured read bandwidth");
        assert_eq!(read.kind, RoofKind::Memory(3100.0));
    }

    #[test]
    fn tensor_core_kernels_meet_the_tensor_core_roof() {
        // One H100 run (bench/matmul_h100.sh, 12:21 UTC): the roofs measured with and without
        // runtime checks, and the unchecked ladder, as a user would import them.
        let mut ms = Vec::new();
        for text in [
            include_str!("../../bench/results/h100-2026-11-22-matmul-d/ceilings.json"),
            include_str!("../../bench/results/h100-2026-11-22-matmul-d/peak_unchecked.json"),
            include_str!("../../bench/results/h100-2026-11-22-matmul-d/unchecked.json"),
        ] {
            ms.extend(kernels::ResultsFile::from_json(text).unwrap().measurements);
        }
        let roofs = measured_roofs(&ms);
        let tensor: Vec<_> = roofs.iter().filter(|r| r.tensor).collect();
        assert_eq!(tensor.len(), 1, "{roofs:?}");
        assert!(
            tensor[0].label.starts_with("measured coop-f16 peak"),
            "{tensor:?}"
        );
        let coop_peak = 639_919.0; // peak/coop-f16 unchecked, GFLOP/s
        assert!(matches!(tensor[0].kind, RoofKind::Compute(v) if (v - coop_peak).abs() < 1.0));
        let h100 = "NVIDIA H100 80GB HBM3";
        let at = |dtype, products| attainable(&roofs, h100, 1e6, dtype, products).unwrap();
        // FP32 from three f16 products: a third of the tensor-core roof, not the f32 FMA peak
        // (64.5 TFLOP/s here), which coop_split does not use and could outrun.
        assert!((at(Dtype::F32, 3) - coop_peak / 3.0).abs() < 1.0);
        assert!(
            (at(Dtype::F32, 0) - 64_480.0).abs() < 10.0,
            "{}",
            at(Dtype::F32, 0)
        );
        assert!((at(Dtype::F16, 1) - coop_peak).abs() < 1.0);
        let dot = |variant: &str| {
            ms.iter()
                .find(|m| m.kernel == "matmul" && m.variant == variant)
                .unwrap_or_else(|| panic!("no {variant}"))
        };
        let split = dot("coop_split");
        assert_eq!(
            share(split, &roofs),
            format::percent(split.gflops_per_s / (coop_peak / 3.0))
        );
        assert_eq!(share(split, &roofs), "25.0%");
        // The same kernel through `--wgsl` keeps its arithmetic; f32 cores keep theirs.
        let mut edited = split.clone();
        edited.variant = "coop_split+mine.wgsl".into();
        assert_eq!(share(&edited, &roofs), share(split, &roofs));
        assert_eq!(share(dot("unrolled"), &roofs), "63.4%");
        // FlashAttention from split values (bench/flash_split_h100.sh, 14:12 UTC, same GPU) is
        // measured against the same third of the tensor-core roof.
        let attention = kernels::ResultsFile::from_json(include_str!(
            "../../bench/results/h100-2026-11-22-flash-split-b/split-full-unchecked.json"
        ))
        .unwrap()
        .measurements;
        let flash = attention
            .iter()
            .find(|m| {
                m.variant == "flash_split"
                    && matches!(m.shape, kernels::Shape::Attention { seq: 4096, .. })
            })
            .unwrap();
        assert_eq!(
            share(flash, &roofs),
            format::percent(flash.gflops_per_s / (coop_peak / 3.0))
        );
        assert_eq!(share(flash, &roofs), "28.8%");
        // Without a tensor-core roof, the precision's own peak, as for any f32 kernel.
        let cores: Vec<Roof> = roofs.iter().filter(|r| !r.tensor).cloned().collect();
        let no_tensor = attainable(&cores, h100, 1e6, Dtype::F32, 3).unwrap();
        assert!((no_tensor - 64_480.0).abs() < 10.0);
    }

    #[test]
    fn attainable_uses_the_adapters_own_roofs() {
        let roofs = vec![
            Roof {
                label: "measured copy bandwidth (A)".into(),
                adapter: Some("A".into()),
                kind: RoofKind::Memory(100.0),
                in_cache: false,
                precision: None,
                tensor: false,
            },
            Roof {
                label: "measured copy bandwidth in cache (A)".into(),
                adapter: Some("A".into()),
                kind: RoofKind::Memory(400.0),
                in_cache: true,
                precision: None,
                tensor: false,
            },
            Roof {
                label: "preset H100 bandwidth".into(),
                adapter: None,
                kind: RoofKind::Memory(3000.0),
                in_cache: false,
                precision: None,
                tensor: false,
            },
        ];
        assert_eq!(attainable(&roofs, "A", 2.0, Dtype::F32, 0), Some(200.0));
        assert_eq!(attainable(&roofs, "B", 2.0, Dtype::F32, 0), None);
        // Only an f16 peak measured: it caps f32 kernels too, for want of theirs.
        let mut with_peak = roofs.clone();
        with_peak.push(Roof {
            label: "measured fma-f16 peak (A)".into(),
            adapter: Some("A".into()),
            kind: RoofKind::Compute(150.0),
            in_cache: false,
            precision: Some(Dtype::F16),
            tensor: false,
        });
        assert_eq!(attainable(&with_peak, "A", 2.0, Dtype::F32, 0), Some(150.0));
        let p = preset_roofs("h100-sxm");
        assert!(p[0].label.starts_with("preset NVIDIA H100"), "{p:?}");
        assert!(p.iter().any(|r| r.label.ends_with("FP32 peak")));
        let z = zoom(
            Axis {
                lo: 1.0,
                hi: 100.0,
                log: true,
            },
            0.5,
        );
        assert!((z.lo - 10f64.powf(0.5)).abs() < 1e-9);
    }
}

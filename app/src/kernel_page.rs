//! The kernel page: choose a kernel, a variant and a size; read the variant's WGSL and its FLOP
//! and byte model; run it and watch its dot move on the roofline (next to the last benchmark run).

use crate::bench::{load_last_run, small_shape};
use crate::format;
use crate::gpu_panel::{AdapterCard, GpuContext, GpuStatus};
use crate::roofline::RooflineChart;
use kernels::registry::{find, kernel_names, variants};
use kernels::{Measurement, RunOptions, Shape, TimingOptions};
use leptos::prelude::*;

/// The size inputs a shape of this kind takes, in order: label and largest allowed value. The
/// caps keep a browser run to inputs the page can generate and check in a few seconds; the
/// device's own limits are checked again when the kernel runs.
pub fn size_fields(like: Shape) -> &'static [(&'static str, u64)] {
    match like {
        Shape::Stream { .. } => &[("Elements (f32)", 1 << 28)],
        Shape::Matmul { .. } => &[
            ("m (rows)", 8192),
            ("n (columns)", 8192),
            ("k (inner)", 8192),
        ],
        Shape::Peak { .. } => &[("Threads", 1 << 24)],
        Shape::Gemv { .. } => &[
            ("Rows of W", 65536),
            ("Columns of W", 65536),
            ("Batch (vectors x)", 8),
        ],
        Shape::Attention { .. } => &[
            ("Batch B", 64),
            ("Heads H", 128),
            ("Sequence length N", 16384),
            ("Head dimension d", 128),
        ],
    }
}

/// Parses the size inputs (`values`, in the order of [`size_fields`]) for a shape of the same
/// kind as `like`; `causal` applies to attention only.
pub fn parse_shape(like: Shape, values: &[String], causal: bool) -> Result<Shape, String> {
    let fields = size_fields(like);
    let mut dims = Vec::with_capacity(fields.len());
    for (i, (label, max)) in fields.iter().enumerate() {
        let raw = values.get(i).map(String::as_str).unwrap_or("");
        // Thousands commas are fine (1,024); a decimal comma is not read as one (4,91).
        match lessons::number::parse(raw) {
            Ok(v) if v.fract() == 0.0 && (1.0..=*max as f64).contains(&v) => dims.push(v as u64),
            _ => {
                return Err(format!(
                    "{label} must be a whole number from 1 to {}, got \"{raw}\"",
                    format::int(*max)
                ));
            }
        }
    }
    // Every cap fits in a u32.
    let d = |i: usize| dims[i] as u32;
    Ok(match like {
        Shape::Stream { .. } => Shape::Stream { elements: dims[0] },
        Shape::Matmul { .. } => Shape::Matmul {
            m: d(0),
            n: d(1),
            k: d(2),
        },
        Shape::Peak { .. } => Shape::Peak { threads: dims[0] },
        Shape::Gemv { .. } => Shape::Gemv {
            rows: d(0),
            cols: d(1),
            batch: d(2),
        },
        Shape::Attention { .. } => Shape::Attention {
            batch: d(0),
            heads: d(1),
            seq: d(2),
            head_dim: d(3),
            causal,
        },
    })
}

/// The size inputs' starting values for a shape, and whether it is causal.
fn shape_fields(s: Shape) -> (Vec<String>, bool) {
    let v = |xs: &[u64]| xs.iter().map(u64::to_string).collect();
    match s {
        Shape::Stream { elements } => (v(&[elements]), false),
        Shape::Matmul { m, n, k } => (v(&[m.into(), n.into(), k.into()]), false),
        Shape::Peak { threads } => (v(&[threads]), false),
        Shape::Gemv { rows, cols, batch } => (v(&[rows.into(), cols.into(), batch.into()]), false),
        Shape::Attention {
            batch,
            heads,
            seq,
            head_dim,
            causal,
        } => (
            v(&[batch.into(), heads.into(), seq.into(), head_dim.into()]),
            causal,
        ),
    }
}

/// `/kernels`.
#[component]
pub fn KernelPage() -> impl IntoView {
    let ctx = expect_context::<GpuContext>();
    ctx.ensure();
    let names = kernel_names();
    let kernel = RwSignal::new(names.first().copied().unwrap_or("stream").to_string());
    let variant = RwSignal::new(String::new());
    let variant_list = Memo::new(move |_| {
        variants(&kernel.get())
            .map(|v| v.iter().map(|s| s.variant).collect::<Vec<_>>())
            .unwrap_or_default()
    });
    let spec = Signal::derive(move || {
        let vs = variant_list.get();
        let v = variant.get();
        let v = if vs.contains(&v.as_str()) {
            v
        } else {
            vs.first().map(|s| s.to_string()).unwrap_or_default()
        };
        find(&kernel.get(), &v).ok()
    });
    // The size inputs, as typed (as many as the shape has; see `size_fields`).
    let sizes = RwSignal::new(Vec::<String>::new());
    let causal = RwSignal::new(false);
    // A new kernel gets its own default size; a new variant of the same kernel keeps what was
    // typed.
    Effect::new(move |prev: Option<Option<&'static str>>| {
        let s = spec.get();
        let name = s.map(|s| s.kernel);
        if let Some(s) = s
            && prev.flatten() != name
        {
            let (values, c) = shape_fields(small_shape(s));
            sizes.set(values);
            causal.set(c);
        }
        name
    });
    let shape = move || {
        let s = spec.get().ok_or("no such kernel")?;
        sizes.with(|v| parse_shape(s.default_shape, v, causal.get()))
    };
    let is_attention = move || {
        spec.get()
            .is_some_and(|s| matches!(s.default_shape, Shape::Attention { .. }))
    };
    let size_inputs = move || {
        let fields = spec
            .get()
            .map(|s| size_fields(s.default_shape))
            .unwrap_or(&[]);
        fields
            .iter()
            .enumerate()
            .map(|(i, (label, _))| {
                let id = format!("k-size-{i}");
                view! {
                    <div class="field">
                        <label for=id.clone()>{*label}</label>
                        <input
                            id=id
                            data-testid=format!("size-{i}")
                            inputmode="numeric"
                            prop:value=move || sizes.with(|v| v.get(i).cloned().unwrap_or_default())
                            on:input=move |ev| {
                                let value = event_target_value(&ev);
                                sizes.update(|v| {
                                    if v.len() <= i {
                                        v.resize(i + 1, String::new());
                                    }
                                    v[i] = value;
                                });
                            }
                        />
                    </div>
                }
            })
            .collect_view()
    };
    let cost = move || {
        let s = spec.get()?;
        let sh = shape().ok()?;
        s.cost(&sh).ok()
    };
    // What is wrong with the size, before anything runs: a field out of range, or a rule of the
    // variant's (a GGUF block format needs whole 32-weight blocks per row).
    let size_problem = move || match shape() {
        Err(e) => Some(e.to_string()),
        Ok(sh) => spec
            .get()
            .and_then(|s| s.cost(&sh).err())
            .map(|e| e.to_string()),
    };

    let results = RwSignal::new(Vec::<Measurement>::new());
    let imported = RwSignal::new(load_last_run().map(|f| f.measurements).unwrap_or_default());
    let (status, set_status) = signal(String::new());
    let running = RwSignal::new(false);
    let run = move |_| {
        let (Some(g), Some(s), Ok(sh)) = (ctx.gpu.get_value(), spec.get_untracked(), shape())
        else {
            return;
        };
        running.set(true);
        set_status.set(format!("running {} at {sh}…", s.id()));
        leptos::task::spawn_local(async move {
            let opts = RunOptions {
                timing: TimingOptions::quick(),
                seed: None,
            };
            match kernels::run_kernel(&g, s, sh, &opts).await {
                Ok(m) => {
                    set_status.set(format!(
                        "{} at {}: {}, {} ({})",
                        m.id(),
                        m.shape,
                        format::giga_rate(m.gflops_per_s, "FLOP"),
                        format::giga_rate(m.gbytes_per_s, "B"),
                        if m.verified {
                            "verified"
                        } else {
                            "NOT verified"
                        }
                    ));
                    results.update(|r| r.push(m));
                }
                Err(e) => set_status.set(format!("failed: {e}")),
            }
            running.set(false);
        });
    };

    let kernel_options = names
        .iter()
        .map(|k| view! { <option value=*k>{*k}</option> })
        .collect_view();
    let variant_options = move || {
        variant_list
            .get()
            .into_iter()
            .map(|v| view! { <option value=v>{v}</option> })
            .collect_view()
    };
    let no_gpu = move || matches!(ctx.status.get(), GpuStatus::Unavailable(_));
    // A variant that needs a feature this adapter lacks (shader-f16, say) cannot run here.
    let missing = move || {
        ctx.status.track();
        let s = spec.get()?;
        let g = ctx.gpu.get_value()?;
        g.lacking(s.features)
    };
    // The same variant in the native CLI, for those that need what no browser offers.
    let native_command = move || {
        let s = spec.get()?;
        let (_, native_only) = missing()?;
        native_only.then(|| {
            format!(
                "lab bench --kernel {} --variant {} --experimental",
                s.kernel, s.variant
            )
        })
    };

    view! {
        <h1>"Kernels"</h1>
        <p>"Each variant is one WGSL file with an analytic cost model. Run it and see where it lands."</p>
        <AdapterCard status=ctx.status />
        <div class="kernel-grid">
            <section class="card">
                <h2>"Choose"</h2>
                <div class="field">
                    <label for="k-kernel">"Kernel"</label>
                    <select id="k-kernel" data-testid="kernel" on:change=move |ev| kernel.set(event_target_value(&ev))>
                        {kernel_options}
                    </select>
                </div>
                <div class="field">
                    <label for="k-variant">"Variant"</label>
                    <select
                        id="k-variant"
                        data-testid="variant"
                        prop:value=move || spec.get().map(|s| s.variant).unwrap_or_default()
                        on:change=move |ev| variant.set(event_target_value(&ev))
                    >
                        {variant_options}
                    </select>
                </div>
                {size_inputs}
                <Show when=is_attention>
                    <div class="field check">
                        <label>
                            <input
                                type="checkbox"
                                data-testid="causal"
                                prop:checked=move || causal.get()
                                on:change=move |ev| causal.set(event_target_checked(&ev))
                            />
                            " Causal (each query sees only keys at or before its own position)"
                        </label>
                    </div>
                </Show>
                <p class="error" role="alert" data-testid="size-error">{size_problem}</p>
                <button
                    data-testid="run-kernel"
                    on:click=run
                    disabled=move || {
                        !ctx.ready() || running.get() || size_problem().is_some() || missing().is_some()
                    }
                >
                    "Run"
                </button>
                <Show when=move || missing().is_some()>
                    <p class="hint" data-testid="missing-feature">
                        "This adapter lacks " {move || missing().map(|(names, _)| names).unwrap_or_default()}
                        ", which this variant needs; the source and the cost model are here regardless."
                    </p>
                </Show>
                <Show when=move || native_command().is_some()>
                    <p class="hint" data-testid="native-only">
                        "Browsers offer no cooperative matrices (tensor cores). This variant runs in the native CLI: "
                        <code>{move || native_command().unwrap_or_default()}</code>
                    </p>
                </Show>
                <Show when=no_gpu>
                    <p class="hint">"Running needs WebGPU (see above); the source and the cost model are here regardless."</p>
                </Show>
                <p aria-live="polite" data-testid="kernel-status">{status}</p>
            </section>
            <section class="card">
                <h2>"Cost model"</h2>
                <p>{move || spec.get().map(|s| s.summary)}</p>
                <dl class="facts" data-testid="cost">
                    {move || cost().map(|c| view! {
                        <dt>"FLOPs"</dt><dd>{format!("{} FLOP", format::num(c.flops))}</dd>
                        <dt>"Minimum bytes"</dt><dd>{format::bytes(c.bytes)}</dd>
                        <dt>"Intensity"</dt><dd>{format!("{:.3} FLOP/byte", c.intensity())}</dd>
                    })}
                </dl>
            </section>
        </div>
        <RooflineChart
            measurements=results.into()
            imported=imported
            export_name="roofline-kernels"
            imported_label="last benchmark run or imported"
        />
        <section class="card">
            <h2>{move || spec.get().map(|s| format!("WGSL: {}", s.file))}</h2>
            <pre class="source"><code data-testid="source">{move || spec.get().map(|s| s.source)}</code></pre>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_messages() {
        let v = |xs: &[&str]| xs.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let mm = Shape::Matmul { m: 1, n: 1, k: 1 };
        assert_eq!(
            parse_shape(mm, &v(&["64", "32", "16"]), false),
            Ok(Shape::Matmul {
                m: 64,
                n: 32,
                k: 16
            })
        );
        let e = parse_shape(mm, &v(&["64", "0", "16"]), false).unwrap_err();
        assert_eq!(
            e,
            "n (columns) must be a whole number from 1 to 8,192, got \"0\""
        );
        let st = Shape::Stream { elements: 1 };
        assert_eq!(
            parse_shape(st, &v(&["1,024"]), false),
            Ok(Shape::Stream { elements: 1024 })
        );
        // Every kind of kernel takes its own sizes: none is ignored.
        let gemv = Shape::Gemv {
            rows: 1,
            cols: 32,
            batch: 1,
        };
        assert_eq!(
            parse_shape(gemv, &v(&["999", "4096", "8"]), false),
            Ok(Shape::Gemv {
                rows: 999,
                cols: 4096,
                batch: 8
            })
        );
        let e = parse_shape(gemv, &v(&["999", "4096", "9"]), false).unwrap_err();
        assert!(
            e.starts_with("Batch (vectors x) must be a whole number from 1 to 8"),
            "{e}"
        );
        let att = Shape::Attention {
            batch: 1,
            heads: 1,
            seq: 1,
            head_dim: 64,
            causal: false,
        };
        assert_eq!(
            parse_shape(att, &v(&["2", "4", "999", "32"]), true),
            Ok(Shape::Attention {
                batch: 2,
                heads: 4,
                seq: 999,
                head_dim: 32,
                causal: true
            })
        );
        let e = parse_shape(att, &v(&["2", "4"]), false).unwrap_err();
        assert!(e.starts_with("Sequence length N must be"), "{e}");
        let e = parse_shape(att, &v(&["2", "4", "4,91", "64"]), false).unwrap_err();
        assert!(e.starts_with("Sequence length N must be"), "{e}");
        assert_eq!(
            parse_shape(Shape::Peak { threads: 1 }, &v(&["4096"]), false),
            Ok(Shape::Peak { threads: 4096 })
        );
        // The starting values read back as the same shape.
        for s in [mm, st, gemv, att, Shape::Peak { threads: 7 }] {
            let (values, causal) = shape_fields(s);
            assert_eq!(parse_shape(s, &values, causal), Ok(s));
        }
    }
}

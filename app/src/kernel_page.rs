//! The kernel page: choose a kernel, a variant and a size; read the variant's WGSL and its FLOP
//! and byte model; run it and watch its dot move on the roofline (next to the last benchmark run).

use crate::bench::{load_last_run, small_shape};
use crate::format;
use crate::gpu_panel::{AdapterCard, GpuContext, GpuStatus};
use crate::roofline::RooflineChart;
use kernels::registry::{find, kernel_names, variants};
use kernels::{Measurement, RunOptions, Shape, TimingOptions};
use leptos::prelude::*;

/// Parses the size inputs for a shape of the same kind as `like`.
pub fn parse_shape(like: Shape, a: &str, b: &str, c: &str) -> Result<Shape, String> {
    let int = |name: &str, s: &str, max: u64| -> Result<u64, String> {
        match s.trim().replace(['_', ','], "").parse::<u64>() {
            Ok(v) if (1..=max).contains(&v) => Ok(v),
            _ => Err(format!(
                "{name} must be a whole number from 1 to {max}, got \"{s}\""
            )),
        }
    };
    if let Shape::Stream { .. } = like {
        Ok(Shape::Stream {
            elements: int("elements", a, 1 << 28)?,
        })
    } else if let Shape::Matmul { .. } = like {
        Ok(Shape::Matmul {
            m: int("m", a, 8192)? as u32,
            n: int("n", b, 8192)? as u32,
            k: int("k", c, 8192)? as u32,
        })
    } else {
        Ok(like)
    }
}

/// The size inputs' starting values for a shape.
fn shape_fields(s: Shape) -> (String, String, String) {
    if let Shape::Stream { elements } = s {
        (elements.to_string(), String::new(), String::new())
    } else if let Shape::Matmul { m, n, k } = s {
        (m.to_string(), n.to_string(), k.to_string())
    } else {
        Default::default()
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
    let (a, set_a) = signal(String::new());
    let (b, set_b) = signal(String::new());
    let (c, set_c) = signal(String::new());
    // A new kernel gets its own default size.
    Effect::new(move |_| {
        if let Some(s) = spec.get() {
            let (x, y, z) = shape_fields(small_shape(s));
            set_a.set(x);
            set_b.set(y);
            set_c.set(z);
        }
    });
    let shape = move || {
        let s = spec.get().ok_or("no such kernel")?;
        parse_shape(s.default_shape, &a.get(), &b.get(), &c.get())
    };
    let is_matmul = move || {
        spec.get()
            .is_some_and(|s| matches!(s.default_shape, Shape::Matmul { .. }))
    };
    let cost = move || {
        let s = spec.get()?;
        let sh = shape().ok()?;
        s.cost(&sh).ok()
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
                <div class="field">
                    <label for="k-a">{move || if is_matmul() { "m (rows)" } else { "Elements (f32)" }}</label>
                    <input id="k-a" inputmode="numeric" prop:value=a on:input=move |ev| set_a.set(event_target_value(&ev)) />
                </div>
                <Show when=is_matmul>
                    <div class="field">
                        <label for="k-b">"n (columns)"</label>
                        <input id="k-b" inputmode="numeric" prop:value=b on:input=move |ev| set_b.set(event_target_value(&ev)) />
                    </div>
                    <div class="field">
                        <label for="k-c">"k (inner)"</label>
                        <input id="k-c" inputmode="numeric" prop:value=c on:input=move |ev| set_c.set(event_target_value(&ev)) />
                    </div>
                </Show>
                <p class="error" role="alert">{move || shape().err()}</p>
                <button
                    data-testid="run-kernel"
                    on:click=run
                    disabled=move || {
                        !ctx.ready() || running.get() || shape().is_err() || missing().is_some()
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
        let mm = Shape::Matmul { m: 1, n: 1, k: 1 };
        assert_eq!(
            parse_shape(mm, "64", "32", "16"),
            Ok(Shape::Matmul {
                m: 64,
                n: 32,
                k: 16
            })
        );
        let e = parse_shape(mm, "64", "0", "16").unwrap_err();
        assert!(e.contains("n must be"), "{e}");
        let st = Shape::Stream { elements: 1 };
        assert_eq!(
            parse_shape(st, "1,024", "", ""),
            Ok(Shape::Stream { elements: 1024 })
        );
    }
}

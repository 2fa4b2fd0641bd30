//! GPU results against the f64 CPU reference, written once and run on both targets: natively
//! (Mesa lavapipe in CI) and in headless Chromium (SwiftShader WebGPU) via wasm-bindgen-test.
//!
//! Inputs are fresh random values every run, outputs are poisoned with NaN first, and shapes are
//! chosen not to be multiples of any tile, including degenerate ones.

// On wasm32 clippy does not treat `wasm_bindgen_test` functions as tests; unwrapping is the point.
#![allow(clippy::unwrap_used)]

use kernels::registry::find;
use kernels::{Gpu, KernelError, KernelSpec, RunOptions, Shape, TimingOptions, run_kernel};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Expands an `async fn(&Gpu)` into a native `#[test]` and a browser `#[wasm_bindgen_test]`.
macro_rules! gpu_test {
    ($name:ident => $body:ident) => {
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            pollster::block_on(async { $body(&gpu().await).await })
        }
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() {
            $body(&gpu().await).await
        }
    };
}

/// As above, for a body that needs a device opened with `DeviceOptions`.
macro_rules! gpu_test_with {
    ($name:ident => $body:ident, $opts:expr) => {
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            pollster::block_on(async { $body(&gpu_with($opts).await).await })
        }
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() {
            $body(&gpu_with($opts).await).await
        }
    };
}

async fn gpu_with(options: kernels::DeviceOptions) -> Gpu {
    Gpu::open(kernels::AdapterChoice::Best, options)
        .await
        .expect("a GPU adapter (lavapipe or SwiftShader)")
}

async fn gpu() -> Gpu {
    Gpu::new(kernels::AdapterChoice::Best)
        .await
        .expect("a GPU adapter (lavapipe or SwiftShader)")
}

fn quick() -> RunOptions {
    RunOptions {
        timing: TimingOptions::quick(),
        seed: None,
    }
}

async fn assert_verified(gpu: &Gpu, spec: &KernelSpec, shape: Shape) {
    let m = run_kernel(gpu, spec, shape, &quick())
        .await
        .unwrap_or_else(|e| panic!("{} at {shape}: {e}", spec.id()));
    assert!(
        m.verified,
        "{} at {shape} (seed {}) failed: {:?}",
        spec.id(),
        m.seed,
        m.verification.first_failure
    );
    assert!(m.verification.checked > 0);
    assert!(m.time.median_s > 0.0 && m.gbytes_per_s > 0.0, "{m:?}");
    assert_eq!(m.adapter, gpu.adapter);
}

async fn stream_probes_match_reference(gpu: &Gpu) {
    for elements in [1, 3, 4, 1001, (1 << 18) + 7] {
        for variant in ["read", "copy"] {
            assert_verified(
                gpu,
                find("stream", variant).unwrap(),
                Shape::Stream { elements },
            )
            .await;
        }
    }
}
gpu_test!(stream_probes_match_reference_on_odd_sizes => stream_probes_match_reference);

async fn naive_matmul_matches_reference(gpu: &Gpu) {
    let spec = find("matmul", "naive").unwrap();
    for (m, n, k) in [
        (1, 1, 1),
        (1, 37, 19),
        (33, 1, 29),
        (17, 23, 1),
        (33, 47, 29),
        (130, 65, 70),
    ] {
        assert_verified(gpu, spec, Shape::Matmul { m, n, k }).await;
    }
}
gpu_test!(naive_matmul_matches_reference_on_non_tile_shapes => naive_matmul_matches_reference);

/// The tiled ladder: every variant on shapes that are no multiple of any block, degenerate ones
/// (1×1×1, 1×N×K, M×1×K, M×N×1) and one that spans several blocks in every direction.
const LADDER: [&str; 5] = ["tiled", "reg1d", "reg2d", "vec4", "unrolled"];
const RAGGED: [(u32, u32, u32); 7] = [
    (1, 1, 1),
    (1, 37, 19),
    (33, 1, 29),
    (17, 23, 1),
    (33, 47, 29),
    (130, 65, 70),
    (257, 131, 37),
];

async fn ladder_matches_reference(gpu: &Gpu) {
    for variant in LADDER {
        let spec = find("matmul", variant).unwrap();
        for (m, n, k) in RAGGED {
            assert_verified(gpu, spec, Shape::Matmul { m, n, k }).await;
        }
    }
}
gpu_test!(matmul_ladder_matches_reference_on_ragged_shapes => ladder_matches_reference);

/// Runs `spec` at every candidate block of its layout that fits this device, asserting that each
/// verifies; returns the blocks and their measurements.
async fn verified_at_every_fitting_block(
    gpu: &Gpu,
    spec: &KernelSpec,
    shape: Shape,
) -> Vec<(kernels::matmul::Tiles, kernels::Measurement)> {
    use kernels::matmul::{Fit, Layout};
    let layout = Layout::of(spec);
    let mut ran = Vec::new();
    for &tiles in layout.candidates() {
        if layout.check(tiles, &Fit::of(gpu)).is_err() {
            continue;
        }
        let m = kernels::run_kernel_with(gpu, spec, shape, &quick(), Some(tiles))
            .await
            .unwrap_or_else(|e| panic!("{} {tiles}: {e}", spec.id()));
        assert!(
            m.verified,
            "{} with block {tiles} (seed {}): {:?}",
            spec.id(),
            m.seed,
            m.verification
        );
        ran.push((tiles, m));
    }
    ran
}

/// `unrolled` at every candidate block that fits this device (BK = 8 and 16 write its depth
/// loop out 8 and 16 times), on a shape that spans several blocks with ragged edges; and the same
/// text without the `// @unroll` line, which must run as a loop and still verify.
async fn unrolled_matmul_at_every_block(gpu: &Gpu) {
    let spec = find("matmul", "unrolled").unwrap();
    let shape = Shape::Matmul {
        m: 70,
        n: 300,
        k: 45,
    };
    let loops = |m: &kernels::Measurement| {
        m.constants
            .iter()
            .find(|(k, _)| k == "loops_written_out")
            .map_or(0.0, |(_, v)| *v)
    };
    let mut depths = Vec::new();
    for (tiles, m) in verified_at_every_fitting_block(gpu, spec, shape).await {
        assert_eq!(loops(&m), 1.0, "{tiles}: {:?}", m.constants);
        depths.push(tiles.bk);
    }
    assert!(depths.contains(&8), "no block with BK = 8 fits: {depths:?}");
    let as_loop = sabotaged(spec, spec.source.replace(kernels::unroll::MARKER, "//"));
    let m = run_kernel(gpu, &as_loop, shape, &quick()).await.unwrap();
    assert!(m.verified, "{:?}", m.verification);
    assert_eq!(loops(&m), 0.0);
}
gpu_test!(unrolled_matmul_verifies_at_every_block_written_out_or_not => unrolled_matmul_at_every_block);

async fn f16_matmul_matches_reference(gpu: &Gpu) {
    let spec = find("matmul", "f16").unwrap();
    if !gpu.has(spec.features) {
        // SwiftShader's WebGPU has no shader-f16: nothing to run, nothing wrong.
        eprintln!("skipping {}: the adapter lacks shader-f16", spec.id());
        return;
    }
    for (m, n, k) in RAGGED {
        assert_verified(gpu, spec, Shape::Matmul { m, n, k }).await;
    }
}
gpu_test!(f16_matmul_matches_reference_on_ragged_shapes => f16_matmul_matches_reference);

async fn subgroup_matmul_matches_reference(gpu: &Gpu) {
    let spec = find("matmul", "subgroup").unwrap();
    // Mesa's lavapipe (the CI adapter) has subgroups of 8: there the variant must run.
    if gpu.adapter.name.contains("llvmpipe") {
        assert!(gpu.has(wgpu::Features::SUBGROUP), "lavapipe lost SUBGROUP");
        assert_eq!(gpu.subgroup_sizes(), (8, 8));
    }
    if !gpu.has(spec.features) {
        // wgpu's browser backend does not pass `subgroups` through: the variant must be refused
        // by name, not run and not panic.
        let e = run_kernel(gpu, spec, Shape::Matmul { m: 4, n: 4, k: 4 }, &quick())
            .await
            .unwrap_err();
        assert!(
            matches!(e, KernelError::MissingFeature { .. })
                && e.to_string().contains("unsupported on this adapter")
                && e.to_string().contains("SUBGROUP"),
            "{e}"
        );
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    for (m, n, k) in RAGGED {
        assert_verified(gpu, spec, Shape::Matmul { m, n, k }).await;
    }
    // Every candidate block that fits this adapter's subgroup size, on a shape that spans
    // several blocks and several subgroup steps of K with a ragged tail.
    let shape = Shape::Matmul {
        m: 70,
        n: 300,
        k: 45,
    };
    let ran = verified_at_every_fitting_block(gpu, spec, shape)
        .await
        .len();
    assert!(ran > 0, "no subgroup block fits {:?}", gpu.subgroup_sizes());
    // The shuffle is what carries A between lanes: always taking lane 0's value must fail.
    let no_shuffle = sabotaged(
        spec,
        spec.source
            .replace("subgroupShuffle(a_lo, p)", "subgroupShuffle(a_lo, 0u)")
            .replace("subgroupShuffle(a_hi, p)", "subgroupShuffle(a_hi, 0u)"),
    );
    assert_ne!(no_shuffle.source, spec.source);
    let m = run_kernel(
        gpu,
        &no_shuffle,
        Shape::Matmul { m: 9, n: 40, k: 20 },
        &quick(),
    )
    .await
    .unwrap();
    assert!(
        !m.verified,
        "a subgroup kernel that ignores p passed verification"
    );
}
gpu_test!(subgroup_matmul_runs_where_subgroups_exist => subgroup_matmul_matches_reference);

async fn coop_matmul_runs_or_is_refused(gpu: &Gpu) {
    use kernels::matmul::{COOP_FRAGMENT, coop_shape_supported};
    use wgpu::CooperativeScalarType::{F16, F32};
    for variant in ["coop_f16", "coop_split"] {
        let spec = find("matmul", variant).unwrap();
        let small = Shape::Matmul { m: 4, n: 4, k: 4 };
        if !gpu.has(spec.features) {
            // lavapipe and the browser have no cooperative matrices: a clear refusal naming the
            // feature, never garbage. (This device was opened with experimental features on, so
            // an adapter that had the feature would have it here.)
            let e = run_kernel(gpu, spec, small, &quick()).await.unwrap_err();
            assert!(
                matches!(e, KernelError::MissingFeature { .. })
                    && e.to_string().contains("unsupported on this adapter")
                    && e.to_string().contains("EXPERIMENTAL_COOPERATIVE_MATRIX"),
                "{e}"
            );
            assert!(gpu.coop_properties().is_empty() || cfg!(target_arch = "wasm32"));
            eprintln!("skipping {}: {e}", spec.id());
            continue;
        }
        let f = COOP_FRAGMENT;
        if let Err(why) =
            coop_shape_supported(&spec.id(), gpu.coop_properties(), (f, f, f), F16, F32)
        {
            // The feature without the 16×16×16 f16 → f32 shape: refused before anything runs.
            let e = run_kernel(gpu, spec, small, &quick()).await.unwrap_err();
            assert_eq!(e, why);
            eprintln!("skipping {}: {e}", spec.id());
            continue;
        }
        // Tensor cores present (an H100 with `cargo test`): the ragged ladder, for real, and a
        // shape spanning several blocks and K steps, which records that experimental features
        // were on.
        for (m, n, k) in RAGGED {
            assert_verified(gpu, spec, Shape::Matmul { m, n, k }).await;
        }
        let m = run_kernel(
            gpu,
            spec,
            Shape::Matmul {
                m: 300,
                n: 200,
                k: 100,
            },
            &quick(),
        )
        .await
        .unwrap();
        assert!(m.verified, "{:?}", m.verification);
        assert!(
            m.constants
                .iter()
                .any(|(name, v)| name == "experimental_features" && *v == 1.0),
            "{:?}",
            m.constants
        );
        // coop_f16 at every candidate block that fits (coop_split's are checked below), on a
        // shape with ragged edges in all three dimensions: the blocks differ in subgroups per
        // workgroup and in each subgroup's share of C (64×64 or 64×32), and every fragment of
        // C leaves through the staging area, whose copy must skip the rows past M and the
        // words past the padded row.
        if variant == "coop_f16" {
            let shape = Shape::Matmul {
                m: 270,
                n: 301,
                k: 45,
            };
            verified_at_every_fitting_block(gpu, spec, shape).await;
        }
    }
    // FP32 through f16 halves must scale: values far above f16's 65504 and far below its
    // smallest normal (6.1e-5) still give f32 accuracy, at every block that fits.
    let split = find("matmul", "coop_split").unwrap();
    if gpu.has(split.features) && kernels::matmul::coop_f16_supported(gpu, &split.id()).is_ok() {
        let shape = Shape::Matmul {
            m: 70,
            n: 135,
            k: 41,
        };
        for scale in [3.0e6, 2.0e-7, 1.0e-19] {
            let m = kernels::run_kernel_scaled(gpu, split, shape, &quick(), scale)
                .await
                .unwrap();
            assert!(m.verified, "inputs ×{scale}: {:?}", m.verification);
        }
        verified_at_every_fitting_block(gpu, split, shape).await;
    }
}
gpu_test_with!(coop_matmul_runs_or_is_refused_clearly => coop_matmul_runs_or_is_refused,
    kernels::DeviceOptions { experimental: true });

async fn coop_peak_runs_or_is_refused(gpu: &Gpu) {
    use kernels::matmul::{COOP_FRAGMENT, coop_shape_supported};
    use wgpu::CooperativeScalarType::{F16, F32};
    let spec = find("peak", "coop-f16").unwrap();
    let f = COOP_FRAGMENT;
    let listed = coop_shape_supported(&spec.id(), gpu.coop_properties(), (f, f, f), F16, F32);
    // The ceilings plan measures the tensor-core roof exactly where the probe can run.
    let plan = kernels::ceilings::plan(gpu, 1 << 20, 1000);
    let planned = plan.iter().any(|(s, _)| s.id() == spec.id());
    let (sg_min, sg_max) = gpu.subgroup_sizes();
    let fixed = sg_min >= 8 && sg_min == sg_max;
    assert_eq!(planned, gpu.has(spec.features) && listed.is_ok() && fixed);
    assert_eq!(
        planned,
        kernels::ceilings::coop_runnable(gpu) && gpu.has(spec.features)
    );
    if !gpu.has(spec.features) {
        // lavapipe and the browser: refused with the missing feature named, never garbage.
        let e = run_kernel(gpu, spec, Shape::Peak { threads: 64 }, &quick())
            .await
            .unwrap_err();
        assert!(
            matches!(e, KernelError::MissingFeature { .. })
                && e.to_string().contains("EXPERIMENTAL_COOPERATIVE_MATRIX"),
            "{e}"
        );
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    if let Err(why) = listed {
        let e = run_kernel(gpu, spec, Shape::Peak { threads: 64 }, &quick())
            .await
            .unwrap_err();
        assert_eq!(e, why);
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    if !fixed {
        let e = run_kernel(gpu, spec, Shape::Peak { threads: 64 }, &quick())
            .await
            .unwrap_err();
        assert!(e.to_string().contains("fixed subgroup size"), "{e}");
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    // Tensor cores present: every thread's total is exact, also for a partial workgroup, and
    // the FLOPs count every subgroup the dispatch ran (300 threads: 2 workgroups of 256).
    for threads in [1, 300, 5000] {
        let m = run_kernel(gpu, spec, Shape::Peak { threads }, &quick())
            .await
            .unwrap();
        assert!(m.verified, "{:?}", m.verification.first_failure);
        let (sg, _) = gpu.subgroup_sizes();
        let subgroups = threads.div_ceil(256) * (256 / sg as u64);
        assert_eq!(m.flops, subgroups as f64 * 8.0 * 256.0 * 8192.0);
    }
}
gpu_test_with!(coop_peak_runs_or_is_refused_clearly => coop_peak_runs_or_is_refused,
    kernels::DeviceOptions { experimental: true });

async fn experimental_features_are_opt_in(gpu: &Gpu) {
    // Without the opt-in the device never has an experimental feature, and the cooperative-
    // matrix variant is refused with the reason: missing on this adapter, or not opted into.
    assert!(!gpu.experimental());
    assert!(!gpu.has(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX));
    let spec = find("matmul", "coop_f16").unwrap();
    let e = run_kernel(gpu, spec, Shape::Matmul { m: 4, n: 4, k: 4 }, &quick())
        .await
        .unwrap_err();
    if gpu.adapter_has(wgpu::Features::EXPERIMENTAL_COOPERATIVE_MATRIX) {
        assert!(
            matches!(e, KernelError::ExperimentalNotEnabled { .. })
                && e.to_string().contains("--experimental"),
            "{e}"
        );
    } else {
        assert!(matches!(e, KernelError::MissingFeature { .. }), "{e}");
    }
}
gpu_test!(experimental_features_need_an_opt_in => experimental_features_are_opt_in);

async fn other_block_shapes_match_reference(gpu: &Gpu) {
    use kernels::matmul::Tiles;
    // Every candidate block shape that fits this device (the ones autotuning may pick).
    let shape = Shape::Matmul {
        m: 70,
        n: 135,
        k: 41,
    };
    for variant in LADDER {
        verified_at_every_fitting_block(gpu, find("matmul", variant).unwrap(), shape).await;
    }
    // A block shape the device cannot run is refused with the limit's name.
    let e = kernels::run_kernel_with(
        gpu,
        find("matmul", "reg2d").unwrap(),
        shape,
        &quick(),
        Some(Tiles {
            bm: 1024,
            bn: 1024,
            bk: 8,
        }),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("maxComputeInvocationsPerWorkgroup"),
        "{e}"
    );
}
gpu_test!(every_fitting_block_shape_matches_reference => other_block_shapes_match_reference);

async fn small_inputs_rotate_and_record_it(gpu: &Gpu) {
    let m = run_kernel(
        gpu,
        find("matmul", "vec4").unwrap(),
        Shape::Matmul {
            m: 64,
            n: 64,
            k: 64,
        },
        &quick(),
    )
    .await
    .unwrap();
    assert_eq!(m.input_sets as u64, kernels::matmul::MAX_INPUT_SETS);
    // Runtime checks are on unless the caller opted out, and the result says so.
    assert!(
        m.constants
            .iter()
            .any(|(name, v)| name == "runtime_checks" && *v == 1.0),
        "{:?}",
        m.constants
    );
    // So is whether experimental features were enabled (they were not).
    assert!(
        m.constants
            .iter()
            .any(|(name, v)| name == "experimental_features" && *v == 0.0),
        "{:?}",
        m.constants
    );
    assert!(m.flops > 0.0 && m.bytes > 0.0);
}
gpu_test!(small_matmul_inputs_rotate_across_buffers => small_inputs_rotate_and_record_it);

async fn peak_probes_are_exact(gpu: &Gpu) {
    for variant in ["fma-f32", "fma-f16"] {
        let spec = find("peak", variant).unwrap();
        if !gpu.has(spec.features) {
            // SwiftShader's WebGPU has no shader-f16: nothing to measure, nothing wrong.
            eprintln!("skipping {}: the adapter lacks shader-f16", spec.id());
            continue;
        }
        for threads in [1, 300, 5000] {
            assert_verified(gpu, spec, Shape::Peak { threads }).await;
        }
    }
}
gpu_test!(peak_probes_match_reference_exactly => peak_probes_are_exact);

async fn sampled_check_covers_large_outputs(gpu: &Gpu) {
    let spec = find("matmul", "naive").unwrap();
    let m = run_kernel(
        gpu,
        spec,
        Shape::Matmul {
            m: 301,
            n: 257,
            k: 45,
        },
        &quick(),
    )
    .await
    .unwrap();
    assert!(m.verified, "{:?}", m.verification);
    assert_eq!(m.verification.total, 301 * 257);
    assert!(m.verification.checked > 4000 && m.verification.checked < m.verification.total);
}
gpu_test!(large_outputs_are_checked_at_random_positions => sampled_check_covers_large_outputs);

/// A copy of a registry entry running different WGSL: how we prove the checks can fail.
fn sabotaged(base: &'static KernelSpec, source: String) -> KernelSpec {
    KernelSpec {
        source: Box::leak(source.into_boxed_str()),
        ..*base
    }
}

async fn wrong_elements_fail_verification(gpu: &Gpu) {
    let naive = find("matmul", "naive").unwrap();
    // One element off by one.
    let off = sabotaged(
        naive,
        naive.source.replace(
            "c[row * params.n + col] = acc;",
            "c[row * params.n + col] = select(acc, acc + 1.0, row == 2u && col == 3u);",
        ),
    );
    let m = run_kernel(gpu, &off, Shape::Matmul { m: 5, n: 7, k: 9 }, &quick())
        .await
        .unwrap();
    assert!(!m.verified, "an element off by 1.0 passed verification");
    assert!(
        m.verification
            .first_failure
            .unwrap()
            .starts_with("element 17")
    );
    // One element never written: the NaN poison must show.
    let skip = sabotaged(
        naive,
        naive.source.replace(
            "c[row * params.n + col] = acc;",
            "if (row != params.m - 1u || col != params.n - 1u) { c[row * params.n + col] = acc; }",
        ),
    );
    let m = run_kernel(gpu, &skip, Shape::Matmul { m: 5, n: 7, k: 9 }, &quick())
        .await
        .unwrap();
    assert!(!m.verified, "an unwritten element passed verification");
    // A copy that drops its last word.
    let copy = find("stream", "copy").unwrap();
    let short = sabotaged(
        copy,
        copy.source
            .replace("i < params.len;", "i + 1u < params.len;"),
    );
    let m = run_kernel(gpu, &short, Shape::Stream { elements: 4099 }, &quick())
        .await
        .unwrap();
    assert!(!m.verified, "a short copy passed verification");
}
gpu_test!(wrong_or_missing_elements_fail_verification => wrong_elements_fail_verification);

async fn errors_are_reported_not_panicked(gpu: &Gpu) {
    let naive = find("matmul", "naive").unwrap();
    // A shader that does not compile.
    let broken = sabotaged(naive, naive.source.replace("var acc = 0.0;", "var acc = ;"));
    let e = run_kernel(gpu, &broken, Shape::Matmul { m: 4, n: 4, k: 4 }, &quick())
        .await
        .unwrap_err();
    assert!(matches!(e, KernelError::Shader { .. }), "{e:?}");
    // A buffer beyond the binding limit, named in the message.
    let max = gpu.limits().max_storage_buffer_binding_size;
    let elements = max / 4 + 1024;
    let e = run_kernel(
        gpu,
        find("stream", "copy").unwrap(),
        Shape::Stream { elements },
        &quick(),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("maxStorageBufferBindingSize"), "{e}");
    // A dispatch wider than the per-dimension limit (a 1×N×1 product with huge N).
    let wide = gpu.limits().max_compute_workgroups_per_dimension as u64 * 16 + 16;
    if wide * 4 <= gpu.limits().max_storage_buffer_binding_size {
        let e = run_kernel(
            gpu,
            naive,
            Shape::Matmul {
                m: 1,
                n: wide as u32,
                k: 1,
            },
            &quick(),
        )
        .await
        .unwrap_err();
        assert!(
            e.to_string().contains("maxComputeWorkgroupsPerDimension"),
            "{e}"
        );
    }
    // The same for a matmul matrix, named.
    let side = ((max / 4) as f64).sqrt() as u32 + 64;
    let e = run_kernel(
        gpu,
        find("matmul", "vec4").unwrap(),
        Shape::Matmul {
            m: side,
            n: side,
            k: 4,
        },
        &quick(),
    )
    .await
    .unwrap_err();
    assert!(
        e.to_string().contains("maxStorageBufferBindingSize") && e.to_string().contains("matrix C"),
        "{e}"
    );
    // Shapes whose sizes overflow 64-bit byte counts are refused, not panicked on (they did
    // overflow in the attention cost and the matmul, GEMV and stream buffer sizes).
    for (kernel, variant, shape) in [
        (
            "matmul",
            "naive",
            Shape::Matmul {
                m: u32::MAX,
                n: u32::MAX,
                k: u32::MAX,
            },
        ),
        (
            "stream",
            "read",
            Shape::Stream {
                elements: 10_000_000_000_000_000_000,
            },
        ),
        (
            "gemv",
            "f32",
            Shape::Gemv {
                rows: u32::MAX,
                cols: u32::MAX,
                batch: 1,
            },
        ),
        (
            "attention",
            "naive",
            Shape::Attention {
                batch: 65536,
                heads: 65536,
                seq: 1,
                head_dim: 32,
                causal: false,
            },
        ),
    ] {
        // Either refused outright (petabytes) or by the device limit its largest buffer
        // exceeds, with that buffer's true size: never a panic, never a wrapped size.
        let e = run_kernel(gpu, find(kernel, variant).unwrap(), shape, &quick())
            .await
            .unwrap_err();
        let text = e.to_string();
        let clear = match &e {
            KernelError::InvalidShape { .. } => text.contains("no GPU holds"),
            KernelError::LimitExceeded { needed, .. } => {
                kernel == "attention" && needed == "512.0 GiB"
            }
            _ => false,
        };
        assert!(clear, "{kernel}/{variant}: {e:?}");
    }
    // Zero sizes and the wrong kind of shape.
    let e = run_kernel(gpu, naive, Shape::Matmul { m: 0, n: 4, k: 4 }, &quick())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("at least 1"), "{e}");
    let e = run_kernel(gpu, naive, Shape::Stream { elements: 4 }, &quick())
        .await
        .unwrap_err();
    assert!(matches!(e, KernelError::InvalidShape { .. }), "{e:?}");
    // The device survives all of that.
    assert_verified(gpu, naive, Shape::Matmul { m: 3, n: 5, k: 7 }).await;
}
gpu_test!(bad_shaders_limits_and_shapes_are_clear_errors => errors_are_reported_not_panicked);

async fn both_timing_methods_are_recorded(gpu: &Gpu) {
    let spec = find("stream", "copy").unwrap();
    let shape = Shape::Stream { elements: 1 << 16 };
    let wall = RunOptions {
        timing: TimingOptions {
            use_timestamps: false,
            ..TimingOptions::quick()
        },
        seed: None,
    };
    let m = run_kernel(gpu, spec, shape, &wall).await.unwrap();
    assert_eq!(m.timing, kernels::TimingMethod::WallClock);
    assert!(
        m.verified && m.time.median_s > 0.0 && m.time.samples == 3,
        "{m:?}"
    );
    assert!(m.time.min_s <= m.time.median_s && m.time.median_s <= m.time.max_s);
    let m = run_kernel(gpu, spec, shape, &quick()).await.unwrap();
    let expected = if gpu.has(wgpu::Features::TIMESTAMP_QUERY) {
        kernels::TimingMethod::GpuTimestamps
    } else {
        kernels::TimingMethod::WallClock
    };
    assert_eq!(m.timing, expected);
    // Reps are calibrated so a sample spans the requested minimum (unless capped).
    let reps = m.time.reps_per_sample as f64;
    assert!(reps >= 1.0 && reps <= TimingOptions::quick().max_reps as f64);
}
gpu_test!(wall_clock_and_timestamp_timing_are_labelled => both_timing_methods_are_recorded);

async fn gemv_variants_match_reference(gpu: &Gpu) {
    for spec in kernels::registry::variants("gemv").unwrap() {
        let blocked = matches!(spec.dtype, kernels::Dtype::Q8_0 | kernels::Dtype::Q4_0);
        // Rows that fill no workgroup grid evenly, odd and even blocks per row (Q4_0 reads
        // blocks in pairs), batches 1, 2, 3, 5 and 8, and (for the formats
        // without blocks) odd column counts and a single column.
        let mut shapes = vec![
            (37, 64, 1),
            (5, 96, 3),
            (70, 160, 8),
            (1, 32, 2),
            (333, 224, 1),
            (301, 128, 5),
            // Q4_0 works through a row 16 pairs (1,024 columns) per stage: two and three stages,
            // the last one partial.
            (45, 1120, 2),
            (40, 2048, 1),
            (33, 2080, 8),
        ];
        if !blocked {
            shapes.extend([(13, 45, 2), (3, 1, 1), (1, 1, 8), (9, 131, 5)]);
        }
        for (rows, cols, batch) in shapes {
            assert_verified(gpu, spec, Shape::Gemv { rows, cols, batch }).await;
        }
    }
}
gpu_test!(gemv_variants_match_reference_on_odd_shapes => gemv_variants_match_reference);

async fn gemv_rejects_shapes_its_formats_cannot_hold(gpu: &Gpu) {
    let q4 = find("gemv", "q4_0").unwrap();
    let e = run_kernel(
        gpu,
        q4,
        Shape::Gemv {
            rows: 4,
            cols: 40,
            batch: 1,
        },
        &quick(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("multiple of 32") && e.contains("40"), "{e}");
    let e = run_kernel(
        gpu,
        q4,
        Shape::Gemv {
            rows: 4,
            cols: 64,
            batch: 9,
        },
        &quick(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("batch must be from 1 to 8"), "{e}");
    let f32v = find("gemv", "f32").unwrap();
    let max = gpu.limits().max_storage_buffer_binding_size;
    let rows = (max / 4 / 1024 + 1) as u32;
    let e = run_kernel(
        gpu,
        f32v,
        Shape::Gemv {
            rows,
            cols: 1024,
            batch: 1,
        },
        &quick(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("maxStorageBufferBindingSize"), "{e}");
}
gpu_test!(gemv_shape_errors_name_the_rule => gemv_rejects_shapes_its_formats_cannot_hold);

async fn a_wrong_nibble_order_fails_verification(gpu: &Gpu) {
    // Swapping GGUF's low/high nibble order is the classic Q4_0 bug: it must not pass.
    let q4 = find("gemv", "q4_0").unwrap();
    let f32_x = q4
        .source
        .replace(
            "let v = q & 0x0f0f0f0fu;",
            "let v = (q >> 4u) & 0x0f0f0f0fu;",
        )
        .replace("return lo(q >> 4u);", "return lo(q << 4u);");
    let dp4a = find("gemv", "q4_0_dp4a").unwrap();
    let int8_x = dp4a.source.replace(
        "dot4I8Packed(l.x, lo.x) + dot4I8Packed(h.x, hi.x)",
        "dot4I8Packed(l.x, hi.x) + dot4I8Packed(h.x, lo.x)",
    );
    for (spec, source) in [(q4, f32_x), (dp4a, int8_x)] {
        assert_ne!(
            source, spec.source,
            "the sabotage no longer matches the WGSL"
        );
        let swapped = sabotaged(spec, source);
        let m = run_kernel(
            gpu,
            &swapped,
            Shape::Gemv {
                rows: 8,
                cols: 64,
                batch: 1,
            },
            &quick(),
        )
        .await
        .unwrap();
        assert!(
            !m.verified,
            "{} with swapped nibbles passed verification",
            spec.id()
        );
    }
}
gpu_test!(gemv_with_swapped_nibbles_fails_verification => a_wrong_nibble_order_fails_verification);

async fn attention_variants_match_reference(gpu: &Gpu) {
    for spec in kernels::registry::variants("attention").unwrap() {
        if !gpu.has(spec.features) {
            // SwiftShader's WebGPU has no shader-f16, and only a device opened with experimental
            // features has cooperative matrices (the test below): nothing to run, nothing wrong.
            eprintln!("skipping {}: the device lacks its features", spec.id());
            continue;
        }
        for shape in odd_attention_shapes() {
            assert_verified(gpu, spec, shape).await;
        }
    }
}

/// N not a multiple of any tile, N = 1, each supported head dimension, causal and not, several
/// heads and batches.
fn odd_attention_shapes() -> impl Iterator<Item = Shape> {
    [
        (1, 1, 1, 32),
        (1, 2, 37, 32),
        (2, 1, 19, 64),
        (1, 1, 70, 128),
        (1, 2, 45, 96),
        (1, 3, 16, 64),
        (1, 1, 133, 64),
    ]
    .into_iter()
    .flat_map(|(batch, heads, seq, head_dim)| {
        [false, true].map(|causal| Shape::Attention {
            batch,
            heads,
            seq,
            head_dim,
            causal,
        })
    })
}
gpu_test!(attention_variants_match_reference_on_odd_shapes => attention_variants_match_reference);

async fn attention_survives_large_logits(gpu: &Gpu) {
    // Q and K scaled by 12 give logits in the hundreds: exp overflows f32 unless the maximum
    // is subtracted first.
    for spec in kernels::registry::variants("attention").unwrap() {
        if !gpu.has(spec.features) {
            continue;
        }
        for causal in [false, true] {
            let shape = Shape::Attention {
                batch: 1,
                heads: 2,
                seq: 45,
                head_dim: 64,
                causal,
            };
            let m = kernels::run_kernel_scaled(gpu, spec, shape, &quick(), 12.0)
                .await
                .unwrap();
            assert!(
                m.verified,
                "{} {shape}: {:?}",
                spec.id(),
                m.verification.first_failure
            );
        }
    }
}
gpu_test!(attention_is_stable_with_large_logits => attention_survives_large_logits);

async fn coop_attention_runs_or_is_refused(gpu: &Gpu) {
    let spec = find("attention", "flash_split").unwrap();
    let small = Shape::Attention {
        batch: 1,
        heads: 1,
        seq: 8,
        head_dim: 32,
        causal: false,
    };
    if !gpu.has(spec.features) {
        // lavapipe and the browser: a clear refusal naming the feature, never garbage.
        let e = run_kernel(gpu, spec, small, &quick()).await.unwrap_err();
        assert!(
            matches!(e, KernelError::MissingFeature { .. })
                && e.to_string().contains("EXPERIMENTAL_COOPERATIVE_MATRIX"),
            "{e}"
        );
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    if let Err(why) = kernels::matmul::coop_f16_supported(gpu, &spec.id()) {
        let e = run_kernel(gpu, spec, small, &quick()).await.unwrap_err();
        assert_eq!(e, why);
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    if gpu.subgroup_sizes() != (32, 32) {
        let e = run_kernel(gpu, spec, small, &quick()).await.unwrap_err();
        assert!(e.to_string().contains("exactly 32 lanes"), "{e}");
        eprintln!("skipping {}: {e}", spec.id());
        return;
    }
    // Tensor cores present (an H100 with `cargo test`).
    for shape in odd_attention_shapes() {
        assert_verified(gpu, spec, shape).await;
    }
    let e = run_kernel(
        gpu,
        spec,
        Shape::Attention {
            batch: 1,
            heads: 1,
            seq: 8,
            head_dim: 40,
            causal: false,
        },
        &quick(),
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("multiple of 16") && e.contains("40"), "{e}");
    // Q, K and V scaled together: by 12, logits in the hundreds, so that later tiles raise
    // rows' maxima and the output goes through the rescale; by 3·10⁶ and 10⁻¹⁹, values far
    // above f16's 65504 and far below its smallest normal, which the scale pass must bring in.
    for causal in [false, true] {
        let shape = Shape::Attention {
            batch: 1,
            heads: 2,
            seq: 100,
            head_dim: 64,
            causal,
        };
        for scale in [12.0, 3.0e6, 1.0e-19] {
            let m = kernels::run_kernel_scaled(gpu, spec, shape, &quick(), scale)
                .await
                .unwrap();
            assert!(
                m.verified,
                "{shape} ×{scale}: {:?}",
                m.verification.first_failure
            );
        }
    }
    // Raising a row's maximum without rescaling its output must be caught.
    let source = spec
        .source
        .replace("alpha = exp2(m - top);", "alpha = 1.0;");
    assert_ne!(
        source, spec.source,
        "the sabotage no longer matches the WGSL"
    );
    let no_rescale = sabotaged(spec, source);
    let shape = Shape::Attention {
        batch: 1,
        heads: 1,
        seq: 100,
        head_dim: 32,
        causal: false,
    };
    let m = kernels::run_kernel_scaled(gpu, &no_rescale, shape, &quick(), 12.0)
        .await
        .unwrap();
    assert!(
        !m.verified,
        "tensor-core FlashAttention without its rescale passed verification"
    );
}
gpu_test_with!(coop_attention_runs_or_is_refused_clearly => coop_attention_runs_or_is_refused,
    kernels::DeviceOptions { experimental: true });

async fn attention_errors_and_sabotage(gpu: &Gpu) {
    let flash = find("attention", "flash").unwrap();
    let odd = Shape::Attention {
        batch: 1,
        heads: 1,
        seq: 8,
        head_dim: 20,
        causal: false,
    };
    let e = run_kernel(gpu, flash, odd, &quick())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("32, 64, 96 or 128") && e.contains("20"), "{e}");
    // Forgetting to rescale the running output when the maximum moves must be caught.
    let source = flash
        .source
        .replace("let al0 = alpha_s[ty];", "let al0 = 1.0;")
        .replace("let al1 = alpha_s[ty + 16u];", "let al1 = 1.0;");
    assert_ne!(
        source, flash.source,
        "the sabotage no longer matches the WGSL"
    );
    let no_rescale = sabotaged(flash, source);
    let shape = Shape::Attention {
        batch: 1,
        heads: 1,
        seq: 100,
        head_dim: 32,
        causal: false,
    };
    let m = run_kernel(gpu, &no_rescale, shape, &quick()).await.unwrap();
    assert!(
        !m.verified,
        "FlashAttention without the online-softmax rescale passed verification"
    );
    // A naive score matrix for one head larger than the largest binding is a named limit.
    let naive = find("attention", "naive").unwrap();
    let max = gpu.limits().max_storage_buffer_binding_size.min(1 << 30);
    let seq = ((max / 4) as f64).sqrt() as u32 + 64;
    let huge = Shape::Attention {
        batch: 1,
        heads: 1,
        seq,
        head_dim: 8,
        causal: false,
    };
    let e = run_kernel(gpu, naive, huge, &quick())
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("maxStorageBufferBindingSize"), "{e}");
}
gpu_test!(attention_limits_and_a_missing_rescale_are_caught => attention_errors_and_sabotage);

fn constant(m: &kernels::Measurement, name: &str) -> Option<f64> {
    m.constants.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
}

/// `lab bench --wgsl`: a replacement source runs through the variant's harness and is checked
/// like the original; its errors say where (line) or what the harness expects (contract).
async fn replacement_sources_run_through_the_harness(gpu: &Gpu) {
    let copy = find("stream", "copy").unwrap();
    let shape = Shape::Stream { elements: 4099 };
    // The variant's own text, as another string: verified, and named as a replacement.
    let own = copy.source.to_string();
    let m = kernels::run_kernel_source(gpu, copy, &own, "mine.wgsl", shape, &quick(), None)
        .await
        .unwrap();
    assert!(m.verified, "{:?}", m.verification.first_failure);
    assert_eq!(m.id(), "stream/copy+mine.wgsl");
    assert_eq!(constant(&m, "runtime_checks"), Some(1.0));
    // A wrong copy fails verification rather than erroring.
    let doubled = own.replace("dst[i] = src[i];", "dst[i] = src[i] * 2.0;");
    assert_ne!(doubled, own);
    let m = kernels::run_kernel_source(gpu, copy, &doubled, "x.wgsl", shape, &quick(), None)
        .await
        .unwrap();
    assert!(!m.verified, "a doubling copy passed verification");
    // A syntax error comes back with its line.
    let broken = own.replace("dst[i] = src[i];", "dst[i] = src[i] +;");
    let line = 1 + broken[..broken.find("src[i] +;").unwrap()]
        .matches('\n')
        .count() as u32;
    match kernels::run_kernel_source(gpu, copy, &broken, "x.wgsl", shape, &quick(), None).await {
        Err(KernelError::Compile { messages, .. }) => {
            assert_eq!(messages[0].line, line, "{messages:?}");
        }
        other => panic!("expected a compile error, got {other:?}"),
    }
    // A source that compiles but lacks the entry point the harness calls.
    let renamed = own.replace("fn main(", "fn start(");
    assert_ne!(renamed, own);
    match kernels::run_kernel_source(gpu, copy, &renamed, "x.wgsl", shape, &quick(), None).await {
        Err(e @ KernelError::Contract { .. }) => {
            let text = e.to_string();
            assert!(text.contains("kernels/wgsl/stream/copy.wgsl"), "{text}");
        }
        other => panic!("expected a contract error, got {other:?}"),
    }
    // Natively, `--unchecked` alone leaves a replacement checked; only the second opt-in
    // (`--wgsl FILE --unchecked` in the CLI) compiles it without wgpu's runtime checks.
    #[cfg(not(target_arch = "wasm32"))]
    {
        gpu.set_unchecked_shaders(true);
        let m = kernels::run_kernel_source(gpu, copy, &own, "x.wgsl", shape, &quick(), None)
            .await
            .unwrap();
        assert_eq!(constant(&m, "runtime_checks"), Some(1.0));
        gpu.set_unchecked_custom_sources(true);
        let m = kernels::run_kernel_source(gpu, copy, &own, "x.wgsl", shape, &quick(), None)
            .await
            .unwrap();
        assert!(m.verified);
        assert_eq!(constant(&m, "runtime_checks"), Some(0.0));
    }
}
gpu_test!(replacement_sources_run_through_the_harness_and_say_what_is_wrong => replacement_sources_run_through_the_harness);

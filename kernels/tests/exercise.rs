//! Kernel exercises graded end to end on both targets (lavapipe natively, SwiftShader in
//! headless Chromium): a correct solution passes, a wrong one fails verification, one that does
//! not compile gives errors with line and column, one that does not fit the harness says what
//! the harness expects, and one that is correct but slow fails the speed goal.

// On wasm32 clippy does not treat `wasm_bindgen_test` functions as tests; unwrapping is the point.
#![allow(clippy::unwrap_used)]

use kernels::exercise::{exercise_kernel, rate, run_exercise};
use kernels::{Gpu, KernelError, Measurement, RunOptions, Shape, TimingOptions};
use lessons::content::kernel_source;
use lessons::kernel_exercise::{KernelOutcome, KernelTask, Roof, grade};
use lessons::lesson::Verdict;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Expands an `async fn(&Gpu)` into a native `#[test]` and a browser `#[wasm_bindgen_test]`.
macro_rules! gpu_test {
    ($name:ident => $body:ident) => {
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            // One at a time, so that the speed test does not time a GPU the others share.
            let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
            pollster::block_on(async { $body(&gpu().await).await })
        }
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() {
            $body(&gpu().await).await
        }
    };
}

#[cfg(not(target_arch = "wasm32"))]
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

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

fn source(name: &str) -> &'static str {
    kernel_source(name)
        .unwrap_or_else(|| panic!("{name} is listed"))
        .1
}

/// Small ragged shapes per family, so the tests stay quick on software rasterizers.
fn small(family: &str) -> Shape {
    match family {
        "stream-copy" => Shape::Stream {
            elements: (1 << 16) + 5,
        },
        "matmul-tiled" => Shape::Matmul {
            m: 45,
            n: 37,
            k: 29,
        },
        "gemv-q8_0" => Shape::Gemv {
            rows: 67,
            cols: 96,
            batch: 1,
        },
        _ => Shape::Attention {
            batch: 1,
            heads: 2,
            seq: 37,
            head_dim: 16,
            causal: false,
        },
    }
}

async fn solutions_pass_and_starters_do_not(gpu: &Gpu) {
    for family in kernels::exercise::FAMILIES {
        let shape = small(family);
        let solution = source(&format!("{family}-solution.wgsl"));
        let m = run_exercise(gpu, family, solution, Some(shape), &quick())
            .await
            .unwrap_or_else(|e| panic!("{family} solution: {e}"));
        assert!(
            m.verified,
            "{family} solution (seed {}): {:?}",
            m.seed, m.verification
        );
        assert!(m.time.median_s > 0.0, "{family}");
        let starter = source(&format!("{family}-starter.wgsl"));
        // The copy starter copies one word per thread: right whenever there are at least as
        // many threads as words, which only the graded size (over 2²¹ words) rules out.
        let starter_shape = (*family != "stream-copy").then_some(shape);
        let m = run_exercise(gpu, family, starter, starter_shape, &quick())
            .await
            .unwrap_or_else(|e| panic!("{family} starter: {e}"));
        assert!(
            !m.verified,
            "{family}: the starter passes, so the exercise asks nothing"
        );
        assert!(m.verification.first_failure.is_some(), "{family}");
    }
}
gpu_test!(exercise_solutions_pass_and_starters_fail => solutions_pass_and_starters_do_not);

/// Exercises never run unchecked: a device set to compile replacement sources without wgpu's
/// runtime checks (`lab bench --wgsl FILE --unchecked`) refuses them instead.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn exercises_refuse_a_device_that_drops_runtime_checks() {
    pollster::block_on(async {
        let gpu = gpu().await;
        let family = "stream-copy";
        let solution = source("stream-copy-solution.wgsl");
        gpu.set_unchecked_shaders(true);
        let m = run_exercise(&gpu, family, solution, Some(small(family)), &quick())
            .await
            .unwrap();
        assert!(m.verified);
        assert!(m.constants.contains(&("runtime_checks".to_string(), 1.0)));
        gpu.set_unchecked_custom_sources(true);
        match run_exercise(&gpu, family, solution, Some(small(family)), &quick()).await {
            Err(KernelError::Unsupported { reason, .. }) => {
                assert!(reason.contains("runtime checks"), "{reason}")
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    });
}

async fn compile_errors_carry_line_and_column(gpu: &Gpu) {
    let broken =
        source("stream-copy-solution.wgsl").replace("dst[i] = src[i];", "dst[i] = srcc[i];");
    let line = broken.lines().position(|l| l.contains("srcc")).unwrap() as u32 + 1;
    let column = broken
        .lines()
        .nth(line as usize - 1)
        .unwrap()
        .find("srcc")
        .unwrap() as u32
        + 1;
    let e = run_exercise(
        gpu,
        "stream-copy",
        &broken,
        Some(small("stream-copy")),
        &quick(),
    )
    .await
    .unwrap_err();
    let KernelError::Compile { messages, .. } = &e else {
        panic!("expected a compile error, got {e:?}");
    };
    assert!(
        messages
            .iter()
            .any(|m| m.line == line && m.column == column),
        "expected {line}:{column} in {messages:?}"
    );
    assert!(e.to_string().contains(&format!("{line}:{column}")), "{e}");
    // The device survives a failed compile: the solution still runs afterwards.
    let m = run_exercise(
        gpu,
        "stream-copy",
        source("stream-copy-solution.wgsl"),
        Some(small("stream-copy")),
        &quick(),
    )
    .await
    .unwrap();
    assert!(m.verified);
}
gpu_test!(exercise_compile_errors_have_line_and_column => compile_errors_carry_line_and_column);

async fn harness_mismatch_names_the_contract(gpu: &Gpu) {
    // Compiles, but the harness binds a `dst` at binding 2 and calls `main`.
    let renamed = source("stream-copy-solution.wgsl").replace("fn main(", "fn copy(");
    let e = run_exercise(
        gpu,
        "stream-copy",
        &renamed,
        Some(small("stream-copy")),
        &quick(),
    )
    .await
    .unwrap_err();
    assert!(matches!(e, KernelError::Contract { .. }), "{e:?}");
    assert!(e.to_string().contains("entry point `main`"), "{e}");
    let e = run_exercise(gpu, "no-such-family", "", None, &quick())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("stream-copy"), "{e}");
}
gpu_test!(exercise_that_misfits_the_harness_names_the_contract => harness_mismatch_names_the_contract);

/// A correct copy in which every thread copies the words of its group of 8 neighbours, not just
/// its own: the same result for 8 times the work, slow on any device. (Not one thread doing
/// everything: lavapipe ends a thread after 65,535 loop iterations. Not one thread per
/// workgroup: on lavapipe that costs less than 2×.)
const EIGHTFOLD_COPY: &str = "
struct Params { len: u32, stride: u32, passes: u32, shift: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
override WORKGROUP_SIZE: u32 = 256u;
@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) gid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
    let thread = gid.x + gid.y * groups.x * WORKGROUP_SIZE;
    let first_thread = thread - thread % 8u;
    for (var p = 0u; p < params.passes; p++) {
        for (var t = first_thread; t < min(first_thread + 8u, params.stride); t++) {
            for (var i = (t + p * params.shift) % params.stride; i < params.len; i += params.stride) {
                dst[i] = src[i];
            }
        }
    }
}
";

fn outcome(m: &Measurement, roof: f64) -> KernelOutcome {
    KernelOutcome {
        correct: m.verified,
        max_error: m.verification.worst_error_ratio,
        first_failure: m.verification.first_failure.clone(),
        time_s: m.time.median_s,
        achieved: rate(m, "copy-bandwidth").unwrap(),
        unit: "GB/s".into(),
        roof: Roof::CopyBandwidth,
        roof_value: roof,
        roof_source: "the solution on this device".into(),
        fraction: 0.0,
        required: 0.5,
        adapter: m.adapter.label(),
        timing: m.timing.label().into(),
    }
    .with_fraction()
}

async fn correct_but_slow_fails_the_speed_goal(gpu: &Gpu) {
    // The roof is the solution's own rate on this device, so the comparison does not depend
    // on how fast the (software) GPU is: 8 times the work. The solution is
    // timed before and after, and the faster run taken, so a busy machine during one of its
    // runs cannot lower the bar.
    let shape = Shape::Stream {
        elements: (1 << 20) + 3,
    };
    let family = "stream-copy";
    let fast = run_exercise(
        gpu,
        family,
        source("stream-copy-solution.wgsl"),
        Some(shape),
        &quick(),
    )
    .await
    .unwrap();
    let slow = run_exercise(gpu, family, EIGHTFOLD_COPY, Some(shape), &quick())
        .await
        .unwrap();
    let again = run_exercise(
        gpu,
        family,
        source("stream-copy-solution.wgsl"),
        Some(shape),
        &quick(),
    )
    .await
    .unwrap();
    let fast = if again.gbytes_per_s > fast.gbytes_per_s {
        again
    } else {
        fast
    };
    assert!(fast.verified && slow.verified, "{fast:?} {slow:?}");
    let roof = rate(&fast, "copy-bandwidth").unwrap();
    let task = KernelTask {
        family,
        starter_file: "stream-copy-starter.wgsl",
        starter: source("stream-copy-starter.wgsl"),
        solution_file: "stream-copy-solution.wgsl",
        solution: source("stream-copy-solution.wgsl"),
        roof: Roof::CopyBandwidth,
        threshold: 0.5,
        hints: Vec::new(),
    };
    let verdict = grade(&task, &outcome(&slow, roof));
    eprintln!(
        "the redundant copy reached {:.3} of the solution's rate",
        rate(&slow, "copy-bandwidth").unwrap() / roof
    );
    let Verdict::Incorrect(message) = &verdict else {
        panic!(
            "one thread reached {:.3} of the solution's rate: {verdict:?}",
            rate(&slow, "copy-bandwidth").unwrap() / roof
        );
    };
    assert!(message.starts_with("Correct, but"), "{message}");
    assert!(message.contains("the goal is 50.0%"), "{message}");
    // The same grading passes the solution against its own rate (fraction 1).
    assert_eq!(grade(&task, &outcome(&fast, roof)), Verdict::Correct);
}
gpu_test!(exercise_correct_but_slow_fails_the_speed_goal => correct_but_slow_fails_the_speed_goal);

async fn graded_shapes_are_the_families_defaults(gpu: &Gpu) {
    // The graded size of the cheapest family runs as is (no override) and verifies.
    let ex = exercise_kernel("matmul-tiled").unwrap();
    let m = run_exercise(
        gpu,
        "matmul-tiled",
        source("matmul-tiled-solution.wgsl"),
        None,
        &quick(),
    )
    .await
    .unwrap();
    assert_eq!(m.shape, ex.shape);
    assert!(m.verified, "{:?}", m.verification);
}
gpu_test!(exercise_default_shape_runs => graded_shapes_are_the_families_defaults);

#[cfg(not(target_arch = "wasm32"))]
#[test]
fn a_lost_device_is_an_error_not_a_panic() {
    pollster::block_on(async {
        let gpu = gpu().await;
        gpu.device.destroy();
        let e = run_exercise(
            &gpu,
            "stream-copy",
            source("stream-copy-solution.wgsl"),
            Some(small("stream-copy")),
            &quick(),
        )
        .await
        .unwrap_err();
        assert!(matches!(e, KernelError::DeviceLost(_)), "{e:?}");
    });
}

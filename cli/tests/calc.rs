//! `lab calc` end to end: run the built binary, check exit codes, one-line errors and the JSON.

mod common;

use common::{Run, run_lab};
use serde_json::Value;

fn lab(args: &[&str]) -> Run {
    run_lab(&[&["calc"], args].concat())
}

/// Runs with `--json` and returns the single JSON object on stdout.
fn json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let run = lab(&all);
    assert_eq!(run.code, 0, "lab calc {all:?} failed: {}", run.stderr);
    assert!(run.stderr.is_empty(), "stderr: {}", run.stderr);
    let values: Vec<Value> = serde_json::Deserializer::from_str(&run.stdout)
        .into_iter::<Value>()
        .collect::<Result<_, _>>()
        .expect("stdout is JSON");
    assert_eq!(values.len(), 1, "exactly one JSON value: {}", run.stdout);
    assert!(values[0].is_object(), "a JSON object: {}", run.stdout);
    values.into_iter().next().expect("one value")
}

fn f(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is a number in {v}"))
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is a JSON integer in {v}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

/// Asserts a failure: non-zero exit, nothing on stdout, exactly one line on stderr that names
/// every string in `mentions`.
fn fails(args: &[&str], mentions: &[&str]) {
    let run = lab(args);
    assert_eq!(
        run.code, 1,
        "lab calc {args:?}: exit {} ({})",
        run.code, run.stderr
    );
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "one line: {:?}", run.stderr);
    assert!(run.stderr.ends_with('\n'));
    for m in mentions {
        assert!(
            run.stderr.contains(m),
            "{:?} should mention {m}",
            run.stderr
        );
    }
}

#[test]
fn roofline_json() {
    // 989e12 / 3.35e12 = 295.2238805970149; at I = 1 the roof is 3.35e12: memory-bound.
    let v = json(&[
        "roofline",
        "--peak-flops",
        "989e12",
        "--bandwidth",
        "3.35e12",
        "--intensity",
        "1",
    ]);
    assert!(close(f(&v, "ridge_intensity"), 295.223_880_597_014_9));
    assert_eq!(f(&v, "attainable_flops"), 3.35e12);
    assert_eq!(v["bound"], "memory");
    // Suffixes: 989T and 3.35T are the same numbers; I = 1365.3 is compute-bound at the peak.
    let v = json(&[
        "roofline",
        "--peak-flops",
        "989T",
        "--bandwidth",
        "3.35T",
        "--flops",
        "2",
        "--bytes",
        "0.0015",
    ]);
    assert_eq!(v["bound"], "compute");
    assert_eq!(f(&v, "attainable_flops"), 989e12);
    // The GPU preset fills peak and bandwidth; an explicit flag overrides the preset.
    let v = json(&["roofline", "--gpu", "h100-sxm", "--intensity", "1"]);
    assert!(close(f(&v, "ridge_intensity"), 295.223_880_597_014_9));
    let v = json(&[
        "roofline",
        "--gpu",
        "h100-sxm",
        "--bandwidth",
        "1e12",
        "--intensity",
        "1",
    ]);
    assert_eq!(f(&v, "ridge_intensity"), 989.0);
    let v = json(&[
        "roofline",
        "--gpu",
        "h100-sxm",
        "--precision",
        "fp8",
        "--intensity",
        "1000",
    ]);
    assert_eq!(f(&v, "attainable_flops"), 1979e12);
}

#[test]
fn iron_law_json() {
    // 14e9 B / 3.35e12 B/s = 4.179 ms; 14e9 / (989e12 · 0.5) = 28.3 µs; 0.5 ms latency.
    let v = json(&[
        "iron-law",
        "--bytes",
        "14e9",
        "--flops",
        "14e9",
        "--bandwidth",
        "3.35e12",
        "--peak-flops",
        "989e12",
        "--efficiency",
        "0.5",
        "--latency",
        "5e-4",
    ]);
    let (mem, comp) = (14e9 / 3.35e12, 14e9 / 494.5e12);
    assert!(close(f(&v, "serial_s"), mem + comp + 5e-4));
    assert!(close(f(&v, "overlapped_s"), mem + 5e-4));
    assert_eq!(v["dominant"], "memory");
}

#[test]
fn decode_json() {
    // 70B FP16 over 8 GPUs at 3.35 TB/s: 17.5e9 B per GPU → 5.2239 ms per token.
    // I(1) = 2·70e9 / (140e9 + 8192·2) = 0.99999988297.
    let v = json(&[
        "decode",
        "--params",
        "70B",
        "--batch",
        "1",
        "--bytes-per-param",
        "2",
        "--hidden",
        "8192",
        "--bytes-per-activation",
        "2",
        "--bandwidth",
        "3.35e12",
        "--gpus",
        "8",
    ]);
    assert!(close(f(&v, "time_per_token_s"), 17.5e9 / 3.35e12));
    assert!(close(f(&v, "intensity"), 140e9 / (140e9 + 16384.0)));
    assert_eq!(u(&v, "weight_bytes_per_gpu"), 17_500_000_000);
    // 7.5e9 and 7.5B are the same parameter count.
    let a = json(&[
        "decode",
        "--params",
        "7.5e9",
        "--hidden",
        "4096",
        "--bandwidth",
        "1e12",
    ]);
    let b = json(&[
        "decode",
        "--params",
        "7.5B",
        "--hidden",
        "4096",
        "--bandwidth",
        "1e12",
    ]);
    assert_eq!(a, b);
}

#[test]
fn kv_cache_json() {
    // Llama-2-70B, 8,192 tokens, FP16: 2·80·8·128·2 = 327,680 B/token, 2,684,354,560 B.
    let v = json(&[
        "kv-cache",
        "--layers",
        "80",
        "--kv-heads",
        "8",
        "--head-dim",
        "128",
        "--tokens",
        "8192",
        "--batch",
        "1",
        "--dtype",
        "fp16",
    ]);
    assert_eq!(u(&v, "bytes_per_token"), 327_680);
    assert_eq!(u(&v, "total_bytes"), 2_684_354_560);
    assert_eq!(u(&v, "per_gpu_bytes"), 2_684_354_560);
    // The preset gives the same, and tp 8 leaves one KV head per GPU.
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--tokens",
        "8192",
        "--tp",
        "8",
    ]);
    assert_eq!(u(&v, "total_bytes"), 2_684_354_560);
    assert_eq!(u(&v, "per_gpu_bytes"), 335_544_320);
    // tp 16 > 8 KV heads: heads are replicated, per GPU stays one head.
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--tokens",
        "8192",
        "--tp",
        "16",
    ]);
    assert_eq!(u(&v, "per_gpu_bytes"), 335_544_320);
    assert_eq!(u(&v, "all_gpus_bytes"), 2 * 2_684_354_560);
    // Explicit flags override the preset: all 64 heads (MHA) is 8× larger, 21,474,836,480 B.
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--kv-heads",
        "64",
        "--tokens",
        "8192",
    ]);
    assert_eq!(u(&v, "total_bytes"), 21_474_836_480);
    // INT4 and a batch: 327,680 / 4 = 81,920 B/token · 1,000 tokens · 4 = 327,680,000 B.
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--tokens",
        "1K",
        "--batch",
        "4",
        "--dtype",
        "int4",
    ]);
    assert_eq!(u(&v, "bytes_per_token"), 81_920);
    assert_eq!(u(&v, "total_bytes"), 327_680_000);
    // Paging: 17 tokens in 16-token pages allocate 32; page size 1 allocates exactly.
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--tokens",
        "17",
        "--page-size",
        "16",
    ]);
    assert_eq!(u(&v, "total_bytes"), 32 * 327_680);
    assert_eq!(u(&v["paging"], "waste_tokens_per_sequence"), 15);
    let v = json(&[
        "kv-cache",
        "--model",
        "llama-2-70b",
        "--tokens",
        "1",
        "--page-size",
        "1",
    ]);
    assert_eq!(u(&v, "total_bytes"), 327_680);
    // MLA: DeepSeek-V2 caches (512 + 64) values per layer: 60 · 576 · 2 = 69,120 B/token; the
    // explicit form gives the same.
    let v = json(&["kv-cache", "--model", "deepseek-v2", "--tokens", "1"]);
    assert_eq!(u(&v, "bytes_per_token"), 69_120);
    let v = json(&[
        "kv-cache",
        "--layers",
        "60",
        "--latent-dim",
        "512",
        "--rope-dim",
        "64",
        "--tokens",
        "1",
    ]);
    assert_eq!(u(&v, "bytes_per_token"), 69_120);
    // Fit: 40 GB free, 8K FP16 requests of Llama-2-70B → 14; at FP8 → 29.
    for (dtype, batch) in [("fp16", 14), ("fp8", 29)] {
        let v = json(&[
            "kv-cache",
            "--model",
            "llama-2-70b",
            "--tokens",
            "8192",
            "--dtype",
            dtype,
            "--gpu-memory",
            "40e9",
            "--weight-bytes",
            "0",
        ]);
        assert_eq!(u(&v["fit"], "max_batch"), batch);
    }
}

#[test]
fn speculative_json() {
    // α = 0.6, γ = 3: 1 + 0.6 + 0.36 + 0.216 = 2.176; free draft → speedup = E.
    let v = json(&["speculative", "--acceptance", "0.6", "--draft-tokens", "3"]);
    assert!(close(f(&v, "expected_tokens_per_step"), 2.176));
    assert!(close(f(&v, "speedup"), 2.176));
    assert!(v["best_draft_tokens"].is_u64());
    // α = 1: exactly γ + 1 (no division by zero); α = 0: exactly 1.
    let v = json(&["speculative", "--acceptance", "1", "--draft-tokens", "5"]);
    assert_eq!(f(&v, "expected_tokens_per_step"), 6.0);
    let v = json(&[
        "speculative",
        "--acceptance",
        "0",
        "--draft-tokens",
        "5",
        "--cost-ratio",
        "0.1",
    ]);
    assert_eq!(f(&v, "expected_tokens_per_step"), 1.0);
    assert_eq!(u(&v, "best_draft_tokens"), 0);
    // α = 0.8, c = 0.1: the best γ is 6 (E/(γc+1) = 3.951424/1.6 = 2.4696).
    let v = json(&[
        "speculative",
        "--acceptance",
        "0.8",
        "--draft-tokens",
        "4",
        "--cost-ratio",
        "0.1",
    ]);
    assert_eq!(u(&v, "best_draft_tokens"), 6);
    // Case study: (4 + 32) ms / 3.5218199968 = 10.222 ms.
    let v = json(&[
        "speculative",
        "--acceptance",
        "0.78",
        "--draft-tokens",
        "5",
        "--draft-ms",
        "0.8",
        "--verify-ms",
        "32",
        "--simulate",
        "10000",
    ]);
    assert!(close(
        f(&v["latency"], "effective_itl_s"),
        0.036 / 3.521_819_996_8
    ));
    assert_eq!(
        v["simulation"]["histogram"].as_array().map(Vec::len),
        Some(6)
    );
}

#[test]
fn zero_json() {
    // 13B on 16 GPUs with K = 12: 208, 61.75, 37.375 and 13 GB.
    let want = [
        208_000_000_000u64,
        61_750_000_000,
        37_375_000_000,
        13_000_000_000,
    ];
    for (stage, bytes) in want.iter().enumerate() {
        let v = json(&[
            "zero",
            "--params",
            "13B",
            "--gpus",
            "16",
            "--stage",
            &stage.to_string(),
        ]);
        assert_eq!(u(&v, "per_gpu_bytes"), *bytes, "stage {stage}");
        let b = &v["breakdown"];
        assert_eq!(u(b, "params") + u(b, "grads") + u(b, "optimizer"), *bytes);
    }
    let v = json(&["zero", "--params", "13B", "--gpus", "16", "--stage", "2"]);
    assert_eq!(u(&v["breakdown"], "params"), 26_000_000_000);
    assert_eq!(u(&v["breakdown"], "grads"), 1_625_000_000);
    assert_eq!(u(&v["breakdown"], "optimizer"), 9_750_000_000);
    // K = 8 (e.g. 8-bit Adam with FP32 master weights): stage 0 is (2 + 2 + 8)Ψ.
    let v = json(&[
        "zero",
        "--params",
        "1B",
        "--gpus",
        "4",
        "--stage",
        "0",
        "--optimizer-bytes",
        "8",
    ]);
    assert_eq!(u(&v, "per_gpu_bytes"), 12_000_000_000);
    // DeepSpeed's estimator rides along for stage 2: 4Ψ + 16Ψ/16 = 5Ψ = 65e9.
    let v = json(&["zero", "--params", "13B", "--gpus", "16", "--stage", "2"]);
    assert_eq!(u(&v["deepspeed"], "gpu_bytes_per_gpu"), 65_000_000_000);
    // 12 GPUs: shards are padded to ceil(13e9 / 12) = 1,083,333,334 elements, so stage 2 holds
    // 2·13e9 + 14·1,083,333,334 = 41,166,666,676 B. DeepSpeed (2 nodes × 6) truncates instead:
    // 4·13e9 + int(16·13e9 / 12) = 52e9 + 17,333,333,333.
    let v = json(&["zero", "--params", "13B", "--gpus", "12", "--stage", "2"]);
    assert_eq!(u(&v, "per_gpu_bytes"), 41_166_666_676);
    assert_eq!(u(&v["deepspeed"], "gpu_bytes_per_gpu"), 69_333_333_333);
}

#[test]
fn tables_by_default() {
    let run = lab(&["kv-cache", "--model", "llama-2-70b", "--tokens", "8192"]);
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("2,684,354,560 B"), "{}", run.stdout);
    assert!(serde_json::from_str::<Value>(&run.stdout).is_err());
    for args in [
        vec!["roofline", "--gpu", "m1", "--intensity", "4"],
        vec!["iron-law", "--bytes", "1", "--flops", "1", "--gpu", "b200"],
        vec![
            "decode",
            "--model",
            "mixtral-8x7b",
            "--gpu",
            "h200",
            "--batch",
            "32",
        ],
        vec!["speculative", "--acceptance", "0.7", "--draft-tokens", "4"],
        vec![
            "zero",
            "--model",
            "llama-2-7b",
            "--gpus",
            "8",
            "--stage",
            "3",
            "--seq-len",
            "4096",
        ],
    ] {
        let run = lab(&args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert!(!run.stdout.is_empty());
    }
}

#[test]
fn invalid_input_is_one_line_naming_flag_and_value() {
    fails(
        &[
            "kv-cache",
            "--layers",
            "80",
            "--kv-heads",
            "0",
            "--head-dim",
            "128",
            "--tokens",
            "1",
        ],
        &["--kv-heads", "'0'", "positive integer"],
    );
    fails(
        &[
            "kv-cache",
            "--model",
            "llama-2-70b",
            "--tokens",
            "1",
            "--tp",
            "3",
        ],
        &["--tp", "'3'", "kv_heads (8)"],
    );
    fails(
        &[
            "kv-cache",
            "--model",
            "llama-2-70b",
            "--tokens",
            "1",
            "--dtype",
            "fp64",
        ],
        &["--dtype", "'fp64'", "int4"],
    );
    fails(
        &[
            "kv-cache",
            "--model",
            "llama-2-70b",
            "--tokens",
            "1",
            "--page-size",
            "0",
        ],
        &["--page-size", "'0'"],
    );
    fails(
        &["kv-cache", "--model", "llama-9", "--tokens", "1"],
        &["--model", "'llama-9'", "llama-2-70b"],
    );
    fails(
        &["kv-cache", "--model", "llama-2-70b", "--tokens", "2.5"],
        &["--tokens", "'2.5'", "whole number"],
    );
    fails(&["kv-cache", "--model", "llama-2-70b"], &["--tokens"]);
    fails(
        &[
            "kv-cache",
            "--kv-heads",
            "8",
            "--head-dim",
            "128",
            "--latent-dim",
            "512",
            "--layers",
            "2",
            "--tokens",
            "1",
        ],
        &["--latent-dim", "'512'"],
    );
    fails(
        &["speculative", "--acceptance", "1.5", "--draft-tokens", "3"],
        &["--acceptance", "'1.5'", "[0, 1]"],
    );
    fails(
        &["speculative", "--acceptance", "nan", "--draft-tokens", "3"],
        &["--acceptance", "'nan'"],
    );
    fails(
        &["speculative", "--acceptance", "0.5", "--draft-tokens", "-1"],
        &["--draft-tokens", "'-1'"],
    );
    fails(
        &[
            "speculative",
            "--acceptance",
            "0.5",
            "--draft-tokens",
            "5000",
        ],
        &["--draft-tokens", "'5000'"],
    );
    fails(
        &[
            "speculative",
            "--acceptance",
            "0.5",
            "--draft-tokens",
            "3",
            "--draft-ms",
            "1",
        ],
        &["--verify-ms"],
    );
    fails(
        &["zero", "--params", "13B", "--gpus", "16", "--stage", "4"],
        &["--stage", "'4'", "0, 1, 2 or 3"],
    );
    fails(
        &["zero", "--params", "13B", "--gpus", "0", "--stage", "1"],
        &["--gpus", "'0'"],
    );
    fails(
        &[
            "zero",
            "--params",
            "13B",
            "--gpus",
            "8",
            "--stage",
            "1",
            "--offload-params",
        ],
        &["--offload-params", "stage 3"],
    );
    fails(
        &[
            "roofline",
            "--peak-flops",
            "-1",
            "--bandwidth",
            "1e12",
            "--intensity",
            "1",
        ],
        &["--peak-flops", "'-1'"],
    );
    fails(
        &["roofline", "--peak-flops", "1e12", "--bandwidth", "1e12"],
        &["--intensity"],
    );
    fails(
        &[
            "roofline",
            "--gpu",
            "m1",
            "--precision",
            "fp16",
            "--intensity",
            "1",
        ],
        &["--precision", "'fp16'", "fp32"],
    );
    fails(
        &[
            "roofline",
            "--gpu",
            "h100-sxm",
            "--intensity",
            "1",
            "--colour",
            "red",
        ],
        &["--colour", "--intensity"],
    );
    fails(
        &[
            "iron-law",
            "--bytes",
            "1",
            "--flops",
            "1",
            "--gpu",
            "h100-sxm",
            "--efficiency",
            "2",
        ],
        &["--efficiency", "'2'"],
    );
    fails(
        &[
            "decode",
            "--params",
            "abc",
            "--hidden",
            "1",
            "--bandwidth",
            "1",
        ],
        &["--params", "'abc'"],
    );
    fails(
        &[
            "decode",
            "--params",
            "7B",
            "--hidden",
            "4096",
            "--bandwidth",
            "1e12",
            "--batch",
        ],
        &["--batch"],
    );
    fails(
        &[
            "decode",
            "--params",
            "7B",
            "--hidden",
            "4096",
            "--bandwidth",
            "0",
        ],
        &["--bandwidth", "'0'"],
    );
    fails(
        &[
            "speculative",
            "--acceptance",
            "0.5",
            "--draft-tokens",
            "1024",
            "--simulate",
            "1e6",
        ],
        &["--simulate", "'1e6'", "195121"],
    );
    fails(&["warp-drive"], &["warp-drive", "kv-cache"]);
    fails(&[], &["roofline"]);
}

#[test]
fn every_calculators_help_has_units_and_an_example_that_runs() {
    for calc in [
        "roofline",
        "iron-law",
        "decode",
        "kv-cache",
        "speculative",
        "zero",
    ] {
        for flag in ["--help", "-h"] {
            let help = lab(&[calc, flag]);
            assert_eq!(help.code, 0, "{calc} {flag}: {}", help.stderr);
            assert!(
                help.stdout.contains("powers of 1000"),
                "{calc}: {}",
                help.stdout
            );
            assert!(help.stdout.contains("h100-sxm") && help.stdout.contains("llama-2-70b"));
            let example = help
                .stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix("example: lab calc "))
                .unwrap_or_else(|| panic!("{calc}: no example in {}", help.stdout));
            let args: Vec<&str> = example.split_whitespace().collect();
            let run = lab(&args);
            assert_eq!(run.code, 0, "{calc} example `{example}`: {}", run.stderr);
        }
    }
    // The speculative search for the best γ reaches the γ asked about.
    let v = json(&["speculative", "--acceptance", "0.8", "--draft-tokens", "20"]);
    assert!(f(&v, "best_speedup") >= f(&v, "speedup"), "{v}");
    // An intensity derived from --flops and --bytes blames the flag that was typed.
    let r = lab(&[
        "roofline",
        "--peak-flops",
        "1e12",
        "--bandwidth",
        "1e12",
        "--flops",
        "-5",
        "--bytes",
        "10",
    ]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .starts_with("error: invalid value for --flops: '-5'"),
        "{}",
        r.stderr
    );
}

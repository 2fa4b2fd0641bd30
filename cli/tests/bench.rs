//! `lab bench --wgsl`: a replacement source, end to end through the built binary. The flag
//! errors come before any GPU is opened; the runs use the default adapter (lavapipe in CI).

mod common;

use common::{Run, run_lab};
use std::path::{Path, PathBuf};

fn lab(args: &[&str]) -> Run {
    run_lab(&[&["bench"], args].concat())
}

/// `lab bench` of the copy probe at a small ragged size, with `source` in place of its WGSL.
fn copy_with(source: &Path) -> Run {
    lab(&[
        "--kernel",
        "stream",
        "--variant",
        "copy",
        "--size",
        "4099",
        "--quick",
        "--wgsl",
        source.to_str().expect("a UTF-8 path"),
    ])
}

/// Writes `text` to a file of this name in a fresh directory for this test.
fn source_file(test: &str, name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lab-bench-{test}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the source is written");
    path
}

const COPY: &str = include_str!("../../kernels/wgsl/stream/copy.wgsl");

#[test]
fn wgsl_flag_errors_name_what_is_missing() {
    let path = source_file("flags", "mine.wgsl", COPY);
    let path = path.to_str().expect("a UTF-8 path");
    for (args, mention) in [
        (vec!["--kernel", "stream", "--wgsl", path], "--variant"),
        (
            vec![
                "--kernel",
                "stream",
                "--variant",
                "copy",
                "--wgsl",
                "/nonexistent/x.wgsl",
            ],
            "/nonexistent/x.wgsl",
        ),
        (
            vec![
                "--kernel",
                "matmul",
                "--variant",
                "vec4",
                "--wgsl",
                path,
                "--autotune",
            ],
            "--autotune",
        ),
    ] {
        let run = lab(&args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?} printed {}", run.stdout);
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(mention), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn wgsl_replacement_is_run_checked_and_named() {
    let run = copy_with(&source_file("run", "mine.wgsl", COPY));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let row = run
        .stdout
        .lines()
        .find(|l| l.starts_with("stream/copy+mine.wgsl"))
        .unwrap_or_else(|| panic!("no result row: {}", run.stdout));
    assert!(row.contains("yes ("), "{row}");
    // A wrong copy: reported as not verified, and the exit status says so.
    let doubled = COPY.replace("dst[i] = src[i];", "dst[i] = src[i] * 2.0;");
    assert_ne!(doubled, COPY);
    let run = copy_with(&source_file("run", "doubled.wgsl", &doubled));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("stream/copy+doubled.wgsl") && run.stdout.contains("NO: element"),
        "{}",
        run.stdout
    );
    // A source that does not fit the harness: wgpu's message names it as the replacement, not
    // as the registry's own file.
    let renamed = COPY.replace("fn main(", "fn copy(");
    assert_ne!(renamed, COPY);
    let run = copy_with(&source_file("run", "renamed.wgsl", &renamed));
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("label = 'replacement for stream/copy.wgsl'"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_json_path_that_cannot_be_written_is_refused_before_any_run() {
    let started = std::time::Instant::now();
    let r = lab(&[
        "--kernel",
        "matmul",
        "--size",
        "64",
        "--quick",
        "--json",
        "/no-such-folder-here/out.json",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stderr.lines().last(),
        Some(
            "error: --json /no-such-folder-here/out.json: the folder /no-such-folder-here does not exist"
        )
    );
    // Nothing ran: no table was printed.
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let r = lab(&["--ceilings", "--quick", "--max-size", "0"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("invalid value for --max-size: '0'"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_requested_variant_that_cannot_run_fails() {
    // Without --experimental no adapter runs the tensor-core variant.
    let r = lab(&[
        "--kernel",
        "matmul",
        "--variant",
        "coop_f16",
        "--size",
        "16",
        "--quick",
    ]);
    assert!(r.stdout.contains("skipped"), "{}", r.stdout);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("1 run(s) of coop_f16 skipped: this adapter cannot run it"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    // Many small runs, so that rows are still being written after the reader has gone.
    let sizes = vec!["1024"; 40].join(",");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lab"))
        .args([
            "bench",
            "--kernel",
            "stream",
            "--variant",
            "read",
            "--quick",
            "--size",
        ])
        .arg(&sizes)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lab binary runs");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut first)
        .expect("a first line");
    // The reader is dropped here, as `| head -1` would close it.
    assert!(first.starts_with("kernel"), "{first}");
    let out = child.wait_with_output().expect("lab finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn flags_that_would_be_ignored_are_refused() {
    for (args, message) in [
        (
            &["--kernel", "matmul", "--size", "8", "--causal"][..],
            "error: --causal would be ignored here: it goes with --kernel attention",
        ),
        (
            &["--kernel", "stream", "--tiles", "64x64x8"][..],
            "error: --tiles would be ignored here: it goes with --kernel matmul",
        ),
        (
            &["--ceilings", "--size", "1024"][..],
            "error: --size would be ignored here: it goes with a kernel run, not with --ceilings \
             (which runs its own probes)",
        ),
        (
            &["--kernel", "matmul", "--max-size", "1MiB"][..],
            "error: --max-size would be ignored here: it goes with --ceilings (where the \
             bandwidth sweep ends)",
        ),
    ] {
        let r = lab(args);
        assert_eq!(r.code, 1, "{args:?}");
        assert_eq!(r.stderr.trim_end(), message, "{args:?}");
        assert!(r.stdout.is_empty(), "{args:?}: nothing ran");
    }
}

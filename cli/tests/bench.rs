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
}

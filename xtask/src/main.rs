//! `cargo xtask serve [--port N]` and `cargo xtask test`: everything a newcomer or CI needs,
//! from a machine with only a Rust toolchain. Each installs what is missing and says so.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const USAGE: &str = "\
usage: cargo xtask <command>

  serve [--port N]   build the browser app and serve it on http://127.0.0.1:N/ (default 8080)
  dist               build the browser app into dist/ only
  test               set up and run every check: fmt, clippy (native + wasm32), native tests
                     (GPU tests on Mesa lavapipe), wasm tests in headless Chromium, end-to-end";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("dist") => ensure_wasm_tools().and_then(|()| build_dist().map(|_| ())),
        Some("test") => test(),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => {
            eprintln!("{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(e) = result {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

fn say(msg: &str) {
    eprintln!("xtask: {msg}");
}

/// Runs a command in the workspace root, streaming its output; fails on a non-zero exit.
fn run(cmd: &mut Command) -> Result<()> {
    let status = cmd
        .current_dir(root())
        .status()
        .with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

fn output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// The exact wasm-bindgen version in Cargo.lock: the CLI must match it.
fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\""
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
        {
            return Ok(v.trim_end_matches('"').to_string());
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

/// The wasm32 target and a wasm-bindgen CLI matching the library, installed when missing.
fn ensure_wasm_tools() -> Result<()> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        say("installing the wasm32-unknown-unknown target (rustup target add)");
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }
    let want = locked_wasm_bindgen_version()?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(want.as_str()) {
        say(&format!(
            "installing wasm-bindgen-cli {want} to match Cargo.lock (cargo install; about 4 minutes)"
        ));
        // Without --locked: the crate's bundled lock names a webpki-roots release that the
        // registry mirror does not serve; the version itself is pinned exactly.
        run(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    }
    Ok(())
}

/// Chromium, ChromeDriver and Mesa's software Vulkan, installed with apt-get when missing.
fn ensure_test_tools() -> Result<()> {
    let mut missing = Vec::new();
    if !Path::new("/usr/bin/chromium").exists() {
        missing.push("chromium");
    }
    if !Path::new("/usr/bin/chromedriver").exists() {
        missing.push("chromium-driver");
    }
    let has_vulkan_icd = std::fs::read_dir("/usr/share/vulkan/icd.d")
        .map(|d| {
            d.flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("lvp_icd"))
        })
        .unwrap_or(false);
    if !has_vulkan_icd || output("ldconfig", &["-p"]).is_some_and(|l| !l.contains("libvulkan.so.1"))
    {
        missing.extend(["mesa-vulkan-drivers", "libvulkan1"]);
    }
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    if !is_root {
        bail!(
            "missing Debian packages: {}. Install them with: sudo apt-get install -y {}",
            missing.join(", "),
            missing.join(" ")
        );
    }
    say(&format!("installing {} with apt-get", missing.join(", ")));
    run(Command::new("apt-get").args(["-o", "DPkg::Lock::Timeout=600", "update", "-q"]))?;
    run(Command::new("apt-get")
        .args(["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-q"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    Ok(())
}

/// Builds the app for wasm32 (size-optimised), runs wasm-bindgen and assembles `dist/`.
fn build_dist() -> Result<PathBuf> {
    let root = root();
    let dist = root.join("dist");
    say("building the browser app (wasm32, release)");
    run(cargo().args([
        "build",
        "--package",
        "app",
        "--bin",
        "app",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or(root.join("target"));
    let wasm = target_dir.join("wasm32-unknown-unknown/wasm-release/app.wasm");
    if dist.exists() {
        std::fs::remove_dir_all(&dist).context("clearing dist/")?;
    }
    std::fs::create_dir_all(dist.join("pkg"))?;
    run(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "app",
            "--out-dir",
        ])
        .arg(dist.join("pkg"))
        .arg(&wasm))?;
    copy_dir(&root.join("static"), &dist)?;
    let bg = dist.join("pkg/app_bg.wasm");
    let raw = std::fs::metadata(&bg)?.len();
    let gz = output(
        "sh",
        &["-c", &format!("gzip -9 -c '{}' | wc -c", bg.display())],
    )
    .and_then(|s| s.trim().parse::<u64>().ok());
    say(&format!(
        "dist/ ready: app_bg.wasm {:.2} MB raw{}",
        raw as f64 / 1e6,
        gz.map(|g| format!(", {:.2} MB gzip", g as f64 / 1e6))
            .unwrap_or_default()
    ));
    Ok(dist)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let dest = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&dest)?;
            copy_dir(&entry.path(), &dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}

fn serve(args: &[String]) -> Result<()> {
    let port = match args {
        [] => 8080,
        [flag, n] if flag == "--port" => n
            .parse::<u16>()
            .ok()
            .filter(|&p| p > 0)
            .with_context(|| format!("invalid --port '{n}': allowed 1 to 65535"))?,
        _ => bail!("usage: cargo xtask serve [--port N]"),
    };
    ensure_wasm_tools()?;
    let dist = build_dist()?;
    let port = xtask::serve::spawn(dist, port)
        .with_context(|| format!("binding 127.0.0.1:{port} (try --port with another number)"))?;
    println!("Roofline Lab is being served at http://127.0.0.1:{port}/  (Ctrl-C stops it)");
    loop {
        std::thread::park();
    }
}

/// `XDG_RUNTIME_DIR` for child processes when it is unset: Mesa's Vulkan drivers print an error
/// on every device creation without one, which buries the test output.
fn runtime_dir() -> Option<(&'static str, PathBuf)> {
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return None;
    }
    let dir = std::env::temp_dir().join(format!("roofline-xdg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).ok()?;
    }
    Some(("XDG_RUNTIME_DIR", dir))
}

/// One check of `cargo xtask test`.
struct Step {
    name: &'static str,
    ok: bool,
    seconds: f64,
}

fn test() -> Result<()> {
    let started = Instant::now();
    ensure_wasm_tools()?;
    ensure_test_tools()?;
    let root = root();
    let wasm_runner = [
        (
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner".to_string(),
        ),
        ("CHROMEDRIVER", "/usr/bin/chromedriver".to_string()),
        (
            "WASM_BINDGEN_TEST_WEBDRIVER_JSON",
            root.join("tests/webdriver.json").display().to_string(),
        ),
        ("WASM_BINDGEN_TEST_TIMEOUT", "300".to_string()),
    ];
    let mut steps: Vec<Step> = Vec::new();
    let mut step = |name: &'static str, f: &mut dyn FnMut() -> Result<()>| {
        say(&format!("── {name}"));
        let t = Instant::now();
        let result = f();
        if let Err(e) = &result {
            say(&format!("{name} FAILED: {e:#}"));
        }
        steps.push(Step {
            name,
            ok: result.is_ok(),
            seconds: t.elapsed().as_secs_f64(),
        });
    };

    step("rustfmt", &mut || {
        run(cargo().args(["fmt", "--all", "--", "--check"]))
    });
    step("clippy (native)", &mut || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    });
    step("clippy (wasm32)", &mut || {
        run(cargo().args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "app",
            "-p",
            "kernels",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))?;
        run(cargo().args([
            "clippy",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "lessons",
            "--lib",
            "--",
            "-D",
            "warnings",
        ]))
    });
    step(
        "native tests (GPU tests on the first Vulkan adapter, lavapipe in CI)",
        &mut || {
            run(cargo()
                .args(["test", "--workspace", "--exclude", "e2e", "--no-fail-fast"])
                .envs(runtime_dir()))
        },
    );
    step("wasm tests in headless Chromium (WebGPU)", &mut || {
        let wasm_test = |args: &[&str]| {
            run(cargo()
                .args(["test", "--target", "wasm32-unknown-unknown"])
                .args(args)
                .envs(wasm_runner.iter().cloned()))
        };
        wasm_test(&["-p", "kernels", "--test", "gpu"])?;
        wasm_test(&["-p", "kernels", "--test", "exercise"])?;
        wasm_test(&["-p", "app"])
    });
    let mut dist = None;
    step("build dist/", &mut || build_dist().map(|d| dist = Some(d)));
    step(
        "end-to-end tests of the served app in headless Chromium",
        &mut || {
            let Some(d) = &dist else {
                bail!("dist/ was not built")
            };
            run(cargo()
                .args(["test", "-p", "e2e"])
                .env("ROOFLINE_DIST", d)
                .env("CHROMEDRIVER", "/usr/bin/chromedriver"))
        },
    );

    let passed = steps.iter().filter(|s| s.ok).count();
    let failed = steps.len() - passed;
    eprintln!();
    for s in &steps {
        eprintln!(
            "  {} {:<70} {:>6.0} s",
            if s.ok { "ok  " } else { "FAIL" },
            s.name,
            s.seconds
        );
    }
    eprintln!("  total {:.0} s", started.elapsed().as_secs_f64());
    // The last line, alone, in the form CI reads: "N passed, N failed".
    println!("xtask: {passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
    Ok(())
}

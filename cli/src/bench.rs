//! `lab adapters` and `lab bench`: kernels through the shared harness on a native adapter.

use crate::args::{ArgError, Flags, parse_number};
use anyhow::Context;
use kernels::registry::{self, Family, KernelSpec};
use kernels::{AdapterChoice, AdapterSummary, Gpu, Measurement, ResultsFile, RunOptions, Shape};

/// Runs `lab adapters`: one block per adapter, best first (the one `lab bench` picks by default).
pub fn adapters(args: &[String]) -> anyhow::Result<()> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        out!(
            "usage: lab adapters [--json]\n\n  Lists the GPU adapters wgpu can see, best first (the \
             one `lab bench` uses unless\n  --adapter says otherwise), with their features and \
             limits. --json prints them as JSON."
        );
        return Ok(());
    }
    let flags = Flags::parse(args, &[], &["--json"])?;
    let raw = pollster::block_on(kernels::gpu::list_adapters());
    let adapters: Vec<AdapterSummary> = raw.iter().map(AdapterSummary::of).collect();
    if flags.has("--json") {
        out!("{}", serde_json::to_string_pretty(&adapters)?);
        return Ok(());
    }
    if adapters.is_empty() {
        anyhow::bail!(
            "no GPU adapter found; on Linux without a GPU install Mesa's software Vulkan \
             (apt-get install mesa-vulkan-drivers)"
        );
    }
    for (i, a) in adapters.iter().enumerate() {
        out!("[{i}] {}", a.label());
        out!(
            "    backend {}, type {}, driver {} {}",
            a.backend,
            a.device_type,
            a.driver,
            a.driver_info
        );
        out!(
            "    features: {}",
            if a.features.is_empty() {
                "none".into()
            } else {
                a.features.join(", ")
            }
        );
        out!(
            "    limits: storage binding {}, buffer {}, workgroup memory {}, {} threads/workgroup",
            kernels::shape::human_bytes(a.limits.max_storage_buffer_binding_size as f64),
            kernels::shape::human_bytes(a.limits.max_buffer_size as f64),
            kernels::shape::human_bytes(a.limits.max_compute_workgroup_storage_size as f64),
            a.limits.max_compute_invocations_per_workgroup
        );
        let info = raw[i].get_info();
        if a.has("SUBGROUP") {
            out!(
                "    subgroup size: {} to {}",
                info.subgroup_min_size,
                info.subgroup_max_size
            );
        }
        let coop = raw[i].cooperative_matrix_properties();
        if !coop.is_empty() {
            let shapes: Vec<String> = coop
                .iter()
                .map(|p| {
                    format!(
                        "{}x{}x{} {:?}->{:?}",
                        p.m_size, p.n_size, p.k_size, p.ab_type, p.cr_type
                    )
                })
                .collect();
            out!("    cooperative matrices: {}", shapes.join(", "));
        }
    }
    Ok(())
}

const BENCH_HELP: &str = "\
usage: lab bench --kernel <name> [--variant <v>] [--size <s>[,<s>…]] [--adapter <index|name>]
                 [--json FILE] [--quick] [--tiles BMxBNxBK] [--autotune] [--unchecked]
                 [--experimental] [--wgsl FILE]
       lab bench --ceilings [--max-size <bytes>] [--adapter …] [--json FILE] [--quick]

  --kernel     stream | matmul | peak | gemv | attention
  --variant    one variant (default: every variant the adapter supports)
  --size       stream: elements (4096, 16M) or bytes with a binary unit (256MiB, 1GiB);
               matmul: N for N×N×N, or MxNxK (e.g. 1024x1024x512); peak: threads
               gemv: ROWSxCOLS[xBATCH] (e.g. 14336x4096x8; batch 1 to 8)
               attention: BxHxNxD (e.g. 1x32x4096x128); add --causal for a causal mask
  --adapter    index or part of the name, as `lab adapters` prints (default: best GPU)
  --json       also write the measurements to FILE (the schema the browser imports); its
               folder is checked before the runs start
  --causal     attention only: mask keys after each query
  --quick      short timing (for software adapters and smoke tests)
  --tiles      matmul: run with this workgroup block (BMxBNxBK) instead of the default
               (subgroup: BK is unused, the subgroup walks K by its own size; coop_f16:
               BM a multiple of 64, BN of 32, BK = 16; coop_split: the same but BK a
               multiple of 16)
  --autotune   matmul: first try each candidate block at the first size, keep the
               fastest verified one for the session, and record every trial in the JSON
               (tuning timing: warm-up, then three short samples)
  --unchecked  native: compile the matmul ladder, the peak probes, FlashAttention and Q4_0 GEMV
               without wgpu's runtime checks (each of their indices is guarded in the WGSL or
               by host padding, and the GPU tests run them on ragged shapes)
  --wgsl FILE  run FILE instead of the variant's own WGSL, through the same harness (buffers,
               grid, override constants, CPU check, cost): edit a copy of kernels/wgsl/… and
               measure it. Needs --variant; keep its bindings, entry points and overrides. The
               result is named VARIANT+FILE. With --unchecked FILE too is compiled without
               wgpu's runtime checks: nothing then guards its indices, so an out-of-bounds
               access is undefined and may lose the device
  --experimental  native: also enable wgpu's experimental features the adapter offers
               (cooperative matrices, for matmul/coop_f16, matmul/coop_split,
               attention/flash_split and peak/coop-f16); wgpu warns they may still have
               bugs, so they are off unless asked for, and each result records the choice
  --ceilings   the measured roofs: read and copy bandwidth over working sets from 1 MiB to
               --max-size bytes (67108864, 64M or 64MiB; default 1GiB, 64MiB with --quick),
               and the f32 (and f16) fma peaks;
               with --experimental also the tensor-core peak (peak/coop-f16) where the adapter
               lists its fragment shape and has one fixed subgroup size (peaks first: after the
               memory sweep the H100 ran them at a quarter speed)";

/// Runs `lab bench …`.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        out!("{BENCH_HELP}");
        return Ok(());
    }
    let flags = Flags::parse(
        args,
        &[
            "--kernel",
            "--variant",
            "--size",
            "--adapter",
            "--json",
            "--tiles",
            "--max-size",
            "--wgsl",
        ],
        &[
            "--quick",
            "--ceilings",
            "--autotune",
            "--unchecked",
            "--causal",
            "--experimental",
        ],
    )?;
    let quick = flags.has("--quick");
    let choice = match flags.get("--adapter") {
        None => AdapterChoice::Best,
        Some(s) => match s.parse::<usize>() {
            Ok(i) => AdapterChoice::Index(i),
            Err(_) => AdapterChoice::Name(s.to_string()),
        },
    };
    let opts = RunOptions {
        timing: if quick {
            kernels::TimingOptions::quick()
        } else {
            kernels::TimingOptions::benchmark()
        },
        seed: None,
    };
    let tiles = flags.get("--tiles").map(parse_tiles).transpose()?;
    let custom = match flags.get("--wgsl") {
        None => None,
        Some(path) => Some(custom_source(&flags, path)?),
    };

    // Every planned run: (spec, shape). Built before the GPU is opened so flag errors come first.
    let ceilings = flags.has("--ceilings");
    let mut plan: Vec<(&'static KernelSpec, Shape)> = Vec::new();
    let mut kernel_specs: Vec<&'static KernelSpec> = Vec::new();
    let mut shapes: Vec<Shape> = Vec::new();
    let largest = match flags.get("--max-size") {
        Some(raw) => parse_bytes("--max-size", raw)?,
        None if quick => 64 << 20,
        None => 1 << 30,
    };
    // Before any GPU work: a long run must not end in "cannot write the file".
    if let Some(path) = flags.get("--json") {
        check_writable(path)?;
    }
    check_combinations(&flags)?;
    if !ceilings {
        let kernel = flags.get("--kernel").ok_or(ArgError::Missing {
            flag: "--kernel",
            what: "the kernel to run (stream, matmul, peak, gemv or attention), or --ceilings",
        })?;
        kernel_specs = match flags.get("--variant") {
            Some(v) => vec![registry::find(kernel, v)?],
            None => registry::variants(kernel)?,
        };
        let family = kernel_specs[0].family;
        shapes = match flags.get("--size") {
            Some(raw) => raw
                .split(',')
                .map(|s| parse_shape(family, s, flags.has("--causal")))
                .collect::<Result<Vec<_>, _>>()?,
            None => vec![match kernel_specs[0].default_shape {
                Shape::Attention {
                    batch,
                    heads,
                    seq,
                    head_dim,
                    ..
                } => Shape::Attention {
                    batch,
                    heads,
                    seq,
                    head_dim,
                    causal: flags.has("--causal"),
                },
                other => other,
            }],
        };
        for shape in &shapes {
            for spec in &kernel_specs {
                plan.push((spec, *shape));
            }
        }
    }

    let options = kernels::DeviceOptions {
        experimental: flags.has("--experimental"),
    };
    let gpu = pollster::block_on(Gpu::open(choice, options))?;
    gpu.set_unchecked_shaders(flags.has("--unchecked"));
    if let Some((path, _, _)) = &custom
        && flags.has("--unchecked")
    {
        gpu.set_unchecked_custom_sources(true);
        eprintln!(
            "note: {path} is compiled without wgpu's runtime checks (--unchecked); nothing \
             guards its indices"
        );
    }
    eprintln!(
        "adapter: {} ({}, {})",
        gpu.adapter.label(),
        gpu.adapter.backend,
        gpu.adapter.device_type
    );
    if ceilings {
        let peak_threads = if quick { 1 << 14 } else { 1 << 21 };
        plan = kernels::ceilings::plan(&gpu, largest, peak_threads);
    }
    let mut results: Vec<Measurement> = Vec::new();
    let mut tuning: Vec<serde_json::Value> = Vec::new();
    let mut failures = 0;
    let mut skipped = 0;

    if flags.has("--autotune") {
        let tune_opts = RunOptions {
            timing: if quick {
                kernels::TimingOptions::quick()
            } else {
                kernels::TimingOptions::tuning()
            },
            seed: None,
        };
        for spec in kernel_specs
            .iter()
            .filter(|s| s.family == Family::Matmul && s.variant != "naive")
        {
            if !gpu.has(spec.features) {
                continue;
            }
            let shape = shapes[0];
            match pollster::block_on(kernels::matmul::autotune(&gpu, spec, shape, &tune_opts)) {
                Ok(trials) => {
                    let chosen = gpu.tuned(&spec.id());
                    for (t, m) in &trials {
                        eprintln!(
                            "autotune {:<14} {shape}: block {t:<12} {:>10.1} GFLOP/s {}{}",
                            spec.id(),
                            m.gflops_per_s,
                            if m.verified { "" } else { "NOT VERIFIED " },
                            if chosen == Some(*t) { "← chosen" } else { "" }
                        );
                        tuning.push(serde_json::json!({
                            "kernel": spec.id(),
                            "shape": shape,
                            "tiles": [t.bm, t.bn, t.bk],
                            "gflops_per_s": m.gflops_per_s,
                            "median_s": m.time.median_s,
                            "verified": m.verified,
                            "chosen": chosen == Some(*t),
                        }));
                    }
                }
                Err(e) => eprintln!("autotune {}: {e}", spec.id()),
            }
        }
    }

    let row_id = |spec: &KernelSpec| match &custom {
        Some((_, label, _)) => format!("{}+{label}", spec.id()),
        None => spec.id(),
    };
    // Columns as wide as the longest id and shape of the plan, so that every row lines up.
    let widths = Widths {
        id: plan
            .iter()
            .map(|(s, _)| row_id(s).chars().count())
            .max()
            .unwrap_or(0)
            .max(16),
        shape: plan
            .iter()
            .map(|(_, sh)| sh.to_string().chars().count())
            .max()
            .unwrap_or(0)
            .max(22),
    };
    print_header(&widths);
    for (spec, shape) in &plan {
        let id = row_id(spec);
        let (w, ws) = (widths.id, widths.shape);
        if let Some(why) = skip_reason(&gpu, spec) {
            out!("{id:<w$} {:<ws$} skipped: {why}", shape.to_string());
            skipped += 1;
            continue;
        }
        let explicit = tiles.filter(|_| spec.family == Family::Matmul);
        let run = match &custom {
            Some((_, label, source)) => pollster::block_on(kernels::run_kernel_source(
                &gpu, spec, source, label, *shape, &opts, explicit,
            )),
            None => pollster::block_on(kernels::run_kernel_with(
                &gpu, spec, *shape, &opts, explicit,
            )),
        };
        match run {
            Ok(m) => {
                failures += usize::from(!m.verified);
                print_row(&m, &id, &widths);
                results.push(m);
            }
            // The adapter has the features but not in a usable form (a subgroup size or a
            // cooperative-matrix shape it does not list): a skip, like a missing feature.
            Err(e @ kernels::KernelError::Unsupported { .. }) => {
                out!("{id:<w$} {:<ws$} skipped: {e}", shape.to_string());
                skipped += 1;
            }
            Err(e) => {
                failures += 1;
                out!("{id:<w$} {:<ws$} error: {e}", shape.to_string());
            }
        }
    }
    // A small stream working set is swept several times per dispatch (so that launch overhead
    // does not hide cache bandwidth); the row's time is the dispatch's, and its bytes count
    // every sweep, which the table alone would not tell.
    let swept = results
        .iter()
        .any(|m| m.constants.iter().any(|(k, v)| k == "passes" && *v > 1.0));
    if swept {
        out!(
            "note: stream rows below 64 MiB sweep their working set several times per dispatch \
             (\"passes\" in the JSON); the median is per dispatch and GB/s counts every sweep"
        );
    }
    if ceilings {
        print_roofs(&kernels::ceilings::roofs(&results));
    }
    if let Some(path) = flags.get("--json") {
        let file = ResultsFile::new(format!("lab {}", env!("CARGO_PKG_VERSION")), results);
        let mut value = serde_json::to_value(&file)?;
        if !tuning.is_empty() {
            value["autotune"] = serde_json::Value::Array(tuning);
        }
        std::fs::write(path, serde_json::to_string_pretty(&value)?)
            .with_context(|| format!("writing {path}"))?;
        eprintln!("wrote {path}");
    }
    if failures > 0 {
        anyhow::bail!("{failures} run(s) failed or did not verify");
    }
    // Skipping unsupported variants is expected when running a whole kernel; when the one
    // variant asked for cannot run here, nothing was measured, and the exit code says so.
    if skipped > 0 && flags.get("--variant").is_some() {
        anyhow::bail!(
            "{skipped} run(s) of {} skipped: this adapter cannot run it (see above)",
            flags.get("--variant").unwrap_or_default()
        );
    }
    Ok(())
}

/// Refuses flags that would otherwise be silently ignored: each names what it goes with.
fn check_combinations(flags: &Flags) -> Result<(), ArgError> {
    let kernel = flags.get("--kernel");
    let misuse = |flag: &'static str, goes_with: &str| ArgError::Misplaced {
        flag,
        goes_with: goes_with.to_string(),
    };
    if flags.has("--ceilings") {
        for flag in ["--kernel", "--variant", "--size", "--tiles", "--wgsl"] {
            if flags.get(flag).is_some() {
                return Err(misuse(
                    flag,
                    "with a kernel run, not with --ceilings (which runs its own probes)",
                ));
            }
        }
        for flag in ["--causal", "--autotune"] {
            if flags.has(flag) {
                return Err(misuse(
                    flag,
                    "with a kernel run, not with --ceilings (which runs its own probes)",
                ));
            }
        }
    } else if flags.get("--max-size").is_some() {
        return Err(misuse(
            "--max-size",
            "with --ceilings (where the bandwidth sweep ends)",
        ));
    }
    if flags.has("--causal") && kernel.is_some_and(|k| k != "attention") {
        return Err(misuse("--causal", "with --kernel attention"));
    }
    if kernel.is_some_and(|k| k != "matmul") {
        if flags.get("--tiles").is_some() {
            return Err(misuse("--tiles", "with --kernel matmul"));
        }
        if flags.has("--autotune") {
            return Err(misuse("--autotune", "with --kernel matmul"));
        }
    }
    Ok(())
}

/// A byte count: a number of bytes (`2000000`, `64M`) or one with a binary unit (`256MiB`).
fn parse_bytes(flag: &'static str, raw: &str) -> Result<u64, ArgError> {
    let invalid = || ArgError::Invalid {
        flag,
        value: raw.to_string(),
        allowed: "a positive number of bytes, such as 67108864, 64M or 64MiB".into(),
    };
    let lower = raw.trim().to_ascii_lowercase();
    let binary = [("kib", 1u64 << 10), ("mib", 1 << 20), ("gib", 1 << 30)]
        .into_iter()
        .find(|(u, _)| lower.ends_with(u));
    let bytes = match binary {
        Some((unit, scale)) => {
            lower[..lower.len() - unit.len()]
                .trim()
                .parse::<f64>()
                .map_err(|_| invalid())?
                * scale as f64
        }
        None => parse_number(raw).ok_or_else(invalid)?,
    };
    if !(bytes >= 1.0 && bytes < u64::MAX as f64) {
        return Err(invalid());
    }
    Ok(bytes as u64)
}

/// Checks that `--json PATH` can be written, before the runs: its folder must exist, and the file
/// must be writable where it exists already.
fn check_writable(path: &str) -> anyhow::Result<()> {
    if path == "-" {
        anyhow::bail!(
            "--json takes a file path ('-' for standard output is not supported: the table goes \
             there); write to a file, then read it"
        );
    }
    let p = std::path::Path::new(path);
    if p.is_dir() {
        anyhow::bail!("--json {path}: that is a folder; give a file name");
    }
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir
        && !dir.is_dir()
    {
        anyhow::bail!("--json {path}: the folder {} does not exist", dir.display());
    }
    if p.exists() {
        std::fs::OpenOptions::new()
            .append(true)
            .open(p)
            .with_context(|| format!("--json {path}: cannot write to it"))?;
    }
    Ok(())
}

/// `--wgsl PATH`: checks that it goes with the other flags and reads it. Returns the path, the
/// label the results carry (the file's name) and the source.
fn custom_source(flags: &Flags, path: &str) -> anyhow::Result<(String, String, String)> {
    if flags.get("--variant").is_none() {
        anyhow::bail!(
            "--wgsl replaces one variant's source: name it with --variant (see `lab bench \
             --help`)"
        );
    }
    for other in ["--ceilings", "--autotune"] {
        if flags.has(other) {
            anyhow::bail!("--wgsl runs one variant as given; it does not combine with {other}");
        }
    }
    let source = std::fs::read_to_string(path).with_context(|| format!("reading --wgsl {path}"))?;
    let label = std::path::Path::new(path)
        .file_name()
        .map_or_else(|| path.to_string(), |n| n.to_string_lossy().into_owned());
    Ok((path.to_string(), label, source))
}

/// Why `spec` cannot run on `gpu` at all, in one line, or `None` if it can be tried.
fn skip_reason(gpu: &Gpu, spec: &KernelSpec) -> Option<String> {
    if gpu.has(spec.features) {
        return None;
    }
    let missing = spec.features - gpu.device.features();
    let names = kernels::gpu::feature_names(missing).join(", ");
    Some(if gpu.adapter_has(missing) {
        format!("{names} is experimental in wgpu; rerun with --experimental to enable it")
    } else {
        format!("unsupported on this adapter (it lacks {names})")
    })
}

fn print_roofs(r: &kernels::ceilings::Roofs) {
    let human = kernels::shape::human_bytes;
    out!();
    out!("measured roofs:");
    if let Some((gbs, at)) = r.read {
        out!(
            "  read bandwidth   {gbs:>10.1} GB/s  (best, at a {} working set)",
            human(at)
        );
    }
    if let Some((gbs, at)) = r.read_largest {
        out!(
            "  read bandwidth   {gbs:>10.1} GB/s  (largest working set, {})",
            human(at)
        );
    }
    if let Some((gbs, at)) = r.copy {
        out!(
            "  copy bandwidth   {gbs:>10.1} GB/s  (best, at {}; read + write bytes)",
            human(at)
        );
    }
    if let Some((gbs, at)) = r.copy_largest {
        out!(
            "  copy bandwidth   {gbs:>10.1} GB/s  (largest working set, {})",
            human(at)
        );
    }
    if let Some(g) = r.f32_gflops {
        out!("  f32 fma peak     {:>10.1} GFLOP/s", g);
    }
    match r.f16_gflops {
        Some(g) => out!("  f16 fma peak     {:>10.1} GFLOP/s", g),
        None => out!("  f16 fma peak     not measured (no shader-f16)"),
    }
    // Only where the device was opened with --experimental and lists the fragment shape.
    if let Some(g) = r.coop_f16_gflops {
        out!(
            "  f16 tensor peak  {:>10.1} GFLOP/s  (cooperative matrices, f32 sums)",
            g
        );
    }
}

/// Parses `--tiles BMxBNxBK`.
fn parse_tiles(raw: &str) -> Result<kernels::matmul::Tiles, ArgError> {
    let dims: Option<Vec<u32>> = raw
        .split(['x', 'X', '×'])
        .map(|d| d.trim().parse::<u32>().ok().filter(|&v| v > 0))
        .collect();
    match dims.as_deref() {
        Some([bm, bn, bk]) => Ok(kernels::matmul::Tiles {
            bm: *bm,
            bn: *bn,
            bk: *bk,
        }),
        _ => Err(ArgError::Invalid {
            flag: "--tiles",
            value: raw.to_string(),
            allowed: "BMxBNxBK, three positive integers (e.g. 128x128x8)".into(),
        }),
    }
}

/// Widths of the table's first two columns, in characters.
struct Widths {
    id: usize,
    shape: usize,
}

fn print_header(w: &Widths) {
    out!(
        "{:<iw$} {:<sw$} {:>12} {:>7} {:>11} {:>10} {:>9}  {:<15} verified",
        "kernel",
        "shape",
        "median",
        "spread",
        "GFLOP/s",
        "GB/s",
        "FLOP/B",
        "timing",
        iw = w.id,
        sw = w.shape
    );
}

fn print_row(m: &Measurement, id: &str, w: &Widths) {
    out!(
        "{:<iw$} {:<sw$} {:>12} {:>6.1}% {:>11.1} {:>10.1} {:>9.3}  {:<15} {}",
        id,
        m.shape.to_string(),
        format_seconds(m.time.median_s),
        m.time.spread * 100.0,
        m.gflops_per_s,
        m.gbytes_per_s,
        m.intensity,
        m.timing.label(),
        if m.verified {
            format!(
                "yes ({} of {} elements)",
                m.verification.checked, m.verification.total
            )
        } else {
            format!(
                "NO: {}",
                m.verification.first_failure.clone().unwrap_or_default()
            )
        },
        iw = w.id,
        sw = w.shape
    );
}

/// Seconds with a unit that keeps three significant digits readable.
fn format_seconds(s: f64) -> String {
    if s >= 1.0 {
        format!("{s:.3} s")
    } else if s >= 1e-3 {
        format!("{:.3} ms", s * 1e3)
    } else {
        format!("{:.2} µs", s * 1e6)
    }
}

/// Parses one `--size` entry for a kernel family.
fn parse_shape(family: Family, raw: &str, causal: bool) -> Result<Shape, ArgError> {
    let invalid = |allowed: &str| ArgError::Invalid {
        flag: "--size",
        value: raw.to_string(),
        allowed: allowed.to_string(),
    };
    match family {
        Family::Stream(_) => {
            const STREAM: &str = "a positive element count (4096, 16M) or bytes with KiB/MiB/GiB";
            let lower = raw.trim().to_ascii_lowercase();
            let bytes_unit = [("kib", 1u64 << 10), ("mib", 1 << 20), ("gib", 1 << 30)]
                .into_iter()
                .find(|(u, _)| lower.ends_with(u));
            let elements = match bytes_unit {
                Some((unit, scale)) => {
                    let n: f64 = lower[..lower.len() - unit.len()]
                        .parse()
                        .map_err(|_| invalid(STREAM))?;
                    (n * scale as f64 / 4.0).floor()
                }
                None => parse_number(raw).ok_or_else(|| invalid(STREAM))?,
            };
            if !(elements >= 1.0 && elements <= u64::MAX as f64 && elements.fract() == 0.0) {
                return Err(invalid(STREAM));
            }
            Ok(Shape::Stream {
                elements: elements as u64,
            })
        }
        Family::Peak => {
            const PEAK: &str = "a positive number of threads (1M, 2097152)";
            let n = parse_number(raw).ok_or_else(|| invalid(PEAK))?;
            if !(n >= 1.0 && n <= u32::MAX as f64 && n.fract() == 0.0) {
                return Err(invalid(PEAK));
            }
            Ok(Shape::Peak { threads: n as u64 })
        }
        Family::Attention(_) => {
            const ATTENTION: &str =
                "BxHxNxD (batch, heads, sequence length, head dim), e.g. 1x32x4096x128";
            let dims: Vec<u32> = raw
                .split(['x', 'X', '×'])
                .map(|d| d.trim().parse::<u32>().ok().filter(|&v| v > 0))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid(ATTENTION))?;
            match dims[..] {
                [batch, heads, seq, head_dim] => Ok(Shape::Attention {
                    batch,
                    heads,
                    seq,
                    head_dim,
                    causal,
                }),
                _ => Err(invalid(ATTENTION)),
            }
        }
        Family::Gemv => {
            const GEMV: &str = "ROWSxCOLS or ROWSxCOLSxBATCH (batch 1 to 8), e.g. 4096x4096x8";
            let dims: Vec<u32> = raw
                .split(['x', 'X', '×'])
                .map(|d| d.trim().parse::<u32>().ok().filter(|&v| v > 0))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid(GEMV))?;
            match dims[..] {
                [rows, cols] => Ok(Shape::Gemv {
                    rows,
                    cols,
                    batch: 1,
                }),
                [rows, cols, batch] if batch <= 8 => Ok(Shape::Gemv { rows, cols, batch }),
                _ => Err(invalid(GEMV)),
            }
        }
        Family::Matmul => {
            const MATMUL: &str = "N (for N×N×N) or MxNxK, each from 1 to 4294967295";
            let dims: Vec<u32> = raw
                .split(['x', 'X', '×'])
                .map(|d| d.trim().parse::<u32>().ok().filter(|&v| v > 0))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid(MATMUL))?;
            match dims[..] {
                [n] => Ok(Shape::Matmul { m: n, n, k: n }),
                [m, n, k] => Ok(Shape::Matmul { m, n, k }),
                _ => Err(invalid(MATMUL)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kernels::registry::StreamOp;

    #[test]
    fn sizes_parse_per_family() {
        let s = Family::Stream(StreamOp::Copy);
        assert_eq!(
            parse_shape(s, "4096", false).unwrap(),
            Shape::Stream { elements: 4096 }
        );
        assert_eq!(
            parse_shape(s, "16M", false).unwrap(),
            Shape::Stream {
                elements: 16_000_000
            }
        );
        assert_eq!(
            parse_shape(s, "1MiB", false).unwrap(),
            Shape::Stream { elements: 262_144 }
        );
        assert!(parse_shape(s, "0", false).is_err());
        assert!(parse_shape(s, "1.5", false).is_err());
        assert_eq!(
            parse_shape(Family::Matmul, "64", false).unwrap(),
            Shape::Matmul {
                m: 64,
                n: 64,
                k: 64
            }
        );
        assert_eq!(
            parse_shape(Family::Matmul, "3x5x7", false).unwrap(),
            Shape::Matmul { m: 3, n: 5, k: 7 }
        );
        let e = parse_shape(Family::Matmul, "3x0x7", false)
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "invalid value for --size: '3x0x7'; allowed: N (for N×N×N) or MxNxK, each from 1 to 4294967295"
        );
        assert!(parse_shape(Family::Matmul, "3x5", false).is_err());
        assert_eq!(
            parse_shape(Family::Peak, "1024", false).unwrap(),
            Shape::Peak { threads: 1024 }
        );
        assert_eq!(parse_tiles("128x64x8").unwrap().bn, 64);
        assert!(parse_tiles("128x64").is_err());
        assert_eq!(
            parse_shape(Family::Gemv, "14336x4096x8", false).unwrap(),
            Shape::Gemv {
                rows: 14336,
                cols: 4096,
                batch: 8
            }
        );
        assert_eq!(
            parse_shape(Family::Gemv, "64x32", false).unwrap(),
            Shape::Gemv {
                rows: 64,
                cols: 32,
                batch: 1
            }
        );
        assert!(parse_shape(Family::Gemv, "64x32x9", false).is_err());
        let a = Family::Attention(kernels::attention::AttentionKind::Flash);
        assert_eq!(
            parse_shape(a, "1x32x4096x128", true).unwrap(),
            Shape::Attention {
                batch: 1,
                heads: 32,
                seq: 4096,
                head_dim: 128,
                causal: true
            }
        );
        assert!(parse_shape(a, "1x32x4096", false).is_err());
    }
}

//! `lab calc`: the calculator models from the `lessons` crate on the command line.
//!
//! `lab calc <roofline|iron-law|decode|kv-cache|speculative|zero> [flags] [--json]` prints a
//! readable table, or with `--json` exactly one JSON object on stdout. Presets (`--model`, `--gpu`)
//! fill fields first; explicit flags override them. Every failure is one line naming the flag, the
//! value and what is allowed: model errors name input fields, and [`model_error`] maps them back to
//! the flag the user typed.

use anyhow::{Result, anyhow, bail};
use lessons::ModelError;
use lessons::decode::{self, DecodeInput};
use lessons::kv_cache::{self, FitInput, GroupScale, KvCacheInput, KvDtype, KvLayout};
use lessons::presets::{self, GpuPreset, ModelPreset, Precision};
use lessons::roofline::{self, CeilingsInput, ComputeCeiling, IronLawInput, MemoryCeiling};
use lessons::speculative::{self, SimulationInput, SpeculativeInput};
use lessons::zero::{self, ActivationInput, DeepSpeedInput, ZeroInput};
use serde_json::Value;

use crate::args::{ArgError, Flags, parse_number};

const CALCULATORS: &str = "roofline, iron-law, decode, kv-cache, speculative, zero";

/// Runs `lab calc <model> …`.
pub fn run(args: &[String]) -> Result<()> {
    let Some((name, rest)) = args.split_first() else {
        bail!("lab calc needs a calculator; allowed: {CALCULATORS}")
    };
    let calc = match name.as_str() {
        "roofline" => &ROOFLINE,
        "iron-law" => &IRON_LAW,
        "decode" => &DECODE,
        "kv-cache" => &KV_CACHE,
        "speculative" => &SPECULATIVE,
        "zero" => &ZERO,
        "help" | "--help" | "-h" => {
            for c in ALL {
                out!("lab calc {} {}\n    {}\n", c.name, c.usage, c.about);
            }
            return Ok(());
        }
        other => bail!("unknown calculator '{other}'; allowed: {CALCULATORS}"),
    };
    if rest.iter().any(|a| a == "--help" || a == "-h") {
        out!(
            "usage: lab calc {} {}\n\n  {}\n\n{}\n\n{}\n\n  example: {}",
            calc.name,
            calc.usage,
            calc.about,
            calc.units,
            common_notes(),
            calc.example
        );
        return Ok(());
    }
    let flags = Flags::parse(rest, calc.valued, &switches_of(calc))?;
    let out = (calc.run)(&flags).map_err(|e| match e.downcast::<ModelError>() {
        Ok(m) => model_error(m, &flags, calc),
        Err(e) => e,
    })?;
    if flags.has("--json") {
        let mut object = out.json;
        if let Value::Object(map) = &mut object {
            map.insert("calculator".into(), Value::from(calc.name));
        }
        out!("{}", serde_json::to_string(&object)?);
    } else {
        out!(@no_newline "{}", out.table);
    }
    Ok(())
}

/// What a calculator produced: the JSON object and the same numbers as a table.
struct Output {
    json: Value,
    table: String,
}

/// A calculator's command-line surface.
struct Calc {
    name: &'static str,
    usage: &'static str,
    about: &'static str,
    /// The flags' units and defaults, for `--help`.
    units: &'static str,
    /// A command that works as written.
    example: &'static str,
    valued: &'static [&'static str],
    switches: &'static [&'static str],
    /// Input field names whose flag is not `--` plus the field with `_` turned into `-`.
    aliases: &'static [(&'static str, &'static str)],
    run: fn(&Flags) -> Result<Output>,
}

/// How numbers are read, and the preset ids, for every calculator's `--help`.
fn common_notes() -> String {
    let ids = |v: Vec<&str>| v.join(", ");
    format!(
        "  Numbers: 4096, 7.5e9, or with K, M, B/G, T (powers of 1000: 4K is 4,000, 70B is 7e10).\n  \
         --gpu presets: {}\n  --model presets: {}",
        ids(presets::GPUS.iter().map(|g| g.id).collect()),
        ids(presets::MODELS.iter().map(|m| m.id).collect())
    )
}

fn switches_of(calc: &Calc) -> Vec<&'static str> {
    let mut s = vec!["--json", "--help"];
    s.extend_from_slice(calc.switches);
    s
}

const ALL: [&Calc; 6] = [
    &ROOFLINE,
    &IRON_LAW,
    &DECODE,
    &KV_CACHE,
    &SPECULATIVE,
    &ZERO,
];

/// Turns a model error about an input field into a one-line error about the flag that set it.
fn model_error(e: ModelError, flags: &Flags, calc: &Calc) -> anyhow::Error {
    let ModelError::Invalid {
        field,
        value,
        allowed,
    } = &e
    else {
        return anyhow!(e);
    };
    let flag = calc
        .aliases
        .iter()
        .find(|(f, _)| f == field)
        .map(|(_, flag)| (*flag).to_string())
        .unwrap_or_else(|| format!("--{}", field.replace('_', "-")));
    let known = calc.valued.iter().chain(calc.switches).any(|f| *f == flag);
    if !known {
        return anyhow!(e);
    }
    match flags.get(&flag) {
        Some(raw) => anyhow!("invalid value for {flag}: '{raw}'; allowed: {allowed}"),
        None if flags.has(&flag) => anyhow!("invalid use of {flag}; allowed: {allowed}"),
        None => anyhow!(
            "invalid value for {flag}: '{value}' (from a preset or default); allowed: {allowed}"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Flag helpers

fn num(flags: &Flags, flag: &'static str) -> Result<Option<f64>, ArgError> {
    flags.number(flag)
}

/// A whole number: digits are parsed exactly as `u64`; anything else goes through
/// [`parse_number`] (so `70B` and `7.5e9` work) and must come out whole.
fn int(flags: &Flags, flag: &'static str) -> Result<Option<u64>, ArgError> {
    let Some(raw) = flags.get(flag) else {
        return Ok(None);
    };
    let cleaned = raw.trim().replace('_', "");
    if let Ok(v) = cleaned.parse::<u64>() {
        return Ok(Some(v));
    }
    match parse_number(raw) {
        Some(v) if v >= 0.0 && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0 => {
            Ok(Some(v as u64))
        }
        _ => Err(ArgError::Invalid {
            flag,
            value: raw.to_string(),
            allowed: "a whole number such as 8, 4096 or 70B (K, M, B/G and T are powers of 1000: 4K is 4,000)"
                .into(),
        }),
    }
}

fn int_or(flags: &Flags, flag: &'static str, default: u64) -> Result<u64, ArgError> {
    Ok(int(flags, flag)?.unwrap_or(default))
}

fn require<T>(value: Option<T>, flag: &'static str, what: &'static str) -> Result<T, ArgError> {
    value.ok_or(ArgError::Missing { flag, what })
}

fn u32_flag(flags: &Flags, flag: &'static str) -> Result<Option<u32>, ArgError> {
    match int(flags, flag)? {
        None => Ok(None),
        Some(v) => u32::try_from(v).map(Some).map_err(|_| ArgError::Invalid {
            flag,
            value: flags.get(flag).unwrap_or_default().to_string(),
            allowed: format!("an integer from 0 to {}", speculative::MAX_DRAFT_TOKENS),
        }),
    }
}

fn gpu_preset(flags: &Flags) -> Result<Option<&'static GpuPreset>, ArgError> {
    preset(flags, "--gpu", presets::gpu)
}

fn model_preset(flags: &Flags) -> Result<Option<&'static ModelPreset>, ArgError> {
    preset(flags, "--model", presets::model)
}

fn preset<T>(
    flags: &Flags,
    flag: &'static str,
    lookup: fn(&str) -> Result<T, ModelError>,
) -> Result<Option<T>, ArgError> {
    let Some(raw) = flags.get(flag) else {
        return Ok(None);
    };
    lookup(raw).map(Some).map_err(|e| ArgError::Invalid {
        flag,
        value: raw.to_string(),
        allowed: match e {
            ModelError::UnknownPreset { allowed, .. } => allowed,
            other => other.to_string(),
        },
    })
}

/// The precision of `--precision`, or FP16 where the GPU has it and FP32 otherwise.
fn precision(flags: &Flags, gpu: Option<&GpuPreset>) -> Result<Precision, ArgError> {
    match flags.get("--precision") {
        Some(raw) => Precision::parse(raw).map_err(|_| ArgError::Invalid {
            flag: "--precision",
            value: raw.to_string(),
            allowed: "one of fp32, tf32, fp16, bf16, fp8, int8".into(),
        }),
        None => Ok(match gpu {
            Some(g) if g.peak(Precision::Fp16).is_none() => Precision::Fp32,
            _ => Precision::Fp16,
        }),
    }
}

/// Peak FLOP/s from `--peak-flops`, else from the GPU preset at the chosen precision.
fn peak_flops(flags: &Flags, gpu: Option<&GpuPreset>) -> Result<Option<f64>> {
    if let Some(p) = num(flags, "--peak-flops")? {
        return Ok(Some(p));
    }
    let Some(g) = gpu else { return Ok(None) };
    let p = precision(flags, Some(g))?;
    let peak = g.require_peak(p).map_err(|e| match e {
        ModelError::Invalid { allowed, .. } => anyhow!(ArgError::Invalid {
            flag: "--precision",
            value: p.as_str().to_string(),
            allowed,
        }),
        other => anyhow!(other),
    })?;
    Ok(Some(peak))
}

fn bandwidth(flags: &Flags, gpu: Option<&GpuPreset>) -> Result<Option<f64>, ArgError> {
    Ok(num(flags, "--bandwidth")?.or(gpu.map(|g| g.bandwidth)))
}

// ---------------------------------------------------------------------------------------------
// Formatting

/// Groups digits in threes: 2684354560 → "2,684,354,560".
fn grouped(n: u64) -> String {
    lessons::number::group_thousands(&n.to_string())
}

fn bytes(n: u64) -> String {
    let gib = n as f64 / (1u64 << 30) as f64;
    if n >= 1_000_000 {
        format!(
            "{} B ({} GB, {gib:.3} GiB)",
            grouped(n),
            sig(n as f64 / 1e9)
        )
    } else {
        format!("{} B", grouped(n))
    }
}

/// Four significant digits without exponent noise for everyday magnitudes.
fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if !(1e-3..1e7).contains(&a) {
        return format!("{x:.4e}");
    }
    let decimals = (3 - a.log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

fn rate(x: f64, unit: &str) -> String {
    let (scale, prefix) = [(1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(s, _)| x.abs() >= *s)
        .unwrap_or((1.0, ""));
    format!("{} {prefix}{unit}", sig(x / scale))
}

fn time(s: f64) -> String {
    if s >= 1.0 {
        format!("{} s", sig(s))
    } else if s >= 1e-3 {
        format!("{} ms", sig(s * 1e3))
    } else if s >= 1e-6 {
        format!("{} µs", sig(s * 1e6))
    } else {
        format!("{} ns", sig(s * 1e9))
    }
}

/// A two-column table with a title line.
struct Table {
    text: String,
    rows: Vec<(String, String)>,
}

impl Table {
    fn new(title: impl Into<String>) -> Table {
        Table {
            text: format!("{}\n", title.into()),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Table {
        self.rows.push((label.into(), value.into()));
        self
    }

    fn finish(&mut self) -> String {
        let width = self
            .rows
            .iter()
            .map(|(l, _)| l.chars().count())
            .max()
            .unwrap_or(0);
        let mut text = std::mem::take(&mut self.text);
        for (label, value) in self.rows.drain(..) {
            text.push_str(&format!("  {label:<width$}  {value}\n"));
        }
        text
    }
}

fn to_value<T: serde::Serialize>(x: &T) -> Result<Value> {
    Ok(serde_json::to_value(x)?)
}

/// The report's fields at the top level, plus the input under `"input"`.
fn report_json<I: serde::Serialize, R: serde::Serialize>(input: &I, report: &R) -> Result<Value> {
    let mut value = to_value(report)?;
    if let Value::Object(map) = &mut value {
        map.insert("input".into(), to_value(input)?);
    }
    Ok(value)
}

fn insert(value: &mut Value, key: &str, v: Value) {
    if let Value::Object(map) = value {
        map.insert(key.into(), v);
    }
}

// ---------------------------------------------------------------------------------------------
// roofline

const ROOFLINE: Calc = Calc {
    name: "roofline",
    usage: "--peak-flops F --bandwidth B (--intensity I | --flops F --bytes N) \
            [--measured-flops F] [--gpu ID [--precision P]] [--json]",
    about: "attainable FLOP/s = min(peak, bandwidth × intensity); ridge; memory- or compute-bound",
    units: "  --peak-flops, --measured-flops: FLOP/s; --bandwidth: bytes/s; --intensity: FLOP/byte;
  --flops: FLOPs and --bytes: bytes (the intensity is their ratio); --gpu fills the peak and
  the bandwidth from a preset, --precision picks its peak (default fp16, else fp32)",
    example: "lab calc roofline --gpu h100-sxm --intensity 100",
    valued: &[
        "--peak-flops",
        "--bandwidth",
        "--intensity",
        "--flops",
        "--bytes",
        "--measured-flops",
        "--gpu",
        "--precision",
    ],
    switches: &[],
    aliases: &[],
    run: run_roofline,
};

fn intensity(flags: &Flags) -> Result<f64> {
    if let Some(i) = num(flags, "--intensity")? {
        if flags.get("--flops").is_some() || flags.get("--bytes").is_some() {
            bail!(ArgError::Invalid {
                flag: "--intensity",
                value: flags.get("--intensity").unwrap_or_default().into(),
                allowed: "either --intensity or --flops with --bytes, not both".into(),
            });
        }
        return Ok(i);
    }
    let what = "arithmetic intensity in FLOP/byte (or --flops with --bytes)";
    let flops = require(num(flags, "--flops")?, "--intensity", what)?;
    let bytes = require(
        num(flags, "--bytes")?,
        "--bytes",
        "bytes moved, to go with --flops",
    )?;
    if !(bytes.is_finite() && bytes > 0.0) {
        bail!(ArgError::Invalid {
            flag: "--bytes",
            value: flags.get("--bytes").unwrap_or_default().into(),
            allowed: "a finite number greater than 0".into(),
        });
    }
    // Checked here, by the flag typed: the model only sees the intensity derived from it.
    if !(flops.is_finite() && flops > 0.0) {
        bail!(ArgError::Invalid {
            flag: "--flops",
            value: flags.get("--flops").unwrap_or_default().into(),
            allowed: "a finite number greater than 0 (the intensity is --flops / --bytes)".into(),
        });
    }
    Ok(flops / bytes)
}

fn run_roofline(flags: &Flags) -> Result<Output> {
    let gpu = gpu_preset(flags)?;
    let input = roofline::RooflineInput {
        peak_flops: require(
            peak_flops(flags, gpu)?,
            "--peak-flops",
            "peak FLOP/s, e.g. 989e12 (or --gpu ID)",
        )?,
        bandwidth: require(
            bandwidth(flags, gpu)?,
            "--bandwidth",
            "bytes/s, e.g. 3.35e12 (or --gpu ID)",
        )?,
        intensity: intensity(flags)?,
        measured_flops: num(flags, "--measured-flops")?,
    };
    let r = roofline::compute(&input)?;
    let mut json = report_json(&input, &r)?;
    let mut t = Table::new("Roofline");
    t.row("peak compute", rate(input.peak_flops, "FLOP/s"))
        .row("bandwidth", rate(input.bandwidth, "B/s"))
        .row("intensity", format!("{} FLOP/B", sig(input.intensity)))
        .row(
            "ridge intensity",
            format!("{} FLOP/B", sig(r.ridge_intensity)),
        )
        .row("attainable", rate(r.attainable_flops, "FLOP/s"))
        .row("bound", r.bound.as_str())
        .row(
            "fraction of peak",
            format!("{}%", sig(100.0 * r.fraction_of_peak)),
        );
    if let Some(f) = r.fraction_of_attainable {
        t.row("measured / attainable", format!("{}%", sig(100.0 * f)));
    }
    if let Some(g) = gpu {
        // Every published precision of the GPU under its one bandwidth roof.
        let ceilings = roofline::compute_ceilings(&CeilingsInput {
            compute: Precision::ALL
                .into_iter()
                .filter_map(|p| {
                    g.peak(p).map(|peak| ComputeCeiling {
                        label: p.as_str().into(),
                        peak_flops: peak,
                    })
                })
                .collect(),
            memory: vec![MemoryCeiling {
                label: "memory".into(),
                bandwidth: input.bandwidth,
                intensity: input.intensity,
            }],
            measured_flops: input.measured_flops,
        })?;
        for row in &ceilings.rows {
            t.row(
                format!("{} {}", g.id, row.label),
                format!(
                    "{} ({})",
                    rate(row.attainable_flops, "FLOP/s"),
                    row.bound.as_str()
                ),
            );
        }
        insert(&mut json, "gpu", Value::from(g.id));
        insert(&mut json, "ceilings", to_value(&ceilings)?);
    }
    Ok(Output {
        json,
        table: t.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// iron-law

const IRON_LAW: Calc = Calc {
    name: "iron-law",
    usage: "--bytes N --flops F --bandwidth B --peak-flops F [--efficiency E] [--latency S] \
            [--gpu ID [--precision P]] [--json]",
    about: "T = bytes/BW + FLOPs/(peak·η) + latency, serial and overlapped, with the dominant term",
    units: "  --bytes: bytes; --flops: FLOPs; --bandwidth: bytes/s; --peak-flops: FLOP/s;
  --efficiency: achieved fraction of the peak, in (0, 1] (default 1); --latency: seconds
  (default 0); --gpu fills the bandwidth and the peak from a preset",
    example: "lab calc iron-law --gpu h100-sxm --bytes 1e9 --flops 1e11 --latency 5e-6",
    valued: &[
        "--bytes",
        "--flops",
        "--bandwidth",
        "--peak-flops",
        "--efficiency",
        "--latency",
        "--gpu",
        "--precision",
    ],
    switches: &[],
    aliases: &[("latency_s", "--latency")],
    run: run_iron_law,
};

fn run_iron_law(flags: &Flags) -> Result<Output> {
    let gpu = gpu_preset(flags)?;
    let input = IronLawInput {
        bytes: flags.require_number("--bytes", "bytes moved")?,
        flops: flags.require_number("--flops", "floating-point operations")?,
        bandwidth: require(
            bandwidth(flags, gpu)?,
            "--bandwidth",
            "bytes/s (or --gpu ID)",
        )?,
        peak_flops: require(
            peak_flops(flags, gpu)?,
            "--peak-flops",
            "peak FLOP/s (or --gpu ID)",
        )?,
        efficiency: num(flags, "--efficiency")?.unwrap_or(1.0),
        latency_s: num(flags, "--latency")?.unwrap_or(0.0),
    };
    let r = roofline::iron_law(&input)?;
    let mut t = Table::new("Iron law");
    t.row("memory term", time(r.memory_s))
        .row("compute term", time(r.compute_s))
        .row("latency term", time(r.latency_s))
        .row("serial (sum)", time(r.serial_s))
        .row("overlapped (max + latency)", time(r.overlapped_s))
        .row("dominant", r.dominant.as_str());
    Ok(Output {
        json: report_json(&input, &r)?,
        table: t.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// decode

const DECODE: Calc = Calc {
    name: "decode",
    usage: "--params P --batch B --bytes-per-param b --hidden D --bytes-per-activation a \
            --bandwidth BW [--peak-flops F] [--gpus N] [--model ID] [--gpu ID [--precision P]] \
            [--json]",
    about: "decode intensity 2PB/(P·b + B·D·a), weight-streaming time per token, ridge batch \
            (batch defaults to 1, byte widths to 2)",
    units: "  --params: parameters; --batch: sequences (default 1); --bytes-per-param and
  --bytes-per-activation: bytes (default 2); --hidden: d_model; --bandwidth: bytes/s and
  --peak-flops: FLOP/s, both of one GPU; --gpus: tensor-parallel GPUs (default 1); --model
  fills the parameters and d_model, --gpu the bandwidth and peak",
    example: "lab calc decode --model llama-2-70b --gpu h100-sxm --gpus 8",
    valued: &[
        "--params",
        "--batch",
        "--bytes-per-param",
        "--hidden",
        "--bytes-per-activation",
        "--bandwidth",
        "--peak-flops",
        "--gpus",
        "--model",
        "--gpu",
        "--precision",
    ],
    switches: &[],
    aliases: &[],
    run: run_decode,
};

fn run_decode(flags: &Flags) -> Result<Output> {
    let model = model_preset(flags)?;
    let gpu = gpu_preset(flags)?;
    let input = DecodeInput {
        params: require(
            int(flags, "--params")?.or(model.map(|m| m.params)),
            "--params",
            "parameter count, e.g. 7B (or --model ID)",
        )?,
        batch: int_or(flags, "--batch", 1)?,
        bytes_per_param: num(flags, "--bytes-per-param")?.unwrap_or(2.0),
        hidden: require(
            int(flags, "--hidden")?.or(model.map(|m| m.hidden)),
            "--hidden",
            "hidden size d_model (or --model ID)",
        )?,
        bytes_per_activation: num(flags, "--bytes-per-activation")?.unwrap_or(2.0),
        bandwidth: require(
            bandwidth(flags, gpu)?,
            "--bandwidth",
            "bytes/s (or --gpu ID)",
        )?,
        peak_flops: peak_flops(flags, gpu)?,
        gpus: int_or(flags, "--gpus", 1)?,
    };
    let r = decode::compute(&input)?;
    let mut t = Table::new(format!(
        "Decode: {} params, batch {}, {} B/param, {} GPU(s)",
        grouped(input.params),
        input.batch,
        input.bytes_per_param,
        input.gpus
    ));
    t.row("FLOPs per step", format!("{:.4e}", r.flops_per_step))
        .row("bytes per step", format!("{:.4e}", r.bytes_per_step))
        .row("intensity", format!("{} FLOP/B", sig(r.intensity)))
        .row("weight bytes", bytes(r.weight_bytes))
        .row("weight bytes per GPU", bytes(r.weight_bytes_per_gpu))
        .row("time per token (floor)", time(r.time_per_token_s))
        .row("tokens/s per stream (max)", sig(r.tokens_per_s_per_stream))
        .row("tokens/s for the batch (max)", sig(r.tokens_per_s_batch));
    if let Some(ridge) = r.ridge_intensity {
        t.row("ridge intensity", format!("{} FLOP/B", sig(ridge)));
        t.row(
            "ridge batch",
            match (r.ridge_batch, r.ridge_batch_integer) {
                (Some(b), Some(k)) => format!("{} (first whole batch: {k})", sig(b)),
                _ => "never (intensity saturates below the ridge)".into(),
            },
        );
    }
    if let Some(b) = r.bound {
        t.row("bound", b.as_str());
    }
    if let Some(s) = r.step_time_s {
        t.row("roofline step time", time(s));
    }
    if model.is_some_and(|m| m.active_params.is_some()) {
        t.row(
            "note",
            "mixture of experts: total parameters used; pass --params for active ones",
        );
    }
    Ok(Output {
        json: report_json(&input, &r)?,
        table: t.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// kv-cache

const KV_CACHE: Calc = Calc {
    name: "kv-cache",
    usage: "--layers L (--kv-heads H --head-dim D | --latent-dim C --rope-dim R) --tokens N \
            [--batch B] [--dtype fp32|fp16|bf16|fp8|int8|int4] [--scale-group G [--scale-bits S]] \
            [--tp T] [--page-size S] [--reserve-tokens M] [--model ID] \
            [--gpu ID | --gpu-memory BYTES] [--weight-bytes W | --bytes-per-param b] \
            [--overhead BYTES] [--json]",
    about: "exact KV-cache bytes per token, per request and per GPU; paging; what fits \
            (batch defaults to 1, dtype to fp16)",
    units:
        "  --layers, --kv-heads, --head-dim (or --latent-dim and --rope-dim for MLA): the model's
  shape, which --model fills; --tokens: context length; --batch: sequences (default 1);
  --dtype: the cache's element type (default fp16); --scale-group G: one scale of
  --scale-bits (default 16) per G values; --tp: tensor-parallel GPUs (default 1);
  --page-size, --reserve-tokens: tokens; --gpu-memory, --weight-bytes, --overhead: bytes
  (default overhead 0), or --gpu and --bytes-per-param for the memory and the weights",
    example: "lab calc kv-cache --model llama-2-70b --tokens 4096 --batch 8 --gpu h100-sxm \
              --bytes-per-param 2",
    valued: &[
        "--layers",
        "--kv-heads",
        "--head-dim",
        "--latent-dim",
        "--rope-dim",
        "--tokens",
        "--batch",
        "--dtype",
        "--scale-group",
        "--scale-bits",
        "--tp",
        "--page-size",
        "--reserve-tokens",
        "--model",
        "--gpu",
        "--gpu-memory",
        "--weight-bytes",
        "--bytes-per-param",
        "--overhead",
    ],
    switches: &[],
    aliases: &[
        ("group_size", "--scale-group"),
        ("gpu_memory_bytes", "--gpu-memory"),
        ("overhead_bytes", "--overhead"),
    ],
    run: run_kv_cache,
};

fn layout(flags: &Flags, model: Option<&ModelPreset>) -> Result<KvLayout> {
    let heads_given = flags.get("--kv-heads").is_some() || flags.get("--head-dim").is_some();
    let latent_given = flags.get("--latent-dim").is_some() || flags.get("--rope-dim").is_some();
    if heads_given && latent_given {
        bail!(ArgError::Invalid {
            flag: "--latent-dim",
            value: flags
                .get("--latent-dim")
                .or(flags.get("--rope-dim"))
                .unwrap_or_default()
                .into(),
            allowed:
                "either --kv-heads/--head-dim (MHA/GQA/MQA) or --latent-dim/--rope-dim (MLA), \
                      not both"
                    .into(),
        });
    }
    let from_model = model.map(ModelPreset::kv_layout);
    let mla = latent_given || (!heads_given && matches!(from_model, Some(KvLayout::Latent { .. })));
    if mla {
        let (latent, rope) = match from_model {
            Some(KvLayout::Latent {
                latent_dim,
                rope_dim,
            }) => (Some(latent_dim), Some(rope_dim)),
            _ => (None, None),
        };
        Ok(KvLayout::Latent {
            latent_dim: require(
                int(flags, "--latent-dim")?.or(latent),
                "--latent-dim",
                "MLA latent width",
            )?,
            rope_dim: int(flags, "--rope-dim")?.or(rope).unwrap_or(0),
        })
    } else {
        let (kv, dim) = match model {
            Some(m) => (Some(m.kv_heads), Some(m.head_dim)),
            None => (None, None),
        };
        Ok(KvLayout::Heads {
            kv_heads: require(
                int(flags, "--kv-heads")?.or(kv),
                "--kv-heads",
                "KV heads per layer (or --model ID, or --latent-dim for MLA)",
            )?,
            head_dim: require(
                int(flags, "--head-dim")?.or(dim),
                "--head-dim",
                "width of one head (or --model ID)",
            )?,
        })
    }
}

fn fit_input(flags: &Flags, model: Option<&ModelPreset>) -> Result<Option<FitInput>> {
    let gpu = gpu_preset(flags)?;
    let Some(memory) = int(flags, "--gpu-memory")?.or(gpu.map(|g| g.memory_bytes)) else {
        return Ok(None);
    };
    let weights = match (
        int(flags, "--weight-bytes")?,
        num(flags, "--bytes-per-param")?,
    ) {
        (Some(w), _) => w,
        (None, Some(b)) => {
            let Some(m) = model else {
                bail!(ArgError::Missing {
                    flag: "--model",
                    what: "a model whose parameters --bytes-per-param applies to (or --weight-bytes)",
                })
            };
            let w = m.params as f64 * b;
            if !(b.is_finite() && b >= 0.0 && w < u64::MAX as f64) {
                bail!(ArgError::Invalid {
                    flag: "--bytes-per-param",
                    value: flags.get("--bytes-per-param").unwrap_or_default().into(),
                    allowed: "a finite number of at least 0".into(),
                });
            }
            w.ceil() as u64
        }
        (None, None) => bail!(ArgError::Missing {
            flag: "--weight-bytes",
            what: "weight bytes for the fit (or --model ID with --bytes-per-param)",
        }),
    };
    Ok(Some(FitInput {
        gpu_memory_bytes: memory,
        weight_bytes: weights,
        overhead_bytes: int_or(flags, "--overhead", 0)?,
    }))
}

fn run_kv_cache(flags: &Flags) -> Result<Output> {
    let model = model_preset(flags)?;
    let dtype = match flags.get("--dtype") {
        Some(raw) => KvDtype::parse(raw).map_err(|_| ArgError::Invalid {
            flag: "--dtype",
            value: raw.into(),
            allowed: "one of fp32, fp16, bf16, fp8, int8, int4".into(),
        })?,
        None => KvDtype::Fp16,
    };
    let group_scale = match int(flags, "--scale-group")? {
        Some(group_size) => Some(GroupScale {
            group_size,
            scale_bits: int_or(flags, "--scale-bits", 16)?,
        }),
        None if flags.get("--scale-bits").is_some() => bail!(ArgError::Missing {
            flag: "--scale-group",
            what: "values per scale, to go with --scale-bits",
        }),
        None => None,
    };
    let input = KvCacheInput {
        layers: require(
            int(flags, "--layers")?.or(model.map(|m| m.layers)),
            "--layers",
            "transformer layers (or --model ID)",
        )?,
        layout: layout(flags, model)?,
        tokens: require(
            int(flags, "--tokens")?,
            "--tokens",
            "tokens cached per sequence",
        )?,
        batch: int_or(flags, "--batch", 1)?,
        dtype,
        group_scale,
        tp: int_or(flags, "--tp", 1)?,
        page_size: int(flags, "--page-size")?,
        reserve_tokens: int(flags, "--reserve-tokens")?,
        fit: fit_input(flags, model)?,
    };
    let r = kv_cache::compute(&input)?;
    let shape = match input.layout {
        KvLayout::Heads { kv_heads, head_dim } => {
            format!("{} layers × {kv_heads} KV heads × {head_dim}", input.layers)
        }
        KvLayout::Latent {
            latent_dim,
            rope_dim,
        } => {
            format!(
                "{} layers × MLA latent {latent_dim} + RoPE key {rope_dim}",
                input.layers
            )
        }
    };
    let mut t = Table::new(format!(
        "KV cache: {shape}, {}, {} tokens × batch {}, tp {}",
        dtype.as_str(),
        input.tokens,
        input.batch,
        input.tp
    ));
    t.row("bytes per vector", bytes(r.bytes_per_vector))
        .row("bytes per token", bytes(r.bytes_per_token))
        .row("bytes per token per GPU", bytes(r.bytes_per_token_per_gpu))
        .row("total (one copy)", bytes(r.total_bytes))
        .row("per GPU", bytes(r.per_gpu_bytes))
        .row("all GPUs", bytes(r.all_gpus_bytes))
        .row("KV heads per GPU", r.kv_heads_per_gpu.to_string())
        .row("copies of each head", r.replication.to_string());
    if let Some(p) = &r.paging {
        t.row(
            "paging",
            format!(
                "{} pages of {} per sequence, {} empty slots each",
                p.pages_per_sequence, p.page_size, p.waste_tokens_per_sequence
            ),
        )
        .row(
            "paging waste",
            format!(
                "{} ({}%)",
                bytes(p.waste_bytes),
                sig(100.0 * p.waste_fraction)
            ),
        );
    }
    if let Some(c) = &r.contiguous {
        t.row("contiguous reservation", bytes(c.reserved_bytes))
            .row(
                "contiguous waste",
                format!(
                    "{} ({}%)",
                    bytes(c.waste_bytes),
                    sig(100.0 * c.waste_fraction)
                ),
            );
    }
    if let Some(f) = &r.fit {
        t.row("weights per GPU", bytes(f.weight_bytes_per_gpu))
            .row("free for KV per GPU", bytes(f.available_bytes_per_gpu))
            .row(
                format!("max batch at {} tokens", input.tokens),
                f.max_batch.to_string(),
            )
            .row(
                format!("max tokens at batch {}", input.batch),
                grouped(f.max_tokens),
            );
        if !f.weights_fit {
            t.row("warning", "weights and overhead alone exceed GPU memory");
        }
    }
    Ok(Output {
        json: report_json(&input, &r)?,
        table: t.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// speculative

const SPECULATIVE: Calc = Calc {
    name: "speculative",
    usage: "--acceptance α --draft-tokens γ [--cost-ratio c] [--draft-ms T --verify-ms T] \
            [--max-draft-tokens N] [--simulate STEPS [--seed S]] [--json]",
    about: "expected tokens per target pass (1 − α^(γ+1))/(1 − α), speedup, best γ, effective ITL",
    units: "  --acceptance: per-token acceptance probability α in [0, 1]; --draft-tokens: γ;
  --cost-ratio: a draft token's time over a target pass's (default 0), or --draft-ms with
  --verify-ms: both times in milliseconds; --max-draft-tokens: where the search for the best
  γ stops (default 16, or γ if larger); --simulate STEPS: also sample that many target
  passes, with --seed S (default 1)",
    example: "lab calc speculative --acceptance 0.8 --draft-tokens 4 --cost-ratio 0.05",
    valued: &[
        "--acceptance",
        "--draft-tokens",
        "--cost-ratio",
        "--draft-ms",
        "--verify-ms",
        "--max-draft-tokens",
        "--simulate",
        "--seed",
    ],
    switches: &[],
    aliases: &[
        ("draft_time_s", "--draft-ms"),
        ("verify_time_s", "--verify-ms"),
        ("steps", "--simulate"),
    ],
    run: run_speculative,
};

fn run_speculative(flags: &Flags) -> Result<Output> {
    let ms = |flag: &'static str| -> Result<Option<f64>, ArgError> {
        Ok(num(flags, flag)?.map(|v| v * 1e-3))
    };
    // Latency needs both step times; say which one is missing in flag terms.
    match (flags.get("--draft-ms"), flags.get("--verify-ms")) {
        (Some(_), None) => bail!(ArgError::Missing {
            flag: "--verify-ms",
            what: "time of one verification pass in ms, to go with --draft-ms",
        }),
        (None, Some(_)) => bail!(ArgError::Missing {
            flag: "--draft-ms",
            what: "time of one draft token in ms, to go with --verify-ms",
        }),
        _ => {}
    }
    let mut input = SpeculativeInput {
        acceptance: require(
            num(flags, "--acceptance")?,
            "--acceptance",
            "per-token acceptance probability α in [0, 1]",
        )?,
        draft_tokens: require(
            u32_flag(flags, "--draft-tokens")?,
            "--draft-tokens",
            "draft tokens γ",
        )?,
        cost_ratio: num(flags, "--cost-ratio")?.unwrap_or(0.0),
        draft_time_s: ms("--draft-ms")?,
        verify_time_s: ms("--verify-ms")?,
        max_draft_tokens: u32_flag(flags, "--max-draft-tokens")?.unwrap_or(16),
    };
    // By default the search for the best γ reaches the γ asked about too (as the browser's
    // calculator does): "best" must never be worse than the input.
    if flags.get("--max-draft-tokens").is_none() {
        input.max_draft_tokens = input.max_draft_tokens.max(input.draft_tokens);
    }
    let r = speculative::compute(&input)?;
    let mut json = report_json(&input, &r)?;
    let mut t = Table::new(format!(
        "Speculative decoding: α = {}, γ = {}, c = {}",
        input.acceptance, input.draft_tokens, input.cost_ratio
    ));
    t.row(
        "expected tokens per target pass",
        sig(r.expected_tokens_per_step),
    )
    .row("speedup", format!("{}×", sig(r.speedup)))
    .row(
        format!("best γ in 0..={}", input.max_draft_tokens),
        format!(
            "{} ({}×){}",
            r.best_draft_tokens,
            sig(r.best_speedup),
            if r.best_at_search_limit {
                ", at the search limit"
            } else {
                ""
            }
        ),
    );
    if let Some(l) = &r.latency {
        t.row("round time", time(l.round_time_s))
            .row("effective ITL", time(l.effective_itl_s))
            .row(
                "speedup vs one verify pass per token",
                format!("{}×", sig(l.speedup_vs_target)),
            )
            .row(
                "best γ for ITL",
                format!("{} ({})", l.best_draft_tokens, time(l.best_itl_s)),
            );
    }
    if let Some(steps) = int(flags, "--simulate")? {
        let sim = speculative::simulate(&SimulationInput {
            acceptance: input.acceptance,
            draft_tokens: input.draft_tokens,
            steps,
            seed: int_or(flags, "--seed", 1)?,
        })?;
        t.row(
            format!("Monte-Carlo over {steps} passes"),
            format!(
                "{} ± {} tokens per pass",
                sig(sim.mean_tokens_per_step),
                sig(sim.std_error)
            ),
        );
        insert(&mut json, "simulation", to_value(&sim)?);
    }
    Ok(Output {
        json,
        table: t.finish(),
    })
}

// ---------------------------------------------------------------------------------------------
// zero

const ZERO: Calc = Calc {
    name: "zero",
    usage: "--params Ψ --gpus N --stage 0|1|2|3 [--optimizer-bytes K] [--param-bytes b] \
            [--grad-bytes b] [--offload-optimizer] [--offload-params] [--model ID] \
            [--seq-len S [--micro-batch B] [--layers L --hidden H --heads A] [--checkpointing]] \
            [--gpus-per-node G] [--largest-layer-params P] [--json]",
    about: "ZeRO model-state memory per GPU, term by term (K defaults to 12, mixed-precision Adam), \
            plus DeepSpeed's estimator for stages 2 and 3",
    units: "  --params: Ψ, parameters; --gpus: data-parallel GPUs; --stage: 0 to 3;
  --optimizer-bytes (default 12), --param-bytes and --grad-bytes (default 2): bytes per
  parameter; --seq-len: tokens, --micro-batch: sequences (default 1), --layers, --hidden,
  --heads (which --model fills) for activation memory; --gpus-per-node (default 1, or the
  preset's); --largest-layer-params: parameters (default 0)",
    example: "lab calc zero --params 7.5B --gpus 64 --stage 3",
    valued: &[
        "--params",
        "--gpus",
        "--stage",
        "--optimizer-bytes",
        "--param-bytes",
        "--grad-bytes",
        "--model",
        "--seq-len",
        "--micro-batch",
        "--layers",
        "--hidden",
        "--heads",
        "--gpus-per-node",
        "--largest-layer-params",
    ],
    switches: &["--offload-optimizer", "--offload-params", "--checkpointing"],
    aliases: &[],
    run: run_zero,
};

fn run_zero(flags: &Flags) -> Result<Output> {
    let model = model_preset(flags)?;
    let stage_raw = require(int(flags, "--stage")?, "--stage", "ZeRO stage 0, 1, 2 or 3")?;
    let stage = u8::try_from(stage_raw).unwrap_or(u8::MAX);
    let activations = match int(flags, "--seq-len")? {
        Some(seq_len) => Some(ActivationInput {
            layers: require(
                int(flags, "--layers")?.or(model.map(|m| m.layers)),
                "--layers",
                "layers, for the activation estimate (or --model ID)",
            )?,
            hidden: require(
                int(flags, "--hidden")?.or(model.map(|m| m.hidden)),
                "--hidden",
                "hidden size, for the activation estimate (or --model ID)",
            )?,
            heads: require(
                int(flags, "--heads")?.or(model.map(|m| m.heads)),
                "--heads",
                "attention heads, for the activation estimate (or --model ID)",
            )?,
            seq_len,
            micro_batch: int_or(flags, "--micro-batch", 1)?,
            checkpointing: flags.has("--checkpointing"),
        }),
        None => None,
    };
    let input = ZeroInput {
        params: require(
            int(flags, "--params")?.or(model.map(|m| m.params)),
            "--params",
            "parameter count Ψ, e.g. 7.5B (or --model ID)",
        )?,
        gpus: require(int(flags, "--gpus")?, "--gpus", "data-parallel GPUs N_d")?,
        stage: if stage_raw > 3 {
            bail!(ArgError::Invalid {
                flag: "--stage",
                value: flags.get("--stage").unwrap_or_default().into(),
                allowed: "0, 1, 2 or 3".into(),
            })
        } else {
            stage
        },
        optimizer_bytes: int_or(flags, "--optimizer-bytes", 12)?,
        param_bytes: int_or(flags, "--param-bytes", 2)?,
        grad_bytes: int_or(flags, "--grad-bytes", 2)?,
        offload_optimizer: flags.has("--offload-optimizer"),
        offload_params: flags.has("--offload-params"),
        activations,
    };
    let r = zero::compute(&input)?;
    let mut json = report_json(&input, &r)?;
    let mut t = Table::new(format!(
        "ZeRO stage {}: {} params over {} GPUs, K = {}",
        input.stage,
        grouped(input.params),
        input.gpus,
        input.optimizer_bytes
    ));
    t.row("params", bytes(r.breakdown.params))
        .row("grads", bytes(r.breakdown.grads))
        .row("optimizer states", bytes(r.breakdown.optimizer))
        .row("per GPU (model states)", bytes(r.per_gpu_bytes))
        .row("no sharding (stage 0)", bytes(r.baseline_bytes))
        .row("reduction", format!("{}×", sig(r.reduction)));
    if r.cpu_bytes > 0 {
        t.row("offloaded to CPU per rank", bytes(r.cpu_bytes));
    }
    if let Some(a) = &r.activations {
        t.row(
            "activations, no checkpointing",
            bytes(a.without_checkpointing_bytes),
        )
        .row(
            "activations, checkpointing",
            bytes(a.with_checkpointing_bytes),
        )
        .row("per GPU with activations", bytes(r.per_gpu_total_bytes));
    }
    if let Some((ds, gpn, nodes)) = deepspeed(flags, &input)? {
        t.row(
            format!("DeepSpeed estimator ({nodes} node(s) × {gpn})"),
            format!(
                "{} per GPU, {} CPU per node",
                bytes(ds.gpu_bytes_per_gpu),
                bytes(ds.cpu_bytes_per_node)
            ),
        );
        insert(&mut json, "deepspeed", to_value(&ds)?);
    }
    Ok(Output {
        json,
        table: t.finish(),
    })
}

/// DeepSpeed's own estimate, where it has one: stage 2, and stage 3 given the largest layer.
fn deepspeed(
    flags: &Flags,
    input: &ZeroInput,
) -> Result<Option<(zero::DeepSpeedReport, u64, u64)>> {
    let largest = int(flags, "--largest-layer-params")?;
    if input.stage < 2 || (input.stage == 3 && largest.is_none()) || input.gpus == 0 {
        return Ok(None);
    }
    // Unless told otherwise, nodes of up to 8 GPUs: the largest such divisor of the GPU count.
    let default_gpn = (1..=input.gpus.min(8))
        .rev()
        .find(|g| input.gpus.is_multiple_of(*g));
    let gpn = int(flags, "--gpus-per-node")?.or(default_gpn).unwrap_or(1);
    if gpn == 0 || !input.gpus.is_multiple_of(gpn) {
        bail!(ArgError::Invalid {
            flag: "--gpus-per-node",
            value: gpn.to_string(),
            allowed: format!("a positive divisor of --gpus ({})", input.gpus),
        });
    }
    let ds = DeepSpeedInput {
        stage: input.stage,
        params: input.params,
        largest_layer_params: largest.unwrap_or(0),
        gpus_per_node: gpn,
        nodes: input.gpus / gpn,
        offload_optimizer: input.offload_optimizer,
        offload_params: input.offload_params,
        zero_init: true,
        buffer_factor: 1.5,
    };
    // DeepSpeed has no formula for parameter offload without optimizer offload: no estimate then.
    Ok(zero::deepspeed_estimate(&ds)
        .ok()
        .map(|r| (r, gpn, ds.nodes)))
}

//! Exercise answers computed from the models, never typed in by hand.
//!
//! A lesson names an answer as a call, `kv_cache.total_bytes(model=llama-2-70b, tokens=4096,
//! batch=1, dtype=fp16)`: an answer function from [`FUNCTIONS`] and its named arguments (numbers
//! such as `2e9`, `inf`, or ids such as `h100-sxm`). [`evaluate`] runs the call through the models
//! in SI base units (seconds, bytes, FLOP/s); the exercise's unit ([`unit_scale`]) only changes
//! how the number is shown and typed. Classify exercises use label-valued functions
//! (`roofline.bound` gives `memory-bound` or `compute-bound`).

use crate::kv_cache::{self, FitInput, KvCacheInput, KvDtype};
use crate::presets::{self, Precision};
use crate::roofline::{self, Bound, IronLawInput, RooflineInput, Term};
use crate::{
    ModelError, decode, fusion, kernel_cost, memory, quant, serving, speculative, utilization, zero,
};
use thiserror::Error;

/// Why an answer could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AnswerError {
    /// The call text is not `name(key=value, …)`.
    #[error("cannot read answer '{0}'; write name(key=value, …)")]
    Syntax(String),
    /// No such answer function.
    #[error("unknown answer function '{name}'; known: {known}")]
    UnknownFunction {
        /// What was asked for.
        name: String,
        /// Every known function.
        known: String,
    },
    /// An argument the function does not take, or one it needs that is missing or mistyped.
    #[error("{function}: {message}")]
    Argument {
        /// The function.
        function: String,
        /// What is wrong.
        message: String,
    },
    /// The model rejected the inputs.
    #[error("{function}: {source}")]
    Model {
        /// The function.
        function: String,
        /// The model's error.
        source: ModelError,
    },
}

/// One argument value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// A number (`4096`, `2e9`, `inf`).
    Num(f64),
    /// A preset id or name (`llama-2-70b`, `fp16`).
    Id(String),
}

/// A parsed answer call.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// Function name, `module.quantity`.
    pub function: String,
    /// Named arguments in order.
    pub args: Vec<(String, Arg)>,
}

/// What an answer function returns.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    /// A quantity in SI base units.
    Number(f64),
    /// A category, one of the function's labels.
    Label(&'static str),
}

/// The two answers of a roofline classification.
pub const BOUND_LABELS: &[&str] = &["memory-bound", "compute-bound"];
/// The three terms of the iron law.
pub const TERM_LABELS: &[&str] = &["memory", "compute", "latency"];

/// One answer function.
pub struct AnswerFn {
    /// Name used in lessons.
    pub name: &'static str,
    /// What it returns, with its unit.
    pub help: &'static str,
    /// Every argument it accepts.
    pub keys: &'static [&'static str],
    /// For label-valued functions, every possible label.
    pub labels: Option<&'static [&'static str]>,
    eval: fn(&Args<'_>) -> Result<Value, AnswerError>,
}

const ROOF_KEYS: &[&str] = &["gpu", "precision", "peak", "bandwidth", "ai"];
const IRON_KEYS: &[&str] = &[
    "bytes",
    "flops",
    "bandwidth",
    "peak",
    "efficiency",
    "latency",
];
const DECODE_KEYS: &[&str] = &[
    "model",
    "params",
    "hidden",
    "batch",
    "bytes_per_param",
    "bytes_per_activation",
    "gpu",
    "bandwidth",
    "peak",
    "gpus",
];
const KV_KEYS: &[&str] = &[
    "model", "layers", "kv_heads", "head_dim", "tokens", "batch", "dtype", "page", "reserve",
    "free",
];
const ZERO_KEYS: &[&str] = &["params", "gpus", "stage"];
const SPEC_KEYS: &[&str] = &["alpha", "gamma", "c", "draft", "verify", "max_gamma"];

/// Every answer function, in the order the format documentation lists them.
pub const FUNCTIONS: &[AnswerFn] = &[
    AnswerFn {
        name: "roofline.ridge",
        help: "ridge intensity, FLOP/B",
        keys: ROOF_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.roofline()?.ridge_intensity)),
    },
    AnswerFn {
        name: "roofline.attainable",
        help: "attainable FLOP/s at intensity ai",
        keys: ROOF_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.roofline()?.attainable_flops)),
    },
    AnswerFn {
        name: "roofline.fraction_of_peak",
        help: "attainable / peak, a fraction",
        keys: ROOF_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.roofline()?.fraction_of_peak)),
    },
    AnswerFn {
        name: "roofline.bound",
        help: "memory-bound or compute-bound at intensity ai",
        keys: ROOF_KEYS,
        labels: Some(BOUND_LABELS),
        eval: |a| Ok(Value::Label(bound_label(a.roofline()?.bound))),
    },
    AnswerFn {
        name: "iron_law.serial",
        help: "memory + compute + latency, seconds",
        keys: IRON_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.iron()?.serial_s)),
    },
    AnswerFn {
        name: "iron_law.overlapped",
        help: "max(memory, compute) + latency, seconds",
        keys: IRON_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.iron()?.overlapped_s)),
    },
    AnswerFn {
        name: "iron_law.dominant",
        help: "the largest term: memory, compute or latency",
        keys: IRON_KEYS,
        labels: Some(TERM_LABELS),
        eval: |a| {
            Ok(Value::Label(match a.iron()?.dominant {
                Term::Memory => "memory",
                Term::Compute => "compute",
                Term::Latency => "latency",
            }))
        },
    },
    AnswerFn {
        name: "amdahl.speedup",
        help: "overall speedup when a fraction of the time gets faster by factor (may be inf); \
               optionally a second, disjoint part fraction2 by factor2",
        keys: &["fraction", "factor", "fraction2", "factor2"],
        labels: None,
        eval: |a| {
            let parts = [
                (a.num("fraction")?, a.num("factor")?),
                (
                    a.opt_num("fraction2")?.unwrap_or(0.0),
                    a.opt_num("factor2")?.unwrap_or(1.0),
                ),
            ];
            let total: f64 = parts.iter().map(|(f, _)| f).sum();
            if parts
                .iter()
                .any(|(f, s)| !(0.0..=1.0).contains(f) || s.is_nan() || *s < 1.0)
                || total > 1.0
            {
                return Err(a.arg_error(
                    "fractions must be in [0, 1] with a sum of at most 1, factors at least 1",
                ));
            }
            let new_time: f64 = (1.0 - total) + parts.iter().map(|(f, s)| f / s).sum::<f64>();
            Ok(Value::Number(1.0 / new_time))
        },
    },
    AnswerFn {
        name: "decode.time_per_token",
        help: "bandwidth floor of one decode step, seconds",
        keys: DECODE_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.decode()?.time_per_token_s)),
    },
    AnswerFn {
        name: "decode.tokens_per_s",
        help: "tokens per second of one stream at the bandwidth floor",
        keys: DECODE_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.decode()?.tokens_per_s_per_stream)),
    },
    AnswerFn {
        name: "decode.weight_bytes_per_gpu",
        help: "weight bytes each GPU streams per step",
        keys: DECODE_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.decode()?.weight_bytes_per_gpu as f64)),
    },
    AnswerFn {
        name: "decode.intensity",
        help: "FLOP/B of one decode step at the batch",
        keys: DECODE_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.decode()?.intensity)),
    },
    AnswerFn {
        name: "decode.ridge_batch",
        help: "batch at which the decode step reaches the ridge",
        keys: DECODE_KEYS,
        labels: None,
        eval: |a| {
            a.decode()?
                .ridge_batch
                .map(Value::Number)
                .ok_or_else(|| a.arg_error("needs a peak (gpu= or peak=) and a reachable ridge"))
        },
    },
    AnswerFn {
        name: "decode.bound",
        help: "memory-bound or compute-bound at the batch",
        keys: DECODE_KEYS,
        labels: Some(BOUND_LABELS),
        eval: |a| {
            a.decode()?
                .bound
                .map(|b| Value::Label(bound_label(b)))
                .ok_or_else(|| a.arg_error("needs a peak (gpu= or peak=)"))
        },
    },
    AnswerFn {
        name: "kv_cache.bytes_per_token",
        help: "cache bytes per token of one sequence",
        keys: KV_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.kv()?.bytes_per_token as f64)),
    },
    AnswerFn {
        name: "kv_cache.total_bytes",
        help: "cache bytes of the whole batch",
        keys: KV_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.kv()?.total_bytes as f64)),
    },
    AnswerFn {
        name: "kv_cache.page_waste_tokens",
        help: "unused slots in the last page of a sequence (needs page=)",
        keys: KV_KEYS,
        labels: None,
        eval: |a| {
            a.kv()?
                .paging
                .map(|p| Value::Number(p.waste_tokens_per_sequence as f64))
                .ok_or_else(|| a.arg_error("needs page="))
        },
    },
    AnswerFn {
        name: "kv_cache.reserve_waste_fraction",
        help: "fraction of a contiguous reservation left unused (needs reserve=)",
        keys: KV_KEYS,
        labels: None,
        eval: |a| {
            a.kv()?
                .contiguous
                .map(|c| Value::Number(c.waste_fraction))
                .ok_or_else(|| a.arg_error("needs reserve="))
        },
    },
    AnswerFn {
        name: "kv_cache.max_batch",
        help: "sequences whose cache fits in free bytes (needs free=)",
        keys: KV_KEYS,
        labels: None,
        eval: |a| {
            a.kv()?
                .fit
                .map(|f| Value::Number(f.max_batch as f64))
                .ok_or_else(|| a.arg_error("needs free="))
        },
    },
    AnswerFn {
        name: "speculative.expected_tokens",
        help: "expected tokens per target pass",
        keys: SPEC_KEYS,
        labels: None,
        eval: |a| {
            let r = a.speculative()?;
            Ok(Value::Number(r.expected_tokens_per_step))
        },
    },
    AnswerFn {
        name: "speculative.speedup",
        help: "speedup with draft cost ratio c",
        keys: SPEC_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.speculative()?.speedup)),
    },
    AnswerFn {
        name: "speculative.effective_itl",
        help: "effective inter-token latency, seconds (needs draft= and verify=)",
        keys: SPEC_KEYS,
        labels: None,
        eval: |a| {
            let l = a.spec_latency()?;
            Ok(Value::Number(l.effective_itl_s))
        },
    },
    AnswerFn {
        name: "speculative.best_gamma",
        help: "draft length with the lowest effective ITL (needs draft= and verify=)",
        keys: SPEC_KEYS,
        labels: None,
        eval: |a| {
            Ok(Value::Number(f64::from(
                a.spec_latency()?.best_draft_tokens,
            )))
        },
    },
    AnswerFn {
        name: "zero.per_gpu_bytes",
        help: "model-state bytes per GPU under mixed-precision Adam at a ZeRO stage",
        keys: ZERO_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.zero()?.per_gpu_bytes as f64)),
    },
    AnswerFn {
        name: "zero.reduction",
        help: "memory reduction against no sharding, a ratio",
        keys: ZERO_KEYS,
        labels: None,
        eval: |a| Ok(Value::Number(a.zero()?.reduction)),
    },
    AnswerFn {
        name: "fusion.bytes_saved",
        help: "HBM bytes saved by keeping intermediates on chip (each written and read once)",
        keys: &["elements", "element_bytes", "intermediates"],
        labels: None,
        eval: |a| {
            a.number(fusion::bytes_saved(
                a.int("elements")?,
                a.num("element_bytes")?,
                a.int("intermediates")?,
            ))
        },
    },
    AnswerFn {
        name: "fusion.launch_share",
        help: "share of wall time spent launching kernels, a fraction",
        keys: &["kernels", "launch", "work"],
        labels: None,
        eval: |a| {
            a.number(fusion::launch_share(
                a.int("kernels")?,
                a.num("launch")?,
                a.num("work")?,
            ))
        },
    },
    AnswerFn {
        name: "matmul.flops",
        help: "FLOPs of an m×k by k×n product",
        keys: &["m", "n", "k"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::matmul_flops(
                a.int("m")?,
                a.int("n")?,
                a.int("k")?,
            ))
        },
    },
    AnswerFn {
        name: "matmul.bytes",
        help: "compulsory bytes of a matmul (A, B read once; C written once)",
        keys: &["m", "n", "k", "element_bytes"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::matmul_bytes(
                a.int("m")?,
                a.int("n")?,
                a.int("k")?,
                a.num("element_bytes")?,
            ))
        },
    },
    AnswerFn {
        name: "matmul.intensity",
        help: "FLOPs over compulsory bytes, FLOP/B",
        keys: &["m", "n", "k", "element_bytes"],
        labels: None,
        eval: |a| {
            let (m, n, k) = (a.int("m")?, a.int("n")?, a.int("k")?);
            let flops = kernel_cost::matmul_flops(m, n, k);
            let bytes = kernel_cost::matmul_bytes(m, n, k, a.num("element_bytes")?);
            a.number(flops.and_then(|f| bytes.map(|b| f / b)))
        },
    },
    AnswerFn {
        name: "matmul.tiled_intensity",
        help: "global-memory FLOP/B of square tiles of side tile",
        keys: &["tile", "element_bytes"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::tiled_intensity(
                a.int("tile")?,
                a.num("element_bytes")?,
            ))
        },
    },
    AnswerFn {
        name: "matmul.tile_memory",
        help: "workgroup bytes of one A and one B tile",
        keys: &["tile", "element_bytes"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::tile_memory_bytes(
                a.int("tile")?,
                a.num("element_bytes")?,
            ))
        },
    },
    AnswerFn {
        name: "attention.io_bytes",
        help: "bytes of Q, K, V and O for one head",
        keys: &["seq", "dim", "element_bytes"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::attention_io_bytes(
                a.int("seq")?,
                a.int("dim")?,
                a.num("element_bytes")?,
            ))
        },
    },
    AnswerFn {
        name: "attention.score_bytes",
        help: "bytes of the score and probability matrices, each written and read once",
        keys: &["seq", "element_bytes"],
        labels: None,
        eval: |a| {
            a.number(kernel_cost::attention_score_bytes(
                a.int("seq")?,
                a.num("element_bytes")?,
            ))
        },
    },
    AnswerFn {
        name: "memory.pass_time",
        help: "seconds to stream bytes once at bandwidth",
        keys: &["bytes", "bandwidth"],
        labels: None,
        eval: |a| a.number(memory::pass_time_s(a.num("bytes")?, a.num("bandwidth")?)),
    },
    AnswerFn {
        name: "memory.transactions",
        help: "memory transactions for a strided read by a group of threads",
        keys: &["threads", "stride", "element", "segment"],
        labels: None,
        eval: |a| {
            let n = memory::transactions(
                a.int("threads")?,
                a.int("stride")?,
                a.opt_int("element")?.unwrap_or(4),
                a.opt_int("segment")?.unwrap_or(128),
            );
            a.number(n.map(|n| n as f64))
        },
    },
    AnswerFn {
        name: "memory.energy",
        help: "joules for accesses at picojoules each",
        keys: &["accesses", "picojoules"],
        labels: None,
        eval: |a| a.number(memory::energy_j(a.num("accesses")?, a.num("picojoules")?)),
    },
    AnswerFn {
        name: "utilization.mfu",
        help: "model FLOPs utilization, a fraction (flops_per_param_token 6 by default; 8 gives HFU)",
        keys: &[
            "params",
            "tokens",
            "time",
            "gpus",
            "peak",
            "flops_per_param_token",
        ],
        labels: None,
        eval: |a| {
            a.number(utilization::flops_utilization(
                a.num("params")?,
                a.num("tokens")?,
                a.num("time")?,
                a.opt_num("gpus")?.unwrap_or(1.0),
                a.num("peak")?,
                a.opt_num("flops_per_param_token")?.unwrap_or(6.0),
            ))
        },
    },
    AnswerFn {
        name: "utilization.mbu",
        help: "memory bandwidth utilization, a fraction",
        keys: &["bytes", "time", "bandwidth"],
        labels: None,
        eval: |a| {
            a.number(utilization::bandwidth_utilization(
                a.num("bytes")?,
                a.num("time")?,
                a.num("bandwidth")?,
            ))
        },
    },
    AnswerFn {
        name: "utilization.scaling_tax",
        help: "share of single-node efficiency lost in the fleet, a fraction",
        keys: &["single", "fleet"],
        labels: None,
        eval: |a| a.number(utilization::scaling_tax(a.num("single")?, a.num("fleet")?)),
    },
    AnswerFn {
        name: "quant.bits_per_weight",
        help: "effective bits per weight of a block-scaled format",
        keys: &["bits", "overhead_bits", "group"],
        labels: None,
        eval: |a| {
            a.number(quant::bits_per_weight(
                a.num("bits")?,
                a.num("overhead_bits")?,
                a.int("group")?,
            ))
        },
    },
    AnswerFn {
        name: "quant.model_bytes",
        help: "bytes of params weights at bpw bits each",
        keys: &["params", "bpw"],
        labels: None,
        eval: |a| a.number(quant::model_bytes(a.num("params")?, a.num("bpw")?)),
    },
    AnswerFn {
        name: "quant.max_error",
        help: "worst-case rounding error of a uniform step",
        keys: &["step"],
        labels: None,
        eval: |a| a.number(quant::max_rounding_error(a.num("step")?)),
    },
    AnswerFn {
        name: "quant.speedup_bound",
        help: "ideal memory-bound decode speedup over FP16 weights",
        keys: &["bpw"],
        labels: None,
        eval: |a| a.number(quant::speedup_bound_vs_fp16(a.num("bpw")?)),
    },
    AnswerFn {
        name: "serving.concurrency",
        help: "Little's law: requests in the system",
        keys: &["rate", "time"],
        labels: None,
        eval: |a| a.number(serving::concurrency(a.num("rate")?, a.num("time")?)),
    },
    AnswerFn {
        name: "serving.end_to_end",
        help: "time to the last output token, seconds",
        keys: &["ttft", "itl", "tokens"],
        labels: None,
        eval: |a| {
            a.number(serving::end_to_end_s(
                a.num("ttft")?,
                a.num("itl")?,
                a.int("tokens")?,
            ))
        },
    },
    AnswerFn {
        name: "serving.cost_per_million",
        help: "dollars per million tokens",
        keys: &["dollars_per_hour", "tokens_per_s"],
        labels: None,
        eval: |a| {
            a.number(serving::cost_per_million_tokens(
                a.num("dollars_per_hour")?,
                a.num("tokens_per_s")?,
            ))
        },
    },
    AnswerFn {
        name: "serving.fanout_slow",
        help: "probability of meeting at least one slow shard, a fraction",
        keys: &["shards", "p_slow"],
        labels: None,
        eval: |a| {
            a.number(serving::fanout_slow_probability(
                a.int("shards")?,
                a.num("p_slow")?,
            ))
        },
    },
];

fn bound_label(b: Bound) -> &'static str {
    match b {
        Bound::Memory => "memory-bound",
        Bound::Compute => "compute-bound",
    }
}

/// The answer function with this name.
pub fn find(name: &str) -> Option<&'static AnswerFn> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Parses `name(key=value, …)`.
pub fn parse_call(text: &str) -> Result<Call, AnswerError> {
    let syntax = || AnswerError::Syntax(text.to_string());
    let text_t = text.trim();
    let (name, rest) = text_t.split_once('(').ok_or_else(syntax)?;
    let inner = rest.strip_suffix(')').ok_or_else(syntax)?;
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        return Err(syntax());
    }
    let mut args = Vec::new();
    for part in inner.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').ok_or_else(syntax)?;
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || v.is_empty() {
            return Err(syntax());
        }
        let value = match v.parse::<f64>() {
            Ok(n) => Arg::Num(n),
            Err(_) => Arg::Id(v.to_string()),
        };
        args.push((k.to_string(), value));
    }
    Ok(Call {
        function: name.to_string(),
        args,
    })
}

/// Checks the call against its function (name, argument names) without evaluating it.
pub fn resolve(call: &Call) -> Result<&'static AnswerFn, AnswerError> {
    let f = find(&call.function).ok_or_else(|| AnswerError::UnknownFunction {
        name: call.function.clone(),
        known: FUNCTIONS
            .iter()
            .map(|f| f.name)
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    for (i, (k, _)) in call.args.iter().enumerate() {
        if !f.keys.contains(&k.as_str()) {
            return Err(AnswerError::Argument {
                function: f.name.into(),
                message: format!("unknown argument '{k}'; allowed: {}", f.keys.join(", ")),
            });
        }
        if call.args[..i].iter().any(|(k2, _)| k2 == k) {
            return Err(AnswerError::Argument {
                function: f.name.into(),
                message: format!("argument '{k}' given twice"),
            });
        }
    }
    Ok(f)
}

/// Computes the answer of a call from the models.
pub fn evaluate(call: &Call) -> Result<Value, AnswerError> {
    let f = resolve(call)?;
    (f.eval)(&Args { f, call })
}

/// How many SI base units one of a display unit is (`GB` → 1e9, `ms` → 1e-3, `%` → 0.01).
pub fn unit_scale(unit: &str) -> Option<f64> {
    Some(match unit {
        "" | "s" | "J" | "B" | "FLOP" | "FLOP/B" | "FLOP/s" | "tokens" | "tokens/s" | "×" | "x"
        | "requests" | "slots" | "sequences" | "transactions" | "bits" | "USD" => 1.0,
        "ms" | "mJ" => 1e-3,
        "µs" | "us" => 1e-6,
        "ns" => 1e-9,
        "KB" => 1e3,
        // Workgroup memory limits are powers of two (WebGPU's default is 16,384 bytes).
        "KiB" => 1024.0,
        "MB" => 1e6,
        "GB" | "GB/s" | "GFLOP" | "GFLOP/s" => 1e9,
        "TB" | "TB/s" | "TFLOP/s" => 1e12,
        "GiB" => 1073741824.0,
        "%" => 0.01,
        _ => return None,
    })
}

/// How close a numeric answer must be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// A fraction of the expected value (`1%` is 0.01).
    Relative(f64),
    /// An absolute difference in the display unit.
    Absolute(f64),
}

impl Tolerance {
    /// Parses `1%` or `0.5`.
    pub fn parse(text: &str) -> Option<Tolerance> {
        let t = text.trim();
        let (t, rel) = match t.strip_suffix('%') {
            Some(p) => (p.trim(), true),
            None => (t, false),
        };
        let v: f64 = t.parse().ok()?;
        if !(v.is_finite() && v >= 0.0) {
            return None;
        }
        Some(if rel {
            Tolerance::Relative(v / 100.0)
        } else {
            Tolerance::Absolute(v)
        })
    }

    /// Whether `given` is close enough to `expected` (both in the display unit).
    pub fn accepts(self, expected: f64, given: f64) -> bool {
        let allowed = match self {
            Tolerance::Relative(r) => r * expected.abs(),
            Tolerance::Absolute(a) => a,
        };
        // A hair of slack so that typing the shown rounded value at the edge still counts.
        (given - expected).abs() <= allowed * (1.0 + 1e-9) + 1e-12 * expected.abs()
    }

    /// `±1%` or `±0.5 ms`.
    pub fn describe(self, unit: &str) -> String {
        match self {
            Tolerance::Relative(r) => format!("±{}%", r * 100.0),
            Tolerance::Absolute(a) if unit.is_empty() => format!("±{a}"),
            Tolerance::Absolute(a) => format!("±{a} {unit}"),
        }
    }
}

struct Args<'a> {
    f: &'static AnswerFn,
    call: &'a Call,
}

impl Args<'_> {
    fn get(&self, key: &str) -> Option<&Arg> {
        self.call
            .args
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn arg_error(&self, message: impl Into<String>) -> AnswerError {
        AnswerError::Argument {
            function: self.f.name.into(),
            message: message.into(),
        }
    }

    fn model_error(&self, source: ModelError) -> AnswerError {
        AnswerError::Model {
            function: self.f.name.into(),
            source,
        }
    }

    /// A model result as a number, with the function named in its error.
    fn number(&self, r: crate::error::Result<f64>) -> Result<Value, AnswerError> {
        r.map(Value::Number).map_err(|e| self.model_error(e))
    }

    fn opt_num(&self, key: &str) -> Result<Option<f64>, AnswerError> {
        match self.get(key) {
            None => Ok(None),
            Some(Arg::Num(n)) => Ok(Some(*n)),
            Some(Arg::Id(s)) => Err(self.arg_error(format!("{key} must be a number, got '{s}'"))),
        }
    }

    fn num(&self, key: &str) -> Result<f64, AnswerError> {
        self.opt_num(key)?
            .ok_or_else(|| self.arg_error(format!("missing argument '{key}'")))
    }

    fn opt_int(&self, key: &str) -> Result<Option<u64>, AnswerError> {
        match self.opt_num(key)? {
            None => Ok(None),
            Some(n) if n >= 0.0 && n.fract() == 0.0 && n < 9.0e15 => Ok(Some(n as u64)),
            Some(n) => Err(self.arg_error(format!("{key} must be a whole number, got {n}"))),
        }
    }

    fn int(&self, key: &str) -> Result<u64, AnswerError> {
        self.opt_int(key)?
            .ok_or_else(|| self.arg_error(format!("missing argument '{key}'")))
    }

    fn opt_id(&self, key: &str) -> Result<Option<&str>, AnswerError> {
        match self.get(key) {
            None => Ok(None),
            Some(Arg::Id(s)) => Ok(Some(s)),
            Some(Arg::Num(n)) => Err(self.arg_error(format!("{key} must be a name, got {n}"))),
        }
    }

    /// A number given directly, or `None` when a preset supplies it.
    fn gpu(&self) -> Result<Option<&'static presets::GpuPreset>, AnswerError> {
        self.opt_id("gpu")?
            .map(|id| presets::gpu(id).map_err(|e| self.model_error(e)))
            .transpose()
    }

    fn model(&self) -> Result<Option<&'static presets::ModelPreset>, AnswerError> {
        self.opt_id("model")?
            .map(|id| presets::model(id).map_err(|e| self.model_error(e)))
            .transpose()
    }

    fn bandwidth(&self) -> Result<Option<f64>, AnswerError> {
        match (self.opt_num("bandwidth")?, self.gpu()?) {
            (Some(b), _) => Ok(Some(b)),
            (None, Some(g)) => Ok(Some(g.bandwidth)),
            (None, None) => Ok(None),
        }
    }

    fn peak(&self) -> Result<Option<f64>, AnswerError> {
        if let Some(p) = self.opt_num("peak")? {
            return Ok(Some(p));
        }
        let Some(g) = self.gpu()? else {
            return Ok(None);
        };
        let precision = match self.opt_id("precision")? {
            Some(p) => Precision::parse(p).map_err(|e| self.model_error(e))?,
            None => Precision::Fp16,
        };
        g.require_peak(precision)
            .map(Some)
            .map_err(|e| self.model_error(e))
    }

    fn roofline(&self) -> Result<roofline::RooflineReport, AnswerError> {
        let peak = self
            .peak()?
            .ok_or_else(|| self.arg_error("needs gpu= or peak="))?;
        let bandwidth = self
            .bandwidth()?
            .ok_or_else(|| self.arg_error("needs gpu= or bandwidth="))?;
        let input = RooflineInput {
            peak_flops: peak,
            bandwidth,
            intensity: self.opt_num("ai")?.unwrap_or(1.0),
            measured_flops: None,
        };
        roofline::compute(&input).map_err(|e| self.model_error(e))
    }

    fn iron(&self) -> Result<roofline::IronLawReport, AnswerError> {
        let input = IronLawInput {
            bytes: self.num("bytes")?,
            flops: self.num("flops")?,
            bandwidth: self.num("bandwidth")?,
            peak_flops: self.num("peak")?,
            efficiency: self.opt_num("efficiency")?.unwrap_or(1.0),
            latency_s: self.opt_num("latency")?.unwrap_or(0.0),
        };
        roofline::iron_law(&input).map_err(|e| self.model_error(e))
    }

    fn decode(&self) -> Result<decode::DecodeReport, AnswerError> {
        let model = self.model()?;
        let params = match (self.opt_int("params")?, model) {
            (Some(p), _) => p,
            (None, Some(m)) => m.params,
            (None, None) => return Err(self.arg_error("needs model= or params=")),
        };
        let hidden = match (self.opt_int("hidden")?, model) {
            (Some(h), _) => h,
            (None, Some(m)) => m.hidden,
            (None, None) => 4096,
        };
        let input = decode::DecodeInput {
            params,
            batch: self.opt_int("batch")?.unwrap_or(1),
            bytes_per_param: self.opt_num("bytes_per_param")?.unwrap_or(2.0),
            hidden,
            bytes_per_activation: self.opt_num("bytes_per_activation")?.unwrap_or(2.0),
            bandwidth: self
                .bandwidth()?
                .ok_or_else(|| self.arg_error("needs gpu= or bandwidth="))?,
            peak_flops: self.peak()?,
            gpus: self.opt_int("gpus")?.unwrap_or(1),
        };
        decode::compute(&input).map_err(|e| self.model_error(e))
    }

    fn kv(&self) -> Result<kv_cache::KvCacheReport, AnswerError> {
        let model = self.model()?;
        let dtype = match self.opt_id("dtype")? {
            Some(d) => KvDtype::parse(d).map_err(|e| self.model_error(e))?,
            None => KvDtype::parse("fp16").map_err(|e| self.model_error(e))?,
        };
        let tokens = self.int("tokens")?;
        let batch = self.opt_int("batch")?.unwrap_or(1);
        let mut input = match model {
            Some(m) => {
                let mut i =
                    KvCacheInput::heads(m.layers, m.kv_heads, m.head_dim, tokens, batch, dtype);
                i.layout = m.kv_layout();
                i
            }
            None => KvCacheInput::heads(
                self.int("layers")?,
                self.int("kv_heads")?,
                self.int("head_dim")?,
                tokens,
                batch,
                dtype,
            ),
        };
        input.page_size = self.opt_int("page")?;
        input.reserve_tokens = self.opt_int("reserve")?;
        input.fit = self.opt_num("free")?.map(|free| FitInput {
            gpu_memory_bytes: free as u64,
            weight_bytes: 0,
            overhead_bytes: 0,
        });
        kv_cache::compute(&input).map_err(|e| self.model_error(e))
    }

    fn zero(&self) -> Result<zero::ZeroReport, AnswerError> {
        let stage = u8::try_from(self.int("stage")?)
            .map_err(|_| self.arg_error("stage must be 0, 1, 2 or 3"))?;
        let input = zero::ZeroInput::adam(self.int("params")?, self.int("gpus")?, stage);
        zero::compute(&input).map_err(|e| self.model_error(e))
    }

    fn spec_input(&self) -> Result<speculative::SpeculativeInput, AnswerError> {
        let gamma = self.opt_int("gamma")?.unwrap_or(1);
        let gamma = u32::try_from(gamma).map_err(|_| self.arg_error("gamma is too large"))?;
        let mut input = speculative::SpeculativeInput::new(
            self.num("alpha")?,
            gamma,
            self.opt_num("c")?.unwrap_or(0.0),
        );
        input.draft_time_s = self.opt_num("draft")?;
        input.verify_time_s = self.opt_num("verify")?;
        if let Some(m) = self.opt_int("max_gamma")? {
            input.max_draft_tokens =
                u32::try_from(m).map_err(|_| self.arg_error("max_gamma is too large"))?;
        }
        Ok(input)
    }

    fn speculative(&self) -> Result<speculative::SpeculativeReport, AnswerError> {
        speculative::compute(&self.spec_input()?).map_err(|e| self.model_error(e))
    }

    fn spec_latency(&self) -> Result<speculative::LatencyReport, AnswerError> {
        self.speculative()?
            .latency
            .ok_or_else(|| self.arg_error("needs draft= and verify= (seconds)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Value {
        evaluate(&parse_call(text).unwrap()).unwrap()
    }

    fn num(text: &str) -> f64 {
        match eval(text) {
            Value::Number(n) => n,
            Value::Label(l) => panic!("expected a number, got {l}"),
        }
    }

    #[test]
    fn curriculum_examples_come_out_of_the_models() {
        // L1 ex. 1: 2 GB, 40 GFLOP, 1 TB/s, 20 TFLOP/s at 70 %, 50 µs.
        let k = "bytes=2e9, flops=40e9, bandwidth=1e12, peak=20e12, efficiency=0.7, latency=50e-6";
        assert!((num(&format!("iron_law.serial({k})")) - 4.907e-3).abs() < 1e-6);
        assert!((num(&format!("iron_law.overlapped({k})")) - 2.907e-3).abs() < 1e-6);
        assert_eq!(
            eval(&format!("iron_law.dominant({k})")),
            Value::Label("compute")
        );
        assert!((num("amdahl.speedup(fraction=0.12, factor=inf)") - 1.136).abs() < 1e-3);
        assert!((num("roofline.ridge(peak=50e12, bandwidth=1.5e12)") - 33.33).abs() < 0.01);
        assert_eq!(
            num("kv_cache.bytes_per_token(model=llama-2-70b, tokens=8192)"),
            327_680.0
        );
        assert_eq!(
            num("kv_cache.page_waste_tokens(layers=1, kv_heads=1, head_dim=1, tokens=17, page=16)"),
            15.0
        );
        assert!((num("speculative.expected_tokens(alpha=0.6, gamma=3)") - 2.176).abs() < 1e-9);
        assert_eq!(
            num("speculative.best_gamma(alpha=0.7, draft=1e-3, verify=25e-3, max_gamma=8)"),
            6.0
        );
        assert_eq!(
            eval("roofline.bound(gpu=h100-sxm, precision=fp16, ai=10)"),
            Value::Label("memory-bound")
        );
    }

    #[test]
    fn bad_calls_name_the_problem() {
        assert!(matches!(parse_call("nope"), Err(AnswerError::Syntax(_))));
        assert!(matches!(
            evaluate(&parse_call("roofline.rdge(peak=1)").unwrap()),
            Err(AnswerError::UnknownFunction { .. })
        ));
        let e = evaluate(&parse_call("roofline.ridge(peek=1, bandwidth=1)").unwrap()).unwrap_err();
        assert!(e.to_string().contains("unknown argument 'peek'"), "{e}");
        let e = evaluate(&parse_call("roofline.ridge(gpu=h999)").unwrap()).unwrap_err();
        assert!(e.to_string().contains("h999"), "{e}");
    }

    #[test]
    fn tolerance_and_unit_parsing() {
        let t = Tolerance::parse("1%").unwrap();
        assert!(t.accepts(100.0, 100.9));
        assert!(!t.accepts(100.0, 101.1));
        assert!(Tolerance::parse("0.5").unwrap().accepts(2.0, 2.5));
        assert_eq!(Tolerance::parse("x"), None);
        assert_eq!(unit_scale("GB"), Some(1e9));
        assert_eq!(unit_scale("furlongs"), None);
    }
}

//! The calculators as data: each one lists its input fields (with units, defaults that may come
//! from a preset, and choices) and evaluates URL parameters into result rows and a chart.
//!
//! Architecture invariant: no `leptos` or `web_sys` here. The math is the `lessons` crate's; this
//! module only converts between the units people type (GB/s, TFLOP/s, billions of parameters)
//! and the SI units the models take, and turns every bad input into a message for its field.
//! The page ([`crate::calc_view`]) renders whatever this returns.

use crate::format;
use crate::query::Params;
use lessons::number::NumberError;
use lessons::presets::{GPUS, MODELS, Precision};
use lessons::{ModelError, decode, kv_cache, roofline, speculative, zero};

/// What kind of input a field is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A number typed in the field's unit.
    Number,
    /// One of a fixed list of `(value, label)` choices.
    Choice(Vec<(String, String)>),
}

/// One input of a calculator.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// URL parameter name.
    pub key: &'static str,
    /// Label shown beside the input.
    pub label: &'static str,
    /// Unit shown after the input ("GB/s"); empty for choices and pure numbers.
    pub unit: &'static str,
    /// Value used when the URL does not set one (may depend on a chosen preset).
    pub default: String,
    /// Number or choice.
    pub kind: Kind,
    /// Fields whose URL values are dropped when this one changes (a preset resets what it sets).
    pub resets: &'static [&'static str],
}

/// A bad input: for one field, or (with `key: None`) for the whole calculator.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// The field it belongs to.
    pub key: Option<&'static str>,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// One line of results.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Stable id for tests (`data-testid="result-<key>"`).
    pub key: &'static str,
    /// What the number is.
    pub label: &'static str,
    /// The number with its unit.
    pub value: String,
}

/// A line through points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points `(x, y)`.
    pub points: Vec<(f64, f64)>,
    /// Draw dashed (reference lines).
    pub dashed: bool,
    /// Mark every point with a dot (each is a measurement, not a sample of a formula).
    pub dots: bool,
}

/// An x–y plot.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePlot {
    /// X axis title with unit.
    pub x_label: String,
    /// Y axis title with unit.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// Logarithmic y axis.
    pub log_y: bool,
    /// The lines.
    pub series: Vec<Series>,
    /// The current input's point, labelled.
    pub marker: Option<(f64, f64, String)>,
}

/// One stacked bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Label under the bar.
    pub label: String,
    /// Stacked `(name, value)` segments, bottom first.
    pub segments: Vec<(String, f64)>,
}

/// Stacked bars against an optional limit line (GPU memory).
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Y axis title with unit.
    pub y_label: String,
    /// The bars.
    pub bars: Vec<Bar>,
    /// A horizontal line `(label, value)`.
    pub limit: Option<(String, f64)>,
    /// The unit of the values, for labels and tooltips.
    pub unit: BarUnit,
}

/// The unit of a bar chart's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarUnit {
    /// Bytes (decimal prefixes).
    Bytes,
    /// Seconds.
    Seconds,
}

impl BarUnit {
    /// A value with its unit.
    pub fn fmt(self, v: f64) -> String {
        match self {
            BarUnit::Bytes => format::bytes(v),
            BarUnit::Seconds => format::seconds(v),
        }
    }
}

/// A calculator's picture.
#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// Lines.
    Line(LinePlot),
    /// Stacked bars.
    Bars(BarChart),
}

/// What a calculator says about its inputs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Bad inputs; when any, `rows` and `chart` are empty.
    pub errors: Vec<FieldError>,
    /// The results.
    pub rows: Vec<Row>,
    /// The picture.
    pub chart: Option<Chart>,
}

/// One calculator.
pub struct Calculator {
    /// Route id (`kv-cache`).
    pub id: &'static str,
    /// Page title.
    pub title: &'static str,
    /// One paragraph on what it answers.
    pub summary: &'static str,
    /// Its fields, given the current parameters (preset defaults depend on them).
    pub fields: fn(&Params) -> Vec<Field>,
    /// Evaluates the parameters.
    pub eval: fn(&Params) -> Outcome,
}

/// Every calculator, in menu order.
pub const CALCULATORS: &[Calculator] = &[
    Calculator {
        id: "roofline",
        title: "Roofline",
        summary: "Given a GPU's peak compute and memory bandwidth and a kernel's arithmetic \
                  intensity (FLOPs per byte moved), what throughput can the kernel reach, and is \
                  it memory- or compute-bound?",
        fields: roofline_fields,
        eval: roofline_eval,
    },
    Calculator {
        id: "iron-law",
        title: "Iron law",
        summary: "Time of one operation from its bytes, its FLOPs and a fixed latency: which of \
                  the three terms dominates, serially and when they overlap.",
        fields: iron_fields,
        eval: iron_eval,
    },
    Calculator {
        id: "decode",
        title: "Decode intensity vs batch",
        summary: "One decode step reads every weight once and does 2 FLOPs per parameter per \
                  sequence: intensity grows with the batch until the step becomes compute-bound.",
        fields: decode_fields,
        eval: decode_eval,
    },
    Calculator {
        id: "kv-cache",
        title: "KV cache",
        summary: "How many bytes the attention cache takes for a model, context and batch, and \
                  whether weights plus cache fit in the GPU's memory.",
        fields: kv_fields,
        eval: kv_eval,
    },
    Calculator {
        id: "speculative",
        title: "Speculative decoding",
        summary: "A draft model proposes γ tokens, the target verifies them in one pass. With \
                  acceptance rate α and draft cost c (relative to a target pass), what speedup \
                  does each γ give? Give a measured draft-token time and target-pass time (from \
                  your own runs) and c becomes their ratio.",
        fields: spec_fields,
        eval: spec_eval,
    },
    Calculator {
        id: "zero",
        title: "ZeRO memory",
        summary: "Memory per GPU of mixed-precision Adam training under ZeRO stages 0–3: \
                  parameters, gradients and optimizer states, sharded over data-parallel ranks.",
        fields: zero_fields,
        eval: zero_eval,
    },
];

/// The calculator with this route id.
pub fn find(id: &str) -> Option<&'static Calculator> {
    CALCULATORS.iter().find(|c| c.id == id)
}

/// Every known calculator id, comma-separated (for "unknown calculator" messages).
pub fn ids() -> String {
    CALCULATORS
        .iter()
        .map(|c| c.id)
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Reading inputs

fn num(
    key: &'static str,
    label: &'static str,
    unit: &'static str,
    default: impl ToString,
) -> Field {
    Field {
        key,
        label,
        unit,
        default: default.to_string(),
        kind: Kind::Number,
        resets: &[],
    }
}

fn choice(
    key: &'static str,
    label: &'static str,
    default: &str,
    options: Vec<(String, String)>,
    resets: &'static [&'static str],
) -> Field {
    Field {
        key,
        label,
        unit: "",
        default: default.to_string(),
        kind: Kind::Choice(options),
        resets,
    }
}

fn gpu_options(custom: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = GPUS
        .iter()
        .map(|g| (g.id.to_string(), g.name.to_string()))
        .collect();
    if custom {
        v.push(("custom".into(), "Custom (type the figures)".into()));
    }
    v
}

fn model_options() -> Vec<(String, String)> {
    MODELS
        .iter()
        .map(|m| (m.id.to_string(), m.name.to_string()))
        .collect()
}

/// The largest and smallest nonzero magnitudes a calculator field takes (see `Reader::number`).
const MAX_MAGNITUDE: f64 = 1e12;
const MIN_MAGNITUDE: f64 = 1e-9;

/// Collects values and errors while a calculator reads its parameters.
struct Reader<'a> {
    params: &'a Params,
    fields: Vec<Field>,
    errors: Vec<FieldError>,
}

impl<'a> Reader<'a> {
    fn new(params: &'a Params, fields: fn(&Params) -> Vec<Field>) -> Reader<'a> {
        Reader {
            params,
            fields: fields(params),
            errors: Vec::new(),
        }
    }

    fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    fn raw(&self, key: &str) -> String {
        match self.params.get(key) {
            Some(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ => self
                .field(key)
                .map(|f| f.default.clone())
                .unwrap_or_default(),
        }
    }

    fn fail(&mut self, key: &'static str, message: String) {
        self.errors.push(FieldError {
            key: Some(key),
            message,
        });
    }

    fn label(&self, key: &str) -> &'static str {
        self.field(key).map(|f| f.label).unwrap_or("value")
    }

    /// A finite number, or NaN after recording why not.
    fn number(&mut self, key: &'static str) -> f64 {
        let raw = self.raw(key);
        let label = self.label(key);
        if raw.is_empty() {
            self.fail(key, format!("{label} is required"));
            return f64::NAN;
        }
        let v = match lessons::number::parse(&raw) {
            Ok(v) => v,
            Err(NumberError::Empty | NumberError::NotANumber) => {
                self.fail(key, format!("{label} must be a number, got \"{raw}\""));
                return f64::NAN;
            }
            Err(e) => {
                self.fail(key, format!("{label}: {e}, got \"{raw}\""));
                return f64::NAN;
            }
        };
        // Past these magnitudes every calculator's arithmetic (values times 10⁹ or 10¹², then
        // products of them) leaves f64's range or its precision, and the results would read "—".
        let a = v.abs();
        if a > MAX_MAGNITUDE || (a > 0.0 && a < MIN_MAGNITUDE) {
            self.fail(
                key,
                format!(
                    "{label} must be 0 or between 1e-9 and 1e12 in size, got {}",
                    format::typed(v)
                ),
            );
            return f64::NAN;
        }
        v
    }

    fn positive(&mut self, key: &'static str) -> f64 {
        let v = self.number(key);
        if v.is_finite() && v <= 0.0 {
            let label = self.label(key);
            self.fail(
                key,
                format!("{label} must be greater than 0, got {}", format::typed(v)),
            );
        }
        v
    }

    fn non_negative(&mut self, key: &'static str) -> f64 {
        let v = self.number(key);
        if v.is_finite() && v < 0.0 {
            let label = self.label(key);
            self.fail(
                key,
                format!("{label} must be 0 or more, got {}", format::typed(v)),
            );
        }
        v
    }

    /// A number greater than 0 and at most 16: bytes per stored weight (FP32 is 4). The cap
    /// keeps weight byte counts far inside the integers the models count them in.
    fn bytes_per_weight(&mut self, key: &'static str) -> f64 {
        let v = self.positive(key);
        if v.is_finite() && v > 16.0 {
            let label = self.label(key);
            self.fail(
                key,
                format!(
                    "{label} must be at most 16 (FP32 is 4, 4-bit 0.5), got {}",
                    format::typed(v)
                ),
            );
        }
        v
    }

    /// An integer in `min..=max`.
    fn int(&mut self, key: &'static str, min: u64, max: u64) -> u64 {
        let v = self.number(key);
        if !v.is_finite() {
            return 0;
        }
        if v.fract() != 0.0 || v < min as f64 || v > max as f64 {
            let label = self.label(key);
            self.fail(
                key,
                format!(
                    "{label} must be a whole number from {} to {}, got {}",
                    format::int(min),
                    format::int(max),
                    format::typed(v)
                ),
            );
            return 0;
        }
        v as u64
    }

    /// One of the field's choices.
    fn choice(&mut self, key: &'static str) -> String {
        let raw = self.raw(key);
        let Some(Field {
            kind: Kind::Choice(options),
            label,
            ..
        }) = self.field(key)
        else {
            return raw;
        };
        if options.iter().any(|(v, _)| *v == raw) {
            return raw;
        }
        let allowed = options
            .iter()
            .map(|(v, _)| v.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let label = *label;
        self.fail(
            key,
            format!("{label}: \"{raw}\" is not one of the choices ({allowed})"),
        );
        String::new()
    }

    /// Finishes reading: the errors so far, if any, as an outcome.
    fn failed(&mut self) -> Option<Outcome> {
        if self.errors.is_empty() {
            None
        } else {
            Some(Outcome {
                errors: std::mem::take(&mut self.errors),
                ..Outcome::default()
            })
        }
    }
}

/// A model error as an outcome, attached to the field the model names (through `map`, from the
/// model's field name to the URL key).
fn model_error(e: ModelError, map: &[(&str, &'static str)]) -> Outcome {
    let key = match &e {
        ModelError::Invalid { field, .. } => map.iter().find(|(f, _)| f == field).map(|(_, k)| *k),
        _ => None,
    };
    Outcome {
        errors: vec![FieldError {
            key,
            message: e.to_string(),
        }],
        ..Outcome::default()
    }
}

fn row(key: &'static str, label: &'static str, value: String) -> Row {
    Row { key, label, value }
}

fn log_points(lo: f64, hi: f64, n: usize, f: impl Fn(f64) -> f64) -> Vec<(f64, f64)> {
    let (a, b) = (lo.log10(), hi.log10());
    (0..n)
        .map(|i| {
            let x = 10f64.powf(a + (b - a) * i as f64 / (n - 1) as f64);
            (x, f(x))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Roofline

fn precision_options() -> Vec<(String, String)> {
    Precision::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.as_str().to_uppercase()))
        .collect()
}

/// Preset peak (TFLOP/s) and bandwidth (GB/s) defaults for the `gpu` and `precision` params.
fn gpu_defaults(p: &Params) -> (String, String) {
    let gpu = p.get("gpu").map(String::as_str).unwrap_or("h100-sxm");
    let precision = p
        .get("precision")
        .and_then(|s| Precision::parse(s).ok())
        .unwrap_or(Precision::Fp16);
    match lessons::presets::gpu(gpu) {
        Ok(g) => (
            g.peak(precision)
                .map(|f| trim(f / 1e12))
                .unwrap_or_default(),
            trim(g.bandwidth / 1e9),
        ),
        Err(_) => ("100".into(), "1000".into()),
    }
}

/// Why the peak field is empty, when the chosen GPU publishes no peak at the chosen precision
/// (a V100 at FP8, say): the field's default is then empty, and "required" alone would not say
/// why.
fn missing_preset_peak(p: &Params) -> Option<String> {
    let g = lessons::presets::gpu(p.get("gpu").map(String::as_str).unwrap_or("h100-sxm")).ok()?;
    let precision = p
        .get("precision")
        .and_then(|s| Precision::parse(s).ok())
        .unwrap_or(Precision::Fp16);
    g.peak(precision).is_none().then(|| {
        format!(
            "The {} has no published {} peak: type one in TFLOP/s, or choose another precision",
            g.name,
            precision.as_str().to_uppercase()
        )
    })
}

impl Reader<'_> {
    /// The peak field (TFLOP/s), saying why it is empty when the preset has no such peak.
    fn peak(&mut self) -> f64 {
        if self.raw("peak").is_empty()
            && let Some(why) = missing_preset_peak(self.params)
        {
            self.fail("peak", why);
            return f64::NAN;
        }
        self.positive("peak")
    }
}

/// A number without trailing zeros.
fn trim(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn roofline_fields(p: &Params) -> Vec<Field> {
    let (peak, bw) = gpu_defaults(p);
    vec![
        choice("gpu", "GPU", "h100-sxm", gpu_options(true), &["peak", "bw"]),
        choice(
            "precision",
            "Precision",
            "fp16",
            precision_options(),
            &["peak"],
        ),
        num("peak", "Peak compute", "TFLOP/s", peak),
        num("bw", "Memory bandwidth", "GB/s", bw),
        num("ai", "Arithmetic intensity", "FLOP/byte", 10),
        num("measured", "Measured (optional)", "TFLOP/s", ""),
    ]
}

fn roofline_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, roofline_fields);
    r.choice("gpu");
    r.choice("precision");
    let peak = r.peak();
    let bw = r.positive("bw");
    let ai = r.positive("ai");
    let measured = if r.raw("measured").is_empty() {
        None
    } else {
        Some(r.positive("measured") * 1e12)
    };
    if let Some(o) = r.failed() {
        return o;
    }
    let input = roofline::RooflineInput {
        peak_flops: peak * 1e12,
        bandwidth: bw * 1e9,
        intensity: ai,
        measured_flops: measured,
    };
    let rep = match roofline::compute(&input) {
        Ok(r) => r,
        Err(e) => {
            return model_error(
                e,
                &[
                    ("peak_flops", "peak"),
                    ("bandwidth", "bw"),
                    ("intensity", "ai"),
                    ("measured_flops", "measured"),
                ],
            );
        }
    };
    let mut rows = vec![
        row(
            "ridge",
            "Ridge point",
            format!("{} FLOP/byte", format::num(rep.ridge_intensity)),
        ),
        row(
            "attainable",
            "Attainable throughput",
            format::flops(rep.attainable_flops),
        ),
        row("bound", "Bound", format!("{}-bound", rep.bound.as_str())),
        row(
            "fraction-of-peak",
            "Attainable as share of peak",
            format::percent(rep.fraction_of_peak),
        ),
    ];
    if let Some(f) = rep.fraction_of_attainable {
        // Above 100% the measurement beats the roof: most likely a unit slip or the wrong peak.
        let note = if f > 1.0 {
            " (above the roof: check that it is in TFLOP/s, and the peak and bandwidth)"
        } else {
            ""
        };
        rows.push(row(
            "fraction-of-attainable",
            "Measured as share of attainable",
            format!("{}{note}", format::percent(f)),
        ));
    }
    let (lo, hi) = (
        (ai.min(rep.ridge_intensity) / 10.0).max(1e-3),
        ai.max(rep.ridge_intensity) * 10.0,
    );
    let roof = log_points(lo, hi, 64, |x| {
        (x * input.bandwidth).min(input.peak_flops) / 1e12
    });
    let mut series = vec![Series {
        name: "Roof".into(),
        points: roof,
        dashed: false,
        dots: false,
    }];
    if let Some(m) = measured {
        series.push(Series {
            name: "Measured".into(),
            points: vec![(ai, m / 1e12)],
            dashed: true,
            dots: false,
        });
    }
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Line(LinePlot {
            x_label: "Arithmetic intensity (FLOP/byte)".into(),
            y_label: "Throughput (TFLOP/s)".into(),
            log_x: true,
            log_y: true,
            series,
            marker: Some((
                ai,
                rep.attainable_flops / 1e12,
                format!(
                    "{} at {} FLOP/byte",
                    format::flops(rep.attainable_flops),
                    format::num(ai)
                ),
            )),
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// Iron law

fn iron_fields(p: &Params) -> Vec<Field> {
    let (peak, bw) = gpu_defaults(p);
    vec![
        choice("gpu", "GPU", "h100-sxm", gpu_options(true), &["peak", "bw"]),
        choice(
            "precision",
            "Precision",
            "fp16",
            precision_options(),
            &["peak"],
        ),
        num("gb", "Bytes moved", "GB", 1),
        num("gflop", "Work", "GFLOP", 100),
        num("bw", "Memory bandwidth", "GB/s", bw),
        num("peak", "Peak compute", "TFLOP/s", peak),
        num("eff", "Achieved fraction of peak", "(0–1]", 0.7),
        num("latency", "Fixed latency", "µs", 5),
    ]
}

fn iron_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, iron_fields);
    r.choice("gpu");
    r.choice("precision");
    let gb = r.non_negative("gb");
    let gflop = r.non_negative("gflop");
    let bw = r.positive("bw");
    let peak = r.peak();
    let eff = r.positive("eff");
    let latency = r.non_negative("latency");
    if eff > 1.0 {
        r.fail(
            "eff",
            format!(
                "Achieved fraction of peak must be at most 1, got {}",
                format::typed(eff)
            ),
        );
    }
    if let Some(o) = r.failed() {
        return o;
    }
    let input = roofline::IronLawInput {
        bytes: gb * 1e9,
        flops: gflop * 1e9,
        bandwidth: bw * 1e9,
        peak_flops: peak * 1e12,
        efficiency: eff,
        latency_s: latency * 1e-6,
    };
    let rep = match roofline::iron_law(&input) {
        Ok(r) => r,
        Err(e) => return model_error(e, &[("efficiency", "eff")]),
    };
    let mut rows = vec![
        row("memory", "Memory time", format::seconds(rep.memory_s)),
        row("compute", "Compute time", format::seconds(rep.compute_s)),
        row("latency", "Latency", format::seconds(rep.latency_s)),
        row("serial", "Serial total", format::seconds(rep.serial_s)),
        row(
            "overlapped",
            "Overlapped total",
            format::seconds(rep.overlapped_s),
        ),
        row(
            "dominant",
            "Dominant term",
            rep.dominant.as_str().to_string(),
        ),
    ];
    if let Some(i) = rep.intensity {
        rows.push(row(
            "intensity",
            "Arithmetic intensity",
            format!("{} FLOP/byte", format::num(i)),
        ));
    }
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Bars(BarChart {
            y_label: "Time".into(),
            bars: vec![
                Bar {
                    label: "Serial".into(),
                    segments: vec![
                        ("memory".into(), rep.memory_s),
                        ("compute".into(), rep.compute_s),
                        ("latency".into(), rep.latency_s),
                    ],
                },
                Bar {
                    label: "Overlapped".into(),
                    segments: vec![("max of terms".into(), rep.overlapped_s)],
                },
            ],
            limit: None,
            unit: BarUnit::Seconds,
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// Decode

fn decode_fields(_: &Params) -> Vec<Field> {
    vec![
        choice("model", "Model", "llama-2-70b", model_options(), &[]),
        choice("gpu", "GPU", "h100-sxm", gpu_options(false), &[]),
        num("batch", "Batch (sequences)", "", 1),
        num("bpp", "Bytes per weight", "B", 2),
        num("gpus", "GPUs (tensor parallel)", "", 1),
    ]
}

fn decode_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, decode_fields);
    let model = r.choice("model");
    let gpu = r.choice("gpu");
    let batch = r.int("batch", 1, 1 << 20);
    let bpp = r.bytes_per_weight("bpp");
    let gpus = r.int("gpus", 1, 4096);
    if let Some(o) = r.failed() {
        return o;
    }
    let (Ok(m), Ok(g)) = (lessons::presets::model(&model), lessons::presets::gpu(&gpu)) else {
        return Outcome::default();
    };
    let make = |batch: u64| decode::DecodeInput {
        // Every parameter, as the CLI counts them: what a mixture of experts keeps in memory
        // and reads once a batch routes tokens to every expert (the note below says so).
        params: m.params,
        batch,
        bytes_per_param: bpp,
        hidden: m.hidden,
        bytes_per_activation: 2.0,
        // One GPU's figures: the model spreads the weights over `gpus` itself.
        bandwidth: g.bandwidth,
        peak_flops: g.peak(Precision::Fp16),
        gpus,
    };
    let rep = match decode::compute(&make(batch)) {
        Ok(r) => r,
        Err(e) => {
            return model_error(
                e,
                &[
                    ("batch", "batch"),
                    ("bytes_per_param", "bpp"),
                    ("gpus", "gpus"),
                ],
            );
        }
    };
    let mut rows = vec![
        row(
            "intensity",
            "Arithmetic intensity",
            format!("{} FLOP/byte", format::num(rep.intensity)),
        ),
        row(
            "weights",
            "Weights per GPU",
            format::bytes(rep.weight_bytes_per_gpu as f64),
        ),
        row(
            "time",
            "Time per token (memory floor)",
            format::seconds(rep.time_per_token_s),
        ),
    ];
    // With a peak, a step takes the longer of its bytes and its FLOPs (the roofline): past the
    // ridge batch the tensor cores, not the weights, set the rate.
    let step_s = match rep.step_time_s {
        Some(s) => {
            rows.push(row("step", "Time per step (roofline)", format::seconds(s)));
            s
        }
        None => rep.time_per_token_s,
    };
    rows.push(row(
        "tps-stream",
        "Tokens/s per sequence",
        format!("{} tokens/s", format::num(1.0 / step_s)),
    ));
    rows.push(row(
        "tps-batch",
        "Tokens/s for the batch",
        format!("{} tokens/s", format::num(batch as f64 / step_s)),
    ));
    if let Some(ri) = rep.ridge_intensity {
        rows.push(row(
            "ridge",
            "Ridge point (FP16 peak)",
            format!("{} FLOP/byte", format::num(ri)),
        ));
    }
    if let Some(b) = rep.ridge_batch_integer {
        rows.push(row(
            "ridge-batch",
            "Batch where decode turns compute-bound",
            format!("{} sequences", format::num(b as f64)),
        ));
    }
    if let Some(b) = rep.bound {
        rows.push(row("bound", "Bound", format!("{}-bound", b.as_str())));
    }
    if let Some(active) = m.active_params {
        rows.push(row(
            "moe",
            "Mixture of experts",
            format!(
                "all {} B parameters counted, as when a batch reaches every expert; one token \
                 alone reads only the {} B active ones",
                format::num(m.params as f64 / 1e9),
                format::num(active as f64 / 1e9)
            ),
        ));
    }
    let top = (batch.max(rep.ridge_batch_integer.unwrap_or(1)) as f64 * 4.0).max(1024.0);
    let curve: Vec<(f64, f64)> = log_points(1.0, top, 48, |b| b.round())
        .into_iter()
        .filter_map(|(b, _)| {
            decode::compute(&make(b.round() as u64))
                .ok()
                .map(|r| (b.round(), r.intensity))
        })
        .collect();
    let mut series = vec![Series {
        name: "Decode intensity".into(),
        points: curve,
        dashed: false,
        dots: false,
    }];
    if let Some(ri) = rep.ridge_intensity {
        series.push(Series {
            name: format!("{} FP16 ridge", g.name),
            points: vec![(1.0, ri), (top, ri)],
            dashed: true,
            dots: false,
        });
    }
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Line(LinePlot {
            x_label: "Batch (sequences)".into(),
            y_label: "Intensity (FLOP/byte)".into(),
            log_x: true,
            log_y: true,
            series,
            marker: Some((
                batch as f64,
                rep.intensity,
                format!("batch {batch}: {} FLOP/byte", format::num(rep.intensity)),
            )),
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// KV cache

fn dtype_options() -> Vec<(String, String)> {
    kv_cache::KvDtype::ALL
        .iter()
        .map(|d| (d.as_str().to_string(), d.as_str().to_uppercase()))
        .collect()
}

fn kv_fields(_: &Params) -> Vec<Field> {
    vec![
        choice("model", "Model", "llama-2-70b", model_options(), &[]),
        choice("gpu", "GPU", "h100-sxm", gpu_options(false), &[]),
        num("tokens", "Context length", "tokens", 4096),
        num("batch", "Batch (sequences)", "", 8),
        choice("dtype", "Cache precision", "fp16", dtype_options(), &[]),
        num("wbytes", "Bytes per weight", "B", 2),
        num("tp", "GPUs (tensor parallel)", "", 1),
    ]
}

fn kv_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, kv_fields);
    let model = r.choice("model");
    let gpu = r.choice("gpu");
    let tokens = r.int("tokens", 1, 1 << 30);
    let batch = r.int("batch", 1, 1 << 20);
    let dtype = r.choice("dtype");
    let wbytes = r.bytes_per_weight("wbytes");
    let tp = r.int("tp", 1, 1024);
    if let Some(o) = r.failed() {
        return o;
    }
    let (Ok(m), Ok(g), Ok(dtype)) = (
        lessons::presets::model(&model),
        lessons::presets::gpu(&gpu),
        kv_cache::KvDtype::parse(&dtype),
    ) else {
        return Outcome::default();
    };
    let weight_bytes = (m.params as f64 * wbytes).round() as u64;
    let input = kv_cache::KvCacheInput {
        layers: m.layers,
        layout: m.kv_layout(),
        tokens,
        batch,
        dtype,
        group_scale: None,
        tp,
        page_size: None,
        reserve_tokens: None,
        fit: Some(kv_cache::FitInput {
            gpu_memory_bytes: g.memory_bytes,
            weight_bytes,
            overhead_bytes: 0,
        }),
    };
    let rep = match kv_cache::compute(&input) {
        Ok(r) => r,
        Err(e) => {
            return model_error(e, &[("tokens", "tokens"), ("batch", "batch"), ("tp", "tp")]);
        }
    };
    let mut rows = vec![
        row(
            "bytes-per-token",
            "Cache per token (all layers)",
            format::bytes(rep.bytes_per_token as f64),
        ),
        row(
            "total",
            "Cache for the batch",
            format::bytes(rep.total_bytes as f64),
        ),
        row(
            "per-gpu",
            "Cache per GPU",
            format::bytes(rep.per_gpu_bytes as f64),
        ),
    ];
    let mut weights_per_gpu = weight_bytes as f64 / tp as f64;
    if let Some(f) = &rep.fit {
        weights_per_gpu = f.weight_bytes_per_gpu as f64;
        rows.push(row(
            "weights-per-gpu",
            "Weights per GPU",
            format::bytes(weights_per_gpu),
        ));
        rows.push(row(
            "fits",
            "Weights + cache fit",
            if !f.weights_fit {
                format!(
                    "no: the weights alone exceed {}",
                    format::bytes(g.memory_bytes as f64)
                )
            } else if f.max_batch >= batch {
                format!(
                    "yes, up to a batch of {} sequences",
                    format::num(f.max_batch as f64)
                )
            } else {
                format!(
                    "no: at most {} sequences fit",
                    format::num(f.max_batch as f64)
                )
            },
        ));
    }
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Bars(BarChart {
            y_label: "Memory per GPU".into(),
            bars: vec![Bar {
                label: format!("{} on {}", m.name, g.name),
                segments: vec![
                    ("weights".into(), weights_per_gpu),
                    ("KV cache".into(), rep.per_gpu_bytes as f64),
                ],
            }],
            limit: Some((format!("{} memory", g.name), g.memory_bytes as f64)),
            unit: BarUnit::Bytes,
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// Speculative decoding

fn spec_fields(_: &Params) -> Vec<Field> {
    vec![
        num("alpha", "Acceptance rate α", "(0–1)", 0.8),
        num("gamma", "Draft tokens γ", "tokens", 4),
        num("c", "Draft cost c (vs a target pass)", "", 0.05),
        num("draft_ms", "Draft token time (optional)", "ms", ""),
        num("verify_ms", "Target pass time (optional)", "ms", ""),
    ]
}

fn spec_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, spec_fields);
    let alpha = r.number("alpha");
    if alpha.is_finite() && !(0.0..=1.0).contains(&alpha) {
        r.fail(
            "alpha",
            format!(
                "Acceptance rate α must be from 0 to 1, got {}",
                format::typed(alpha)
            ),
        );
    }
    let gamma = r.int("gamma", 0, u64::from(speculative::MAX_DRAFT_TOKENS));
    // The two times go together: c is their ratio.
    let times = match (r.raw("draft_ms").is_empty(), r.raw("verify_ms").is_empty()) {
        (true, true) => None,
        (false, false) => Some((r.non_negative("draft_ms"), r.positive("verify_ms"))),
        (draft_missing, _) => {
            let (key, missing, given) = if draft_missing {
                ("draft_ms", "draft token time", "target pass time")
            } else {
                ("verify_ms", "target pass time", "draft token time")
            };
            r.fail(
                key,
                format!(
                    "Give the {missing} as well, or clear the {given}: c is the draft token \
                     time over the target pass time"
                ),
            );
            Some((f64::NAN, f64::NAN))
        }
    };
    // With both timings, c is their ratio: measured kernel times decide it.
    let c = match times {
        Some((d, v)) if v > 0.0 => d / v,
        _ => r.non_negative("c"),
    };
    if let Some(o) = r.failed() {
        return o;
    }
    let mut input = speculative::SpeculativeInput::new(alpha, gamma as u32, c);
    input.max_draft_tokens = (gamma as u32).max(16);
    if let Some((d, v)) = times {
        input.draft_time_s = Some(d * 1e-3);
        input.verify_time_s = Some(v * 1e-3);
    }
    let rep = match speculative::compute(&input) {
        Ok(r) => r,
        Err(e) => {
            return model_error(
                e,
                &[
                    ("acceptance", "alpha"),
                    ("draft_tokens", "gamma"),
                    ("cost_ratio", "c"),
                    ("draft_time_s", "draft_ms"),
                    ("verify_time_s", "verify_ms"),
                ],
            );
        }
    };
    let mut rows = vec![
        row(
            "expected",
            "Expected tokens per target pass",
            format!("{} tokens", format::num(rep.expected_tokens_per_step)),
        ),
        row(
            "speedup",
            "Speedup",
            format!("{}×", format::num(rep.speedup)),
        ),
        row(
            "best-gamma",
            "Best γ",
            format!(
                "{} tokens ({}×)",
                rep.best_draft_tokens,
                format::num(rep.best_speedup)
            ),
        ),
    ];
    if times.is_some() {
        rows.push(row(
            "c-used",
            "Draft cost c from the timings",
            format::num(c),
        ));
    }
    if let Some(l) = &rep.latency {
        rows.push(row(
            "itl",
            "Effective time per token",
            format::seconds(l.effective_itl_s),
        ));
    }
    let top = input.max_draft_tokens;
    let curve: Vec<(f64, f64)> = (0..=top)
        .map(|g| (f64::from(g), speculative::speedup(alpha, g, c)))
        .collect();
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Line(LinePlot {
            x_label: "Draft tokens γ".into(),
            y_label: "Speedup (×)".into(),
            log_x: false,
            log_y: false,
            series: vec![
                Series {
                    name: format!("α = {alpha}, c = {}", format::num(c)),
                    points: curve,
                    dashed: false,
                    dots: false,
                },
                Series {
                    name: "no speedup (1×)".into(),
                    points: vec![(0.0, 1.0), (f64::from(top), 1.0)],
                    dashed: true,
                    dots: false,
                },
            ],
            marker: Some((
                gamma as f64,
                rep.speedup,
                format!("γ = {gamma}: {}×", format::num(rep.speedup)),
            )),
        })),
    }
}

// ---------------------------------------------------------------------------------------------
// ZeRO

fn zero_fields(_: &Params) -> Vec<Field> {
    let stages = (0..4)
        .map(|s| (s.to_string(), format!("Stage {s}")))
        .collect();
    vec![
        num("params", "Parameters", "billion", 7.5),
        num("gpus", "Data-parallel GPUs", "", 64),
        choice("stage", "ZeRO stage", "3", stages, &[]),
        choice(
            "gpu",
            "GPU (memory line)",
            "a100-80gb",
            gpu_options(false),
            &[],
        ),
    ]
}

fn zero_eval(p: &Params) -> Outcome {
    let mut r = Reader::new(p, zero_fields);
    let params_b = r.positive("params");
    let gpus = r.int("gpus", 1, 1 << 20);
    let stage = r.choice("stage");
    let gpu = r.choice("gpu");
    if params_b.is_finite() && params_b > 1e6 {
        r.fail(
            "params",
            format!(
                "Parameters must be at most 1,000,000 billion, got {}",
                format::typed(params_b)
            ),
        );
    }
    if let Some(o) = r.failed() {
        return o;
    }
    let psi = (params_b * 1e9).round().max(1.0) as u64;
    let stage: u8 = stage.parse().unwrap_or(3);
    let g = lessons::presets::gpu(&gpu).ok();
    let mut bars = Vec::new();
    let mut chosen = None;
    for s in 0..4u8 {
        match zero::compute(&zero::ZeroInput::adam(psi, gpus, s)) {
            Ok(rep) => {
                bars.push(Bar {
                    label: format!("Stage {s}"),
                    segments: vec![
                        ("parameters".into(), rep.breakdown.params as f64),
                        ("gradients".into(), rep.breakdown.grads as f64),
                        ("optimizer".into(), rep.breakdown.optimizer as f64),
                    ],
                });
                if s == stage {
                    chosen = Some(rep);
                }
            }
            Err(e) => return model_error(e, &[("params", "params"), ("gpus", "gpus")]),
        }
    }
    let Some(rep) = chosen else {
        return Outcome::default();
    };
    let mut rows = vec![
        row(
            "per-gpu",
            "Model states per GPU",
            format::bytes(rep.per_gpu_bytes as f64),
        ),
        row(
            "params-bytes",
            "Parameters",
            format::bytes(rep.breakdown.params as f64),
        ),
        row(
            "grads-bytes",
            "Gradients",
            format::bytes(rep.breakdown.grads as f64),
        ),
        row(
            "optimizer-bytes",
            "Optimizer states",
            format::bytes(rep.breakdown.optimizer as f64),
        ),
        row(
            "reduction",
            "Reduction vs stage 0",
            format!("{}×", format::num(rep.reduction)),
        ),
    ];
    if let Some(g) = g {
        rows.push(row(
            "fits",
            "Fits in GPU memory (model states only)",
            if rep.per_gpu_bytes <= g.memory_bytes {
                format!(
                    "yes, on {} ({})",
                    g.name,
                    format::bytes(g.memory_bytes as f64)
                )
            } else {
                format!(
                    "no, {} has {}",
                    g.name,
                    format::bytes(g.memory_bytes as f64)
                )
            },
        ));
    }
    Outcome {
        errors: vec![],
        rows,
        chart: Some(Chart::Bars(BarChart {
            y_label: "Memory per GPU".into(),
            bars,
            limit: g.map(|g| (format!("{} memory", g.name), g.memory_bytes as f64)),
            unit: BarUnit::Bytes,
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse;

    fn value(o: &Outcome, key: &str) -> String {
        o.rows
            .iter()
            .find(|r| r.key == key)
            .map(|r| r.value.clone())
            .unwrap_or_else(|| panic!("no row {key} in {o:?}"))
    }

    #[test]
    fn every_calculator_evaluates_its_defaults() {
        for c in CALCULATORS {
            let o = (c.eval)(&Params::new());
            assert!(o.errors.is_empty(), "{}: {:?}", c.id, o.errors);
            assert!(!o.rows.is_empty() && o.chart.is_some(), "{}", c.id);
        }
    }

    #[test]
    fn kv_cache_for_llama_2_70b() {
        // 80 layers · 8 KV heads · 128 dims · 2 (K and V) · 2 bytes = 327,680 bytes per token.
        let o = (find("kv-cache").unwrap().eval)(&parse("model=llama-2-70b&tokens=4096&batch=1"));
        assert_eq!(value(&o, "bytes-per-token"), "328 kB");
        assert_eq!(value(&o, "total"), "1.34 GB");
    }

    #[test]
    fn decode_floor_splits_the_weights_over_tensor_parallel_gpus() {
        // Llama 2 70B in FP16: 68,976,648,192 · 2 B = 137.95 GB of weights; an H100 SXM streams
        // 3.35 TB/s. One GPU: 137.95 GB / 3.35 TB/s = 41.18 ms per token. Eight: each streams an
        // eighth, 17.24 GB, in 5.148 ms, 194.3 tokens/s.
        let decode = find("decode").unwrap().eval;
        let o = decode(&parse(
            "model=llama-2-70b&gpu=h100-sxm&bpp=2&batch=1&gpus=1",
        ));
        assert_eq!(value(&o, "time"), "41.2 ms");
        let o = decode(&parse(
            "model=llama-2-70b&gpu=h100-sxm&bpp=2&batch=1&gpus=8",
        ));
        assert_eq!(value(&o, "weights"), "17.2 GB");
        assert_eq!(value(&o, "time"), "5.15 ms");
        assert_eq!(value(&o, "tps-stream"), "194 tokens/s");
        // The ridge is one GPU's peak over its bandwidth, whatever the count.
        assert_eq!(value(&o, "ridge"), "295 FLOP/byte");
    }

    #[test]
    fn decode_past_the_ridge_is_paced_by_the_flops() {
        // Batch 1024 on one H100: 2 · 68.98e9 · 1024 = 1.413e14 FLOPs at 989 TFLOP/s take
        // 142.8 ms, more than the 41.2 ms of bytes, so the batch makes 1024 / 0.1428 = 7,169
        // tokens/s, not the 24,866 the weight floor alone would give.
        let decode = find("decode").unwrap().eval;
        let o = decode(&parse(
            "model=llama-2-70b&gpu=h100-sxm&bpp=2&batch=1024&gpus=1",
        ));
        assert_eq!(value(&o, "bound"), "compute-bound");
        assert_eq!(value(&o, "time"), "41.2 ms");
        assert_eq!(value(&o, "step"), "143 ms");
        assert_eq!(value(&o, "tps-stream"), "7.00 tokens/s");
        assert_eq!(value(&o, "tps-batch"), "7169 tokens/s");
        // A mixture of experts counts every parameter, as the CLI does, and says so.
        let o = decode(&parse(
            "model=mixtral-8x7b&gpu=h100-sxm&bpp=2&batch=1&gpus=1",
        ));
        assert_eq!(value(&o, "weights"), "93.4 GB");
        assert!(value(&o, "moe").contains("12.9 B active"));
    }

    #[test]
    fn roofline_ridge_of_h100() {
        let o = (find("roofline").unwrap().eval)(&parse("gpu=custom&peak=1000&bw=2000&ai=100"));
        assert_eq!(value(&o, "ridge"), "500 FLOP/byte");
        assert_eq!(value(&o, "attainable"), "200 TFLOP/s");
        assert_eq!(value(&o, "bound"), "memory-bound");
    }

    #[test]
    fn bad_inputs_name_their_field() {
        let o = (find("kv-cache").unwrap().eval)(&parse("model=gpt-9&tokens=abc&batch=0"));
        let keys: Vec<_> = o.errors.iter().map(|e| e.key).collect();
        assert_eq!(keys, vec![Some("model"), Some("tokens"), Some("batch")]);
        assert!(o.errors[1].message.contains("\"abc\""), "{:?}", o.errors);
        assert!(o.rows.is_empty());
        let o = (find("speculative").unwrap().eval)(&parse("alpha=1.5"));
        assert_eq!(o.errors[0].key, Some("alpha"));
        let o = (find("iron-law").unwrap().eval)(&parse("eff=2"));
        assert_eq!(o.errors[0].key, Some("eff"));
        let o = (find("zero").unwrap().eval)(&parse("stage=7"));
        assert_eq!(o.errors[0].key, Some("stage"));
    }

    #[test]
    fn out_of_range_inputs_get_messages_in_the_users_terms() {
        let error = |calc: &str, query: &str, key: &str| -> String {
            let o = (find(calc).unwrap().eval)(&parse(query));
            assert!(o.rows.is_empty(), "{calc}?{query}: {o:?}");
            o.errors
                .iter()
                .find(|e| e.key == Some(key))
                .unwrap_or_else(|| panic!("{calc}?{query}: no error on {key}: {:?}", o.errors))
                .message
                .clone()
        };
        assert_eq!(
            error("kv-cache", "batch=0", "batch"),
            "Batch (sequences) must be a whole number from 1 to 1,048,576, got 0"
        );
        // Magnitudes whose arithmetic would leave f64 are refused as typed, not as `inf`.
        assert_eq!(
            error("roofline", "peak=1e308", "peak"),
            "Peak compute must be 0 or between 1e-9 and 1e12 in size, got 1e308"
        );
        assert!(error("roofline", "bw=1e-320", "bw").ends_with("got 1e-320"));
        assert_eq!(
            error("kv-cache", "wbytes=1e9", "wbytes"),
            "Bytes per weight must be at most 16 (FP32 is 4, 4-bit 0.5), got 1000000000"
        );
        assert_eq!(
            error("kv-cache", "tokens=4,91", "tokens"),
            "Context length: use a point for decimals (4.91), got \"4,91\""
        );
        // One of two optional times alone is explained, not called "required".
        assert!(
            error("speculative", "draft_ms=1", "verify_ms")
                .starts_with("Give the target pass time as well, or clear the draft token time"),
        );
        assert!(
            error("speculative", "verify_ms=20", "draft_ms")
                .starts_with("Give the draft token time as well"),
        );
        // A GPU without a published peak at that precision says so.
        assert_eq!(
            error("roofline", "gpu=v100&precision=fp8", "peak"),
            "The NVIDIA V100 SXM2 32 GB has no published FP8 peak: type one in TFLOP/s, or \
             choose another precision"
        );
        assert!(error("iron-law", "gpu=v100&precision=fp8", "peak").contains("no published FP8"));
    }

    #[test]
    fn a_measurement_above_the_roof_is_flagged() {
        let o = (find("roofline").unwrap().eval)(&parse(
            "gpu=custom&peak=1000&bw=2000&ai=100&measured=5000",
        ));
        // Attainable is 200 TFLOP/s at 100 FLOP/byte, so 5000 is 2500% of it.
        assert_eq!(
            value(&o, "fraction-of-attainable"),
            "2500% (above the roof: check that it is in TFLOP/s, and the peak and bandwidth)"
        );
        let o = (find("roofline").unwrap().eval)(&parse(
            "gpu=custom&peak=1000&bw=2000&ai=100&measured=100",
        ));
        assert_eq!(value(&o, "fraction-of-attainable"), "50.0%");
    }

    #[test]
    fn speculative_speedup_and_measured_cost() {
        let o = (find("speculative").unwrap().eval)(&parse("alpha=0.8&gamma=4&c=0"));
        // E = (1 − 0.8⁵)/(1 − 0.8) = 3.3616 tokens per pass; with a free draft that is the speedup.
        assert_eq!(value(&o, "expected"), "3.36 tokens");
        assert_eq!(value(&o, "speedup"), "3.36×");
        let o = (find("speculative").unwrap().eval)(&parse("draft_ms=1&verify_ms=20"));
        assert_eq!(value(&o, "c-used"), "0.050");
    }

    #[test]
    fn zero_stage_3_shards_everything() {
        let o = (find("zero").unwrap().eval)(&parse("params=7.5&gpus=64&stage=3"));
        // 16 bytes · 7.5e9 / 64 = 1.875 GB.
        assert_eq!(value(&o, "per-gpu"), "1.88 GB");
        let Some(Chart::Bars(b)) = &o.chart else {
            panic!()
        };
        assert_eq!(b.bars.len(), 4);
    }
}

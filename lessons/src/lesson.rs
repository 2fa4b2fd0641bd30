//! The lesson format: a small Markdown subset of our own, parsed into a typed [`Lesson`].
//!
//! Supported: `#`–`###` headings, paragraphs, `-` and `1.` lists, `*emphasis*`, `**strong**`,
//! `` `code` ``, `[text](href)` links, fenced code, `$inline$` and `$$display$$` TeX (converted by
//! [`crate::math`]). Two fenced directives embed live parts (documented with examples in
//! `lessons/content/README.md`):
//!
//! ````text
//! ```widget kv-cache
//! model: llama-2-70b
//! tokens: 8192
//! ```
//!
//! ```exercise kv-request-bytes
//! type: numeric
//! question: How many bytes does one 8K request need?
//! answer: kv_cache.total_bytes(model=llama-2-70b, tokens=8192)
//! unit: GB
//! tolerance: 1%
//! ```
//! ````
//!
//! Every error carries the 1-based line it was found on. Widget kinds and parameters are checked
//! against [`WIDGETS`]; exercise answers are computed by [`crate::exercise`] while parsing, so a
//! lesson that parses has answers that come out of the models.

use crate::exercise::{self, Call, Tolerance, Value};
use crate::kernel_exercise::{self, KernelTask, Roof};
use crate::number::{self, NumberError};
use crate::{content, math};
use thiserror::Error;

/// A parse error at a line of a lesson file.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("line {line}: {message}")]
pub struct LessonError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn err<T>(line: usize, message: impl Into<String>) -> Result<T, LessonError> {
    Err(LessonError {
        line,
        message: message.into(),
    })
}

/// Inline content of a paragraph, heading or list item.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// `*emphasis*`.
    Emph(String),
    /// `**strong**`.
    Strong(String),
    /// `` `code` ``.
    Code(String),
    /// `$tex$`, already MathML.
    Math(String),
    /// `[text](href)`.
    Link {
        /// Link text.
        text: String,
        /// Target (an app path such as `/calc/roofline`, or a URL).
        href: String,
    },
}

/// A calculator embedded in a lesson, preset from the directive.
#[derive(Debug, Clone, PartialEq)]
pub struct Widget {
    /// Calculator id (`kv-cache`).
    pub kind: String,
    /// Preset parameters, in order.
    pub params: Vec<(String, String)>,
    /// Line of the opening fence.
    pub line: usize,
}

/// What an exercise asks for and how its answer is known.
#[derive(Debug, Clone, PartialEq)]
pub enum ExerciseKind {
    /// A number with a unit, within a tolerance.
    Numeric {
        /// The answer function call.
        answer: Call,
        /// Display unit (`GB`).
        unit: String,
        /// The expected value in `unit`, computed from the models.
        expected: f64,
        /// How close is close enough.
        tolerance: Tolerance,
    },
    /// One of several options.
    Choice {
        /// The options.
        options: Vec<Vec<Inline>>,
        /// 0-based index of the right one.
        correct: usize,
    },
    /// Pick a category (memory- or compute-bound, …) computed by a label-valued function.
    Classify {
        /// The answer function call.
        answer: Call,
        /// Every category offered.
        labels: &'static [&'static str],
        /// The right category.
        expected: &'static str,
    },
    /// Write a WGSL kernel: graded by correctness against the CPU reference and by speed
    /// against a roof measured on the learner's device ([`crate::kernel_exercise`]).
    Kernel(KernelTask),
}

/// One exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct Exercise {
    /// Stable id within the lesson (progress is stored under it).
    pub id: String,
    /// The question.
    pub question: Vec<Inline>,
    /// Its kind and answer.
    pub kind: ExerciseKind,
    /// Shown after a correct answer (may be empty).
    pub explain: Vec<Inline>,
    /// Line of the opening fence.
    pub line: usize,
}

/// The verdict on an attempt.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Right.
    Correct,
    /// Wrong; says what was expected in general terms (never the answer).
    Incorrect(String),
    /// Not something that can be checked (not a number, no option picked).
    Unreadable(String),
}

/// The number part of a numeric answer: the text without the exercise's own unit (`4.91 ms`).
fn answer_number<'a>(attempt: &'a str, unit: &str) -> &'a str {
    let text = attempt.trim();
    match text.strip_suffix(unit) {
        Some(rest) if !unit.is_empty() => rest.trim_end(),
        _ => text,
    }
}

/// `4,907` read with its comma as a decimal point (4.907): one comma followed by exactly three
/// digits is a thousands separator to [`number::parse`], but may be a decimal comma too.
fn decimal_comma_reading(text: &str) -> Option<f64> {
    let (int, frac) = text.split_once(',')?;
    let digits = int.trim_start_matches(['+', '-']);
    let plain = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (plain(digits) && digits.len() <= 3 && frac.len() == 3 && plain(frac))
        .then(|| format!("{int}.{frac}").parse().ok())
        .flatten()
}

/// Reads a numeric answer: a number, optionally followed by the exercise's own unit (`4.91 ms`).
/// Anything else gets a message that says what to type.
fn read_answer(attempt: &str, unit: &str) -> Result<f64, String> {
    number::parse(answer_number(attempt, unit)).map_err(|e| match e {
        NumberError::Empty | NumberError::NotANumber if unit.is_empty() => "Type a number.".into(),
        NumberError::Empty | NumberError::NotANumber => {
            format!("Type a number in {unit}, such as 2.5 or 2.5 {unit}.")
        }
        NumberError::DecimalComma { suggestion } => {
            format!("Use a point for decimals: {suggestion}.")
        }
        NumberError::Grouping => "Commas may only separate thousands, as in 1,234,567.".into(),
    })
}

impl Exercise {
    /// Checks an attempt: the typed number (numeric), the chosen option index / label, or a
    /// kernel run's [`kernel_exercise::KernelOutcome`] as JSON.
    pub fn check(&self, attempt: &str) -> Verdict {
        match &self.kind {
            ExerciseKind::Numeric {
                unit,
                expected,
                tolerance,
                ..
            } => match read_answer(attempt, unit) {
                Err(why) => Verdict::Unreadable(why),
                Ok(v) if tolerance.accepts(*expected, v) => Verdict::Correct,
                // Right if its comma was a decimal comma: say how to write it, not "wrong".
                Ok(_)
                    if decimal_comma_reading(answer_number(attempt, unit))
                        .is_some_and(|alt| tolerance.accepts(*expected, alt)) =>
                {
                    Verdict::Unreadable(format!(
                        "Use a point for decimals: {}.",
                        answer_number(attempt, unit).replace(',', ".")
                    ))
                }
                Ok(_) => Verdict::Incorrect(format!(
                    "Not within {} of the answer. Check the units ({unit}) and try again.",
                    tolerance.describe(unit)
                )),
            },
            ExerciseKind::Choice { options, correct } => match attempt.trim().parse::<usize>() {
                Ok(i) if i < options.len() => {
                    if i == *correct {
                        Verdict::Correct
                    } else {
                        Verdict::Incorrect("Not that one; try again.".into())
                    }
                }
                _ => Verdict::Unreadable("Pick an option.".into()),
            },
            ExerciseKind::Classify {
                labels, expected, ..
            } => {
                if !labels.contains(&attempt.trim()) {
                    Verdict::Unreadable("Pick a category.".into())
                } else if attempt.trim() == *expected {
                    Verdict::Correct
                } else if *labels == exercise::TERM_LABELS {
                    Verdict::Incorrect("Not that one; compare the sizes of the three terms.".into())
                } else {
                    Verdict::Incorrect("Not that one; compare the intensity with the ridge.".into())
                }
            }
            ExerciseKind::Kernel(task) => kernel_exercise::check(task, attempt),
        }
    }
}

/// One block of a lesson.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// `#`, `##` or `###`.
    Heading {
        /// 1 to 3.
        level: u8,
        /// Its text.
        text: Vec<Inline>,
    },
    /// Lines of text up to a blank line.
    Paragraph(Vec<Inline>),
    /// A bulleted (`-`) or numbered (`1.`) list.
    List {
        /// Numbered.
        ordered: bool,
        /// One entry per item.
        items: Vec<Vec<Inline>>,
    },
    /// A fenced code block that is not a directive.
    Code {
        /// The info string (`wgsl`), possibly empty.
        lang: String,
        /// The code.
        text: String,
    },
    /// `$$…$$` as block MathML.
    Math(String),
    /// A live calculator.
    Widget(Widget),
    /// An exercise.
    Exercise(Exercise),
}

/// A parsed lesson.
#[derive(Debug, Clone, PartialEq)]
pub struct Lesson {
    /// The first `#` heading, as plain text.
    pub title: String,
    /// Every block, the title heading included.
    pub blocks: Vec<Block>,
}

impl Lesson {
    /// The exercises, in order.
    pub fn exercises(&self) -> impl Iterator<Item = &Exercise> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Exercise(e) => Some(e),
            _ => None,
        })
    }

    /// The widgets, in order.
    pub fn widgets(&self) -> impl Iterator<Item = &Widget> {
        self.blocks.iter().filter_map(|b| match b {
            Block::Widget(w) => Some(w),
            _ => None,
        })
    }
}

/// Widget kinds (the calculator ids) and the parameters each accepts (the calculator's URL keys).
/// The app's tests check that this table matches its calculators field for field.
pub const WIDGETS: &[(&str, &[&str])] = &[
    (
        "roofline",
        &["gpu", "precision", "peak", "bw", "ai", "measured"],
    ),
    (
        "iron-law",
        &[
            "gpu",
            "precision",
            "gb",
            "gflop",
            "bw",
            "peak",
            "eff",
            "latency",
        ],
    ),
    ("decode", &["model", "gpu", "batch", "bpp", "gpus"]),
    (
        "kv-cache",
        &["model", "gpu", "tokens", "batch", "dtype", "wbytes", "tp"],
    ),
    (
        "speculative",
        &["alpha", "gamma", "c", "draft_ms", "verify_ms"],
    ),
    ("zero", &["params", "gpus", "stage", "gpu"]),
];

/// Plain text of inline content (for titles and tab names).
pub fn plain_text(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text(t) | Inline::Emph(t) | Inline::Strong(t) | Inline::Code(t) => t.clone(),
            Inline::Math(_) => "…".to_string(),
            Inline::Link { text, .. } => text.clone(),
        })
        .collect()
}

/// Parses inline Markdown on one line.
pub fn parse_inline(text: &str, line: usize) -> Result<Vec<Inline>, LessonError> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    let flush = |plain: &mut String, out: &mut Vec<Inline>| {
        if !plain.is_empty() {
            out.push(Inline::Text(std::mem::take(plain)));
        }
    };
    while let Some(c) = rest.chars().next() {
        let closing = |rest: &str, open: &str| -> Result<(String, usize), LessonError> {
            let body = &rest[open.len()..];
            match body.find(open) {
                Some(end) if end > 0 => Ok((body[..end].to_string(), open.len() * 2 + end)),
                _ => err(line, format!("'{open}' is not closed on this line")),
            }
        };
        if rest.starts_with("\\$") || rest.starts_with("\\*") || rest.starts_with("\\`") {
            plain.push_str(&rest[1..2]);
            rest = &rest[2..];
            continue;
        }
        let (node, used) = if rest.starts_with("**") {
            let (t, n) = closing(rest, "**")?;
            (Inline::Strong(t), n)
        } else if c == '*' {
            let (t, n) = closing(rest, "*")?;
            (Inline::Emph(t), n)
        } else if c == '`' {
            let (t, n) = closing(rest, "`")?;
            (Inline::Code(t), n)
        } else if c == '$' {
            let (t, n) = closing(rest, "$")?;
            let mathml =
                math::to_mathml(&t, false).or_else(|e| err(line, format!("in ${t}$: {e}")))?;
            (Inline::Math(mathml), n)
        } else if c == '[' {
            let Some(mid) = rest.find("](") else {
                plain.push(c);
                rest = &rest[1..];
                continue;
            };
            let Some(end) = rest[mid..].find(')') else {
                return err(line, "link '[text](href)' is not closed on this line");
            };
            let text = rest[1..mid].to_string();
            let href = rest[mid + 2..mid + end].to_string();
            (Inline::Link { text, href }, mid + end + 1)
        } else {
            plain.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        flush(&mut plain, &mut out);
        out.push(node);
        rest = &rest[used..];
    }
    flush(&mut plain, &mut out);
    Ok(out)
}

fn bullet(line: &str) -> Option<&str> {
    line.strip_prefix("- ")
}

fn ordered_item(line: &str) -> Option<&str> {
    let digits = line.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    line[digits..].strip_prefix(". ")
}

/// Parses a lesson file.
pub fn parse(source: &str) -> Result<Lesson, LessonError> {
    let lines: Vec<&str> = source.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line_no = i + 1;
        let line = lines[i].trim_end();
        if line.trim().is_empty() {
            i += 1;
            continue;
        }
        if let Some(info) = line.strip_prefix("```") {
            let info = info.trim();
            let start = i;
            i += 1;
            let mut body = Vec::new();
            while i < lines.len() && lines[i].trim_end() != "```" {
                body.push((i + 1, lines[i]));
                i += 1;
            }
            if i == lines.len() {
                return err(line_no, "code fence is not closed");
            }
            i += 1;
            let mut words = info.split_whitespace();
            match words.next() {
                Some("widget") => {
                    let kind = words.next().unwrap_or_default();
                    blocks.push(Block::Widget(widget(kind, &body, start + 1)?));
                }
                Some("exercise") => {
                    let Some(id) = words.next() else {
                        return err(line_no, "an exercise needs an id: ```exercise <id>");
                    };
                    blocks.push(Block::Exercise(exercise_block(id, &body, start + 1)?));
                }
                _ => blocks.push(Block::Code {
                    lang: info.to_string(),
                    text: body.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n"),
                }),
            }
            continue;
        }
        if let Some(rest) = line.trim_start().strip_prefix("$$") {
            // `$$ tex $$` on one line, or `$$` … `$$` over several.
            let tex = if let Some(one) = rest.strip_suffix("$$") {
                i += 1;
                one.to_string()
            } else {
                let mut tex = vec![rest];
                i += 1;
                loop {
                    let Some(l) = lines.get(i) else {
                        return err(line_no, "'$$' is not closed");
                    };
                    i += 1;
                    if let Some(last) = l.trim_end().strip_suffix("$$") {
                        tex.push(last);
                        break;
                    }
                    tex.push(l);
                }
                tex.join(" ")
            };
            let mathml =
                math::to_mathml(tex.trim(), true).or_else(|e| err(line_no, e.to_string()))?;
            blocks.push(Block::Math(mathml));
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if hashes > 0 && line[hashes..].starts_with(' ') {
            if hashes > 3 {
                return err(line_no, "only #, ## and ### headings are supported");
            }
            blocks.push(Block::Heading {
                level: hashes as u8,
                text: parse_inline(line[hashes..].trim(), line_no)?,
            });
            i += 1;
            continue;
        }
        if bullet(line).is_some() || ordered_item(line).is_some() {
            let ordered = bullet(line).is_none();
            let mut items: Vec<(usize, String)> = Vec::new();
            while i < lines.len() && !lines[i].trim().is_empty() {
                let l = lines[i].trim_end();
                let item = if ordered { ordered_item(l) } else { bullet(l) };
                match item {
                    Some(text) => items.push((i + 1, text.to_string())),
                    None if l.starts_with(' ') && !items.is_empty() => {
                        if let Some(last) = items.last_mut() {
                            last.1.push(' ');
                            last.1.push_str(l.trim());
                        }
                    }
                    None => return err(i + 1, "a list item must start with '- ' or '1. '"),
                }
                i += 1;
            }
            let items = items
                .iter()
                .map(|(n, t)| parse_inline(t, *n))
                .collect::<Result<_, _>>()?;
            blocks.push(Block::List { ordered, items });
            continue;
        }
        // A paragraph: lines up to a blank line or the start of another block.
        let mut text = Vec::new();
        while i < lines.len() {
            let l = lines[i].trim();
            if l.is_empty()
                || l.starts_with("```")
                || l.starts_with("$$")
                || l.starts_with("# ")
                || l.starts_with("## ")
                || l.starts_with("### ")
            {
                break;
            }
            text.push(l);
            i += 1;
        }
        blocks.push(Block::Paragraph(parse_inline(&text.join(" "), line_no)?));
    }
    let title = blocks
        .iter()
        .find_map(|b| match b {
            Block::Heading { level: 1, text } => Some(plain_text(text)),
            _ => None,
        })
        .ok_or(LessonError {
            line: 1,
            message: "a lesson needs a '# Title' heading".into(),
        })?;
    let mut seen: Vec<&str> = Vec::new();
    for e in blocks.iter().filter_map(|b| match b {
        Block::Exercise(e) => Some(e),
        _ => None,
    }) {
        if seen.contains(&e.id.as_str()) {
            return err(e.line, format!("exercise id '{}' is used twice", e.id));
        }
        seen.push(&e.id);
    }
    Ok(Lesson { title, blocks })
}

/// `key: value` lines of a directive body.
fn fields(body: &[(usize, &str)]) -> Result<Vec<(usize, String, String)>, LessonError> {
    let mut out = Vec::new();
    for (n, l) in body {
        if l.trim().is_empty() {
            continue;
        }
        let Some((k, v)) = l.split_once(':') else {
            return err(*n, format!("expected 'key: value', got '{}'", l.trim()));
        };
        out.push((*n, k.trim().to_string(), v.trim().to_string()));
    }
    Ok(out)
}

fn widget(kind: &str, body: &[(usize, &str)], line: usize) -> Result<Widget, LessonError> {
    let Some((_, keys)) = WIDGETS.iter().find(|(k, _)| *k == kind) else {
        let known: Vec<&str> = WIDGETS.iter().map(|(k, _)| *k).collect();
        return err(
            line,
            format!("unknown widget kind '{kind}'; known: {}", known.join(", ")),
        );
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for (n, k, v) in fields(body)? {
        if !keys.contains(&k.as_str()) {
            return err(
                n,
                format!(
                    "widget {kind} has no parameter '{k}'; allowed: {}",
                    keys.join(", ")
                ),
            );
        }
        if params.iter().any(|(k2, _)| *k2 == k) {
            return err(n, format!("parameter '{k}' is given twice"));
        }
        params.push((k, v));
    }
    Ok(Widget {
        kind: kind.to_string(),
        params,
        line,
    })
}

fn exercise_block(id: &str, body: &[(usize, &str)], line: usize) -> Result<Exercise, LessonError> {
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return err(
            line,
            format!("exercise id '{id}' may use letters, digits, - and _ only"),
        );
    }
    let fs = fields(body)?;
    const KEYS: &[&str] = &[
        "type",
        "question",
        "answer",
        "unit",
        "tolerance",
        "option",
        "correct",
        "explain",
        "kernel",
        "starter",
        "solution",
        "roof",
        "threshold",
        "hint",
    ];
    for (n, k, _) in &fs {
        if !KEYS.contains(&k.as_str()) {
            return err(
                *n,
                format!("unknown exercise field '{k}'; allowed: {}", KEYS.join(", ")),
            );
        }
        if k != "option" && k != "hint" && fs.iter().filter(|(_, k2, _)| k2 == k).count() > 1 {
            return err(*n, format!("field '{k}' is given twice"));
        }
    }
    let get = |key: &str| {
        fs.iter()
            .find(|(_, k, _)| k == key)
            .map(|(n, _, v)| (*n, v.as_str()))
    };
    let need = |key: &str| {
        get(key).ok_or(LessonError {
            line,
            message: format!("exercise '{id}' needs '{key}:'"),
        })
    };
    let (qn, q) = need("question")?;
    let question = parse_inline(q, qn)?;
    let explain = match get("explain") {
        Some((n, t)) => parse_inline(t, n)?,
        None => Vec::new(),
    };
    let (tn, ty) = need("type")?;
    let call = |n: usize, text: &str| -> Result<(Call, Value), LessonError> {
        let c = exercise::parse_call(text).or_else(|e| err(n, e.to_string()))?;
        let v = exercise::evaluate(&c).or_else(|e| err(n, e.to_string()))?;
        Ok((c, v))
    };
    let kind = match ty {
        "numeric" => {
            let (an, a) = need("answer")?;
            let (answer, value) = call(an, a)?;
            let Value::Number(si) = value else {
                return err(
                    an,
                    format!("{} gives a category, not a number", answer.function),
                );
            };
            let (un, unit) = need("unit")?;
            let Some(scale) = exercise::unit_scale(unit) else {
                return err(un, format!("unknown unit '{unit}'"));
            };
            let (toln, tol) = need("tolerance")?;
            let Some(tolerance) = Tolerance::parse(tol) else {
                return err(toln, format!("tolerance '{tol}' is not like '1%' or '0.5'"));
            };
            let expected = si / scale;
            if !expected.is_finite() {
                return err(an, format!("the answer {expected} is not finite"));
            }
            ExerciseKind::Numeric {
                answer,
                unit: unit.to_string(),
                expected,
                tolerance,
            }
        }
        "choice" => {
            let options = fs
                .iter()
                .filter(|(_, k, _)| k == "option")
                .map(|(n, _, v)| parse_inline(v, *n))
                .collect::<Result<Vec<_>, _>>()?;
            if options.len() < 2 {
                return err(line, "a choice exercise needs at least two 'option:' lines");
            }
            let (cn, c) = need("correct")?;
            let correct = match c.parse::<usize>() {
                Ok(k) if (1..=options.len()).contains(&k) => k - 1,
                _ => {
                    return err(
                        cn,
                        format!("correct must be an option number 1…{}", options.len()),
                    );
                }
            };
            ExerciseKind::Choice { options, correct }
        }
        "classify" => {
            let (an, a) = need("answer")?;
            let (answer, value) = call(an, a)?;
            let Value::Label(expected) = value else {
                return err(
                    an,
                    format!("{} gives a number, not a category", answer.function),
                );
            };
            let labels = exercise::find(&answer.function)
                .and_then(|f| f.labels)
                .unwrap_or(&[]);
            ExerciseKind::Classify {
                answer,
                labels,
                expected,
            }
        }
        "kernel" => ExerciseKind::Kernel(kernel_task(&fs, &need)?),
        other => {
            return err(
                tn,
                format!("unknown exercise type '{other}'; use numeric, choice, classify or kernel"),
            );
        }
    };
    Ok(Exercise {
        id: id.to_string(),
        question,
        kind,
        explain,
        line,
    })
}

/// Looks up a required field of a directive: its line and value, or an error naming it.
type Need<'a> = dyn Fn(&str) -> Result<(usize, &'a str), LessonError> + 'a;

/// The fields of a `type: kernel` exercise, each checked where it is written.
fn kernel_task<'a>(
    fs: &'a [(usize, String, String)],
    need: &Need<'a>,
) -> Result<KernelTask, LessonError> {
    let (kn, family) = need("kernel")?;
    let Some(family) = kernel_exercise::FAMILIES
        .iter()
        .copied()
        .find(|f| *f == family)
    else {
        return err(
            kn,
            format!(
                "unknown kernel '{family}'; known: {}",
                kernel_exercise::FAMILIES.join(", ")
            ),
        );
    };
    let file = |key: &str| -> Result<(&'static str, &'static str), LessonError> {
        let (n, name) = need(key)?;
        content::kernel_source(name).ok_or_else(|| LessonError {
            line: n,
            message: format!(
                "no WGSL file '{name}' among the kernel exercises' files (listed in lessons/src/content.rs)"
            ),
        })
    };
    let (starter_file, starter) = file("starter")?;
    let (solution_file, solution) = file("solution")?;
    let (rn, roof) = need("roof")?;
    let Some(roof) = Roof::parse(roof) else {
        let known: Vec<&str> = Roof::ALL.iter().map(|r| r.id()).collect();
        return err(
            rn,
            format!("unknown roof '{roof}'; known: {}", known.join(", ")),
        );
    };
    let (thn, th) = need("threshold")?;
    let threshold = th
        .strip_suffix('%')
        .and_then(|p| p.trim().parse::<f64>().ok())
        .filter(|p| *p > 0.0 && *p <= 100.0)
        .map(|p| p / 100.0);
    let Some(threshold) = threshold else {
        return err(
            thn,
            format!("threshold '{th}' must be a percentage of the roof above 0% and at most 100%"),
        );
    };
    let hints = fs
        .iter()
        .filter(|(_, k, _)| k == "hint")
        .map(|(n, _, v)| parse_inline(v, *n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(KernelTask {
        family,
        starter_file,
        starter,
        solution_file,
        solution,
        roof,
        threshold,
        hints,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Title with $x^2$

Some *emph*, **strong**, `code` and [a link](/calc/roofline).
Second line.

- one
- two $a$

$$ T = \\frac{B}{W} $$

```widget kv-cache
model: llama-2-70b
tokens: 8192
```

```exercise kv
type: numeric
question: Bytes per token?
answer: kv_cache.bytes_per_token(model=llama-2-70b, tokens=8192)
unit: KB
tolerance: 1%
```

```exercise pick
type: choice
question: Which?
option: A
option: B
correct: 2
```

```exercise cls
type: classify
question: Regime?
answer: roofline.bound(gpu=h100-sxm, ai=10)
```
";

    #[test]
    fn parses_every_block_kind() {
        let l = parse(SAMPLE).unwrap();
        assert_eq!(l.title, "Title with …");
        assert_eq!(
            l.blocks[1],
            Block::Paragraph(vec![
                Inline::Text("Some ".into()),
                Inline::Emph("emph".into()),
                Inline::Text(", ".into()),
                Inline::Strong("strong".into()),
                Inline::Text(", ".into()),
                Inline::Code("code".into()),
                Inline::Text(" and ".into()),
                Inline::Link {
                    text: "a link".into(),
                    href: "/calc/roofline".into()
                },
                Inline::Text(". Second line.".into()),
            ])
        );
        assert!(matches!(&l.blocks[2], Block::List { ordered: false, items } if items.len() == 2));
        assert_eq!(
            l.blocks[3],
            Block::Math(
                "<math display=\"block\"><mrow><mi>T</mi><mo>=</mo><mfrac><mi>B</mi><mi>W</mi></mfrac></mrow></math>"
                    .into()
            )
        );
        let w = l.widgets().next().unwrap();
        assert_eq!(w.kind, "kv-cache");
        assert_eq!(w.line, 11);
        let ex: Vec<_> = l.exercises().collect();
        assert_eq!(ex.len(), 3);
        match &ex[0].kind {
            ExerciseKind::Numeric { expected, .. } => assert!((expected - 327.68).abs() < 1e-9),
            k => panic!("{k:?}"),
        }
        assert_eq!(ex[0].check("327.7"), Verdict::Correct);
        assert!(matches!(ex[0].check("300"), Verdict::Incorrect(_)));
        assert!(matches!(ex[0].check("lots"), Verdict::Unreadable(_)));
        assert_eq!(ex[1].check("1"), Verdict::Correct);
        // The exercise's own unit may follow the number; a decimal comma is explained, never
        // read as a thousands separator (327,7 would otherwise be 3,277 and marked wrong).
        let unit = match &ex[0].kind {
            ExerciseKind::Numeric { unit, .. } => unit.clone(),
            k => panic!("{k:?}"),
        };
        assert_eq!(ex[0].check(&format!("327.7 {unit}")), Verdict::Correct);
        assert_eq!(
            ex[0].check("327,7"),
            Verdict::Unreadable("Use a point for decimals: 327.7.".into())
        );
        // "327,680" is a thousands comma to the parser (327680, wrong); so is a right answer
        // with three decimals written with a comma, which gets the same advice, not "wrong".
        assert!(matches!(ex[0].check("327,680"), Verdict::Unreadable(m) if m.contains("327.680")));
        assert!(matches!(ex[0].check("100,000"), Verdict::Incorrect(_)));
        assert_eq!(
            ex[0].check("327.7 furlongs"),
            Verdict::Unreadable(format!(
                "Type a number in {unit}, such as 2.5 or 2.5 {unit}."
            ))
        );
        assert!(matches!(ex[1].check("0"), Verdict::Incorrect(_)));
        assert_eq!(ex[2].check("memory-bound"), Verdict::Correct);
        assert!(matches!(
            ex[2].check("compute-bound"),
            Verdict::Incorrect(_)
        ));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("# T\n\n```widget kv-cach\n```\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("unknown widget kind 'kv-cach'"), "{e}");
        let e = parse("# T\n\n```widget kv-cache\nmodle: x\n```\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("no parameter 'modle'"), "{e}");
        let e = parse("# T\n\n```exercise a\ntype: numeric\nquestion: q\nanswer: roofline.ridge(gpu=nope)\nunit: FLOP/B\ntolerance: 1%\n```\n").unwrap_err();
        assert_eq!(e.line, 6);
        let e = parse("# T\n\nan *open emphasis\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("# T\n\n$$ \\frac{1} $$\n").unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("# T\n\n```\nnever closed\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(parse("no title\n").is_err());
    }

    const KERNEL: &str = "# T\n\n```exercise copy\ntype: kernel\nquestion: Copy it.\nkernel: stream-copy\nstarter: stream-copy-starter.wgsl\nsolution: stream-copy-solution.wgsl\nroof: copy-bandwidth\nthreshold: 60%\nhint: First hint.\nhint: Second *hint*.\n```\n";

    #[test]
    fn kernel_exercises_parse_and_grade_stored_outcomes() {
        let l = parse(KERNEL).unwrap();
        let ex = l.exercises().next().unwrap();
        let ExerciseKind::Kernel(task) = &ex.kind else {
            panic!("{:?}", ex.kind);
        };
        assert_eq!(task.family, "stream-copy");
        assert_eq!(task.roof, Roof::CopyBandwidth);
        assert!((task.threshold - 0.6).abs() < 1e-12);
        assert_eq!(task.hints.len(), 2);
        assert!(task.starter.contains("TODO"));
        assert_ne!(task.starter, task.solution);
        assert!(matches!(ex.check("not json"), Verdict::Unreadable(_)));
    }

    #[test]
    fn kernel_exercise_typos_name_the_line() {
        for (from, to, line, says) in [
            (
                "kernel: stream-copy",
                "kernel: stream-cpy",
                6,
                "unknown kernel 'stream-cpy'",
            ),
            (
                "starter: stream-copy-starter.wgsl",
                "starter: nope.wgsl",
                7,
                "no WGSL file 'nope.wgsl'",
            ),
            (
                "roof: copy-bandwidth",
                "roof: copy",
                9,
                "unknown roof 'copy'",
            ),
            (
                "threshold: 60%",
                "threshold: 0.6",
                10,
                "must be a percentage",
            ),
            (
                "threshold: 60%",
                "threshold: 160%",
                10,
                "must be a percentage",
            ),
        ] {
            let e = parse(&KERNEL.replace(from, to)).unwrap_err();
            assert_eq!(e.line, line, "{e}");
            assert!(e.message.contains(says), "{e}");
        }
        let e = parse(&KERNEL.replace("roof: copy-bandwidth\n", "")).unwrap_err();
        assert!(e.message.contains("needs 'roof:'"), "{e}");
    }
}

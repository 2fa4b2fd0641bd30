//! A small `--flag value` parser with errors that name the flag, the value and what is allowed.
//!
//! Hand-written rather than a derive framework because every failure must be exactly one line on
//! stderr (a requirement of `lab calc`), and the grammar is tiny: a subcommand, then flags.

use std::collections::BTreeMap;
use std::fmt;

/// Why the command line could not be used. Every message fits on one line.
#[derive(Debug, Clone, PartialEq)]
pub enum ArgError {
    /// A flag that the subcommand does not know.
    UnknownFlag {
        flag: String,
        allowed: Vec<&'static str>,
    },
    /// A flag given without its value.
    MissingValue { flag: String },
    /// A required flag that was not given.
    Missing {
        flag: &'static str,
        what: &'static str,
    },
    /// A value that does not parse or is out of range.
    Invalid {
        flag: &'static str,
        value: String,
        allowed: String,
    },
    /// A positional argument where a flag was expected.
    Unexpected { arg: String },
    /// A flag that means nothing with the others given (it would be ignored).
    Misplaced {
        flag: &'static str,
        goes_with: String,
    },
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArgError::UnknownFlag { flag, allowed } => {
                write!(f, "unknown flag {flag}; allowed: {}", allowed.join(", "))
            }
            ArgError::MissingValue { flag } => write!(f, "{flag} needs a value"),
            ArgError::Missing { flag, what } => write!(f, "missing {flag}: {what}"),
            ArgError::Invalid {
                flag,
                value,
                allowed,
            } => {
                write!(f, "invalid value for {flag}: '{value}'; allowed: {allowed}")
            }
            ArgError::Unexpected { arg } => write!(f, "unexpected argument '{arg}'"),
            ArgError::Misplaced { flag, goes_with } => {
                write!(f, "{flag} would be ignored here: it goes {goes_with}")
            }
        }
    }
}

impl std::error::Error for ArgError {}

/// Parsed flags of one subcommand. Flags without a value (`--json`) are switches.
#[derive(Debug, Default)]
pub struct Flags {
    values: BTreeMap<String, String>,
    switches: Vec<String>,
}

impl Flags {
    /// Parses `args` against the flags a subcommand accepts. `valued` flags take one value;
    /// `switches` take none. Every flag starts with `--`; `--flag=value` is accepted too.
    pub fn parse(
        args: &[String],
        valued: &[&'static str],
        switches: &[&'static str],
    ) -> Result<Flags, ArgError> {
        let allowed = || valued.iter().chain(switches).copied().collect::<Vec<_>>();
        let mut flags = Flags::default();
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            if !arg.starts_with("--") {
                return Err(ArgError::Unexpected { arg: arg.clone() });
            }
            let (name, inline) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (arg.clone(), None),
            };
            if switches.contains(&name.as_str()) && inline.is_none() {
                flags.switches.push(name);
            } else if valued.contains(&name.as_str()) {
                let value = match inline {
                    Some(v) => v,
                    None => it
                        .next()
                        .cloned()
                        .ok_or(ArgError::MissingValue { flag: name.clone() })?,
                };
                flags.values.insert(name, value);
            } else {
                return Err(ArgError::UnknownFlag {
                    flag: name,
                    allowed: allowed(),
                });
            }
        }
        Ok(flags)
    }

    /// The raw value of a flag, if given.
    pub fn get(&self, flag: &str) -> Option<&str> {
        self.values.get(flag).map(String::as_str)
    }

    /// Whether a switch was given.
    pub fn has(&self, switch: &str) -> bool {
        self.switches.iter().any(|s| s == switch)
    }

    /// A number, accepting scientific notation (`7.5e9`) and the suffixes K, M, B/G and T
    /// (powers of 1000), as in `70B` parameters. `None` when the flag was not given.
    pub fn number(&self, flag: &'static str) -> Result<Option<f64>, ArgError> {
        let Some(raw) = self.get(flag) else {
            return Ok(None);
        };
        parse_number(raw)
            .map(Some)
            .ok_or_else(|| ArgError::Invalid {
                flag,
                value: raw.to_string(),
                allowed: "a finite number such as 4096, 7.5e9 or 70B (suffixes K, M, B/G, T)"
                    .into(),
            })
    }

    /// A required number.
    pub fn require_number(&self, flag: &'static str, what: &'static str) -> Result<f64, ArgError> {
        self.number(flag)?.ok_or(ArgError::Missing { flag, what })
    }
}

/// Parses a decimal number with an optional K/M/B/G/T suffix (powers of 1000).
pub fn parse_number(raw: &str) -> Option<f64> {
    let s = raw.trim().replace('_', "");
    let (digits, scale) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1e3),
        'm' | 'M' => (&s[..s.len() - 1], 1e6),
        'b' | 'B' | 'g' | 'G' => (&s[..s.len() - 1], 1e9),
        't' | 'T' => (&s[..s.len() - 1], 1e12),
        _ => (s.as_str(), 1.0),
    };
    let v: f64 = digits.parse().ok()?;
    let v = v * scale;
    v.is_finite().then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn numbers_accept_suffixes_and_scientific_notation() {
        assert_eq!(parse_number("70B"), Some(70e9));
        assert_eq!(parse_number("7.5e9"), Some(7.5e9));
        assert_eq!(parse_number("4K"), Some(4000.0));
        assert_eq!(parse_number("1_000"), Some(1000.0));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number(""), None);
    }

    #[test]
    fn flags_parse_values_switches_and_reject_unknowns() {
        let f = Flags::parse(
            &strings(&["--a", "1", "--json", "--b=2"]),
            &["--a", "--b"],
            &["--json"],
        )
        .unwrap();
        assert_eq!(f.get("--a"), Some("1"));
        assert_eq!(f.get("--b"), Some("2"));
        assert!(f.has("--json"));
        let e = Flags::parse(&strings(&["--c", "1"]), &["--a"], &[]).unwrap_err();
        assert_eq!(e.to_string(), "unknown flag --c; allowed: --a");
        let e = Flags::parse(&strings(&["--a"]), &["--a"], &[]).unwrap_err();
        assert_eq!(e, ArgError::MissingValue { flag: "--a".into() });
        let f = Flags::parse(&strings(&["--a", "x"]), &["--a"], &[]).unwrap();
        let e = f.number("--a").unwrap_err().to_string();
        assert!(e.starts_with("invalid value for --a: 'x'"), "{e}");
        assert!(!e.contains('\n'));
    }
}

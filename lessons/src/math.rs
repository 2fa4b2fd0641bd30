//! A small TeX-subset to MathML converter for lesson formulas, so pages need no script or CDN.
//!
//! Supported: numbers, single-letter identifiers, operators (`+ - = < > ( ) [ ] , / | ! '`),
//! groups `{…}`, sub- and superscripts (`x_i`, `x^2`, `x_i^2`), `\frac{a}{b}`, `\sqrt{x}`, `\hat{x}`,
//! `\text{…}`, `\quad`, Greek letters, `\cdot \times \le \ge \approx \ne \to \infty \sum
//! \ldots` and the operator names `\min \max \log \exp`. Anything else is a [`MathError`], never silently dropped.
//! Output text is escaped, so the MathML is safe to insert as markup.

use thiserror::Error;

/// Why a formula could not be converted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MathError {
    /// A `\command` outside the subset.
    #[error("unknown command \\{0}")]
    UnknownCommand(String),
    /// A `{` without its `}` or a stray `}`.
    #[error("unbalanced braces")]
    Unbalanced,
    /// A command or script with nothing after it.
    #[error("{0} is missing its argument")]
    MissingArgument(String),
    /// A character outside the subset.
    #[error("unsupported character '{0}'")]
    UnsupportedChar(char),
}

/// Converts TeX to a `<math>` element; `display` makes it a block formula.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, MathError> {
    let chars: Vec<char> = tex.chars().collect();
    let mut p = Parser { chars, pos: 0 };
    let row = p.row()?;
    if p.pos < p.chars.len() {
        return Err(MathError::Unbalanced);
    }
    let open = if display {
        "<math display=\"block\">"
    } else {
        "<math>"
    };
    Ok(format!("{open}{}</math>", wrap_row(&row)))
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// One node as a single MathML element (several nodes become an `<mrow>`).
fn wrap_row(nodes: &[String]) -> String {
    if nodes.len() == 1 {
        nodes[0].clone()
    } else {
        format!("<mrow>{}</mrow>", nodes.concat())
    }
}

fn symbol(name: &str) -> Option<(&'static str, &'static str)> {
    let s = match name {
        "alpha" => ("mi", "α"),
        "beta" => ("mi", "β"),
        "gamma" => ("mi", "γ"),
        "delta" => ("mi", "δ"),
        "epsilon" => ("mi", "ε"),
        "eta" => ("mi", "η"),
        "theta" => ("mi", "θ"),
        "lambda" => ("mi", "λ"),
        "mu" => ("mi", "μ"),
        "pi" => ("mi", "π"),
        "rho" => ("mi", "ρ"),
        "sigma" => ("mi", "σ"),
        "tau" => ("mi", "τ"),
        "phi" => ("mi", "φ"),
        "omega" => ("mi", "ω"),
        "Delta" => ("mi", "Δ"),
        "Sigma" => ("mi", "Σ"),
        "Psi" => ("mi", "Ψ"),
        "ell" => ("mi", "ℓ"),
        "psi" => ("mi", "ψ"),
        "cdot" => ("mo", "⋅"),
        "times" => ("mo", "×"),
        "le" | "leq" => ("mo", "≤"),
        "ge" | "geq" => ("mo", "≥"),
        "approx" => ("mo", "≈"),
        "ne" | "neq" => ("mo", "≠"),
        "to" => ("mo", "→"),
        "sum" => ("mo", "∑"),
        "infty" => ("mi", "∞"),
        "ldots" => ("mo", "…"),
        "min" => ("mi", "min"),
        "max" => ("mi", "max"),
        "log" => ("mi", "log"),
        "exp" => ("mi", "exp"),
        _ => return None,
    };
    Some(s)
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    /// Nodes up to a `}` or the end.
    fn row(&mut self) -> Result<Vec<String>, MathError> {
        let mut nodes = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                None | Some('}') => return Ok(nodes),
                Some(_) => {
                    let base = self.atom()?;
                    nodes.push(self.scripts(base)?);
                }
            }
        }
    }

    /// Attaches `_` and `^` scripts to a base.
    fn scripts(&mut self, base: String) -> Result<String, MathError> {
        let (mut sub, mut sup) = (None, None);
        loop {
            self.skip_space();
            match self.peek() {
                Some('_') if sub.is_none() => {
                    self.pos += 1;
                    sub = Some(self.argument("_")?);
                }
                Some('^') if sup.is_none() => {
                    self.pos += 1;
                    sup = Some(self.argument("^")?);
                }
                _ => break,
            }
        }
        Ok(match (sub, sup) {
            (None, None) => base,
            (Some(b), None) => format!("<msub>{base}{b}</msub>"),
            (None, Some(p)) => format!("<msup>{base}{p}</msup>"),
            (Some(b), Some(p)) => format!("<msubsup>{base}{b}{p}</msubsup>"),
        })
    }

    /// One argument: a `{group}` or a single atom.
    fn argument(&mut self, what: &str) -> Result<String, MathError> {
        self.skip_space();
        match self.peek() {
            None | Some('}') | Some('^') | Some('_') => {
                Err(MathError::MissingArgument(what.to_string()))
            }
            Some(_) => self.atom(),
        }
    }

    fn group_text(&mut self, what: &str) -> Result<String, MathError> {
        self.skip_space();
        if self.peek() != Some('{') {
            return Err(MathError::MissingArgument(what.to_string()));
        }
        self.pos += 1;
        let mut depth = 0usize;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => return Ok(text),
                '}' => depth -= 1,
                _ => {}
            }
            text.push(c);
        }
        Err(MathError::Unbalanced)
    }

    fn atom(&mut self) -> Result<String, MathError> {
        let Some(c) = self.peek() else {
            return Err(MathError::Unbalanced);
        };
        self.pos += 1;
        match c {
            '{' => {
                let inner = self.row()?;
                if self.peek() != Some('}') {
                    return Err(MathError::Unbalanced);
                }
                self.pos += 1;
                Ok(wrap_row(&inner))
            }
            '\\' => self.command(),
            c if c.is_ascii_digit() || c == '.' => {
                let mut s = c.to_string();
                while let Some(d) = self.peek() {
                    let separator = d == '.'
                        && self
                            .chars
                            .get(self.pos + 1)
                            .is_some_and(char::is_ascii_digit);
                    if d.is_ascii_digit() || separator {
                        s.push(d);
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                Ok(format!("<mn>{s}</mn>"))
            }
            c if c.is_alphabetic() => Ok(format!("<mi>{c}</mi>")),
            '+' | '-' | '=' | '<' | '>' | '(' | ')' | '[' | ']' | ',' | '/' | '|' | '!' | '\''
            | ':' | ';' => {
                let op = if c == '-' {
                    "−".to_string()
                } else {
                    escape(&c.to_string())
                };
                Ok(format!("<mo>{op}</mo>"))
            }
            other => Err(MathError::UnsupportedChar(other)),
        }
    }

    fn command(&mut self) -> Result<String, MathError> {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphabetic() {
                name.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        if name.is_empty() {
            // `\,` `\;` `\ ` are spacing: a thin space is enough for this subset.
            return match self.peek() {
                Some(',' | ';' | ' ' | '!') => {
                    self.pos += 1;
                    Ok("<mspace width=\"0.2em\"/>".to_string())
                }
                Some('%') => {
                    self.pos += 1;
                    Ok("<mo>%</mo>".to_string())
                }
                Some(c) => Err(MathError::UnsupportedChar(c)),
                None => Err(MathError::MissingArgument("\\".into())),
            };
        }
        match name.as_str() {
            "frac" => {
                let num = self.argument("\\frac")?;
                let den = self.argument("\\frac")?;
                Ok(format!("<mfrac>{num}{den}</mfrac>"))
            }
            "sqrt" => {
                let arg = self.argument("\\sqrt")?;
                Ok(format!("<msqrt>{arg}</msqrt>"))
            }
            "hat" => {
                let arg = self.argument("\\hat")?;
                Ok(format!("<mover accent=\"true\">{arg}<mo>^</mo></mover>"))
            }
            "quad" => Ok("<mspace width=\"1em\"/>".to_string()),
            "text" => {
                let t = self.group_text("\\text")?;
                Ok(format!("<mtext>{}</mtext>", escape(&t)))
            }
            _ => match symbol(&name) {
                Some((tag, text)) => Ok(format!("<{tag}>{text}</{tag}>")),
                None => Err(MathError::UnknownCommand(name)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(tex: &str) -> String {
        to_mathml(tex, false).unwrap()
    }

    #[test]
    fn identifiers_numbers_and_operators() {
        assert_eq!(
            m("x + 2.5 = y"),
            "<math><mrow><mi>x</mi><mo>+</mo><mn>2.5</mn><mo>=</mo><mi>y</mi></mrow></math>"
        );
        assert_eq!(
            m("a - b"),
            "<math><mrow><mi>a</mi><mo>−</mo><mi>b</mi></mrow></math>"
        );
        assert_eq!(
            m("x < 1"),
            "<math><mrow><mi>x</mi><mo>&lt;</mo><mn>1</mn></mrow></math>"
        );
    }

    #[test]
    fn fractions_and_scripts() {
        assert_eq!(
            m(r"\frac{F}{B}"),
            "<math><mfrac><mi>F</mi><mi>B</mi></mfrac></math>"
        );
        assert_eq!(
            m(r"R_{\text{peak}}"),
            "<math><msub><mi>R</mi><mtext>peak</mtext></msub></math>"
        );
        assert_eq!(
            m("x_i^2"),
            "<math><msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup></math>"
        );
        assert_eq!(
            m(r"\alpha^{\gamma + 1}"),
            "<math><msup><mi>α</mi><mrow><mi>γ</mi><mo>+</mo><mn>1</mn></mrow></msup></math>"
        );
    }

    #[test]
    fn display_mode_and_named_operators() {
        assert_eq!(
            to_mathml(r"T = \max(a, b) \cdot 2 \times 3 \le 4", true).unwrap(),
            "<math display=\"block\"><mrow><mi>T</mi><mo>=</mo><mi>max</mi><mo>(</mo><mi>a</mi>\
             <mo>,</mo><mi>b</mi><mo>)</mo><mo>⋅</mo><mn>2</mn><mo>×</mo><mn>3</mn><mo>≤</mo>\
             <mn>4</mn></mrow></math>"
        );
    }

    #[test]
    fn hats_are_accents() {
        assert_eq!(
            m(r"\hat{w}"),
            "<math><mover accent=\"true\"><mi>w</mi><mo>^</mo></mover></math>"
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            m(r"\text{a<b & c}"),
            "<math><mtext>a&lt;b &amp; c</mtext></math>"
        );
    }

    #[test]
    fn errors_are_typed() {
        assert_eq!(
            to_mathml(r"\foo", false),
            Err(MathError::UnknownCommand("foo".into()))
        );
        assert_eq!(to_mathml("{x", false), Err(MathError::Unbalanced));
        assert_eq!(to_mathml("x}", false), Err(MathError::Unbalanced));
        assert_eq!(
            to_mathml(r"\frac{1}", false),
            Err(MathError::MissingArgument("\\frac".into()))
        );
        assert_eq!(
            to_mathml("x^", false),
            Err(MathError::MissingArgument("^".into()))
        );
        assert_eq!(
            to_mathml("x # y", false),
            Err(MathError::UnsupportedChar('#'))
        );
    }
}

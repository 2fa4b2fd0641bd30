//! Reading a number as a person types it, for calculator fields, kernel sizes and exercise
//! answers alike, and writing whole numbers with thousands commas in the same form.
//!
//! Spaces, thin spaces and `_` are ignored anywhere. A comma is read as a thousands separator only
//! where it separates groups of three digits (`1,234,567`). Anything else with a comma is refused
//! rather than guessed at: `4,91` is most likely a decimal comma, and silently reading it as 491
//! would mark a right answer wrong.

use thiserror::Error;

/// Why a typed text is not a number.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum NumberError {
    /// Nothing but spaces.
    #[error("nothing was typed")]
    Empty,
    /// One comma followed by other than three digits: a decimal comma.
    #[error("use a point for decimals ({suggestion})")]
    DecimalComma {
        /// The same text with the comma as a point.
        suggestion: String,
    },
    /// Commas that do not separate groups of three digits.
    #[error("commas may only separate thousands, as in 1,234,567")]
    Grouping,
    /// Not a finite decimal number.
    #[error("not a number")]
    NotANumber,
}

/// Parses `text` (see the module docs for what is accepted).
pub fn parse(text: &str) -> Result<f64, NumberError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '\u{a0}' | '\u{2009}' | '\u{202f}'))
        .collect();
    if cleaned.is_empty() {
        return Err(NumberError::Empty);
    }
    let plain = if cleaned.contains(',') {
        ungroup(&cleaned)?
    } else {
        cleaned
    };
    match plain.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(NumberError::NotANumber),
    }
}

/// Removes thousands commas, checking that they group the integer part in threes.
fn ungroup(s: &str) -> Result<String, NumberError> {
    let sign = s.starts_with(['+', '-']) as usize;
    // The integer part runs up to a decimal point or an exponent.
    let end = s.find(['.', 'e', 'E']).unwrap_or(s.len());
    let (int, rest) = s[sign..].split_at(end - sign);
    if rest.contains(',') {
        return Err(NumberError::Grouping);
    }
    let groups: Vec<&str> = int.split(',').collect();
    let digits = |g: &str| g.chars().all(|c| c.is_ascii_digit());
    let first_ok = (1..=3).contains(&groups[0].len()) && digits(groups[0]);
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3 && digits(g));
    if first_ok && rest_ok {
        return Ok(format!("{}{}{rest}", &s[..sign], groups.concat()));
    }
    let decimal = groups.len() == 2
        && rest.is_empty()
        && !groups[0].is_empty()
        && !groups[1].is_empty()
        && groups.iter().all(|g| digits(g));
    if decimal {
        Err(NumberError::DecimalComma {
            suggestion: format!("{}{}.{}", &s[..sign], groups[0], groups[1]),
        })
    } else {
        Err(NumberError::Grouping)
    }
}

/// Digits with a comma before every group of three from the right (`2684354560` →
/// `2,684,354,560`): how the app and the CLI print whole numbers.
pub fn group_thousands(digits: &str) -> String {
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_grouped_numbers() {
        assert_eq!(parse("4.91"), Ok(4.91));
        assert_eq!(parse(" -2.5e3 "), Ok(-2500.0));
        assert_eq!(parse("1,234.5"), Ok(1234.5));
        assert_eq!(parse("-1,048,576"), Ok(-1_048_576.0));
        assert_eq!(parse("12 345"), Ok(12345.0));
        assert_eq!(parse("1_000"), Ok(1000.0));
        assert_eq!(parse("1,000e3"), Ok(1e6));
    }

    #[test]
    fn commas_that_are_not_thousands_are_refused() {
        assert_eq!(
            parse("4,91"),
            Err(NumberError::DecimalComma {
                suggestion: "4.91".into()
            })
        );
        assert_eq!(
            parse("-0,5"),
            Err(NumberError::DecimalComma {
                suggestion: "-0.5".into()
            })
        );
        assert_eq!(
            parse("1,2345"),
            Err(NumberError::DecimalComma {
                suggestion: "1.2345".into()
            })
        );
        assert_eq!(parse("12,34,567"), Err(NumberError::Grouping));
        assert_eq!(parse("1,234,5"), Err(NumberError::Grouping));
        assert_eq!(parse("1.5,000"), Err(NumberError::Grouping));
        assert_eq!(parse(",5"), Err(NumberError::Grouping));
        assert_eq!(
            parse("4,91").unwrap_err().to_string(),
            "use a point for decimals (4.91)"
        );
    }

    #[test]
    fn thousands_are_grouped_and_read_back() {
        assert_eq!(group_thousands("7"), "7");
        assert_eq!(group_thousands("1024"), "1,024");
        assert_eq!(group_thousands("2684354560"), "2,684,354,560");
        assert_eq!(parse(&group_thousands("2684354560")), Ok(2_684_354_560.0));
    }

    #[test]
    fn nothing_and_non_numbers() {
        assert_eq!(parse("  "), Err(NumberError::Empty));
        assert_eq!(parse("abc"), Err(NumberError::NotANumber));
        assert_eq!(parse("inf"), Err(NumberError::NotANumber));
        assert_eq!(parse("NaN"), Err(NumberError::NotANumber));
        assert_eq!(parse("1e999"), Err(NumberError::NotANumber));
        assert_eq!(parse("4.91 ms"), Err(NumberError::NotANumber));
    }
}

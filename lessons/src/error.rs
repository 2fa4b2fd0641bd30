//! The one error type of the `lessons` crate, and the small validation helpers every model uses.
//!
//! Messages name the field, the value that was given and what is allowed, so the browser and the
//! CLI can show them as they are ("kv_heads must be a positive integer, got 0").

use thiserror::Error;

/// Why a model could not be evaluated. Every message is one line.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A field whose value is outside what the model allows.
    #[error("{field} must be {allowed}, got {value}")]
    Invalid {
        /// The input field, as named in the input struct (`kv_heads`, `acceptance`, …).
        field: &'static str,
        /// The offending value, formatted.
        value: String,
        /// What the field accepts, in words.
        allowed: String,
    },
    /// A preset id that is not in the table.
    #[error("unknown {kind} '{id}'; allowed: {allowed}")]
    UnknownPreset {
        /// `gpu` or `model`.
        kind: &'static str,
        /// The id that was asked for.
        id: String,
        /// Every known id, comma-separated.
        allowed: String,
    },
    /// A result past what an f64 holds, from inputs that are each finite.
    #[error(
        "{what} comes out beyond what a number can hold; the inputs are too large or too small"
    )]
    OutOfRange {
        /// Which result.
        what: &'static str,
    },
    /// An exact byte count that does not fit in 64 bits (more than 18 exabytes).
    #[error("{what} does not fit in a 64-bit byte count; the inputs are too large")]
    Overflow {
        /// Which quantity overflowed.
        what: &'static str,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;

pub(crate) fn invalid(field: &'static str, value: impl ToString, allowed: &str) -> ModelError {
    ModelError::Invalid {
        field,
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

/// `value` must be at least 1.
pub(crate) fn positive_int(field: &'static str, value: u64) -> Result<u64> {
    if value == 0 {
        Err(invalid(field, value, "a positive integer"))
    } else {
        Ok(value)
    }
}

/// `value` must be finite and strictly positive.
pub(crate) fn positive(field: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "a finite number greater than 0"))
    }
}

/// `value` must be finite and not negative.
pub(crate) fn non_negative(field: &'static str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "a finite number of at least 0"))
    }
}

/// An exact product that must fit in `u64` bytes.
pub(crate) fn to_u64(what: &'static str, value: u128) -> Result<u64> {
    u64::try_from(value).map_err(|_| ModelError::Overflow { what })
}

/// `a * b` in `u128`, reporting overflow by name rather than wrapping.
pub(crate) fn mul(what: &'static str, a: u128, b: u128) -> Result<u128> {
    a.checked_mul(b).ok_or(ModelError::Overflow { what })
}

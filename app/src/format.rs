//! Number formatting for the UI: every number leaves here with its unit.

/// Seconds with a unit that keeps about three significant digits (s, ms, µs, ns).
pub fn seconds(s: f64) -> String {
    if !s.is_finite() {
        return "—".into();
    }
    let (v, unit) = if s >= 1.0 {
        (s, "s")
    } else if s >= 1e-3 {
        (s * 1e3, "ms")
    } else if s >= 1e-6 {
        (s * 1e6, "µs")
    } else {
        (s * 1e9, "ns")
    };
    format!("{} {unit}", sig3(v))
}

/// A rate in units of 10⁹ per second (`GB/s`, `GFLOP/s`), switching to T above 1000.
pub fn giga_rate(g: f64, unit: &str) -> String {
    if !g.is_finite() {
        return "—".into();
    }
    if g >= 1000.0 {
        format!("{} T{unit}/s", sig3(g / 1000.0))
    } else {
        format!("{} G{unit}/s", sig3(g))
    }
}

/// Three significant digits without scientific notation for everyday magnitudes.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_always_attached() {
        assert_eq!(seconds(2.5), "2.50 s");
        assert_eq!(seconds(0.0123), "12.3 ms");
        assert_eq!(seconds(4.56e-5), "45.6 µs");
        assert_eq!(seconds(3e-9), "3.00 ns");
        assert_eq!(giga_rate(512.0, "B"), "512 GB/s");
        assert_eq!(giga_rate(2976.0, "B"), "2.98 TB/s");
        assert_eq!(giga_rate(0.91, "FLOP"), "0.91 GFLOP/s");
        assert_eq!(seconds(f64::NAN), "—");
    }
}

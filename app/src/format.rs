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

/// A byte count in decimal units (B, kB, MB, GB, TB), as GPU datasheets quote memory.
pub fn bytes(b: f64) -> String {
    if !b.is_finite() {
        return "—".into();
    }
    const UNITS: [&str; 6] = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = b;
    let mut unit = 0;
    while v.abs() >= 1000.0 && unit < UNITS.len() - 1 {
        v /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{v:.0} B")
    } else {
        format!("{} {}", sig3(v), UNITS[unit])
    }
}

/// FLOP/s given in FLOP/s (not giga), with G/T/P prefixes.
pub fn flops(f: f64) -> String {
    if f.is_finite() && f >= 1e15 {
        format!("{} PFLOP/s", sig3(f / 1e15))
    } else {
        giga_rate(f / 1e9, "FLOP")
    }
}

/// Bytes/s given in bytes/s, with G/T prefixes.
pub fn bandwidth(b: f64) -> String {
    giga_rate(b / 1e9, "B")
}

/// A plain number with about three significant digits (large values get thousands separators).
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "—".into();
    }
    if v.abs() >= 1e4 {
        let out = lessons::number::group_thousands(&format!("{:.0}", v.abs()));
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        sig3(v)
    }
}

/// A whole number, every digit, with thousands separators (`1`, `1,024`, `1,048,576`).
pub fn int(v: u64) -> String {
    lessons::number::group_thousands(&v.to_string())
}

/// A number as someone typed it, for messages: as written for everyday magnitudes, in
/// scientific notation past them (`1e308`, not 309 digits).
pub fn typed(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || (1e-6..1e15).contains(&a) || !a.is_finite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A fraction as a percentage.
pub fn percent(f: f64) -> String {
    if !f.is_finite() {
        return "—".into();
    }
    format!("{}%", sig3(f * 100.0))
}

/// Three significant digits without scientific notation for everyday magnitudes.
fn sig3(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.1 || a == 0.0 {
        format!("{v:.2}")
    } else if a >= 0.01 {
        format!("{v:.3}")
    } else {
        format!("{v:.2e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_and_typed_numbers() {
        assert_eq!(int(1), "1");
        assert_eq!(int(1024), "1,024");
        assert_eq!(int(1 << 20), "1,048,576");
        assert_eq!(typed(2.5), "2.5");
        assert_eq!(typed(-3.0), "-3");
        assert_eq!(typed(1e308), "1e308");
        assert_eq!(typed(1e-320), "1e-320");
    }

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
        assert_eq!(bytes(80e9), "80.0 GB");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(flops(989e12), "989 TFLOP/s");
        assert_eq!(bandwidth(3.35e12), "3.35 TB/s");
        assert_eq!(num(1234567.0), "1,234,567");
        assert_eq!(num(2.5), "2.50");
        assert_eq!(percent(0.5), "50.0%");
    }
}

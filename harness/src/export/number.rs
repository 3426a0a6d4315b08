//! Number formatting shared by the exporters: values with SI prefixes and their unit, signed percentages.

/// `0.0012, "J"` → `1.20 mJ`; about three significant digits; `ops/s` is never prefixed.
pub fn si(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return format!("{value} {unit}");
    }
    let (scale, prefix) = if unit == "ops/s" {
        (1.0, "")
    } else {
        si_scale(value)
    };
    let scaled = value / scale;
    let decimals = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.decimals$} {prefix}{unit}")
}

/// The SI prefix to show `typical` with: `(factor, prefix)` so that `typical / factor` lies in `[1, 1000)`.
pub fn si_scale(typical: f64) -> (f64, &'static str) {
    let prefixes: &[(f64, &str)] = &[
        (1e9, "G"),
        (1e6, "M"),
        (1e3, "k"),
        (1.0, ""),
        (1e-3, "m"),
        (1e-6, "µ"),
        (1e-9, "n"),
    ];
    let m = typical.abs();
    if m == 0.0 || !m.is_finite() {
        return (1.0, "");
    }
    prefixes
        .iter()
        .copied()
        .find(|(s, _)| m >= *s)
        .unwrap_or((1e-9, "n"))
}

/// `0.0512` → `+5.1%`.
pub fn percent(fraction: f64) -> String {
    format!("{:+.1}%", fraction * 100.0)
}

/// `(−0.01, 0.03)` → `[−1.0%, +3.0%]`.
pub fn interval(lower: f64, upper: f64) -> String {
    format!("[{}, {}]", percent(lower), percent(upper))
}

/// A p-value: `<0.0001` below that, else four decimals.
pub fn p_value(p: f64) -> String {
    if p < 1e-4 {
        "<0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_prefixes() {
        assert_eq!(si(0.0012, "J"), "1.20 mJ");
        assert_eq!(si(0.000_8, "s"), "800 µs");
        assert_eq!(si(1200.0, "ops/s"), "1200 ops/s");
        assert_eq!(si(150.0, "ops/s"), "150 ops/s");
        assert_eq!(si(0.0, "J"), "0.00 J");
        assert_eq!(si(12.5, "s"), "12.5 s");
    }

    #[test]
    fn percentages_are_signed() {
        assert_eq!(percent(0.0512), "+5.1%");
        assert_eq!(percent(-0.1), "-10.0%");
        assert_eq!(interval(-0.01, 0.03), "[-1.0%, +3.0%]");
        assert_eq!(p_value(0.00001), "<0.0001");
        assert_eq!(p_value(0.25), "0.2500");
    }
}

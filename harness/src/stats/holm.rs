//! Holm–Bonferroni step-down adjustment (Holm 1979).
//!
//! Sort the m p-values ascending, `p₍₁₎ ≤ … ≤ p₍ₘ₎`; the adjusted value of the i-th is
//! `max_{j ≤ i} min(1, (m − j + 1)·p₍ⱼ₎)`. Rejecting where the adjusted value is below α keeps the probability of any
//! false alarm across the whole family at most α, for any dependence between the tests. With six metrics per workload
//! a naive per-metric test at α = 0.01 would alarm on up to 6 % of clean workloads; Holm keeps it at 1 % overall.

/// Adjusted p-values, in the same order as `p_values`. NaN inputs are treated as 1.
pub fn holm_adjust(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let clean = |p: f64| if p.is_nan() { 1.0 } else { p.clamp(0.0, 1.0) };
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| {
        clean(p_values[a])
            .total_cmp(&clean(p_values[b]))
            .then(a.cmp(&b))
    });
    let mut adjusted = vec![1.0; m];
    let mut running_max: f64 = 0.0;
    for (rank, &idx) in order.iter().enumerate() {
        let scaled = ((m - rank) as f64 * clean(p_values[idx])).min(1.0);
        running_max = running_max.max(scaled);
        adjusted[idx] = running_max;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_textbook_example() {
        // m = 4: sorted 0.01, 0.02, 0.03, 0.04 → 0.04, 0.06, 0.06, 0.06 (R: p.adjust(c(0.01,0.04,0.03,0.02), "holm")).
        let adj = holm_adjust(&[0.01, 0.04, 0.03, 0.02]);
        let expected = [0.04, 0.06, 0.06, 0.06];
        for (a, e) in adj.iter().zip(expected) {
            assert!((a - e).abs() < 1e-12, "{adj:?}");
        }
    }

    #[test]
    fn caps_at_one_and_keeps_a_single_p_value() {
        assert_eq!(holm_adjust(&[0.5, 0.6]), vec![1.0, 1.0]);
        assert_eq!(holm_adjust(&[0.003]), vec![0.003]);
        assert!(holm_adjust(&[]).is_empty());
    }

    #[test]
    fn never_decreases_a_p_value() {
        let p = [0.001, 0.2, 0.0004, 0.05, 0.9];
        for (raw, adj) in p.iter().zip(holm_adjust(&p)) {
            assert!(adj >= *raw);
        }
    }
}

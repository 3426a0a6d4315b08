//! A comparison as a Markdown PR comment: one summary line with the overall verdict, warnings, a table per workload,
//! and the statistical details (p-values, sample sizes, reasons) collapsed in `<details>`.

use super::number::{interval, p_value, percent, si};
use crate::compare::{Comparison, MetricComparison, Verdict};
use std::fmt::Write as _;

fn badge(v: Verdict) -> &'static str {
    match v {
        Verdict::Regressed => "🔴 regressed",
        Verdict::Improved => "🟢 improved",
        Verdict::Unchanged => "⚪ unchanged",
        Verdict::Inconclusive => "🟡 inconclusive",
    }
}

/// The badge plus what the test could have seen: `⚪ unchanged (could detect ≥ 2.4 %)`.
fn badge_with_mdc(m: &MetricComparison) -> String {
    match m.minimum_detectable_change {
        Some(mdc) => format!("{} (could detect ≥ {:.1} %)", badge(m.verdict), mdc * 100.0),
        None => badge(m.verdict).to_string(),
    }
}

fn side_line(label: &str, s: &crate::compare::Side) -> String {
    let commit = s
        .git_commit
        .as_deref()
        .map(|c| c.chars().take(12).collect::<String>())
        .unwrap_or_else(|| "no git".into());
    format!(
        "**{label}** `{}` (run `{}`, commit `{commit}`, {})",
        s.label, s.run_id, s.hostname
    )
}

fn value(m: &MetricComparison, v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |x| si(x, m.unit))
}

/// The PR comment, UTF-8.
pub fn render(c: &Comparison) -> Vec<u8> {
    let [reg, imp, unch, inc] = c.counts();
    let mut out = String::new();
    let _ = writeln!(out, "### carbon-harness: {}", badge(c.verdict));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{reg} regressed · {imp} improved · {unch} unchanged · {inc} inconclusive across {} workload(s)",
        c.workloads.len()
    );
    let _ = writeln!(out);
    for w in &c.warnings {
        let _ = writeln!(out, "> ⚠️ {w}");
    }
    if !c.warnings.is_empty() {
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "{}  \n{}",
        side_line("base", &c.base),
        side_line("candidate", &c.candidate)
    );
    let _ = writeln!(out);
    let conf = c.settings.alpha.confidence() * 100.0;
    for w in &c.workloads {
        let _ = writeln!(out, "#### `{}`: {}", w.name, badge(w.verdict));
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "| metric | base | candidate | change | {conf:.0}% interval | verdict |"
        );
        let _ = writeln!(out, "|---|--:|--:|--:|--:|---|");
        for m in &w.metrics {
            let (change, ci) = m.change.map_or(("—".into(), "—".into()), |ch| {
                (percent(ch.relative), interval(ch.lower, ch.upper))
            });
            let _ = writeln!(
                out,
                "| {} | {} | {} | {change} | {ci} | {} |",
                m.metric.label(),
                value(m, m.base_mean),
                value(m, m.candidate_mean),
                badge_with_mdc(m)
            );
        }
        let _ = writeln!(out);
    }
    for (which, names) in [
        ("base", &c.only_in_base),
        ("candidate", &c.only_in_candidate),
    ] {
        if !names.is_empty() {
            let list: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
            let _ = writeln!(
                out,
                "Only in the {which} (not compared): {}",
                list.join(", ")
            );
            let _ = writeln!(out);
        }
    }
    details(&mut out, c);
    out.into_bytes()
}

fn details(out: &mut String, c: &Comparison) {
    let t = &c.settings.thresholds;
    let paired = c
        .workloads
        .iter()
        .any(|w| w.method == crate::compare::TestMethod::Paired);
    let band = |m: crate::compare::Metric| {
        percent(t.for_metric(m, paired))
            .trim_start_matches('+')
            .to_string()
    };
    let _ = writeln!(out, "<details><summary>Statistical details</summary>");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Welch's t-test on log values per metric, with a drift-aware (Newey–West) variance of the mean (a paired t-test on the per-pair log ratios for interleaved `harness ab` pairs); energy and emissions per op are the attributable energy when both runs have it; \"could detect\" is the smallest worsening the test would flag with 80 % probability at this noise and sample size; p-values adjusted with Holm–Bonferroni across all tested metrics; alpha {}; noise thresholds: energy {}, emissions {}, latency {}, throughput {}. A change counts only when it is significant and its whole interval lies beyond the threshold.",
        c.settings.alpha,
        band(crate::compare::Metric::EnergyPerOp),
        band(crate::compare::Metric::EmissionsPerOp),
        {
            let (p50, tail) = (
                band(crate::compare::Metric::LatencyP50),
                band(crate::compare::Metric::LatencyP99),
            );
            if p50 == tail {
                p50
            } else {
                format!("{p50} (p95 and p99: {tail})")
            }
        },
        band(crate::compare::Metric::Throughput),
    );
    let _ = writeln!(out);
    if c.workloads
        .iter()
        .flat_map(|w| &w.metrics)
        .any(|m| m.metric == crate::compare::Metric::Sci)
    {
        let _ = writeln!(
            out,
            "SCI / op is the Software Carbon Intensity (ISO/IEC 21031): (E × I + M) per R, with R = one successful operation of the workload and M the embodied emissions of the machine's share; compared only when both runs used the same embodied inputs."
        );
        let _ = writeln!(out);
    }
    if c.workloads
        .iter()
        .any(|w| w.method == crate::compare::TestMethod::Deterministic)
    {
        let _ = writeln!(
            out,
            "Counted workloads (`--meter instructions`): no test, instruction counts are deterministic; the change of the means is held against the instructions band {} (also for the energy estimate from the counts); latency and throughput measured under Valgrind are not compared.",
            band(crate::compare::Metric::InstructionsPerOp),
        );
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "| workload | metric | n base | n candidate | p | p adjusted | reason |"
    );
    let _ = writeln!(out, "|---|---|--:|--:|--:|--:|---|");
    for w in &c.workloads {
        for m in &w.metrics {
            let p = |v: Option<f64>| v.map_or_else(|| "—".to_string(), p_value);
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} | {} |",
                w.name,
                m.metric.key(),
                m.base_n,
                m.candidate_n,
                p(m.p_value),
                p(m.p_adjusted),
                m.reason.replace('|', "\\|")
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "</details>");
}

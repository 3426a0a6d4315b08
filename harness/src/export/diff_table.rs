//! A comparison as a terminal table (tabled). Colour and arrows are opt-in: the command turns them on only when stdout
//! is a terminal and `NO_COLOR` is unset, so pipes and CI logs get plain text.

use super::number::{interval, percent, si};
use crate::compare::{Comparison, Verdict};
use std::fmt::Write as _;
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct Row {
    workload: String,
    metric: String,
    base: String,
    candidate: String,
    change: String,
    #[tabled(rename = "interval")]
    ci: String,
    verdict: String,
}

fn paint(text: &str, v: Verdict, colour: bool) -> String {
    if !colour {
        return text.to_string();
    }
    let code = match v {
        Verdict::Regressed => "1;31",
        Verdict::Improved => "1;32",
        Verdict::Unchanged => "2",
        Verdict::Inconclusive => "33",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn arrow(relative: f64, colour: bool) -> &'static str {
    match (colour, relative) {
        (false, _) => "",
        (true, r) if r > 0.0 => "↑ ",
        (true, r) if r < 0.0 => "↓ ",
        _ => "= ",
    }
}

/// Warnings, the table and a summary line, UTF-8.
pub fn render(c: &Comparison, colour: bool) -> Vec<u8> {
    let mut out = String::new();
    for w in &c.warnings {
        let _ = writeln!(
            out,
            "{}",
            paint(&format!("WARNING: {w}"), Verdict::Inconclusive, colour)
        );
    }
    let rows: Vec<Row> = c
        .workloads
        .iter()
        .flat_map(|w| w.metrics.iter().map(move |m| (w, m)))
        .map(|(w, m)| {
            let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| si(x, m.unit));
            let (change, ci) = m.change.map_or(("-".into(), "-".into()), |ch| {
                (
                    format!("{}{}", arrow(ch.relative, colour), percent(ch.relative)),
                    interval(ch.lower, ch.upper),
                )
            });
            Row {
                workload: w.name.clone(),
                metric: m.metric.label().to_string(),
                base: fmt(m.base_mean),
                candidate: fmt(m.candidate_mean),
                change,
                ci,
                verdict: paint(&m.verdict_text(), m.verdict, colour),
            }
        })
        .collect();
    let _ = writeln!(out, "{}", Table::new(&rows).with(Style::modern()));
    for (which, names) in [
        ("base", &c.only_in_base),
        ("candidate", &c.only_in_candidate),
    ] {
        if !names.is_empty() {
            let _ = writeln!(
                out,
                "only in the {which} (not compared): {}",
                names.join(", ")
            );
        }
    }
    let [reg, imp, unch, inc] = c.counts();
    let summary = format!(
        "overall: {} ({reg} regressed, {imp} improved, {unch} unchanged, {inc} inconclusive; alpha {}, {:.0}% intervals)",
        c.verdict,
        c.settings.alpha,
        c.settings.alpha.confidence() * 100.0
    );
    let _ = writeln!(out, "{}", paint(&summary, c.verdict, colour));
    out.into_bytes()
}

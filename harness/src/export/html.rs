//! A self-contained HTML report (`harness report`): inline CSS and inline SVG charts drawn with plotters' SVG backend,
//! no scripts, no external resources, so it can be attached to a CI run or opened offline.
//!
//! Per workload: the latency distribution over repetitions (p50/p95/p99 of every repetition, base and candidate side
//! by side), and energy and emissions per op as the mean with a whisker for the `1 − alpha` Student-t interval of the
//! mean, and SCI per op when the run has it. A per-op table gives each workload's energy, emissions and SCI, with the
//! `{min, max}` band of model-meter estimates as a range, and states the functional unit R. With a baseline, the
//! verdict table of the comparison comes first.

use super::number::{interval, p_value, percent, si, si_scale};
use crate::compare::{Comparison, Metric};
use crate::record::schema::{RepetitionSample, RunResult, WorkloadResult};
use crate::stats::Sample;
use plotters::prelude::*;
use std::fmt::Write as _;

/// Drawing a chart failed (plotters needs a system font for labels).
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot draw the {chart} chart: {message} (labels need a system font: install fonts-dejavu-core or any TrueType font)"
)]
pub struct ChartError {
    chart: String,
    message: String,
}

/// What the report shows: a run, optionally with its baseline and their comparison.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub run: &'a RunResult,
    pub run_label: &'a str,
    pub baseline: Option<(&'a RunResult, &'a Comparison)>,
    /// Interval level for the whiskers: confidence `1 − alpha`.
    pub alpha: f64,
}

const BASE_COLOUR: RGBColor = RGBColor(0x55, 0x7a, 0x95);
const CAND_COLOUR: RGBColor = RGBColor(0xd9, 0x7b, 0x29);
const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
td:first-child,th:first-child,td.l{text-align:left}.regressed{color:#b00;font-weight:bold}.improved{color:#070;font-weight:bold}\
.inconclusive{color:#a60}.unchanged{color:#666}.warn{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em;margin:.3em 0}\
.charts{display:flex;flex-wrap:wrap;gap:1em}.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle}";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The whole page, UTF-8.
pub fn render(input: &ReportInput<'_>) -> Result<Vec<u8>, ChartError> {
    let run = input.run;
    let mut h = String::new();
    let title = format!("carbon-harness report: {}", run.run_id);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&title));
    header(&mut h, input);
    per_op_table(&mut h, run);
    if let Some((_, comparison)) = input.baseline {
        verdicts(&mut h, comparison);
    }
    let _ = writeln!(
        h,
        "<h2>Charts</h2><p class=\"legend\">{}<span style=\"background:#d97b29\"></span>candidate <code>{}</code>. Whiskers: {:.0}% interval of the mean.</p>",
        input.baseline.map_or(String::new(), |(b, _)| format!(
            "<span style=\"background:#557a95\"></span>base <code>{}</code>",
            esc(&b.run_id)
        )),
        esc(&run.run_id),
        (1.0 - input.alpha) * 100.0
    );
    for w in &run.workloads {
        let base = input
            .baseline
            .and_then(|(b, _)| b.workloads.iter().find(|bw| bw.name == w.name));
        let _ = writeln!(
            h,
            "<h3><code>{}</code></h3><div class=\"charts\">",
            esc(&w.name)
        );
        h.push_str(&latency_chart(w, base)?);
        for metric in [Metric::EnergyPerOp, Metric::EmissionsPerOp, Metric::Sci] {
            if metric.recorded_in(&w.repetitions) {
                h.push_str(&whisker_chart(w, base, metric, input.alpha)?);
            }
        }
        h.push_str("</div>\n");
    }
    h.push_str("</body></html>\n");
    Ok(h.into_bytes())
}

fn header(h: &mut String, input: &ReportInput<'_>) {
    let run = input.run;
    let meters: Vec<&str> = run
        .meters
        .iter()
        .filter(|m| m.used)
        .map(|m| m.source.as_str())
        .collect();
    let _ = writeln!(
        h,
        "<p>Run <code>{}</code> ({}), commit <code>{}</code>, started {}, machine {} ({}), meters [{}], intensity {} {} gCO2e/kWh.</p>",
        esc(&run.run_id),
        esc(input.run_label),
        esc(run.git.commit.as_deref().unwrap_or("none")),
        esc(&run.started_at),
        esc(&run.machine.hostname),
        esc(&run.machine.cpu_model),
        esc(&meters.join(", ")),
        esc(&run.intensity.source),
        run.intensity.intensity_g_per_kwh
    );
    let comparison_warnings = input
        .baseline
        .map(|(_, c)| c.warnings.as_slice())
        .unwrap_or_default();
    for w in run.warnings.iter().chain(comparison_warnings) {
        let _ = writeln!(h, "<div class=\"warn\">⚠️ {}</div>", esc(w));
    }
}

/// Per workload: energy, emissions and SCI per op (ranges for estimates), then the functional unit and SCI inputs.
fn per_op_table(h: &mut String, run: &RunResult) {
    use super::table::{ranged, sci_note};
    h.push_str("<h2>Per operation</h2><table><tr><th>workload</th><th>energy J/op</th><th>emissions gCO2e/op</th><th>SCI gCO2e/op</th><th>embodied gCO2e/op</th><th>meter</th></tr>\n");
    for w in &run.workloads {
        let opt = |v: Option<f64>, b| v.map_or_else(|| "—".to_string(), |v| ranged(v, b));
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"l\">{}</td></tr>",
            esc(&w.name),
            ranged(w.energy_j_per_op, w.sci.energy_j_per_op_bounds),
            ranged(w.emissions_g_per_op, w.sci.emissions_g_per_op_bounds),
            opt(w.sci.sci_g_per_op, w.sci.sci_g_per_op_bounds),
            opt(w.sci.embodied_g_per_op, None),
            esc(&w.energy_source)
        );
    }
    h.push_str("</table>\n");
    if let Some(note) = sci_note(run) {
        let _ = writeln!(h, "<p>{}</p>", esc(&note));
    }
}

fn verdicts(h: &mut String, c: &Comparison) {
    let [reg, imp, unch, inc] = c.counts();
    let _ = writeln!(
        h,
        "<h2>Verdict: <span class=\"{v}\">{v}</span></h2><p>Against <code>{}</code> (run <code>{}</code>): {reg} regressed, {imp} improved, {unch} unchanged, {inc} inconclusive. Welch's t-test on logs, Holm–Bonferroni adjusted, alpha {}.</p>",
        esc(&c.base.label),
        esc(&c.base.run_id),
        c.settings.alpha,
        v = c.verdict
    );
    h.push_str("<table><tr><th>workload</th><th>metric</th><th>base</th><th>candidate</th><th>change</th><th>interval</th><th>p adjusted</th><th>verdict</th><th>reason</th></tr>\n");
    for w in &c.workloads {
        for m in &w.metrics {
            let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_string(), |x| si(x, m.unit));
            let (change, ci) = m.change.map_or(("—".into(), "—".into()), |ch| {
                (percent(ch.relative), interval(ch.lower, ch.upper))
            });
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td class=\"l\">{}</td><td>{}</td><td>{}</td><td>{change}</td><td>{ci}</td><td>{}</td><td class=\"{v} l\">{}</td><td class=\"l\">{}</td></tr>",
                esc(&w.name),
                m.metric.label(),
                fmt(m.base_mean),
                fmt(m.candidate_mean),
                m.p_adjusted.map_or_else(|| "—".to_string(), p_value),
                esc(&m.verdict_text()),
                esc(&m.reason),
                v = m.verdict
            );
        }
    }
    h.push_str("</table>\n");
    for (which, names) in [
        ("base", &c.only_in_base),
        ("candidate", &c.only_in_candidate),
    ] {
        if !names.is_empty() {
            let _ = writeln!(
                h,
                "<p>Only in the {which} (not compared): {}</p>",
                esc(&names.join(", "))
            );
        }
    }
}

fn chart_err(chart: &str) -> impl Fn(String) -> ChartError + '_ {
    move |message| ChartError {
        chart: chart.to_string(),
        message,
    }
}

/// Per-repetition p50/p95/p99, base (left) and candidate (right) of each quantile.
fn latency_chart(
    cand: &WorkloadResult,
    base: Option<&WorkloadResult>,
) -> Result<String, ChartError> {
    let quantiles = [
        ("p50", Metric::LatencyP50),
        ("p95", Metric::LatencyP95),
        ("p99", Metric::LatencyP99),
    ];
    let mut points: Vec<(f64, f64, RGBColor)> = Vec::new();
    for (i, (_, q)) in quantiles.iter().enumerate() {
        for (side, reps, colour) in [
            (-0.15, base.map(|b| b.repetitions.as_slice()), BASE_COLOUR),
            (0.15, Some(cand.repetitions.as_slice()), CAND_COLOUR),
        ] {
            for r in reps.unwrap_or_default() {
                let v = q.of(r);
                if v.is_finite() {
                    points.push((i as f64 + side, v, colour));
                }
            }
        }
    }
    let max = points.iter().map(|p| p.1).fold(0.0, f64::max);
    let (factor, prefix) = si_scale(max);
    let top = axis_top(max / factor, 1.1);
    let mut svg = String::new();
    {
        let err = chart_err("latency");
        let root = SVGBackend::with_string(&mut svg, (380, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption("latency per repetition", ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..2.5f64, 0f64..top)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(3)
            .x_label_formatter(&|x| {
                quantiles
                    .get(x.round() as usize)
                    .map_or(String::new(), |q| q.0.to_string())
            })
            .y_desc(format!("{prefix}s"))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y, c)| Circle::new((x, clamp(y / factor, top)), 3, c.filled())),
            )
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// Mean and interval of `metric` over repetitions, when at least two are finite.
fn mean_interval(reps: &[RepetitionSample], metric: Metric, alpha: f64) -> Option<(f64, f64, f64)> {
    let values: Vec<f64> = reps
        .iter()
        .map(|r| metric.of(r))
        .filter(|v| v.is_finite())
        .collect();
    let s = Sample::new(values).ok()?;
    let mean = s.mean();
    if !mean.is_finite() {
        return None; // the sum overflowed (values near f64::MAX): nothing sensible to draw
    }
    // Huge values overflow the variance: draw the mean without a whisker rather than an infinite one.
    let (lo, hi) = s
        .mean_interval(alpha)
        .ok()
        .filter(|(lo, hi)| lo.is_finite() && hi.is_finite())
        .unwrap_or((mean, mean));
    Some((lo, mean, hi))
}

/// `v` inside the drawn axis `[0, top]`: plotters maps coordinates to i32 pixels and overflows (a panic in debug
/// builds) for a value like −1e160; the table above the charts shows the real number.
fn clamp(v: f64, top: f64) -> f64 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, top) }
}

/// The top of a chart's y axis for data whose largest (scaled) value is `max`: `max · headroom`, always finite and
/// positive. plotters searches for axis key points by stepping through the range, and an infinite or NaN range made
/// that search spin forever (a result file with 1e160 J/op hung `harness report`, issue #15).
fn axis_top(max: f64, headroom: f64) -> f64 {
    let top = max * headroom;
    if top.is_finite() && top > 1e-9 {
        top
    } else if max.is_finite() && max > 1e-9 {
        max // max · headroom overflowed
    } else {
        1e-9 // zero, negative, NaN or empty: a tiny non-empty axis
    }
}

/// Base and candidate mean of `metric` with interval whiskers.
fn whisker_chart(
    cand: &WorkloadResult,
    base: Option<&WorkloadResult>,
    metric: Metric,
    alpha: f64,
) -> Result<String, ChartError> {
    let bars: Vec<(f64, (f64, f64, f64), RGBColor)> =
        [(0.0, base, BASE_COLOUR), (1.0, Some(cand), CAND_COLOUR)]
            .into_iter()
            .filter_map(|(x, w, c)| {
                w.and_then(|w| mean_interval(&w.repetitions, metric, alpha))
                    .map(|m| (x, m, c))
            })
            .collect();
    let max = bars
        .iter()
        .map(|b| b.1.2)
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    let (factor, prefix) = si_scale(max);
    let top = axis_top(max / factor, 1.15);
    let mut svg = String::new();
    {
        let err = chart_err(metric.key());
        let root = SVGBackend::with_string(&mut svg, (300, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(metric.label(), ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(56)
            .build_cartesian_2d(-0.5f64..1.5f64, 0f64..top)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(2)
            .x_label_formatter(&|x| {
                if x.round() == 0.0 {
                    "base".into()
                } else {
                    "candidate".into()
                }
            })
            .y_desc(format!("{prefix}{} / op", metric.unit()))
            .draw()
            .map_err(|e| err(e.to_string()))?;
        chart
            .draw_series(bars.iter().map(|&(x, (lo, mean, hi), c)| {
                ErrorBar::new_vertical(
                    x,
                    clamp(lo / factor, top),
                    clamp(mean / factor, top),
                    clamp(hi / factor, top),
                    c.filled().stroke_width(2),
                    14,
                )
            }))
            .map_err(|e| err(e.to_string()))?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

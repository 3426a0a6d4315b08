//! A self-contained HTML report (`harness report`): inline CSS and inline SVG charts drawn with plotters' SVG backend,
//! no scripts, no external resources, so it can be attached to a CI run or opened offline.
//!
//! Per workload ([`super::chart`]): the latency distribution over repetitions (p50/p95/p99 of every repetition, base
//! and candidate side by side), and energy per op (and SCI per op when the run has it) as every repetition plus the
//! geometric mean with its `1 − alpha` interval, the noise band and the verdict when there is a baseline. Emissions
//! per op get their own chart only when the grid intensity varies between repetitions: with one intensity for every
//! repetition the emissions chart is the energy chart scaled, and the caption says so instead. A per-op table gives each workload's energy, emissions and SCI, with the
//! `{min, max}` band of model-meter estimates as a range, and states the functional unit R. With a baseline, the
//! verdict table of the comparison comes first.

pub use super::chart::ChartError;
use super::chart::{BASE_COLOUR, CAND_COLOUR, PerOpChart, Side, latency_figure, per_op_figure};
use super::number::{interval, p_value, percent, si};
use crate::compare::{Comparison, Metric, TestMethod, WorkloadComparison};
use crate::record::schema::{RepetitionSample, RunResult, WorkloadResult};
use std::fmt::Write as _;

/// What the report shows: a run, optionally with its baseline and their comparison.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    pub run: &'a RunResult,
    pub run_label: &'a str,
    pub baseline: Option<(&'a RunResult, &'a Comparison)>,
    /// Interval level for the whiskers: confidence `1 − alpha`.
    pub alpha: f64,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1200px}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
td:first-child,th:first-child,td.l{text-align:left}.regressed{color:#b00;font-weight:bold}.improved{color:#070;font-weight:bold}\
.inconclusive{color:#a60}.unchanged{color:#666}.warn{background:#fff3cd;border-left:4px solid #e0a800;padding:.5em 1em;margin:.3em 0}\
.charts{display:flex;flex-wrap:wrap;gap:1em}.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle}\
figure{margin:0;max-width:380px}figcaption{font-size:.85em;color:#444}";

pub(super) fn esc(s: &str) -> String {
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
        "<h2>Charts</h2><p class=\"legend\">{}<span style=\"background:#d97b29\"></span>candidate <code>{}</code>.</p>",
        input.baseline.map_or(String::new(), |(b, _)| format!(
            "<span style=\"background:#557a95\"></span>base <code>{}</code>",
            esc(&b.run_id)
        )),
        esc(&run.run_id),
    );
    for w in &run.workloads {
        let base = input
            .baseline
            .and_then(|(b, _)| b.workloads.iter().find(|bw| bw.name == w.name));
        let compared = input
            .baseline
            .and_then(|(_, c)| c.workloads.iter().find(|cw| cw.name == w.name));
        let _ = writeln!(
            h,
            "<h3><code>{}</code></h3><div class=\"charts\">",
            esc(&w.name)
        );
        h.push_str(&workload_charts(w, base, compared, input.alpha)?);
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
        "<h2>Verdict: <span class=\"{v}\">{v}</span></h2><p>Against <code>{}</code> (run <code>{}</code>): {reg} regressed, {imp} improved, {unch} unchanged, {inc} inconclusive. {}, Holm–Bonferroni adjusted, alpha {}.</p>",
        esc(&c.base.label),
        esc(&c.base.run_id),
        methods(c),
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

/// The tests the comparison used, in words ("Welch's t-test on logs", "paired t-test on per-pair log ratios", …).
fn methods(c: &Comparison) -> String {
    let mut names: Vec<&str> = c
        .workloads
        .iter()
        .map(|w| match w.method {
            TestMethod::Welch => "Welch's t-test on logs (drift-aware variance)",
            TestMethod::Paired => "paired t-test on per-pair log ratios",
            TestMethod::Deterministic => "deterministic counts against the band",
        })
        .collect();
    names.dedup();
    if names.is_empty() {
        "No test".to_string()
    } else {
        names.join("; ")
    }
}

/// The latency chart (the instruction count's under `--meter instructions`), then energy, emissions (only when it is
/// not the energy chart scaled) and SCI per op.
fn workload_charts(
    w: &WorkloadResult,
    base: Option<&WorkloadResult>,
    compared: Option<&WorkloadComparison>,
    alpha: f64,
) -> Result<String, ChartError> {
    let quantiles = |reps: &[RepetitionSample]| -> Vec<[f64; 3]> {
        reps.iter()
            .map(|r| [r.latency_s.p50, r.latency_s.p95, r.latency_s.p99])
            .collect()
    };
    let base_reps = base.map_or(&[][..], |b| b.repetitions.as_slice());
    // Under `--meter instructions` the wall clock ran under Valgrind: no latency chart, the count's chart instead.
    let mut out = if w.wall_clock_meaningful == Some(false) {
        String::new()
    } else {
        latency_figure(&quantiles(base_reps), &quantiles(&w.repetitions))?
    };
    let counted = !w.repetitions.is_empty()
        && w.repetitions
            .iter()
            .all(|r| r.instructions_per_op.is_some());
    let one_intensity = one_intensity_g_per_kwh(base_reps.iter().chain(&w.repetitions));
    let note = one_intensity.map(|i| {
        format!(
            "Emissions per op are this energy × {i:.0} gCO2e/kWh, one grid intensity for every repetition: \
             the same chart scaled, so it is not drawn (the tables give the values)."
        )
    });
    for metric in [
        Metric::InstructionsPerOp,
        Metric::EnergyPerOp,
        Metric::EmissionsPerOp,
        Metric::Sci,
    ] {
        if !metric.recorded_in(&w.repetitions)
            || (metric == Metric::EmissionsPerOp && one_intensity.is_some())
            || (metric == Metric::InstructionsPerOp && !counted)
        {
            continue;
        }
        let m = compared.and_then(|c| c.metrics.iter().find(|m| m.metric == metric));
        // The values compare tested (its energy basis) when there is a comparison, else the run's own.
        let of =
            |reps: &[RepetitionSample]| reps.iter().map(|r| metric.of(r)).collect::<Vec<f64>>();
        let (bv, cv) = match m {
            Some(m) if !m.candidate_samples.is_empty() => {
                (m.base_samples.clone(), m.candidate_samples.clone())
            }
            _ => (of(base_reps), of(&w.repetitions)),
        };
        out.push_str(&per_op_figure(&PerOpChart {
            metric,
            base: base.map(|_| Side {
                values: &bv,
                colour: BASE_COLOUR,
            }),
            candidate: Side {
                values: &cv,
                colour: CAND_COLOUR,
            },
            compared: m,
            alpha,
            note: note.as_deref().filter(|_| metric == Metric::EnergyPerOp),
        })?);
    }
    Ok(out)
}

/// The grid intensity in gCO2e/kWh when every repetition's emissions are its energy times one and the same intensity
/// (then an emissions chart would repeat the energy chart); `None` when it varies or cannot be told.
fn one_intensity_g_per_kwh<'a>(reps: impl Iterator<Item = &'a RepetitionSample>) -> Option<f64> {
    const J_PER_KWH: f64 = 3.6e6;
    let mut ratios = reps.map(|r| {
        let (e, g) = (Metric::EnergyPerOp.of(r), Metric::EmissionsPerOp.of(r));
        (e > 0.0 && e.is_finite() && g.is_finite()).then(|| g / e)
    });
    let first = ratios.next()??;
    ratios
        .all(|r| r.is_some_and(|r| (r - first).abs() <= 1e-6 * first.abs()))
        .then_some(first * J_PER_KWH)
}

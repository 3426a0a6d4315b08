//! The `harness bench` summary: one row per workload (workload | ops/s | p50 | p95 | p99 | J/op | gCO2eq/op |
//! SCI gCO2eq/op | errors | meter), rendered by `tabled` as a terminal table or as Markdown. A pure function from a
//! result to text. Estimated (model-meter) energy shows its `{min, max}` band as `value (min–max)`; a run with SCI
//! ends with a line stating the functional unit and the embodied inputs.

use crate::record::schema::{Bounds, RunResult, WorkloadResult};
use tabled::settings::Style;
use tabled::{Table, Tabled};

/// How the summary is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableStyle {
    /// Box-drawing table for a terminal.
    Terminal,
    /// GitHub-flavoured Markdown table.
    Markdown,
}

#[derive(Debug, Tabled)]
struct Row {
    workload: String,
    #[tabled(rename = "ops/s")]
    ops_per_s: String,
    p50: String,
    p95: String,
    p99: String,
    #[tabled(rename = "J/op")]
    j_per_op: String,
    #[tabled(rename = "gCO2eq/op")]
    g_per_op: String,
    #[tabled(rename = "SCI gCO2eq/op")]
    sci_per_op: String,
    errors: String,
    meter: String,
}

fn row(w: &WorkloadResult) -> Row {
    let attempted = w.ops + w.errors;
    let errors = if w.errors == 0 {
        "0".to_string()
    } else {
        format!(
            "{} ({:.1} %)",
            w.errors,
            100.0 * w.errors as f64 / attempted.max(1) as f64
        )
    };
    Row {
        workload: w.name.clone(),
        ops_per_s: sig(w.throughput_ops_per_s),
        p50: seconds(w.latency_s.p50),
        p95: seconds(w.latency_s.p95),
        p99: seconds(w.latency_s.p99),
        j_per_op: ranged(w.energy_j_per_op, w.sci.energy_j_per_op_bounds),
        g_per_op: ranged(w.emissions_g_per_op, w.sci.emissions_g_per_op_bounds),
        sci_per_op: w
            .sci
            .sci_g_per_op
            .map_or_else(|| "-".to_string(), |v| ranged(v, w.sci.sci_g_per_op_bounds)),
        errors,
        meter: w.energy_source.clone(),
    }
}

/// The row of a workload counted by `--meter instructions`: the counts, and the energy marked as an estimate; no
/// wall-clock columns (Valgrind's, not meaningful).
#[derive(Debug, Tabled)]
struct CountedRow {
    workload: String,
    #[tabled(rename = "instr/op")]
    instructions: String,
    #[tabled(rename = "L1 miss/op")]
    l1: String,
    #[tabled(rename = "LL miss/op")]
    ll: String,
    #[tabled(rename = "≈J/op (estimate)")]
    j_per_op: String,
    #[tabled(rename = "≈gCO2eq/op")]
    g_per_op: String,
    errors: String,
}

fn counted_row(w: &WorkloadResult) -> CountedRow {
    let misses = |f: fn(&crate::record::schema::CacheMisses) -> f64| {
        w.cache_misses_per_op
            .as_ref()
            .map_or_else(|| "-".to_string(), |m| sig(f(m)))
    };
    CountedRow {
        workload: w.name.clone(),
        instructions: w
            .instructions_per_op
            .map_or_else(|| "-".to_string(), |i| format!("{i:.0}")),
        l1: misses(|m| m.l1),
        ll: misses(|m| m.ll),
        j_per_op: sig(w.energy_j_per_op),
        g_per_op: sig(w.emissions_g_per_op),
        errors: w.errors.to_string(),
    }
}

/// The summary table of `run`'s workloads (counted columns when every workload was counted by `--meter
/// instructions`).
pub fn render(run: &RunResult, style: TableStyle) -> String {
    let counted = !run.workloads.is_empty()
        && run
            .workloads
            .iter()
            .all(|w| w.instructions_per_op.is_some());
    let mut table = if counted {
        Table::new(run.workloads.iter().map(counted_row))
    } else {
        Table::new(run.workloads.iter().map(row))
    };
    match style {
        TableStyle::Terminal => table.with(Style::modern()),
        TableStyle::Markdown => table.with(Style::markdown()),
    };
    let mut text = table.to_string();
    if let Some(line) = sci_note(run) {
        text.push('\n');
        text.push_str(&line);
    }
    text
}

/// `value (min–max)` when the value is an estimate with a band, else the value.
pub fn ranged(value: f64, bounds: Option<Bounds>) -> String {
    match bounds {
        Some(b) => format!("{} ({}–{})", sig(value), sig(b.min), sig(b.max)),
        None => sig(value),
    }
}

/// The line under a run with SCI: the functional unit and the embodied inputs.
pub fn sci_note(run: &RunResult) -> Option<String> {
    let s = run.sci.as_ref()?;
    Some(format!(
        "SCI = (E × I + M) per R, R = {}; M = TE × (time / EL) × RS with TE {} kg CO2eq ({}), EL {} years, RS {}{}",
        s.functional_unit,
        s.embodied_total_kg,
        s.machine,
        s.lifetime_years,
        sig(s.resource_share),
        if run
            .workloads
            .iter()
            .any(|w| w.sci.energy_j_per_op_bounds.is_some())
        {
            "; ranges: model-meter estimate ±40 %"
        } else {
            ""
        }
    ))
}

/// Three significant digits; scientific notation outside 0.01..100000.
pub fn sig(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let a = x.abs();
    if (0.01..100_000.0).contains(&a) {
        let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}")
    } else {
        format!("{x:.2e}")
    }
}

/// A latency in seconds as µs, ms or s with three significant digits.
pub fn seconds(s: f64) -> String {
    if s == 0.0 {
        "0".to_string()
    } else if s < 1e-3 {
        format!("{} µs", sig(s * 1e6))
    } else if s < 1.0 {
        format!("{} ms", sig(s * 1e3))
    } else {
        format!("{} s", sig(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::schema::LatencySummary;

    fn run_with(w: WorkloadResult) -> RunResult {
        let v = serde_json::json!({
            "schema_version": 1, "harness_version": "0", "run_id": "r", "started_at": "t", "complete": true,
            "git": {}, "machine": {"fingerprint": "f", "hostname": "h", "cpu_model": "c", "logical_cpus": 1,
            "ram_bytes": 1, "os": "o", "kernel": "k"}, "meters": [],
            "intensity": {"source": "fixed", "zone": null, "intensity_g_per_kwh": 400.0},
            "config": {"workloads": [], "duration_s": 1.0, "ops": null, "warmup_s": 0.0, "repetitions": 1,
            "concurrency": 1, "rate_ops_per_s": null, "target": "in-process", "meter": "auto",
            "attribution": "process-cpu-share"}, "warnings": [], "workloads": []
        });
        let mut run: RunResult = serde_json::from_value(v).expect("valid run");
        run.workloads.push(w);
        run
    }

    #[test]
    fn renders_one_row_per_workload_in_both_styles() {
        let w = WorkloadResult {
            name: "spin:1000000".into(),
            ops: 990,
            errors: 10,
            errors_by_kind: Default::default(),
            throughput_ops_per_s: 330.0,
            energy_j_per_op: 0.0123,
            energy_j_per_op_net: 0.01,
            energy_kwh_per_op: 0.0123 / 3.6e6,
            emissions_g_per_op: 1.37e-6,
            emissions_g_per_op_net: 1.1e-6,
            energy_j_per_op_attributable: None,
            emissions_g_per_op_attributable: None,
            energy_source: "model".into(),
            latency_s: LatencySummary {
                p50: 0.0021,
                p90: 0.003,
                p95: 0.0035,
                p99: 0.0061,
                max: 0.01,
                mean: 0.0022,
            },
            histogram: String::new(),
            repetitions: vec![],
            sci: Default::default(),
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            request: None,
        };
        let mut counted = w.clone();
        let run = run_with(w);
        let md = render(&run, TableStyle::Markdown);
        counted.instructions_per_op = Some(1_000_123.4);
        counted.cache_misses_per_op =
            Some(crate::record::schema::CacheMisses { l1: 12.5, ll: 0.25 });
        let cmd = render(&run_with(counted), TableStyle::Markdown);
        assert!(
            cmd.contains("instr/op") && cmd.contains("1000123") && cmd.contains("0.250"),
            "{cmd}"
        );
        assert!(cmd.contains("(estimate)") && !cmd.contains("p50"), "{cmd}");
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 3, "{md}");
        assert_eq!(
            lines[0],
            "| workload     | ops/s | p50     | p95     | p99     | J/op   | gCO2eq/op | SCI gCO2eq/op | errors     | meter |"
        );
        assert_eq!(
            lines[2],
            "| spin:1000000 | 330   | 2.10 ms | 3.50 ms | 6.10 ms | 0.0123 | 1.37e-6   | -             | 10 (1.0 %) | model |"
        );
        let term = render(&run, TableStyle::Terminal);
        assert!(
            term.starts_with('┌') && term.contains("│ spin:1000000 │"),
            "{term}"
        );
    }

    #[test]
    fn sci_and_model_bands_are_shown_with_the_functional_unit() {
        use crate::record::schema::{SciInputs, WorkloadSci};
        let mut run = run_with(WorkloadResult {
            instructions_per_op: None,
            cache_misses_per_op: None,
            wall_clock_meaningful: None,
            name: "spin:1000".into(),
            ops: 10,
            errors: 0,
            errors_by_kind: Default::default(),
            throughput_ops_per_s: 10.0,
            energy_j_per_op: 2.0,
            energy_j_per_op_net: 2.0,
            energy_kwh_per_op: 0.0,
            emissions_g_per_op: 0.5,
            emissions_g_per_op_net: 0.5,
            energy_j_per_op_attributable: None,
            emissions_g_per_op_attributable: None,
            energy_source: "model".into(),
            latency_s: LatencySummary::default(),
            histogram: String::new(),
            repetitions: vec![],
            request: None,
            sci: WorkloadSci {
                sci_g_per_op: Some(0.6),
                embodied_g_per_op: Some(0.1),
                operational_g_per_op: Some(0.5),
                energy_j_per_op_bounds: Some(Bounds { min: 1.2, max: 2.8 }),
                emissions_g_per_op_bounds: Some(Bounds { min: 0.3, max: 0.7 }),
                sci_g_per_op_bounds: Some(Bounds { min: 0.4, max: 0.8 }),
            },
        });
        run.sci = Some(SciInputs {
            functional_unit: crate::sci::FUNCTIONAL_UNIT.into(),
            machine: "github-runner".into(),
            embodied_total_kg: 1151.7,
            lifetime_years: 4.0,
            resource_share: 0.03125,
            input_sources: vec![],
            references: vec![],
            energy_basis: "attributable".into(),
            intensity_basis: "single reading".into(),
        });
        let md = render(&run, TableStyle::Markdown);
        let lines: Vec<&str> = md.lines().collect();
        assert!(
            lines[2].contains("| 2.00 (1.20–2.80) | 0.500 (0.300–0.700) | 0.600 (0.400–0.800) |"),
            "{md}"
        );
        assert!(
            lines[3].contains("R = one successful operation of the workload")
                && lines[3].contains("TE 1151.7 kg CO2eq (github-runner)")
                && lines[3].contains("±40 %"),
            "{md}"
        );
    }

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(sig(1234.6), "1235");
        assert_eq!(sig(12.345), "12.3");
        assert_eq!(sig(0.012345), "0.0123");
        assert_eq!(sig(0.00012345), "1.23e-4");
        assert_eq!(sig(123456.0), "1.23e5");
        assert_eq!(sig(0.0), "0");
        assert_eq!(seconds(0.000_250), "250 µs");
        assert_eq!(seconds(0.001_5), "1.50 ms");
        assert_eq!(seconds(2.5), "2.50 s");
    }
}

//! Exporters: pure functions from results to bytes; [`crate::record::store`] and the commands do the I/O. Snapshot
//! tests pin the bytes.
//!
//! | file | renders | used by |
//! |---|---|---|
//! | [`table`] | the `harness bench` summary (terminal or Markdown table) | `bench` |
//! | [`diff_table`] | a comparison as a terminal table (tabled; colour and arrows only when asked) | `compare --format table` |
//! | [`markdown`] | a comparison as a PR comment: summary line, a table per workload, details collapsed | `compare --format markdown` |
//! | [`json`] | a comparison with every number, for machines | `compare --format json` |
//! | [`bmf`] | a run in Bencher Metric Format | `compare --format bmf` |
//! | [`html`] | a self-contained HTML report | `report` |
//! | [`chart`] | the report's SVG charts (per-op with noise band and verdict, latency) and their robust axes | `html` |
//! | [`monitor`] | a live sample (progress line or JSON line) and the totals (table or JSON) | `monitor` |
//! | [`number`] | shared number formatting (SI prefixes, signed percentages) | the above |
//!
//! [`render_comparison`] picks the comparison exporter for a `--format` (`compare`, `ab`).

pub mod bmf;
pub mod chart;
pub mod diff_table;
pub mod html;
pub mod json;
pub mod markdown;
pub mod monitor;
pub mod number;
pub mod table;

use crate::cli::CompareFormat;
use crate::compare::Comparison;
use crate::record::schema::RunResult;
use std::io::IsTerminal as _;

/// A comparison in the chosen format (`harness compare`, `harness ab`); [`bmf`] renders the candidate run.
pub fn render_comparison(
    c: &Comparison,
    candidate: &RunResult,
    format: CompareFormat,
    colour: bool,
) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        CompareFormat::Table => diff_table::render(c, colour),
        CompareFormat::Markdown => markdown::render(c),
        CompareFormat::Json => json::render(c)?,
        CompareFormat::Bmf => bmf::render(candidate)?,
    })
}

/// Whether to colour terminal output: stdout is a terminal and `NO_COLOR` is unset or empty (<https://no-color.org>).
pub fn use_colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

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
//! | [`html`] | a self-contained HTML report with SVG charts | `report` |
//! | [`number`] | shared number formatting (SI prefixes, signed percentages) | the above |

pub mod bmf;
pub mod diff_table;
pub mod html;
pub mod json;
pub mod markdown;
pub mod number;
pub mod table;

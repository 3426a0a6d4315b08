//! The carbon-harness library: everything the `harness` binary does, callable from tests.
//!
//! | module | what |
//! |---|---|
//! | [`ab`] | same-runner A/B of two builds, interleaved |
//! | [`baseline`] | named baselines, loading result files by path or name |
//! | [`build_info`] | the version and git commit this binary was built from (`harness --version`) |
//! | [`cli`] | clap derive structs only |
//! | [`commands`] | one file per subcommand; [`commands::run`] dispatches |
//! | [`push`] | Pushgateway and remote-write sinks for a run's metrics |
//! | [`stats`] | pure statistics: samples, Welch's t on logs, Holm–Bonferroni |
//! | [`compare`] | verdicts per metric and workload, machine guard |
//! | [`load`] | the `Workload` trait, `spin:N`, closed- and open-loop drivers, latency recording |
//! | [`runner`] | warm-up, idle baseline, metered repetitions, per-op energy and emissions |
//! | [`export`] | results to bytes: bench summary table, comparison table/Markdown/JSON/BMF, HTML report |
//! | [`record`] | the result-file schema and the only place that writes results (also CodeCarbon's `emissions.csv`) |
//! | [`metering`] | meter and intensity flags → validated plans; meter reports → result records |
//! | [`carbon`] | `--intensity` → an `IntensitySource` |
//! | [`criterion`] | `Energy`, a criterion `Measurement` in joules |
//! | [`interrupt`] | Ctrl-C as a flag, so long commands finish cleanly |

pub mod ab;
pub mod baseline;
pub mod build_info;
pub mod carbon;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod criterion;
pub mod export;
pub mod interrupt;
pub mod load;
pub mod metering;
pub mod push;
pub mod record;
pub mod runner;
pub mod stats;

pub use energy::units;

/// Exit code: no regression found, command succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one regression verdict.
pub const EXIT_REGRESSION: u8 = 1;
/// Exit code: the harness itself failed (bad input, I/O, a workload's error rate too high...).
pub const EXIT_HARNESS_ERROR: u8 = 2;

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
//! | [`sci`] | SCI per op (ISO/IEC 21031): embodied carbon, machine archetypes, estimate bounds, intensity over the run |
//! | [`export`] | results to bytes: bench summary table, comparison table/Markdown/JSON/BMF, HTML report, monitor lines |
//! | [`import`] | other harnesses' output (criterion) into result files |
//! | [`record`] | the result-file schema and the only place that writes results (also CodeCarbon's `emissions.csv`) |
//! | [`metering`] | the one converter of the measuring flags: meter configuration and the run's intensity; meter reports → result records |
//! | [`carbon`] | `--intensity` → an `IntensitySource`; the live Electricity Maps source |
//! | [`criterion`] | `Energy`, a criterion `Measurement` in joules |
//! | [`service`] | the user's service under test: started, health-checked and stopped around a run (`bench --start`) |
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
pub mod import;
pub mod interrupt;
pub mod load;
pub mod metering;
pub mod push;
pub mod record;
pub mod runner;
pub mod sci;
pub mod service;
pub mod stats;

pub use energy::units;

/// Exit code: no regression found, command succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one regression verdict.
pub const EXIT_REGRESSION: u8 = 1;
/// Exit code: the harness itself failed (bad input, I/O, a workload's error rate too high...).
pub const EXIT_HARNESS_ERROR: u8 = 2;

/// The message `main` prints for a failed command: the error and its causes joined by `: `, leaving out a cause
/// whose text the message already holds (many errors quote their source, and `{:#}` would print it twice). The same
/// rule as the `workloads` binary's, [`workloads::error_text`].
pub fn describe(err: &anyhow::Error) -> String {
    workloads::error_text(err)
}

#[cfg(test)]
mod tests {
    #[test]
    fn describe_prints_each_cause_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("run.json is not a result file: {source}")]
        struct Quoting {
            source: std::io::Error,
        }
        let e = anyhow::Error::new(Quoting {
            source: std::io::Error::other("expected value at line 1 column 1"),
        })
        .context("loading the run");
        let text = super::describe(&e);
        assert_eq!(
            text,
            "loading the run: run.json is not a result file: expected value at line 1 column 1"
        );
    }
}

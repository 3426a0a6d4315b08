//! The carbon-harness library: everything the `harness` binary does, callable from tests.
//!
//! | module | what |
//! |---|---|
//! | [`cli`] | clap derive structs only |
//! | [`commands`] | one file per subcommand; [`commands::run`] dispatches |
//! | [`record`] | the result-file schema and the only place that writes results (also CodeCarbon's `emissions.csv`) |
//! | [`metering`] | meter and intensity flags → validated plans; meter reports → result records |
//! | [`carbon`] | `--intensity` → an `IntensitySource` |
//! | [`criterion`] | `Energy`, a criterion `Measurement` in joules |
//! | [`interrupt`] | Ctrl-C as a flag, so long commands finish cleanly |

pub mod carbon;
pub mod cli;
pub mod commands;
pub mod criterion;
pub mod interrupt;
pub mod metering;
pub mod record;

pub use energy::units;

/// Exit code: no regression found, command succeeded.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one regression verdict.
pub const EXIT_REGRESSION: u8 = 1;
/// Exit code: the harness itself failed (bad input, I/O, a workload's error rate too high...).
pub const EXIT_HARNESS_ERROR: u8 = 2;

//! One module per subcommand; `run` dispatches and returns the process exit code.

mod ab;
mod baseline;
pub mod bench;
mod compare;
mod import;
mod meters;
mod monitor;
pub mod push;
mod report;
mod schema;
mod train;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Bench(args) => bench::run(*args),
        Command::Schema => schema::run(),
        Command::Ab(args) => ab::run(args),
        Command::Push(args) => push::run(&args),
        Command::Compare(args) => compare::run(args),
        Command::Baseline(cmd) => baseline::run(cmd),
        Command::Report(args) => report::run(args),
        Command::Meters(args) => meters::run(args),
        Command::Monitor(args) => monitor::run(args),
        Command::Train(args) => train::run(&args),
        Command::Import(cmd) => import::run(cmd),
    }
}

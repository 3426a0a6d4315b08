//! One module per subcommand; `run` dispatches and returns the process exit code.

mod baseline;
mod compare;
mod report;
mod schema;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema => schema::run(),
        Command::Compare(args) => compare::run(args),
        Command::Baseline(cmd) => baseline::run(cmd),
        Command::Report(args) => report::run(args),
    }
}

//! One module per subcommand; `run` dispatches and returns the process exit code.

mod meters;
mod monitor;
mod schema;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Schema => schema::run(),
        Command::Meters(args) => meters::run(args),
        Command::Monitor(args) => monitor::run(args),
    }
}

//! One module per subcommand; `run` dispatches and returns the process exit code.

pub mod bench;
mod schema;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Bench(args) => bench::run(*args),
        Command::Schema => schema::run(),
    }
}

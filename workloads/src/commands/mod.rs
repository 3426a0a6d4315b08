//! One file per subcommand; [`run`] dispatches and owns the tokio runtime.
//!
//! | file | command |
//! |---|---|
//! | [`serve`] | `workloads serve` |
//! | [`mock_grid`] | `workloads mock-grid` |
//! | [`mock_llm`] | `workloads mock-llm` |
//! | [`impacts`] | `workloads impacts` |
//! | [`train`] | `workloads train` |

pub mod impacts;
pub mod mock_grid;
pub mod mock_llm;
pub mod serve;
pub mod train;

use crate::cli::{Cli, Command};
use anyhow::Context;
use std::process::ExitCode;

/// Runs the parsed command (servers on a multi-threaded runtime).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let command = match cli.command {
        Command::Impacts(args) => return impacts::run(&args),
        Command::Train(args) => return train::run(args),
        server => server,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")?;
    runtime.block_on(async {
        match command {
            Command::Serve(args) => serve::run(args).await,
            Command::MockGrid(args) => mock_grid::run(args).await,
            Command::MockLlm(args) => mock_llm::run(args).await,
            Command::Impacts(args) => impacts::run(&args),
            Command::Train(args) => train::run(args),
        }
    })
}

/// Checks a 0..=1 share given on the command line.
pub fn validate_share(value: f64, flag: &str) -> anyhow::Result<f64> {
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        anyhow::bail!("{flag} must be between 0 and 1 (got {value})")
    }
}

/// Resolves when the process gets SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

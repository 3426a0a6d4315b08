//! `workloads`: the workshop app and its mock upstreams. See `workloads --help`.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = workloads::cli::Cli::parse();
    if matches!(cli.command, workloads::cli::Command::Serve(_)) {
        workloads::predict::single_threaded_inference_by_default();
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match workloads::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", workloads::error_text(&e));
            ExitCode::from(2)
        }
    }
}

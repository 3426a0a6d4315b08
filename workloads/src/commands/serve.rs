//! `workloads serve`: validate the flags once into a [`ServeConfig`], start the app, stop on SIGINT/SIGTERM.

use super::{shutdown_signal, validate_share};
use crate::app::Chaos;
use crate::app::start::{ModelChoice, ServeConfig, start};
use crate::chat::emissions::ChatSettings;
use crate::cli::{Backend, ServeArgs};
use crate::intensity::dotenv::{self, API_KEY_VAR};
use std::process::ExitCode;

/// Turns the flags (and the environment / `.env` key) into a validated config.
pub fn plan(args: ServeArgs) -> anyhow::Result<ServeConfig> {
    let api_key = dotenv::api_key(std::env::var(API_KEY_VAR).ok(), &args.env_file)?;
    // A bad default zone would make every request without `?zone=` a 400: refuse it now.
    crate::app::routes::intensity::validate_zone(&args.zone)
        .map_err(|m| anyhow::anyhow!("--zone: {m}"))?;
    if args.timeout.is_zero() {
        anyhow::bail!("--timeout must be greater than 0");
    }
    let chaos = Chaos {
        latency_max: args.artificial_latency_max,
        error_rate: validate_share(args.artificial_error_rate, "--artificial-error-rate")?,
    };
    if args.head.is_some() && args.model == Backend::Tiny {
        anyhow::bail!("--head is only for --model bert (a tiny folder holds its own weights)");
    }
    let model = match (args.model, args.model_dir) {
        (Backend::Tiny, None) => ModelChoice::TinyEmbedded,
        (Backend::Tiny, Some(dir)) => ModelChoice::TinyDir(dir),
        (Backend::Bert, Some(dir)) => ModelChoice::Bert(dir, args.head),
        (Backend::Bert, None) => anyhow::bail!(
            "--model bert needs --model-dir DIR: a BERT checkpoint folder with a head trained by \
             `workloads train --backend bert --model-dir DIR` (scripts/fetch-minilm.sh fetches all-MiniLM-L6-v2)"
        ),
    };
    if args.llm_timeout.is_zero() {
        anyhow::bail!("--llm-timeout must be greater than 0");
    }
    let chat = ChatSettings {
        llm_url: args.mock_llm_url,
        provider: args.llm_provider,
        model: args.llm_model,
        timeout: args.llm_timeout,
    };
    let energy_period = if args.no_energy {
        None
    } else if args.energy_period.is_zero() {
        anyhow::bail!(
            "--energy-period must be greater than 0 (or pass --no-energy to turn the sampler off)"
        );
    } else {
        Some(args.energy_period)
    };
    Ok(ServeConfig {
        model,
        chat,
        builtin_mock_llm: args.builtin_mock_llm,
        energy_period,
        zone: args.zone,
        api_key,
        base_url: args.electricity_maps_url,
        timeout: args.timeout,
        retries: args.retries,
        cache_ttl: args.cache_ttl,
        chaos,
        ..ServeConfig::new(args.addr)
    })
}

/// Runs the app until a signal.
pub async fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = plan(args)?;
    let app = start(&config).await?;
    let source = if app.mock_grid.is_some() {
        "built-in mock grid (fake)"
    } else {
        "Electricity Maps"
    };
    let llm = if app.mock_llm.is_some() {
        format!(
            "built-in mock LLM (fake) at {}",
            crate::redact::url(&app.llm_url)
        )
    } else {
        crate::redact::url(&app.llm_url)
    };
    let energy = if app.sampler.is_some() {
        "live energy: model meter (estimate)"
    } else {
        "live energy: off"
    };
    println!(
        "workloads serve: listening on http://{} (zone {}, intensity from {source}; model {}; LLM {llm}; {energy})",
        app.server.addr(),
        config.zone,
        app.model_name
    );
    shutdown_signal().await;
    app.shutdown().await?;
    Ok(ExitCode::SUCCESS)
}

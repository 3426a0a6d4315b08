//! Command-line arguments (clap derive lives only here). Each `*Args` is turned into a validated plan in its
//! `commands/<name>.rs`.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The workshop app rebuilt in Rust, and offline stand-ins for its upstream services.
#[derive(Debug, Parser)]
#[command(
    name = "workloads",
    version,
    about,
    after_help = "Examples:\n  \
    workloads serve                              # offline: built-in mock grid\n  \
    ELECTRICITY_MAP_API_KEY=... workloads serve --zone FR\n  \
    workloads serve --builtin-mock-llm           # /chat_emissions answered by an in-process mock LLM\n  \
    workloads serve --model bert --model-dir ~/.cache/carbon-harness/all-MiniLM-L6-v2\n  \
    workloads mock-grid --addr 127.0.0.1:8003 --api-key test --error-rate 0.1\n  \
    workloads mock-llm --completion-tokens 10..50 --ttft 200ms --tokens-per-second 60\n  \
    workloads impacts --provider openai --model gpt-4o-mini --output-tokens 200 --latency 5s\n  \
    workloads train --backend tiny --out /tmp/tiny"
)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per process; boxing buys nothing
pub enum Command {
    /// Serve the workshop app (/carbon_intensity, /metrics, ...).
    Serve(ServeArgs),
    /// Serve a local stand-in for the Electricity Maps v3 API.
    MockGrid(MockGridArgs),
    /// Serve an OpenAI-compatible fake LLM (POST /chat, POST /v1/chat/completions).
    MockLlm(MockLlmArgs),
    /// Compute an LLM call's impacts with the EcoLogits method (energy, GWP, ADPe, PE, water; min–max).
    Impacts(ImpactsArgs),
    /// Train a predict model (tiny from scratch, or a linear head on a BERT checkpoint) and write its artifacts.
    Train(TrainArgs),
}

/// `--model` of `workloads serve` and `--backend` of `workloads train`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// The small transformer trained from scratch (embedded in the binary).
    Tiny,
    /// A BERT-family checkpoint folder (e.g. all-MiniLM-L6-v2) with a trained linear head.
    Bert,
}

/// `--format` of `workloads impacts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImpactsFormatArg {
    /// A human-readable table.
    Table,
    /// JSON.
    Json,
}

/// `workloads serve`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  workloads serve\n  workloads serve --addr 127.0.0.1:0 --zone FR --cache-ttl 10s\n  \
    workloads serve --artificial-latency-max 1s --artificial-error-rate 0.15   # the workshop's chaos"
)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8001")]
    pub addr: SocketAddr,
    /// Default Electricity Maps zone.
    #[arg(long, env = "ZONE", default_value = "DE")]
    pub zone: String,
    /// Electricity Maps base URL.
    #[arg(long, env = "ELECTRICITY_MAPS_URL", default_value = crate::intensity::DEFAULT_BASE_URL)]
    pub electricity_maps_url: String,
    /// `.env` file read for ELECTRICITY_MAP_API_KEY when the variable is not set.
    #[arg(long, default_value = ".env")]
    pub env_file: PathBuf,
    /// Upstream timeout per attempt.
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub timeout: Duration,
    /// Upstream retries (timeouts, connection errors, 5xx) after the first attempt.
    #[arg(long, default_value_t = 2)]
    pub retries: u32,
    /// Per-zone cache TTL (0s disables the cache).
    #[arg(long, default_value = "60s", value_parser = humantime::parse_duration)]
    pub cache_ttl: Duration,
    /// Chaos: random delay, uniform in 0..MAX, before each /carbon_intensity (off by default).
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub artificial_latency_max: Duration,
    /// Chaos: share (0..=1) of /carbon_intensity requests answered 503 without calling upstream.
    #[arg(long, default_value_t = 0.0)]
    pub artificial_error_rate: f64,
    /// Predict model: `tiny` (embedded, or from --model-dir) or `bert` (needs --model-dir).
    #[arg(long, value_enum, default_value = "tiny")]
    pub model: Backend,
    /// Model folder: a `tiny` folder from `workloads train`, or a BERT checkpoint with its trained head.
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// The bert head (default: DIR/head.safetensors); e.g. the committed workloads/models/minilm/head.safetensors.
    #[arg(long, requires = "model_dir")]
    pub head: Option<PathBuf>,
    /// Base URL of the OpenAI-compatible LLM behind /chat_emissions.
    #[arg(long, env = "MOCK_LLM_URL", default_value = crate::chat::client::DEFAULT_BASE_URL)]
    pub mock_llm_url: String,
    /// Start a mock LLM in-process for /chat_emissions (overrides --mock-llm-url).
    #[arg(long)]
    pub builtin_mock_llm: bool,
    /// EcoLogits provider of the model whose impacts /chat_emissions reports.
    #[arg(long, default_value = crate::chat::emissions::DEFAULT_PROVIDER)]
    pub llm_provider: String,
    /// Model sent to the LLM and used for impacts.
    #[arg(long, default_value = crate::chat::emissions::DEFAULT_MODEL)]
    pub llm_model: String,
    /// Timeout of one LLM call.
    #[arg(long, default_value = "30s", value_parser = humantime::parse_duration)]
    pub llm_timeout: Duration,
    /// Live energy sampling period (process power, energy and emissions on /metrics).
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub energy_period: Duration,
    /// Turn the live energy sampler off.
    #[arg(long)]
    pub no_energy: bool,
}

/// `workloads mock-llm`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  workloads mock-llm\n  \
    workloads mock-llm --seed 7 --completion-tokens 100..200 --ttft 300ms --tokens-per-second 50 --error-rate 0.05\n  \
    curl -d '{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' \
    http://127.0.0.1:8002/v1/chat/completions")]
pub struct MockLlmArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8002")]
    pub addr: String,
    /// Seed of the completion lengths and injected failures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Completion tokens per answer: `N`, `A..B` or `A..=B` (both ends included), capped by `max_tokens`.
    #[arg(long, default_value = "10..50")]
    pub completion_tokens: String,
    /// Simulated time to first token.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    pub ttft: Duration,
    /// Simulated generation speed, tokens/s, or `none` for no generation delay.
    #[arg(long, default_value = "none")]
    pub tokens_per_second: String,
    /// Share (0..=1) of requests answered with an injected 500.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
}

/// `workloads impacts`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  workloads impacts --provider openai --model gpt-4o-mini --output-tokens 200 --latency 5s\n  \
    workloads impacts --provider mistralai --model mistral-small-latest --output-tokens 500 --zone FRA --format json\n\n\
    Exit codes: 0 ok, 2 unknown provider/model/zone or bad flag (the message lists the closest known names)."
)]
pub struct ImpactsArgs {
    /// EcoLogits provider (openai, anthropic, mistralai, huggingface_hub, google, cohere, ...).
    #[arg(long)]
    pub provider: String,
    /// Model name as the provider spells it.
    #[arg(long)]
    pub model: String,
    /// Output (completion) tokens of the call.
    #[arg(long)]
    pub output_tokens: u64,
    /// Measured request latency; caps the estimated generation time.
    #[arg(long, value_parser = humantime::parse_duration)]
    pub latency: Option<Duration>,
    /// Electricity-mix zone (ISO-3 such as FRA, or WOR); default: the provider's datacentre location.
    #[arg(long)]
    pub zone: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ImpactsFormatArg,
}

/// `workloads train`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  workloads train --out /tmp/tiny            # retrain tiny: same bytes as workloads/models/tiny\n  \
    workloads train --backend bert --model-dir \"$(scripts/fetch-minilm.sh)\"\n  \
    workloads train --epochs 5 --seed 7 --out /tmp/quick\n\n\
    The committed artifacts in workloads/models/tiny were written by `workloads train --out workloads/models/tiny`."
)]
pub struct TrainArgs {
    /// Which model to train.
    #[arg(long, value_enum, default_value = "tiny")]
    pub backend: Backend,
    /// BERT checkpoint folder (required with --backend bert).
    #[arg(long)]
    pub model_dir: Option<PathBuf>,
    /// Where the artifacts go (required for tiny; for bert the default is the checkpoint folder, so that
    /// `serve --model bert --model-dir DIR` finds the head).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Labelled activities CSV (`activity,label,split`); default: the embedded workloads/data/activities.csv.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Seed of initialisation, shuffling and dropout (training is deterministic given it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Passes over the training rows.
    #[arg(long)]
    pub epochs: Option<usize>,
}

/// `workloads mock-grid`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  workloads mock-grid\n  \
    workloads mock-grid --api-key test --latency 50ms --error-rate 0.1 --seed 7\n  \
    curl -H 'auth-token: test' 'http://127.0.0.1:8003/v3/carbon-intensity/latest?zone=DE'")]
pub struct MockGridArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8003")]
    pub addr: SocketAddr,
    /// Required `auth-token` header value (any token is accepted when unset).
    #[arg(long)]
    pub api_key: Option<String>,
    /// Delay before every answer.
    #[arg(long, default_value = "0ms", value_parser = humantime::parse_duration)]
    pub latency: Duration,
    /// Share (0..=1) of requests answered with an injected 429 or 500.
    #[arg(long, default_value_t = 0.0)]
    pub error_rate: f64,
    /// Seed for the injected failures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Length of each interval of /v3/carbon-intensity/history (hourly like the API; shorter for tests).
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub history_interval: Duration,
}

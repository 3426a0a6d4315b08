//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`app`] | the axum app: `app::router(state)`, routes, metrics, live energy metrics, `app::start::start(config)` |
//! | [`predict`] | the predict workload: `Classifier` trait, `tiny` and `bert` backends, training |
//! | [`chat`] | mock-LLM chat workload and EcoLogits-method impacts |
//! | [`intensity`] | Electricity Maps client (timeout, retries, cache), `.env` key lookup, mock grid server |
//! | [`redact`] | the one redaction of URLs (user-info, secret query values) and upstream text (secrets, length) |
//! | [`bounded`] | reading an upstream body with a size cap ([`bounded::MAX_UPSTREAM_BODY_BYTES`]) |
//! | [`server`] | bind an address (port 0 allowed) → bound address + shutdown handle |
//! | [`cli`], [`commands`] | the `workloads` binary's argument parsing and subcommands |
//! | [`units`] | re-export of [`energy::units`] |

pub mod app;
pub mod bounded;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod intensity;
pub mod redact;
pub mod server;

pub use energy::units;
pub mod predict;

/// An error and its causes joined by `: `, each cause once (a cause whose text an outer message already quotes, as
/// `cannot write X: {io error}` does, is not repeated). What the `workloads` binary prints after `error: `.
pub fn error_text(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain() {
        let part = cause.to_string();
        if text.contains(&part) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&part);
    }
    text
}

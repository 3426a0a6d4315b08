//! The `chat` workload: a call to a hosted LLM whose energy we cannot meter, so we estimate it.
//!
//! | module | what |
//! |---|---|
//! | [`client`] | timed OpenAI-style call + impacts ([`client::ChatClient::chat`]), shared by the app and the harness |
//! | [`emissions`] | the `/chat_emissions` service: call, count, answer (status codes per error) |
//! | [`http`] | the `/chat` and `/chat_emissions` routes, generic over the app state |
//! | [`impacts`] | EcoLogits 0.11.3 LLM-inference impacts (energy, GWP, ADPe, PE, water as min–max ranges) |
//! | [`metrics`] | Prometheus counters: requests, tokens, impacts per bound |
//! | [`mock_llm`] | OpenAI-compatible fake LLM server (seeded token counts, simulated latency, injected failures) |
//! | [`openai`] | the chat-completions wire types shared by the mock and the client |
//! | [`page`] | the `/chat` HTML page |
//! | [`plan`] | validated plans and runners of `workloads mock-llm` / `workloads impacts` |
//! | [`render`] | an impact report as a table or JSON (for `workloads impacts`) |
//! | [`tokens`] | deterministic prompt/completion token counting of the mock |

pub mod client;
pub mod emissions;
pub mod http;
pub mod impacts;
pub mod metrics;
pub mod mock_llm;
pub mod openai;
pub mod page;
pub mod plan;
pub mod render;
pub mod tokens;

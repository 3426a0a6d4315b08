//! Criterion benches of the chat workload: one EcoLogits impacts computation (target well under 1 µs), and one chat
//! round trip (client → local mock LLM → impacts) over 127.0.0.1.
//!
//! Run: `cargo bench -p workloads --bench chat`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use workloads::chat::client::ChatClient;
use workloads::chat::impacts::{Catalog, Estimator};
use workloads::chat::mock_llm::{self, MockLlmConfig};
use workloads::units::Seconds;

fn estimator() -> Estimator {
    let catalog = Catalog::embedded().expect("embedded tables parse");
    Estimator::new(catalog, "openai", "gpt-4o-mini", None).expect("known model")
}

fn impacts(c: &mut Criterion) {
    let est = estimator();
    c.bench_function("chat/impacts_gpt-4o-mini_200tok", |b| {
        b.iter(|| est.impacts(black_box(200), black_box(Some(Seconds(5.0)))))
    });
}

fn round_trip(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let server = rt
        .block_on(mock_llm::start("127.0.0.1:0", MockLlmConfig::default()))
        .expect("mock LLM binds");
    let client =
        ChatClient::new(&server.url(), estimator(), Duration::from_secs(5)).expect("client");
    c.bench_function("chat/client_round_trip_mock_llm", |b| {
        b.iter(|| {
            rt.block_on(client.chat(black_box("how green is my request")))
                .expect("served")
        })
    });
    rt.block_on(server.shutdown()).expect("shutdown");
}

criterion_group!(benches, impacts, round_trip);
criterion_main!(benches);

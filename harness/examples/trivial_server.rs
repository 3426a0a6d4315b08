//! A trivial HTTP endpoint (`GET /` → `ok`) for comparing `harness bench --target` with `oha` side by side:
//!
//! ```sh
//! cargo run --release -p harness --example trivial_server -- 127.0.0.1:18080 &
//! harness bench --target http://127.0.0.1:18080 --workload get:/ --concurrency 50 --duration 5s -k 1
//! oha -z 5s -c 50 --no-tui http://127.0.0.1:18080/
//! ```

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18080".to_string());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    eprintln!("listening on http://{}", listener.local_addr()?);
    axum::serve(listener, Router::new().route("/", get(|| async { "ok" }))).await
}

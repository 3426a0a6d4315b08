//! A small closed-loop HTTP load generator for the app's benchmark (`scripts/bench-intensity.sh` drives it).
//!
//! `cargo run -p workloads --example load -- URL [CONNECTIONS] [SECONDS] [SERVER_PID]`
//! runs CONNECTIONS workers that each send GET URL back to back for SECONDS (after a 1 s warm-up), then prints
//! requests/s, latency quantiles, non-2xx/failed counts and, when SERVER_PID is given, the server's CPU-seconds per
//! request read from `/proc/<pid>/stat` (utime + stime, 10 ms resolution) before and after the measured window.

use std::time::{Duration, Instant};

fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the `(comm)`: state is field 3, utime 14 and stime 15 (1-based).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    // Linux reports these in USER_HZ ticks, which is 100 on x86_64 and aarch64.
    Some((utime + stime) / 100.0)
}

async fn worker(client: reqwest::Client, url: String, until: Instant) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    while Instant::now() < until {
        let start = Instant::now();
        let ok = match client
            .get(&url)
            .header("accept", "application/json")
            .send()
            .await
        {
            Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        latencies.push(start.elapsed());
        if !ok {
            errors += 1;
        }
    }
    (latencies, errors)
}

async fn run(
    url: &str,
    connections: usize,
    seconds: f64,
) -> anyhow::Result<(Vec<Duration>, u64, f64)> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let window = Duration::from_secs_f64(seconds);
    let until = Instant::now() + window;
    let tasks: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(worker(client.clone(), url.to_owned(), until)))
        .collect();
    let started = Instant::now();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await?;
        all.extend(l);
        errors += e;
    }
    Ok((all, errors, started.elapsed().as_secs_f64()))
}

fn quantile(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * q).round() as usize;
    sorted.get(i).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let url = args
        .first()
        .ok_or_else(|| anyhow::anyhow!("usage: load URL [CONNECTIONS] [SECONDS] [SERVER_PID]"))?;
    let connections: usize = args.get(1).map_or(Ok(64), |s| s.parse())?;
    let seconds: f64 = args.get(2).map_or(Ok(10.0), |s| s.parse())?;
    let pid: Option<u32> = args.get(3).map(|s| s.parse()).transpose()?;
    run(url, connections, 1.0).await?; // warm-up: fills the cache and the connection pool
    let cpu_before = pid.and_then(cpu_seconds);
    let (mut lat, errors, wall) = run(url, connections, seconds).await?;
    let cpu_after = pid.and_then(cpu_seconds);
    lat.sort_unstable();
    let n = lat.len() as f64;
    println!("url={url} connections={connections} duration_s={wall:.2}");
    println!(
        "requests={} errors={errors} req_per_s={:.0}",
        lat.len(),
        n / wall
    );
    println!(
        "latency_ms p50={:.3} p90={:.3} p99={:.3} max={:.3}",
        quantile(&lat, 0.5),
        quantile(&lat, 0.9),
        quantile(&lat, 0.99),
        quantile(&lat, 1.0)
    );
    if let (Some(b), Some(a)) = (cpu_before, cpu_after) {
        println!(
            "server_cpu_s={:.2} server_cpu_us_per_request={:.1}",
            a - b,
            (a - b) / n * 1e6
        );
    }
    Ok(())
}

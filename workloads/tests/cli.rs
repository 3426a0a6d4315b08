//! The `workloads` binary end to end: impacts, train, mock-llm and serve as a user runs them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_workloads");

fn run(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("ELECTRICITY_MAP_API_KEY")
        .env_remove("MOCK_LLM_URL")
        .output()
        .expect("run workloads")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A server child killed on drop, and the base URL it printed.
struct Server {
    child: Child,
    url: String,
    /// The startup line.
    line: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `workloads <args>` and waits for its "listening on http://…" line.
fn spawn(args: &[&str]) -> Server {
    spawn_logging(args, Stdio::null())
}

/// `spawn` with the server's stderr (its log) going to `stderr`.
fn spawn_logging(args: &[&str], stderr: Stdio) -> Server {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("ELECTRICITY_MAP_API_KEY")
        .env_remove("MOCK_LLM_URL")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn workloads");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    Server { child, url, line }
}

fn get(url: &str) -> (u16, String) {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let r = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .unwrap();
    (r.status().as_u16(), r.text().unwrap())
}

#[test]
fn impacts_prints_the_documented_json() {
    let out = run(&[
        "impacts",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--output-tokens",
        "200",
        "--latency",
        "5s",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(v["provider"], "openai");
    assert_eq!(v["model"], "gpt-4o-mini");
    // Without --zone, EcoLogits uses the provider's datacentre location (OpenAI: USA).
    assert_eq!(v["zone"], "USA");
    for key in ["energy_kwh", "gwp_kgco2eq", "adpe_kgsbeq", "pe_mj", "wcf_l"] {
        let (min, max) = (
            v[key]["min"].as_f64().unwrap(),
            v[key]["max"].as_f64().unwrap(),
        );
        assert!(0.0 < min && min <= max, "{key}: {v}");
    }
    assert!(
        v["usage"]["energy_kwh"]["min"].as_f64().unwrap() > 0.0,
        "{v}"
    );
    assert!(
        v["embodied"]["gwp_kgco2eq"]["min"].as_f64().unwrap() > 0.0,
        "{v}"
    );
    assert!(v["warnings"].is_array());

    // A cleaner zone: same energy, less CO2eq.
    let fr = run(&[
        "impacts",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--output-tokens",
        "200",
        "--latency",
        "5s",
        "--zone",
        "FRA",
        "--format",
        "json",
    ]);
    assert!(fr.status.success(), "{}", text(&fr.stderr));
    let fr: serde_json::Value = serde_json::from_slice(&fr.stdout).unwrap();
    assert_eq!(fr["energy_kwh"], v["energy_kwh"]);
    assert!(
        fr["usage"]["gwp_kgco2eq"]["max"].as_f64().unwrap()
            < v["usage"]["gwp_kgco2eq"]["max"].as_f64().unwrap(),
        "France's mix is cleaner than the USA's"
    );

    let table = run(&[
        "impacts",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--output-tokens",
        "200",
    ]);
    assert!(table.status.success(), "{}", text(&table.stderr));
    let table = text(&table.stdout);
    assert!(
        table.contains("gpt-4o-mini") && table.contains("kWh"),
        "{table}"
    );
}

#[test]
fn impacts_names_the_closest_models_and_exits_2() {
    let out = run(&[
        "impacts",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mimi",
        "--output-tokens",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("gpt-4o-mini"), "{err}");
    let out = run(&[
        "impacts",
        "--provider",
        "opanai",
        "--model",
        "gpt-4o-mini",
        "--output-tokens",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("openai"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&[
        "impacts",
        "--provider",
        "openai",
        "--model",
        "gpt-4o-mini",
        "--output-tokens",
        "10",
        "--latency",
        "0s",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--latency"));
}

#[test]
fn train_writes_the_four_artifacts_and_refuses_a_missing_out() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("tiny");
    let out = run(&["train", "--epochs", "1", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in [
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "metrics.json",
    ] {
        assert!(out_dir.join(file).is_file(), "{file} missing");
    }
    let metrics: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("metrics.json")).unwrap())
            .unwrap();
    let f1 = metrics["test"]["macro_f1"]
        .as_f64()
        .or_else(|| metrics["macro_f1"].as_f64())
        .unwrap_or_else(|| panic!("no macro_f1 in {metrics}"));
    assert!((0.0..=1.0).contains(&f1), "{metrics}");

    let out = run(&["train"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--out"), "{}", text(&out.stderr));
}

#[test]
fn mock_llm_refuses_bad_flags_with_a_clear_message() {
    for (args, says) in [
        (
            &["mock-llm", "--completion-tokens", "50..10"][..],
            "completion-tokens",
        ),
        (&["mock-llm", "--error-rate", "1.5"][..], "error-rate"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn serve_with_the_builtin_mock_llm_answers_chat_and_meters_itself() {
    let server = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--env-file",
        "/dev/null",
        "--builtin-mock-llm",
        "--energy-period",
        "100ms",
    ]);
    let (status, body) = get(&format!("{}/chat_emissions?text=hello", server.url));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(v["usage"]["completion_tokens"].as_u64().unwrap() > 0, "{v}");
    let (status, body) = get(&format!(
        "{}/predict_carbon_intensity?text=driving+10+hours",
        server.url
    ));
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_millis(400));
    let (_, metrics) = get(&format!("{}/metrics", server.url));
    for name in [
        "llm_requests_total",
        "llm_impact_energy_joules_total",
        "predictions_total",
        "process_energy_joules_total",
        "codecarbon_energy_consumed",
    ] {
        assert!(metrics.contains(name), "{name} missing from /metrics");
    }
    assert!(
        metrics.contains("meter=\"model\""),
        "the energy is labelled an estimate"
    );
}

#[test]
fn serve_without_a_mock_llm_still_starts_and_chat_is_502() {
    // Port 9 (discard) on loopback: nothing listens there.
    let server = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--env-file",
        "/dev/null",
        "--mock-llm-url",
        "http://127.0.0.1:9",
        "--no-energy",
    ]);
    let (status, body) = get(&format!("{}/chat_emissions?text=hello", server.url));
    assert_eq!(status, 502, "{body}");
    let (status, _) = get(&format!("{}/carbon_intensity", server.url));
    assert_eq!(status, 200);
}

/// Issue #15: the LLM URL's password was printed in the startup line and returned in 502 bodies and the /chat page,
/// and the internal LLM URL was shown to public clients in every LLM error.
#[test]
fn serve_never_shows_the_llm_url_password_or_the_internal_url() {
    let log = tempfile::NamedTempFile::new().expect("log file");
    let server = spawn_logging(
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--env-file",
            "/dev/null",
            "--mock-llm-url",
            "http://llmuser:Pa55-LLM-secret@127.0.0.1:9/?api_key=qk-Secret9",
            "--no-energy",
        ],
        Stdio::from(log.reopen().expect("log handle")),
    );
    let mut seen = vec![server.line.clone()];
    assert!(
        server.line.contains("LLM http://***@127.0.0.1:9"),
        "{}",
        server.line
    );
    for path in ["/chat_emissions?text=hello", "/chat?text=hello"] {
        let (status, body) = get(&format!("{}{path}", server.url));
        assert_eq!(status, 502, "{body}");
        assert!(!body.contains("127.0.0.1:9"), "internal URL shown: {body}");
        seen.push(body);
    }
    seen.push(get(&format!("{}/metrics", server.url)).1);
    drop(server);
    // The server's log (debug level) after it stopped: no secret there either.
    let logged = std::fs::read_to_string(log.path()).expect("read the log");
    assert!(
        !logged.is_empty(),
        "the server logged nothing at debug level"
    );
    seen.push(logged);
    for text in seen {
        for secret in ["Pa55-LLM-secret", "qk-Secret9", "llmuser"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
}

/// Issue #15: a bad `--zone` was accepted and every default request was then a 400.
#[test]
fn serve_refuses_a_bad_zone_at_start_up() {
    let out = run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--env-file",
        "/dev/null",
        "--zone",
        "<x>",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--zone") && err.contains("US-CAL-CISO"),
        "{err}"
    );
}

#[test]
fn serve_refuses_bert_without_a_model_dir() {
    let out = run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--env-file",
        "/dev/null",
        "--model",
        "bert",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--model-dir"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn train_with_the_defaults_reproduces_the_committed_tiny_model_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&["train", "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/tiny");
    for file in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "metrics.json",
    ] {
        let ours = std::fs::read(dir.path().join(file)).unwrap();
        let theirs = std::fs::read(committed.join(file)).unwrap();
        assert!(
            ours == theirs,
            "{file} differs from workloads/models/tiny/{file}: retrain with \
             `cargo run -p workloads -- train --out workloads/models/tiny` and commit, or find what broke determinism"
        );
    }
}

/// Where `scripts/fetch-minilm.sh` puts all-MiniLM-L6-v2 (as in predict_bert.rs).
fn minilm_dir() -> Option<std::path::PathBuf> {
    let cache = std::env::var_os("CARBON_HARNESS_CACHE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .map(|h| std::path::PathBuf::from(h).join(".cache/carbon-harness"))
        })?;
    let dir = cache.join("all-MiniLM-L6-v2");
    dir.join("model.safetensors").is_file().then_some(dir)
}

#[test]
fn serve_runs_minilm_with_the_committed_head_when_fetched() {
    let Some(dir) = minilm_dir() else {
        eprintln!(
            "SKIPPED serve --model bert: all-MiniLM-L6-v2 not in the cache; run scripts/fetch-minilm.sh (CI does)"
        );
        return;
    };
    let head =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/minilm/head.safetensors");
    let server = spawn(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--env-file",
        "/dev/null",
        "--no-energy",
        "--model",
        "bert",
        "--model-dir",
        dir.to_str().unwrap(),
        "--head",
        head.to_str().unwrap(),
    ]);
    let (status, body) = get(&format!(
        "{}/predict_carbon_intensity?text=flying+to+New+York+and+back",
        server.url
    ));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["model"], "bert:all-MiniLM-L6-v2", "{v}");
    assert_eq!(v["classification"], "high", "{v}");
    // --head without bert is refused.
    let out = run(&[
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--model-dir",
        "x",
        "--head",
        "y",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--head is only for --model bert"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_error_cause_is_printed_once() {
    // The io error is quoted by the outer message ("cannot write DIR: No such file…") and is its source too.
    let out = run(&["train", "--epochs", "1", "--out", "/proc/no-such-dir/model"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("/proc/no-such-dir"), "{stderr}");
    assert_eq!(
        stderr.matches("(os error 2)").count(),
        1,
        "the cause is repeated: {stderr}"
    );
}

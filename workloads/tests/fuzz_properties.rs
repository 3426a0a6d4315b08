//! Fuzz-style property tests (stable Rust, proptest) of what the workloads crate parses from clients and upstreams:
//! the app routes' query/percent decoding, the Electricity Maps and LLM body parsers, the `.env` parser, and the
//! redaction of URLs and upstream text. Case counts are CI-sized; `FUZZ_CASES=20000 cargo test -p workloads --test
//! fuzz_properties` runs longer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use workloads::app::routes::predict::{TextError, query_params, text_param};
use workloads::chat::client::parse_completion;
use workloads::intensity::client::parse_body;
use workloads::intensity::dotenv;
use workloads::redact;

fn cases(default: u32) -> ProptestConfig {
    let n = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Percent-encodes every byte that is not unreserved (the strictest client).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(cases(256))]

    /// Whatever a client encodes comes back exactly; `+` is a space.
    #[test]
    fn query_decoding_round_trips(s in "\\PC{0,64}", other in "[a-z]{1,5}") {
        let q = format!("{other}x=1&text={}", encode(&s));
        prop_assert_eq!(text_param(Some(&q)), Ok(Some(s.clone())));
        let plus = format!("text={}", encode(&s).replace("%20", "+"));
        prop_assert_eq!(text_param(Some(&plus)), Ok(Some(s)));
    }

    /// Any query string: decoded or refused with a 400-class error, never a panic, never U+FFFD invented.
    #[test]
    fn any_query_decodes_or_is_refused(q in "[a-z=&%+0-9A-Fa-f\\-]{0,40}|\\PC{0,40}") {
        match query_params(Some(&q), "text") {
            Ok(values) => {
                for v in values {
                    // U+FFFD only if the client sent it literally or percent-encoded it.
                    let sent = q.contains('\u{FFFD}') || q.to_ascii_uppercase().contains("%EF%BF%BD");
                    prop_assert!(!v.contains('\u{FFFD}') || sent, "{:?} from {:?}", v, q);
                }
            }
            Err(TextError::BadEncoding(m)) => prop_assert!(!m.is_empty()),
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }

    /// A `%` followed by anything but two hex digits is refused.
    #[test]
    fn malformed_escapes_are_refused(a in "[^0-9A-Fa-f]", b in "[0-9A-Fa-f]") {
        let refused = |q: String| matches!(text_param(Some(&q)), Err(TextError::BadEncoding(_)));
        prop_assert!(refused(format!("text=%{a}{b}")), "%{}{}", a, b);
        prop_assert!(refused(format!("text=%{b}{a}")) || a.len() > 1, "%{}{}", b, a);
    }

    /// The Electricity Maps body parser: arbitrary bytes never panic; a valid body gives its value back.
    #[test]
    fn grid_bodies_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300), v in 0.0f64..5000.0) {
        let _ = parse_body(&bytes);
        let ok = format!(r#"{{"zone":"DE","carbonIntensity":{v},"datetime":"2026-01-01T00:00:00Z"}}"#);
        // serde_json's default float parsing may differ from Rust's in the last bit.
        let got = parse_body(ok.as_bytes()).map(|r| r.intensity.0).expect("valid body parses");
        prop_assert!((got - v).abs() <= v.abs() * 1e-15, "{} vs {}", got, v);
    }

    /// The LLM body parser: arbitrary bytes never panic; token counts that do not add up are refused.
    #[test]
    fn llm_bodies_parse_or_fail_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..300), p in 0u64..10_000, c in 0u64..10_000, lie in any::<bool>()) {
        let _ = parse_completion(&bytes);
        let total = if lie { p + c + 1 } else { p + c };
        let body = format!(
            r#"{{"id":"x","object":"chat.completion","created":0,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"hi"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":{p},"completion_tokens":{c},"total_tokens":{total}}}}}"#
        );
        prop_assert_eq!(parse_completion(body.as_bytes()).is_ok(), !lie);
    }

    /// `.env`: any text parses or names its line; a well-formed file gives its pairs back.
    #[test]
    fn dotenv_parses_or_names_the_line(text in "\\PC{0,200}", key in "[A-Z_][A-Z0-9_]{0,12}", value in "[a-zA-Z0-9_./:-]{0,30}") {
        if let Err(e) = dotenv::parse(&text, ".env") {
            prop_assert!(e.line >= 1 && e.line <= text.lines().count().max(1), "{}", e);
        }
        let file = format!("# comment\n\nexport {key}=\"{value}\"\n");
        prop_assert_eq!(dotenv::parse(&file, ".env"), Ok(vec![(key, value)]));
    }

    /// Redaction: a URL password and a secret-named query value never survive, whatever surrounds them.
    #[test]
    fn redaction_never_lets_a_secret_through(
        user in "[a-z]{1,8}", pass in "[A-Za-z0-9]{6,16}", tok in "[A-Za-z0-9]{6,16}",
        name in prop::sample::select(vec!["token", "api_key", "Password", "x-auth", "client_secret", "KEY"]),
        noise in "\\PC{0,40}",
    ) {
        let url = format!("https://{user}:{pass}@host:8443/p?{name}={tok}&zone=DE");
        let shown = redact::url(&url);
        prop_assert!(!shown.contains(&pass) && !shown.contains(&tok), "{}", shown);
        let text = redact::upstream_text(&format!("{noise} {url} {noise}"), &[]);
        prop_assert!(!text.contains(&pass) && !text.contains(&tok), "{}", text);
        prop_assert!(text.chars().count() <= redact::MAX_UPSTREAM_TEXT_CHARS + 1);
    }
}

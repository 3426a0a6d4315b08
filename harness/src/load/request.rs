//! One HTTP request as the user described it: method, path and query, headers, body and the statuses that count as
//! success. Built from the inline flags (`--workload post:/PATH`, `--header`, `--body`) or from a scenario file
//! ([`super::scenario`]), validated once, then sent by [`super::http::HttpRequest`] on every op.
//!
//! Header values may name environment variables, `${NAME}`: they are read when the run starts (an unset one is an
//! error naming it) and the result file records the value as written (`Bearer ${API_TOKEN}`), never what it became.
//! A header named like a secret (`Authorization`, `Cookie`, `X-Api-Key`, ...) given literally is recorded as `***`.

use crate::record::schema::RequestInfo;
use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use std::fmt;
use std::path::Path;

/// Methods a request may use, as accepted in `--workload METHOD:/PATH` (lower case) and scenario files (any case).
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Why a request description was refused: the message names the flag or file and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RequestError(pub String);

fn err(msg: impl Into<String>) -> RequestError {
    RequestError(msg.into())
}

/// Parse a method name (any case); `whence` names where it was written.
pub fn parse_method(text: &str, whence: &str) -> Result<Method, RequestError> {
    let upper = text.trim().to_ascii_uppercase();
    if !METHODS.contains(&upper.as_str()) {
        return Err(err(format!(
            "{whence}: unknown method `{text}`; use one of {}",
            METHODS.join(", ")
        )));
    }
    Method::from_bytes(upper.as_bytes()).map_err(|e| err(format!("{whence}: method `{text}`: {e}")))
}

/// Which response statuses count as a successful op.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExpectStatus {
    /// Any 2xx (the default).
    #[default]
    Success,
    /// Exactly these codes.
    Codes(Vec<u16>),
}

impl ExpectStatus {
    pub fn accepts(&self, status: u16) -> bool {
        match self {
            ExpectStatus::Success => (200..300).contains(&status),
            ExpectStatus::Codes(codes) => codes.contains(&status),
        }
    }
}

impl fmt::Display for ExpectStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExpectStatus::Success => f.write_str("2xx"),
            ExpectStatus::Codes(codes) => {
                let texts: Vec<String> = codes.iter().map(u16::to_string).collect();
                f.write_str(&texts.join(","))
            }
        }
    }
}

/// One header: its name, the value as written (what results record) and the value sent.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderSpec {
    pub name: HeaderName,
    /// As the user wrote it, `${NAME}` references kept; `***` for a literal secret-named header.
    pub recorded: String,
    /// What is sent: `${NAME}` replaced by the environment's value. Never printed.
    pub value: HeaderValue,
}

impl fmt::Debug for HeaderSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.recorded)
    }
}

/// Parse `NAME: VALUE` (as in `--header`), reading `${VAR}` references from `env`.
pub fn parse_header(
    line: &str,
    whence: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<HeaderSpec, RequestError> {
    let (name, value) = line.split_once(':').ok_or_else(|| {
        err(format!(
            "{whence} `{line}`: expected `NAME: VALUE`, e.g. --header 'Authorization: Bearer ${{API_TOKEN}}'"
        ))
    })?;
    header(name.trim(), value.trim(), whence, env)
}

/// One header from its name and written value (`${VAR}` read from `env`).
pub fn header(
    name: &str,
    written: &str,
    whence: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<HeaderSpec, RequestError> {
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        err(format!(
            "{whence}: `{name}` is not a valid header name (letters, digits and -)"
        ))
    })?;
    let (expanded, used_env) = expand_env(written, whence, env)?;
    let mut value = HeaderValue::from_str(&expanded).map_err(|_| {
        err(format!(
            "{whence}: the value of header `{name}` has characters a header cannot carry (a newline?)"
        ))
    })?;
    let secret_name = workloads::redact::is_secret_name(name);
    // Debug output of the value then shows `Sensitive`, never the secret.
    value.set_sensitive(used_env || secret_name);
    let recorded = if !used_env && secret_name {
        workloads::redact::MASK.to_string()
    } else {
        written.to_string()
    };
    Ok(HeaderSpec {
        name: header_name,
        recorded,
        value,
    })
}

/// `text` with every `${VAR}` replaced by `env(VAR)`; true when any reference was replaced.
fn expand_env(
    text: &str,
    whence: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, bool), RequestError> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut used = false;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or_else(|| {
            err(format!(
                "{whence}: `${{` without a closing `}}` in `{text}`; write ${{NAME}}"
            ))
        })?;
        let var = &after[..end];
        if var.is_empty() || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err(format!(
                "{whence}: `${{{var}}}` is not an environment variable name (letters, digits, _)"
            )));
        }
        let value = env(var).ok_or_else(|| {
            err(format!(
                "{whence}: environment variable {var} is not set (the header reads ${{{var}}}); export {var}=... \
                 before the run"
            ))
        })?;
        out.push_str(&value);
        used = true;
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok((out, used))
}

/// The process environment, for [`parse_header`].
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// A request body and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodySpec {
    pub bytes: Bytes,
    /// `inline` or `@PATH` as written.
    pub source: String,
}

/// `--body STRING` or `--body @FILE` (a relative FILE is taken from `base_dir`).
pub fn parse_body(text: &str, base_dir: &Path, whence: &str) -> Result<BodySpec, RequestError> {
    match text.strip_prefix('@') {
        Some(file) => {
            let path = base_dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| {
                err(format!(
                    "{whence} @{file}: cannot read {}: {e}; give an existing file, or the body itself without @",
                    path.display()
                ))
            })?;
            Ok(BodySpec {
                bytes: Bytes::from(bytes),
                source: format!("@{file}"),
            })
        }
        None => Ok(BodySpec {
            bytes: Bytes::copy_from_slice(text.as_bytes()),
            source: "inline".to_string(),
        }),
    }
}

/// The `Content-Type` sent with a body the user gave none for: JSON when it parses as JSON, else plain text when it
/// is UTF-8, else bytes.
pub fn default_content_type(body: &[u8]) -> &'static str {
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() {
        "application/json"
    } else if std::str::from_utf8(body).is_ok() {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

/// One request, validated: what each op of its workload sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// The workload name in results: `post:/orders` inline, the request's `name` in a scenario.
    pub name: String,
    pub method: Method,
    /// Path and query, starting with `/`.
    pub path: String,
    pub headers: Vec<HeaderSpec>,
    pub body: Option<BodySpec>,
    pub expect: ExpectStatus,
}

impl RequestSpec {
    /// A plain GET of `path`, named `name`, expecting 2xx.
    pub fn get(name: &str, path: &str) -> Self {
        Self {
            name: name.to_string(),
            method: Method::GET,
            path: path.to_string(),
            headers: Vec::new(),
            body: None,
            expect: ExpectStatus::Success,
        }
    }

    /// True when the user set this header (any case).
    pub fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|h| h.name.as_str().eq_ignore_ascii_case(name))
    }

    /// What the result file records about the request (header values as written, the body's size and source).
    pub fn info(&self) -> RequestInfo {
        RequestInfo {
            method: self.method.to_string(),
            path: workloads::redact::url(&self.path),
            headers: self
                .headers
                .iter()
                .map(|h| format!("{}: {}", h.name, h.recorded))
                .collect(),
            body_bytes: self.body.as_ref().map(|b| b.bytes.len() as u64),
            body_source: self.body.as_ref().map(|b| b.source.clone()),
            expect_status: self.expect.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "API_TOKEN").then(|| "s3cr3t-v4lue".to_string())
    }

    #[test]
    fn env_references_are_sent_expanded_and_recorded_as_written() {
        let h =
            parse_header("Authorization: Bearer ${API_TOKEN}", "--header", &env).expect("header");
        assert_eq!(h.value.to_str().expect("ascii"), "Bearer s3cr3t-v4lue");
        assert_eq!(h.recorded, "Bearer ${API_TOKEN}");
        assert!(!format!("{h:?}").contains("s3cr3t"));
    }

    #[test]
    fn literal_secret_headers_are_masked_and_plain_ones_kept() {
        let h = parse_header("X-Api-Key: abc123", "--header", &env).expect("header");
        assert_eq!(h.recorded, "***");
        assert_eq!(h.value.to_str().expect("ascii"), "abc123");
        let h = parse_header("X-Trace: on", "--header", &env).expect("header");
        assert_eq!(h.recorded, "on");
    }

    #[test]
    fn bad_headers_name_the_problem() {
        let e = parse_header("Authorization: ${MISSING_VAR}", "--header", &env).expect_err("unset");
        assert!(
            e.0.contains("MISSING_VAR is not set") && e.0.contains("export MISSING_VAR"),
            "{e}"
        );
        let e = parse_header("no colon", "--header", &env).expect_err("no colon");
        assert!(e.0.contains("NAME: VALUE"), "{e}");
        let e = parse_header("X: ${OPEN", "--header", &env).expect_err("unclosed");
        assert!(e.0.contains("closing"), "{e}");
        let e = parse_header("bad name: x", "--header", &env).expect_err("name");
        assert!(e.0.contains("not a valid header name"), "{e}");
    }

    #[test]
    fn methods_and_statuses() {
        assert_eq!(parse_method("post", "x").expect("post"), Method::POST);
        let e = parse_method("FETCH", "request `a`").expect_err("unknown");
        assert!(
            e.0.contains("unknown method `FETCH`") && e.0.contains("PATCH"),
            "{e}"
        );
        assert!(ExpectStatus::Success.accepts(204) && !ExpectStatus::Success.accepts(302));
        let c = ExpectStatus::Codes(vec![201, 409]);
        assert!(c.accepts(409) && !c.accepts(200));
        assert_eq!(c.to_string(), "201,409");
    }

    #[test]
    fn bodies_inline_or_from_a_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("b.json"), br#"{"a":1}"#).expect("write");
        let b = parse_body("@b.json", dir.path(), "--body").expect("file");
        assert_eq!(
            (&b.bytes[..], b.source.as_str()),
            (&br#"{"a":1}"#[..], "@b.json")
        );
        let e = parse_body("@nope.json", dir.path(), "--body").expect_err("missing");
        assert!(
            e.0.contains("nope.json") && e.0.contains("cannot read"),
            "{e}"
        );
        assert_eq!(default_content_type(br#"{"a":1}"#), "application/json");
        assert_eq!(default_content_type(b"a=1"), "text/plain; charset=utf-8");
        assert_eq!(
            default_content_type(&[0xff, 0xfe]),
            "application/octet-stream"
        );
    }
}

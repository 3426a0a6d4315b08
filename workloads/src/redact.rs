//! The one place that makes URLs and upstream text safe to show: every URL that reaches a log line, an error
//! message, a result file or a page goes through [`url`]; every piece of text taken from an upstream goes through
//! [`upstream_text`]. Used by the app, the mock servers and the harness (`harness bench --target`, `harness push`).
//!
//! | what | becomes |
//! |---|---|
//! | user-info (`http://user:pass@host`) | `http://***@host` |
//! | a query parameter named like a secret (`token`, `key`, `api_key`, `password`, `secret`, `auth`, `signature`, `credential`, `session`, …, any case, as a part of the name) | its value `***` |
//! | a configured secret (API key, auth token) inside text | `***` |
//! | text from an upstream | at most [`MAX_UPSTREAM_TEXT_CHARS`] characters, then `…` |
//!
//! A URL with nothing to hide is returned byte for byte (no normalisation), so ordinary output does not change.

/// What a redacted value is replaced with.
pub const MASK: &str = "***";

/// Upstream error text is cut to this many characters before it reaches a client or a log.
pub const MAX_UPSTREAM_TEXT_CHARS: usize = 200;

/// Parts of a query parameter name that mark its value as a secret (compared lower-case).
const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "key",
    "password",
    "passwd",
    "pwd",
    "secret",
    "auth",
    "signature",
    "sig",
    "credential",
    "session",
];

/// True when a query parameter or header named `name` carries a secret.
pub fn is_secret_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|p| lower.contains(p))
}

/// `raw` with its user-info and secret-named query values replaced by [`MASK`]. Works on strings that are not valid
/// URLs too (a `scheme://user:pass@` prefix and `name=value` pairs after `?` are still found).
pub fn url(raw: &str) -> String {
    let (head, fragment) = match raw.find('#') {
        Some(i) => raw.split_at(i),
        None => (raw, ""),
    };
    let (before_query, query) = match head.find('?') {
        Some(i) => (&head[..i], Some(&head[i + 1..])),
        None => (head, None),
    };
    let mut out = String::with_capacity(raw.len());
    out.push_str(&without_user_info(before_query));
    if let Some(q) = query {
        out.push('?');
        out.push_str(&redact_query(q));
    }
    out.push_str(fragment);
    out
}

fn without_user_info(s: &str) -> String {
    let Some(scheme_end) = s.find("://") else {
        return s.to_string();
    };
    let authority_start = scheme_end + 3;
    let rest = &s[authority_start..];
    let authority_len = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_len].rfind('@') {
        Some(at) => format!("{}{MASK}{}", &s[..authority_start], &rest[at..]),
        None => s.to_string(),
    }
}

fn redact_query(q: &str) -> String {
    q.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_name(&percent_decoded_lossy(name)) => {
                format!("{name}={MASK}")
            }
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// A name as a client would see it after `%XX` decoding (invalid escapes kept as they are).
fn percent_decoded_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every URL inside free `text` (anything starting `http://` or `https://` up to white space or a quote) through
/// [`url`], and every non-empty configured `secret` replaced by [`MASK`].
pub fn text(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_url_start(rest) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        out.push_str(&url(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        out = out.replace(s, MASK);
    }
    out
}

fn find_url_start(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Text taken from an upstream answer, made fit to pass on: configured `secrets` and URL credentials masked (before
/// cutting, so no half secret survives), then cut to [`MAX_UPSTREAM_TEXT_CHARS`] characters.
pub fn upstream_text(raw: &str, secrets: &[&str]) -> String {
    // Only a bounded prefix is scanned: the body is already capped, but a 1 MiB message need not be copied whole.
    let window: String = raw.chars().take(MAX_UPSTREAM_TEXT_CHARS * 4).collect();
    let clean = text(&window, secrets);
    let mut chars = clean.chars();
    let cut: String = chars.by_ref().take(MAX_UPSTREAM_TEXT_CHARS).collect();
    if chars.next().is_some() || raw.chars().nth(MAX_UPSTREAM_TEXT_CHARS * 4).is_some() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// The user-info password of `raw` (for callers that must scrub it from text they did not build), if any.
pub fn url_password(raw: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(raw).ok()?;
    parsed
        .password()
        .map(percent_decoded_lossy)
        .filter(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_and_secret_query_values_are_masked() {
        assert_eq!(
            url("http://user:pass@host:8002/v1?x=1"),
            "http://***@host:8002/v1?x=1"
        );
        assert_eq!(url("https://tok@h/"), "https://***@h/");
        assert_eq!(
            url("http://h/p?token=abc&zone=DE&API_KEY=k&my-Secret=s#frag"),
            "http://h/p?token=***&zone=DE&API_KEY=***&my-Secret=***#frag"
        );
        assert_eq!(url("http://h/p?%74oken=abc"), "http://h/p?%74oken=***");
        // Nothing to hide: byte for byte.
        assert_eq!(url("http://127.0.0.1:8001"), "http://127.0.0.1:8001");
        assert_eq!(url("not a url"), "not a url");
        // An @ in the path is not user-info.
        assert_eq!(url("http://h/a@b"), "http://h/a@b");
    }

    #[test]
    fn text_masks_urls_and_configured_secrets() {
        let t = text(
            "failed: \"http://u:pw@h/x?auth=zz\" with key s3cret-k3y, see https://docs",
            &["s3cret-k3y", ""],
        );
        assert_eq!(
            t,
            "failed: \"http://***@h/x?auth=***\" with key ***, see https://docs"
        );
    }

    #[test]
    fn upstream_text_is_bounded_and_scrubbed() {
        let long = format!("{}{}", "k3y ".repeat(10), "x".repeat(5_000_000));
        let t = upstream_text(&long, &["k3y"]);
        assert!(
            t.chars().count() <= MAX_UPSTREAM_TEXT_CHARS + 1,
            "{}",
            t.len()
        );
        assert!(!t.contains("k3y") && t.ends_with('…'));
        assert_eq!(upstream_text("short", &[]), "short");
        // A secret straddling the cut is masked before the cut.
        let straddle = format!("{}SECRETVALUE", "a".repeat(195));
        assert!(!upstream_text(&straddle, &["SECRETVALUE"]).contains("SECRET"));
    }

    #[test]
    fn password_of_a_url() {
        assert_eq!(url_password("http://u:p%40ss@h/").as_deref(), Some("p@ss"));
        assert_eq!(url_password("http://h/"), None);
    }
}

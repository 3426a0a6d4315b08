//! `--scenario FILE`: a TOML file of named HTTP requests, each measured as its own workload (named by `name` in the
//! result file). Read and checked once when the run starts; `${VAR}` in header values comes from the environment
//! then (see [`super::request`]).
//!
//! ```toml
//! [[request]]
//! name = "create-order"                 # the workload name in results (letters, digits, - _ . : /)
//! method = "POST"                       # GET (default), POST, PUT, PATCH, DELETE, HEAD, OPTIONS
//! path = "/orders?dry_run=1"            # path and query, joined to --target
//! headers = { Authorization = "Bearer ${API_TOKEN}", "X-Client" = "ci" }
//! body = '{"item": "tea", "qty": 2}'    # or "@order.json", read relative to this file
//! expect_status = 201                   # or [200, 201]; default any 2xx
//!
//! [[request]]
//! name = "list-orders"
//! path = "/orders"
//! ```

use super::request::{self, BodySpec, ExpectStatus, RequestSpec};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    #[serde(default)]
    request: Vec<RequestEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestEntry {
    name: String,
    #[serde(default)]
    method: Option<String>,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    expect_status: Option<StatusList>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StatusList {
    One(u16),
    Many(Vec<u16>),
}

/// Read `path` into one [`RequestSpec`] per `[[request]]`, in file order; `env` resolves `${VAR}` in headers.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Vec<RequestSpec>> {
    let shown = path.display();
    let text = std::fs::read_to_string(path).map_err(|e| {
        anyhow::anyhow!(
            "--scenario {shown}: cannot read it ({e}); give the path of a TOML scenario file"
        )
    })?;
    let file: ScenarioFile = toml::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "--scenario {shown}: not a valid scenario file: {}; each request is a [[request]] table with name, path \
             and optionally method, headers, body, expect_status (README: \"Gate your own service\")",
            e.to_string().trim_end()
        )
    })?;
    if file.request.is_empty() {
        anyhow::bail!(
            "--scenario {shown}: no [[request]] table; add at least one with a name and a path"
        );
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let mut specs: Vec<RequestSpec> = Vec::with_capacity(file.request.len());
    for entry in file.request {
        let spec = entry_spec(entry, dir, &shown.to_string(), env)?;
        if specs.iter().any(|s| s.name == spec.name) {
            anyhow::bail!(
                "--scenario {shown}: two requests are named `{}`; names must be unique (each is a workload)",
                spec.name
            );
        }
        specs.push(spec);
    }
    Ok(specs)
}

fn entry_spec(
    entry: RequestEntry,
    dir: &Path,
    file: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<RequestSpec> {
    let whence = format!("--scenario {file}, request `{}`", entry.name);
    let name_ok = |c: char| c.is_ascii_alphanumeric() || "-_.:/".contains(c);
    if entry.name.is_empty() || !entry.name.chars().all(name_ok) || entry.name.contains(',') {
        anyhow::bail!(
            "{whence}: the name may hold only letters, digits and - _ . : / (it names the workload in results)"
        );
    }
    if !entry.path.starts_with('/') {
        anyhow::bail!(
            "{whence}: path `{}` must start with /, e.g. /orders?page=1",
            entry.path
        );
    }
    let method = request::parse_method(entry.method.as_deref().unwrap_or("GET"), &whence)?;
    let headers = entry
        .headers
        .iter()
        .map(|(k, v)| request::header(k, v, &whence, env))
        .collect::<Result<Vec<_>, _>>()?;
    let body: Option<BodySpec> = entry
        .body
        .as_deref()
        .map(|b| request::parse_body(b, dir, &format!("{whence}: body")))
        .transpose()?;
    let expect = match entry.expect_status {
        None => ExpectStatus::Success,
        Some(StatusList::One(c)) => ExpectStatus::Codes(vec![c]),
        Some(StatusList::Many(c)) if c.is_empty() => anyhow::bail!(
            "{whence}: expect_status is an empty list; leave it out for any 2xx, or list codes like [200, 201]"
        ),
        Some(StatusList::Many(c)) => ExpectStatus::Codes(c),
    };
    if let ExpectStatus::Codes(codes) = &expect
        && let Some(bad) = codes.iter().find(|c| !(100..=599).contains(*c))
    {
        anyhow::bail!("{whence}: expect_status {bad} is not an HTTP status (100 to 599)");
    }
    Ok(RequestSpec {
        name: entry.name,
        method,
        path: entry.path,
        headers,
        body,
        expect,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "t0k3n".to_string())
    }

    fn write(dir: &Path, text: &str) -> std::path::PathBuf {
        let p = dir.join("scenario.toml");
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn reads_every_field() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("order.json"), r#"{"qty":2}"#).expect("write");
        let p = write(
            dir.path(),
            r#"
[[request]]
name = "create"
method = "post"
path = "/orders?x=1"
headers = { Authorization = "Bearer ${TOKEN}", "X-Client" = "ci" }
body = "@order.json"
expect_status = [200, 201]

[[request]]
name = "list"
path = "/orders"
"#,
        );
        let specs = load(&p, &env).expect("loads");
        assert_eq!(specs.len(), 2);
        let c = &specs[0];
        assert_eq!((c.name.as_str(), c.method.as_str()), ("create", "POST"));
        assert_eq!(c.expect, ExpectStatus::Codes(vec![200, 201]));
        assert_eq!(&c.body.as_ref().expect("body").bytes[..], br#"{"qty":2}"#);
        let info = c.info();
        assert!(
            info.headers
                .contains(&"authorization: Bearer ${TOKEN}".to_string()),
            "{info:?}"
        );
        assert_eq!(specs[1].method.as_str(), "GET");
        assert_eq!(specs[1].expect, ExpectStatus::Success);
    }

    #[test]
    fn bad_files_get_a_message_naming_the_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cases = [
            ("[[request]\nname = \"a\"", "not a valid scenario file"),
            (
                "[[request]]\nname = \"a\"\npath = \"/\"\nmethod = \"FETCH\"",
                "unknown method `FETCH`",
            ),
            (
                "[[request]]\nname = \"a\"\npath = \"/\"\nheaders = { A = \"${NOPE}\" }",
                "NOPE is not set",
            ),
            (
                "[[request]]\nname = \"a\"\npath = \"x\"",
                "must start with /",
            ),
            (
                "[[request]]\nname = \"a\"\npath = \"/\"\nbody = \"@missing.json\"",
                "missing.json",
            ),
            (
                "[[request]]\nname = \"a\"\npath = \"/\"\nwieght = 2",
                "unknown field `wieght`",
            ),
            ("title = \"x\"", "unknown field `title`"),
            ("", "no [[request]] table"),
            (
                "[[request]]\nname = \"a\"\npath = \"/\"\n[[request]]\nname = \"a\"\npath = \"/b\"",
                "two requests are named `a`",
            ),
        ];
        for (text, expected) in cases {
            let p = write(dir.path(), text);
            let e = load(&p, &env).expect_err(text).to_string();
            assert!(
                e.contains(expected) && e.contains("--scenario"),
                "{text}: {e}"
            );
        }
        let e = load(&dir.path().join("none.toml"), &env).expect_err("missing file");
        assert!(e.to_string().contains("cannot read"), "{e}");
    }
}

//! `.env` parsing and API-key lookup.
//!
//! Format: `KEY=VALUE` per line, optional `export ` prefix, `#` comments and blank lines ignored, values optionally
//! in single or double quotes. Anything else is an error naming the file, the line number and the fix. The key is
//! looked up in the environment first (`ELECTRICITY_MAP_API_KEY`), then in the `.env` file.

use std::path::Path;

/// The environment variable (and `.env` key) holding the Electricity Maps API key.
pub const API_KEY_VAR: &str = "ELECTRICITY_MAP_API_KEY";

/// A malformed `.env` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {problem} (expected KEY=VALUE, a # comment or a blank line)")]
pub struct DotenvError {
    /// The file.
    pub path: String,
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub problem: String,
}

/// Parses `.env` text; `path` only labels errors.
pub fn parse(text: &str, path: &str) -> Result<Vec<(String, String)>, DotenvError> {
    let mut pairs = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |problem: String| DotenvError {
            path: path.to_owned(),
            line: i + 1,
            problem,
        };
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| err("no `=` on this line".to_owned()))?;
        let key = key.trim();
        let valid = !key.is_empty()
            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !key.starts_with(|c: char| c.is_ascii_digit());
        if !valid {
            return Err(err(format!("`{key}` is not a valid variable name")));
        }
        pairs.push((key.to_owned(), unquote(value.trim()).map_err(err)?));
    }
    Ok(pairs)
}

fn unquote(value: &str) -> Result<String, String> {
    for q in ['"', '\''] {
        if let Some(rest) = value.strip_prefix(q) {
            return rest
                .strip_suffix(q)
                .map(str::to_owned)
                .ok_or_else(|| format!("unterminated {q} quote in the value"));
        }
    }
    // An unquoted value ends at an inline comment.
    Ok(value
        .split(" #")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned())
}

/// The API key: `env_value` (the environment variable) wins, then `API_KEY_VAR` in the `.env` file at `path` if it
/// exists. An empty value counts as absent. A malformed `.env` is an error, not a silent fallback.
pub fn api_key(env_value: Option<String>, path: &Path) -> Result<Option<String>, DotenvError> {
    if let Some(key) = env_value.filter(|k| !k.trim().is_empty()) {
        return Ok(Some(key.trim().to_owned()));
    }
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(None);
    };
    let pairs = parse(&text, &path.display().to_string())?;
    Ok(pairs
        .into_iter()
        .rev()
        .find(|(k, v)| k == API_KEY_VAR && !v.is_empty())
        .map(|(_, v)| v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_comments_quotes_and_export() {
        let text = "# comment\n\nexport A=1\nB = \"two words\"\nC='x'\nD=plain # note\nE=\n";
        let pairs = parse(text, ".env").expect("parses");
        let want = [
            ("A", "1"),
            ("B", "two words"),
            ("C", "x"),
            ("D", "plain"),
            ("E", ""),
        ];
        let got: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn malformed_line_is_named() {
        let err = parse("A=1\n# ok\nthis line is wrong\n", "/x/.env").expect_err("must fail");
        assert_eq!(err.line, 3);
        assert!(err.to_string().starts_with("/x/.env:3: no `=`"), "{err}");
        let err = parse("1BAD=x", ".env").expect_err("bad name");
        assert!(
            err.to_string()
                .contains("`1BAD` is not a valid variable name"),
            "{err}"
        );
        let err = parse("A=\"open", ".env").expect_err("quote");
        assert!(err.to_string().contains("unterminated"), "{err}");
    }

    #[test]
    fn key_lookup_prefers_environment_then_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(".env");
        assert_eq!(api_key(None, &path), Ok(None), "no file, no env");
        std::fs::write(&path, format!("OTHER=1\n{API_KEY_VAR}=from-file\n")).expect("write");
        assert_eq!(api_key(None, &path), Ok(Some("from-file".to_owned())));
        assert_eq!(
            api_key(Some("from-env".into()), &path),
            Ok(Some("from-env".to_owned()))
        );
        assert_eq!(
            api_key(Some(" ".into()), &path),
            Ok(Some("from-file".to_owned()))
        );
        std::fs::write(&path, "garbage\n").expect("write");
        assert!(
            api_key(None, &path).is_err(),
            "a malformed .env is an error"
        );
    }
}

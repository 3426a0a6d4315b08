//! What this binary was built from: the package version and the git commit embedded by `build.rs`.
//!
//! `harness --version` prints [`VERSION`], e.g. `harness 0.1.0 (commit 8d54ec3…, 40 hex digits)`; `harness ab` reads
//! that line back from each build it is given ([`commit_in_version`]) to check that the two builds run the code of the
//! checkouts they are said to come from.

/// The commit this binary was built from (40 hex digits), or `unknown` outside a git checkout.
pub const COMMIT: &str = env!("CARBON_HARNESS_COMMIT");

/// The text after the program name in `harness --version`.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("CARBON_HARNESS_COMMIT"),
    ")"
);

/// The commit a `harness --version` line reports, if it reports one (builds before the commit was embedded, and
/// builds outside a checkout, report none).
pub fn commit_in_version(version_output: &str) -> Option<String> {
    let start = version_output.find("(commit ")? + "(commit ".len();
    let rest = &version_output[start..];
    let commit = &rest[..rest.find(')')?];
    let is_sha = commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit());
    is_sha.then(|| commit.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_commit_back_from_a_version_line() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(
            commit_in_version(&format!("harness 0.1.0 (commit {sha})\n")).as_deref(),
            Some(sha)
        );
        assert_eq!(commit_in_version("harness 0.1.0 (commit unknown)"), None);
        assert_eq!(commit_in_version("harness 0.1.0"), None);
        assert_eq!(commit_in_version("harness 0.1.0 (commit 0123)"), None);
    }

    #[test]
    fn this_build_reports_a_commit_or_says_unknown() {
        let line = format!("harness {VERSION}");
        match commit_in_version(&line) {
            Some(c) => assert_eq!(c, COMMIT),
            None => assert_eq!(COMMIT, "unknown"),
        }
    }
}

//! Embeds the git commit this binary is built from, so `harness --version` can say which code it runs and `harness ab`
//! can refuse two builds of the same code (issue #22: with one shared target directory, cargo can keep one checkout's
//! artefacts for another checkout of the same workspace).
//!
//! The commit comes from `CARBON_HARNESS_COMMIT` when set (github-action/scripts/build.sh sets it), else from
//! `git rev-parse HEAD` in this package's checkout, else it is `unknown` (a source tarball, no git). The script reruns
//! when that variable changes or when the checkout's HEAD or the branch it points to moves, so a new commit never
//! keeps an old commit's stamp.

use std::path::{Path, PathBuf};
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// Rerun when `path` (as git names it, relative to `dir` unless absolute) changes; only for files that exist, since
/// cargo reruns a script on every build when a watched path is missing.
fn watch(dir: &Path, git_path: &str) {
    let path = PathBuf::from(git_path);
    let path = if path.is_absolute() {
        path
    } else {
        dir.join(path)
    };
    if path.is_file() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn commit_from_git(dir: &Path) -> Option<String> {
    let commit = git(dir, &["rev-parse", "HEAD"])?;
    for name in ["HEAD", "packed-refs"] {
        if let Some(p) = git(dir, &["rev-parse", "--git-path", name]) {
            watch(dir, &p);
        }
    }
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(dir, &["rev-parse", "--git-path", &branch])
    {
        watch(dir, &p);
    }
    Some(commit)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CARBON_HARNESS_COMMIT");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var("CARBON_HARNESS_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(|| commit_from_git(&dir))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=CARBON_HARNESS_COMMIT={commit}");
}

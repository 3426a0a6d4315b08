//! Where the measured code came from: commit, branch and dirty flag from `git`, all absent outside a checkout.

use crate::record::schema::GitInfo;
use std::path::Path;
use std::process::Command;

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Git facts about the checkout containing `dir`.
pub fn git_info(dir: &Path) -> GitInfo {
    let commit = git(dir, &["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
    if commit.is_none() {
        return GitInfo::default();
    }
    let branch =
        git(dir, &["rev-parse", "--abbrev-ref", "HEAD"]).filter(|b| !b.is_empty() && b != "HEAD");
    // Untracked result files under bench-results/runs do not make the tree dirty: the run writes them itself.
    let dirty = git(dir, &["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty());
    GitInfo {
        commit,
        branch,
        dirty,
    }
}

/// The first 7 characters of the commit, or `nogit`.
pub fn short_sha(info: &GitInfo) -> String {
    info.commit
        .as_deref()
        .map(|c| c.chars().take(7).collect())
        .unwrap_or_else(|| "nogit".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_checkout_everything_is_absent() {
        let dir = tempfile::tempdir().expect("tempdir");
        let info = git_info(dir.path());
        assert_eq!(info, GitInfo::default());
        assert_eq!(short_sha(&info), "nogit");
    }

    #[test]
    fn inside_this_repository_there_is_a_commit() {
        let info = git_info(Path::new(env!("CARGO_MANIFEST_DIR")));
        // A fresh clone (CI) and a worktree both have a HEAD; a source tarball would not, so only check the shape.
        if let Some(c) = &info.commit {
            assert_eq!(c.len(), 40, "{c}");
            assert_eq!(short_sha(&info).len(), 7);
        }
    }
}

//! Each build runs the code of the checkout it is said to come from.
//!
//! Same-runner A/B rests on one assumption: the base binary runs the base's code and the head binary the head's. Two
//! checkouts of one workspace built into one cargo target directory can break it silently: cargo keys workspace crates
//! by their path relative to the workspace root and judges freshness by file times, so one checkout's binary can be
//! the other checkout's code (issue #22). A gate that then compares a build with itself passes every regression.
//!
//! Every `harness` binary embeds the commit it was built from (`harness --version`, see [`crate::build_info`]).
//! Before measuring, `harness ab` asks each binary for it and compares it with `git rev-parse HEAD` in that side's
//! directory:
//!
//! | case | outcome |
//! |---|---|
//! | both binaries report the same commit, the two directories are at different commits | refused (exit 2), naming both commits |
//! | a binary reports a commit other than its directory's | refused (exit 2), naming both |
//! | a binary reports no commit (built outside git, or by a harness older than this check), or a directory is not a checkout | a warning: the check could not be made |
//! | otherwise | the builds are what they say |

use super::Side;
use super::spawn::Build;
use crate::build_info::commit_in_version;
use crate::runner::git::git_info;
use std::process::{Command, Stdio};

/// What is known of one side before measuring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub side: Side,
    /// The commit the binary says it was built from.
    pub built_from: Option<String>,
    /// The commit checked out in the side's directory.
    pub checked_out: Option<String>,
}

/// Why two builds cannot be compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenanceError {
    #[error(
        "the base and head binaries were both built from commit {built_from}, but --base-dir is at commit {base} and \
         --head-dir at commit {head}: `harness ab` would compare a build with itself. Rebuild each side in its own \
         checkout (github-action/scripts/build.sh does this safely with one shared target directory)"
    )]
    SameBuild {
        built_from: String,
        base: String,
        head: String,
    },
    #[error(
        "the {side} binary was built from commit {built_from}, but --{side}-dir is checked out at commit \
         {checked_out}: it does not run that checkout's code. Rebuild it in that directory, or point --{side}-dir at \
         the checkout it was built from"
    )]
    WrongCheckout {
        side: Side,
        built_from: String,
        checked_out: String,
    },
}

/// Ask `build`'s binary which commit it was built from, and git which commit its directory holds.
pub fn inspect(build: &Build) -> Provenance {
    let built_from = Command::new(&build.bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| commit_in_version(&String::from_utf8_lossy(&o.stdout)));
    Provenance {
        side: build.side,
        built_from,
        checked_out: git_info(&build.dir).commit,
    }
}

/// Refuse builds that do not run their checkout's code; otherwise the warnings for what could not be checked.
pub fn check(base: &Provenance, head: &Provenance) -> Result<Vec<String>, ProvenanceError> {
    if let (Some(b), Some(h), Some(bd), Some(hd)) = (
        &base.built_from,
        &head.built_from,
        &base.checked_out,
        &head.checked_out,
    ) && b == h
        && bd != hd
    {
        return Err(ProvenanceError::SameBuild {
            built_from: b.clone(),
            base: bd.clone(),
            head: hd.clone(),
        });
    }
    let mut warnings = Vec::new();
    for p in [base, head] {
        match (&p.built_from, &p.checked_out) {
            (Some(built_from), Some(checked_out)) if built_from != checked_out => {
                return Err(ProvenanceError::WrongCheckout {
                    side: p.side,
                    built_from: built_from.clone(),
                    checked_out: checked_out.clone(),
                });
            }
            (Some(_), Some(_)) => {}
            (None, _) => warnings.push(format!(
                "cannot check that the {side} binary runs the code of --{side}-dir: it reports no commit in \
                 `--version` (built outside a git checkout, or by a harness from before the commit was embedded)",
                side = p.side
            )),
            (Some(_), None) => warnings.push(format!(
                "cannot check that the {side} binary runs the code of --{side}-dir: that directory is not a git \
                 checkout",
                side = p.side
            )),
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    fn p(side: Side, built_from: Option<&str>, checked_out: Option<&str>) -> Provenance {
        Provenance {
            side,
            built_from: built_from.map(str::to_string),
            checked_out: checked_out.map(str::to_string),
        }
    }

    #[test]
    fn builds_of_their_own_checkouts_pass_without_warnings() {
        let warnings = check(
            &p(Side::Base, Some(A), Some(A)),
            &p(Side::Head, Some(B), Some(B)),
        );
        assert_eq!(warnings, Ok(vec![]));
        // A/A: one commit on both sides is a legitimate comparison.
        let aa = check(
            &p(Side::Base, Some(A), Some(A)),
            &p(Side::Head, Some(A), Some(A)),
        );
        assert_eq!(aa, Ok(vec![]));
    }

    #[test]
    fn one_build_on_both_sides_of_two_commits_is_refused_naming_both() {
        let err = check(
            &p(Side::Base, Some(B), Some(A)),
            &p(Side::Head, Some(B), Some(B)),
        )
        .expect_err("same build");
        assert!(matches!(err, ProvenanceError::SameBuild { .. }));
        let msg = err.to_string();
        assert!(msg.contains(A) && msg.contains(B), "{msg}");
    }

    #[test]
    fn a_binary_from_another_commit_than_its_checkout_is_refused() {
        let err = check(
            &p(Side::Base, Some(A), Some(A)),
            &p(Side::Head, Some(A), Some(B)),
        );
        // Same built-from commit, different checkouts: the SameBuild message names the pair.
        assert!(matches!(err, Err(ProvenanceError::SameBuild { .. })));
        let err = check(
            &p(Side::Base, Some(B), Some(A)),
            &p(Side::Head, Some(A), Some(B)),
        )
        .expect_err("crossed builds");
        assert_eq!(
            err,
            ProvenanceError::WrongCheckout {
                side: Side::Base,
                built_from: B.into(),
                checked_out: A.into()
            }
        );
    }

    #[test]
    fn what_cannot_be_checked_is_a_warning_not_a_pass_in_silence() {
        let warnings = check(&p(Side::Base, None, Some(A)), &p(Side::Head, Some(B), None))
            .expect("unknowns are not refused");
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("base binary") && warnings[0].contains("reports no commit"));
        assert!(warnings[1].contains("head binary") && warnings[1].contains("not a git checkout"));
    }
}

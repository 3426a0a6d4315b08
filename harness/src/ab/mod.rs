//! Same-runner A/B measurement of two builds (`harness ab`).
//!
//! A stored baseline recorded on another runner is a weak reference for energy: runners differ in CPU, firmware and
//! neighbours. The strongest comparison runs the base build and the head build on the same machine, interleaved, so
//! drift (thermal state, noisy neighbours, frequency scaling) hits both sides alike. `harness ab` runs each build's own
//! `harness bench` one repetition at a time in the order A B, B A, A B, … (an ABBA design: the side that runs first
//! alternates, which cancels a linear drift and any "first run of the pair" effect), then merges each side's
//! repetitions into one [`RunResult`](crate::record::schema::RunResult) so that `compare` sees K samples per side.
//!
//! | module | what |
//! |---|---|
//! | [`order`] | the interleaving schedule |
//! | [`spawn`] | one `harness bench --repetitions 1` invocation of one build |
//! | [`merge`] | one side's single-repetition runs merged into one run |
//! | [`provenance`] | each build runs its own checkout's code: the commit it embeds against the one checked out |

pub mod merge;
pub mod order;
pub mod provenance;
pub mod spawn;

use std::fmt;

/// Which build a measurement belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    /// The reference build (the pull request's merge base).
    Base,
    /// The build under test (the pull request's head).
    Head,
}

impl Side {
    /// Lower-case name used in file names and messages.
    pub fn name(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Head => "head",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`predict`] | the predict workload: `Classifier` trait, `tiny` and `bert` backends, training |
//! | [`units`] | re-export of [`energy::units`] |

pub use energy::units;
pub mod predict;

//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`predict`] | the predict workload: `Classifier` trait, `tiny` and `bert` backends, training |
//! | [`app`] | the workshop app; live energy metrics |
//! | [`chat`] | mock-LLM chat workload and EcoLogits-method impacts |
//! | [`units`] | re-export of [`energy::units`] |

pub mod app;
pub mod chat;

pub use energy::units;
pub mod predict;

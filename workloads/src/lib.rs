//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`chat`] | mock-LLM chat workload and EcoLogits-method impacts |
//! | [`units`] | re-export of [`energy::units`] |

pub mod chat;

pub use energy::units;

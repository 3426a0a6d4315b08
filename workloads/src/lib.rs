//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`app`] | the workshop app; live energy metrics |
//! | [`units`] | re-export of [`energy::units`] |

pub mod app;

pub use energy::units;

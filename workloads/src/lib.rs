//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`units`] | re-export of [`energy::units`] |

pub use energy::units;

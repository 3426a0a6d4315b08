//! The workshop app rebuilt in Rust, as a library the harness drives in-process.
//!
//! | module | what |
//! |---|---|
//! | [`units`] | unit newtypes shared by both crates (`Joules`, `Watts`, `Seconds`, `GramsCo2e`, `GramsPerKwh`, `KilowattHours`) |

pub mod units;

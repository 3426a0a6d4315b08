//! Energy and carbon measurement shared by `workloads` (live app metrics, mock grid) and `harness` (bench, monitor).
//!
//! | module | what |
//! |---|---|
//! | [`units`] | unit newtypes (`Joules`, `Watts`, `Seconds`, `GramsCo2e`, `GramsPerKwh`, `KilowattHours`) |

pub mod units;

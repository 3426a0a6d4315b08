//! Energy and carbon measurement shared by `workloads` (live app metrics, mock grid) and `harness` (bench, monitor).
//!
//! | module | what |
//! |---|---|
//! | [`country`] | CodeCarbon's country carbon-intensity table (ISO-3/ISO-2 lookup, world average 475 g/kWh) |
//! | [`units`] | unit newtypes (`Joules`, `Watts`, `Seconds`, `GramsCo2e`, `GramsPerKwh`, `KilowattHours`) |

pub mod country;
pub mod units;

//! The workshop app (`workloads serve`).
//!
//! | module | what |
//! |---|---|
//! | [`energy_metrics`] | live process power, energy and emissions on `/metrics` (embedded meter sampler) |

pub mod energy_metrics;

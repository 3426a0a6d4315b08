//! What the runner needs from a meter: energy by component over a window (`begin` … `end`), and the meter's source
//! name for the result file. Implemented over the `energy` crate's meters.

use crate::record::schema::MeterInfo;
use energy::units::Joules;
use std::collections::BTreeMap;

/// A meter the runner opens a window on for the idle baseline and for each repetition.
pub trait WindowMeter: Send + std::fmt::Debug {
    /// `rapl`, `nvml`, `model` or `fake`.
    fn source(&self) -> &str;
    /// Start a window now.
    fn begin(&mut self) -> anyhow::Result<()>;
    /// Close the window: the energy by component (`cpu_package`, `dram`, `gpu`, `cpu_model`, `ram_model`...) since `begin`.
    fn end(&mut self) -> anyhow::Result<BTreeMap<String, Joules>>;
    /// How the meter describes itself in the result file.
    fn info(&self) -> MeterInfo;
}

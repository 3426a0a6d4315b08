//! The embodied-carbon flags of `harness bench` (SCI per op); [`crate::sci::plan`] validates them.

use clap::Args;

/// TE, EL and RS for SCI's embodied part M = TE × (TiR / EL) × RS.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "SCI per op (embodied carbon)")]
pub struct EmbodiedArgs {
    /// Machine archetype for the embodied-carbon defaults: generic-server (TE 1,000 kg CO2eq), laptop (156 kg) or
    /// github-runner (1,151.7 kg for a 128-thread host); EL 4 years each. Sources: bench-results/README.md.
    /// Default: generic-server, unless --embodied-kg is given.
    #[arg(long, value_name = "ARCHETYPE")]
    pub machine: Option<String>,
    /// TE: the machine's total embodied emissions, kg CO2eq (instead of the archetype's).
    #[arg(long, value_name = "KG")]
    pub embodied_kg: Option<f64>,
    /// EL: the machine's expected lifetime in years (default: the archetype's, 4).
    #[arg(long, value_name = "YEARS")]
    pub lifetime_years: Option<f64>,
    /// RS: the share of the machine the workload uses, in (0, 1]. Default: threads used ÷ host threads (the
    /// closed loop's workers, at most the logical CPUs; an archetype's host threads for a VM slice), else 1.
    #[arg(long, value_name = "SHARE")]
    pub resource_share: Option<f64>,
}

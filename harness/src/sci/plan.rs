//! `harness bench`'s SCI flags ([`crate::cli::EmbodiedArgs`]) validated once into [`SciPlan`]: the embodied inputs
//! TE, EL, RS, and the result file's record of them with their sources.

use super::archetype::{self, Archetype, DEFAULT_ARCHETYPE};
use super::{DEFAULT_LIFETIME_YEARS, Embodied, FUNCTIONAL_UNIT};
use crate::cli::EmbodiedArgs;
use crate::record::schema::SciInputs;

/// What the bench knows about the threads it uses, for RS's default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threads {
    /// Threads the workload can keep busy (closed-loop workers or most in flight, at most the logical CPUs);
    /// `None` when unknown (an HTTP target's server).
    pub used: Option<u32>,
    /// This machine's logical CPUs.
    pub logical: u32,
}

/// The validated SCI inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct SciPlan {
    pub embodied: Embodied,
    /// The result file's record (intensity basis filled in as the single reading; history changes it).
    pub inputs: SciInputs,
    /// Said in the result's warnings: the embodied figures are an archetype's estimate.
    pub warning: Option<String>,
}

impl SciPlan {
    /// Validates the flags; errors name the flag and the fix.
    pub fn from_args(args: &EmbodiedArgs, threads: Threads) -> anyhow::Result<Self> {
        let archetype: Option<&Archetype> = match (&args.machine, args.embodied_kg) {
            (Some(name), _) => {
                Some(archetype::find(name).map_err(|e| anyhow::anyhow!("--machine: {e}"))?)
            }
            (None, Some(_)) => None,
            (None, None) => Some(archetype::find(DEFAULT_ARCHETYPE).map_err(anyhow::Error::msg)?),
        };
        let mut sources = Vec::new();
        let total_kg = match (args.embodied_kg, archetype) {
            (Some(kg), _) => {
                sources.push(format!("TE {kg} kg CO2eq from --embodied-kg"));
                kg
            }
            (None, Some(a)) => {
                sources.push(format!(
                    "TE {} kg CO2eq from the {} archetype",
                    a.embodied_kg, a.name
                ));
                a.embodied_kg
            }
            (None, None) => {
                anyhow::bail!("give --embodied-kg or --machine for SCI's embodied carbon")
            }
        };
        let lifetime_years = match (args.lifetime_years, archetype) {
            (Some(y), _) => {
                sources.push(format!("EL {y} years from --lifetime-years"));
                y
            }
            (None, Some(a)) => {
                sources.push(format!(
                    "EL {} years from the {} archetype",
                    a.lifetime_years, a.name
                ));
                a.lifetime_years
            }
            (None, None) => {
                sources.push(format!("EL {DEFAULT_LIFETIME_YEARS} years (default)"));
                DEFAULT_LIFETIME_YEARS
            }
        };
        let (share, share_source) = resource_share(args.resource_share, archetype, threads);
        sources.push(share_source);
        let embodied = Embodied::new(total_kg, lifetime_years, share)?;
        let warning = (args.machine.is_none() && args.embodied_kg.is_none()).then(|| {
            format!(
                "SCI: embodied carbon is the {DEFAULT_ARCHETYPE} archetype's estimate ({total_kg} kg CO2eq over \
                 {lifetime_years} years); pass --machine or --embodied-kg for this machine"
            )
        });
        let inputs = SciInputs {
            functional_unit: FUNCTIONAL_UNIT.to_string(),
            machine: archetype.map_or_else(|| "custom".to_string(), |a| a.name.to_string()),
            embodied_total_kg: total_kg,
            lifetime_years,
            resource_share: share,
            input_sources: sources,
            references: archetype
                .map(|a| a.source.to_string())
                .into_iter()
                .collect(),
            energy_basis: "attributable".to_string(),
            intensity_basis: "single reading".to_string(),
        };
        Ok(Self {
            embodied,
            inputs,
            warning,
        })
    }
}

/// RS and where it came from: the flag, else threads used ÷ host threads, capped at 1.
fn resource_share(
    flag: Option<f64>,
    archetype: Option<&Archetype>,
    threads: Threads,
) -> (f64, String) {
    if let Some(rs) = flag {
        return (rs, format!("RS {rs} from --resource-share"));
    }
    let logical = threads.logical.max(1);
    let (used, used_why) = match threads.used {
        Some(n) => (n.clamp(1, logical), "threads the load uses"),
        None => (
            logical,
            "the server's threads are unknown: every logical CPU",
        ),
    };
    let (host, host_why) = match archetype.and_then(|a| a.host_threads.map(|h| (h, a.name))) {
        Some((h, name)) => (h.max(1), format!("host threads of the {name} archetype")),
        None => (logical, "this machine's logical CPUs".to_string()),
    };
    let rs = (f64::from(used) / f64::from(host)).min(1.0);
    (
        rs,
        format!(
            "RS {rs} = threads used ÷ host threads = {used} ({used_why}) ÷ {host} ({host_why})"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(args: EmbodiedArgs, used: Option<u32>, logical: u32) -> anyhow::Result<SciPlan> {
        SciPlan::from_args(&args, Threads { used, logical })
    }

    #[test]
    fn the_default_is_the_generic_server_with_a_warning() {
        let p = plan(EmbodiedArgs::default(), Some(2), 8).expect("plan");
        assert_eq!(p.inputs.machine, "generic-server");
        assert_eq!(p.embodied.total.0, 1_000_000.0);
        assert_eq!(p.embodied.share, 0.25, "2 of 8 threads");
        assert!(p.warning.expect("estimate said").contains("--machine"));
        assert!(p.inputs.references[0].contains("Apache-2.0"));
    }

    #[test]
    fn a_github_runner_with_four_threads_uses_4_of_128() {
        let args = EmbodiedArgs {
            machine: Some("github-runner".into()),
            ..EmbodiedArgs::default()
        };
        let p = plan(args, Some(64), 4).expect("plan");
        assert_eq!(p.embodied.share, 4.0 / 128.0);
        assert!(p.warning.is_none());
        assert!(
            p.inputs.input_sources[2].contains("4 (threads the load uses) ÷ 128"),
            "{:?}",
            p.inputs.input_sources
        );
    }

    #[test]
    fn flags_override_and_an_unknown_server_counts_the_whole_machine() {
        let args = EmbodiedArgs {
            embodied_kg: Some(350.0),
            lifetime_years: Some(5.0),
            ..EmbodiedArgs::default()
        };
        let p = plan(args, None, 8).expect("plan");
        assert_eq!(
            (
                p.inputs.machine.as_str(),
                p.embodied.lifetime_years,
                p.embodied.share
            ),
            ("custom", 5.0, 1.0)
        );
        assert!(p.inputs.references.is_empty());
        let args = EmbodiedArgs {
            resource_share: Some(0.1),
            ..EmbodiedArgs::default()
        };
        assert_eq!(plan(args, Some(8), 8).expect("plan").embodied.share, 0.1);
    }

    #[test]
    fn bad_flags_are_refused_naming_the_flag() {
        let bad = |args: EmbodiedArgs, flag: &str| {
            let e = plan(args, Some(1), 1).expect_err("refused").to_string();
            assert!(e.contains(flag), "{e}");
        };
        bad(
            EmbodiedArgs {
                machine: Some("mainframe".into()),
                ..Default::default()
            },
            "--machine",
        );
        bad(
            EmbodiedArgs {
                embodied_kg: Some(-3.0),
                ..Default::default()
            },
            "--embodied-kg",
        );
        bad(
            EmbodiedArgs {
                lifetime_years: Some(0.0),
                ..Default::default()
            },
            "--lifetime-years",
        );
        bad(
            EmbodiedArgs {
                resource_share: Some(2.0),
                ..Default::default()
            },
            "--resource-share",
        );
    }
}

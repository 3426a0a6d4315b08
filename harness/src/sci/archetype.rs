//! Machine archetypes for `--machine`: a total embodied emissions TE, an expected lifetime EL and, for a machine that
//! is a slice of a bigger host (a CI virtual machine), the host's thread count, so RS defaults to threads used ÷ host
//! threads. The figures are cited, not copied from anyone's data files (Eco-CI is AGPL-3.0: its number is quoted as
//! a fact with its source, nothing of it is vendored).
//!
//! | archetype | TE (kg CO2eq) | EL (years) | host threads | source (licence) |
//! |---|---|---|---|---|
//! | `generic-server` | 1,000 | 4 | this machine's | Cloud Carbon Footprint's embodied-emissions methodology (Apache-2.0): ≈ 1,000 kg CO2eq for a minimal rack server (Dell PowerEdge R740 life-cycle assessment); the GSF SCI specification's worked example uses the same 1,000 kg over 4 years |
//! | `laptop` | 156 | 4 | this machine's | ADEME, Impact CO2 / Base Empreinte: manufacturing of a laptop ≈ 156 kg CO2eq (Licence Ouverte / Etalab 2.0) |
//! | `github-runner` | 1,151.7 | 4 | 128 | Eco-CI (green-coding-solutions/eco-ci-energy-estimation, AGPL-3.0; figure cited only): a GitHub-hosted runner's host at 1,151.7 kg CO2eq, 128 threads, 4 years, of which a 4-vCPU runner uses 4 (≈ 1 g per runner-hour) |

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Archetype {
    /// The `--machine` value.
    pub name: &'static str,
    /// TE, kg CO2eq.
    pub embodied_kg: f64,
    /// EL, years.
    pub lifetime_years: f64,
    /// Threads of the physical host when the measured machine is a slice of it; `None`: the machine is the host.
    pub host_threads: Option<u32>,
    /// Where the figures come from, with the licence.
    pub source: &'static str,
}

/// The archetype used when neither `--machine` nor `--embodied-kg` is given.
pub const DEFAULT_ARCHETYPE: &str = "generic-server";

/// Every archetype, in `--help` order.
pub const ARCHETYPES: &[Archetype] = &[
    Archetype {
        name: "generic-server",
        embodied_kg: 1000.0,
        lifetime_years: 4.0,
        host_threads: None,
        source: "Cloud Carbon Footprint embodied-emissions methodology (Apache-2.0): ~1,000 kg CO2eq for a minimal \
                 rack server (Dell PowerEdge R740 LCA); the GSF SCI specification's worked example uses 1,000 kg over 4 years",
    },
    Archetype {
        name: "laptop",
        embodied_kg: 156.0,
        lifetime_years: 4.0,
        host_threads: None,
        source: "ADEME Impact CO2 / Base Empreinte (Licence Ouverte / Etalab 2.0): manufacturing a laptop ~156 kg CO2eq",
    },
    Archetype {
        name: "github-runner",
        embodied_kg: 1151.7,
        lifetime_years: 4.0,
        host_threads: Some(128),
        source: "Eco-CI (green-coding-solutions/eco-ci-energy-estimation, AGPL-3.0; figure cited, no data vendored): \
                 GitHub-hosted runner host 1,151.7 kg CO2eq, 128 threads, 4 years",
    },
];

/// The archetype called `name`, or an error listing them.
pub fn find(name: &str) -> Result<&'static Archetype, String> {
    ARCHETYPES
        .iter()
        .find(|a| a.name == name.trim())
        .ok_or_else(|| {
            format!(
                "unknown machine archetype {name:?}: use one of {} (or give --embodied-kg)",
                names().join(", ")
            )
        })
}

/// The archetype names.
pub fn names() -> Vec<&'static str> {
    ARCHETYPES.iter().map(|a| a.name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sci::Embodied;
    use energy::units::Seconds;

    #[test]
    fn the_github_runner_gives_eco_cis_gram_per_runner_hour() {
        // Issue #21: ≈ 1 g per runner-hour from 1,151.7 kg, 4 of 128 threads, 4 years.
        let a = find("github-runner").expect("runner");
        let share = 4.0 / f64::from(a.host_threads.expect("a VM slice"));
        let m = Embodied::new(a.embodied_kg, a.lifetime_years, share)
            .expect("valid")
            .over(Seconds(3600.0));
        let expected = 1_151_700.0 / 35_040.0 * 4.0 / 128.0; // 1.0271... g
        assert!((m.0 - expected).abs() <= 1e-9 * expected, "{}", m.0);
        assert!((m.0 - 1.0).abs() < 0.05, "≈ 1 g: {}", m.0);
    }

    #[test]
    fn unknown_names_list_the_choices() {
        let e = find("mainframe").expect_err("unknown");
        assert!(e.contains("generic-server, laptop, github-runner"), "{e}");
        assert_eq!(find(" laptop ").map(|a| a.embodied_kg), Ok(156.0));
        assert!(find(DEFAULT_ARCHETYPE).is_ok());
    }
}

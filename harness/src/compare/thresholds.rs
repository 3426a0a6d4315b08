//! The settings of a comparison: the noise band per metric group (`--threshold`) and the significance level
//! (`--alpha`), each parsed and validated once, where the command line is parsed.

use super::metric::{Metric, MetricGroup};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// Default significance level (family-wise, after Holm–Bonferroni), as criterion's default significance and 95 %
/// intervals. False alarms are kept away by the noise threshold as much as by alpha: a regression needs its whole
/// interval beyond the threshold. Validated with `scripts/validate-gate.sh` (bench-results/README.md): no false
/// regression in A/A pairs at 0.05, while 0.01 missed 2–3 of 20 real 5 % regressions.
pub const DEFAULT_ALPHA: Alpha = Alpha(0.05);
/// Default noise threshold: 3 %.
pub const DEFAULT_THRESHOLD: f64 = 0.03;
/// Default band for instruction counts (`--meter instructions`): 0.5 %. The counts are deterministic (repeat runs
/// agree within 0.01 %, bench-results/README.md), so the band only has to absorb harmless code-layout shifts; a +0.5 %
/// change sits on its edge and +0.6 % is caught.
pub const DEFAULT_INSTRUCTIONS_THRESHOLD: f64 = 0.005;

/// Noise thresholds per metric group, as fractions (0.03 = 3 %).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Thresholds {
    pub energy: f64,
    pub emissions: f64,
    pub latency: f64,
    pub throughput: f64,
    /// `instructions_per_op` and, for counted runs, the energy estimate from it.
    pub instructions: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            instructions: DEFAULT_INSTRUCTIONS_THRESHOLD,
            ..Self::uniform(DEFAULT_THRESHOLD)
        }
    }
}

impl Thresholds {
    pub fn uniform(t: f64) -> Self {
        Self {
            energy: t,
            emissions: t,
            latency: t,
            throughput: t,
            instructions: t,
        }
    }

    pub fn for_metric(&self, metric: Metric) -> f64 {
        match metric.group() {
            MetricGroup::Energy => self.energy,
            MetricGroup::Emissions => self.emissions,
            MetricGroup::Latency => self.latency,
            MetricGroup::Throughput => self.throughput,
            MetricGroup::Instructions => self.instructions,
        }
    }
}

/// `--threshold` syntax: `5%` (every metric but the instruction count, which keeps 0.5 %), `all=5%` (every metric), or
/// `energy=3%,latency=5%,instructions=0.2%` (named groups; the others keep their defaults).
impl FromStr for Thresholds {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = Thresholds::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match part.split_once('=') {
                // A bare band is for the measured metrics; the count's band stays (it is 6× tighter by nature).
                None => {
                    out = Thresholds {
                        instructions: out.instructions,
                        ..Thresholds::uniform(parse_percent(part)?)
                    }
                }
                Some((key, value)) => {
                    let v = parse_percent(value.trim())?;
                    match key.trim() {
                        "energy" => out.energy = v,
                        "emissions" => out.emissions = v,
                        "latency" => out.latency = v,
                        "throughput" => out.throughput = v,
                        "instructions" => out.instructions = v,
                        "all" => out = Thresholds::uniform(v),
                        other => {
                            return Err(format!(
                                "unknown metric `{other}` in --threshold; use energy, emissions, latency, throughput, instructions or all (e.g. energy=3%,instructions=0.5%)"
                            ));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

fn parse_percent(value: &str) -> Result<f64, String> {
    let number = value
        .strip_suffix('%')
        .ok_or_else(|| format!("threshold `{value}` needs a percent sign, e.g. 3%"))?;
    let pct: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("threshold `{value}` is not a number, e.g. 3%"))?;
    if !(pct.is_finite() && (0.0..1000.0).contains(&pct)) {
        return Err(format!("threshold `{value}` must be between 0% and 1000%"));
    }
    Ok(pct / 100.0)
}

/// A significance level strictly between 0 and 1: the one place `--alpha` is validated (the type carries the
/// invariant, so `compare`, `report` and `ab` need no check of their own).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct Alpha(f64);

impl Alpha {
    /// `Some` when `0 < alpha < 1`.
    pub fn new(alpha: f64) -> Option<Self> {
        (alpha > 0.0 && alpha < 1.0).then_some(Self(alpha))
    }

    pub fn get(self) -> f64 {
        self.0
    }

    /// Confidence of the intervals, `1 − alpha`.
    pub fn confidence(self) -> f64 {
        1.0 - self.0
    }
}

impl Default for Alpha {
    fn default() -> Self {
        DEFAULT_ALPHA
    }
}

impl fmt::Display for Alpha {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for Alpha {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let value: f64 = s
            .trim()
            .parse()
            .map_err(|_| format!("`{s}` is not a number (e.g. --alpha 0.01)"))?;
        Alpha::new(value)
            .ok_or_else(|| format!("{value} must lie strictly between 0 and 1 (e.g. --alpha 0.01)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_parse_per_group_and_uniformly() {
        let t: Thresholds = "energy=2%,latency=5%".parse().expect("parses");
        assert_eq!(
            (t.energy, t.latency, t.emissions, t.throughput),
            (0.02, 0.05, 0.03, 0.03)
        );
        let u: Thresholds = "10%".parse().expect("parses");
        assert_eq!(
            u,
            Thresholds {
                instructions: DEFAULT_INSTRUCTIONS_THRESHOLD,
                ..Thresholds::uniform(0.1)
            }
        );
        let all: Thresholds = "all=10%".parse().expect("parses");
        assert_eq!(all, Thresholds::uniform(0.1));
        // The CLI default `3%` keeps the count's 0.5 % band.
        assert_eq!("3%".parse::<Thresholds>(), Ok(Thresholds::default()));
        assert!(
            "energy=3"
                .parse::<Thresholds>()
                .expect_err("no %")
                .contains("percent")
        );
        assert!(
            "power=3%"
                .parse::<Thresholds>()
                .expect_err("bad key")
                .contains("unknown metric `power`")
        );
        assert!("energy=-1%".parse::<Thresholds>().is_err());
        assert_eq!(t.instructions, DEFAULT_INSTRUCTIONS_THRESHOLD);
        let i: Thresholds = "instructions=0.2%".parse().expect("parses");
        assert_eq!((i.instructions, i.energy), (0.002, 0.03));
        assert_eq!(
            Thresholds::default().for_metric(Metric::InstructionsPerOp),
            0.005
        );
    }

    #[test]
    fn alpha_is_validated_once_when_parsed() {
        assert_eq!("0.01".parse::<Alpha>().map(Alpha::get), Ok(0.01));
        for bad in ["0", "1", "1.5", "-0.1", "NaN"] {
            let e = bad.parse::<Alpha>().expect_err(bad);
            assert!(e.contains("strictly between 0 and 1"), "{bad}: {e}");
        }
        assert!(
            "abc"
                .parse::<Alpha>()
                .expect_err("text")
                .contains("not a number")
        );
        assert_eq!(DEFAULT_ALPHA.to_string(), "0.05");
    }
}

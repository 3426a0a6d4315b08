//! `--workload` specs: parse `intensity`, `predict`, `chat`, `spin:N` once into a [`WorkloadSpec`], and start it.

use super::Workload;
use super::spin::{MAX_ITERATIONS, Spin};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// The workloads `harness bench` runs when `--workload` is not given.
pub const DEFAULT_WORKLOADS: &[&str] = &["spin:1000000"];

/// One workload to run, as parsed from `--workload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadSpec {
    /// `spin:N`: N iterations of the calibration loop.
    Spin(u64),
}

/// Why a `--workload` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown workload `{0}` in --workload; known: {known}", known = KNOWN)]
    Unknown(String),
    #[error("--workload `{spec}`: {why}")]
    BadParam { spec: String, why: String },
}

const KNOWN: &str = "spin:N";

impl FromStr for WorkloadSpec {
    type Err = SpecError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (name, param) = match s.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (s, None),
        };
        match name {
            "spin" => parse_spin(s, param).map(WorkloadSpec::Spin),
            _ => Err(SpecError::Unknown(s.to_string())),
        }
    }
}

fn parse_spin(spec: &str, param: Option<&str>) -> Result<u64, SpecError> {
    let bad = |why: &str| SpecError::BadParam {
        spec: spec.to_string(),
        why: why.to_string(),
    };
    let p = param.ok_or_else(|| bad("spin needs an iteration count, e.g. spin:1000000"))?;
    let n: u64 = p
        .replace('_', "")
        .parse()
        .map_err(|_| bad("the iteration count must be a whole number, e.g. spin:1000000"))?;
    if n == 0 || n > MAX_ITERATIONS {
        return Err(bad(&format!(
            "the iteration count must be between 1 and {MAX_ITERATIONS}"
        )));
    }
    Ok(n)
}

impl fmt::Display for WorkloadSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkloadSpec::Spin(n) => write!(f, "spin:{n}"),
        }
    }
}

/// Parse a comma-separated `--workload` list (empty entries are refused).
pub fn parse_list(list: &[String]) -> Result<Vec<WorkloadSpec>, SpecError> {
    list.iter()
        .flat_map(|item| item.split(','))
        .map(WorkloadSpec::from_str)
        .collect()
}

impl WorkloadSpec {
    /// Build the workload in this process, starting its mock upstreams on 127.0.0.1:0.
    pub async fn start(&self) -> anyhow::Result<Arc<dyn Workload>> {
        match self {
            WorkloadSpec::Spin(n) => Ok(Arc::new(Spin::new(*n))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_spin_and_lists() {
        let specs = parse_list(&["spin:1000,spin:1_050".to_string()]).expect("parses");
        assert_eq!(
            specs,
            vec![WorkloadSpec::Spin(1000), WorkloadSpec::Spin(1050)]
        );
        assert_eq!(specs[1].to_string(), "spin:1050");
    }

    #[test]
    fn refuses_bad_specs_with_the_fix() {
        let err = "spin".parse::<WorkloadSpec>().expect_err("needs N");
        assert!(err.to_string().contains("spin:1000000"), "{err}");
        let err = "spin:abc"
            .parse::<WorkloadSpec>()
            .expect_err("not a number");
        assert!(err.to_string().contains("whole number"), "{err}");
        assert!("spin:0".parse::<WorkloadSpec>().is_err());
        let err = "nope".parse::<WorkloadSpec>().expect_err("unknown");
        assert!(err.to_string().contains("known:"), "{err}");
        assert!(parse_list(&["spin:1,".to_string()]).is_err());
    }
}

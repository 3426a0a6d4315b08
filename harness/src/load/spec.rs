//! `--workload` specs: parse `intensity`, `predict`, `chat`, `spin:N`, `get:/PATH` once into a [`WorkloadSpec`], and
//! start it in-process or against an HTTP [`Target`].

use super::http::HttpGet;
use super::intensity::GridPlan;
use super::spin::{MAX_ITERATIONS, Spin};
use super::{SAMPLE_TEXT, Workload};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// The workloads `harness bench` runs when `--workload` is not given: the three workshop workloads.
pub const DEFAULT_WORKLOADS: &[&str] = &["intensity", "predict", "chat"];

/// One workload to run, as parsed from `--workload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkloadSpec {
    /// `spin:N`: N iterations of the calibration loop (in-process only).
    Spin(u64),
    /// `intensity`: the carbon-intensity fetch.
    Intensity,
    /// `predict`: classify an activity sentence.
    Predict,
    /// `chat`: a chat call with its impact estimate.
    Chat,
    /// `get:/PATH`: a plain GET of a path on the `--target` server (e.g. to compare the load generator with `oha`).
    Get(String),
}

/// Where the workloads run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// In the harness process, through the workloads' library API, with mock upstreams on 127.0.0.1:0.
    InProcess,
    /// Over HTTP against a running `workloads serve` at this base URL, each request given up after the duration
    /// (`--request-timeout`).
    Http(reqwest::Url, std::time::Duration),
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::InProcess => f.write_str("in-process"),
            // Redacted: this is what stderr and the result's `config.target` show.
            Target::Http(url, _) => {
                f.write_str(&workloads::redact::url(url.as_str().trim_end_matches('/')))
            }
        }
    }
}

/// Why a `--workload` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("unknown workload `{0}` in --workload; known: {known}", known = KNOWN)]
    Unknown(String),
    #[error("--workload `{spec}`: {why}")]
    BadParam { spec: String, why: String },
}

const KNOWN: &str = "intensity, predict, chat, spin:N, get:/PATH (with --target)";

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
            "intensity" | "predict" | "chat" if param.is_some() => Err(SpecError::BadParam {
                spec: s.to_string(),
                why: format!("{name} takes no parameter"),
            }),
            "intensity" => Ok(WorkloadSpec::Intensity),
            "predict" => Ok(WorkloadSpec::Predict),
            "chat" => Ok(WorkloadSpec::Chat),
            "get" => match param {
                Some(p) if p.starts_with('/') => Ok(WorkloadSpec::Get(p.to_string())),
                _ => Err(SpecError::BadParam {
                    spec: s.to_string(),
                    why: "expected a path, e.g. get:/metrics".into(),
                }),
            },
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
            WorkloadSpec::Intensity => f.write_str("intensity"),
            WorkloadSpec::Predict => f.write_str("predict"),
            WorkloadSpec::Chat => f.write_str("chat"),
            WorkloadSpec::Get(path) => write!(f, "get:{path}"),
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
    /// The route this workload drives on a `workloads serve` target.
    pub fn http_path(&self) -> Option<String> {
        let text = SAMPLE_TEXT.replace(' ', "%20");
        match self {
            WorkloadSpec::Spin(_) => None,
            WorkloadSpec::Intensity => Some("/carbon_intensity".to_string()),
            WorkloadSpec::Predict => Some(format!("/predict_carbon_intensity?text={text}")),
            WorkloadSpec::Chat => Some(format!("/chat_emissions?text={text}")),
            WorkloadSpec::Get(path) => Some(path.clone()),
        }
    }

    /// What the user must know about this workload's numbers (mocks in play), for the run's warnings.
    pub fn note(&self, target: &Target, grid: &GridPlan) -> Option<String> {
        match (self, target) {
            (WorkloadSpec::Intensity, Target::InProcess) => Some(grid.note()),
            (WorkloadSpec::Chat, Target::InProcess) => Some(
                "chat calls an in-process mock LLM (a fake): the metered energy is our client plus the mock server \
                 in this process, not a real LLM; the LLM's impacts are EcoLogits estimates computed per call, not \
                 metered"
                    .to_string(),
            ),
            _ => None,
        }
    }

    /// Build the workload for `target`; in-process, its mock upstreams start on 127.0.0.1:0 (`intensity` reaches the
    /// upstream `grid` says).
    pub async fn start(
        &self,
        target: &Target,
        grid: &GridPlan,
    ) -> anyhow::Result<Arc<dyn Workload>> {
        let name = self.to_string();
        match (self, target) {
            (WorkloadSpec::Intensity, Target::InProcess) => {
                Ok(Arc::new(super::intensity::Intensity::start(grid).await?))
            }
            (WorkloadSpec::Spin(n), Target::InProcess) => Ok(Arc::new(Spin::new(*n))),
            (WorkloadSpec::Chat, Target::InProcess) => {
                Ok(Arc::new(super::chat::Chat::start().await?))
            }
            (WorkloadSpec::Predict, Target::InProcess) => {
                Ok(Arc::new(super::predict::Predict::start()?))
            }
            (WorkloadSpec::Spin(_), Target::Http(..)) => {
                anyhow::bail!(
                    "--workload {name} runs in-process only; drop --target or use get:/PATH"
                )
            }
            (WorkloadSpec::Get(_), Target::InProcess) => {
                anyhow::bail!("--workload {name} needs --target http://host:port")
            }
            (spec, Target::Http(base, timeout)) => {
                let path = spec.http_path().unwrap_or_default();
                Ok(Arc::new(HttpGet::new(&name, base, &path, *timeout)?))
            }
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
        assert!("predict:3".parse::<WorkloadSpec>().is_err());
        assert!("get:metrics".parse::<WorkloadSpec>().is_err());
        assert_eq!(
            "get:/metrics".parse::<WorkloadSpec>(),
            Ok(WorkloadSpec::Get("/metrics".into()))
        );
        let err = "nope".parse::<WorkloadSpec>().expect_err("unknown");
        assert!(err.to_string().contains("known:"), "{err}");
        assert!(parse_list(&["spin:1,".to_string()]).is_err());
    }

    #[test]
    fn a_target_shows_secret_query_values_masked() {
        let url = reqwest::Url::parse("http://127.0.0.1:8001/?api_key=k3y-Z&zone=DE").expect("url");
        let t = std::time::Duration::from_secs(1);
        let shown = Target::Http(url, t).to_string();
        assert!(
            !shown.contains("k3y-Z") && shown.contains("zone=DE"),
            "{shown}"
        );
        let plain = reqwest::Url::parse("http://127.0.0.1:8001").expect("url");
        assert_eq!(Target::Http(plain, t).to_string(), "http://127.0.0.1:8001");
    }
}

//! `--workload` specs: parse `intensity`, `predict`, `chat`, `spin:N`, `get:/PATH` (and `post:`, `put:`, `patch:`,
//! `delete:`) once into a [`WorkloadSpec`], and start it in-process or against an HTTP [`Target`]. Scenario files
//! ([`super::scenario`]) add [`WorkloadSpec::Http`] requests with their own names.

use super::command::CommandSpec;
use super::http::HttpRequest;
use super::intensity::GridPlan;
use super::request::RequestSpec;
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
    /// `get:/PATH`, `post:/PATH`, ... or a scenario request: one HTTP request per op on the `--target` server.
    Http(RequestSpec),
    /// `cmd:COMMAND ARGS` (one run of the command per op) or `cmd-run:COMMAND ARGS` (one per repetition).
    Cmd(CommandSpec),
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

const KNOWN: &str = "intensity, predict, chat, spin:N, get:/PATH, post:/PATH, put:/PATH, patch:/PATH, delete:/PATH \
     (with --target), cmd:COMMAND ARGS, cmd-run:COMMAND ARGS";

/// The inline HTTP forms: `get:/PATH` and the methods that carry `--body`.
pub const INLINE_METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

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
            "cmd" | "cmd-run" => super::command::parse(s, param.unwrap_or(""), name == "cmd-run")
                .map(WorkloadSpec::Cmd)
                .map_err(|why| SpecError::BadParam {
                    spec: s.to_string(),
                    why,
                }),
            "intensity" | "predict" | "chat" if param.is_some() => Err(SpecError::BadParam {
                spec: s.to_string(),
                why: format!("{name} takes no parameter"),
            }),
            "intensity" => Ok(WorkloadSpec::Intensity),
            "predict" => Ok(WorkloadSpec::Predict),
            "chat" => Ok(WorkloadSpec::Chat),
            m if INLINE_METHODS.contains(&m) => match param {
                Some(p) if p.starts_with('/') => {
                    let mut r = RequestSpec::get(s, p);
                    r.method = super::request::parse_method(m, "--workload").map_err(|e| {
                        SpecError::BadParam {
                            spec: s.to_string(),
                            why: e.0,
                        }
                    })?;
                    Ok(WorkloadSpec::Http(r))
                }
                _ => Err(SpecError::BadParam {
                    spec: s.to_string(),
                    why: format!("expected a path, e.g. {m}:/orders"),
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
            WorkloadSpec::Http(r) => f.write_str(&r.name),
            WorkloadSpec::Cmd(c) => f.write_str(&c.name),
        }
    }
}

/// Parse a comma-separated `--workload` list (empty entries are refused). A `cmd:` or `cmd-run:` item is never split:
/// its commas belong to the command.
pub fn parse_list(list: &[String]) -> Result<Vec<WorkloadSpec>, SpecError> {
    list.iter()
        .flat_map(|item| {
            let t = item.trim_start();
            if t.starts_with("cmd:") || t.starts_with("cmd-run:") {
                vec![item.as_str()]
            } else {
                item.split(',').collect()
            }
        })
        .map(WorkloadSpec::from_str)
        .collect()
}

impl WorkloadSpec {
    /// The route this workload drives on a `workloads serve` target.
    pub fn http_path(&self) -> Option<String> {
        let text = SAMPLE_TEXT.replace(' ', "%20");
        match self {
            WorkloadSpec::Spin(_) | WorkloadSpec::Cmd(_) => None,
            WorkloadSpec::Intensity => Some("/carbon_intensity".to_string()),
            WorkloadSpec::Predict => Some(format!("/predict_carbon_intensity?text={text}")),
            WorkloadSpec::Chat => Some(format!("/chat_emissions?text={text}")),
            WorkloadSpec::Http(r) => Some(r.path.clone()),
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
            (WorkloadSpec::Cmd(c), Target::InProcess) => {
                Ok(Arc::new(super::command::Command::new(c)?))
            }
            (WorkloadSpec::Cmd(_), Target::Http(..)) => {
                anyhow::bail!("--workload {name} runs a command on this machine; drop --target")
            }
            (WorkloadSpec::Http(_), Target::InProcess) => {
                anyhow::bail!("--workload {name} needs --target http://host:port")
            }
            (WorkloadSpec::Http(r), Target::Http(base, timeout)) => {
                Ok(Arc::new(HttpRequest::new(base, r, *timeout)?))
            }
            (spec, Target::Http(base, timeout)) => {
                let path = spec.http_path().unwrap_or_default();
                Ok(Arc::new(HttpRequest::get(&name, base, &path, *timeout)?))
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
            Ok(WorkloadSpec::Http(RequestSpec::get(
                "get:/metrics",
                "/metrics"
            )))
        );
        let Ok(WorkloadSpec::Http(post)) = "post:/orders?x=1".parse::<WorkloadSpec>() else {
            panic!("post parses");
        };
        assert_eq!(
            (post.method.as_str(), post.path.as_str(), post.name.as_str()),
            ("POST", "/orders?x=1", "post:/orders?x=1")
        );
        for m in ["put", "patch", "delete"] {
            let spec = format!("{m}:/x");
            assert_eq!(
                spec.parse::<WorkloadSpec>().expect("parses").to_string(),
                spec
            );
        }
        let specs = parse_list(&["cmd:python3 -c 'print(1,2)'".to_string()]).expect("one cmd");
        assert_eq!(specs.len(), 1);
        assert_eq!(specs[0].to_string(), "cmd:python3 -c 'print(1,2)'");
        let Ok(WorkloadSpec::Cmd(run)) = "cmd-run:make all".parse::<WorkloadSpec>() else {
            panic!("cmd-run parses");
        };
        assert!(run.whole_run && run.argv == ["make", "all"]);
        let err = "cmd:".parse::<WorkloadSpec>().expect_err("empty");
        assert!(err.to_string().contains("no command"), "{err}");
        let err = "post:orders".parse::<WorkloadSpec>().expect_err("no slash");
        assert!(err.to_string().contains("post:/orders"), "{err}");
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

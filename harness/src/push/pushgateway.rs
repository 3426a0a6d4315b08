//! The Pushgateway sink: the text exposition format, `PUT /metrics/job/<job>/<label>/<value>…`.
//!
//! `PUT` replaces every metric of the group, so a run's push never leaves stale workloads from an earlier push of the
//! same machine and branch. Grouping-label values that are empty or contain `/` use the Pushgateway's
//! `<name>@base64/<base64url>` form; other values are percent-encoded path segments.

use super::metrics::RunMetrics;
use super::{Endpoint, Payload, PushError, Sink};
use crate::record::schema::RunResult;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::{Method, Url};

/// A Pushgateway at a base URL, with the job and grouping labels of this push.
#[derive(Debug, Clone)]
pub struct Pushgateway {
    endpoint: Endpoint,
    job: String,
    grouping: Vec<(String, String)>,
}

impl Pushgateway {
    pub fn new(endpoint: Endpoint, job: &str, grouping: Vec<(String, String)>) -> Self {
        Self {
            endpoint,
            job: job.to_string(),
            grouping,
        }
    }

    /// `<base>/metrics/job/<job>/<k>/<v>…`, keeping any path prefix of the base URL.
    pub fn group_url(&self) -> Result<Url, PushError> {
        let mut url = self.endpoint.url.clone();
        let bad = |reason: &str| PushError::BadUrl {
            flag: "--url".into(),
            url: super::redact(&self.endpoint.url),
            reason: reason.to_string(),
        };
        {
            let mut segs = url
                .path_segments_mut()
                .map_err(|()| bad("it cannot have a path"))?;
            segs.pop_if_empty().push("metrics");
            for (name, value) in std::iter::once(("job", self.job.as_str()))
                .chain(self.grouping.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            {
                if value.is_empty() || value.contains('/') {
                    segs.push(&format!("{name}@base64"));
                    let encoded = URL_SAFE_NO_PAD.encode(value);
                    segs.push(if encoded.is_empty() { "=" } else { &encoded });
                } else {
                    segs.push(name).push(value);
                }
            }
        }
        Ok(url)
    }
}

impl Sink for Pushgateway {
    fn kind(&self) -> &'static str {
        "Pushgateway"
    }

    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn payload(&self, metrics: &RunMetrics, _run: &RunResult) -> Result<Payload, PushError> {
        let families = metrics.gather();
        let series = families.iter().map(|f| f.get_metric().len()).sum();
        Ok(Payload {
            method: Method::PUT,
            url: self.group_url()?,
            headers: vec![("content-type", RunMetrics::text_content_type())],
            body: metrics.to_text()?.into_bytes(),
            series,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw(base: &str, grouping: &[(&str, &str)]) -> Pushgateway {
        let ep = Endpoint::parse(base, "--url", None).expect("url");
        let g = grouping
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Pushgateway::new(ep, "carbon_harness", g)
    }

    #[test]
    fn group_url_encodes_slashes_and_empty_values() {
        let url = gw(
            "http://127.0.0.1:9091",
            &[("instance", "abc"), ("branch", "feature/x"), ("runner", "")],
        )
        .group_url()
        .expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9091/metrics/job/carbon_harness/instance/abc/branch@base64/ZmVhdHVyZS94/runner@base64/="
        );
    }

    #[test]
    fn group_url_keeps_a_path_prefix() {
        let url = gw("http://127.0.0.1:9091/pgw/", &[("branch", "main")])
            .group_url()
            .expect("url");
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9091/pgw/metrics/job/carbon_harness/branch/main"
        );
    }
}

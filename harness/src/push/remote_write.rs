//! The remote-write sink: Prometheus remote-write 1.0 (`prometheus.WriteRequest` protobuf, snappy block compression).
//!
//! Spec: <https://prometheus.io/docs/specs/prw/remote_write_spec/> (version 1.0). The messages below are the subset of
//! `prompb/remote.proto` and `prompb/types.proto` the spec requires, with the same field numbers; written by hand with
//! `prost` derives instead of generated, so no `protoc` is needed. Each series carries `__name__`, the metric's labels,
//! `job` and the grouping labels, sorted by name as the spec requires; every sample has the run's finish time (its
//! start time while unfinished), so a fleet of runners writes real history rather than the Pushgateway's last value.
//!
//! Note for receivers with a TSDB (Prometheus, Mimir): samples much older than the newest one they hold are rejected as
//! out of bounds, so push a run soon after it ran.

use super::metrics::{RunMetrics, unix_seconds};
use super::{Endpoint, Payload, PushError, Sink};
use crate::record::schema::RunResult;
use prometheus::proto::{Metric, MetricFamily, MetricType};
use prost::Message;
use reqwest::Method;

/// `prometheus.WriteRequest`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// `prometheus.TimeSeries`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
}

/// `prometheus.Label`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Label {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}

/// `prometheus.Sample`: a value at a Unix time in milliseconds.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    #[prost(double, tag = "1")]
    pub value: f64,
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}

/// A remote-write receiver, e.g. Prometheus's `/api/v1/write` (started with `--web.enable-remote-write-receiver`).
#[derive(Debug, Clone)]
pub struct RemoteWrite {
    endpoint: Endpoint,
    job: String,
    grouping: Vec<(String, String)>,
}

impl RemoteWrite {
    pub fn new(endpoint: Endpoint, job: &str, grouping: Vec<(String, String)>) -> Self {
        Self {
            endpoint,
            job: job.to_string(),
            grouping,
        }
    }

    /// The write request for `families`, every sample at `timestamp_ms`.
    pub fn write_request(&self, families: &[MetricFamily], timestamp_ms: i64) -> WriteRequest {
        let mut timeseries = Vec::new();
        for family in families {
            for metric in family.get_metric() {
                for (name, extra, value) in flatten(family, metric) {
                    let mut labels: Vec<Label> =
                        vec![label("__name__", &name), label("job", &self.job)];
                    labels.extend(self.grouping.iter().map(|(k, v)| label(k, v)));
                    labels.extend(
                        metric
                            .get_label()
                            .iter()
                            .map(|l| label(l.name(), l.value())),
                    );
                    labels.extend(extra);
                    labels.sort_by(|a, b| a.name.cmp(&b.name));
                    labels.dedup_by(|later, earlier| later.name == earlier.name);
                    timeseries.push(TimeSeries {
                        labels,
                        samples: vec![Sample {
                            value,
                            timestamp: timestamp_ms,
                        }],
                    });
                }
            }
        }
        WriteRequest { timeseries }
    }
}

/// The plain series one metric stands for, as Prometheus would scrape them: (name, extra labels, value).
/// A summary becomes one series per quantile plus `_sum` and `_count`. The run metrics hold no other types.
fn flatten(family: &MetricFamily, metric: &Metric) -> Vec<(String, Vec<Label>, f64)> {
    let name = family.name();
    match family.get_field_type() {
        MetricType::COUNTER => vec![(name.to_string(), vec![], metric.get_counter().get_value())],
        MetricType::GAUGE => vec![(name.to_string(), vec![], metric.get_gauge().get_value())],
        MetricType::SUMMARY => {
            let s = metric.get_summary();
            let mut out: Vec<_> = s
                .get_quantile()
                .iter()
                .map(|q| {
                    let ql = label("quantile", &q.quantile().to_string());
                    (name.to_string(), vec![ql], q.value())
                })
                .collect();
            out.push((format!("{name}_sum"), vec![], s.sample_sum()));
            out.push((format!("{name}_count"), vec![], s.sample_count() as f64));
            out
        }
        _ => vec![],
    }
}

fn label(name: &str, value: &str) -> Label {
    Label {
        name: name.to_string(),
        value: value.to_string(),
    }
}

/// The run's timestamp in milliseconds: when it finished, else when it started.
pub fn run_timestamp_ms(run: &RunResult) -> Result<i64, PushError> {
    let text = run.finished_at.as_deref().unwrap_or(&run.started_at);
    unix_seconds(text)
        .map(|s| (s * 1000.0).round() as i64)
        .ok_or_else(|| {
            PushError::Encode(format!(
                "the run's timestamp {text:?} is not RFC 3339 (expected e.g. 2026-01-31T12:00:00Z); fix the result file"
            ))
        })
}

/// Snappy block format (not the framed format), as remote write requires.
pub fn snappy_compress(bytes: &[u8]) -> Result<Vec<u8>, PushError> {
    snap::raw::Encoder::new()
        .compress_vec(bytes)
        .map_err(|e| PushError::Encode(format!("snappy: {e}")))
}

impl Sink for RemoteWrite {
    fn kind(&self) -> &'static str {
        "remote-write endpoint"
    }

    fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn payload(&self, metrics: &RunMetrics, run: &RunResult) -> Result<Payload, PushError> {
        let request = self.write_request(&metrics.gather(), run_timestamp_ms(run)?);
        Ok(Payload {
            method: Method::POST,
            url: self.endpoint.url.clone(),
            headers: vec![
                ("content-type", "application/x-protobuf".into()),
                ("content-encoding", "snappy".into()),
                ("x-prometheus-remote-write-version", "0.1.0".into()),
                (
                    "user-agent",
                    format!("carbon-harness/{}", env!("CARGO_PKG_VERSION")),
                ),
            ],
            body: snappy_compress(&request.encode_to_vec())?,
            series: request.timeseries.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snappy_round_trips_and_protobuf_decodes() {
        let req = WriteRequest {
            timeseries: vec![TimeSeries {
                labels: vec![label("__name__", "x"), label("a", "b")],
                samples: vec![Sample {
                    value: 1.5,
                    timestamp: 1_700_000_000_000,
                }],
            }],
        };
        let compressed = snappy_compress(&req.encode_to_vec()).expect("compress");
        let raw = snap::raw::Decoder::new()
            .decompress_vec(&compressed)
            .expect("decompress");
        assert_eq!(WriteRequest::decode(raw.as_slice()).expect("decode"), req);
    }

    #[test]
    fn sample_wire_bytes_match_the_proto_field_numbers() {
        // field 1 (double, wire type 1) = 1.0, field 2 (varint) = 5
        let bytes = Sample {
            value: 1.0,
            timestamp: 5,
        }
        .encode_to_vec();
        assert_eq!(bytes, [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0x05]);
    }
}

//! What a driver records per operation: an HDR histogram of successful-op latencies in microseconds, op and error
//! counts, errors by kind and the first few error messages (for the `--max-error-rate` message).
//!
//! Each worker owns a [`Recorder`] (no sharing, no locks on the hot path); the driver merges them into a [`Recorded`].
//! Recording one op is a histogram increment and a counter add; `harness/benches/record.rs` keeps it under 100 ns.

use crate::record::schema::LatencySummary;
use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer as _, V2DeflateSerializer};
use std::collections::BTreeMap;
use std::time::Duration;

/// Significant decimal digits kept by the latency histograms (0.1 % relative error).
pub const HISTOGRAM_SIGFIG: u8 = 3;
/// How many error messages are kept verbatim for the report.
pub const FIRST_ERRORS_KEPT: usize = 5;

/// A fresh latency histogram (µs, auto-resizing, [`HISTOGRAM_SIGFIG`] digits).
pub fn new_histogram() -> Histogram<u64> {
    // Only fails for sigfig > 5, and HISTOGRAM_SIGFIG is a constant 3.
    Histogram::new(HISTOGRAM_SIGFIG).expect("3 significant digits is a valid histogram precision")
}

/// One worker's record of the ops it ran.
#[derive(Debug, Clone)]
pub struct Recorder {
    histogram: Histogram<u64>,
    ops: u64,
    errors: u64,
    errors_by_kind: BTreeMap<String, u64>,
    first_errors: Vec<String>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    pub fn new() -> Self {
        Self {
            histogram: new_histogram(),
            ops: 0,
            errors: 0,
            errors_by_kind: BTreeMap::new(),
            first_errors: Vec::new(),
        }
    }

    /// A successful op that took `latency`. Latencies under 1 µs are recorded as 1 µs.
    #[inline]
    pub fn record_ok(&mut self, latency: Duration) {
        let micros = u64::try_from(latency.as_micros())
            .unwrap_or(u64::MAX)
            .max(1);
        // The histogram auto-resizes; `record` only fails past its absolute maximum, where we clamp instead.
        if self.histogram.record(micros).is_err() {
            self.histogram.saturating_record(micros);
        }
        self.ops += 1;
    }

    /// A failed op. Its latency is not part of the histogram (that describes successful ops).
    pub fn record_err(&mut self, err: &super::OpError) {
        self.errors += 1;
        *self.errors_by_kind.entry(err.kind.clone()).or_insert(0) += 1;
        if self.first_errors.len() < FIRST_ERRORS_KEPT {
            self.first_errors.push(err.to_string());
        }
    }

    /// Fold another worker's record into this one.
    pub fn merge(&mut self, other: &Recorder) {
        // Both histograms auto-resize, so adding can only fail on a u64 count overflow, which saturates instead.
        if self.histogram.add(&other.histogram).is_err() {
            for v in other.histogram.iter_recorded() {
                self.histogram
                    .saturating_record_n(v.value_iterated_to(), v.count_at_value());
            }
        }
        self.ops += other.ops;
        self.errors += other.errors;
        for (kind, n) in &other.errors_by_kind {
            *self.errors_by_kind.entry(kind.clone()).or_insert(0) += n;
        }
        for msg in &other.first_errors {
            if self.first_errors.len() < FIRST_ERRORS_KEPT {
                self.first_errors.push(msg.clone());
            }
        }
    }

    pub fn ops(&self) -> u64 {
        self.ops
    }

    pub fn errors(&self) -> u64 {
        self.errors
    }

    pub fn errors_by_kind(&self) -> &BTreeMap<String, u64> {
        &self.errors_by_kind
    }

    pub fn first_errors(&self) -> &[String] {
        &self.first_errors
    }

    pub fn histogram(&self) -> &Histogram<u64> {
        &self.histogram
    }

    /// p50/p90/p95/p99/max/mean in seconds (all zero when no op succeeded).
    pub fn latency_summary(&self) -> LatencySummary {
        latency_summary(&self.histogram)
    }
}

/// Quantiles of a µs histogram, in seconds.
pub fn latency_summary(h: &Histogram<u64>) -> LatencySummary {
    if h.is_empty() {
        return LatencySummary::default();
    }
    let s = |micros: u64| micros as f64 / 1e6;
    LatencySummary {
        p50: s(h.value_at_quantile(0.50)),
        p90: s(h.value_at_quantile(0.90)),
        p95: s(h.value_at_quantile(0.95)),
        p99: s(h.value_at_quantile(0.99)),
        max: s(h.max()),
        mean: h.mean() / 1e6,
    }
}

/// The histogram in HdrHistogram's V2 + deflate encoding, base64 (readable by every HdrHistogram implementation).
pub fn encode_histogram(
    h: &Histogram<u64>,
) -> Result<String, hdrhistogram::serialization::V2DeflateSerializeError> {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new().serialize(h, &mut bytes)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// Everything one driver run recorded: the merged workers plus the wall time the run took.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub recorder: Recorder,
    pub wall: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::OpError;
    use hdrhistogram::serialization::Deserializer;

    #[test]
    fn records_and_merges() {
        let mut a = Recorder::new();
        let mut b = Recorder::new();
        for ms in 1..=100u64 {
            a.record_ok(Duration::from_millis(ms));
        }
        b.record_ok(Duration::from_secs(2));
        b.record_err(&OpError::new("timeout", "took too long"));
        b.record_err(&OpError::new("http_503", "unavailable"));
        b.record_err(&OpError::new("timeout", "again"));
        a.merge(&b);
        assert_eq!(a.ops(), 101);
        assert_eq!(a.errors(), 3);
        assert_eq!(a.errors_by_kind()["timeout"], 2);
        assert_eq!(a.first_errors()[0], "timeout: took too long");
        let l = a.latency_summary();
        assert!((l.p50 - 0.051).abs() < 0.001, "p50 {}", l.p50);
        assert!((l.max - 2.0).abs() < 0.002, "max {}", l.max);
        assert!(l.p99 >= 0.099 && l.p99 <= 0.101, "p99 {}", l.p99);
    }

    #[test]
    fn empty_summary_is_zero_and_sub_microsecond_counts_as_one() {
        let mut r = Recorder::new();
        assert_eq!(r.latency_summary(), LatencySummary::default());
        r.record_ok(Duration::from_nanos(10));
        assert_eq!(r.histogram().min(), 1);
    }

    #[test]
    fn histogram_round_trips_through_base64() {
        let mut r = Recorder::new();
        for us in [5u64, 50, 500, 5000] {
            r.record_ok(Duration::from_micros(us));
        }
        let text = encode_histogram(r.histogram()).expect("encodes");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .expect("base64");
        let back: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .expect("decodes");
        assert_eq!(back.len(), 4);
        assert_eq!(back.max(), r.histogram().max());
    }
}

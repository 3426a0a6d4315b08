//! The app's Prometheus metrics (prometheus crate registry and text exposition, never `format!`).
//!
//! | name | type | labels |
//! |---|---|---|
//! | `requests_total` | counter | `endpoint`, `status` (the real response status) |
//! | `request_latency_seconds` | histogram | `endpoint` |
//! | `carbon_intensity_g_per_kwh` | gauge | `zone`, `source` |
//! | `predictions_total` | counter | `model`, `classification` |
//! | `process_*` | process collector (Linux) | |
//!
//! `endpoint` is an [`Endpoint`]: the request path of the route template (`/carbon_intensity`, `/predict`, ...), the
//! value the workshop app used and its queries filter on. Unknown paths count as `other`, so cardinality stays bounded.
//! `zone` is bounded too: the gauge keeps the [`MAX_ZONE_SERIES`] most recently fetched zones and drops the series of
//! the least recently fetched one beyond that (any well-formed zone is accepted, and the mock grid answers any
//! `DE-<anything>`, so a client could otherwise create a series per request; issue #15).

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use std::sync::{Arc, Mutex};

/// Most `carbon_intensity_g_per_kwh` series kept (one per zone and source); the same bound as the intensity cache.
pub const MAX_ZONE_SERIES: usize = crate::intensity::cache::MAX_ZONES;

/// The `endpoint` label: one variant per app route, plus `other` for anything unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/carbon_intensity`
    CarbonIntensity,
    /// `/predict`
    Predict,
    /// `/predict_carbon_intensity`
    PredictCarbonIntensity,
    /// `/chat`
    Chat,
    /// `/chat_emissions`
    ChatEmissions,
    /// `/metrics`
    Metrics,
    /// Any other path.
    Other,
}

impl Endpoint {
    /// Every variant, for docs and tests.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::CarbonIntensity,
        Endpoint::Predict,
        Endpoint::PredictCarbonIntensity,
        Endpoint::Chat,
        Endpoint::ChatEmissions,
        Endpoint::Metrics,
        Endpoint::Other,
    ];

    /// The route path (`/carbon_intensity`); `other` has none.
    pub fn path(self) -> Option<&'static str> {
        match self {
            Endpoint::CarbonIntensity => Some("/carbon_intensity"),
            Endpoint::Predict => Some("/predict"),
            Endpoint::PredictCarbonIntensity => Some("/predict_carbon_intensity"),
            Endpoint::Chat => Some("/chat"),
            Endpoint::ChatEmissions => Some("/chat_emissions"),
            Endpoint::Metrics => Some("/metrics"),
            Endpoint::Other => None,
        }
    }

    /// The label value: the route's path (`/carbon_intensity`, ...), or `other` for any unknown path.
    pub fn as_str(self) -> &'static str {
        self.path().unwrap_or("other")
    }

    /// The endpoint of a request path (query strings are not part of the path).
    pub fn from_path(path: &str) -> Endpoint {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.path() == Some(path))
            .unwrap_or(Endpoint::Other)
    }
}

/// The registry and the app's metric families.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    intensity: GaugeVec,
    /// `(zone, source)` of the live intensity series, least recently set first.
    zones: Arc<Mutex<Vec<(String, String)>>>,
    predictions: IntCounterVec,
}

impl Metrics {
    /// A fresh registry with the app's metrics and the process collector.
    pub fn new() -> prometheus::Result<Self> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "requests_total",
                "HTTP requests answered, by route template and real response status",
            ),
            &["endpoint", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "request_latency_seconds",
                "Time to produce the response, by route template",
            ),
            &["endpoint"],
        )?;
        let intensity = GaugeVec::new(
            Opts::new(
                "carbon_intensity_g_per_kwh",
                "Last carbon intensity fetched, grams CO2eq per kWh",
            ),
            &["zone", "source"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        let predictions = IntCounterVec::new(
            Opts::new(
                "predictions_total",
                "Activities classified by the predict routes, by model and class",
            ),
            &["model", "classification"],
        )?;
        registry.register(Box::new(intensity.clone()))?;
        registry.register(Box::new(predictions.clone()))?;
        #[cfg(target_os = "linux")]
        registry.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        Ok(Self {
            registry,
            requests,
            latency,
            intensity,
            zones: Arc::default(),
            predictions,
        })
    }

    /// The registry, for other modules (energy metrics) to register their collectors.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Records one answered request.
    pub fn observe(&self, endpoint: Endpoint, status: u16, seconds: f64) {
        let status = status.to_string();
        self.requests
            .with_label_values(&[endpoint.as_str(), status.as_str()])
            .inc();
        self.latency
            .with_label_values(&[endpoint.as_str()])
            .observe(seconds);
    }

    /// Records the last intensity fetched for a zone.
    /// Beyond [`MAX_ZONE_SERIES`] zones, the least recently set one's series is removed.
    pub fn set_intensity(&self, zone: &str, source: &str, g_per_kwh: f64) {
        let mut zones = self.zones.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = zones.iter().position(|(z, s)| z == zone && s == source) {
            let key = zones.remove(i);
            zones.push(key);
        } else {
            zones.push((zone.to_owned(), source.to_owned()));
            while zones.len() > MAX_ZONE_SERIES {
                let (z, s) = zones.remove(0);
                let _ = self.intensity.remove_label_values(&[&z, &s]);
            }
        }
        self.intensity
            .with_label_values(&[zone, source])
            .set(g_per_kwh);
    }

    /// Records one classification.
    pub fn observe_prediction(&self, model: &str, classification: &str) {
        self.predictions
            .with_label_values(&[model, classification])
            .inc();
    }

    /// The text exposition of everything registered.
    pub fn render(&self) -> Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_labels_round_trip() {
        for e in Endpoint::ALL {
            if let Some(p) = e.path() {
                assert_eq!(Endpoint::from_path(p), e);
            }
        }
        assert_eq!(Endpoint::from_path("/carbon_intensity/"), Endpoint::Other);
        assert_eq!(
            Endpoint::PredictCarbonIntensity.as_str(),
            "/predict_carbon_intensity"
        );
        assert_eq!(Endpoint::Other.as_str(), "other");
    }

    #[test]
    fn intensity_series_are_bounded_and_keep_the_recent_zones() {
        let m = Metrics::new().expect("metrics");
        m.set_intensity("DE", "mock", 1.0);
        for i in 0..2_000 {
            m.set_intensity(&format!("DE-{i}"), "mock", 2.0);
            if i % 100 == 0 {
                m.set_intensity("DE", "mock", 1.0); // recently used: kept
            }
        }
        let text = m.render().expect("render");
        let series = text
            .lines()
            .filter(|l| l.starts_with("carbon_intensity_g_per_kwh{"))
            .count();
        assert_eq!(series, MAX_ZONE_SERIES, "bounded");
        assert!(text.contains("zone=\"DE-1999\""), "the newest zone is kept");
        assert!(text.contains("zone=\"DE\""), "a recently set zone is kept");
        assert!(
            !text.contains("zone=\"DE-0\""),
            "the oldest zone is dropped"
        );
    }
}

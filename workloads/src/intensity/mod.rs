//! Grid carbon intensity from the Electricity Maps v3 API, with an offline stand-in.
//!
//! | module | what |
//! |---|---|
//! | [`client`] | `ElectricityMapsClient`: reqwest (rustls), `auth-token` header, timeout, bounded retries with backoff |
//! | [`cache`] | `IntensityService`: per-zone TTL cache in front of the client |
//! | [`dotenv`] | `.env` parsing with errors that name the line, and API-key lookup (environment wins) |
//! | [`mock_grid`] | a local Electricity Maps stand-in (`workloads mock-grid`), values from CodeCarbon's country table |

pub mod cache;
pub mod client;
pub mod dotenv;
pub mod mock_grid;

use crate::units::GramsPerKwh;
use std::time::Duration;

/// The public Electricity Maps API, used when `ELECTRICITY_MAPS_URL` is unset.
pub const DEFAULT_BASE_URL: &str = "https://api.electricitymap.org";

/// Where a reading came from: the real API or the mock grid (always labelled in pages, JSON and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The Electricity Maps API (or whatever `ELECTRICITY_MAPS_URL` points to, with a key).
    ElectricityMaps,
    /// The built-in mock grid (no API key configured).
    Mock,
}

impl Source {
    /// The shared intensity-source name (`electricity-maps`, `mock`).
    pub fn as_str(self) -> &'static str {
        match self {
            Source::ElectricityMaps => "electricity-maps",
            Source::Mock => "mock",
        }
    }
}

/// One carbon-intensity reading for a zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Zone as the upstream named it (`DE`).
    pub zone: String,
    /// Carbon intensity of the zone's electricity.
    pub intensity: GramsPerKwh,
    /// The upstream's `datetime` for the value (RFC 3339).
    pub datetime: String,
}

/// Why a fetch failed, grouped by what the app answers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FetchError {
    /// Upstream answered 401/403.
    #[error("the Electricity Maps API key was rejected (check ELECTRICITY_MAP_API_KEY)")]
    Unauthorized,
    /// Upstream answered 429.
    #[error("the Electricity Maps API is rate-limiting us")]
    RateLimited {
        /// Seconds to wait, from upstream's `Retry-After` when it sent one.
        retry_after: Option<Duration>,
    },
    /// Every attempt timed out.
    #[error("the Electricity Maps API did not answer within {0:?}")]
    Timeout(Duration),
    /// Upstream answered with another error status (after retries for 5xx).
    #[error("the Electricity Maps API answered HTTP {status}: {message}")]
    Upstream {
        /// Upstream HTTP status.
        status: u16,
        /// Upstream's message, or the start of its body.
        message: String,
    },
    /// Upstream's answer was longer than [`crate::bounded::MAX_UPSTREAM_BODY_BYTES`] (not read further).
    #[error("the Electricity Maps API sent an upstream answer too large (more than {} KiB)", limit / 1024)]
    TooLarge {
        /// The cap, in bytes.
        limit: usize,
    },
    /// Upstream answered 200 with a body we cannot read.
    #[error("the Electricity Maps API sent a malformed body: {0}")]
    Malformed(String),
    /// Connection-level failure (refused, reset, DNS).
    #[error("cannot reach the Electricity Maps API: {0}")]
    Network(String),
}

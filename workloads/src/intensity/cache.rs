//! `IntensityService`: a per-zone TTL cache in front of [`ElectricityMapsClient`].
//!
//! A hit younger than the TTL is served without calling upstream; a TTL of zero disables the cache. Failures are
//! never cached. Concurrent misses for the same zone may each fetch (no request coalescing).
//!
//! The cache holds at most [`MAX_ZONES`] zones: inserting one more first drops expired entries, then the least
//! recently fetched zone. Any well-formed zone is accepted (zone ids are not checked against a table: Electricity Maps
//! adds zones, and its list is not available offline), so the bound is what keeps memory flat when clients send
//! thousands of distinct zones (issue #15). The app's `carbon_intensity_g_per_kwh` gauge has the same bound.

use super::client::ElectricityMapsClient;
use super::{FetchError, Reading, Source};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default cache TTL.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// Most zones cached (and, in the app, most intensity gauge series). Electricity Maps has about 350 zones; a real
/// deployment asks for a handful.
pub const MAX_ZONES: usize = 256;

/// A reading plus whether it came from the cache.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    /// The reading.
    pub reading: Reading,
    /// True when no upstream call was made.
    pub cached: bool,
}

/// Client + cache + the label of where values come from.
#[derive(Debug)]
pub struct IntensityService {
    client: ElectricityMapsClient,
    source: Source,
    ttl: Duration,
    cache: Mutex<HashMap<String, (Instant, Reading)>>,
}

impl IntensityService {
    /// A service over `client`, labelled `source`, caching for `ttl`.
    pub fn new(client: ElectricityMapsClient, source: Source, ttl: Duration) -> Self {
        Self {
            client,
            source,
            ttl,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Where values come from (`electricity-maps` or `mock`).
    pub fn source(&self) -> Source {
        self.source
    }

    /// The reading for `zone`, from the cache when fresh.
    pub async fn get(&self, zone: &str) -> Result<Served, FetchError> {
        if let Some(reading) = self.fresh(zone) {
            return Ok(Served {
                reading,
                cached: true,
            });
        }
        let reading = self.client.latest(zone).await?;
        if !self.ttl.is_zero() {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            if !cache.contains_key(zone) && cache.len() >= MAX_ZONES {
                let ttl = self.ttl;
                cache.retain(|_, (at, _)| at.elapsed() < ttl);
                if cache.len() >= MAX_ZONES
                    && let Some(oldest) = cache
                        .iter()
                        .min_by_key(|(_, (at, _))| *at)
                        .map(|(z, _)| z.clone())
                {
                    cache.remove(&oldest);
                }
            }
            cache.insert(zone.to_owned(), (Instant::now(), reading.clone()));
        }
        Ok(Served {
            reading,
            cached: false,
        })
    }

    /// Zones in the cache now (for tests and the soak script's checks).
    pub fn cached_zones(&self) -> usize {
        self.cache.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn fresh(&self, zone: &str) -> Option<Reading> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (at, reading) = cache.get(zone)?;
        (at.elapsed() < self.ttl).then(|| reading.clone())
    }
}

//! `IntensityService`: a per-zone TTL cache in front of [`ElectricityMapsClient`].
//!
//! A hit younger than the TTL is served without calling upstream; a TTL of zero disables the cache. Failures are
//! never cached. Concurrent misses for the same zone may each fetch (no request coalescing).

use super::client::ElectricityMapsClient;
use super::{FetchError, Reading, Source};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The default cache TTL.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

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
            cache.insert(zone.to_owned(), (Instant::now(), reading.clone()));
        }
        Ok(Served {
            reading,
            cached: false,
        })
    }

    fn fresh(&self, zone: &str) -> Option<Reading> {
        let cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        let (at, reading) = cache.get(zone)?;
        (at.elapsed() < self.ttl).then(|| reading.clone())
    }
}

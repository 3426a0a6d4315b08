//! Environmental impacts of one LLM request, computed with EcoLogits 0.11.3's LLM-inference methodology.
//!
//! Same inputs and outputs as EcoLogits' `llm_impacts(provider, model_name, output_token_count, request_latency,
//! electricity_mix_zone)`: energy (kWh), GWP (kgCO2eq), ADPe (kgSbeq), primary energy (MJ) and water (L), each a
//! `[min, max]` range, split into usage and embodied, plus warnings. Reproduced to ≤ 1e-9 relative error on every case
//! of `workloads/tests/fixtures/ecologits_golden.json` (test `ecologits_golden`).
//!
//! | module | what |
//! |---|---|
//! | [`formula`] | the pure formula at one point, every intermediate exposed |
//! | [`range`] | `[min, max]` values and the bound a formula evaluation uses |
//! | [`catalog`] | models and electricity mixes from EcoLogits' data files (`data/`, MPL-2.0) |
//! | [`providers`] | providers and their data-centre PUE, WUE and location |
//! | [`suggest`] | closest known names for a misspelt provider, model or zone |
//!
//! Resolve once with [`Estimator::new`] (lookups, zone default), then call [`Estimator::impacts`] per request: a few
//! dozen floating-point operations, no allocation.

pub mod catalog;
pub mod formula;
pub mod providers;
pub mod range;
pub mod suggest;

pub use catalog::{Catalog, ElectricityMix, ModelSpec};
pub use providers::Provider;
pub use range::{Bound, Range};

use crate::units::Seconds;
use formula::{Dag, PointInputs};
use serde::Serialize;

/// Zone used when neither the caller nor the provider names one.
pub const DEFAULT_ZONE: &str = "WOR";

/// Why impacts could not be computed. Each variant says what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImpactsError {
    /// The provider name is not one EcoLogits knows.
    #[error("unknown provider `{given}`; known providers: {}", closest.join(", "))]
    UnknownProvider {
        /// The name given.
        given: String,
        /// Known names, closest first.
        closest: Vec<String>,
    },
    /// The model is not in EcoLogits' table for that provider.
    #[error("unknown model `{given}` for provider `{provider}`; closest known: {}{}", closest.join(", "), elsewhere(known_under))]
    UnknownModel {
        /// The provider searched.
        provider: Provider,
        /// The name given.
        given: String,
        /// Closest model names of that provider.
        closest: Vec<String>,
        /// Other providers that do have a model of that exact name.
        known_under: Vec<String>,
    },
    /// The electricity-mix zone is not in EcoLogits' table.
    #[error("unknown electricity-mix zone `{given}` (use an ISO 3166-1 alpha-3 code or WOR); closest known: {}", closest.join(", "))]
    UnknownZone {
        /// The zone given.
        given: String,
        /// Closest zone codes.
        closest: Vec<String>,
    },
    /// The request latency is negative or not a number.
    #[error("invalid request latency {0} s: it must be a finite number ≥ 0")]
    InvalidLatency(f64),
    /// The embedded data tables could not be read (a build problem, not a user one).
    #[error("EcoLogits data file {file} is invalid: {message}")]
    Data {
        /// Which file.
        file: String,
        /// The parser's message.
        message: String,
    },
}

fn elsewhere(providers: &[String]) -> String {
    if providers.is_empty() {
        String::new()
    } else {
        format!(
            " (a model of that name exists for: {})",
            providers.join(", ")
        )
    }
}

/// Usage-phase impacts (electricity consumed while generating).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct UsageImpacts {
    /// Request energy including PUE, kWh.
    pub energy_kwh: Range,
    /// Global warming potential, kgCO2eq.
    pub gwp_kgco2eq: Range,
    /// Abiotic resource depletion (elements), kgSbeq.
    pub adpe_kgsbeq: Range,
    /// Primary energy, MJ.
    pub pe_mj: Range,
    /// Water consumption footprint, L.
    pub wcf_l: Range,
}

/// Embodied impacts (manufacturing of the server and GPUs, allocated by time).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EmbodiedImpacts {
    /// Global warming potential, kgCO2eq.
    pub gwp_kgco2eq: Range,
    /// Abiotic resource depletion (elements), kgSbeq.
    pub adpe_kgsbeq: Range,
    /// Primary energy, MJ.
    pub pe_mj: Range,
}

/// Total impacts of a request (usage + embodied; water is usage only).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Impacts {
    /// Energy, kWh.
    pub energy_kwh: Range,
    /// Global warming potential, kgCO2eq.
    pub gwp_kgco2eq: Range,
    /// Abiotic resource depletion (elements), kgSbeq.
    pub adpe_kgsbeq: Range,
    /// Primary energy, MJ.
    pub pe_mj: Range,
    /// Water consumption footprint, L.
    pub wcf_l: Range,
    /// The usage phase.
    pub usage: UsageImpacts,
    /// The embodied phase.
    pub embodied: EmbodiedImpacts,
}

/// Impacts with what they were computed for: the JSON of `workloads impacts --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactReport {
    /// Provider name.
    pub provider: Provider,
    /// Model name.
    pub model: String,
    /// Electricity-mix zone used.
    pub zone: String,
    /// The impacts.
    #[serde(flatten)]
    pub impacts: Impacts,
    /// EcoLogits warning codes: the model's, then the zone's.
    pub warnings: Vec<String>,
}

/// A provider, model and zone resolved once; computes impacts per request.
#[derive(Debug, Clone)]
pub struct Estimator {
    model: ModelSpec,
    mix: ElectricityMix,
    pue: Range,
    wue_l_per_kwh: Range,
    warnings: Vec<String>,
}

impl Estimator {
    /// Looks up `provider`/`model` and the zone (`zone`, else the provider's data-centre location, else `WOR`).
    pub fn new(
        catalog: &Catalog,
        provider: &str,
        model: &str,
        zone: Option<&str>,
    ) -> Result<Self, ImpactsError> {
        let provider = catalog.provider(provider)?;
        let model = catalog.model(provider, model)?.clone();
        let datacenter = provider.datacenter();
        let mix = catalog.mix(zone.unwrap_or(datacenter.location))?.clone();
        let warnings = model
            .warnings
            .iter()
            .chain(&mix.warnings)
            .cloned()
            .collect();
        Ok(Estimator {
            model,
            mix,
            pue: datacenter.pue,
            wue_l_per_kwh: datacenter.wue_l_per_kwh,
            warnings,
        })
    }

    /// The resolved model.
    pub fn model(&self) -> &ModelSpec {
        &self.model
    }

    /// The resolved electricity mix.
    pub fn mix(&self) -> &ElectricityMix {
        &self.mix
    }

    /// The warnings every result of this estimator carries.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Every intermediate of the formula at one bound. `latency` None means unknown (no cap).
    pub fn dag(
        &self,
        bound: Bound,
        output_tokens: u64,
        latency: Option<Seconds>,
    ) -> Result<Dag, ImpactsError> {
        let request_latency_s = match latency {
            None => f64::INFINITY,
            Some(Seconds(s)) if s.is_finite() && s >= 0.0 => s,
            Some(Seconds(s)) => return Err(ImpactsError::InvalidLatency(s)),
        };
        Ok(formula::evaluate(&PointInputs {
            active_params_b: self.model.active_params_b.at(bound),
            total_params_b: self.model.total_params_b.at(bound),
            output_tokens: output_tokens as f64,
            request_latency_s,
            pue: self.pue.at(bound),
            wue_l_per_kwh: self.wue_l_per_kwh.at(bound),
            mix: self.mix.factors,
            tps: self.model.tps,
            ttft_s: self.model.ttft_s,
        }))
    }

    /// Impacts of one request that generated `output_tokens` in `latency` (measured round trip).
    pub fn impacts(
        &self,
        output_tokens: u64,
        latency: Option<Seconds>,
    ) -> Result<Impacts, ImpactsError> {
        let low = self.dag(Bound::Min, output_tokens, latency)?;
        let high = self.dag(Bound::Max, output_tokens, latency)?;
        Ok(Impacts::from_bounds(&low, &high))
    }

    /// [`Self::impacts`] with the provider, model, zone and warnings attached.
    pub fn report(
        &self,
        output_tokens: u64,
        latency: Option<Seconds>,
    ) -> Result<ImpactReport, ImpactsError> {
        Ok(self.describe(self.impacts(output_tokens, latency)?))
    }

    /// Attaches this estimator's provider, model, zone and warnings to `impacts`.
    pub fn describe(&self, impacts: Impacts) -> ImpactReport {
        ImpactReport {
            provider: self.model.provider,
            model: self.model.name.clone(),
            zone: self.mix.zone.clone(),
            impacts,
            warnings: self.warnings.clone(),
        }
    }
}

impl Impacts {
    /// EcoLogits' range rule: each min from the evaluation at the lower bounds, each max from the upper bounds.
    /// Totals are usage + embodied, except water, which has no embodied term.
    pub fn from_bounds(low: &Dag, high: &Dag) -> Impacts {
        let r = |f: fn(&Dag) -> f64| Range::new(f(low), f(high));
        let usage = UsageImpacts {
            energy_kwh: r(|d| d.request_energy_kwh),
            gwp_kgco2eq: r(|d| d.usage_gwp_kgco2eq),
            adpe_kgsbeq: r(|d| d.usage_adpe_kgsbeq),
            pe_mj: r(|d| d.usage_pe_mj),
            wcf_l: r(|d| d.usage_wcf_l),
        };
        let embodied = EmbodiedImpacts {
            gwp_kgco2eq: r(|d| d.embodied_gwp_kgco2eq),
            adpe_kgsbeq: r(|d| d.embodied_adpe_kgsbeq),
            pe_mj: r(|d| d.embodied_pe_mj),
        };
        Impacts {
            energy_kwh: usage.energy_kwh,
            gwp_kgco2eq: r(|d| d.usage_gwp_kgco2eq + d.embodied_gwp_kgco2eq),
            adpe_kgsbeq: r(|d| d.usage_adpe_kgsbeq + d.embodied_adpe_kgsbeq),
            pe_mj: r(|d| d.usage_pe_mj + d.embodied_pe_mj),
            wcf_l: usage.wcf_l,
            usage,
            embodied,
        }
    }
}

/// One-shot equivalent of EcoLogits' `llm_impacts`, on the embedded tables.
pub fn llm_impacts(
    provider: &str,
    model: &str,
    output_tokens: u64,
    latency: Option<Seconds>,
    zone: Option<&str>,
) -> Result<ImpactReport, ImpactsError> {
    Estimator::new(Catalog::embedded()?, provider, model, zone)?.report(output_tokens, latency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_defaults_to_the_provider_location() {
        let r =
            llm_impacts("mistralai", "mistral-large-latest", 10, None, None).expect("known model");
        assert_eq!(r.zone, "SWE");
        let r = llm_impacts("openai", "gpt-4o-mini", 10, None, Some("FRA")).expect("known model");
        assert_eq!(r.zone, "FRA");
    }

    #[test]
    fn warnings_are_the_model_then_the_zone() {
        let r = llm_impacts("openai", "gpt-4o-mini", 10, None, Some("ABW")).expect("known");
        assert_eq!(
            r.warnings,
            [
                "model-arch-not-released",
                "model-arch-multimodal",
                "electricity-mix-adpe-world",
                "electricity-mix-pe-world",
                "electricity-mix-wue-world"
            ]
        );
    }

    #[test]
    fn bad_latency_is_rejected() {
        for bad in [-1.0, f64::NAN, f64::INFINITY] {
            let e = llm_impacts("openai", "gpt-4o-mini", 10, Some(Seconds(bad)), None);
            assert!(matches!(e, Err(ImpactsError::InvalidLatency(_))), "{bad}");
        }
    }

    #[test]
    fn min_never_exceeds_max_for_any_model() {
        let catalog = Catalog::embedded().expect("tables");
        for provider in Provider::ALL {
            for model in catalog.models(provider) {
                let est = Estimator::new(catalog, provider.as_str(), &model.name, None)
                    .expect("listed model");
                let i = est.impacts(150, Some(Seconds(3.0))).expect("valid");
                for r in [i.energy_kwh, i.gwp_kgco2eq, i.adpe_kgsbeq, i.pe_mj, i.wcf_l] {
                    assert!(
                        r.min > 0.0 && r.min <= r.max,
                        "{provider}/{}: {r:?}",
                        model.name
                    );
                }
            }
        }
    }

    #[test]
    fn report_serialises_with_unit_named_fields() {
        let r = llm_impacts("openai", "gpt-4o-mini", 200, Some(Seconds(5.0)), None).expect("known");
        let v = serde_json::to_value(&r).expect("serialisable");
        for key in [
            "provider",
            "model",
            "zone",
            "energy_kwh",
            "gwp_kgco2eq",
            "adpe_kgsbeq",
            "pe_mj",
            "wcf_l",
        ] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
        assert_eq!(v["provider"], "openai");
        assert!(v["usage"]["wcf_l"]["max"].is_f64());
        assert!(v["embodied"]["pe_mj"]["min"].is_f64());
        assert!(v["embodied"].get("wcf_l").is_none());
    }
}

//! The EcoLogits data tables (models and electricity mixes), parsed once from the files in `data/`.
//!
//! `data/models.json` and `data/electricity_mixes.json` are EcoLogits 0.11.3's own files (MPL-2.0; see
//! `data/README.md`), embedded into the binary. Lookups are exact, as in EcoLogits' `ModelRepository.find_model`;
//! an alias is a copy of its target under another name. A failed lookup returns the closest known names.

use super::ImpactsError;
use super::providers::Provider;
use super::range::Range;
use super::suggest::closest;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

const MODELS_JSON: &str = include_str!("data/models.json");
const MIXES_JSON: &str = include_str!("data/electricity_mixes.json");
const SUGGESTIONS: usize = 5;

/// Dense or mixture-of-experts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Architecture {
    /// Every parameter is active for every token.
    Dense,
    /// Mixture of experts: fewer active than total parameters.
    Moe,
}

/// One model as EcoLogits describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelSpec {
    /// Its provider.
    pub provider: Provider,
    /// Its name (an alias keeps its own name).
    pub name: String,
    /// Dense or MoE.
    pub architecture: Architecture,
    /// Active parameters, billions.
    pub active_params_b: Range,
    /// Total parameters, billions.
    pub total_params_b: Range,
    /// Measured deployment output speed, tokens/s.
    pub tps: Option<f64>,
    /// Measured deployment time to first token, s.
    pub ttft_s: Option<f64>,
    /// EcoLogits warning codes, e.g. `model-arch-not-released`.
    pub warnings: Vec<String>,
}

/// One electricity-mix zone.
#[derive(Debug, Clone, PartialEq)]
pub struct ElectricityMix {
    /// Zone code (ISO 3166-1 alpha-3, `WOR`, `EEE`).
    pub zone: String,
    /// The zone's impact factors.
    pub factors: super::formula::MixFactors,
    /// EcoLogits warning codes, e.g. `electricity-mix-wue-world`.
    pub warnings: Vec<String>,
}

/// Both tables.
#[derive(Debug)]
pub struct Catalog {
    models: BTreeMap<Provider, BTreeMap<String, ModelSpec>>,
    mixes: HashMap<String, ElectricityMix>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawValue {
    Value(f64),
    Range { min: f64, max: f64 },
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawParameters {
    Moe { total: RawValue, active: RawValue },
    Dense(RawValue),
}

#[derive(Deserialize)]
struct RawArchitecture {
    #[serde(rename = "type")]
    kind: Architecture,
    parameters: RawParameters,
}

#[derive(Deserialize)]
struct RawDeployment {
    tps: Option<f64>,
    ttft: Option<f64>,
}

#[derive(Deserialize)]
struct RawModel {
    provider: Provider,
    name: String,
    architecture: RawArchitecture,
    warnings: Option<Vec<String>>,
    deployment: Option<RawDeployment>,
}

#[derive(Deserialize)]
struct RawAlias {
    provider: Provider,
    name: String,
    alias: String,
}

#[derive(Deserialize)]
struct RawModels {
    aliases: Vec<RawAlias>,
    models: Vec<RawModel>,
}

#[derive(Deserialize)]
struct RawMix {
    name: String,
    adpe: f64,
    pe: f64,
    gwp: f64,
    wue: f64,
    warnings: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct RawMixes {
    electricity_mixes: Vec<RawMix>,
}

impl From<RawValue> for Range {
    fn from(v: RawValue) -> Self {
        match v {
            RawValue::Value(x) => Range::point(x),
            RawValue::Range { min, max } => Range::new(min, max),
        }
    }
}

impl From<RawModel> for ModelSpec {
    fn from(m: RawModel) -> Self {
        let (active, total) = match m.architecture.parameters {
            RawParameters::Moe { total, active } => (active.into(), total.into()),
            RawParameters::Dense(p) => {
                let r: Range = p.into();
                (r, r)
            }
        };
        let deployment = m.deployment.unwrap_or(RawDeployment {
            tps: None,
            ttft: None,
        });
        ModelSpec {
            provider: m.provider,
            name: m.name,
            architecture: m.architecture.kind,
            active_params_b: active,
            total_params_b: total,
            tps: deployment.tps,
            ttft_s: deployment.ttft,
            warnings: m.warnings.unwrap_or_default(),
        }
    }
}

static EMBEDDED: LazyLock<Result<Catalog, ImpactsError>> =
    LazyLock::new(|| Catalog::parse(MODELS_JSON, MIXES_JSON));

impl Catalog {
    /// The tables shipped in the binary (parsed on first call).
    pub fn embedded() -> Result<&'static Catalog, ImpactsError> {
        EMBEDDED.as_ref().map_err(Clone::clone)
    }

    /// Tables from EcoLogits-format JSON text.
    pub fn parse(models_json: &str, mixes_json: &str) -> Result<Catalog, ImpactsError> {
        let data_error = |file: &str, e: serde_json::Error| ImpactsError::Data {
            file: file.to_string(),
            message: e.to_string(),
        };
        let raw: RawModels =
            serde_json::from_str(models_json).map_err(|e| data_error("models.json", e))?;
        let mut models: BTreeMap<Provider, BTreeMap<String, ModelSpec>> = BTreeMap::new();
        for m in raw.models {
            let spec = ModelSpec::from(m);
            models
                .entry(spec.provider)
                .or_default()
                .insert(spec.name.clone(), spec);
        }
        for a in raw.aliases {
            let of_provider = models.entry(a.provider).or_default();
            let mut spec =
                of_provider
                    .get(&a.alias)
                    .cloned()
                    .ok_or_else(|| ImpactsError::Data {
                        file: "models.json".to_string(),
                        message: format!(
                            "alias {} points at unknown model {}/{}",
                            a.name, a.provider, a.alias
                        ),
                    })?;
            spec.name = a.name.clone();
            of_provider.insert(a.name, spec);
        }
        let raw: RawMixes = serde_json::from_str(mixes_json)
            .map_err(|e| data_error("electricity_mixes.json", e))?;
        let mixes = raw
            .electricity_mixes
            .into_iter()
            .map(|m| (m.name.clone(), m.into()))
            .collect();
        Ok(Catalog { models, mixes })
    }

    /// The provider named `name`, or an error listing the closest known ones.
    pub fn provider(&self, name: &str) -> Result<Provider, ImpactsError> {
        Provider::from_name(name).ok_or_else(|| ImpactsError::UnknownProvider {
            given: name.to_string(),
            closest: closest(
                name,
                Provider::ALL.iter().map(|p| p.as_str()),
                Provider::ALL.len(),
            ),
        })
    }

    /// The model `name` of `provider`, or an error listing the closest names (of that provider, else of all).
    pub fn model(&self, provider: Provider, name: &str) -> Result<&ModelSpec, ImpactsError> {
        let own = self.models.get(&provider);
        if let Some(spec) = own.and_then(|m| m.get(name)) {
            return Ok(spec);
        }
        let candidates = own.into_iter().flat_map(|m| m.keys().map(String::as_str));
        let other = self.models.iter().filter(|(p, _)| **p != provider);
        let elsewhere: Vec<String> = other
            .filter(|(_, m)| m.contains_key(name))
            .map(|(p, _)| p.as_str().to_string())
            .collect();
        Err(ImpactsError::UnknownModel {
            provider,
            given: name.to_string(),
            closest: closest(name, candidates, SUGGESTIONS),
            known_under: elsewhere,
        })
    }

    /// Every model of `provider`, by name.
    pub fn models(&self, provider: Provider) -> impl Iterator<Item = &ModelSpec> {
        self.models
            .get(&provider)
            .into_iter()
            .flat_map(|m| m.values())
    }

    /// The electricity mix of `zone`, or an error listing the closest zone codes.
    pub fn mix(&self, zone: &str) -> Result<&ElectricityMix, ImpactsError> {
        self.mixes
            .get(zone)
            .ok_or_else(|| ImpactsError::UnknownZone {
                given: zone.to_string(),
                closest: closest(zone, self.mixes.keys().map(String::as_str), SUGGESTIONS),
            })
    }

    /// Every zone code, sorted.
    pub fn zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = self.mixes.keys().map(String::as_str).collect();
        zones.sort_unstable();
        zones
    }
}

impl From<RawMix> for ElectricityMix {
    fn from(m: RawMix) -> Self {
        ElectricityMix {
            zone: m.name,
            factors: super::formula::MixFactors {
                gwp_kgco2eq_per_kwh: m.gwp,
                adpe_kgsbeq_per_kwh: m.adpe,
                pe_mj_per_kwh: m.pe,
                wue_l_per_kwh: m.wue,
            },
            warnings: m.warnings.unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> &'static Catalog {
        match Catalog::embedded() {
            Ok(c) => c,
            Err(e) => panic!("embedded tables must parse: {e}"),
        }
    }

    #[test]
    fn embedded_tables_have_the_documented_counts() {
        let c = catalog();
        let total: usize = Provider::ALL.iter().map(|p| c.models(*p).count()).sum();
        assert_eq!(total, 342 + 9, "342 models + 9 aliases");
        for p in Provider::ALL {
            assert!(c.models(p).count() > 0, "{p} has models");
        }
        assert_eq!(c.zones().len(), 215);
    }

    #[test]
    fn parameters_of_each_shape_are_read() {
        let c = catalog();
        let mini = c.model(Provider::Openai, "gpt-4o-mini").expect("known");
        assert_eq!(mini.active_params_b, Range::new(8.0, 28.0));
        assert_eq!((mini.tps, mini.ttft_s), (Some(79.0), Some(0.54)));
        let gpt4o = c.model(Provider::Openai, "gpt-4o").expect("known");
        assert_eq!(gpt4o.architecture, Architecture::Moe);
        assert_eq!(gpt4o.active_params_b, Range::new(44.0, 132.0));
        assert_eq!(gpt4o.total_params_b, Range::point(440.0));
        let llama = c
            .model(
                Provider::HuggingfaceHub,
                "meta-llama/Meta-Llama-3-8B-Instruct",
            )
            .expect("known");
        assert_eq!(llama.total_params_b, Range::point(8.03));
        assert!(llama.warnings.is_empty());
    }

    #[test]
    fn aliases_copy_their_target() {
        let c = catalog();
        let alias = c.model(Provider::Openai, "gpt-35-turbo").expect("alias");
        let target = c.model(Provider::Openai, "gpt-3.5-turbo").expect("target");
        assert_eq!(alias.name, "gpt-35-turbo");
        assert_eq!(alias.active_params_b, target.active_params_b);
        assert_eq!(alias.tps, target.tps);
    }

    #[test]
    fn unknown_names_suggest_close_ones() {
        let c = catalog();
        match c.model(Provider::Openai, "gpt-4o-mni") {
            Err(ImpactsError::UnknownModel { closest, .. }) => {
                assert!(closest.contains(&"gpt-4o-mini".to_string()))
            }
            other => panic!("expected UnknownModel, got {other:?}"),
        }
        match c.model(Provider::Anthropic, "gpt-4o-mini") {
            Err(ImpactsError::UnknownModel { known_under, .. }) => {
                assert_eq!(known_under, vec!["openai"])
            }
            other => panic!("expected UnknownModel, got {other:?}"),
        }
        match c.provider("opneai") {
            Err(ImpactsError::UnknownProvider { closest, .. }) => assert_eq!(closest[0], "openai"),
            other => panic!("expected UnknownProvider, got {other:?}"),
        }
        match c.mix("US") {
            Err(ImpactsError::UnknownZone { closest, .. }) => {
                assert!(closest.contains(&"USA".to_string()))
            }
            other => panic!("expected UnknownZone, got {other:?}"),
        }
    }

    #[test]
    fn zone_warnings_are_kept() {
        let c = catalog();
        assert_eq!(
            c.mix("EEE").expect("zone").warnings,
            vec!["electricity-mix-wue-world"]
        );
        assert!(c.mix("WOR").expect("zone").warnings.is_empty());
    }

    #[test]
    fn broken_data_is_a_data_error() {
        assert!(matches!(
            Catalog::parse("{", MIXES_JSON),
            Err(ImpactsError::Data { .. })
        ));
        let dangling =
            r#"{"aliases":[{"provider":"openai","name":"x","alias":"missing"}],"models":[]}"#;
        assert!(matches!(
            Catalog::parse(dangling, MIXES_JSON),
            Err(ImpactsError::Data { .. })
        ));
    }
}

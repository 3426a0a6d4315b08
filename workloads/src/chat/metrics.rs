//! Prometheus counters of the chat workload: requests, tokens, and each EcoLogits impact accumulated per range bound.
//!
//! Counters, not gauges or summaries: `rate(llm_impact_energy_joules_total[5m])` is then the estimated power drawn by
//! the LLM calls (W, per bound), and `increase(...)` the impact over any window. Names end in base units.
//!
//! | name | type | unit | labels | meaning |
//! |---|---|---|---|---|
//! | `llm_requests_total` | counter | requests | `model`, `status` | chat calls, by outcome (`ok`, `bad_request`, `upstream_error`, `unreachable`, `timeout`, `invalid_response`, `impacts_error`) |
//! | `llm_tokens_total` | counter | tokens | `model`, `kind` (`prompt`, `completion`) | tokens reported by the LLM |
//! | `llm_impact_energy_joules_total` | counter | J | `model`, `bound` (`min`, `max`) | estimated request energy (EcoLogits, PUE included) |
//! | `llm_impact_gwp_grams_total` | counter | gCO2eq | `model`, `bound` | estimated global warming potential (usage + embodied) |
//! | `llm_impact_adpe_grams_total` | counter | gSbeq | `model`, `bound` | estimated abiotic resource depletion (usage + embodied) |
//! | `llm_impact_pe_joules_total` | counter | J | `model`, `bound` | estimated primary energy (usage + embodied) |
//! | `llm_impact_water_litres_total` | counter | L | `model`, `bound` | estimated water consumption footprint (usage) |

use super::impacts::{Impacts, Range};
use super::openai::Usage;
use crate::units::KilowattHours;
use prometheus::{CounterVec, IntCounterVec, Opts, Registry};

/// Outcome of one chat call, the `status` label of `llm_requests_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallStatus {
    /// Answered, impacts computed.
    Ok,
    /// The caller's request was invalid (no text).
    BadRequest,
    /// The LLM answered with an error status.
    UpstreamError,
    /// The LLM could not be reached.
    Unreachable,
    /// The LLM did not answer in time.
    Timeout,
    /// The LLM's answer was not a chat completion.
    InvalidResponse,
    /// Impacts could not be computed.
    ImpactsError,
}

impl CallStatus {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            CallStatus::Ok => "ok",
            CallStatus::BadRequest => "bad_request",
            CallStatus::UpstreamError => "upstream_error",
            CallStatus::Unreachable => "unreachable",
            CallStatus::Timeout => "timeout",
            CallStatus::InvalidResponse => "invalid_response",
            CallStatus::ImpactsError => "impacts_error",
        }
    }
}

/// The chat counters, registered on a caller's registry.
#[derive(Debug, Clone)]
pub struct ChatMetrics {
    requests: IntCounterVec,
    tokens: IntCounterVec,
    energy_j: CounterVec,
    gwp_g: CounterVec,
    adpe_g: CounterVec,
    pe_j: CounterVec,
    water_l: CounterVec,
}

const JOULES_PER_MJ: f64 = 1e6;
const GRAMS_PER_KG: f64 = 1e3;

fn counter(
    name: &str,
    help: &str,
    labels: &[&str],
    registry: &Registry,
) -> Result<CounterVec, prometheus::Error> {
    let c = CounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(c.clone()))?;
    Ok(c)
}

impl ChatMetrics {
    /// Creates the counters and registers them on `registry`.
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let int =
            |name: &str, help: &str, labels: &[&str]| -> Result<IntCounterVec, prometheus::Error> {
                let c = IntCounterVec::new(Opts::new(name, help), labels)?;
                registry.register(Box::new(c.clone()))?;
                Ok(c)
            };
        let mb = ["model", "bound"];
        Ok(ChatMetrics {
            requests: int(
                "llm_requests_total",
                "Chat calls to the LLM, by outcome",
                &["model", "status"],
            )?,
            tokens: int(
                "llm_tokens_total",
                "Tokens reported by the LLM",
                &["model", "kind"],
            )?,
            energy_j: counter(
                "llm_impact_energy_joules_total",
                "Estimated LLM request energy (EcoLogits)",
                &mb,
                registry,
            )?,
            gwp_g: counter(
                "llm_impact_gwp_grams_total",
                "Estimated LLM GWP, grams CO2eq (EcoLogits)",
                &mb,
                registry,
            )?,
            adpe_g: counter(
                "llm_impact_adpe_grams_total",
                "Estimated LLM ADPe, grams Sb eq (EcoLogits)",
                &mb,
                registry,
            )?,
            pe_j: counter(
                "llm_impact_pe_joules_total",
                "Estimated LLM primary energy (EcoLogits)",
                &mb,
                registry,
            )?,
            water_l: counter(
                "llm_impact_water_litres_total",
                "Estimated LLM water consumption, litres (EcoLogits)",
                &mb,
                registry,
            )?,
        })
    }

    /// Counts one call with its outcome.
    pub fn record_call(&self, model: &str, status: CallStatus) {
        self.requests
            .with_label_values(&[model, status.as_str()])
            .inc();
    }

    /// Adds a successful call's tokens and impacts.
    pub fn record_impacts(&self, model: &str, usage: &Usage, impacts: &Impacts) {
        self.tokens
            .with_label_values(&[model, "prompt"])
            .inc_by(usage.prompt_tokens);
        self.tokens
            .with_label_values(&[model, "completion"])
            .inc_by(usage.completion_tokens);
        let energy = impacts.energy_kwh;
        let to_joules = |kwh: f64| KilowattHours(kwh).to_joules().0;
        add(
            &self.energy_j,
            model,
            Range::new(to_joules(energy.min), to_joules(energy.max)),
        );
        add(&self.gwp_g, model, scale(impacts.gwp_kgco2eq, GRAMS_PER_KG));
        add(
            &self.adpe_g,
            model,
            scale(impacts.adpe_kgsbeq, GRAMS_PER_KG),
        );
        add(&self.pe_j, model, scale(impacts.pe_mj, JOULES_PER_MJ));
        add(&self.water_l, model, impacts.wcf_l);
    }
}

fn scale(r: Range, factor: f64) -> Range {
    Range::new(r.min * factor, r.max * factor)
}

fn add(c: &CounterVec, model: &str, r: Range) {
    c.with_label_values(&[model, "min"]).inc_by(r.min);
    c.with_label_values(&[model, "max"]).inc_by(r.max);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::impacts::llm_impacts;
    use crate::units::Seconds;

    #[test]
    fn impacts_accumulate_per_bound_in_base_units() {
        let registry = Registry::new();
        let m = ChatMetrics::register(&registry).expect("registers");
        let r = llm_impacts("openai", "gpt-4o-mini", 200, Some(Seconds(5.0)), None).expect("known");
        let usage = Usage {
            prompt_tokens: 10,
            completion_tokens: 200,
            total_tokens: 210,
        };
        m.record_impacts("gpt-4o-mini", &usage, &r.impacts);
        m.record_impacts("gpt-4o-mini", &usage, &r.impacts);
        m.record_call("gpt-4o-mini", CallStatus::Ok);
        let get = |c: &CounterVec, bound| c.with_label_values(&["gpt-4o-mini", bound]).get();
        let expect = 2.0 * r.impacts.energy_kwh.max * 3.6e6;
        assert!((get(&m.energy_j, "max") - expect).abs() <= 1e-12 * expect);
        assert!((get(&m.gwp_g, "min") - 2.0 * r.impacts.gwp_kgco2eq.min * 1e3).abs() < 1e-15);
        assert!((get(&m.water_l, "max") - 2.0 * r.impacts.wcf_l.max).abs() < 1e-15);
        assert_eq!(
            m.tokens
                .with_label_values(&["gpt-4o-mini", "completion"])
                .get(),
            400
        );
        assert_eq!(
            m.requests.with_label_values(&["gpt-4o-mini", "ok"]).get(),
            1
        );
        assert!(
            ChatMetrics::register(&registry).is_err(),
            "registering twice on one registry is refused"
        );
    }
}

//! EcoLogits 0.11.3's LLM-inference formula (`ecologits/impacts/llm.py`), evaluated at one point of its inputs.
//!
//! Pure arithmetic, no I/O, no allocation. Every intermediate of EcoLogits' DAG is returned in [`Dag`] so tests can
//! compare each step with the golden file. Source: EcoLogits methodology, and
//! `/work/shared/reference/methodology.md` part B (B.1 constants, B.2 formulas):
//!
//! | step | formula |
//! |---|---|
//! | GPU energy (kWh) | `E_gpu = n · (α_E · e^(β_E·B) · P_act + γ_E) / 1000` |
//! | generation latency (s) | `ΔT = n/tps + ttft` if the deployment has tps, else `n · (α_L·P_act + β_L·B + γ_L)`; then `min(ΔT, request latency)` |
//! | memory (GB), GPUs | `M = 1.2 · P_tot · Q/8`; `#GPU = 2^ceil(log2(ceil(M / 80)))` |
//! | server energy (kWh) | `E_srv = ΔT/3600 · 1.2 kW · #GPU/8 / B` |
//! | IT and request energy | `E_IT = E_srv + #GPU · E_gpu`; `E = PUE · E_IT` |
//! | usage | `GWP = E · mix.gwp`, `ADPe = E · mix.adpe`, `PE = E · mix.pe`, `WCF = E_IT · (WUE + PUE · mix.wue)` |
//! | embodied | `I_srv = #GPU/8 · X_server + #GPU · X_gpu`; `I = ΔT · I_srv / (lifespan · B)` for X in GWP, ADPe, PE |

/// Requests served concurrently by one deployment (B).
pub const BATCH_SIZE: f64 = 64.0;
/// Bits per weight (Q).
pub const MODEL_QUANTIZATION_BITS: f64 = 16.0;
/// Memory of one GPU (H100), GB.
pub const GPU_MEMORY_GB: f64 = 80.0;
/// α_E of the per-token GPU energy fit, Wh per billion active parameters.
pub const GPU_ENERGY_ALPHA: f64 = 1.1665273170451914e-06;
/// β_E of the per-token GPU energy fit (batch-size exponent).
pub const GPU_ENERGY_BETA: f64 = -0.011205921025579175;
/// γ_E of the per-token GPU energy fit, Wh.
pub const GPU_ENERGY_GAMMA: f64 = 4.052928146734005e-05;
/// α_L of the per-token latency regression, s per billion active parameters.
pub const LATENCY_ALPHA: f64 = 0.0006785088094353663;
/// β_L of the per-token latency regression, s per batch slot.
pub const LATENCY_BETA: f64 = 0.0003119310311688259;
/// γ_L of the per-token latency regression, s.
pub const LATENCY_GAMMA: f64 = 0.019473717579473387;
/// GPUs in one server.
pub const SERVER_GPUS: f64 = 8.0;
/// Power of the server without its GPUs (p5.48xlarge), kW.
pub const SERVER_POWER_KW: f64 = 1.2;
/// Embodied GWP of one server without GPUs, kgCO2eq.
pub const SERVER_EMBODIED_GWP: f64 = 5700.0;
/// Embodied ADPe of one server without GPUs, kgSbeq.
pub const SERVER_EMBODIED_ADPE: f64 = 0.37;
/// Embodied primary energy of one server without GPUs, MJ.
pub const SERVER_EMBODIED_PE: f64 = 70000.0;
/// Embodied GWP of one GPU, kgCO2eq.
pub const GPU_EMBODIED_GWP: f64 = 273.0;
/// Embodied ADPe of one GPU, kgSbeq.
pub const GPU_EMBODIED_ADPE: f64 = 0.00895;
/// Embodied primary energy of one GPU, MJ.
pub const GPU_EMBODIED_PE: f64 = 3721.0;
/// Hardware lifespan: 3 years, in seconds.
pub const HARDWARE_LIFESPAN_S: f64 = 3.0 * 365.0 * 24.0 * 60.0 * 60.0;

/// Impact factors of one kWh of electricity in a zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MixFactors {
    /// kgCO2eq per kWh.
    pub gwp_kgco2eq_per_kwh: f64,
    /// kgSbeq per kWh.
    pub adpe_kgsbeq_per_kwh: f64,
    /// MJ of primary energy per kWh.
    pub pe_mj_per_kwh: f64,
    /// Litres of water consumed per kWh generated.
    pub wue_l_per_kwh: f64,
}

/// Every input of one formula evaluation (one bound of every range already chosen).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointInputs {
    /// Active parameters, billions.
    pub active_params_b: f64,
    /// Total parameters, billions.
    pub total_params_b: f64,
    /// Generated tokens.
    pub output_tokens: f64,
    /// Measured request latency, s; `f64::INFINITY` when unknown.
    pub request_latency_s: f64,
    /// Data-centre power usage effectiveness.
    pub pue: f64,
    /// Data-centre on-site water usage effectiveness, L/kWh.
    pub wue_l_per_kwh: f64,
    /// Electricity-mix factors of the zone.
    pub mix: MixFactors,
    /// Deployment output speed, tokens/s (None or 0: use the latency regression).
    pub tps: Option<f64>,
    /// Deployment time to first token, s.
    pub ttft_s: Option<f64>,
}

/// Every intermediate and output of one evaluation, named as in EcoLogits' DAG.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dag {
    /// Energy of one GPU for the request, kWh.
    pub gpu_energy_kwh: f64,
    /// Generation time, capped by the request latency, s.
    pub generation_latency_s: f64,
    /// Memory needed to hold the weights, GB.
    pub model_required_memory_gb: f64,
    /// GPUs needed (a power of two).
    pub gpu_required_count: f64,
    /// Energy of the server without its GPUs, kWh.
    pub server_energy_kwh: f64,
    /// IT energy (server + GPUs), kWh.
    pub request_it_energy_kwh: f64,
    /// Request energy including PUE, kWh.
    pub request_energy_kwh: f64,
    /// Usage GWP, kgCO2eq.
    pub usage_gwp_kgco2eq: f64,
    /// Usage ADPe, kgSbeq.
    pub usage_adpe_kgsbeq: f64,
    /// Usage primary energy, MJ.
    pub usage_pe_mj: f64,
    /// Usage water consumption footprint, L.
    pub usage_wcf_l: f64,
    /// Embodied GWP of the share of server and GPUs used, kgCO2eq (whole lifespan).
    pub server_gpu_embodied_gwp_kgco2eq: f64,
    /// Embodied ADPe of the share of server and GPUs used, kgSbeq (whole lifespan).
    pub server_gpu_embodied_adpe_kgsbeq: f64,
    /// Embodied primary energy of the share of server and GPUs used, MJ (whole lifespan).
    pub server_gpu_embodied_pe_mj: f64,
    /// Embodied GWP allocated to this request, kgCO2eq.
    pub embodied_gwp_kgco2eq: f64,
    /// Embodied ADPe allocated to this request, kgSbeq.
    pub embodied_adpe_kgsbeq: f64,
    /// Embodied primary energy allocated to this request, MJ.
    pub embodied_pe_mj: f64,
}

/// GPUs needed to hold `memory_gb` of weights: the next power of two of `ceil(memory / 80 GB)`, at least 1.
pub fn gpu_required_count(memory_gb: f64) -> f64 {
    let gpus = (memory_gb / GPU_MEMORY_GB).ceil().max(1.0);
    gpus.log2().ceil().exp2()
}

/// Generation time before the latency cap, s.
fn raw_generation_latency_s(p: &PointInputs) -> f64 {
    match p.tps {
        Some(tps) if tps != 0.0 => p.output_tokens / tps + p.ttft_s.unwrap_or(0.0),
        _ => {
            p.output_tokens
                * (LATENCY_ALPHA * p.active_params_b + LATENCY_BETA * BATCH_SIZE + LATENCY_GAMMA)
        }
    }
}

/// Evaluates the whole formula at one point.
pub fn evaluate(p: &PointInputs) -> Dag {
    let energy_per_token_wh =
        GPU_ENERGY_ALPHA * (GPU_ENERGY_BETA * BATCH_SIZE).exp() * p.active_params_b
            + GPU_ENERGY_GAMMA;
    let gpu_energy_kwh = p.output_tokens * energy_per_token_wh / 1000.0;
    let generation_latency_s = raw_generation_latency_s(p).min(p.request_latency_s);
    let model_required_memory_gb = 1.2 * p.total_params_b * MODEL_QUANTIZATION_BITS / 8.0;
    let gpus = gpu_required_count(model_required_memory_gb);
    let server_energy_kwh = (generation_latency_s / 3600.0)
        * SERVER_POWER_KW
        * (gpus / SERVER_GPUS)
        * (1.0 / BATCH_SIZE);
    let request_it_energy_kwh = server_energy_kwh + gpus * gpu_energy_kwh;
    let request_energy_kwh = p.pue * request_it_energy_kwh;
    let server_share = gpus / SERVER_GPUS;
    let server_gpu_embodied_gwp = server_share * SERVER_EMBODIED_GWP + gpus * GPU_EMBODIED_GWP;
    let server_gpu_embodied_adpe = server_share * SERVER_EMBODIED_ADPE + gpus * GPU_EMBODIED_ADPE;
    let server_gpu_embodied_pe = server_share * SERVER_EMBODIED_PE + gpus * GPU_EMBODIED_PE;
    let allocation = generation_latency_s / (HARDWARE_LIFESPAN_S * BATCH_SIZE);
    Dag {
        gpu_energy_kwh,
        generation_latency_s,
        model_required_memory_gb,
        gpu_required_count: gpus,
        server_energy_kwh,
        request_it_energy_kwh,
        request_energy_kwh,
        usage_gwp_kgco2eq: request_energy_kwh * p.mix.gwp_kgco2eq_per_kwh,
        usage_adpe_kgsbeq: request_energy_kwh * p.mix.adpe_kgsbeq_per_kwh,
        usage_pe_mj: request_energy_kwh * p.mix.pe_mj_per_kwh,
        usage_wcf_l: request_it_energy_kwh * (p.wue_l_per_kwh + p.pue * p.mix.wue_l_per_kwh),
        server_gpu_embodied_gwp_kgco2eq: server_gpu_embodied_gwp,
        server_gpu_embodied_adpe_kgsbeq: server_gpu_embodied_adpe,
        server_gpu_embodied_pe_mj: server_gpu_embodied_pe,
        embodied_gwp_kgco2eq: allocation * server_gpu_embodied_gwp,
        embodied_adpe_kgsbeq: allocation * server_gpu_embodied_adpe,
        embodied_pe_mj: allocation * server_gpu_embodied_pe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gpu_count_rounds_up_to_a_power_of_two() {
        assert_eq!(gpu_required_count(48.0), 1.0);
        assert_eq!(gpu_required_count(80.0), 1.0);
        assert_eq!(gpu_required_count(80.1), 2.0);
        assert_eq!(gpu_required_count(168.0), 4.0);
        assert_eq!(gpu_required_count(320.0), 4.0);
        assert_eq!(gpu_required_count(321.0), 8.0);
        assert_eq!(gpu_required_count(0.0), 1.0);
    }

    #[test]
    fn lifespan_is_three_years() {
        assert_eq!(HARDWARE_LIFESPAN_S, 94_608_000.0);
    }

    fn usa() -> MixFactors {
        MixFactors {
            gwp_kgco2eq_per_kwh: 0.3844,
            adpe_kgsbeq_per_kwh: 9.855e-08,
            pe_mj_per_kwh: 9.6884,
            wue_l_per_kwh: 3.1321,
        }
    }

    #[test]
    fn deployment_speed_replaces_the_regression_and_latency_caps_it() {
        let mut p = PointInputs {
            active_params_b: 20.0,
            total_params_b: 20.0,
            output_tokens: 200.0,
            request_latency_s: f64::INFINITY,
            pue: 1.2,
            wue_l_per_kwh: 0.569,
            mix: usa(),
            tps: Some(88.0),
            ttft_s: Some(0.71),
        };
        assert!((evaluate(&p).generation_latency_s - (200.0 / 88.0 + 0.71)).abs() < 1e-12);
        p.request_latency_s = 1.0;
        assert_eq!(evaluate(&p).generation_latency_s, 1.0);
        p.tps = Some(0.0);
        p.request_latency_s = f64::INFINITY;
        let regression = 200.0 * (LATENCY_ALPHA * 20.0 + LATENCY_BETA * 64.0 + LATENCY_GAMMA);
        assert!((evaluate(&p).generation_latency_s - regression).abs() < 1e-12);
    }
}

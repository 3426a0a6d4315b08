//! Every case of the EcoLogits 0.11.3 golden file, reproduced to a relative error ≤ 1e-9.
//!
//! `fixtures/ecologits_golden.json` is `/work/shared/golden/ecologits.json`, produced by running EcoLogits 0.11.3's
//! `llm_impacts` and `compute_llm_impacts_dag`. The `cases` go through the same public path as the CLI and the app
//! (`Estimator::new` + `Estimator::impacts`); the `pure_formula_cases` go through `formula::evaluate` and
//! `Impacts::from_bounds`, which the estimator itself calls. Every output (totals, usage, embodied, min and max), the
//! resolved inputs and every DAG intermediate are compared.

use serde_json::Value;
use workloads::chat::impacts::formula::{self, Dag, MixFactors, PointInputs};
use workloads::chat::impacts::{Bound, Catalog, Estimator, Impacts, Range};
use workloads::units::Seconds;

const GOLDEN: &str = include_str!("fixtures/ecologits_golden.json");
const TOLERANCE: f64 = 1e-9;

fn golden() -> Value {
    serde_json::from_str(GOLDEN).expect("golden file is JSON")
}

fn num(v: &Value, what: &str) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("{what}: expected a number, got {v}"))
}

fn close(actual: f64, expected: f64, what: &str) {
    let scale = actual.abs().max(expected.abs());
    let err = if scale == 0.0 {
        0.0
    } else {
        (actual - expected).abs() / scale
    };
    assert!(
        err <= TOLERANCE,
        "{what}: got {actual:e}, expected {expected:e} (relative error {err:e})"
    );
}

/// A golden value that is either a number or `{min, max}`.
fn range(v: &Value, what: &str) -> Range {
    match v.get("min") {
        Some(min) => Range::new(num(min, what), num(&v["max"], what)),
        None => Range::point(num(v, what)),
    }
}

fn close_range(actual: Range, expected: Range, what: &str) {
    close(actual.min, expected.min, &format!("{what}.min"));
    close(actual.max, expected.max, &format!("{what}.max"));
}

/// Compares every impact in `outputs` (EcoLogits' ImpactsOutput as JSON) with `impacts`.
fn check_outputs(impacts: &Impacts, outputs: &Value, case: &str) {
    let total = |k: &str| range(&outputs[k]["value"], &format!("{case} {k}"));
    close_range(
        impacts.energy_kwh,
        total("energy"),
        &format!("{case} energy"),
    );
    close_range(impacts.gwp_kgco2eq, total("gwp"), &format!("{case} gwp"));
    close_range(impacts.adpe_kgsbeq, total("adpe"), &format!("{case} adpe"));
    close_range(impacts.pe_mj, total("pe"), &format!("{case} pe"));
    close_range(impacts.wcf_l, total("wcf"), &format!("{case} wcf"));
    let usage = |k: &str| range(&outputs["usage"][k]["value"], &format!("{case} usage.{k}"));
    let u = &impacts.usage;
    close_range(
        u.energy_kwh,
        usage("energy"),
        &format!("{case} usage.energy"),
    );
    close_range(u.gwp_kgco2eq, usage("gwp"), &format!("{case} usage.gwp"));
    close_range(u.adpe_kgsbeq, usage("adpe"), &format!("{case} usage.adpe"));
    close_range(u.pe_mj, usage("pe"), &format!("{case} usage.pe"));
    close_range(u.wcf_l, usage("wcf"), &format!("{case} usage.wcf"));
    let embodied = |k: &str| {
        range(
            &outputs["embodied"][k]["value"],
            &format!("{case} embodied.{k}"),
        )
    };
    let e = &impacts.embodied;
    close_range(
        e.gwp_kgco2eq,
        embodied("gwp"),
        &format!("{case} embodied.gwp"),
    );
    close_range(
        e.adpe_kgsbeq,
        embodied("adpe"),
        &format!("{case} embodied.adpe"),
    );
    close_range(e.pe_mj, embodied("pe"), &format!("{case} embodied.pe"));
}

/// Compares every DAG intermediate EcoLogits recorded with ours, at one bound.
///
/// With a range-valued PUE/WUE (anthropic, huggingface_hub) EcoLogits' intermediates downstream of PUE are themselves
/// ranges inside each evaluation; its outputs take the min end of the lower-bound evaluation and the max end of the
/// upper-bound one, which is what our evaluation at `bound` computes, so that end is compared.
fn check_dag(dag: &Dag, expected: &Value, bound: Bound, case: &str) {
    let pairs = [
        ("gpu_energy", dag.gpu_energy_kwh),
        ("generation_latency", dag.generation_latency_s),
        ("model_required_memory", dag.model_required_memory_gb),
        ("gpu_required_count", dag.gpu_required_count),
        ("server_energy", dag.server_energy_kwh),
        ("request_it_energy", dag.request_it_energy_kwh),
        ("request_energy", dag.request_energy_kwh),
        ("request_usage_gwp", dag.usage_gwp_kgco2eq),
        ("request_usage_adpe", dag.usage_adpe_kgsbeq),
        ("request_usage_pe", dag.usage_pe_mj),
        ("request_usage_wcf", dag.usage_wcf_l),
        (
            "server_gpu_embodied_gwp",
            dag.server_gpu_embodied_gwp_kgco2eq,
        ),
        (
            "server_gpu_embodied_adpe",
            dag.server_gpu_embodied_adpe_kgsbeq,
        ),
        ("server_gpu_embodied_pe", dag.server_gpu_embodied_pe_mj),
        ("request_embodied_gwp", dag.embodied_gwp_kgco2eq),
        ("request_embodied_adpe", dag.embodied_adpe_kgsbeq),
        ("request_embodied_pe", dag.embodied_pe_mj),
    ];
    for (key, actual) in pairs {
        let value = range(&expected[key], key).at(bound);
        close(actual, value, &format!("{case} dag.{key}"));
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_llm_impacts_case_matches() {
    let g = golden();
    let cases = g["cases"].as_array().expect("cases");
    assert!(cases.len() >= 9, "the golden file has 9 cases");
    let catalog = Catalog::embedded().expect("embedded tables parse");
    for (i, case) in cases.iter().enumerate() {
        let inp = &case["inputs"];
        let provider = inp["provider"].as_str().expect("provider");
        let model = inp["model_name"].as_str().expect("model_name");
        let name = format!("case {i} {provider}/{model}");
        let tokens = inp["output_token_count"].as_u64().expect("tokens");
        let latency = Seconds(num(&inp["request_latency_s"], "latency"));
        let zone = inp["electricity_mix_zone_arg"].as_str();
        let est = Estimator::new(catalog, provider, model, zone).expect("golden model is known");

        let res = &case["resolved"];
        assert_eq!(
            est.mix().zone,
            res["zone_used"].as_str().expect("zone"),
            "{name} zone"
        );
        close_range(
            est.model().active_params_b,
            range(&res["active_params_B"], "active"),
            &name,
        );
        close_range(
            est.model().total_params_b,
            range(&res["total_params_B"], "total"),
            &name,
        );
        assert_eq!(
            est.model().tps,
            res["deployment_tps"].as_f64(),
            "{name} tps"
        );
        assert_eq!(
            est.model().ttft_s,
            res["deployment_ttft_s"].as_f64(),
            "{name} ttft"
        );
        assert_eq!(
            est.warnings(),
            strings(&case["outputs"]["warnings"]),
            "{name} warnings"
        );

        let impacts = est.impacts(tokens, Some(latency)).expect("valid inputs");
        check_outputs(&impacts, &case["outputs"], &name);
        for (bound, key) in [(Bound::Min, "min_params"), (Bound::Max, "max_params")] {
            let dag = est.dag(bound, tokens, Some(latency)).expect("valid inputs");
            check_dag(
                &dag,
                &case["dag_intermediates"][key],
                bound,
                &format!("{name} {key}"),
            );
        }
    }
}

#[test]
fn every_pure_formula_case_matches() {
    let g = golden();
    let cases = g["pure_formula_cases"]
        .as_array()
        .expect("pure_formula_cases");
    assert!(cases.len() >= 2, "the golden file has 2 pure cases");
    let catalog = Catalog::embedded().expect("embedded tables parse");
    for (i, case) in cases.iter().enumerate() {
        let inp = &case["inputs"];
        let name = format!("pure case {i}");
        let zone = catalog
            .mix(inp["zone"].as_str().expect("zone"))
            .expect("known zone");
        let dag_in = &case["dag"];
        let mix = MixFactors {
            gwp_kgco2eq_per_kwh: num(&dag_in["if_electricity_mix_gwp"], "gwp"),
            adpe_kgsbeq_per_kwh: num(&dag_in["if_electricity_mix_adpe"], "adpe"),
            pe_mj_per_kwh: num(&dag_in["if_electricity_mix_pe"], "pe"),
            wue_l_per_kwh: num(&dag_in["if_electricity_mix_wue"], "wue"),
        };
        assert_eq!(
            zone.factors, mix,
            "{name}: the golden DAG used our table's mix for the zone"
        );
        let point = PointInputs {
            active_params_b: num(&inp["active_params_B"], "active"),
            total_params_b: num(&inp["total_params_B"], "total"),
            output_tokens: num(&inp["output_token_count"], "tokens"),
            request_latency_s: inp["request_latency_s"].as_f64().unwrap_or(f64::INFINITY),
            pue: num(&inp["pue"], "pue"),
            wue_l_per_kwh: num(&inp["wue"], "wue"),
            mix: zone.factors,
            tps: inp["tps"].as_f64(),
            ttft_s: inp["ttft"].as_f64(),
        };
        let dag = formula::evaluate(&point);
        check_dag(&dag, dag_in, Bound::Min, &name);
        check_outputs(&Impacts::from_bounds(&dag, &dag), &case["outputs"], &name);
    }
}

#[test]
fn constants_match_the_golden_file() {
    let g = golden();
    let c = &g["constants_ecologits_impacts_llm"];
    let pairs = [
        ("BATCH_SIZE", formula::BATCH_SIZE),
        ("MODEL_QUANTIZATION_BITS", formula::MODEL_QUANTIZATION_BITS),
        ("GPU_MEMORY", formula::GPU_MEMORY_GB),
        ("GPU_ENERGY_ALPHA", formula::GPU_ENERGY_ALPHA),
        ("GPU_ENERGY_BETA", formula::GPU_ENERGY_BETA),
        ("GPU_ENERGY_GAMMA", formula::GPU_ENERGY_GAMMA),
        ("LATENCY_ALPHA", formula::LATENCY_ALPHA),
        ("LATENCY_BETA", formula::LATENCY_BETA),
        ("LATENCY_GAMMA", formula::LATENCY_GAMMA),
        ("SERVER_GPUS", formula::SERVER_GPUS),
        ("SERVER_POWER", formula::SERVER_POWER_KW),
        ("SERVER_EMBODIED_IMPACT_GWP", formula::SERVER_EMBODIED_GWP),
        ("SERVER_EMBODIED_IMPACT_ADPE", formula::SERVER_EMBODIED_ADPE),
        ("SERVER_EMBODIED_IMPACT_PE", formula::SERVER_EMBODIED_PE),
        ("GPU_EMBODIED_IMPACT_GWP", formula::GPU_EMBODIED_GWP),
        ("GPU_EMBODIED_IMPACT_ADPE", formula::GPU_EMBODIED_ADPE),
        ("GPU_EMBODIED_IMPACT_PE", formula::GPU_EMBODIED_PE),
        ("HARDWARE_LIFESPAN", formula::HARDWARE_LIFESPAN_S),
    ];
    for (key, ours) in pairs {
        // serde_json (without its `float_roundtrip` feature) may parse a decimal one ULP off, hence `close`.
        close(ours, num(&c[key], key), key);
    }
}

#[test]
fn provider_config_and_mixes_match_the_golden_file() {
    let g = golden();
    let catalog = Catalog::embedded().expect("embedded tables parse");
    let providers = g["provider_config"].as_object().expect("provider_config");
    for (name, cfg) in providers {
        let dc = catalog
            .provider(name)
            .expect("golden provider is known")
            .datacenter();
        assert_eq!(
            dc.location,
            cfg["datacenter_location"].as_str().expect("location"),
            "{name}"
        );
        assert_eq!(dc.pue, range(&cfg["datacenter_pue"], "pue"), "{name} pue");
        assert_eq!(
            dc.wue_l_per_kwh,
            range(&cfg["datacenter_wue"], "wue"),
            "{name} wue"
        );
    }
    for (zone, m) in g["electricity_mixes_subset"].as_object().expect("mixes") {
        let mix = catalog.mix(zone).expect("golden zone is known");
        assert_eq!(
            mix.factors.gwp_kgco2eq_per_kwh,
            num(&m["gwp"], "gwp"),
            "{zone}"
        );
        assert_eq!(
            mix.factors.adpe_kgsbeq_per_kwh,
            num(&m["adpe"], "adpe"),
            "{zone}"
        );
        assert_eq!(mix.factors.pe_mj_per_kwh, num(&m["pe"], "pe"), "{zone}");
        assert_eq!(mix.factors.wue_l_per_kwh, num(&m["wue"], "wue"), "{zone}");
        assert_eq!(mix.warnings, strings(&m["warnings"]), "{zone} warnings");
    }
}

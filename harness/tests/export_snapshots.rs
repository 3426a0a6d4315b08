//! Snapshot tests pin the bytes of every comparison exporter (review changes with `cargo insta review`).

use harness::baseline::load_run;
use harness::compare::{CompareSettings, Comparison, compare};
use harness::export;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/results"
    ))
    .join(name)
}

fn comparison(base: &str, cand: &str) -> Comparison {
    let b = load_run(&fixture(base)).expect("base loads");
    let c = load_run(&fixture(cand)).expect("candidate loads");
    compare(&b, base, &c, cand, CompareSettings::default()).expect("comparable")
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("utf-8")
}

#[test]
fn markdown_energy_regression() {
    insta::assert_snapshot!(text(export::markdown::render(&comparison(
        "base.json",
        "energy-plus-10.json"
    ))));
}

#[test]
fn markdown_cross_machine_and_one_sided() {
    insta::assert_snapshot!(text(export::markdown::render(&comparison(
        "base.json",
        "cross-machine.json"
    ))));
    insta::assert_snapshot!(text(export::markdown::render(&comparison(
        "base.json",
        "one-sided.json"
    ))));
}

#[test]
fn table_plain_and_coloured() {
    let c = comparison("base.json", "latency-minus-10.json");
    let plain = text(export::diff_table::render(&c, false));
    assert!(!plain.contains('\x1b'), "no escape codes without colour");
    insta::assert_snapshot!(plain);
    let coloured = text(export::diff_table::render(&c, true));
    assert!(
        coloured.contains("\x1b[1;32mimproved (could detect ≥ 3.0 %)\x1b[0m")
            && coloured.contains("↓ ")
    );
}

#[test]
fn json_has_every_number() {
    let c = comparison("base.json", "energy-plus-10.json");
    let bytes = export::json::render(&c).expect("serialises");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid json");
    let m = &value["workloads"][0]["metrics"][0];
    for key in [
        "metric",
        "base_mean",
        "candidate_mean",
        "base_n",
        "change",
        "p_value",
        "p_adjusted",
        "threshold",
        "verdict",
        "reason",
    ] {
        assert!(m.get(key).is_some(), "missing {key} in {m}");
    }
    assert_eq!(m["metric"], "energy_j_per_op");
    assert_eq!(m["verdict"], "regressed");
    insta::assert_snapshot!(text(bytes));
}

#[test]
fn bmf_of_the_candidate() {
    let run = load_run(&fixture("energy-plus-10.json")).expect("loads");
    let bytes = export::bmf::render(&run).expect("serialises");
    let value: serde_json::Value = serde_json::from_slice(&bytes).expect("valid json");
    let e = &value["spin:1000000"]["energy_j_per_op"];
    let (lo, v, hi) = (
        e["lower_value"].as_f64(),
        e["value"].as_f64(),
        e["upper_value"].as_f64(),
    );
    assert!(lo <= v && v <= hi, "{e}");
    insta::assert_snapshot!(text(bytes));
}

#[test]
fn json_feeds_harness_push_compare() {
    let c = comparison("base.json", "energy-plus-10.json");
    let text = text(export::json::render(&c).expect("serialises"));
    let verdicts = harness::push::verdicts::Verdicts::parse(&text, "compare.json")
        .expect("push reads compare JSON");
    assert_eq!(verdicts.metrics.len(), 12);
    let regressions: Vec<_> = verdicts
        .metrics
        .iter()
        .filter(|m| m.is_regression())
        .map(|m| m.metric.as_str())
        .collect();
    assert_eq!(
        regressions,
        [
            "energy_j_per_op",
            "emissions_g_per_op",
            "energy_j_per_op",
            "emissions_g_per_op"
        ]
    );
}

//! The committed JSON Schema must be exactly what the types generate, so docs and code never drift.

#[test]
fn committed_schema_matches_the_types() {
    let generated = harness::record::schema::json_schema_string().expect("schema serialises");
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../bench-results/schema/run.schema.json"
    );
    let committed =
        std::fs::read_to_string(path).expect("bench-results/schema/run.schema.json exists");
    assert!(
        committed == generated,
        "bench-results/schema/run.schema.json is stale: run `cargo run -p harness -- schema > bench-results/schema/run.schema.json`"
    );
}

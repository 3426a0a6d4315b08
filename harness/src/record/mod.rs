//! Result records: the versioned schema of `bench-results/runs/*.json` ([`schema`]).
//!
//! Every result file the harness writes follows [`schema::RunResult`]; `bench-results/schema/run.schema.json` is
//! generated from these types (`harness schema`) and a test keeps the committed file in sync. [`csv`] writes
//! CodeCarbon's `emissions.csv`; [`emissions`] builds the row of one bench workload from the result file.

pub mod csv;
pub mod emissions;
pub mod schema;
pub mod store;

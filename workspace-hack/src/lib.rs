//! No code. This crate only depends on a few crates with features turned on (see its `Cargo.toml`), so that
//! `cargo build -p harness`, `cargo build -p workloads` and `cargo test --workspace` resolve the same features for every
//! shared dependency and reuse one set of compiled artefacts (the workspace-hack pattern of `cargo hakari`, kept by
//! hand). `scripts/check-feature-unity.sh` fails when the feature sets drift apart and names the crate to add here.

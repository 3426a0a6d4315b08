//! `harness schema`: print the result-file JSON Schema.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    print!("{}", crate::record::schema::json_schema_string()?);
    Ok(ExitCode::SUCCESS)
}

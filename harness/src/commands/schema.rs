//! `harness schema`: print the result-file JSON Schema.

use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    // The string already ends with a newline; `println!` would add a second and make the committed file stale.
    print!("{}", crate::record::schema::json_schema_string()?);
    Ok(ExitCode::SUCCESS)
}

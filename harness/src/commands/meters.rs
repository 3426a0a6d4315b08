//! `harness meters`: every meter, available or not, and why; what `auto` would use on this machine.

use crate::cli::{MetersArgs, ReportFormat};
use crate::metering;
use energy::meter::{MeterChoice, MeterStatus, Source, select};
use std::process::ExitCode;
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct Row {
    source: &'static str,
    available: &'static str,
    used: &'static str,
    components: String,
    #[tabled(rename = "resolution J")]
    resolution: String,
    detail: String,
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn row(s: &MeterStatus) -> Row {
    Row {
        source: s.source.as_str(),
        available: yes(s.available),
        used: yes(s.used),
        components: s
            .components
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(","),
        resolution: s
            .resolution
            .map(|j| format!("{:e}", j.0))
            .unwrap_or_else(|| "-".into()),
        detail: s.detail.clone(),
    }
}

/// The plain-language summary under the table.
pub fn summary(considered: &[MeterStatus]) -> Vec<String> {
    let get = |src| considered.iter().find(|s| s.source == src);
    let mut lines = Vec::new();
    match get(Source::Rapl) {
        Some(s) if s.available => lines.push(format!("RAPL: yes, {}", s.detail)),
        Some(s) => lines.push(format!("RAPL: no. {}", s.detail)),
        None => {}
    }
    match get(Source::Nvml) {
        Some(s) if s.available => lines.push(format!("GPU: yes, {}", s.detail)),
        Some(s) => lines.push(format!("GPU: no. {}", s.detail)),
        None => {}
    }
    if let Some(s) = get(Source::Model).filter(|s| s.used) {
        lines.push(format!("Model meter in use: {}", s.detail));
    }
    lines
}

pub fn run(args: MetersArgs) -> anyhow::Result<ExitCode> {
    let config = metering::meter_plan(&args.meter)?.config;
    let selection = select(MeterChoice::Auto, &config)?;
    match args.format {
        ReportFormat::Json => {
            let meters: Vec<_> = selection
                .considered
                .iter()
                .map(metering::meter_info)
                .collect();
            let out = serde_json::json!({
                "meters": meters,
                "auto_uses": selection.used_sources(),
                "warnings": selection.warnings,
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Table => {
            let rows: Vec<Row> = selection.considered.iter().map(row).collect();
            println!("{}", Table::new(rows).with(Style::modern()));
            for line in summary(&selection.considered) {
                println!("{line}");
            }
            println!("--meter auto uses: {}", selection.used_sources());
        }
    }
    Ok(ExitCode::SUCCESS)
}

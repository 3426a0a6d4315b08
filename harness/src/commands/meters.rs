//! `harness meters`: every meter, available or not, and why; what `auto` would use on this machine. The table and
//! the summary fit a [`TERMINAL_WIDTH`]-column terminal (the widest column, the detail, is wrapped).

use crate::cli::{MetersArgs, ReportFormat};
use crate::metering;
use energy::meter::{MeterChoice, MeterStatus, Source, select};
use std::process::ExitCode;
use tabled::settings::peaker::Priority;
use tabled::settings::{Style, Width};
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

/// The line about `--meter instructions`: whether Valgrind runs here (`valgrind --version`), and how to install it
/// when it does not.
pub fn instructions_line(valgrind: &Result<String, String>) -> String {
    match valgrind {
        Ok(version) => format!(
            "Instruction counter (--meter instructions): yes, {version} (Callgrind; deterministic counts per op)"
        ),
        Err(why) => format!("Instruction counter (--meter instructions): no. {why}"),
    }
}

/// The width the table output fits in.
pub const TERMINAL_WIDTH: usize = 100;

/// The table, the summary and the `auto` line, each line at most `width` characters (words longer than that aside).
pub fn render_table(
    considered: &[MeterStatus],
    auto_uses: &str,
    valgrind: &Result<String, String>,
    width: usize,
) -> String {
    let rows: Vec<Row> = considered.iter().map(row).collect();
    let mut table = Table::new(rows);
    table.with(Style::modern()).with(
        Width::wrap(width)
            .priority(Priority::max(true))
            .keep_words(true),
    );
    let mut out = table.to_string();
    let mut summary = summary(considered);
    summary.push(instructions_line(valgrind));
    let auto = format!("--meter auto uses: {auto_uses}");
    for line in summary.iter().chain(std::iter::once(&auto)) {
        for wrapped in wrap_words(line, width) {
            out.push('\n');
            out.push_str(&wrapped);
        }
    }
    out
}

/// Greedy word wrap at `width` characters (continuation lines indented by two spaces).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::replace(&mut line, "  ".to_string()));
        }
        if !line.trim().is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.trim().is_empty() {
        lines.push(line);
    }
    lines
}

pub fn run(args: MetersArgs) -> anyhow::Result<ExitCode> {
    let config = metering::meter_plan(&args.meter)?.config;
    let selection = select(MeterChoice::Auto, &config)?;
    let valgrind = crate::runner::counted::valgrind_version();
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
                "instructions": {
                    "available": valgrind.is_ok(),
                    "detail": valgrind.as_ref().unwrap_or_else(|e| e),
                },
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ReportFormat::Table => {
            let used = selection.used_sources();
            println!(
                "{}",
                render_table(&selection.considered, &used, &valgrind, TERMINAL_WIDTH)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use energy::meter::MeterConfig;

    #[test]
    fn the_table_fits_a_100_column_terminal() {
        let selection = select(MeterChoice::Auto, &MeterConfig::default()).expect("select");
        let mut considered = selection.considered.clone();
        // Whatever this machine says, plus the long kind of detail a permission error gives.
        considered[0].detail = "cannot read /sys/class/powercap/intel-rapl:0/energy_uj: Permission denied \
            (os error 13); since Linux 5.10 energy_uj is root-only: run `sudo chmod o+r \
            /sys/class/powercap/intel-rapl:*/energy_uj` or run the harness as root, or use --meter model"
            .repeat(2);
        let missing = Err(format!(
            "Valgrind is not installed (No such file or directory (os error 2)); {}",
            crate::runner::counted::INSTALL_HINT
        ));
        let out = render_table(
            &considered,
            &selection.used_sources(),
            &missing,
            TERMINAL_WIDTH,
        );
        for line in out.lines() {
            assert!(
                line.chars().count() <= TERMINAL_WIDTH,
                "{} chars: {line}\n{out}",
                line.chars().count()
            );
        }
        assert!(out.contains("--meter auto uses:"), "{out}");
        assert!(out.contains("Permission"), "{out}");
        assert!(out.contains("--meter instructions): no."), "{out}");
        assert!(out.contains("apt-get install -y valgrind"), "{out}");
        let found = instructions_line(&Ok("valgrind-3.19.0".to_string()));
        assert!(found.contains("yes, valgrind-3.19.0"), "{found}");
    }

    #[test]
    fn words_wrap_at_the_width() {
        let lines = wrap_words("aaa bbb ccc ddd", 7);
        assert_eq!(lines, vec!["aaa bbb", "  ccc", "  ddd"]);
        assert_eq!(wrap_words("", 7), Vec::<String>::new());
    }
}

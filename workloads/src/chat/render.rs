//! Renders an [`ImpactReport`] for people (a table) or programs (JSON). Pure: returns text, writes nothing.

use super::impacts::{ImpactReport, Range};
use tabled::settings::Style;
use tabled::{Table, Tabled};

#[derive(Tabled)]
struct Row {
    #[tabled(rename = "impact")]
    impact: &'static str,
    #[tabled(rename = "phase")]
    phase: &'static str,
    #[tabled(rename = "unit")]
    unit: &'static str,
    #[tabled(rename = "min")]
    min: String,
    #[tabled(rename = "max")]
    max: String,
}

fn row(impact: &'static str, phase: &'static str, unit: &'static str, r: Range) -> Row {
    Row {
        impact,
        phase,
        unit,
        min: format!("{:.4e}", r.min),
        max: format!("{:.4e}", r.max),
    }
}

/// A table of every impact (total, usage, embodied) with a heading line and the warnings.
pub fn table(report: &ImpactReport) -> String {
    let i = &report.impacts;
    let (u, e) = (&i.usage, &i.embodied);
    let rows = [
        row("energy", "total", "kWh", i.energy_kwh),
        row("gwp", "total", "kgCO2eq", i.gwp_kgco2eq),
        row("gwp", "usage", "kgCO2eq", u.gwp_kgco2eq),
        row("gwp", "embodied", "kgCO2eq", e.gwp_kgco2eq),
        row("adpe", "total", "kgSbeq", i.adpe_kgsbeq),
        row("adpe", "usage", "kgSbeq", u.adpe_kgsbeq),
        row("adpe", "embodied", "kgSbeq", e.adpe_kgsbeq),
        row("pe", "total", "MJ", i.pe_mj),
        row("pe", "usage", "MJ", u.pe_mj),
        row("pe", "embodied", "MJ", e.pe_mj),
        row("wcf (water)", "usage", "L", i.wcf_l),
    ];
    let mut out = format!(
        "{} / {} in zone {} (EcoLogits 0.11.3 method, estimate)\n",
        report.provider, report.model, report.zone
    );
    out.push_str(&Table::new(rows).with(Style::modern()).to_string());
    out.push('\n');
    for w in &report.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

/// The report as pretty JSON, newline-terminated.
pub fn json(report: &ImpactReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(report).map(|s| s + "\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::impacts::llm_impacts;
    use crate::units::Seconds;

    fn report() -> ImpactReport {
        llm_impacts("openai", "gpt-4o-mini", 200, Some(Seconds(5.0)), None).expect("known model")
    }

    #[test]
    fn table_lists_every_impact_and_the_warnings() {
        let t = table(&report());
        assert!(t.starts_with("openai / gpt-4o-mini in zone USA"), "{t}");
        for needle in [
            "energy",
            "kWh",
            "kgCO2eq",
            "kgSbeq",
            "MJ",
            "wcf (water)",
            "embodied",
            "model-arch-not-released",
        ] {
            assert!(t.contains(needle), "{needle} in\n{t}");
        }
    }

    #[test]
    fn json_has_the_documented_keys() {
        let v: serde_json::Value =
            serde_json::from_str(&json(&report()).expect("serialises")).expect("JSON");
        let keys = [
            "provider",
            "model",
            "zone",
            "energy_kwh",
            "gwp_kgco2eq",
            "adpe_kgsbeq",
            "pe_mj",
            "wcf_l",
        ];
        for k in keys.into_iter().chain(["usage", "embodied", "warnings"]) {
            assert!(v.get(k).is_some(), "{k}");
        }
        assert!(
            v["energy_kwh"]["min"].as_f64().expect("min")
                <= v["energy_kwh"]["max"].as_f64().expect("max")
        );
    }
}

//! `harness monitor`'s output as text: a sample (a progress line for a terminal, else a JSON line) and the totals
//! (a table, or one JSON object). Pure functions to strings; the command prints them.

use energy::carbon::Intensity;
use energy::meter::{CombinedReading, Component};
use energy::units::{Joules, Seconds};
use serde_json::json;
use std::collections::BTreeMap;
use tabled::settings::Style;
use tabled::{Table, Tabled};

fn power_since(
    now: &CombinedReading,
    before: Option<&CombinedReading>,
) -> BTreeMap<Component, f64> {
    let (t0, e0) = before.map_or((Seconds(0.0), BTreeMap::new()), |b| {
        (b.duration, b.energy.clone())
    });
    let dt = now.duration.0 - t0.0;
    now.energy
        .iter()
        .map(|(c, j)| {
            let prev = e0.get(c).copied().unwrap_or_default();
            (*c, if dt > 0.0 { (j.0 - prev.0) / dt } else { 0.0 })
        })
        .collect()
}

/// One sample: with `progress_line`, a `\r`-led line that overwrites the previous one on a terminal; else a JSON
/// line (with its newline). Power is per component since `before` (since the start without it).
pub fn sample(
    now: &CombinedReading,
    before: Option<&CombinedReading>,
    intensity: &Intensity,
    progress_line: bool,
) -> String {
    let power = power_since(now, before);
    let total_w: f64 = power.values().sum();
    let total = now.total();
    if progress_line {
        let parts: Vec<String> = power.iter().map(|(c, w)| format!("{c} {w:.1} W")).collect();
        format!(
            "\r{:>7.1} s  {}  total {total_w:.1} W  {:.6} kWh  {:.4} gCO2eq   ",
            now.duration.0,
            parts.join("  "),
            total.to_kwh().0,
            intensity.emissions(total).0
        )
    } else {
        let power_w: BTreeMap<&str, f64> = power.iter().map(|(c, w)| (c.as_str(), *w)).collect();
        let line = json!({
            "t_s": now.duration.0,
            "power_w": power_w,
            "power_w_total": total_w,
            "energy_j": total.0,
            "energy_kwh": total.to_kwh().0,
            "emissions_g": intensity.emissions(total).0,
            "source": now.sources(),
        });
        format!("{line}\n")
    }
}

#[derive(Tabled)]
struct TotalRow {
    component: String,
    source: String,
    #[tabled(rename = "energy J")]
    energy_j: String,
    #[tabled(rename = "energy kWh")]
    energy_kwh: String,
    #[tabled(rename = "gCO2eq")]
    emissions_g: String,
    #[tabled(rename = "mean W")]
    mean_w: String,
}

fn component_sources(last: &CombinedReading) -> BTreeMap<Component, &'static str> {
    let mut map = BTreeMap::new();
    for r in &last.readings {
        for c in r.energy.keys() {
            map.insert(*c, r.source.as_str());
        }
    }
    map
}

/// The totals: one JSON object (`as_json`), else a table per component and a line naming the intensity; ends with a
/// newline.
pub fn totals(last: &CombinedReading, intensity: &Intensity, as_json: bool) -> String {
    let sources = component_sources(last);
    let d = last.duration.0;
    let entry = |j: Joules, source: &str| {
        json!({
            "energy_j": j.0,
            "energy_kwh": j.to_kwh().0,
            "emissions_g": intensity.emissions(j).0,
            "duration_s": d,
            "source": source,
        })
    };
    if as_json {
        let components: BTreeMap<&str, serde_json::Value> = last
            .energy
            .iter()
            .map(|(c, j)| (c.as_str(), entry(*j, sources.get(c).copied().unwrap_or(""))))
            .collect();
        let out = json!({
            "totals": components,
            "total": entry(last.total(), &last.sources()),
            "intensity_g_per_kwh": intensity.value.0,
            "intensity_source": intensity.source,
            "zone": intensity.zone,
        });
        return format!("{out}\n");
    }
    let mut rows: Vec<TotalRow> = last
        .energy
        .iter()
        .map(|(c, j)| {
            total_row(
                c.as_str(),
                sources.get(c).copied().unwrap_or(""),
                *j,
                d,
                intensity,
            )
        })
        .collect();
    rows.push(total_row(
        "total",
        &last.sources(),
        last.total(),
        d,
        intensity,
    ));
    format!(
        "{}\n{d:.1} s at {} g CO2eq/kWh ({}{})\n",
        Table::new(rows).with(Style::modern()),
        intensity.value.0,
        intensity.source,
        intensity
            .zone
            .as_deref()
            .map(|z| format!(" {z}"))
            .unwrap_or_default()
    )
}

fn total_row(name: &str, source: &str, j: Joules, d: f64, intensity: &Intensity) -> TotalRow {
    TotalRow {
        component: name.into(),
        source: source.into(),
        energy_j: format!("{:.3}", j.0),
        energy_kwh: format!("{:.9}", j.to_kwh().0),
        emissions_g: format!("{:.6}", intensity.emissions(j).0),
        mean_w: format!("{:.2}", if d > 0.0 { j.0 / d } else { 0.0 }),
    }
}

//! The grid intensity over each repetition's time, from a zone's intensity history (Electricity Maps
//! `/v3/carbon-intensity/history`: hourly values for the last 24 hours), instead of one reading for the whole run.
//!
//! Each history entry holds from its `datetime` until the next entry's (the last one for as long as the one before it,
//! or an hour when it is alone). A repetition that ran over `[start, start + wall)` gets the **time-weighted mean** of
//! the entries it overlaps, so a repetition across an interval boundary is charged each interval's intensity for the
//! part of it that ran then; its energy is then weighted by that intensity: per-repetition emissions are E × I_rep,
//! and the workload's emissions per op are Σ E_rep × I_rep ÷ Σ ops. When any repetition is not wholly covered (the
//! history ends before it, a start time is missing), nothing changes and the caller keeps the single reading with a
//! warning.

use super::Embodied;
use crate::record::schema::WorkloadResult;
use energy::units::{GramsPerKwh, Joules};
use jiff::{SignedDuration, Timestamp};

/// One interval of the history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub start: Timestamp,
    pub end: Timestamp,
    pub intensity: GramsPerKwh,
}

/// Intervals from `(datetime, intensity)` readings in any order; unreadable datetimes are an error naming them.
pub fn intervals(readings: &[(String, GramsPerKwh)]) -> Result<Vec<Interval>, String> {
    let mut points: Vec<(Timestamp, GramsPerKwh)> = readings
        .iter()
        .map(|(t, i)| {
            t.parse::<Timestamp>()
                .map(|t| (t, *i))
                .map_err(|e| format!("history datetime {t:?} is not RFC 3339: {e}"))
        })
        .collect::<Result<_, _>>()?;
    points.sort_by_key(|p| p.0);
    points.dedup_by_key(|p| p.0);
    let mut out: Vec<Interval> = Vec::with_capacity(points.len());
    for (k, &(start, intensity)) in points.iter().enumerate() {
        let end = match (points.get(k + 1), out.last()) {
            (Some(next), _) => next.0,
            (None, Some(prev)) => start
                .checked_add(prev.end.duration_since(prev.start))
                .map_err(|e| e.to_string())?,
            (None, None) => start
                .checked_add(SignedDuration::from_hours(1))
                .map_err(|e| e.to_string())?,
        };
        out.push(Interval {
            start,
            end,
            intensity,
        });
    }
    Ok(out)
}

/// Time-weighted mean intensity over `[start, end)`; `None` unless the intervals cover all of it. An empty span takes
/// the interval containing `start`.
pub fn mean_over(intervals: &[Interval], start: Timestamp, end: Timestamp) -> Option<GramsPerKwh> {
    if end <= start {
        return intervals
            .iter()
            .find(|i| i.start <= start && start < i.end)
            .map(|i| i.intensity);
    }
    let (mut covered, mut weighted) = (0.0, 0.0);
    for i in intervals {
        let (from, to) = (i.start.max(start), i.end.min(end));
        if from < to {
            let s = to.duration_since(from).as_secs_f64();
            covered += s;
            weighted += s * i.intensity.0;
        }
    }
    let span = end.duration_since(start).as_secs_f64();
    ((covered - span).abs() <= 1e-6 * span.max(1e-3)).then(|| GramsPerKwh(weighted / covered))
}

/// Each repetition's intensity over its time, or why they cannot all be had.
pub fn repetition_intensities(
    w: &WorkloadResult,
    intervals: &[Interval],
) -> Result<Vec<GramsPerKwh>, String> {
    w.repetitions
        .iter()
        .map(|r| {
            let start: Timestamp = r
                .sci
                .started_at
                .as_deref()
                .ok_or_else(|| format!("repetition {} has no start time", r.index))?
                .parse()
                .map_err(|e| format!("repetition {}'s start time: {e}", r.index))?;
            let wall = SignedDuration::try_from_secs_f64(r.wall_s.max(0.0))
                .map_err(|e| format!("repetition {}'s wall time {}: {e}", r.index, r.wall_s))?;
            let end = start.checked_add(wall).map_err(|e| e.to_string())?;
            mean_over(intervals, start, end).ok_or_else(|| {
                format!(
                    "repetition {} ({start} for {:.3} s) is not covered by the history",
                    r.index, r.wall_s
                )
            })
        })
        .collect()
}

/// Weights each repetition's energy by its intensity: the repetitions' and the workload's emissions, then SCI (with
/// `embodied`) and the estimate bands are recomputed.
pub fn reweigh(
    w: &mut WorkloadResult,
    intensities: &[GramsPerKwh],
    embodied: Option<&Embodied>,
    run: GramsPerKwh,
) {
    let g = |j: f64, i: GramsPerKwh| Joules(j).to_kwh().emissions(i).0;
    let (mut gross, mut net, mut attributable) = (0.0, 0.0, Some(0.0));
    for (rep, &i) in w.repetitions.iter_mut().zip(intensities) {
        rep.sci.intensity_g_per_kwh = Some(i.0);
        rep.emissions_g_per_op = g(rep.energy_j_per_op, i);
        if let Some(a) = rep.attributable.as_mut() {
            a.emissions_g_per_op = g(a.energy_j_per_op, i);
        }
        gross += g(rep.energy_j_total, i);
        net += g(rep.energy_j_net, i);
        attributable = attributable
            .zip(rep.attributable)
            .map(|(t, a)| t + g(a.energy_j, i));
    }
    let per = |total: f64| {
        if w.ops == 0 {
            0.0
        } else {
            total / w.ops as f64
        }
    };
    w.emissions_g_per_op = per(gross);
    w.emissions_g_per_op_net = per(net);
    if w.emissions_g_per_op_attributable.is_some() {
        w.emissions_g_per_op_attributable = attributable.map(per);
    }
    if let Some(e) = embodied {
        super::annotate_workload(w, e, run);
    }
    super::bounds::annotate(w);
}

#[cfg(test)]
mod tests;

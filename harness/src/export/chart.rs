//! The SVG charts of the HTML report ([`super::html`]), drawn with plotters' SVG backend, and the rule that keeps their
//! axes readable.
//!
//! - **Per-op charts** (energy, emissions, SCI): every repetition as a dot, and the geometric mean with the `1 − alpha`
//!   Student-t interval computed on logarithms — the same mean and the same log scale `compare` tests, so the chart,
//!   the verdict table and the change column agree. With a comparison, the noise band `base · [1/(1+t), 1+t]` is
//!   shaded around the base mean (a candidate mean inside it is "within noise") and the metric's verdict is written
//!   on the chart.
//! - **Latency**: p50/p95/p99 of every repetition, base and candidate side by side, on a zero-based axis.
//! - **Robust axes** ([`robust_axis`]): the limits come from the quartiles (Tukey's fences at 3 × IQR, Tukey 1977),
//!   not from the extremes, so one outlier cannot squash the rest; a value beyond the axis is drawn as a marker on
//!   the edge (▲ above, ▼ below) and counted in the caption with its real value.

use super::number::{percent, si, si_scale};
use crate::compare::{Metric, MetricComparison};
use crate::stats::Sample;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use std::fmt::Write as _;

/// Drawing a chart failed (plotters' SVG backend writes text as `<text>` elements and estimates label sizes itself, so no
/// system font is involved; what is left is a bug or a value plotters cannot place).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the {chart} chart: {message}")]
pub struct ChartError {
    chart: String,
    message: String,
}

pub(super) const BASE_COLOUR: RGBColor = RGBColor(0x55, 0x7a, 0x95);
pub(super) const CAND_COLOUR: RGBColor = RGBColor(0xd9, 0x7b, 0x29);
const BAND_COLOUR: RGBAColor = RGBAColor(0x55, 0x7a, 0x95, 0.15);

/// Tukey's "far out" fence: values beyond 3 interquartile ranges from the quartiles are outliers.
const FENCE_IQR: f64 = 3.0;
/// When the quartiles coincide (identical repetitions), the spread the fences use instead: 2 % of the median.
const MIN_RELATIVE_SPREAD: f64 = 0.02;
/// Room left above and below the data, as a share of the drawn range.
const PAD: f64 = 0.08;

/// The drawn range of a y axis; values outside it are marked on the edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub lo: f64,
    pub hi: f64,
}

impl Axis {
    fn above(&self, v: f64) -> bool {
        v > self.hi
    }
    fn below(&self, v: f64) -> bool {
        v < self.lo
    }
    /// `v` on the axis (plotters maps coordinates to i32 pixels and overflows — a panic in debug builds — for a value
    /// like −1e160; the tables show the real numbers).
    fn clamp(&self, v: f64) -> f64 {
        if v.is_nan() {
            self.lo
        } else {
            v.clamp(self.lo, self.hi)
        }
    }
}

/// The y range for `values` (drawn points) that must show every value of `keep` (means, band edges): the inliers by
/// Tukey's fences plus `keep`, padded; from zero when `zero_based`. Always finite with `lo < hi` (plotters searches
/// for key points by stepping through the range, and an infinite or empty range made that search spin forever: a
/// result file with 1e160 J/op hung `harness report`, issue #15).
pub(super) fn robust_axis(values: &[f64], keep: &[f64], zero_based: bool) -> Axis {
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    finite.sort_by(f64::total_cmp);
    let inliers: Vec<f64> = match (quantile(&finite, 0.25), quantile(&finite, 0.75)) {
        (Some(q1), Some(q3)) => {
            let median = quantile(&finite, 0.5).unwrap_or(q1);
            let spread = (q3 - q1).max(MIN_RELATIVE_SPREAD * median.abs());
            let (lo, hi) = (q1 - FENCE_IQR * spread, q3 + FENCE_IQR * spread);
            finite
                .into_iter()
                .filter(|v| (lo..=hi).contains(v))
                .collect()
        }
        _ => finite,
    };
    let shown = inliers
        .iter()
        .chain(keep.iter().filter(|v| v.is_finite()))
        .copied();
    let (min, max) = shown.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    if !(min.is_finite() && max.is_finite()) {
        return Axis { lo: 0.0, hi: 1e-9 };
    }
    let pad = if max > min {
        PAD * (max - min)
    } else {
        PAD * max.abs().max(1e-12)
    };
    let lo = if zero_based || (min >= 0.0 && min - pad < 0.0) {
        0.0
    } else {
        min - pad
    };
    let hi = max + pad;
    if hi.is_finite() && lo.is_finite() && hi > lo {
        Axis { lo, hi }
    } else {
        Axis { lo: 0.0, hi: 1e-9 }
    }
}

/// Linear-interpolation quantile of sorted values (the "type 7" definition of Hyndman & Fan 1996).
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let pos = q * last as f64;
    let (i, frac) = (pos.floor() as usize, pos.fract());
    let next = sorted.get(i + 1).copied().unwrap_or(sorted[i]);
    Some(sorted[i] + frac * (next - sorted[i]))
}

/// Mean and `1 − alpha` interval of positive values on logarithms (the geometric mean: what `compare` displays and
/// tests); the arithmetic mean and interval when a value is not positive. `None` with fewer than two finite values.
pub(super) fn mean_interval(values: &[f64], alpha: f64) -> Option<(f64, f64, f64)> {
    let s = Sample::new(values.iter().copied().filter(|v| v.is_finite()).collect()).ok()?;
    let (lo, mean, hi) = match s.ln() {
        Ok(logs) => {
            let (lo, hi) = logs.mean_interval(alpha).ok()?;
            (lo.exp(), logs.mean().exp(), hi.exp())
        }
        Err(_) => {
            let (lo, hi) = s.mean_interval(alpha).ok()?;
            (lo, s.mean(), hi)
        }
    };
    // Huge values overflow the variance: draw the mean without a whisker rather than an infinite one.
    mean.is_finite().then(|| {
        if lo.is_finite() && hi.is_finite() {
            (lo, mean, hi)
        } else {
            (mean, mean, mean)
        }
    })
}

/// The plotting area every chart draws into.
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// What every chart shares: a white background, a caption, the axes and the horizontal mesh.
struct Frame<'a> {
    /// Named in a [`ChartError`].
    name: &'a str,
    size: (u32, u32),
    caption: &'a str,
    x: (f64, f64),
    y: Axis,
    x_labels: usize,
    x_label: &'a dyn Fn(&f64) -> String,
    y_desc: String,
}

/// The SVG of `frame` with whatever `body` draws on it.
fn draw(
    frame: Frame<'_>,
    body: impl FnOnce(&mut Plot<'_, '_>) -> Result<(), String>,
) -> Result<String, ChartError> {
    let err = |message: String| ChartError {
        chart: frame.name.to_string(),
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, frame.size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(frame.caption, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(60)
            .build_cartesian_2d(frame.x.0..frame.x.1, frame.y.lo..frame.y.hi)
            .map_err(|e| err(e.to_string()))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(frame.x_labels)
            .x_label_formatter(frame.x_label)
            .y_desc(frame.y_desc.as_str())
            .draw()
            .map_err(|e| err(e.to_string()))?;
        body(&mut chart).map_err(err)?;
        root.present().map_err(|e| err(e.to_string()))?;
    }
    Ok(svg)
}

/// How a repetition's value is drawn: a small ring (per-op charts, beside the mean's bar) or a filled dot (latency).
#[derive(Debug, Clone, Copy)]
enum Marker {
    Ring,
    Dot,
}

/// The points of [`points`]: on the axis as `marker`, beyond it as ▲ on the top edge and ✕ on the bottom edge.
fn draw_points(
    chart: &mut Plot<'_, '_>,
    (inside, above, below): &(Points, Points, Points),
    colour: RGBColor,
    marker: Marker,
) -> Result<(), String> {
    let style = match marker {
        Marker::Ring => colour.stroke_width(1),
        Marker::Dot => colour.filled(),
    };
    let radius = match marker {
        Marker::Ring => 2,
        Marker::Dot => 3,
    };
    chart
        .draw_series(inside.iter().map(|&p| Circle::new(p, radius, style)))
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(
            above
                .iter()
                .map(|&p| TriangleMarker::new(p, 5, colour.filled())),
        )
        .map_err(|e| e.to_string())?;
    chart
        .draw_series(
            below
                .iter()
                .map(|&p| Cross::new(p, 4, colour.stroke_width(2))),
        )
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// One side of a per-op chart: its repetition values.
#[derive(Debug, Clone, Copy)]
pub(super) struct Side<'a> {
    pub values: &'a [f64],
    pub colour: RGBColor,
}

/// A per-op chart: base (optional) and candidate, and the comparison of this metric when there is one.
#[derive(Debug, Clone, Copy)]
pub(super) struct PerOpChart<'a> {
    pub metric: Metric,
    pub base: Option<Side<'a>>,
    pub candidate: Side<'a>,
    pub compared: Option<&'a MetricComparison>,
    pub alpha: f64,
    /// A sentence added to the caption (e.g. why the emissions chart is not drawn separately).
    pub note: Option<&'a str>,
}

/// `<figure>` with the SVG and a caption: the verdict and band (when compared) and the values beyond the axis.
pub(super) fn per_op_figure(c: &PerOpChart<'_>) -> Result<String, ChartError> {
    let sides: Vec<(f64, Side<'_>)> = c
        .base
        .map(|b| (0.0, b))
        .into_iter()
        .chain([(1.0, c.candidate)])
        .collect();
    let means: Vec<(f64, (f64, f64, f64), RGBColor)> = sides
        .iter()
        .filter_map(|(x, s)| mean_interval(s.values, c.alpha).map(|m| (*x, m, s.colour)))
        .collect();
    let band = c.compared.and_then(|m| {
        let centre = m.base_mean?;
        (centre.is_finite() && m.threshold.is_finite())
            .then(|| (centre / (1.0 + m.threshold), centre * (1.0 + m.threshold)))
    });
    let all: Vec<f64> = sides
        .iter()
        .flat_map(|(_, s)| s.values.iter().copied())
        .collect();
    let mut keep: Vec<f64> = means.iter().map(|m| m.1.1).collect();
    keep.extend(band.iter().flat_map(|&(lo, hi)| [lo, hi]));
    let axis = robust_axis(&all, &keep, false);
    let (factor, prefix) = si_scale(axis.hi.abs().max(axis.lo.abs()));
    let scaled = Axis {
        lo: axis.lo / factor,
        hi: axis.hi / factor,
    };
    let y_desc = format!("{prefix}{} / op", c.metric.unit());
    let frame = Frame {
        name: c.metric.key(),
        size: (320, 280),
        caption: c.metric.label(),
        x: (-0.5, 1.5),
        y: scaled,
        x_labels: 2,
        x_label: &|x| {
            if x.round() == 0.0 {
                "base"
            } else {
                "candidate"
            }
            .to_string()
        },
        y_desc,
    };
    let svg = draw(frame, |chart| {
        if let Some((lo, hi)) = band {
            let (lo, hi) = (scaled.clamp(lo / factor), scaled.clamp(hi / factor));
            chart
                .draw_series([Rectangle::new(
                    [(-0.5, lo), (1.5, hi)],
                    BAND_COLOUR.filled(),
                )])
                .map_err(|e| e.to_string())?;
        }
        for (x, side) in &sides {
            let pts = points(side.values, *x - 0.22, &scaled, factor);
            draw_points(chart, &pts, side.colour, Marker::Ring)?;
        }
        chart
            .draw_series(means.iter().map(|&(x, (lo, mean, hi), colour)| {
                ErrorBar::new_vertical(
                    x + 0.1,
                    scaled.clamp(lo / factor),
                    scaled.clamp(mean / factor),
                    scaled.clamp(hi / factor),
                    colour.filled().stroke_width(2),
                    14,
                )
            }))
            .map_err(|e| e.to_string())?;
        if let Some(m) = c.compared {
            let colour = match m.verdict {
                crate::compare::Verdict::Regressed => RGBColor(0xbb, 0, 0),
                crate::compare::Verdict::Improved => RGBColor(0, 0x77, 0),
                _ => RGBColor(0x55, 0x55, 0x55),
            };
            let label = match m.change {
                Some(ch) => format!("{} {}", m.verdict, percent(ch.relative)),
                None => m.verdict.to_string(),
            };
            let y = scaled.hi - 0.04 * (scaled.hi - scaled.lo);
            chart
                .draw_series([Text::new(
                    label,
                    (-0.45, y),
                    ("sans-serif", 13).into_font().color(&colour),
                )])
                .map_err(|e| e.to_string())?;
        }
        Ok(())
    })?;
    let mut caption = String::new();
    if let Some(m) = c.compared {
        let _ = write!(
            caption,
            "{}: shaded, the noise band ±{} around the base mean. ",
            m.verdict_text(),
            percent(m.threshold).trim_start_matches('+')
        );
    }
    let _ = write!(
        caption,
        "Dots: repetitions; bar: geometric mean with its {:.0}% interval.",
        (1.0 - c.alpha) * 100.0
    );
    caption.push_str(&beyond_note(&all, &axis, c.metric.unit(), " / op"));
    if let Some(note) = c.note {
        caption.push(' ');
        caption.push_str(note);
    }
    Ok(figure(&svg, &caption))
}

/// Points `(x, value / factor)` of one side in a narrow column starting at `x`: those on the axis, and those beyond
/// it moved to the top or bottom edge (drawn as ▲ and ✕).
type Points = Vec<(f64, f64)>;
fn points(values: &[f64], x: f64, axis: &Axis, factor: f64) -> (Points, Points, Points) {
    let step = 0.16 / (values.len().max(2) - 1) as f64;
    let (mut inside, mut above, mut below) = (Vec::new(), Vec::new(), Vec::new());
    for (i, v) in values.iter().enumerate().filter(|(_, v)| v.is_finite()) {
        let p = (x + step * i as f64, v / factor);
        if axis.above(p.1) {
            above.push((p.0, axis.hi));
        } else if axis.below(p.1) {
            below.push((p.0, axis.lo));
        } else {
            inside.push(p);
        }
    }
    (inside, above, below)
}

/// "3 values above the axis (up to 31.5 mJ / op) are drawn as ▲ on its edge." — empty when every value is drawn.
fn beyond_note(values: &[f64], axis: &Axis, unit: &str, per: &str) -> String {
    let finite = || values.iter().copied().filter(|v| v.is_finite());
    let above: Vec<f64> = finite().filter(|&v| axis.above(v)).collect();
    let below: Vec<f64> = finite().filter(|&v| axis.below(v)).collect();
    let mut note = String::new();
    if let Some(max) = above.iter().copied().reduce(f64::max) {
        let _ = write!(
            note,
            " {} {} above the axis (up to {}{per}) drawn as ▲ on its top edge.",
            above.len(),
            if above.len() == 1 { "value" } else { "values" },
            si(max, unit)
        );
    }
    if let Some(min) = below.iter().copied().reduce(f64::min) {
        let _ = write!(
            note,
            " {} {} below the axis (down to {}{per}) drawn as ✕ on its bottom edge.",
            below.len(),
            if below.len() == 1 { "value" } else { "values" },
            si(min, unit)
        );
    }
    note
}

fn figure(svg: &str, caption: &str) -> String {
    format!(
        "<figure>{svg}<figcaption>{}</figcaption></figure>\n",
        super::html::esc(caption)
    )
}

/// Per-repetition p50/p95/p99, base (left) and candidate (right) of each quantile, on a zero-based robust axis.
pub(super) fn latency_figure(
    base_reps: &[[f64; 3]],
    cand_reps: &[[f64; 3]],
) -> Result<String, ChartError> {
    let names = ["p50", "p95", "p99"];
    let all: Vec<f64> = base_reps
        .iter()
        .chain(cand_reps)
        .flatten()
        .copied()
        .collect();
    let axis = robust_axis(&all, &[], true);
    let (factor, prefix) = si_scale(axis.hi);
    let scaled = Axis {
        lo: 0.0,
        hi: axis.hi / factor,
    };
    let frame = Frame {
        name: "latency",
        size: (380, 280),
        caption: "latency per repetition",
        x: (-0.5, 2.5),
        y: scaled,
        x_labels: 3,
        x_label: &|x| {
            names
                .get(x.round() as usize)
                .map_or(String::new(), |q| q.to_string())
        },
        y_desc: format!("{prefix}s"),
    };
    let svg = draw(frame, |chart| {
        for q in 0..names.len() {
            for (offset, reps, colour) in [
                (-0.3, base_reps, BASE_COLOUR),
                (0.06, cand_reps, CAND_COLOUR),
            ] {
                let values: Vec<f64> = reps.iter().map(|r| r[q]).collect();
                let pts = points(&values, q as f64 + offset, &scaled, factor);
                draw_points(chart, &pts, colour, Marker::Dot)?;
            }
        }
        Ok(())
    })?;
    let mut caption = "p50, p95 and p99 of each repetition.".to_string();
    caption.push_str(&beyond_note(&all, &axis, "s", ""));
    Ok(figure(&svg, &caption))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_outlier_is_marked_and_does_not_squash_the_axis() {
        let mut values = vec![1.0, 1.01, 0.99, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0];
        values.push(100.0);
        let axis = robust_axis(&values, &[], false);
        assert!(axis.hi < 1.2 && axis.lo > 0.8, "{axis:?}");
        let note = beyond_note(&values, &axis, "J", " / op");
        assert!(
            note.contains("1 value above the axis (up to 100 J / op)"),
            "{note}"
        );
        let (inside, above, below) = points(&values, 0.0, &axis, 1.0);
        assert_eq!((inside.len(), above.len(), below.len()), (9, 1, 0));
        assert_eq!(above[0].1, axis.hi, "drawn on the top edge");
        // Without the outlier nothing is beyond the axis and the note is empty.
        let axis = robust_axis(&values[..9], &[], false);
        assert_eq!(beyond_note(&values[..9], &axis, "J", ""), "");
    }

    #[test]
    fn low_outliers_are_marked_on_the_bottom_edge() {
        let values = [10.0, 10.1, 9.9, 10.2, 9.8, 0.001];
        let axis = robust_axis(&values, &[], false);
        assert!(axis.lo > 9.0, "{axis:?}");
        let (_, _, below) = points(&values, 0.0, &axis, 1.0);
        assert_eq!(below.len(), 1);
        assert!(beyond_note(&values, &axis, "s", "").contains("1 value below the axis"));
    }

    #[test]
    fn identical_values_get_a_non_empty_axis_around_them() {
        let axis = robust_axis(&[5.0; 5], &[], false);
        assert!(axis.lo < 5.0 && 5.0 < axis.hi, "{axis:?}");
        let axis = robust_axis(&[0.0; 3], &[], false);
        assert!(axis.lo < axis.hi && axis.hi.is_finite(), "{axis:?}");
    }

    #[test]
    fn kept_values_are_always_on_the_axis_and_zero_based_starts_at_zero() {
        let values = [10.0, 10.1, 9.9, 10.0];
        let axis = robust_axis(&values, &[12.0, 8.5], false);
        assert!(axis.lo <= 8.5 && axis.hi >= 12.0, "{axis:?}");
        let axis = robust_axis(&values, &[], true);
        assert_eq!(axis.lo, 0.0);
        assert!(axis.hi > 10.1 && axis.hi < 11.0, "{axis:?}");
    }

    #[test]
    fn any_input_gives_a_finite_non_empty_axis() {
        for values in [
            vec![],
            vec![f64::NAN, f64::INFINITY],
            vec![-1e300, 1e300],
            vec![f64::MAX, f64::MAX],
            vec![-5.0, -4.0, -6.0],
        ] {
            let axis = robust_axis(&values, &[f64::NAN], false);
            assert!(
                axis.lo.is_finite() && axis.hi.is_finite() && axis.lo < axis.hi,
                "{values:?} → {axis:?}"
            );
        }
    }

    #[test]
    fn the_mean_is_the_geometric_mean_compare_shows() {
        let (lo, mean, hi) = mean_interval(&[1.0, 4.0], 0.05).expect("two points");
        assert!((mean - 2.0).abs() < 1e-12 && lo < mean && mean < hi);
        // A value that is not positive: the arithmetic mean, like compare's display_mean.
        let (_, mean, _) = mean_interval(&[-1.0, 3.0], 0.05).expect("two points");
        assert!((mean - 1.0).abs() < 1e-12);
        assert!(mean_interval(&[1.0], 0.05).is_none());
    }
}

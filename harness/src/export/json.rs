//! A comparison as JSON: every number (means, sample sizes, change, interval, raw and adjusted p-values, thresholds,
//! verdicts, warnings), for machines. Field names end in their unit where they carry one.

use crate::compare::Comparison;

/// Pretty-printed JSON with a trailing newline.
pub fn render(comparison: &Comparison) -> serde_json::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(comparison)?;
    bytes.push(b'\n');
    Ok(bytes)
}

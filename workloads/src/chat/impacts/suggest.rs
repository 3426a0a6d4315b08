//! "Did you mean" for unknown provider, model and zone names: the known names closest by edit distance.
//!
//! Distances are computed case-insensitively; a candidate that contains the query (or is contained in it, both at
//! least 3 characters long) ranks
//! before any other, so `gpt-4o` suggests the `gpt-4o-*` family first.

/// Levenshtein distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// Up to `limit` names from `candidates` closest to `query`, best first (ties in name order).
pub fn closest<'a>(
    query: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    limit: usize,
) -> Vec<String> {
    let q = query.to_lowercase();
    let mut scored: Vec<(bool, usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            let lc = c.to_lowercase();
            let related = q.len().min(lc.len()) >= 3 && (lc.contains(&q) || q.contains(&lc));
            (!related, edit_distance(&q, &lc), c)
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.2 == b.2);
    scored
        .into_iter()
        .take(limit)
        .map(|(_, _, c)| c.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn closest_prefers_related_names_then_distance() {
        let names = ["gpt-4o", "gpt-4o-mini", "gpt-3.5-turbo", "o1"];
        assert_eq!(
            closest("gpt-4o-mni", names, 2),
            vec!["gpt-4o", "gpt-4o-mini"]
        );
        assert_eq!(closest("GPT-4O-MINI", names, 1), vec!["gpt-4o-mini"]);
        assert_eq!(closest("opnai", ["openai", "cohere"], 1), vec!["openai"]);
    }
}

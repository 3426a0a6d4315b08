//! The interleaving schedule of `harness ab`: repetition `i` runs both sides, base first when `i` is even and head
//! first when `i` is odd (A B, B A, A B, …). With an even number of repetitions each side runs first equally often.

use super::Side;

/// The (repetition, side) pairs in the order they are measured.
pub fn schedule(repetitions: u32) -> Vec<(u32, Side)> {
    (0..repetitions)
        .flat_map(|i| {
            let pair = if i % 2 == 0 {
                [Side::Base, Side::Head]
            } else {
                [Side::Head, Side::Base]
            };
            pair.into_iter().map(move |side| (i, side))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alternates_which_side_goes_first() {
        let s = schedule(3);
        let sides: Vec<Side> = s.iter().map(|(_, side)| *side).collect();
        assert_eq!(
            sides,
            [
                Side::Base,
                Side::Head,
                Side::Head,
                Side::Base,
                Side::Base,
                Side::Head
            ]
        );
        let reps: Vec<u32> = s.iter().map(|(i, _)| *i).collect();
        assert_eq!(reps, [0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn even_count_balances_first_place() {
        let s = schedule(4);
        let base_first = s.chunks(2).filter(|pair| pair[0].1 == Side::Base).count();
        assert_eq!(base_first, 2);
        assert_eq!(s.len(), 8);
        assert!(schedule(0).is_empty());
    }
}

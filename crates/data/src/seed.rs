//! Seeds derived from seeds: SplitMix64, the stream-splitting hash every crate derives its
//! per-block, per-call and per-choice seeds with, and the seeded choices built on it.

/// One SplitMix64 step: a well-mixed 64-bit hash of `x`.
pub fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of item `index` of a stream seeded with `seed` (SplitMix64 of both): fixed whatever
/// happened to the other items. Training blocks are seeded this way, which is what makes resume
/// exact.
pub fn block_seed(seed: u64, index: usize) -> u64 {
    splitmix(seed ^ splitmix(index as u64 ^ 0x5EED_0000_0000_0000))
}

/// `k` of `candidates`, chosen by `seed`: the candidates ordered by [`block_seed`] of their own
/// value, the first `k` kept, returned in ascending order. A candidate's rank does not depend on
/// the others, so the choice of `k` is nested in the choice of `k + 1`.
pub fn seeded_choice(candidates: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let mut c = candidates.to_vec();
    c.sort_by_key(|&i| block_seed(seed, i));
    c.truncate(k);
    c.sort_unstable();
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_are_seeded_nested_and_sorted() {
        let c: Vec<usize> = (0..100).map(|i| 3 * i).collect();
        let a = seeded_choice(&c, 10, 7);
        assert_eq!(a.len(), 10);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert!(a.iter().all(|i| i % 3 == 0));
        assert_eq!(a, seeded_choice(&c, 10, 7));
        assert_ne!(a, seeded_choice(&c, 10, 8));
        let b = seeded_choice(&c, 20, 7);
        assert!(a.iter().all(|i| b.contains(i)));
    }
}

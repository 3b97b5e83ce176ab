//! Seeded stratified train/test splits.

use polars::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::error::{DataError, DataResult};
use crate::transform::values;

/// Splits the positions `0..labels.len()` into (train, test) with `test_fraction` of each
/// label in test (rounded per label, at least one of a label with two or more), shuffled by
/// `seed`, labels taken in sorted order. Each part is in ascending order. The one stratified
/// split of the workspace: tables, sequence sets and validation parts all use it.
///
/// # Errors
/// A fraction outside (0, 1).
pub fn stratified_indices<K: Ord>(
    labels: impl IntoIterator<Item = K>,
    test_fraction: f64,
    seed: u64,
) -> DataResult<(Vec<usize>, Vec<usize>)> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(DataError::Param {
            name: "test_fraction",
            reason: format!("{test_fraction} is not strictly between 0 and 1"),
        });
    }
    let mut groups = std::collections::BTreeMap::<K, Vec<usize>>::new();
    for (i, l) in labels.into_iter().enumerate() {
        groups.entry(l).or_default().push(i);
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (_, mut ids) in groups {
        ids.shuffle(&mut rng);
        let mut k = (ids.len() as f64 * test_fraction).round() as usize;
        if ids.len() >= 2 {
            k = k.clamp(1, ids.len() - 1);
        }
        test.extend_from_slice(&ids[..k]);
        train.extend_from_slice(&ids[k..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    Ok((train, test))
}

/// Positions to keep so that a set has every row that is not rare and only `n` of its rare
/// ones, chosen by `seed` ([`crate::seed::seeded_choice`]: nested in `n`, independent of the
/// order of the other rows); ascending. `None` when `n` is 0 or more than the rare rows there
/// are. The scarce-rare-class setting: `[data] rare_train` and the bench's scarcity levels.
pub fn keep_rare(is_rare: &[bool], n: usize, seed: u64) -> Option<Vec<usize>> {
    let rare: Vec<usize> = (0..is_rare.len()).filter(|&i| is_rare[i]).collect();
    if n == 0 || n > rare.len() {
        return None;
    }
    let mut keep: Vec<usize> = (0..is_rare.len())
        .filter(|&i| !is_rare[i])
        .chain(crate::seed::seeded_choice(&rare, n, seed))
        .collect();
    keep.sort_unstable();
    Some(keep)
}

/// The rows of `df` at `idx`, in that order.
pub fn take_rows(df: &DataFrame, idx: &[usize]) -> DataResult<DataFrame> {
    let ca = IdxCa::from_vec("idx".into(), idx.iter().map(|&i| i as IdxSize).collect());
    Ok(df.take(&ca)?)
}

/// Splits `df` into (train, test) with `test_fraction` of each class of `target` in test
/// (rounded per class, at least one row of a class of two or more rows), shuffled by `seed`.
/// Row order within each part follows the original order.
pub fn stratified_split(
    df: &DataFrame,
    target: &str,
    test_fraction: f64,
    seed: u64,
) -> DataResult<(DataFrame, DataFrame)> {
    let labels = values::label_values(values::column(df, target)?)?;
    let (train, test) = stratified_indices(labels, test_fraction, seed)?;
    Ok((take_rows(df, &train)?, take_rows(df, &test)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_rare_keeps_the_rest_and_n_rare_rows() {
        let is_rare: Vec<bool> = (0..50).map(|i| i % 5 == 0).collect();
        let k = keep_rare(&is_rare, 3, 1).unwrap();
        assert_eq!(k.len(), 40 + 3);
        assert_eq!(k.iter().filter(|&&i| is_rare[i]).count(), 3);
        assert!(k.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(k, keep_rare(&is_rare, 3, 1).unwrap());
        assert!(keep_rare(&is_rare, 0, 1).is_none());
        assert!(keep_rare(&is_rare, 11, 1).is_none());
        assert_eq!(keep_rare(&is_rare, 10, 1).unwrap().len(), 50);
    }

    #[test]
    fn class_shares_are_kept_and_parts_are_disjoint() {
        let y: Vec<&str> = (0..1000)
            .map(|i| if i % 10 == 0 { "rare" } else { "common" })
            .collect();
        let id: Vec<i64> = (0..1000).collect();
        let df = df!("id" => id, "y" => y).unwrap();
        let (tr, te) = stratified_split(&df, "y", 0.3, 42).unwrap();
        assert_eq!(tr.height() + te.height(), 1000);
        let rare = |d: &DataFrame| {
            d.column("y")
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .filter(|v| *v == Some("rare"))
                .count()
        };
        assert_eq!(rare(&te), 30);
        assert_eq!(rare(&tr), 70);
        let mut all: Vec<i64> = tr
            .column("id")
            .unwrap()
            .i64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        all.extend(te.column("id").unwrap().i64().unwrap().into_no_null_iter());
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        // Same seed, same split; another seed, another split.
        let (_, te2) = stratified_split(&df, "y", 0.3, 42).unwrap();
        assert!(te.equals(&te2));
        let (_, te3) = stratified_split(&df, "y", 0.3, 43).unwrap();
        assert!(!te.equals(&te3));
    }
}

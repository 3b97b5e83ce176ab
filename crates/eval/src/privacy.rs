//! Privacy of synthetic rows: distance to closest record (DCR), exact copies, nearest-neighbour
//! distance ratio (NNDR), SDMetrics' overfitting protection and a distance-based
//! membership-inference score (REFERENCES.md §5.1 `dcr_utils.py`,
//! `dcr_overfitting_protection.py`; §5.2 synthcity `common_rows_proportion`).
//!
//! Distance between two rows (SDMetrics `dcr_utils.py`): per column, numeric `|Δ| / range`
//! (range of real train, clipped to 1), categorical 0 if equal else 1, missing vs missing 0 and
//! missing vs value 1; averaged over the columns. Query sets are subsampled to
//! [`PrivacyOptions::max_rows`] rows (seeded) to bound the `queries × train` cost.

use std::collections::{HashMap, HashSet};

use polars::prelude::DataFrame;
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};
use serde::{Deserialize, Serialize};
use synthkit_data::schema::Schema;

use crate::encode::{read_numeric, read_strings};
use crate::error::{EvalError, EvalResult, ensure};
use crate::metrics::roc_auc;

/// Options of [`privacy_report`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyOptions {
    /// At most this many query rows per distance computation. Default 2000.
    pub max_rows: usize,
    /// Seed of the subsamples.
    pub seed: u64,
}

impl Default for PrivacyOptions {
    fn default() -> Self {
        PrivacyOptions {
            max_rows: 2000,
            seed: 0,
        }
    }
}

/// Quantiles of a distance sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DistanceSummary {
    /// Rows measured.
    pub n: usize,
    /// 5th percentile.
    pub p05: f64,
    /// Median.
    pub median: f64,
    /// Mean.
    pub mean: f64,
}

impl DistanceSummary {
    fn of(v: &[f64]) -> Self {
        let mut s = v.to_vec();
        s.sort_by(f64::total_cmp);
        let q = |p: f64| {
            // Linear interpolation between order statistics (numpy's default).
            let h = p * (s.len() - 1) as f64;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            s[lo] + (h - lo as f64) * (s[hi] - s[lo])
        };
        DistanceSummary {
            n: s.len(),
            p05: q(0.05),
            median: q(0.5),
            mean: s.iter().sum::<f64>() / s.len() as f64,
        }
    }
}

/// What the privacy checks found.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrivacyReport {
    /// DCR of synthetic rows to real train.
    pub dcr_synthetic: DistanceSummary,
    /// DCR of real holdout rows to real train: what an independent sample looks like.
    pub dcr_holdout: DistanceSummary,
    /// `median DCR(synthetic) / median DCR(holdout)`: well below 1 means synthetic rows sit
    /// closer to train rows than fresh real rows do. `None` when the holdout median is 0.
    pub dcr_median_ratio: Option<f64>,
    /// Synthetic rows equal to some train row in every column (all synthetic rows checked).
    pub exact_copies: usize,
    /// `exact_copies / n_synthetic`.
    pub exact_copy_rate: f64,
    /// Nearest / second-nearest train distance of synthetic rows (near 0 = a near-copy of one
    /// row rather than a blend of several).
    pub nndr_synthetic: DistanceSummary,
    /// The same for holdout rows.
    pub nndr_holdout: DistanceSummary,
    /// SDMetrics DCROverfittingProtection: share `p` of synthetic rows closer to train than to
    /// holdout, with train subsampled to the holdout size so that `p ≈ 0.5` for a generator
    /// that does not memorise.
    pub closer_to_train_share: f64,
    /// `min(2 (1 − p), 1)`: 1 = no more leakage than expected.
    pub overfitting_protection: f64,
    /// Membership inference: ROC-AUC of "member" scores `−DCR(row → synthetic)` for train rows
    /// (members) against holdout rows (non-members), equal numbers of each. 0.5 = no signal.
    pub mia_auc: f64,
}

/// Rows encoded for the DCR distance.
struct DcrRows {
    /// Per row: numeric values divided by the column range (NaN = missing).
    num: Vec<Vec<f64>>,
    /// Per row: category codes (u32::MAX = missing).
    cat: Vec<Vec<u32>>,
    n: usize,
}

struct DcrSpace {
    num_cols: Vec<(String, f64)>, // (name, range)
    cat_cols: Vec<String>,
    dict: Vec<HashMap<String, u32>>,
}

impl DcrSpace {
    fn fit(train: &DataFrame, schema: &Schema) -> EvalResult<Self> {
        let mut num_cols = Vec::new();
        let mut cat_cols = Vec::new();
        for c in &schema.columns {
            if c.kind.is_discrete() {
                cat_cols.push(c.name.clone());
            } else {
                let v = read_numeric(train, &c.name, "train")?;
                let lo = v.iter().flatten().copied().fold(f64::INFINITY, f64::min);
                let hi = v
                    .iter()
                    .flatten()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                num_cols.push((c.name.clone(), if hi > lo { hi - lo } else { 0.0 }));
            }
        }
        let dict = vec![HashMap::new(); cat_cols.len()];
        Ok(DcrSpace {
            num_cols,
            cat_cols,
            dict,
        })
    }

    fn encode(&mut self, df: &DataFrame, table: &str) -> EvalResult<DcrRows> {
        let n = df.height();
        let mut num = vec![Vec::with_capacity(self.num_cols.len()); n];
        for (name, range) in &self.num_cols {
            for (r, v) in read_numeric(df, name, table)?.into_iter().enumerate() {
                num[r].push(match v {
                    None => f64::NAN,
                    // A constant train column: equal values are at 0, others at the clip (1).
                    Some(x) if *range == 0.0 => x,
                    Some(x) => x / range,
                });
            }
        }
        let mut cat = vec![Vec::with_capacity(self.cat_cols.len()); n];
        for (k, name) in self.cat_cols.iter().enumerate() {
            for (r, v) in read_strings(df, name, table)?.into_iter().enumerate() {
                let code = match v {
                    None => u32::MAX,
                    Some(s) => {
                        let next = self.dict[k].len() as u32;
                        *self.dict[k].entry(s).or_insert(next)
                    }
                };
                cat[r].push(code);
            }
        }
        Ok(DcrRows { num, cat, n })
    }

    fn width(&self) -> f64 {
        (self.num_cols.len() + self.cat_cols.len()) as f64
    }

    fn distance(&self, a: (&[f64], &[u32]), b: (&[f64], &[u32])) -> f64 {
        let mut d = 0.0;
        for (k, (x, y)) in a.0.iter().zip(b.0).enumerate() {
            d += match (x.is_nan(), y.is_nan()) {
                (true, true) => 0.0,
                (true, false) | (false, true) => 1.0,
                _ if self.num_cols[k].1 == 0.0 => {
                    if x == y {
                        0.0
                    } else {
                        1.0
                    }
                }
                _ => (x - y).abs().min(1.0),
            };
        }
        for (x, y) in a.1.iter().zip(b.1) {
            d += if x == y { 0.0 } else { 1.0 };
        }
        d / self.width()
    }

    /// For each query row, the smallest and second-smallest distance to the reference rows.
    fn nearest_two(
        &self,
        queries: &DcrRows,
        q_idx: &[usize],
        refs: &DcrRows,
        r_idx: &[usize],
    ) -> Vec<(f64, f64)> {
        q_idx
            .iter()
            .map(|&q| {
                let a = (&queries.num[q][..], &queries.cat[q][..]);
                let (mut d1, mut d2) = (f64::INFINITY, f64::INFINITY);
                for &r in r_idx {
                    let d = self.distance(a, (&refs.num[r], &refs.cat[r]));
                    if d < d1 {
                        d2 = d1;
                        d1 = d;
                    } else if d < d2 {
                        d2 = d;
                    }
                }
                (d1, d2)
            })
            .collect()
    }
}

/// For each row of `sy`, whether it equals a row of `tr` in every column (missing equals
/// missing).
fn copies_in(tr: &DcrRows, sy: &DcrRows) -> Vec<bool> {
    let key = |rows: &DcrRows, i: usize| -> (Vec<u64>, Vec<u32>) {
        (
            rows.num[i]
                .iter()
                .map(|x| if x.is_nan() { u64::MAX } else { x.to_bits() })
                .collect(),
            rows.cat[i].clone(),
        )
    };
    let train_keys: HashSet<_> = (0..tr.n).map(|i| key(tr, i)).collect();
    (0..sy.n)
        .map(|i| train_keys.contains(&key(sy, i)))
        .collect()
}

/// For each row of `synthetic`, whether it is an exact copy of a row of `train` over the
/// schema's columns (target included; missing equals missing). What
/// [`PrivacyReport::exact_copies`] counts, and what the augmentation arms drop.
///
/// # Errors
/// A schema column missing from either table, or of a type that cannot be read.
pub fn exact_copy_mask(
    train: &DataFrame,
    synthetic: &DataFrame,
    schema: &Schema,
) -> EvalResult<Vec<bool>> {
    let mut space = DcrSpace::fit(train, schema)?;
    let tr = space.encode(train, "train")?;
    let sy = space.encode(synthetic, "synthetic")?;
    Ok(copies_in(&tr, &sy))
}

fn subsample(n: usize, max: usize, rng: &mut StdRng) -> Vec<usize> {
    if n <= max {
        (0..n).collect()
    } else {
        sample(rng, n, max).into_vec()
    }
}

fn nndr((d1, d2): (f64, f64)) -> f64 {
    if d2 > 0.0 { d1 / d2 } else { 1.0 }
}

/// Run every privacy check of the module on the schema's columns (target included).
pub fn privacy_report(
    train: &DataFrame,
    holdout: &DataFrame,
    synthetic: &DataFrame,
    schema: &Schema,
    opts: &PrivacyOptions,
) -> EvalResult<PrivacyReport> {
    for (df, table) in [
        (train, "train"),
        (holdout, "holdout"),
        (synthetic, "synthetic"),
    ] {
        ensure!(
            df.height() > 1,
            EvalError::EmptyTable {
                table: table.into()
            }
        );
    }
    ensure!(
        opts.max_rows >= 2,
        EvalError::InvalidValue {
            field: "max_rows".into(),
            reason: "must be ≥ 2; use e.g. 2000".into()
        }
    );
    let mut space = DcrSpace::fit(train, schema)?;
    let tr = space.encode(train, "train")?;
    let ho = space.encode(holdout, "holdout")?;
    let sy = space.encode(synthetic, "synthetic")?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let all_tr: Vec<usize> = (0..tr.n).collect();

    let sy_q = subsample(sy.n, opts.max_rows, &mut rng);
    let ho_q = subsample(ho.n, opts.max_rows, &mut rng);
    let sy_nn = space.nearest_two(&sy, &sy_q, &tr, &all_tr);
    let ho_nn = space.nearest_two(&ho, &ho_q, &tr, &all_tr);
    let dcr_synthetic = DistanceSummary::of(&sy_nn.iter().map(|p| p.0).collect::<Vec<_>>());
    let dcr_holdout = DistanceSummary::of(&ho_nn.iter().map(|p| p.0).collect::<Vec<_>>());

    // Exact copies over all synthetic rows.
    let exact_copies = copies_in(&tr, &sy).iter().filter(|&&c| c).count();

    // Overfitting protection: train subsampled to the holdout size.
    let tr_sub = subsample(tr.n, ho.n, &mut rng);
    let all_ho: Vec<usize> = (0..ho.n).collect();
    let to_tr = space.nearest_two(&sy, &sy_q, &tr, &tr_sub);
    let to_ho = space.nearest_two(&sy, &sy_q, &ho, &all_ho);
    let closer = to_tr.iter().zip(&to_ho).filter(|(a, b)| a.0 < b.0).count();
    let closer_to_train_share = closer as f64 / sy_q.len() as f64;

    // Membership inference: equal numbers of members and non-members.
    let m = opts.max_rows.min(ho.n).min(tr.n);
    let members = subsample(tr.n, m, &mut rng);
    let non_members = subsample(ho.n, m, &mut rng);
    let all_sy: Vec<usize> = (0..sy.n).collect();
    let mut scores: Vec<f64> = space
        .nearest_two(&tr, &members, &sy, &all_sy)
        .iter()
        .map(|p| -p.0)
        .collect();
    scores.extend(
        space
            .nearest_two(&ho, &non_members, &sy, &all_sy)
            .iter()
            .map(|p| -p.0),
    );
    let labels: Vec<bool> = (0..2 * m).map(|i| i < m).collect();

    Ok(PrivacyReport {
        dcr_median_ratio: (dcr_holdout.median > 0.0)
            .then(|| dcr_synthetic.median / dcr_holdout.median),
        dcr_synthetic,
        dcr_holdout,
        exact_copies,
        exact_copy_rate: exact_copies as f64 / sy.n as f64,
        nndr_synthetic: DistanceSummary::of(&sy_nn.iter().map(|&p| nndr(p)).collect::<Vec<_>>()),
        nndr_holdout: DistanceSummary::of(&ho_nn.iter().map(|&p| nndr(p)).collect::<Vec<_>>()),
        closer_to_train_share,
        overfitting_protection: (2.0 * (1.0 - closer_to_train_share)).min(1.0),
        mia_auc: roc_auc(&labels, &scores)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;
    use rand::Rng;
    use synthkit_data::schema::{ColumnKind, ColumnSpec};

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSpec {
                    name: "a".into(),
                    kind: ColumnKind::Continuous,
                },
                ColumnSpec {
                    name: "c".into(),
                    kind: ColumnKind::Categorical,
                },
            ],
            target: None,
        }
    }

    fn frame(n: usize, rng: &mut StdRng) -> DataFrame {
        let a: Vec<f64> = (0..n).map(|_| rng.random::<f64>() * 10.0).collect();
        let c: Vec<&str> = (0..n)
            .map(|_| if rng.random::<f64>() < 0.3 { "x" } else { "y" })
            .collect();
        df!("a" => a, "c" => c).unwrap()
    }

    #[test]
    fn distance_by_hand() {
        let train = df!("a" => [Some(0.0), Some(10.0)], "c" => [Some("x"), None]).unwrap();
        let mut sp = DcrSpace::fit(&train, &schema()).unwrap();
        let r = sp.encode(&train, "t").unwrap();
        let q = sp
            .encode(
                &df!("a" => [Some(2.5), None], "c" => [Some("y"), None]).unwrap(),
                "q",
            )
            .unwrap();
        // Row 0 of q vs train row 0: (0.25 + 1) / 2; vs row 1: (0.75 + 1 [missing vs y]) / 2.
        let d = sp.nearest_two(&q, &[0, 1], &r, &[0, 1]);
        assert!(
            (d[0].0 - 0.625).abs() < 1e-12 && (d[0].1 - 0.875).abs() < 1e-12,
            "{d:?}"
        );
        // Row 1 (missing, missing) vs train row 1 (10, missing): (1 + 0) / 2.
        assert!((d[1].0 - 0.5).abs() < 1e-12, "{d:?}");
    }

    #[test]
    fn copies_leak_and_fresh_samples_do_not() {
        let mut rng = StdRng::seed_from_u64(11);
        let train = frame(600, &mut rng);
        let holdout = frame(300, &mut rng);
        let opts = PrivacyOptions::default();
        // A "generator" that returns train rows.
        let copies = train.head(Some(300));
        let p = privacy_report(&train, &holdout, &copies, &schema(), &opts).unwrap();
        assert_eq!((p.exact_copies, p.exact_copy_rate), (300, 1.0));
        assert_eq!(p.dcr_synthetic.median, 0.0);
        // Train is subsampled to the holdout size (half of it): a copied row is in that half
        // (distance 0) with probability 1/2, else closer to train with probability ≈ 1/2, so
        // p ≈ 0.75 (SE sqrt(.75 · .25 / 300) ≈ 0.025; ±4 SE).
        assert!((p.closer_to_train_share - 0.75).abs() < 0.1, "{p:?}");
        assert!(p.overfitting_protection < 0.7, "{p:?}");
        // Half the members are in the synthetic set at distance 0 → AUC ≈ 0.75.
        assert!(p.mia_auc > 0.65, "{p:?}");
        // A fresh sample of the same distribution.
        let fresh = frame(300, &mut rng);
        let p = privacy_report(&train, &holdout, &fresh, &schema(), &opts).unwrap();
        assert_eq!(p.exact_copies, 0);
        let ratio = p.dcr_median_ratio.unwrap();
        assert!((0.7..1.4).contains(&ratio), "{p:?}");
        // p ~ Binomial(300, 0.5)/300: SE 0.029 → ±4 SE.
        assert!((p.closer_to_train_share - 0.5).abs() < 0.12, "{p:?}");
        // Null AUC SE with 300 vs 300: sqrt(601 / (12·300²)) ≈ 0.024 → ±4 SE.
        assert!((p.mia_auc - 0.5).abs() < 0.1, "{p:?}");
    }
}

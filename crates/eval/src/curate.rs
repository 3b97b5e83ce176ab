//! Curation of generated rare-class rows before they join a training set: drop the rows that a
//! model of the real training data contradicts.
//!
//! Two checks, both fitted on the real training rows only (encoded [`Features`]):
//!
//! - **Judge.** A classifier of the real rows (the boosted trees by default) scores each
//!   generated row's probability of being rare. Its threshold is a low quantile
//!   ([`CurationConfig::judge_quantile`], default 0.1) of the *out-of-fold* scores of the real
//!   rare rows (K-fold cross-fitting, so no real row is scored by a model that saw it): a
//!   generated rare row that looks less rare than 90 % of the real rare rows look to a model
//!   that never saw them is dropped as "judged majority". This is the classifier filter of the
//!   curation literature (CLLM, arXiv 2312.12112, filters by a classifier's confidence) in its
//!   simplest, cross-fitted form.
//! - **Support.** A generated row farther from its nearest real rare row than a high quantile
//!   ([`CurationConfig::support_quantile`], default 0.95) of the real rare rows' distances to
//!   their own nearest other rare row (Euclidean, on the standardised encoding) lies outside the
//!   real rare class's support and is dropped as "outside support".
//!
//! [`Curator::judge_scores`] also serves as the judged adherence of label-conditioned models:
//! the share of generated rare rows the judge passes, next to the same share for real rare rows.

use linfa_nn::{KdTree, NearestNeighbour, distance::L2Dist};
use serde::{Deserialize, Serialize};

use crate::classifier::{ClassifierSpec, FittedClassifier, GbtParams};
use crate::encode::Features;
use crate::error::{EvalError, EvalResult, ensure};

/// Settings of the curation filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CurationConfig {
    /// A generated rare row whose judge score is below this quantile of the real rare rows'
    /// out-of-fold scores is dropped. Default 0.1.
    pub judge_quantile: f64,
    /// A generated rare row farther from the real rare rows than this quantile of their own
    /// nearest-neighbour distances is dropped. Default 0.95.
    pub support_quantile: f64,
    /// Folds of the judge's cross-fitting. Default 5.
    pub folds: usize,
    /// The judge. Default: the boosted trees with their defaults.
    pub judge: ClassifierSpec,
}

impl Default for CurationConfig {
    fn default() -> Self {
        CurationConfig {
            judge_quantile: 0.1,
            support_quantile: 0.95,
            folds: 5,
            judge: ClassifierSpec::GradientBoosting(GbtParams::default()),
        }
    }
}

impl CurationConfig {
    /// Checks the settings.
    pub fn check(&self) -> EvalResult<()> {
        let bad = |field: &str, reason: &str| EvalError::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        };
        ensure!(
            (0.0..1.0).contains(&self.judge_quantile),
            bad("judge_quantile", "must be in [0, 1), e.g. 0.1")
        );
        ensure!(
            self.support_quantile > 0.0 && self.support_quantile <= 1.0,
            bad("support_quantile", "must be in (0, 1], e.g. 0.95")
        );
        ensure!(
            self.folds >= 2,
            bad("folds", "cross-fitting needs at least 2 folds, e.g. 5")
        );
        Ok(())
    }
}

/// Why a generated row was kept or dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Passes both checks.
    Keep,
    /// The judge scores it below its threshold.
    JudgedMajority,
    /// It passes the judge but lies outside the real rare rows' support.
    OutsideSupport,
}

/// How many generated rows each check dropped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurationCounts {
    /// Rows judged.
    pub rows: usize,
    /// Kept.
    pub kept: usize,
    /// Dropped by the judge.
    pub judged_majority: usize,
    /// Dropped as outside the support (among those the judge passed).
    pub outside_support: usize,
}

impl CurationCounts {
    /// Tallies verdicts.
    pub fn of(verdicts: &[Verdict]) -> Self {
        let n = |v: Verdict| verdicts.iter().filter(|&&x| x == v).count();
        CurationCounts {
            rows: verdicts.len(),
            kept: n(Verdict::Keep),
            judged_majority: n(Verdict::JudgedMajority),
            outside_support: n(Verdict::OutsideSupport),
        }
    }
}

/// A fitted curation filter; see the module docs.
pub struct Curator {
    judge: FittedClassifier,
    threshold: f64,
    /// Out-of-fold judge scores of the real rare rows, the threshold's reference.
    real_rare_scores: Vec<f64>,
    rare: ndarray::Array2<f64>,
    index_radius: f64,
}

/// The `q`-quantile of `v` (linear interpolation between order statistics, numpy's default).
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s: Vec<f64> = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (s.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    s[lo] + (pos - lo as f64) * (s[hi] - s[lo])
}

/// Stratified fold of each row: rows of each class dealt round-robin after a seeded shuffle.
fn folds_of(y: &[bool], k: usize, seed: u64) -> Vec<usize> {
    use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
    let mut rng = StdRng::seed_from_u64(seed);
    let mut fold = vec![0; y.len()];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == class).collect();
        idx.shuffle(&mut rng);
        for (j, &i) in idx.iter().enumerate() {
            fold[i] = j % k;
        }
    }
    fold
}

impl Curator {
    /// Fits the judge (cross-fitted for its threshold) and the support on the real training
    /// rows `x` with labels `y`.
    ///
    /// # Errors
    /// Invalid settings, fewer real rare rows than folds (or than 2), or a classifier failure.
    pub fn fit(x: &Features, y: &[bool], cfg: &CurationConfig, seed: u64) -> EvalResult<Self> {
        cfg.check()?;
        let rare_idx: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
        ensure!(
            rare_idx.len() >= cfg.folds.max(2),
            EvalError::NotEnoughRows {
                what: "real rare rows for the curation filter's cross-fitting".into(),
                needed: cfg.folds.max(2),
                available: rare_idx.len(),
            }
        );
        let fold = folds_of(y, cfg.folds, seed);
        let mut oof = Vec::with_capacity(rare_idx.len());
        for f in 0..cfg.folds {
            let tr: Vec<usize> = (0..y.len()).filter(|&i| fold[i] != f).collect();
            let te: Vec<usize> = rare_idx.iter().copied().filter(|&i| fold[i] == f).collect();
            if te.is_empty() {
                continue;
            }
            let ytr: Vec<bool> = tr.iter().map(|&i| y[i]).collect();
            let model = cfg.judge.fit(&x.select_rows(&tr), &ytr, seed)?;
            oof.extend(model.predict_proba(&x.select_rows(&te))?);
        }
        let judge = cfg.judge.fit(x, y, seed)?;
        let threshold = quantile(&oof, cfg.judge_quantile);
        let rare = x.select_rows(&rare_idx).to_ndarray();
        let nn = nearest_distances(&rare, &rare, true)?;
        Ok(Curator {
            judge,
            threshold,
            real_rare_scores: oof,
            index_radius: quantile(&nn, cfg.support_quantile),
            rare,
        })
    }

    /// The judge's threshold: generated rows scoring below it are judged majority.
    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    /// The support radius: generated rows farther than this from every real rare row are
    /// outside the support.
    pub fn radius(&self) -> f64 {
        self.index_radius
    }

    /// Share of the real rare rows whose out-of-fold score passes the threshold (about
    /// `1 − judge_quantile`): what [`Curator::judge_pass_rate`] of a perfect generator is.
    pub fn real_pass_rate(&self) -> f64 {
        pass_rate(&self.real_rare_scores, self.threshold)
    }

    /// The judge's probability of the rare class for each row of `x`.
    pub fn judge_scores(&self, x: &Features) -> EvalResult<Vec<f64>> {
        self.judge.predict_proba(x)
    }

    /// Share of the rows of `x` whose judge score passes the threshold (judged adherence).
    pub fn judge_pass_rate(&self, x: &Features) -> EvalResult<f64> {
        Ok(pass_rate(&self.judge_scores(x)?, self.threshold))
    }

    /// A verdict for each row of `x` (generated rare rows in the same encoding).
    pub fn verdicts(&self, x: &Features) -> EvalResult<Vec<Verdict>> {
        if x.n_rows == 0 {
            return Ok(Vec::new());
        }
        let scores = self.judge_scores(x)?;
        let dist = nearest_distances(&x.to_ndarray(), &self.rare, false)?;
        Ok(scores
            .iter()
            .zip(&dist)
            .map(|(&s, &d)| {
                if s < self.threshold {
                    Verdict::JudgedMajority
                } else if d > self.index_radius {
                    Verdict::OutsideSupport
                } else {
                    Verdict::Keep
                }
            })
            .collect())
    }
}

fn pass_rate(scores: &[f64], threshold: f64) -> f64 {
    scores.iter().filter(|&&s| s >= threshold).count() as f64 / scores.len().max(1) as f64
}

/// For each row of `queries`, the Euclidean distance to its nearest row of `points`; with
/// `leave_one_out` (queries = points) the nearest *other* row.
fn nearest_distances(
    queries: &ndarray::Array2<f64>,
    points: &ndarray::Array2<f64>,
    leave_one_out: bool,
) -> EvalResult<Vec<f64>> {
    let index = KdTree::new()
        .from_batch(points, L2Dist)
        .map_err(|e| EvalError::Neighbours(e.to_string()))?;
    let k = if leave_one_out { 2 } else { 1 };
    queries
        .rows()
        .into_iter()
        .map(|q| {
            let hits = index
                .k_nearest(q, k)
                .map_err(|e| EvalError::Neighbours(e.to_string()))?;
            let p = &hits[hits.len() - 1].0;
            Ok(p.iter()
                .zip(q.iter())
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [3.0, 1.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 4.0);
        assert!((quantile(&v, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&v, 0.1) - 1.3).abs() < 1e-12);
    }

    #[test]
    fn folds_are_stratified_and_cover_every_row() {
        let y: Vec<bool> = (0..103).map(|i| i % 10 == 0).collect();
        let f = folds_of(&y, 5, 1);
        for k in 0..5 {
            let rare = (0..y.len()).filter(|&i| y[i] && f[i] == k).count();
            assert!((2..=3).contains(&rare), "fold {k}: {rare} rare rows");
        }
    }
}

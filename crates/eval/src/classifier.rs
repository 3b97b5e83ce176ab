//! The downstream classifiers: gradient boosted trees (`forust-ml`, XGBoost's algorithm in pure
//! Rust) and an L2 logistic regression ([`crate::logistic`], linfa-logistic's solver with sample
//! weights) as a second opinion. One spec is used unchanged for every arm of a run, and both
//! take a weight per row.

use forust_ml::{GradientBooster, Matrix, objective::ObjectiveType};
use serde::{Deserialize, Serialize};

use crate::encode::Features;
use crate::error::{EvalError, EvalResult, ensure};
use crate::logistic::LogisticModel;

/// Gradient boosted trees settings (forust-ml `GradientBooster`, log loss).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GbtParams {
    /// Number of trees. Default 100 (XGBoost's `n_estimators` default).
    pub iterations: usize,
    /// Shrinkage. Default 0.1 (LightGBM's default; XGBoost's is 0.3).
    pub learning_rate: f32,
    /// Maximum tree depth. Default 6 (XGBoost default).
    pub max_depth: usize,
    /// L2 penalty on leaf weights. Default 1 (XGBoost `lambda`).
    pub l2: f32,
    /// Minimum hessian sum in a leaf. Default 1 (XGBoost `min_child_weight`).
    pub min_leaf_weight: f32,
    /// Histogram bins per feature. Default 256 (XGBoost `max_bin`).
    pub nbins: u16,
    /// Train and predict with rayon threads. Default true; results do not depend on it.
    pub parallel: bool,
}

impl Default for GbtParams {
    fn default() -> Self {
        GbtParams {
            iterations: 100,
            learning_rate: 0.1,
            max_depth: 6,
            l2: 1.0,
            min_leaf_weight: 1.0,
            nbins: 256,
            parallel: true,
        }
    }
}

/// Logistic regression settings ([`LogisticModel`]: loss `Σ w_i log(1+e^{−y_i z_i}) + α/2 ‖β‖²`,
/// intercept not penalised, L-BFGS as in linfa-logistic).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogisticParams {
    /// L2 strength α. Default 1, the same penalty as sklearn `LogisticRegression(C=1)`.
    pub alpha: f64,
    /// L-BFGS iteration cap. Default 100 (sklearn `max_iter`).
    pub max_iterations: u64,
    /// Gradient-norm stopping tolerance on the *mean* per-row loss, as sklearn's `tol` (whose
    /// lbfgs solver scales the loss by 1 / the sum of the sample weights). Default 1e-4. The loss
    /// minimised is a weighted sum over rows, so the solver stops at
    /// `‖∇‖₂ < gradient_tolerance × Σ weights` (`× n_rows` without weights).
    pub gradient_tolerance: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            alpha: 1.0,
            max_iterations: 100,
            gradient_tolerance: 1e-4,
        }
    }
}

/// Which downstream classifier to train, with its settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ClassifierSpec {
    /// Gradient boosted trees (the strong default).
    GradientBoosting(GbtParams),
    /// L2 logistic regression (the second opinion).
    Logistic(LogisticParams),
}

impl ClassifierSpec {
    /// The default pair: boosted trees, then logistic regression.
    pub fn defaults() -> Vec<ClassifierSpec> {
        vec![
            ClassifierSpec::GradientBoosting(GbtParams::default()),
            ClassifierSpec::Logistic(LogisticParams::default()),
        ]
    }

    /// A short name for reports (`gbt`, `logistic`).
    pub fn name(&self) -> &'static str {
        match self {
            ClassifierSpec::GradientBoosting(_) => "gbt",
            ClassifierSpec::Logistic(_) => "logistic",
        }
    }

    /// Fit on `x` with labels `y` (`true` = the rare positive class). `seed` drives any
    /// randomness of the learner (none with the default settings; kept for subsampling).
    pub fn fit(&self, x: &Features, y: &[bool], seed: u64) -> EvalResult<FittedClassifier> {
        self.fit_weighted(x, y, None, seed)
    }

    /// [`ClassifierSpec::fit`] with a sample weight per row (`None`: all 1; each weight finite
    /// and > 0). The boosted trees weight each row's gradient and hessian (XGBoost's
    /// `sample_weight`); the logistic regression weights each row's log loss (sklearn's
    /// `sample_weight`), so for both a weight of 2 acts as the row appearing twice.
    pub fn fit_weighted(
        &self,
        x: &Features,
        y: &[bool],
        weights: Option<&[f64]>,
        seed: u64,
    ) -> EvalResult<FittedClassifier> {
        check_training_set(
            x,
            y,
            weights,
            &format!("training set of the {} classifier", self.name()),
        )?;
        match self {
            ClassifierSpec::GradientBoosting(p) => {
                let fail = |e: forust_ml::errors::ForustError| EvalError::Classifier {
                    classifier: "gbt".into(),
                    reason: e.to_string(),
                };
                let mut model = GradientBooster::default()
                    .set_objective_type(ObjectiveType::LogLoss)
                    .set_iterations(p.iterations)
                    .set_learning_rate(p.learning_rate)
                    .set_max_depth(p.max_depth)
                    .set_l2(p.l2)
                    .set_min_leaf_weight(p.min_leaf_weight)
                    .set_nbins(p.nbins)
                    .set_parallel(p.parallel)
                    .set_seed(seed);
                let cols = x.to_column_major();
                let m = Matrix::new(&cols, x.n_rows, x.n_cols);
                let yf: Vec<f64> = y.iter().map(|&t| if t { 1.0 } else { 0.0 }).collect();
                let w = weights.map_or_else(|| vec![1.0; y.len()], <[f64]>::to_vec);
                model.fit(&m, &yf, &w, None).map_err(fail)?;
                Ok(FittedClassifier::Gbt {
                    model: Box::new(model),
                    parallel: p.parallel,
                })
            }
            ClassifierSpec::Logistic(p) => Ok(FittedClassifier::Logistic(LogisticModel::fit(
                x, y, weights, p,
            )?)),
        }
    }
}

/// A trained classifier that scores rows with the probability of the positive class.
pub enum FittedClassifier {
    /// forust-ml boosted trees.
    Gbt {
        /// The trained booster.
        model: Box<GradientBooster>,
        /// Whether to predict in parallel.
        parallel: bool,
    },
    /// L2 logistic regression.
    Logistic(LogisticModel),
}

impl FittedClassifier {
    /// `P(positive | row)` for every row of `x`.
    pub fn predict_proba(&self, x: &Features) -> EvalResult<Vec<f64>> {
        match self {
            FittedClassifier::Gbt { model, parallel } => {
                let cols = x.to_column_major();
                let m = Matrix::new(&cols, x.n_rows, x.n_cols);
                // forust returns log-odds for the log-loss objective.
                Ok(model
                    .predict(&m, *parallel)
                    .into_iter()
                    .map(sigmoid)
                    .collect())
            }
            FittedClassifier::Logistic(model) => model.predict_proba(x),
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// The checks every classifier's training set passes: one label (and weight, if any) per row,
/// weights finite and > 0, both classes present, finite features. `what` names the training set
/// in the error.
pub(crate) fn check_training_set(
    x: &Features,
    y: &[bool],
    weights: Option<&[f64]>,
    what: &str,
) -> EvalResult<()> {
    if let Some(w) = weights {
        ensure!(
            w.len() == y.len(),
            EvalError::ShapeMismatch {
                what: "sample weights vs labels".into(),
                expected: y.len(),
                got: w.len(),
            }
        );
        ensure!(
            w.iter().all(|v| v.is_finite() && *v > 0.0),
            EvalError::InvalidValue {
                field: "weight".into(),
                reason: "sample weights must be finite and > 0".into(),
            }
        );
    }
    ensure!(
        x.n_rows == y.len(),
        EvalError::ShapeMismatch {
            what: "training labels vs feature rows".into(),
            expected: x.n_rows,
            got: y.len(),
        }
    );
    let pos = y.iter().filter(|&&t| t).count();
    ensure!(
        pos > 0,
        EvalError::EmptyClass {
            what: what.into(),
            class: "positive".into()
        }
    );
    ensure!(
        pos < y.len(),
        EvalError::EmptyClass {
            what: what.into(),
            class: "negative".into()
        }
    );
    x.ensure_finite()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::metrics::roc_auc;
    use rand::{Rng, SeedableRng, rngs::StdRng};

    /// Two Gaussian blobs in 3-D, positives shifted by 1.5 in the first coordinate (10 % rare).
    pub(crate) fn blobs(n: usize, seed: u64) -> (Features, Vec<bool>) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut data = Vec::with_capacity(n * 3);
        let mut y = Vec::with_capacity(n);
        for _ in 0..n {
            let pos = rng.random::<f64>() < 0.1;
            for j in 0..3 {
                let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
                data.push(z + if pos && j == 0 { 1.5 } else { 0.0 });
            }
            y.push(pos);
        }
        (Features::new(n, 3, data).unwrap(), y)
    }

    #[test]
    fn both_classifiers_learn_and_are_deterministic() {
        let (xtr, ytr) = blobs(2000, 1);
        let (xte, yte) = blobs(2000, 2);
        // The Bayes AUC of a 1.5σ mean shift is Φ(1.5/√2) ≈ 0.856; the test AUC of a model
        // reaching it has SE ≈ 0.017 with 200 positives vs 1800 negatives (Hanley–McNeil).
        // Logistic regression is the right model here: it must be within 4 SE of Bayes. The
        // boosted trees (depth 6, 100 rounds on 2000 rows) overfit two noise dimensions, so
        // for them we only check that they learn the signal (AUC well above 0.5).
        for spec in ClassifierSpec::defaults() {
            let p1 = spec
                .fit(&xtr, &ytr, 7)
                .unwrap()
                .predict_proba(&xte)
                .unwrap();
            let p2 = spec
                .fit(&xtr, &ytr, 7)
                .unwrap()
                .predict_proba(&xte)
                .unwrap();
            assert_eq!(p1, p2, "{} is not deterministic", spec.name());
            let auc = roc_auc(&yte, &p1).unwrap();
            let floor = match spec {
                ClassifierSpec::Logistic(_) => 0.856 - 4.0 * 0.017,
                ClassifierSpec::GradientBoosting(_) => 0.7,
            };
            assert!(auc > floor, "{}: AUC {auc}", spec.name());
            assert!(p1.iter().all(|p| (0.0..=1.0).contains(p)));
            // Mean predicted probability close to the 10 % base rate.
            let mean = p1.iter().sum::<f64>() / p1.len() as f64;
            assert!(
                (mean - 0.1).abs() < 0.03,
                "{}: mean prob {mean}",
                spec.name()
            );
        }
    }

    #[test]
    fn logistic_probability_is_for_the_positive_class_even_when_it_is_the_majority() {
        let (x, y) = blobs(1000, 3);
        let flipped: Vec<bool> = y.iter().map(|t| !t).collect();
        let spec = ClassifierSpec::Logistic(LogisticParams::default());
        let p = spec
            .fit(&x, &flipped, 0)
            .unwrap()
            .predict_proba(&x)
            .unwrap();
        assert!(roc_auc(&flipped, &p).unwrap() > 0.8);
    }

    #[test]
    fn single_class_is_an_error() {
        let (x, _) = blobs(10, 4);
        let e = ClassifierSpec::defaults()[0]
            .fit(&x, &[false; 10], 0)
            .err()
            .unwrap();
        assert!(matches!(e, EvalError::EmptyClass { .. }), "{e}");
    }
}

//! Binary classification metrics on a real test set, for a rare positive class.
//!
//! Every definition follows scikit-learn 1.x (`sklearn/metrics/_classification.py`,
//! `sklearn/metrics/_ranking.py`), so the numbers can be compared with a Python pipeline; the
//! golden values in `tests/golden/metrics.json` come from `scripts/golden/eval_metrics.py`.

use serde::{Deserialize, Serialize};

use crate::error::{EvalError, EvalResult, ensure};

/// Counts of a confusion matrix for the positive class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// True negatives.
    pub tn: usize,
    /// False negatives.
    pub fn_: usize,
}

impl Confusion {
    /// Count the confusion matrix of hard predictions.
    pub fn new(y_true: &[bool], y_pred: &[bool]) -> EvalResult<Self> {
        check_len("y_pred", y_true.len(), y_pred.len())?;
        let mut c = Confusion::default();
        for (&t, &p) in y_true.iter().zip(y_pred) {
            match (t, p) {
                (true, true) => c.tp += 1,
                (false, true) => c.fp += 1,
                (false, false) => c.tn += 1,
                (true, false) => c.fn_ += 1,
            }
        }
        Ok(c)
    }

    /// F1 of the positive class, `2 TP / (2 TP + FP + FN)`; 0 when the denominator is 0
    /// (sklearn `f1_score(zero_division=0)`; its default "warn" also returns 0).
    pub fn f1_positive(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// F1 of the negative class, `2 TN / (2 TN + FN + FP)`.
    pub fn f1_negative(&self) -> f64 {
        ratio(2 * self.tn, 2 * self.tn + self.fn_ + self.fp)
    }

    /// Macro F1: the unweighted mean of the two per-class F1 scores (sklearn `average='macro'`).
    pub fn macro_f1(&self) -> f64 {
        0.5 * (self.f1_positive() + self.f1_negative())
    }
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

fn check_len(what: &str, expected: usize, got: usize) -> EvalResult<()> {
    ensure!(
        expected == got,
        EvalError::ShapeMismatch {
            what: format!("{what} length vs y_true length"),
            expected,
            got
        }
    );
    Ok(())
}

fn check_scores(y_true: &[bool], scores: &[f64], what: &str) -> EvalResult<(usize, usize)> {
    check_len("scores", y_true.len(), scores.len())?;
    let bad = scores.iter().filter(|s| !s.is_finite()).count();
    ensure!(
        bad == 0,
        EvalError::NonFinite {
            column: "scores".into(),
            count: bad
        }
    );
    let pos = y_true.iter().filter(|&&t| t).count();
    let neg = y_true.len() - pos;
    ensure!(
        pos > 0,
        EvalError::EmptyClass {
            what: what.into(),
            class: "positive".into()
        }
    );
    ensure!(
        neg > 0,
        EvalError::EmptyClass {
            what: what.into(),
            class: "negative".into()
        }
    );
    Ok((pos, neg))
}

/// One point per distinct score, in decreasing score order: cumulative false and true positives
/// when predicting positive for `score >= threshold` (sklearn `_binary_clf_curve`).
fn binary_clf_curve(y_true: &[bool], scores: &[f64]) -> (Vec<usize>, Vec<usize>, Vec<f64>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut fps, mut tps, mut thr) = (Vec::new(), Vec::new(), Vec::new());
    let (mut fp, mut tp) = (0usize, 0usize);
    for (i, &idx) in order.iter().enumerate() {
        if y_true[idx] {
            tp += 1
        } else {
            fp += 1
        }
        let last_of_tie = i + 1 == order.len() || scores[order[i + 1]] != scores[idx];
        if last_of_tie {
            fps.push(fp);
            tps.push(tp);
            thr.push(scores[idx]);
        }
    }
    (fps, tps, thr)
}

/// Area under the ROC curve by the trapezoidal rule over the distinct-score curve, so tied scores
/// count one half (sklearn `roc_auc_score`, `_ranking.py`: `roc_curve` + `auc`).
///
/// Errors with [`EvalError::EmptyClass`] when `y_true` has a single class (sklearn raises too).
pub fn roc_auc(y_true: &[bool], scores: &[f64]) -> EvalResult<f64> {
    let (pos, neg) = check_scores(y_true, scores, "ROC-AUC")?;
    let (fps, tps, _) = binary_clf_curve(y_true, scores);
    let mut area = 0.0;
    let (mut x0, mut y0) = (0.0, 0.0);
    for (&f, &t) in fps.iter().zip(&tps) {
        let (x1, y1) = (f as f64 / neg as f64, t as f64 / pos as f64);
        area += (x1 - x0) * (y0 + y1) * 0.5;
        (x0, y0) = (x1, y1);
    }
    Ok(area)
}

/// Average precision, `AP = Σ_n (R_n − R_{n−1}) P_n` over the distinct thresholds in decreasing
/// order: the step-wise (not interpolated) area under the precision–recall curve
/// (sklearn `average_precision_score`, `_ranking.py`).
pub fn average_precision(y_true: &[bool], scores: &[f64]) -> EvalResult<f64> {
    let (pos, _) = check_scores(y_true, scores, "average precision")?;
    let (fps, tps, _) = binary_clf_curve(y_true, scores);
    let mut ap = 0.0;
    let mut prev_recall = 0.0;
    for (&f, &t) in fps.iter().zip(&tps) {
        let recall = t as f64 / pos as f64;
        let precision = t as f64 / (t + f) as f64;
        ap += (recall - prev_recall) * precision;
        prev_recall = recall;
    }
    Ok(ap)
}

/// The largest recall among the decision thresholds whose precision is at least
/// `min_precision`, predicting positive for `score >= threshold` at each distinct score.
/// Returns `(recall, threshold)`; `(0.0, +inf)` when no threshold reaches the precision (the
/// "predict nothing" operating point, whose recall is 0). Same curve as sklearn
/// `precision_recall_curve`: `max(recall[precision >= p])`.
pub fn recall_at_precision(
    y_true: &[bool],
    scores: &[f64],
    min_precision: f64,
) -> EvalResult<(f64, f64)> {
    ensure!(
        (0.0..=1.0).contains(&min_precision),
        EvalError::InvalidValue {
            field: "min_precision".into(),
            reason: format!("{min_precision} is not in [0, 1]; pass a precision such as 0.5"),
        }
    );
    let (pos, _) = check_scores(y_true, scores, "recall at precision")?;
    let (fps, tps, thr) = binary_clf_curve(y_true, scores);
    let mut best = (0.0, f64::INFINITY);
    for ((&f, &t), &th) in fps.iter().zip(&tps).zip(&thr) {
        let precision = t as f64 / (t + f) as f64;
        let recall = t as f64 / pos as f64;
        if precision >= min_precision && recall > best.0 {
            best = (recall, th);
        }
    }
    Ok(best)
}

/// The headline metrics of one classifier on the real test set.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// F1 of the rare (positive) class at the decision threshold.
    pub minority_f1: f64,
    /// Mean of the two per-class F1 scores at the decision threshold.
    pub macro_f1: f64,
    /// ROC-AUC (ties count one half).
    pub roc_auc: f64,
    /// PR-AUC as average precision (the headline for rare classes).
    pub pr_auc: f64,
    /// Max recall over thresholds with precision ≥ [`MetricOptions::min_precision`].
    pub recall_at_precision: f64,
}

/// Options of [`ClassificationMetrics::compute`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricOptions {
    /// Predict positive when the score is strictly above this. Default 0.5, as sklearn's
    /// `predict` for a probabilistic binary classifier.
    pub threshold: f64,
    /// The precision floor for [`ClassificationMetrics::recall_at_precision`]. Default 0.5.
    pub min_precision: f64,
}

impl Default for MetricOptions {
    fn default() -> Self {
        MetricOptions {
            threshold: 0.5,
            min_precision: 0.5,
        }
    }
}

impl ClassificationMetrics {
    /// Compute all metrics from the true labels and the positive-class probabilities.
    pub fn compute(y_true: &[bool], scores: &[f64], opts: &MetricOptions) -> EvalResult<Self> {
        let pred: Vec<bool> = scores.iter().map(|&s| s > opts.threshold).collect();
        let c = Confusion::new(y_true, &pred)?;
        Ok(ClassificationMetrics {
            minority_f1: c.f1_positive(),
            macro_f1: c.macro_f1(),
            roc_auc: roc_auc(y_true, scores)?,
            pr_auc: average_precision(y_true, scores)?,
            recall_at_precision: recall_at_precision(y_true, scores, opts.min_precision)?.0,
        })
    }

    /// The metrics as `(name, value)` pairs, in a fixed order.
    pub fn named(&self) -> [(&'static str, f64); 5] {
        [
            ("minority_f1", self.minority_f1),
            ("macro_f1", self.macro_f1),
            ("roc_auc", self.roc_auc),
            ("pr_auc", self.pr_auc),
            ("recall_at_precision", self.recall_at_precision),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPS: f64 = 1e-12;

    #[test]
    fn f1_by_hand() {
        // TP=2, FP=1, FN=1, TN=3: F1+ = 4/6, F1- = 6/8.
        let t = [true, true, true, false, false, false, false];
        let p = [true, true, false, true, false, false, false];
        let c = Confusion::new(&t, &p).unwrap();
        assert_eq!(
            c,
            Confusion {
                tp: 2,
                fp: 1,
                tn: 3,
                fn_: 1
            }
        );
        assert!((c.f1_positive() - 4.0 / 6.0).abs() < EPS);
        assert!((c.macro_f1() - 0.5 * (4.0 / 6.0 + 0.75)).abs() < EPS);
        // No predicted and no true positives: zero_division = 0.
        let c = Confusion::new(&[false, false], &[false, false]).unwrap();
        assert_eq!(c.f1_positive(), 0.0);
    }

    #[test]
    fn roc_auc_by_hand_with_ties() {
        // Positives 0.8, 0.4; negatives 0.4, 0.1. Pairs: (0.8>0.4)=1, (0.8>0.1)=1,
        // (0.4=0.4)=0.5, (0.4>0.1)=1 → 3.5/4.
        let t = [true, true, false, false];
        let s = [0.8, 0.4, 0.4, 0.1];
        assert!((roc_auc(&t, &s).unwrap() - 0.875).abs() < EPS);
        // All tied → 0.5.
        assert!((roc_auc(&t, &[0.3; 4]).unwrap() - 0.5).abs() < EPS);
        // Perfect and reversed.
        assert!((roc_auc(&t, &[4.0, 3.0, 2.0, 1.0]).unwrap() - 1.0).abs() < EPS);
        assert!(roc_auc(&t, &[1.0, 2.0, 3.0, 4.0]).unwrap().abs() < EPS);
    }

    #[test]
    fn average_precision_by_hand() {
        // sklearn docs example: y=[0,0,1,1], s=[0.1,0.4,0.35,0.8] → AP = 0.8333...
        // Thresholds 0.8 (P=1,R=.5), 0.4 (P=.5,R=.5), 0.35 (P=2/3,R=1): .5*1 + 0 + .5*2/3.
        let t = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        assert!((average_precision(&t, &s).unwrap() - 5.0 / 6.0).abs() < EPS);
        // With a tie between a positive and a negative at the top: one point P=.5, R=.5, then R=1, P=2/3.
        let s = [0.1, 0.8, 0.35, 0.8];
        assert!((average_precision(&t, &s).unwrap() - (0.25 + 0.5 * 2.0 / 3.0)).abs() < EPS);
    }

    #[test]
    fn recall_at_precision_by_hand() {
        let t = [false, false, true, true];
        let s = [0.1, 0.4, 0.35, 0.8];
        // precision ≥ 0.6: thresholds 0.8 (P=1, R=.5) and 0.35 (P=2/3, R=1) → R=1 at 0.35.
        assert_eq!(recall_at_precision(&t, &s, 0.6).unwrap(), (1.0, 0.35));
        // precision ≥ 0.9: only 0.8 → R=.5.
        assert_eq!(recall_at_precision(&t, &s, 0.9).unwrap(), (0.5, 0.8));
        // Top-ranked row is a negative: precision 1 is never reached.
        let s = [0.9, 0.4, 0.35, 0.8];
        assert_eq!(recall_at_precision(&t, &s, 1.0).unwrap().0, 0.0);
    }

    #[test]
    fn errors_name_the_problem() {
        let e = roc_auc(&[true, true], &[0.1, 0.2]).unwrap_err();
        assert!(matches!(e, EvalError::EmptyClass { .. }), "{e}");
        let e = roc_auc(&[true, false], &[0.1, f64::NAN]).unwrap_err();
        assert!(matches!(e, EvalError::NonFinite { count: 1, .. }), "{e}");
        let e = average_precision(&[true, false], &[0.1]).unwrap_err();
        assert!(matches!(e, EvalError::ShapeMismatch { .. }), "{e}");
        let e = recall_at_precision(&[true, false], &[0.1, 0.2], 1.5).unwrap_err();
        assert!(e.to_string().contains("min_precision"), "{e}");
    }
}

//! Metrics against scikit-learn. The expected values come from `scripts/golden/eval_metrics.py`
//! (scikit-learn 1.9.1), which writes `tests/golden/metrics.json`:
//!
//! ```text
//! minority_f1 = f1_score(y, s > 0.5); macro_f1 = f1_score(y, s > 0.5, average='macro')
//! roc_auc = roc_auc_score(y, s); pr_auc = average_precision_score(y, s)
//! recall_at_precision_p = max(recall[precision >= p]) of precision_recall_curve(y, s)
//! ```
//! The cases include heavy ties (scores rounded to 1 or 2 decimals) and 5 % positives.

mod common;

use synthkit_eval::metrics::{
    ClassificationMetrics, MetricOptions, average_precision, recall_at_precision, roc_auc,
};

/// Both sides compute the same finite sums in a different order: 1e-12 is ample.
const TOL: f64 = 1e-12;

#[test]
fn metrics_match_sklearn() {
    let g = common::golden("metrics.json");
    let cases = g["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    for c in cases {
        let name = c["name"].as_str().unwrap();
        let y: Vec<bool> = c["y"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_i64() == Some(1))
            .collect();
        let s: Vec<f64> = c["s"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let want = |k: &str| c[k].as_f64().unwrap();
        let m = ClassificationMetrics::compute(&y, &s, &MetricOptions::default()).unwrap();
        let close = |got: f64, key: &str| {
            assert!(
                (got - want(key)).abs() < TOL,
                "{name} {key}: got {got}, sklearn {}",
                want(key)
            );
        };
        close(m.minority_f1, "minority_f1");
        close(m.macro_f1, "macro_f1");
        close(m.roc_auc, "roc_auc");
        close(m.pr_auc, "pr_auc");
        close(m.recall_at_precision, "recall_at_precision_0.5");
        close(roc_auc(&y, &s).unwrap(), "roc_auc");
        close(average_precision(&y, &s).unwrap(), "pr_auc");
        close(
            recall_at_precision(&y, &s, 0.8).unwrap().0,
            "recall_at_precision_0.8",
        );
    }
}

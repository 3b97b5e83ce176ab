//! Fidelity scores against SDMetrics 0.32 on real mixed data with missing values (thyroid_sick:
//! train as "real", test as a stand-in for synthetic rows). Reference values:
//! `scripts/golden/eval_fidelity.py` → `tests/golden/fidelity_thyroid.json` (KSComplement,
//! TVComplement, CorrelationSimilarity, ContingencySimilarity with 10 bins), overall and for the
//! rare class only. Same definitions on the same rows, so the tolerance is floating-point
//! summation order (1e-9), except for TVComplement: SDMetrics' `utils.get_frequencies` gives a
//! category seen only in the synthetic column a real count of 1e-6 ("regularization to prevent
//! NaN"), which we do not copy; that moves the score by about 1e-6 × (such categories) / n_real,
//! so TVComplement gets 1e-6.

mod common;

use synthkit_eval::fidelity::{FidelityScores, fidelity_report};

const TOL: f64 = 1e-9;
const TV_TOL: f64 = 1e-6;

fn check(got: &FidelityScores, want: &serde_json::Value, what: &str) {
    assert_eq!(
        got.n_real as u64,
        want["n_real"].as_u64().unwrap(),
        "{what}"
    );
    assert_eq!(
        got.n_synthetic as u64,
        want["n_synthetic"].as_u64().unwrap(),
        "{what}"
    );
    let shapes = want["shapes"].as_object().unwrap();
    assert_eq!(got.column_shapes.len(), shapes.len(), "{what}");
    for c in &got.column_shapes {
        let w = shapes[&c.column].as_f64();
        match (c.score, w) {
            (Some(g), Some(w)) => {
                let tol = if c.metric == "tv_complement" {
                    TV_TOL
                } else {
                    TOL
                };
                assert!((g - w).abs() < tol, "{what} {}: {g} vs {w}", c.column)
            }
            (g, w) => assert_eq!(g, w, "{what} {}", c.column),
        }
    }
    let pairs = want["pairs"].as_array().unwrap();
    assert_eq!(got.pair_trends.len(), pairs.len(), "{what}");
    for (p, w) in got.pair_trends.iter().zip(pairs) {
        assert_eq!(
            (p.left.as_str(), p.right.as_str()),
            (w["left"].as_str().unwrap(), w["right"].as_str().unwrap())
        );
        match (p.score, w["score"].as_f64()) {
            (Some(g), Some(w)) => {
                assert!(
                    (g - w).abs() < TOL,
                    "{what} {} × {} ({}): {g} vs {w}",
                    p.left,
                    p.right,
                    p.metric
                )
            }
            (g, w) => assert_eq!(g, w, "{what} {} × {}", p.left, p.right),
        }
    }
}

#[test]
fn fidelity_matches_sdmetrics() {
    let set = common::real_set("thyroid_sick");
    let g = common::golden("fidelity_thyroid.json");
    let rep = fidelity_report(
        &set.train,
        &set.test,
        &set.schema,
        &set.target,
        &set.positive,
    )
    .unwrap();
    check(&rep.overall, &g["overall"], "overall");
    assert!(
        rep.rare_class_available(),
        "{:?}",
        rep.rare_class_unavailable
    );
    check(&rep.rare_class, &g["rare_class"], "rare class");
    // The report survives JSON.
    let back: synthkit_eval::fidelity::FidelityReport =
        serde_json::from_str(&serde_json::to_string(&rep).unwrap()).unwrap();
    assert_eq!(rep, back);
}

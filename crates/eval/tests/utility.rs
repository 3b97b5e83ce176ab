//! The utility runner end to end on a real set (thyroid_sick: 2640 train rows, 162 rare,
//! missing values in 7 columns). The "generator" here is a stand-in: copies of real rare train
//! rows (so augmentation behaves like random oversampling) and, for TSTR, real train itself
//! (so TSTR must reproduce TRTR). A reduced sweep keeps the test fast.

mod common;

use polars::prelude::{DataFrame, IdxCa, IdxSize};
use synthkit_eval::EvalError;
use synthkit_eval::classifier::{ClassifierSpec, GbtParams, LogisticParams};
use synthkit_eval::encode::binary_target;
use synthkit_eval::oversample::Oversampler;
use synthkit_eval::utility::{Arm, GeneratorRows, SyntheticSource, UtilityConfig, run_utility};

fn config(set: &common::RealSet) -> UtilityConfig {
    UtilityConfig {
        classifiers: vec![
            ClassifierSpec::GradientBoosting(GbtParams {
                iterations: 30,
                ..Default::default()
            }),
            ClassifierSpec::Logistic(LogisticParams::default()),
        ],
        seeds: vec![0, 1, 2],
        ratios: vec![1.0, 2.0],
        baselines: vec![Oversampler::Random, Oversampler::Smote { k_neighbors: 5 }],
        ..UtilityConfig::new(&set.target, &set.positive)
    }
}

fn rare_pool(set: &common::RealSet, copies: usize) -> DataFrame {
    let y = binary_target(&set.train, &set.target, &set.positive, "train").unwrap();
    let idx: Vec<IdxSize> = (0..copies)
        .flat_map(|_| (0..y.len()).filter(|&i| y[i]).map(|i| i as IdxSize))
        .collect();
    set.train.take(&IdxCa::from_vec("idx".into(), idx)).unwrap()
}

#[test]
fn utility_run_is_complete_deterministic_and_serialisable() {
    let set = common::real_set("thyroid_sick");
    let cfg = config(&set);
    let pool = rare_pool(&set, 3);
    let gens = [GeneratorRows {
        name: "copies".into(),
        full: Some(SyntheticSource::Pool(&set.train)),
        rare: Some(SyntheticSource::Pool(&pool)),
    }];
    let rep = run_utility(&set.train, &set.test, &set.schema, &gens, &cfg).unwrap();
    assert_eq!((rep.n_train, rep.n_train_rare), (2640, 162));
    assert_eq!((rep.n_test, rep.n_test_rare), (1132, 69));
    // Arms: real, tstr, augment ×2, (random, smote) × (2 ratios + auto) = 10; × 2 classifiers × 3 seeds.
    assert_eq!(rep.runs.len(), 10 * 2 * 3);
    assert_eq!(rep.summary.len(), 10 * 2);
    for run in &rep.runs {
        let expected = match &run.arm {
            Arm::Real => 0,
            Arm::Tstr { .. } => 2640,
            Arm::Augment { ratio, .. }
            | Arm::Oversample {
                ratio: Some(ratio), ..
            } => (ratio * 162.0).round() as usize,
            Arm::Oversample { ratio: None, .. } => 2640 - 2 * 162,
        };
        assert_eq!(run.n_synthetic, expected, "{}", run.arm.label());
    }
    // Thyroid-sick is an easy problem: both classifiers rank well on real test.
    for s in rep.summary.iter().filter(|s| s.arm == Arm::Real) {
        assert!(s.roc_auc.mean > 0.9, "{}: {:?}", s.classifier, s.roc_auc);
        assert_eq!(s.n_seeds, 3);
    }
    // TSTR on a permutation of real train is TRTR: logistic regression is order-free up to
    // floating-point summation order.
    let mean_of = |arm: &Arm, clf: &str| {
        rep.summary
            .iter()
            .find(|s| s.arm == *arm && s.classifier == clf)
            .unwrap()
            .pr_auc
            .mean
    };
    let tstr = Arm::Tstr {
        generator: "copies".into(),
    };
    assert!((mean_of(&tstr, "logistic") - mean_of(&Arm::Real, "logistic")).abs() < 1e-3);
    // Paired comparisons: augment@k and random@k against smote@k, real and tstr against smote@auto,
    // 5 metrics each, one difference per seed.
    assert_eq!(rep.vs_smote.len(), (2 + 3 + 2) * 2 * 5);
    for c in &rep.vs_smote {
        assert_eq!(c.diffs.len(), 3);
        assert_eq!(c.wins + c.losses + c.ties, 3);
        assert!((0.0..=1.0).contains(&c.sign_test_p) && (0.0..=1.0).contains(&c.wilcoxon_p));
    }
    assert_eq!(rep.best_ratio.len(), 2);
    // Same inputs → same runs: rerun seed 1 alone and compare with its runs above.
    let one = UtilityConfig {
        seeds: vec![1],
        ..cfg.clone()
    };
    let again = run_utility(&set.train, &set.test, &set.schema, &gens, &one).unwrap();
    let seed1: Vec<_> = rep.runs.iter().filter(|r| r.seed == 1).cloned().collect();
    assert_eq!(seed1, again.runs);
    // The report survives JSON.
    let json = serde_json::to_string(&rep).unwrap();
    let back: synthkit_eval::utility::UtilityReport = serde_json::from_str(&json).unwrap();
    assert_eq!(rep, back);
}

#[test]
fn utility_errors_name_the_fix() {
    let set = common::real_set("thyroid_sick");
    let mut cfg = config(&set);
    cfg.baselines.clear();
    cfg.baselines_auto = false;
    cfg.classifiers.truncate(1);
    // Too few synthetic rare rows for ratio 2.
    let pool = rare_pool(&set, 1);
    let gens = [GeneratorRows {
        name: "g".into(),
        full: None,
        rare: Some(SyntheticSource::Pool(&pool)),
    }];
    let e = run_utility(&set.train, &set.test, &set.schema, &gens, &cfg).unwrap_err();
    assert!(
        matches!(
            e,
            EvalError::NotEnoughRows {
                needed: 324,
                available: 162,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("sample more rows"), "{e}");
    // One frame per seed, but only two frames for three seeds.
    let frames = [pool.clone(), pool.clone()];
    let gens = [GeneratorRows {
        name: "g".into(),
        full: None,
        rare: Some(SyntheticSource::PerSeed(&frames)),
    }];
    let e = run_utility(&set.train, &set.test, &set.schema, &gens, &cfg).unwrap_err();
    assert!(
        matches!(
            e,
            EvalError::ShapeMismatch {
                expected: 3,
                got: 2,
                ..
            }
        ),
        "{e}"
    );
    // Bad settings are caught before any work.
    cfg.ratios = vec![0.0];
    let e = run_utility(&set.train, &set.test, &set.schema, &[], &cfg).unwrap_err();
    assert!(e.to_string().contains("ratios"), "{e}");
    // A rare value that does not occur.
    let cfg = UtilityConfig {
        seeds: vec![0],
        ..UtilityConfig::new(&set.target, "no-such-class")
    };
    let e = run_utility(&set.train, &set.test, &set.schema, &[], &cfg).unwrap_err();
    assert!(matches!(e, EvalError::EmptyClass { .. }), "{e}");
}

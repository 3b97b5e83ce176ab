//! The Gaussian copula and the flow-matching generator on the real ai4i data, and the condition
//! modes (force / reject) with their adherence report. Every test that draws from the device
//! RNG (process-global on burn-flex) is `#[serial]`.

mod common;

use common::*;
use polars::prelude::*;
use serial_test::serial;
use synthkit_data::{ContinuousEncoding, Schema, SchemaOptions, TransformerParams};
use synthkit_models::{CopulaConfig, FlowConfig, ModelConfig};
use synthkit_train::*;

fn opts(seed: u64) -> TrainOptions {
    TrainOptions {
        seed,
        ..Default::default()
    }
}

/// The whole ai4i training split with TabDDPM's quantile-normal encoding.
fn full_ai4i() -> (
    DataFrame,
    synthkit_data::DataTransformer,
    synthkit_data::Matrix,
) {
    let df = synthkit_data::io::read_table(&ai4i_path()).expect("ai4i train.csv");
    let schema = Schema::infer(
        &df,
        &SchemaOptions {
            target: Some(TARGET.into()),
            ..Default::default()
        },
    )
    .unwrap();
    let tr = TransformerParams {
        continuous: ContinuousEncoding::Quantile,
        ..Default::default()
    }
    .fit(&df, &schema)
    .unwrap();
    let m = tr.transform(&df, 0).unwrap();
    (df, tr, m)
}

fn floats(df: &DataFrame, col: &str) -> Vec<f64> {
    df.column(col)
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Float64)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn corr(a: &[f64], b: &[f64]) -> f64 {
    let (ma, mb) = (mean(a), mean(b));
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

fn class_rows(df: &DataFrame, class: &str) -> DataFrame {
    let keep: Vec<bool> = strings(df, TARGET).iter().map(|v| v == class).collect();
    df.filter(&BooleanChunked::from_slice("k".into(), &keep))
        .unwrap()
}

/// The copula keeps each class's column means and the rpm–torque dependence of the real rows.
///
/// Tolerances: a generated mean over 3000 rows has a standard error of sd/√3000 (torque sd ≈ 10
/// within a class: 0.2); the real failures' mean over 237 rows one of ≈ 0.9, so 3 Nm is over 3
/// standard errors of the difference; and the failures' torque mean (≈ 50 Nm) is ≈ 10 Nm from the
/// majority's (≈ 40 Nm), so a copula that ignored the class would miss by ≈ 10. The rpm–torque
/// correlation of the majority rows is −0.88; a correlation over 3000 rows has a standard error
/// of (1 − r²)/√3000 ≈ 0.004, so 0.05 is a wide band that an independence model (0) misses.
#[test]
#[serial]
fn the_copula_keeps_class_means_and_dependences() {
    let (df, tr, m) = full_ai4i();
    let cfg = ModelConfig::Copula(CopulaConfig::default());
    let t0 = std::time::Instant::now();
    let model = fit(&cfg, tr, &m, &opts(3)).unwrap();
    assert!(
        t0.elapsed().as_secs_f64() < 10.0,
        "closed-form fit took {:?}",
        t0.elapsed()
    );
    assert!(model.losses().is_empty());
    for (class, n) in [("1", 3000), ("0", 3000)] {
        let s = model.sample_where(TARGET, class, n, 5).unwrap();
        assert_eq!(s.height(), n);
        assert!(strings(&s, TARGET).iter().all(|v| v == class));
        let real = class_rows(&df, class);
        let (g, r) = (
            mean(&floats(&s, "Torque [Nm]")),
            mean(&floats(&real, "Torque [Nm]")),
        );
        eprintln!("copula class {class}: torque {g:.2} vs real {r:.2}");
        assert!((g - r).abs() < 3.0, "class {class}: torque {g} vs real {r}");
        if class == "0" {
            let rc = corr(
                &floats(&real, "Rotational speed [rpm]"),
                &floats(&real, "Torque [Nm]"),
            );
            let gc = corr(
                &floats(&s, "Rotational speed [rpm]"),
                &floats(&s, "Torque [Nm]"),
            );
            eprintln!("copula rpm–torque {gc:.3} vs real {rc:.3}");
            assert!((gc - rc).abs() < 0.05, "rpm–torque {gc} vs real {rc}");
        }
    }
    // Unconditional rows follow the class balance (3.4 % failures; SE over 5000 rows 0.0026).
    let s = model.sample(5000, 6).unwrap();
    let share = strings(&s, TARGET).iter().filter(|v| *v == "1").count() as f64 / 5000.0;
    eprintln!("copula failure share {share:.4}");
    assert!(
        (share - 237.0 / 7000.0).abs() < 0.012,
        "failure share {share}"
    );
    // Seeds, save/load.
    assert_eq!(model.sample(50, 1).unwrap(), model.sample(50, 1).unwrap());
    assert_ne!(model.sample(50, 1).unwrap(), model.sample(50, 2).unwrap());
    let dir = tempfile::tempdir().unwrap().path().join("copula");
    model.save(&dir, false).unwrap();
    let back = FittedModel::load(&dir, DeviceChoice::Cpu).unwrap();
    assert_eq!(
        back.sample_matrix(300, 8, None).unwrap(),
        model.sample_matrix(300, 8, None).unwrap()
    );
    // A label-conditioned model cannot reject: its rows carry the label by construction.
    let e = model
        .sample_where_with(TARGET, "1", 10, 0, ConditionMode::Reject)
        .unwrap_err();
    assert!(e.to_string().contains("label"), "{e}");
    // The copula needs the quantile encoding.
    let (_, mode_tr, mode_m) = fixture();
    let e = fit(&cfg, mode_tr.clone(), mode_m, &opts(0)).unwrap_err();
    assert!(e.to_string().contains("quantile"), "{e}");
}

fn tiny_flow(steps: usize) -> ModelConfig {
    ModelConfig::Flow(FlowConfig {
        d_layers: vec![32, 32],
        dim_t: 16,
        batch_size: 128,
        steps,
        steps_per_block: 5,
        sampling_steps: 8,
        ..Default::default()
    })
}

#[test]
#[serial]
fn flow_samples_exact_classes_round_trips_and_resumes_exactly() {
    let (_, tr, m) = quantile_fixture();
    let model = fit(&tiny_flow(10), tr.clone(), m, &opts(2)).unwrap();
    assert_eq!(model.losses().len(), 2);
    assert!(
        model
            .losses()
            .iter()
            .all(|l| l.get("loss").unwrap().is_finite())
    );
    assert!(model.is_conditional());
    for n in [1usize, 37, 4097] {
        let s = model.sample_where(TARGET, "1", n, 9).unwrap();
        assert_eq!(s.height(), n);
        assert!(strings(&s, TARGET).iter().all(|v| v == "1"));
    }
    let e = model.sample_where("Type", "L", 5, 1).unwrap_err();
    assert!(matches!(e, TrainError::Unconditionable { .. }), "{e}");
    // Same seed, same rows; save/load gives the same rows.
    let a = model.sample_matrix(200, 4, None).unwrap();
    assert_eq!(a, model.sample_matrix(200, 4, None).unwrap());
    assert_ne!(a, model.sample_matrix(200, 5, None).unwrap());
    let dir = tempfile::tempdir().unwrap();
    model.save(&dir.path().join("m"), false).unwrap();
    let back = FittedModel::load(&dir.path().join("m"), DeviceChoice::Cpu).unwrap();
    assert_eq!(back.sample_matrix(200, 4, None).unwrap(), a);
    // A run stopped after one block and resumed equals the uninterrupted one.
    let ck = TrainOptions {
        seed: 2,
        checkpoint_every: Some(1),
        checkpoint_dir: Some(dir.path().join("ck")),
        max_blocks_this_run: Some(1),
        ..Default::default()
    };
    let part = fit(&tiny_flow(10), tr.clone(), m, &ck).unwrap();
    assert_eq!(part.losses().len(), 1);
    let resumed = fit(
        &tiny_flow(10),
        tr.clone(),
        m,
        &TrainOptions {
            resume: true,
            max_blocks_this_run: None,
            ..ck
        },
    )
    .unwrap();
    assert_eq!(resumed.sample_matrix(200, 4, None).unwrap(), a);
}

/// The flow learns the class-conditional torque shift of ai4i's failures: with the base
/// network and 300 steps on the 7000 rows, the generated failures' torque mean sits far closer to
/// the real failures' (≈ 50 Nm) than to the majority's (≈ 40 Nm).
#[test]
#[serial]
fn flow_learns_the_failures_torque_shift() {
    let (df, tr, m) = full_ai4i();
    let cfg = ModelConfig::Flow(FlowConfig {
        steps: 300,
        ..Default::default()
    });
    let model = fit(&cfg, tr, &m, &opts(1)).unwrap();
    let s = model.sample_where(TARGET, "1", 1000, 2).unwrap();
    let g = mean(&floats(&s, "Torque [Nm]"));
    let fail = mean(&floats(&class_rows(&df, "1"), "Torque [Nm]"));
    let major = mean(&floats(&class_rows(&df, "0"), "Torque [Nm]"));
    eprintln!("flow failures torque {g:.2}, real {fail:.2}, majority {major:.2}");
    assert!(
        (g - fail).abs() < 0.35 * (fail - major).abs(),
        "generated {g}, real failures {fail}, majority {major}"
    );
}

/// Force overwrites the condition and reports how many generated rows already carried it;
/// reject returns only rows that generated the class themselves, exactly n of them.
#[test]
#[serial]
fn force_reports_adherence_and_reject_keeps_only_adhering_rows() {
    let (_, tr, m) = fixture();
    let model = fit(&tiny_ctgan(3), tr.clone(), m, &opts(4)).unwrap();
    let (s, rep) = model
        .sample_where_with(TARGET, "1", 500, 1, ConditionMode::Force)
        .unwrap();
    assert_eq!((s.height(), rep.requested, rep.generated), (500, 500, 500));
    let a = rep.adherence().unwrap();
    eprintln!("tiny CTGAN (3 epochs) raw adherence to the rare class: {a:.3}");
    assert!((0.0..=1.0).contains(&a));
    assert!(strings(&s, TARGET).iter().all(|v| v == "1"));
    match model.sample_where_with(TARGET, "1", 200, 1, ConditionMode::Reject) {
        Ok((s, rep)) => {
            assert_eq!(s.height(), 200);
            assert!(strings(&s, TARGET).iter().all(|v| v == "1"));
            assert!(rep.generated >= 200 && rep.adhering.unwrap() >= 200);
        }
        Err(e) => {
            // Only when the tiny model almost never generates the class itself.
            assert!(matches!(e, TrainError::RejectExhausted { .. }), "{e}");
            assert!(a < 1.0 / REJECT_DRAWS_PER_ROW as f64, "adherence {a}");
        }
    }
}

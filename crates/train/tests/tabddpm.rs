//! TabDDPM end to end on tiny models: learning a class-conditional two-mode mixture, exact-n
//! conditional sampling, save/load, seeds, resume and configuration errors. Every test draws from
//! the device RNG, which is process-global on burn-flex: all `#[serial]`.

mod common;

use common::*;
use polars::prelude::*;
use serial_test::serial;
use synthkit_data::{ContinuousEncoding, Schema, SchemaOptions, TransformerParams};
use synthkit_models::{ModelConfig, TabDdpmConfig};
use synthkit_train::*;

fn opts(seed: u64) -> TrainOptions {
    TrainOptions {
        seed,
        ..Default::default()
    }
}

/// x ~ N(−2, 0.3²) when y = "a", N(+2, 0.3²) when y = "b" (y is 30 % "b"); c copies y 90 % of
/// the time.
fn mixture(n: usize) -> DataFrame {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let (mut x, mut y, mut c) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..n {
        let b = rng.random::<f64>() < 0.3;
        // Box–Muller.
        let (u1, u2): (f64, f64) = (rng.random::<f64>().max(1e-12), rng.random());
        let noise = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        x.push(if b { 2.0 } else { -2.0 } + 0.3 * noise);
        y.push(if b { "b" } else { "a" });
        let copy = rng.random::<f64>() < 0.9;
        c.push(if b == copy { "q" } else { "p" });
    }
    df!("x" => x, "c" => c, "y" => y).unwrap()
}

#[test]
#[serial]
fn a_tiny_model_learns_a_class_conditional_two_mode_mixture() {
    let df = mixture(2000);
    let schema = Schema::infer(
        &df,
        &SchemaOptions {
            categorical: vec!["c".into(), "y".into()],
            continuous: vec!["x".into()],
            target: Some("y".into()),
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
    let cfg = ModelConfig::TabDdpm(TabDdpmConfig {
        d_layers: vec![64, 64],
        dim_t: 32,
        num_timesteps: 50,
        batch_size: 256,
        lr: 3e-3,
        weight_decay: 0.0,
        ema_decay: 0.99,
        steps: 800,
        steps_per_block: 100,
        ..Default::default()
    });
    let t0 = std::time::Instant::now();
    let model = fit(&cfg, tr, &m, &opts(1)).unwrap();
    eprintln!("800 steps in {:.1}s", t0.elapsed().as_secs_f64());
    let first = model.losses()[0].get("loss").unwrap();
    let last = model.losses().last().unwrap().get("loss").unwrap();
    assert!(last < first, "loss should fall: {first} -> {last}");
    for (class, sign) in [("a", -1.0), ("b", 1.0)] {
        let s = model.sample_where("y", class, 400, 3).unwrap();
        assert_eq!(s.height(), 400);
        let x: Vec<f64> = s
            .column("x")
            .unwrap()
            .as_materialized_series()
            .f64()
            .unwrap()
            .into_no_null_iter()
            .collect();
        // An untrained model would put about 70 % / 30 % of rows in each mode whatever the label.
        let right_mode = x.iter().filter(|&&v| v * sign > 1.0).count() as f64 / 400.0;
        assert!(
            right_mode > 0.9,
            "y = {class}: {right_mode} in its own mode"
        );
        // And c follows y (90 % agreement in the data).
        let c = strings(&s, "c");
        let agree = c
            .iter()
            .filter(|v| (v.as_str() == "q") == (class == "b"))
            .count() as f64
            / 400.0;
        assert!(agree > 0.75, "y = {class}: c agrees with y in {agree}");
        assert!(strings(&s, "y").iter().all(|v| v == class));
    }
    // Unconditional samples follow the 70/30 class balance.
    let s = model.sample(1000, 4).unwrap();
    let b = strings(&s, "y").iter().filter(|v| *v == "b").count() as f64 / 1000.0;
    assert!((b - 0.3).abs() < 0.06, "share of y = b: {b}");
}

#[test]
#[serial]
fn sample_where_on_the_target_returns_exactly_n_rare_rows_and_other_columns_are_refused() {
    let (df, tr, m) = quantile_fixture();
    let model = fit(&tiny_tabddpm(1), tr.clone(), m, &opts(2)).unwrap();
    assert!(model.is_conditional());
    for n in [1usize, 37, 4097] {
        let s = model.sample_where(TARGET, "1", n, 9).unwrap();
        assert_eq!(s.height(), n);
        assert!(strings(&s, TARGET).iter().all(|v| v == "1"));
    }
    let s = model.sample(50, 1).unwrap();
    assert_eq!(s.get_column_names(), df.get_column_names());
    let e = model.sample_where("Type", "L", 5, 1).unwrap_err();
    assert!(matches!(e, TrainError::Unconditionable { .. }), "{e}");
    assert!(e.to_string().contains(TARGET), "{e}");
    assert!(model.sample_where(TARGET, "7", 5, 1).is_err());
    // Without the label input, no conditioning at all.
    let unc = match tiny_tabddpm(1) {
        ModelConfig::TabDdpm(c) => ModelConfig::TabDdpm(TabDdpmConfig {
            class_conditional: false,
            ..c
        }),
        _ => unreachable!(),
    };
    let model = fit(&unc, tr.clone(), m, &opts(2)).unwrap();
    assert!(!model.is_conditional());
    let e = model.sample_where(TARGET, "1", 5, 1).unwrap_err();
    assert!(e.to_string().contains("class_conditional"), "{e}");
    assert_eq!(model.sample(20, 1).unwrap().height(), 20);
}

#[test]
#[serial]
fn same_seed_same_model_other_seed_other_samples_and_save_load_round_trips() {
    let (_, tr, m) = quantile_fixture();
    let a = fit(&tiny_tabddpm(2), tr.clone(), m, &opts(5)).unwrap();
    let b = fit(&tiny_tabddpm(2), tr.clone(), m, &opts(5)).unwrap();
    let c = fit(&tiny_tabddpm(2), tr.clone(), m, &opts(6)).unwrap();
    let sa = a.sample_matrix(300, 1, None).unwrap();
    assert_eq!(sa, b.sample_matrix(300, 1, None).unwrap());
    assert_ne!(sa, c.sample_matrix(300, 1, None).unwrap());
    assert_ne!(sa, a.sample_matrix(300, 2, None).unwrap());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("ddpm");
    a.save(&dir, false).unwrap();
    assert!(dir.join("denoiser.bpk").exists());
    let back = FittedModel::load(&dir, DeviceChoice::Cpu).unwrap();
    assert_eq!(back.config(), a.config());
    assert_eq!(back.sample_matrix(300, 1, None).unwrap(), sa);
}

#[test]
#[serial]
fn resumed_tabddpm_run_equals_uninterrupted_run() {
    let (_, tr, m) = quantile_fixture();
    let cfg = tiny_tabddpm(3);
    let full = fit(&cfg, tr.clone(), m, &opts(21)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let ck = TrainOptions {
        seed: 21,
        checkpoint_every: Some(2),
        checkpoint_dir: Some(tmp.path().to_path_buf()),
        max_blocks_this_run: Some(1),
        ..Default::default()
    };
    let part = fit(&cfg, tr.clone(), m, &ck).unwrap();
    assert_eq!(part.losses().len(), 1);
    let resumed = fit(
        &cfg,
        tr.clone(),
        m,
        &TrainOptions {
            resume: true,
            max_blocks_this_run: None,
            ..ck
        },
    )
    .unwrap();
    let a: Vec<_> = full.losses().iter().map(|l| l.values.clone()).collect();
    let b: Vec<_> = resumed.losses().iter().map(|l| l.values.clone()).collect();
    assert_eq!(a, b, "loss history");
    assert_eq!(
        full.sample_matrix(100, 3, None).unwrap(),
        resumed.sample_matrix(100, 3, None).unwrap(),
        "EMA weights differ after resume"
    );
}

#[test]
#[serial]
fn invalid_config_and_wrong_transform_are_errors() {
    let (_, qtr, qm) = quantile_fixture();
    let bad = ModelConfig::TabDdpm(TabDdpmConfig {
        num_timesteps: 1,
        ..Default::default()
    });
    let e = fit(&bad, qtr.clone(), qm, &opts(0)).unwrap_err();
    assert!(matches!(e, TrainError::Model(_)), "{e}");
    assert!(e.to_string().contains("num_timesteps"), "{e}");
    // CTGAN and TVAE refuse the quantile transform, naming the fix.
    let e = fit(&tiny_tvae(1), qtr.clone(), qm, &opts(0)).unwrap_err();
    assert!(e.to_string().contains("continuous = \"mode\""), "{e}");
    // TabDDPM also trains on the mode-specific transform (α and modes diffused like any
    // numeric feature and one-hot block).
    let (_, tr, m) = fixture();
    let model = fit(&tiny_tabddpm(1), tr.clone(), m, &opts(0)).unwrap();
    assert_eq!(model.sample(30, 0).unwrap().height(), 30);
}

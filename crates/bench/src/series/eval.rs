//! `synthkit series eval`: the TimeGAN paper's discriminative and predictive scores, per-feature
//! marginal and autocorrelation fidelity, and (for labelled data) the augmentation benchmark: a
//! GRU sequence classifier trained on real training sequences, alone or plus rare-class
//! sequences from TimeGAN or from the jitter / window-slicing / flattened-SMOTE baselines,
//! scored on the real test sequences.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use synthkit_data::io::write_atomic;
use synthkit_data::sequence::{MinMaxScaler, SequenceSet};
use synthkit_eval::metrics::{ClassificationMetrics, MetricOptions};
use synthkit_eval::series::{jitter, series_fidelity, smote_flat, window_slice};
use synthkit_eval::stats::MeanStd;
use synthkit_runs::series::{SeriesConfig, SeriesEval};
use synthkit_runs::{RunError, load_model};
use synthkit_train::series_metrics::{
    POSTHOC_BATCH, PostHocOptions, SequenceClassifier, discriminative_score, predictive_score,
};
use synthkit_train::{DeviceChoice, FittedTimeGan};

use super::markdown::markdown;
use super::report::{AugmentMethod, Augmentation, ScoreRun, Scores, SeriesReport};
use crate::error::{BenchError, BenchResult};

/// Mean ± std of every metric over the repeats.
fn summarise(runs: &[ClassificationMetrics]) -> BTreeMap<String, MeanStd> {
    let mut m = BTreeMap::new();
    for (i, (name, _)) in runs[0].named().iter().enumerate() {
        let v: Vec<f64> = runs.iter().map(|r| r.named()[i].1).collect();
        m.insert(name.to_string(), MeanStd::of(&v));
    }
    m
}

/// Evaluates the TimeGAN of the run directory `run` on the data of `cfg` (read from
/// `config_path`) and writes the report to `out` (JSON) and next to it as Markdown (`.md`).
///
/// # Errors
/// An existing report without `force`, a run without a TimeGAN, data of another shape than the
/// model's, unlabelled or rare-less test sequences, a failed score.
pub fn eval_series(
    cfg: &SeriesConfig,
    config_path: &Path,
    run: &Path,
    out: &Path,
    force: bool,
) -> BenchResult<()> {
    if out.exists() && !force {
        return Err(RunError::OutputExists {
            path: out.to_path_buf(),
        }
        .into());
    }
    let t0 = Instant::now();
    let (model, dir) = load_model::<FittedTimeGan>(run, cfg.train.device)?;
    let train = cfg.data.load_train()?;
    let test = match &cfg.data.test {
        Some(p) => Some(cfg.data.load(p)?),
        None => None,
    };
    if train.features != model.features() || train.seq_len != model.seq_len() {
        return Err(BenchError::SeriesShapeMismatch {
            model_steps: model.seq_len(),
            model_features: model.features().to_vec(),
            data_steps: train.seq_len,
            data_features: train.features.clone(),
        });
    }
    let scaler = MinMaxScaler::fit(&train);
    let real = scaler.transform(&train);
    let ev = &cfg.eval;
    let device = cfg.train.device;

    // Scores: synthetic sets the size of the real training set, label mix as in training.
    let mut runs = Vec::new();
    let mut pred_real = Vec::new();
    let mut disc_rt = Vec::new();
    for r in 0..ev.repeats as u64 {
        let synth = scaler.transform(&model.sample(real.len(), 1000 + r)?);
        let d_opts = PostHocOptions {
            iterations: ev.discriminative_iterations,
            batch_size: POSTHOC_BATCH,
            seed: r,
            device,
        };
        let p_opts = PostHocOptions {
            iterations: ev.predictive_iterations,
            ..d_opts.clone()
        };
        let d = discriminative_score(&real, &synth, &d_opts)?;
        let p = predictive_score(&real, &synth, &p_opts)?;
        pred_real.push(predictive_score(&real, &real, &p_opts)?);
        if let Some(te) = &test {
            disc_rt.push(discriminative_score(&real, &scaler.transform(te), &d_opts)?);
        }
        tracing::info!(repeat = r, discriminative = d, predictive = p, "scores");
        runs.push(ScoreRun {
            seed: r,
            discriminative: d,
            predictive: p,
        });
    }
    let scores = Scores {
        discriminative: MeanStd::of(&runs.iter().map(|r| r.discriminative).collect::<Vec<_>>()),
        predictive: MeanStd::of(&runs.iter().map(|r| r.predictive).collect::<Vec<_>>()),
        predictive_real: MeanStd::of(&pred_real),
        discriminative_real_vs_test: (!disc_rt.is_empty()).then(|| MeanStd::of(&disc_rt)),
        runs,
        discriminative_iterations: ev.discriminative_iterations,
        predictive_iterations: ev.predictive_iterations,
        batch_size: POSTHOC_BATCH,
    };

    // Fidelity in original units.
    let synth = model.sample(train.len(), 999)?;
    let fidelity = series_fidelity(&train, &synth, ev.max_lag)?;
    let n = fidelity.len() as f64;
    let mean_ks = fidelity.iter().map(|f| f.ks_complement).sum::<f64>() / n;
    let mean_acf = fidelity.iter().map(|f| f.acf_abs_diff).sum::<f64>() / n;

    let augmentation = match (&cfg.data.positive, &test, &train.labels) {
        (Some(pos), Some(te), Some(_)) => {
            Some(augment(&model, &scaler, &real, te, pos, ev, device)?)
        }
        _ => None,
    };

    let report = SeriesReport {
        config: config_path.display().to_string(),
        model: dir.display().to_string(),
        sequences_train: train.len(),
        seq_len: train.seq_len,
        features: train.features.clone(),
        iterations_per_phase: model.config().iterations,
        seconds_per_iteration: model.seconds_per_iteration(),
        scores,
        fidelity,
        fidelity_mean_ks_complement: mean_ks,
        fidelity_mean_acf_abs_diff: mean_acf,
        augmentation,
        eval_seconds: t0.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| RunError::Serialize {
        what: "the evaluation report",
        source: Box::new(e),
    })?;
    write_atomic(out, force, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    let md = out.with_extension("md");
    let text = markdown(&report);
    write_atomic(&md, true, |f| std::io::Write::write_all(f, text.as_bytes()))?;
    tracing::info!(report = %out.display(), markdown = %md.display(), "evaluation written");
    Ok(())
}

/// The augmentation benchmark: per repeat, the classifier trained on the real sequences alone
/// and plus `augment_ratio × (majority − minority)` rare sequences from each source.
fn augment(
    model: &FittedTimeGan,
    scaler: &MinMaxScaler,
    real: &SequenceSet,
    test_raw: &SequenceSet,
    positive: &str,
    ev: &SeriesEval,
    device: DeviceChoice,
) -> BenchResult<Augmentation> {
    let test = scaler.transform(test_raw);
    let pos_idx = real.indices_of(positive)?;
    let n_pos = pos_idx.len();
    let n_neg = real.len() - n_pos;
    let add = ((n_neg.saturating_sub(n_pos)) as f64 * ev.augment_ratio).round() as usize;
    let minority = real.select(&pos_idx);
    let y_test: Vec<bool> = test
        .labels
        .as_ref()
        .ok_or(BenchError::UnlabelledTest)?
        .iter()
        .map(|l| l == positive)
        .collect();
    if !y_test.iter().any(|y| *y) {
        return Err(BenchError::NoRareTestSequence {
            positive: positive.to_string(),
        });
    }
    let names = [
        "real only",
        "real + TimeGAN",
        "real + SMOTE (flattened)",
        "real + jitter",
        "real + window slicing",
    ];
    let mut methods: Vec<AugmentMethod> = names
        .iter()
        .map(|m| AugmentMethod {
            method: m.to_string(),
            added_sequences: if *m == "real only" { 0 } else { add },
            runs: Vec::new(),
            mean: BTreeMap::new(),
        })
        .collect();
    for r in 0..ev.repeats as u64 {
        let extra: Vec<Option<SequenceSet>> = vec![
            None,
            Some(scaler.transform(&model.sample_where(positive, add, 2000 + r)?)),
            Some(smote_flat(&minority, add, ev.smote_k, Some(positive), r)?),
            Some(jitter(&minority, add, ev.jitter_sigma, Some(positive), r)?),
            Some(window_slice(
                &minority,
                add,
                ev.slice_ratio,
                Some(positive),
                r,
            )?),
        ];
        for (m, extra) in methods.iter_mut().zip(extra) {
            let train = match extra {
                None => real.clone(),
                Some(e) => real.concat(&e)?,
            };
            let clf = SequenceClassifier::fit(&train, positive, &ev.classifier, r, device)?;
            let p = clf.predict_proba(&test)?;
            let metrics = ClassificationMetrics::compute(&y_test, &p, &MetricOptions::default())?;
            tracing::info!(method = %m.method, repeat = r, pr_auc = metrics.pr_auc, f1 = metrics.minority_f1, "augmentation");
            m.runs.push(metrics);
        }
    }
    for m in &mut methods {
        m.mean = summarise(&m.runs);
    }
    Ok(Augmentation {
        positive: positive.into(),
        train_sequences: real.len(),
        train_positive: n_pos,
        test_sequences: test.len(),
        test_positive: y_test.iter().filter(|y| **y).count(),
        classifier: ev.classifier.clone(),
        methods,
    })
}

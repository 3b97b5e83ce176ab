//! `synthkit eval`: does the trained model's data help, on real held-out rows? Runs TRTR, TSTR
//! and rare-class augmentation against the SMOTE family (crates/eval), plus fidelity (overall
//! and rare-class) and privacy, and writes one JSON report.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_atomic};
use synthkit_data::schema::ensure_class_present;
use synthkit_eval::fidelity::{FidelityReport, fidelity_report};
use synthkit_eval::privacy::{PrivacyOptions, PrivacyReport, privacy_report};
use synthkit_eval::utility::{
    GeneratorRows, SyntheticSource, UtilityConfig, UtilityReport, run_utility,
};
use synthkit_runs::{RunConfig, RunError, load_model};
use synthkit_train::{DeviceChoice, FittedModel};

use crate::error::{BenchError, BenchResult, WithContext};

/// The report `synthkit eval` writes.
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    /// The model directory evaluated.
    pub model: String,
    /// TRTR, TSTR, augmentation and the oversampling baselines over the seeds.
    pub utility: UtilityReport,
    /// Column shapes and pair trends of the seed-0 rows, overall and on the rare class.
    pub fidelity: FidelityReport,
    /// Distances of the seed-0 rows to the training rows.
    pub privacy: PrivacyReport,
}

/// Evaluates the model in `run` against the config's test table over `seeds` seeds and writes
/// the report to `out`.
///
/// # Errors
/// An existing report without `force`, a config without rare class or test table, unreadable
/// data, a run without a model, a failed evaluation.
pub fn eval(
    cfg: &RunConfig,
    run: &Path,
    seeds: u64,
    out: &Path,
    force: bool,
    device: DeviceChoice,
) -> BenchResult<EvalReport> {
    if out.exists() && !force {
        return Err(RunError::OutputExists {
            path: out.to_path_buf(),
        }
        .into());
    }
    let (Some(target), Some(positive)) = (&cfg.data.target, &cfg.data.positive) else {
        return Err(BenchError::EvalWithoutRareClass);
    };
    let Some(test_path) = &cfg.data.test else {
        return Err(BenchError::EvalWithoutTest);
    };
    let train = cfg.data.read_train()?;
    let test = read_table(test_path)?;
    let schema = Schema::infer(&train, &cfg.data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", cfg.data.train.display()))?;
    let rare = ensure_class_present(&train, target, positive, "the training file")?;
    ensure_class_present(&test, target, positive, "the test file")?;

    let (model, dir) = load_model::<FittedModel>(run, device)?;
    let ucfg = UtilityConfig {
        target: target.clone(),
        positive: positive.clone(),
        seeds: (0..seeds).collect(),
        ..UtilityConfig::default()
    };
    let max_ratio = ucfg.ratios.iter().copied().fold(0.0, f64::max);
    let n_rare = (max_ratio * rare as f64).ceil() as usize;
    let (mut full, mut rare_rows) = (Vec::new(), Vec::new());
    for s in &ucfg.seeds {
        full.push(model.sample(train.height(), *s)?);
        rare_rows.push(model.sample_where(target, positive, n_rare, *s)?);
    }
    tracing::info!(
        seeds,
        rows = train.height(),
        rare_rows = n_rare,
        "synthetic rows sampled"
    );
    let generators = [GeneratorRows {
        name: model.config().kind().to_string(),
        full: Some(SyntheticSource::PerSeed(&full)),
        rare: Some(SyntheticSource::PerSeed(&rare_rows)),
    }];
    let utility = run_utility(&train, &test, &schema, &generators, &ucfg)?;
    let fidelity = fidelity_report(&test, &full[0], &schema, target, positive)?;
    let privacy = privacy_report(&train, &test, &full[0], &schema, &PrivacyOptions::default())?;
    let report = EvalReport {
        model: dir.display().to_string(),
        utility,
        fidelity,
        privacy,
    };
    let json = serde_json::to_string_pretty(&report).map_err(|e| RunError::Serialize {
        what: "the evaluation report",
        source: Box::new(e),
    })?;
    write_atomic(out, force, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    tracing::info!(out = %out.display(), "evaluation written");
    Ok(report)
}

impl EvalReport {
    /// The headline numbers as text lines: PR-AUC per arm and classifier, and the fidelity
    /// means.
    pub fn headline(&self) -> String {
        let (u, f) = (&self.utility, &self.fidelity);
        let mut s = String::from("arm | classifier | PR-AUC mean ± std | ROC-AUC mean\n");
        for a in &u.summary {
            let _ = writeln!(
                s,
                "{} | {} | {:.4} ± {:.4} | {:.4}",
                serde_json::to_string(&a.arm).unwrap_or_default(),
                a.classifier,
                a.pr_auc.mean,
                a.pr_auc.std,
                a.roc_auc.mean
            );
        }
        let fmt = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{v:.4}"));
        let _ = writeln!(
            s,
            "fidelity (vs real test): overall {}, rare class {}",
            fmt(f.overall.overall),
            fmt(f.rare_class.overall)
        );
        s
    }
}

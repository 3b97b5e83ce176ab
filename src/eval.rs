//! `synthkit eval`: does the trained model's data help, on real held-out rows? Runs TRTR, TSTR and
//! rare-class augmentation against the SMOTE family (crates/eval), plus fidelity (overall and
//! rare-class) and privacy, and writes one JSON report.

use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_atomic};
use synthkit_data::schema::ensure_class_present;
use synthkit_eval::fidelity::{FidelityReport, fidelity_report};
use synthkit_eval::privacy::{PrivacyOptions, PrivacyReport, privacy_report};
use synthkit_eval::utility::{
    GeneratorRows, SyntheticSource, UtilityConfig, UtilityReport, run_utility,
};
use synthkit_train::{DeviceChoice, FittedModel};

use crate::config::RunConfig;

/// The report `synthkit eval` writes.
#[derive(Serialize)]
struct EvalReport {
    model: String,
    utility: UtilityReport,
    fidelity: FidelityReport,
    privacy: PrivacyReport,
}

/// Evaluates the model in `run` against the config's test table over `seeds` seeds.
pub fn eval(
    cfg: &RunConfig,
    run: &Path,
    seeds: u64,
    out: &Path,
    force: bool,
    device: DeviceChoice,
) -> Result<()> {
    if out.exists() && !force {
        bail!("`{}` exists; pass --force to overwrite it", out.display());
    }
    let (Some(target), Some(positive)) = (&cfg.data.target, &cfg.data.positive) else {
        bail!("eval needs `target` and `positive` in [data]: the rare class to augment");
    };
    let Some(test_path) = &cfg.data.test else {
        bail!("eval needs `test` in [data]: a real held-out table");
    };
    let train = read_table(&cfg.data.train)?;
    let test = read_table(test_path)?;
    let schema = Schema::infer(&train, &cfg.data.schema_options())?;
    let rare = ensure_class_present(&train, target, positive, "the training file")?;
    ensure_class_present(&test, target, positive, "the test file")?;

    let dir = crate::fit::model_dir(run)?;
    let model = FittedModel::load(&dir, device)
        .with_context(|| format!("cannot load the model in `{}`", dir.display()))?;
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
    let json = serde_json::to_string_pretty(&report)?;
    write_atomic(out, force, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    summary(&report.utility, &report.fidelity);
    tracing::info!(out = %out.display(), "evaluation written");
    Ok(())
}

/// Prints the headline numbers: PR-AUC per arm and classifier, and the fidelity means.
fn summary(u: &UtilityReport, f: &FidelityReport) {
    println!("arm | classifier | PR-AUC mean ± std | ROC-AUC mean");
    for s in &u.summary {
        println!(
            "{} | {} | {:.4} ± {:.4} | {:.4}",
            serde_json::to_string(&s.arm).unwrap_or_default(),
            s.classifier,
            s.pr_auc.mean,
            s.pr_auc.std,
            s.roc_auc.mean
        );
    }
    let fmt = |x: Option<f64>| x.map_or("n/a".to_string(), |v| format!("{v:.4}"));
    println!(
        "fidelity (vs real test): overall {}, rare class {}",
        fmt(f.overall.overall),
        fmt(f.rare_class.overall)
    );
}

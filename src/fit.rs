//! `synthkit fit`: load, type, transform, train, save.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::Serialize;
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_atomic};
use synthkit_data::schema::ensure_class_present;
use synthkit_train::{FittedModel, TrainOptions};

use crate::config::RunConfig;

/// Command-line switches of `fit` and `series fit` that are not part of the config.
#[derive(clap::Args, Debug, Clone, Copy)]
pub struct FitFlags {
    /// Continue from the newest checkpoint in `<run>/checkpoints`.
    #[arg(long)]
    pub resume: bool,
    /// Replace an existing trained model in the run directory (and start over, deleting an
    /// earlier run's checkpoints, unless --resume).
    #[arg(long)]
    pub force: bool,
    /// Hide the progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// Timings and sizes of one `fit`, written to `<run>/fit.json`.
#[derive(Serialize)]
struct FitSummary<'a> {
    rows: usize,
    encoded_dim: usize,
    cond_dim: usize,
    load_seconds: f64,
    transformer_fit_seconds: f64,
    transformer_fit_seconds_per_column: Vec<(&'a str, f64)>,
    transform_seconds: f64,
    train_seconds: f64,
    epochs: usize,
    /// Optimiser steps of a step-counted model (TabDDPM), for seconds per 1000 steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    steps: Option<usize>,
    device: String,
}

/// The model directory inside a run directory (`<run>/model`), or `dir` itself if it holds a
/// model.
pub fn model_dir(dir: &Path) -> Result<PathBuf> {
    for d in [dir.join("model"), dir.to_path_buf()] {
        if d.join("model.json").exists() {
            return Ok(d);
        }
    }
    if !dir.exists() {
        bail!(
            "`{}` does not exist; train a model first with `synthkit fit --config …`",
            dir.display()
        );
    }
    bail!(
        "`{}` holds no trained model (no model.json); train one with `synthkit fit`",
        dir.display()
    )
}

/// Checks the checkpoint directory of a run before training starts. Resuming uses it as it
/// is. A fresh run refuses to start over checkpoints of an earlier run (that would silently
/// drop its progress, or leave a later `--resume` picking up a checkpoint of another run)
/// unless `force`, which removes them.
pub fn prepare_checkpoints(dir: &Path, resume: bool, force: bool) -> Result<()> {
    let has_any = synthkit_train::newest_checkpoint(dir)
        .with_context(|| format!("reading `{}`", dir.display()))?
        .is_some();
    if resume || !has_any {
        return Ok(());
    }
    if !force {
        bail!(
            "`{}` holds checkpoints of an earlier run: pass --resume to continue it, or --force \
             to start over (which deletes them)",
            dir.display()
        );
    }
    std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove `{}`", dir.display()))?;
    tracing::info!(dir = %dir.display(), "removed the checkpoints of the earlier run (--force)");
    Ok(())
}

/// Runs the whole fit.
pub fn fit(cfg: &RunConfig, out: &Path, flags: &FitFlags) -> Result<()> {
    let model_path = out.join("model");
    if model_path.exists() && !flags.force {
        bail!(
            "`{}` already holds a trained model; pass --force to replace it, or choose another `--out`",
            model_path.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("cannot create `{}`", out.display()))?;
    prepare_checkpoints(&out.join("checkpoints"), flags.resume, flags.force)?;

    let t0 = Instant::now();
    let df = read_table(&cfg.data.train)?;
    let schema = Schema::infer(&df, &cfg.data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", cfg.data.train.display()))?;
    if let (Some(target), Some(positive)) = (&cfg.data.target, &cfg.data.positive) {
        let what = format!("the training file `{}`", cfg.data.train.display());
        let n = ensure_class_present(&df, target, positive, &what)?;
        tracing::info!(target = %target, positive = %positive, rows = n, "rare class");
    }
    let load_seconds = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let transformer = cfg
        .transform
        .fit(&df, &schema)
        .with_context(|| format!("fitting the transform of `{}`", cfg.data.train.display()))?;
    let transformer_fit_seconds = t1.elapsed().as_secs_f64();
    tracing::info!(
        seconds = transformer_fit_seconds,
        dim = transformer.layout().dim(),
        "transformer fitted"
    );

    let t2 = Instant::now();
    let matrix = transformer.transform(&df, cfg.train.seed)?;
    let transform_seconds = t2.elapsed().as_secs_f64();

    let opts = TrainOptions {
        device: cfg.train.device,
        seed: cfg.train.seed,
        checkpoint_every: (cfg.train.checkpoint_every > 0).then_some(cfg.train.checkpoint_every),
        checkpoint_dir: Some(out.join("checkpoints")),
        resume: flags.resume,
        progress: !flags.quiet,
        max_blocks_this_run: None,
    };
    let t3 = Instant::now();
    let per_column: Vec<(String, f64)> = transformer
        .columns()
        .iter()
        .zip(transformer.fit_seconds())
        .map(|(c, s)| (c.name.clone(), *s))
        .collect();
    let (rows, dim, cond_dim) = (
        matrix.rows(),
        transformer.layout().dim(),
        transformer.layout().cond_dim(),
    );
    let model = synthkit_train::fit(&cfg.model, transformer, &matrix, &opts)?;
    let train_seconds = t3.elapsed().as_secs_f64();

    model.save(&model_path, flags.force)?;
    let resolved = toml::to_string_pretty(cfg).context("serialising the resolved config")?;
    write_atomic(&out.join("config.resolved.toml"), true, |f| {
        std::io::Write::write_all(f, resolved.as_bytes())
    })?;
    let summary = FitSummary {
        rows,
        encoded_dim: dim,
        cond_dim,
        load_seconds,
        transformer_fit_seconds,
        transformer_fit_seconds_per_column: per_column
            .iter()
            .map(|(n, s)| (n.as_str(), *s))
            .collect(),
        transform_seconds,
        train_seconds,
        epochs: model.losses().len(),
        steps: match cfg.model.budget() {
            synthkit_models::Budget::Steps(s) => Some(s),
            _ => None,
        },
        device: format!("{:?}", cfg.train.device).to_lowercase(),
    };
    let json = serde_json::to_string_pretty(&summary)?;
    write_atomic(&out.join("fit.json"), true, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    tracing::info!(
        model = %model_path.display(),
        transformer_s = format!("{transformer_fit_seconds:.2}"),
        train_s = format!("{train_seconds:.1}"),
        "model saved"
    );
    let _: &FittedModel = &model;
    Ok(())
}

//! The tabular commands: `fit`, `sample`, `eval`, `bench` and `augment`, as arguments and thin calls into
//! `synthkit-runs` and `synthkit-bench`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use synthkit_bench::{AugmentConfig, AugmentFlags, BenchConfig, BenchFlags};
use synthkit_models::Budget;
use synthkit_runs::{RunConfig, SampleRequest};

use crate::{DeviceArg, FitFlags};

#[derive(clap::Args, Debug)]
pub struct FitArgs {
    /// The TOML run configuration (see configs/).
    #[arg(long)]
    config: PathBuf,
    /// Override `[train] device`.
    #[arg(long, value_enum)]
    device: Option<DeviceArg>,
    /// Override `[train] seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override the model's `epochs` (CTGAN, TVAE: passes over the training rows).
    #[arg(long, conflicts_with = "steps")]
    epochs: Option<usize>,
    /// Override the model's `steps` (TabDDPM: optimiser steps).
    #[arg(long)]
    steps: Option<usize>,
    /// Override `[train] out`, the run directory.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    flags: FitFlags,
}

#[derive(clap::Args, Debug)]
pub struct SampleArgs {
    /// A run directory written by `synthkit fit` (or its `model/` subdirectory).
    #[arg(long)]
    model: PathBuf,
    /// Number of rows.
    #[arg(long)]
    rows: usize,
    /// Only rows with this value of a categorical column, as `column=value`; exactly `--rows`
    /// rows are returned, without rejection sampling.
    #[arg(long = "where", value_name = "COLUMN=VALUE")]
    condition: Option<String>,
    /// Seed of the sampling noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (.csv or .parquet).
    #[arg(long)]
    out: PathBuf,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    force: bool,
    /// Where to run the model.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
}

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// The TOML run configuration the model was trained with (its [data] names train and test).
    #[arg(long)]
    config: PathBuf,
    /// The run directory (default: the config's `[train] out`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Repetitions (sampling and classifier seeds 0..N).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Report file (default: `<run>/eval.json`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite the report if it exists.
    #[arg(long)]
    force: bool,
    /// Where to run the model.
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceArg,
}

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// The TOML bench configuration (see configs/bench-*.toml).
    #[arg(long)]
    config: PathBuf,
    /// Override the config's `out` directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Run only this data set (repeatable).
    #[arg(long)]
    only: Vec<String>,
    /// Hide the progress bars.
    #[arg(long)]
    quiet: bool,
    /// Run no cell: assemble the reports from the replicates that have finished.
    #[arg(long)]
    assemble_only: bool,
}

#[derive(clap::Args, Debug)]
pub struct AugmentArgs {
    /// The TOML augment configuration (see configs/augment-*.toml).
    #[arg(long)]
    config: PathBuf,
    /// The augmented training table to write (`.csv` or `.parquet`); `<out>.augment.md` and
    /// `<out>.augment.json` say what was chosen and why.
    #[arg(long)]
    out: PathBuf,
    /// Override the config's `seed` (the validation split, the generators, the draws).
    #[arg(long)]
    seed: Option<u64>,
    /// Overwrite `--out` if it exists.
    #[arg(long)]
    force: bool,
    /// Write the best generator arm even when the real rows alone win on validation.
    #[arg(long)]
    force_augment: bool,
    /// Hide the progress bars.
    #[arg(long)]
    quiet: bool,
}

/// `synthkit fit`: the config with the flags' overrides, fitted into its run directory.
pub fn fit(a: &FitArgs) -> Result<()> {
    let mut cfg = RunConfig::load(&a.config)?;
    if let Some(d) = a.device {
        cfg.train.device = d.into();
    }
    if let Some(s) = a.seed {
        cfg.train.seed = s;
    }
    if let Some(e) = a.epochs {
        cfg.model
            .set_budget(Budget::Epochs(e))
            .context("--epochs")?;
    }
    if let Some(s) = a.steps {
        cfg.model.set_budget(Budget::Steps(s)).context("--steps")?;
    }
    let out = a.out.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    synthkit_runs::fit(&cfg, &out, &a.flags.into())?;
    Ok(())
}

/// `synthkit sample`: rows from a run's model, of one class with `--where`.
pub fn sample(a: &SampleArgs) -> Result<()> {
    if a.rows == 0 {
        bail!("--rows must be at least 1");
    }
    let condition = match &a.condition {
        None => None,
        Some(c) => {
            let Some((col, val)) = c.split_once('=') else {
                bail!("--where `{c}` is not of the form COLUMN=VALUE");
            };
            Some((col.trim(), val.trim()))
        }
    };
    synthkit_runs::sample_to_file(&SampleRequest {
        run: &a.model,
        rows: a.rows,
        condition,
        seed: a.seed,
        out: &a.out,
        force: a.force,
        device: a.device.into(),
    })?;
    Ok(())
}

/// `synthkit eval`: the run's model against the config's test table; prints the headline.
pub fn eval(a: &EvalArgs) -> Result<()> {
    if a.seeds == 0 {
        bail!("--seeds must be at least 1");
    }
    let cfg = RunConfig::load(&a.config)?;
    let run = a.model.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    let out = a.out.clone().unwrap_or_else(|| run.join("eval.json"));
    let report = synthkit_bench::eval(&cfg, &run, a.seeds, &out, a.force, a.device.into())?;
    print!("{}", report.headline());
    Ok(())
}

/// `synthkit bench`: the whole matrix of a bench config; prints the summary.
pub fn bench(a: &BenchArgs) -> Result<()> {
    let cfg = BenchConfig::load(&a.config)?;
    let flags = BenchFlags {
        out: a.out.clone(),
        only: a.only.clone(),
        quiet: a.quiet,
        assemble_only: a.assemble_only,
    };
    let md = synthkit_bench::bench(&cfg, &a.config, &flags)?;
    println!("{md}");
    Ok(())
}

/// `synthkit augment`: the real training rows plus the generated rows that won on validation
/// (or the real rows alone when none did); prints the verdict.
pub fn augment(a: &AugmentArgs) -> Result<()> {
    let mut cfg = AugmentConfig::load(&a.config)?;
    if let Some(s) = a.seed {
        cfg.seed = s;
    }
    let flags = AugmentFlags {
        out: a.out.clone(),
        force: a.force,
        force_augment: a.force_augment,
        quiet: a.quiet,
    };
    let report = synthkit_bench::augment(&cfg, &a.config, &flags)?;
    println!("{}", report.markdown());
    Ok(())
}

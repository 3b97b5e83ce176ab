//! `synthkit series …`: TimeGAN on long-format time series, driven by a TOML config.
//!
//! ```text
//! synthkit series fit    --config configs/cmapss-timegan.toml [--seed N] [--iterations N] [--out DIR] [--resume] [--force] [--quiet]
//! synthkit series sample --model runs/cmapss-timegan --sequences 100 [--label 1] [--seed N] --out seqs.csv [--force]
//! synthkit series eval   --config configs/cmapss-timegan.toml [--model DIR] [--out report.json] [--force]
//! ```
//!
//! The config, fit and sampling are `synthkit_runs::series`; the evaluation (the TimeGAN paper's
//! scores, fidelity and the augmentation benchmark) is `synthkit_bench::series`.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use synthkit_runs::series::{SequenceRequest, SeriesConfig, fit_series, sample_sequences};

use crate::FitFlags;

/// `synthkit series` and its subcommands.
#[derive(clap::Args, Debug)]
pub struct SeriesArgs {
    #[command(subcommand)]
    command: SeriesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum SeriesCommand {
    /// Train TimeGAN on the config's long-format training file; save it to the run directory.
    Fit(FitArgs),
    /// Sample whole sequences (optionally of one label) to a long-format file.
    Sample(SampleArgs),
    /// Discriminative / predictive scores, fidelity and the augmentation benchmark.
    Eval(EvalArgs),
}

#[derive(clap::Args, Debug)]
struct FitArgs {
    /// The TOML configuration (see configs/*-timegan.toml).
    #[arg(long)]
    config: PathBuf,
    /// Override `[train] seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override `[model] iterations` (per phase).
    #[arg(long)]
    iterations: Option<usize>,
    /// Override `[train] out`.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    flags: FitFlags,
}

#[derive(clap::Args, Debug)]
struct SampleArgs {
    /// A run directory written by `synthkit series fit` (or its `model/`).
    #[arg(long)]
    model: PathBuf,
    /// Number of sequences.
    #[arg(long)]
    sequences: usize,
    /// Only sequences of this label (exactly `--sequences` of them, no rejection).
    #[arg(long)]
    label: Option<String>,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (.csv or .parquet), long format.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite `--out`.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// The TOML configuration the model was trained with.
    #[arg(long)]
    config: PathBuf,
    /// The run directory (default `[train] out`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Report file (default `<run>/eval.json`; a Markdown summary is written next to it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite the report.
    #[arg(long)]
    force: bool,
}

/// Runs `synthkit series …`.
pub fn run(args: SeriesArgs) -> Result<()> {
    match args.command {
        SeriesCommand::Fit(a) => fit(&a),
        SeriesCommand::Sample(a) => sample(&a),
        SeriesCommand::Eval(a) => eval(&a),
    }
}

fn fit(a: &FitArgs) -> Result<()> {
    let mut cfg = SeriesConfig::load(&a.config)?;
    if let Some(s) = a.seed {
        cfg.train.seed = s;
    }
    if let Some(i) = a.iterations {
        cfg.model.iterations = i;
        cfg.model.check().context("--iterations")?;
    }
    let out = a.out.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    fit_series(&cfg, &out, &a.flags.into())?;
    Ok(())
}

fn sample(a: &SampleArgs) -> Result<()> {
    if a.sequences == 0 {
        bail!("--sequences must be at least 1");
    }
    sample_sequences(&SequenceRequest {
        run: &a.model,
        sequences: a.sequences,
        label: a.label.as_deref(),
        seed: a.seed,
        out: &a.out,
        force: a.force,
    })?;
    Ok(())
}

fn eval(a: &EvalArgs) -> Result<()> {
    let cfg = SeriesConfig::load(&a.config)?;
    let run = a.model.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    let out = a.out.clone().unwrap_or_else(|| run.join("eval.json"));
    synthkit_bench::eval_series(&cfg, &a.config, &run, &out, a.force)?;
    Ok(())
}

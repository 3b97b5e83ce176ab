//! `synthkit`: train deep generative models on a table and sample synthetic rows from them.
//!
//! ```text
//! synthkit fit    --config configs/ai4i-ctgan.toml [--device cpu|wgpu] [--seed N] [--epochs N] [--resume] [--force]
//! synthkit sample --model runs/ai4i-ctgan --rows 1000 [--where "Machine failure=1"] --out rows.csv [--force]
//! synthkit eval   --config configs/ai4i-ctgan.toml [--seeds 3]   # TRTR/TSTR/augmentation vs SMOTE, fidelity, privacy
//! synthkit bench  --config configs/bench-tabular.toml [--only ai4i]  # the whole matrix + reports
//! synthkit series fit|sample|eval --config configs/cmapss-timegan.toml   # TimeGAN on time series
//! ```

mod bench;
mod config;
mod eval;
mod fit;
mod report;
mod series;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use synthkit_train::{DeviceChoice, FittedModel};

use crate::config::RunConfig;

/// Deep generative models (CTGAN, TVAE) for tabular data and rare-class augmentation.
#[derive(Parser, Debug)]
#[command(name = "synthkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Fit the transformer and train the model a config describes; save it to the run directory.
    Fit(FitArgs),
    /// Sample synthetic rows from a trained model.
    Sample(SampleArgs),
    /// Evaluate a trained model on real held-out data: TRTR, TSTR and rare-class augmentation
    /// against SMOTE-family baselines, fidelity and privacy; writes a JSON report.
    Eval(EvalArgs),
    /// Run a benchmark matrix (data sets × generators × baselines × ratios × seeds) from a bench
    /// config; resumable cell by cell; writes JSON per cell and a Markdown + HTML report per data
    /// set.
    Bench(BenchArgs),
    /// Time series: TimeGAN fit / sample / eval (see `synthkit series --help`).
    Series(series::SeriesArgs),
}

/// Where a model runs.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum DeviceArg {
    /// burn-flex on the CPU.
    Cpu,
    /// burn-wgpu on the GPU (Vulkan, Metal or DX12).
    Wgpu,
}

impl From<DeviceArg> for DeviceChoice {
    fn from(d: DeviceArg) -> Self {
        match d {
            DeviceArg::Cpu => DeviceChoice::Cpu,
            DeviceArg::Wgpu => DeviceChoice::Wgpu,
        }
    }
}

#[derive(clap::Args, Debug)]
struct FitArgs {
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
    flags: fit::FitFlags,
}

#[derive(clap::Args, Debug)]
struct SampleArgs {
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
struct EvalArgs {
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
struct BenchArgs {
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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Fit(a) => {
            let mut cfg = RunConfig::load(&a.config)?;
            if let Some(d) = a.device {
                cfg.train.device = d.into();
            }
            if let Some(s) = a.seed {
                cfg.train.seed = s;
            }
            if let Some(e) = a.epochs {
                cfg.model
                    .set_budget(synthkit_models::Budget::Epochs(e))
                    .context("--epochs")?;
            }
            if let Some(s) = a.steps {
                cfg.model
                    .set_budget(synthkit_models::Budget::Steps(s))
                    .context("--steps")?;
            }
            let out = a.out.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
            fit::fit(&cfg, &out, &a.flags)
        }
        Command::Sample(a) => sample(&a),
        Command::Series(a) => series::run(a),
        Command::Eval(a) => {
            if a.seeds == 0 {
                bail!("--seeds must be at least 1");
            }
            let cfg = RunConfig::load(&a.config)?;
            let run = a.model.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
            let out = a.out.clone().unwrap_or_else(|| run.join("eval.json"));
            eval::eval(&cfg, &run, a.seeds, &out, a.force, a.device.into())
        }
        Command::Bench(a) => {
            let cfg = bench::BenchConfig::load(&a.config)?;
            bench::bench(
                &cfg,
                &a.config,
                &bench::BenchFlags {
                    out: a.out.clone(),
                    only: a.only.clone(),
                    quiet: a.quiet,
                },
            )
        }
    }
}

fn sample(a: &SampleArgs) -> Result<()> {
    if a.rows == 0 {
        bail!("--rows must be at least 1");
    }
    if a.out.exists() && !a.force {
        bail!("`{}` exists; pass --force to overwrite it", a.out.display());
    }
    let dir = fit::model_dir(&a.model)?;
    let model = FittedModel::load(&dir, a.device.into())
        .with_context(|| format!("cannot load the model in `{}`", dir.display()))?;
    let df = match &a.condition {
        None => model.sample(a.rows, a.seed)?,
        Some(c) => {
            let Some((col, val)) = c.split_once('=') else {
                bail!("--where `{c}` is not of the form COLUMN=VALUE");
            };
            model.sample_where(col.trim(), val.trim(), a.rows, a.seed)?
        }
    };
    synthkit_data::io::write_table(&df, &a.out, a.force)?;
    tracing::info!(rows = df.height(), out = %a.out.display(), "samples written");
    Ok(())
}

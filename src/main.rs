//! `synthkit`: train deep generative models on a table and sample synthetic rows from them.
//!
//! ```text
//! synthkit fit    --config configs/ai4i-ctgan.toml [--device cpu|wgpu] [--seed N] [--epochs N] [--resume] [--force]
//! synthkit sample --model runs/ai4i-ctgan --rows 1000 [--where "Machine failure=1"] --out rows.csv [--force]
//! synthkit eval   --config configs/ai4i-ctgan.toml [--seeds 3]   # TRTR/TSTR/augmentation vs SMOTE, fidelity, privacy
//! synthkit bench  --config configs/bench-tabular.toml [--only ai4i]  # the whole matrix + reports
//! synthkit augment --config configs/augment-ai4i.toml --out train-augmented.csv  # rows chosen on validation
//! synthkit series fit|sample|eval --config configs/cmapss-timegan.toml   # TimeGAN on time series
//! ```
//!
//! The work is done by `synthkit-runs` (configs, fit, sample) and `synthkit-bench` (bench,
//! reports, eval); this binary parses the arguments and calls them.

mod series;
mod tabular;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use synthkit_runs::FitSwitches;
use synthkit_train::DeviceChoice;

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
    Fit(tabular::FitArgs),
    /// Sample synthetic rows from a trained model.
    Sample(tabular::SampleArgs),
    /// Evaluate a trained model on real held-out data: TRTR, TSTR and rare-class augmentation
    /// against SMOTE-family baselines, fidelity and privacy; writes a JSON report.
    Eval(tabular::EvalArgs),
    /// Run a benchmark matrix (data sets × generators × baselines × ratios × seeds) from a bench
    /// config; resumable cell by cell; writes JSON per cell and a Markdown + HTML report per data
    /// set.
    Bench(tabular::BenchArgs),
    /// Write an augmented training table: every generator of the config is trained on part of
    /// the training table, every augmentation arm is scored on the held-out rest, and the real
    /// rows plus the winning arm's generated rows (or the real rows alone, when they win) are
    /// written with a `synthkit_synthetic` and a `synthkit_weight` column. Never reads the test
    /// table.
    Augment(tabular::AugmentArgs),
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

/// Command-line switches of `fit` and `series fit` that are not part of the config.
#[derive(clap::Args, Debug, Clone, Copy)]
struct FitFlags {
    /// Continue from the newest checkpoint in `<run>/checkpoints`.
    #[arg(long)]
    resume: bool,
    /// Replace an existing trained model in the run directory (and start over, deleting an
    /// earlier run's checkpoints, unless --resume).
    #[arg(long)]
    force: bool,
    /// Hide the progress bars.
    #[arg(long)]
    quiet: bool,
}

impl From<FitFlags> for FitSwitches {
    fn from(f: FitFlags) -> Self {
        FitSwitches {
            resume: f.resume,
            force: f.force,
            quiet: f.quiet,
        }
    }
}

/// Keeps freed blocks of up to 32 MiB in glibc's heap instead of returning them to the kernel.
/// Sampling allocates a few MB of fresh tensors per 4096-row chunk; with glibc's defaults every
/// one is mapped, faulted in page by page and unmapped again, which was 2.1 s of the 9.4 s of
/// CPU time of 300,000 CTGAN rows (0.24 s with these settings; training is unaffected). See
/// benches/results/sample-speed.md.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes two allocator thresholds; it is called before any other
    // thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 256 << 20);
    }
}

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    // Colours only on a terminal: logs redirected to a file (long benches) stay plain text.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
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
        Command::Fit(a) => tabular::fit(&a),
        Command::Sample(a) => tabular::sample(&a),
        Command::Eval(a) => tabular::eval(&a),
        Command::Bench(a) => tabular::bench(&a),
        Command::Augment(a) => tabular::augment(&a),
        Command::Series(a) => series::run(a),
    }
}

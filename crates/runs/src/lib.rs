//! # synthkit-runs
//!
//! Run directories and what goes into them: everything `synthkit fit`, `synthkit sample` and
//! `synthkit series fit|sample` do, as a library.
//!
//! - [`config`]: the TOML run config of a tabular model ([`RunConfig`]);
//! - [`fit()`]: load, type, transform, train and save a tabular model into a run directory,
//!   with its checkpoints and its [`FitRecord`] (`fit.json`, also read back by the bench report);
//!   [`fit_frame`] does the same from a table in memory, and [`fit_model`] only trains (the
//!   Python package's in-memory fit);
//! - [`sample`]: rows from a run's model, of one class if asked, written to a file;
//! - [`run_dir`]: the one resolver of a run's model directory and the one model loader, for
//!   tabular models and TimeGAN alike ([`RunModel`]), and the default run directory;
//! - [`series`]: TimeGAN's config, fit (with its own `fit.json` record) and sequence sampling;
//! - [`json`]: the JSON files of a run, read and written with errors naming the file;
//! - [`error`]: [`RunError`], which names the file, key or directory at fault and the fix.
//!
//! A run directory holds `model/` (config, fitted transformer, weights, loss history),
//! `config.resolved.toml`, `fit.json` and `checkpoints/block-N/`.
//!
//! ```no_run
//! # fn main() -> synthkit_runs::RunResult<()> {
//! use std::path::Path;
//! use synthkit_runs::{FitSwitches, RunConfig, fit};
//!
//! let config = Path::new("configs/ai4i.toml");
//! let cfg = RunConfig::load(config)?;
//! let record = fit(&cfg, &cfg.out_dir(config), &FitSwitches::default())?;
//! println!("trained {} blocks in {:.1} s", record.epochs, record.train_seconds);
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod config;
pub mod error;
mod fit;
pub mod json;
pub mod record;
pub mod run_dir;
pub mod sample;
pub mod series;

pub use config::{DataSection, RunConfig, TrainSection};
pub use error::{RunError, RunResult, WithContext};
pub use fit::{FitSwitches, TrainTable, fit, fit_frame, fit_model, prepare_checkpoints};
pub use record::FitRecord;
pub use run_dir::{RunModel, load_model, model_dir, out_dir};
pub use sample::{SampleRequest, sample_to_file};

//! # synthkit-train
//!
//! Hand-written training loops for CTGAN, TVAE, TabDDPM and TimeGAN ([`timegan`], with the
//! post-hoc sequence scores in [`series_metrics`]) on any burn device, with exact resume,
//! checkpoints, progress, loss history and conditional sampling without rejection.
//!
//! ```no_run
//! # use synthkit_train::*;
//! # fn run(cfg: &synthkit_models::ModelConfig, tr: synthkit_data::DataTransformer, m: &synthkit_data::Matrix) -> TrainResult<()> {
//! let model = fit(cfg, tr, m, &TrainOptions { progress: true, ..Default::default() })?;
//! let rare = model.sample_where("Machine failure", "1", 1000, 7)?; // exactly 1000 rows
//! model.save(std::path::Path::new("runs/ai4i-ctgan"), false)?;
//! # Ok(()) }
//! ```
//!
//! Reproducibility: the device RNG (process-global on burn-flex) and a host `StdRng` are
//! reseeded at the start of every epoch from `(seed, epoch)`, and before every `sample` call from
//! its seed. On the CPU backend two runs with one seed give identical weights and samples, and a
//! run resumed from a checkpoint gives the same weights as an uninterrupted one.
#![warn(missing_docs)]

pub mod adam;
pub mod cond;
mod ctgan;
pub mod engine;
pub mod error;
pub mod fitted;
pub mod options;
pub mod series_metrics;
mod tabddpm;
pub mod timegan;
mod tvae;

pub use engine::{EpochLosses, newest_checkpoint};
pub use error::{TrainError, TrainResult};
pub use fitted::{FittedModel, MODEL_FORMAT_VERSION, SAMPLE_CHUNK, fit, losses_csv};
pub use options::{DeviceChoice, TrainOptions, epoch_seed};
pub use timegan::{FittedTimeGan, fit_timegan};

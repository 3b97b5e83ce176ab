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
mod checkpoint;
mod copula;
mod ctgan;
mod driver;
pub mod error;
pub mod fitted;
mod flow;
pub mod losses;
pub mod options;
mod parallel;
mod persist;
pub mod series_metrics;
pub mod synthesizer;
mod tabddpm;
mod tensor;
#[cfg(test)]
mod testing;
pub mod timegan;
mod tvae;

pub use checkpoint::newest_checkpoint;
pub use error::{TrainError, TrainResult};
pub use fitted::{
    ConditionMode, ConditionReport, FittedModel, MODEL_FORMAT_VERSION, REJECT_DRAWS_PER_ROW,
    REJECT_MIN_DRAWS, SAMPLE_CHUNK, fit,
};
pub use losses::{BlockLosses, losses_csv, parse_losses_csv};
pub use options::{DeviceChoice, TrainOptions, block_seed};
pub use synthesizer::{Conditioning, Sampler, Synthesizer};
pub use timegan::{FittedTimeGan, fit_timegan};

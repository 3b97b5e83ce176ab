//! `synthkit series fit`: TimeGAN trained on a config's sequences, saved into a run directory
//! with its `fit.json` record.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use synthkit_train::fit_timegan;

use crate::error::RunResult;
use crate::fit::{
    FitSwitches, prepare_run_dir, refuse_existing_model, train_options, write_resolved,
};
use crate::json::{read_json, write_json};
use crate::record::FIT_RECORD;
use crate::series::SeriesConfig;

/// Sizes and timings of one `synthkit series fit`, stored as `<run>/fit.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesFitRecord {
    /// Training sequences (windows).
    pub sequences: usize,
    /// Steps per sequence.
    pub seq_len: usize,
    /// Features per step.
    pub features: usize,
    /// Labels of labelled data, in the model's order.
    pub classes: Vec<String>,
    /// Iterations of each training phase.
    pub iterations_per_phase: usize,
    /// Training, seconds.
    pub train_seconds: f64,
    /// Mean seconds per iteration, per phase.
    pub seconds_per_iteration: BTreeMap<String, f64>,
    /// Device name (`cpu`, `wgpu`).
    pub device: String,
}

impl SeriesFitRecord {
    /// Writes the record into the run directory `run`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, run: &Path) -> RunResult<()> {
        write_json(&run.join(FIT_RECORD), self)
    }

    /// Reads the record of the run directory `run`.
    ///
    /// # Errors
    /// The file is missing or damaged.
    pub fn read(run: &Path) -> RunResult<Self> {
        read_json(&run.join(FIT_RECORD))
    }
}

/// Trains TimeGAN on the config's training sequences into the run directory `out`: the model in
/// `<out>/model`, the resolved config, checkpoints, and `<out>/fit.json`, whose record is
/// returned.
///
/// # Errors
/// An existing model without `force`, checkpoints of an earlier run, unreadable sequences, a
/// bad `rare_train`, a training failure.
pub fn fit_series(
    cfg: &SeriesConfig,
    out: &Path,
    switches: &FitSwitches,
) -> RunResult<SeriesFitRecord> {
    refuse_existing_model(out, switches.force)?;
    let train = cfg.data.load_train()?;
    if let (Some(_), Some(p)) = (&train.labels, &cfg.data.positive) {
        let n = train.indices_of(p)?.len();
        tracing::info!(positive = %p, sequences = n, "rare class");
    }
    prepare_run_dir(out, switches)?;
    let t = &cfg.train;
    let opts = train_options(t.device, t.seed, t.checkpoint_every, out, switches);
    let t0 = Instant::now();
    let model = fit_timegan(&cfg.model, &train, &opts)?;
    let train_seconds = t0.elapsed().as_secs_f64();
    let model_path = out.join("model");
    model.save(&model_path, switches.force)?;
    write_resolved(out, cfg)?;
    let record = SeriesFitRecord {
        sequences: train.len(),
        seq_len: train.seq_len,
        features: train.n_features(),
        classes: model.classes().to_vec(),
        iterations_per_phase: cfg.model.iterations,
        train_seconds,
        seconds_per_iteration: model.seconds_per_iteration(),
        device: cfg.train.device.to_string(),
    };
    record.write(out)?;
    tracing::info!(model = %model_path.display(), train_s = format!("{train_seconds:.1}"), "model saved");
    Ok(record)
}

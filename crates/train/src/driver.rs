//! The one training driver every model runs under: block by block, each block's RNGs seeded
//! from `(seed, block)`, loss records kept, non-finite losses stopped by the engines' checks,
//! progress shown, checkpoints written (and pruned where a model asks), and a run resumed from
//! the newest checkpoint exactly as if it had never stopped.
//!
//! A *block* is the unit of checkpointing and of the loss history: one epoch for CTGAN and
//! TVAE, `steps_per_block` optimiser steps for TabDDPM, up to [`crate::timegan::BLOCK_MAX`]
//! iterations of one phase for TimeGAN. "Epoch" means a pass over the training rows, nothing
//! else.

use std::path::Path;
use std::time::Instant;

use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{newest_checkpoint, prune_checkpoints, read_state, write_checkpoint_dir};
use crate::error::{TrainError, TrainResult};
use crate::losses::BlockRecord;
use crate::options::{TrainOptions, block_seed, splitmix};
use crate::persist::hash_f32s;
use synthkit_data::Matrix;

/// One model's training state, run block by block by [`drive`].
pub(crate) trait Engine {
    /// The record the loss history keeps per block.
    type Record: BlockRecord;
    /// The model's name in progress bars, logs and checkpoints (`ctgan`, `timegan`, …).
    fn name(&self) -> &'static str;
    /// Blocks in the whole schedule.
    fn blocks(&self) -> usize;
    /// The key block `b`'s random streams are seeded from, together with the run's seed
    /// (default `b`).
    fn seed_key(&self, b: usize) -> usize {
        b
    }
    /// Runs block `b` with the RNGs already seeded for it; returns its mean losses (checked
    /// finite by the engine with [`check_finite`]).
    fn run_block(&mut self, b: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>>;
    /// The record of block `b`, which took `seconds` and returned `values`.
    fn record(&self, b: usize, seconds: f64, values: Vec<f64>) -> Self::Record;
    /// A short position for the progress bar (`epoch 3/300`, `joint 200/1000`).
    fn position(&self, blocks_done: usize) -> String;
    /// Rows (or sequences) one block processes, for the throughput shown.
    fn rows_per_block(&self) -> usize;
    /// What the data is called in a mismatch message (`data`, `sequences`).
    fn data_noun(&self) -> &'static str {
        "data"
    }
    /// Checkpoints kept in the checkpoint directory (older ones are removed); `None`: all.
    fn checkpoints_kept(&self) -> Option<usize> {
        None
    }
    /// Writes weights and optimiser state into `dir`.
    fn save_state(&mut self, dir: &Path) -> TrainResult<()>;
    /// Reads what `save_state` wrote.
    fn load_state(&mut self, dir: &Path) -> TrainResult<()>;
}

/// What a checkpoint's `state.json` holds besides the engine's files.
#[derive(Serialize, Deserialize)]
struct CheckpointState<R> {
    format_version: u32,
    /// The model (`ctgan`, `timegan`, …).
    model: String,
    /// Blocks finished.
    blocks_done: usize,
    /// The model config, as JSON.
    config: serde_json::Value,
    /// Rows and hash of the training data.
    data_rows: usize,
    data_fingerprint: u64,
    /// The loss history so far.
    losses: Vec<R>,
}

/// Version of the checkpoint format (2: one format for every model, `block-N` directories).
const CHECKPOINT_VERSION: u32 = 2;

/// What the driver checks a checkpoint against: the config and the data it trains on.
pub(crate) struct RunIdentity<'a, C: Serialize> {
    /// The model config.
    pub config: &'a C,
    /// Training rows (or sequences).
    pub data_rows: usize,
    /// [`hash_f32s`] of the training data.
    pub data_fingerprint: u64,
}

impl<'a, C: Serialize> RunIdentity<'a, C> {
    /// A tabular run: `config` on the encoded matrix `m`.
    pub fn of_matrix(config: &'a C, m: &Matrix) -> Self {
        RunIdentity {
            config,
            data_rows: m.rows(),
            data_fingerprint: hash_f32s(m.rows() as u64 ^ ((m.cols() as u64) << 32), m.as_slice()),
        }
    }
}

fn read_checkpoint<R: BlockRecord, C: Serialize>(
    dir: &Path,
    name: &str,
    noun: &str,
    id: &RunIdentity<'_, C>,
) -> TrainResult<CheckpointState<R>> {
    let mismatch = |reason: String| TrainError::CheckpointMismatch {
        path: dir.to_path_buf(),
        reason,
    };
    let raw: serde_json::Value = read_state(dir)?;
    let version = raw.get("format_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(CHECKPOINT_VERSION)) {
        return Err(mismatch(format!(
            "checkpoint format {} (this synthkit writes {CHECKPOINT_VERSION})",
            version.map_or("unknown".into(), |v| v.to_string())
        )));
    }
    let st: CheckpointState<R> =
        serde_json::from_value(raw).map_err(|e| TrainError::BadModelDir {
            path: dir.to_path_buf(),
            reason: format!("state.json: {e}"),
        })?;
    if st.model != name {
        return Err(mismatch(format!(
            "it is a {} checkpoint and this run trains {name}",
            st.model
        )));
    }
    let config = serde_json::to_value(id.config).expect("configs serialise");
    if st.config != config {
        return Err(mismatch(format!(
            "it was written with a different {name} config"
        )));
    }
    if st.data_rows != id.data_rows || st.data_fingerprint != id.data_fingerprint {
        return Err(mismatch(format!(
            "it was trained on different {noun} (or a different transform seed)"
        )));
    }
    Ok(st)
}

/// Runs the blocks of `engine` according to `opts`, resuming if asked; returns the full loss
/// history (with the blocks from before a resume).
///
/// Logs one INFO line about every tenth of the schedule (and the last block), DEBUG for every
/// block; the progress bar (with `opts.progress`) shows every block.
pub(crate) fn drive<E: Engine + ?Sized, C: Serialize>(
    engine: &mut E,
    id: &RunIdentity<'_, C>,
    opts: &TrainOptions,
    device: &Device,
) -> TrainResult<Vec<E::Record>> {
    let total = engine.blocks();
    let name = engine.name();
    let mut losses: Vec<E::Record> = Vec::new();
    let mut start = 0;
    if opts.resume {
        let root = opts
            .checkpoint_dir
            .as_ref()
            .ok_or(TrainError::ResumeWithoutDir)?;
        if let Some((n, dir)) = newest_checkpoint(root)? {
            let st: CheckpointState<E::Record> =
                read_checkpoint(&dir, name, engine.data_noun(), id)?;
            engine.load_state(&dir)?;
            losses = st.losses;
            start = n.min(total);
            tracing::info!(blocks = n, dir = %dir.display(), "resuming from checkpoint");
        } else {
            tracing::info!(dir = %root.display(), "no checkpoint to resume from; starting at block 0");
        }
    }
    let stop = opts
        .max_blocks_this_run
        .map_or(total, |k| (start + k).min(total));
    let bar = if opts.progress {
        let b = ProgressBar::new(total as u64);
        b.set_style(
            ProgressStyle::with_template("{prefix} [{elapsed_precise}] {bar:30} {msg}")
                .expect("valid template"),
        );
        b.set_prefix(name);
        b.set_position(start as u64);
        b
    } else {
        ProgressBar::hidden()
    };
    let log_every = total.div_ceil(10).max(1);
    for b in start..stop {
        let s = block_seed(opts.seed, engine.seed_key(b));
        device.seed(s);
        let mut rng = StdRng::seed_from_u64(splitmix(s));
        let t0 = Instant::now();
        let values = engine.run_block(b, &mut rng)?;
        let seconds = t0.elapsed().as_secs_f64();
        let record = engine.record(b, seconds, values);
        let rows_per_s = engine.rows_per_block() as f64 / seconds.max(1e-9);
        let summary = record
            .values()
            .iter()
            .map(|(n, v)| format!("{n} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ");
        let done = b + 1;
        let position = engine.position(done);
        if done.is_multiple_of(log_every) || done == total {
            tracing::info!(model = name, at = %position, seconds, rows_per_s, losses = %summary, "training");
        } else {
            tracing::debug!(model = name, at = %position, seconds, rows_per_s, losses = %summary, "block done");
        }
        bar.set_message(format!("{position} {summary}, {rows_per_s:.0} rows/s"));
        bar.inc(1);
        losses.push(record);
        if let Some(root) = &opts.checkpoint_dir {
            let periodic = opts
                .checkpoint_every
                .is_some_and(|k| done.is_multiple_of(k));
            let stopping_early = done == stop && stop < total;
            if periodic || stopping_early {
                let state = CheckpointState {
                    format_version: CHECKPOINT_VERSION,
                    model: name.to_string(),
                    blocks_done: done,
                    config: serde_json::to_value(id.config).expect("configs serialise"),
                    data_rows: id.data_rows,
                    data_fingerprint: id.data_fingerprint,
                    losses: losses.clone(),
                };
                write_checkpoint_dir(root, done, &state, |tmp| engine.save_state(tmp))?;
                if let Some(keep) = engine.checkpoints_kept() {
                    prune_checkpoints(root, keep)?;
                }
            }
        }
    }
    bar.finish_and_clear();
    Ok(losses)
}

/// Fails with [`TrainError::NonFinite`] when `value` is NaN or infinite.
pub(crate) fn check_finite(block: usize, name: &str, value: f64) -> TrainResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(TrainError::NonFinite {
            block,
            loss: name.to_string(),
            value,
        })
    }
}

//! The epoch driver shared by every model: per-epoch reseeding, loss history, NaN checks,
//! progress, checkpoints and resume.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use synthkit_data::Matrix;
use synthkit_models::ModelConfig;

use crate::error::{TrainError, TrainResult};
use crate::options::{TrainOptions, epoch_seed, splitmix};

/// The losses of one epoch (means over its steps), in the order the model names them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLosses {
    /// 0-based epoch.
    pub epoch: usize,
    /// Wall-clock seconds the epoch took.
    pub seconds: f64,
    /// `(name, value)` pairs: CTGAN `generator`, `critic`, `penalty`; TVAE `loss`,
    /// `reconstruction`, `kl`.
    pub values: Vec<(String, f64)>,
}

impl EpochLosses {
    /// The loss called `name`, if any.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

/// One model's training state, driven epoch by epoch.
pub(crate) trait Engine {
    /// Names of the values `run_epoch` returns.
    fn loss_names(&self) -> &'static [&'static str];
    /// Runs one epoch with the RNGs already seeded for it; returns mean losses.
    fn run_epoch(&mut self, epoch: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>>;
    /// Training rows the epoch processes (for rows/s).
    fn rows_per_epoch(&self) -> usize;
    /// Writes weights and optimiser state into `dir`.
    fn save_state(&self, dir: &Path) -> TrainResult<()>;
    /// Reads what `save_state` wrote.
    fn load_state(&mut self, dir: &Path) -> TrainResult<()>;
}

/// Fails with [`TrainError::NonFinite`] when `value` is NaN or infinite.
pub(crate) fn check_finite(epoch: usize, name: &str, value: f64) -> TrainResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(TrainError::NonFinite {
            epoch,
            loss: name.to_string(),
            value,
        })
    }
}

/// A matrix as a tensor on `device`.
pub(crate) fn to_tensor(m: &Matrix, device: &Device) -> Tensor<2> {
    Tensor::from_data(
        TensorData::new(m.as_slice().to_vec(), [m.rows(), m.cols()]),
        device,
    )
}

/// A tensor read back into a matrix.
pub(crate) fn to_matrix(t: Tensor<2>) -> TrainResult<Matrix> {
    let [r, c] = t.dims();
    let v = t.into_data().try_to_vec_as::<f32>().map_err(|e| {
        TrainError::Options(format!(
            "reading a tensor back from the device failed: {e:?}"
        ))
    })?;
    Ok(Matrix::from_vec(r, c, v))
}

#[derive(Serialize, Deserialize)]
struct CheckpointState {
    format_version: u32,
    epoch: usize,
    config: ModelConfig,
    data_rows: usize,
    data_fingerprint: u64,
    losses: Vec<EpochLosses>,
}

const CHECKPOINT_VERSION: u32 = 1;

/// A cheap fingerprint of the training matrix, to refuse resuming on other data.
pub(crate) fn fingerprint(m: &Matrix) -> u64 {
    hash_f32s(m.rows() as u64 ^ ((m.cols() as u64) << 32), m.as_slice())
}

/// SplitMix64 chained over `seed` and the bits of `values`: the data fingerprint that
/// checkpoints are checked against.
pub(crate) fn hash_f32s<'a>(seed: u64, values: impl IntoIterator<Item = &'a f32>) -> u64 {
    values
        .into_iter()
        .fold(splitmix(seed), |h, x| splitmix(h ^ u64::from(x.to_bits())))
}

/// Every `epoch-N` directory under `dir` (complete or not), unordered; none when `dir` does not
/// exist.
pub(crate) fn checkpoint_dirs(dir: &Path) -> TrainResult<Vec<(usize, PathBuf)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| TrainError::io(dir, e))? {
        let entry = entry.map_err(|e| TrainError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix("epoch-")
            .and_then(|s| s.parse::<usize>().ok())
        {
            found.push((n, entry.path()));
        }
    }
    Ok(found)
}

/// The newest complete (`state.json` written) `epoch-N` directory under `dir`, if any.
pub fn newest_checkpoint(dir: &Path) -> TrainResult<Option<(usize, PathBuf)>> {
    Ok(checkpoint_dirs(dir)?
        .into_iter()
        .filter(|(_, p)| p.join("state.json").exists())
        .max_by_key(|(n, _)| *n))
}

fn write_checkpoint(
    root: &Path,
    epoch: usize,
    engine: &dyn Engine,
    config: &ModelConfig,
    data: &Matrix,
    losses: &[EpochLosses],
) -> TrainResult<()> {
    let state = CheckpointState {
        format_version: CHECKPOINT_VERSION,
        epoch,
        config: config.clone(),
        data_rows: data.rows(),
        data_fingerprint: fingerprint(data),
        losses: losses.to_vec(),
    };
    write_checkpoint_dir(root, epoch, &state, |tmp| engine.save_state(tmp))
}

/// Writes checkpoint `root/epoch-{epoch}/`: `save` fills a temporary sibling directory,
/// `state` goes to its `state.json` (last, so a directory with `state.json` is complete), and the
/// directory is renamed into place, so a crash never leaves a half-written checkpoint that
/// [`newest_checkpoint`] would pick.
pub(crate) fn write_checkpoint_dir<S: Serialize>(
    root: &Path,
    epoch: usize,
    state: &S,
    save: impl FnOnce(&Path) -> TrainResult<()>,
) -> TrainResult<()> {
    std::fs::create_dir_all(root).map_err(|e| TrainError::io(root, e))?;
    let final_dir = root.join(format!("epoch-{epoch}"));
    let tmp = root.join(format!(".epoch-{epoch}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    save(&tmp)?;
    let json = serde_json::to_vec_pretty(state).expect("checkpoint state serialises");
    let p = tmp.join("state.json");
    std::fs::write(&p, json).map_err(|e| TrainError::io(&p, e))?;
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir).map_err(|e| TrainError::io(&final_dir, e))?;
    }
    std::fs::rename(&tmp, &final_dir).map_err(|e| TrainError::io(&final_dir, e))?;
    tracing::info!(epoch, dir = %final_dir.display(), "checkpoint written");
    Ok(())
}

/// Reads `dir/state.json` of a checkpoint.
pub(crate) fn read_state<S: serde::de::DeserializeOwned>(dir: &Path) -> TrainResult<S> {
    let p = dir.join("state.json");
    let bytes = std::fs::read(&p).map_err(|e| TrainError::io(&p, e))?;
    serde_json::from_slice(&bytes).map_err(|e| TrainError::BadModelDir {
        path: dir.to_path_buf(),
        reason: format!("state.json: {e}"),
    })
}

fn read_checkpoint(
    dir: &Path,
    config: &ModelConfig,
    data: &Matrix,
) -> TrainResult<CheckpointState> {
    let st: CheckpointState = read_state(dir)?;
    let mismatch = |reason: String| TrainError::CheckpointMismatch {
        path: dir.to_path_buf(),
        reason,
    };
    if st.format_version != CHECKPOINT_VERSION {
        return Err(mismatch(format!(
            "checkpoint format {} (this synthkit writes {})",
            st.format_version, CHECKPOINT_VERSION
        )));
    }
    if &st.config != config {
        return Err(mismatch(
            "it was written with a different model config".into(),
        ));
    }
    if st.data_rows != data.rows() || st.data_fingerprint != fingerprint(data) {
        return Err(mismatch(
            "it was trained on different data (or a different transform seed)".into(),
        ));
    }
    Ok(st)
}

/// Runs the epochs of `engine` according to `opts`, resuming if asked; returns the full loss
/// history (including epochs from before a resume).
pub(crate) fn drive(
    engine: &mut dyn Engine,
    config: &ModelConfig,
    data: &Matrix,
    opts: &TrainOptions,
    device: &Device,
) -> TrainResult<Vec<EpochLosses>> {
    let epochs = config.epochs();
    let mut losses: Vec<EpochLosses> = Vec::new();
    let mut start = 0;
    if opts.resume {
        let root = opts.checkpoint_dir.as_ref().ok_or_else(|| {
            TrainError::Options("resume needs a checkpoint_dir to resume from".into())
        })?;
        if let Some((n, dir)) = newest_checkpoint(root)? {
            let st = read_checkpoint(&dir, config, data)?;
            engine.load_state(&dir)?;
            losses = st.losses;
            start = n.min(epochs);
            tracing::info!(epoch = n, dir = %dir.display(), "resuming from checkpoint");
        } else {
            tracing::info!(dir = %root.display(), "no checkpoint to resume from; starting at epoch 0");
        }
    }
    let stop = opts
        .max_epochs_this_run
        .map_or(epochs, |k| (start + k).min(epochs));
    let bar = if opts.progress {
        let b = ProgressBar::new(epochs as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {bar:30} epoch {pos}/{len} {msg}",
            )
            .expect("valid template"),
        );
        b.set_prefix(config.kind());
        b.set_position(start as u64);
        b
    } else {
        ProgressBar::hidden()
    };
    let names = engine.loss_names();
    for epoch in start..stop {
        let s = epoch_seed(opts.seed, epoch);
        device.seed(s);
        let mut rng = StdRng::seed_from_u64(splitmix(s));
        let t0 = Instant::now();
        let values = engine.run_epoch(epoch, &mut rng)?;
        let seconds = t0.elapsed().as_secs_f64();
        let rows_per_s = engine.rows_per_epoch() as f64 / seconds.max(1e-9);
        let el = EpochLosses {
            epoch,
            seconds,
            values: names
                .iter()
                .map(|n| n.to_string())
                .zip(values.iter().copied())
                .collect(),
        };
        let summary = el
            .values
            .iter()
            .map(|(n, v)| format!("{n} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ");
        tracing::info!(model = config.kind(), epoch, seconds, rows_per_s, losses = %summary, "epoch done");
        bar.set_message(format!("{summary}, {rows_per_s:.0} rows/s"));
        bar.inc(1);
        losses.push(el);
        let done = epoch + 1;
        if let Some(root) = &opts.checkpoint_dir {
            let periodic = opts
                .checkpoint_every
                .is_some_and(|k| done.is_multiple_of(k));
            let stopping_early = done == stop && stop < epochs;
            if periodic || stopping_early {
                write_checkpoint(root, done, engine, config, data, &losses)?;
            }
        }
    }
    bar.finish_and_clear();
    Ok(losses)
}

/// Writes `module`'s weights to `path` (a burn `ModuleRecord`).
pub(crate) fn save_weights<M: Module + Clone>(module: &M, path: &Path) -> TrainResult<()> {
    module
        .clone()
        .into_record()
        .save(path)
        .map_err(|e| TrainError::record(path, e))
}

/// Returns `module` with the weights stored at `path` (written by [`save_weights`]).
pub(crate) fn load_weights<M: Module + Clone>(module: &M, path: &Path) -> TrainResult<M> {
    let rec = burn::store::ModuleRecord::load(path).map_err(|e| TrainError::record(path, e))?;
    module
        .clone()
        .try_load_record(rec)
        .map_err(|e| TrainError::record(path, e))
}

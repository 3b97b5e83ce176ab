//! TimeGAN under the shared driver: the phases cut into checkpointed blocks, and [`fit_timegan`].

use std::path::Path;

use burn::prelude::*;
use rand::rngs::StdRng;
use synthkit_data::sequence::{MinMaxScaler, SequenceSet};
use synthkit_models::TimeGanConfig;

use super::fitted::FittedTimeGan;
use super::losses::{Phase, PhaseLosses};
use super::trainer::{Prepared, TimeGanTrainer};
use crate::driver::{Engine, RunIdentity, drive};
use crate::error::{TrainError, TrainResult};
use crate::options::TrainOptions;

/// A training block (the unit of checkpoints and of the loss history) is at most this many
/// iterations of one phase.
pub const BLOCK_MAX: usize = 100;

/// TimeGAN checkpoints kept in the checkpoint directory; older ones are removed when a newer one
/// is written (the reference schedule of 50,000 iterations per phase would otherwise leave
/// hundreds).
pub const TIMEGAN_CHECKPOINTS_KEPT: usize = 3;

/// The TimeGAN trainer under the shared driver: the three phases cut into blocks of at most
/// `block` iterations (the embedding phase's blocks, then the supervised, then the joint).
struct TimeGanEngine {
    tr: TimeGanTrainer,
    /// Iterations per block.
    block: usize,
    /// Blocks per phase.
    per_phase: usize,
}

impl TimeGanEngine {
    fn new(tr: TimeGanTrainer, block: usize) -> Self {
        let block = block.min(tr.cfg.iterations).max(1);
        let per_phase = tr.cfg.iterations.div_ceil(block);
        Self {
            tr,
            block,
            per_phase,
        }
    }

    /// The phase of block `b` and the block's index within it.
    fn locate(&self, b: usize) -> (Phase, usize) {
        let phase = [Phase::Embedding, Phase::Supervised, Phase::Joint][b / self.per_phase];
        (phase, b % self.per_phase)
    }

    /// Iterations of block `blk` of a phase (the last one may be shorter).
    fn iterations_of(&self, blk: usize) -> std::ops::Range<usize> {
        let first = blk * self.block;
        first..(first + self.block).min(self.tr.cfg.iterations)
    }
}

impl Engine for TimeGanEngine {
    type Record = PhaseLosses;

    fn name(&self) -> &'static str {
        "timegan"
    }

    fn blocks(&self) -> usize {
        3 * self.per_phase
    }

    /// Seeds depend only on (seed, phase, block within the phase).
    fn seed_key(&self, b: usize) -> usize {
        let (phase, blk) = self.locate(b);
        phase.index() * 1_000_000_007 + blk
    }

    fn run_block(&mut self, b: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let (phase, blk) = self.locate(b);
        let names = phase.loss_names();
        let iters = self.iterations_of(blk);
        let n = iters.len();
        let mut sums = vec![0.0; names.len()];
        for it in iters {
            let vals: Vec<f64> = match phase {
                Phase::Embedding => vec![self.tr.embedding_step(rng)],
                Phase::Supervised => vec![self.tr.supervised_step(rng)],
                Phase::Joint => self.tr.joint_step(rng).to_vec(),
            };
            for (k, v) in vals.iter().enumerate() {
                if !v.is_finite() {
                    return Err(TrainError::NonFinite {
                        block: b,
                        loss: format!(
                            "TimeGAN {} phase {} (iteration {it})",
                            phase.name(),
                            names[k]
                        ),
                        value: *v,
                    });
                }
                sums[k] += v;
            }
        }
        Ok(sums.into_iter().map(|s| s / n as f64).collect())
    }

    fn record(&self, b: usize, seconds: f64, values: Vec<f64>) -> PhaseLosses {
        let (phase, blk) = self.locate(b);
        PhaseLosses {
            phase,
            iteration: self.iterations_of(blk).end,
            seconds,
            values: phase
                .loss_names()
                .iter()
                .map(|n| n.to_string())
                .zip(values)
                .collect(),
        }
    }

    fn position(&self, done: usize) -> String {
        let (phase, blk) = self.locate(done.max(1) - 1);
        format!(
            "{} {}/{}",
            phase.name(),
            self.iterations_of(blk).end,
            self.tr.cfg.iterations
        )
    }

    fn rows_per_block(&self) -> usize {
        self.block * self.tr.cfg.batch_size.min(self.tr.data.scaled.len())
    }

    fn data_noun(&self) -> &'static str {
        "sequences (or another window or label set)"
    }

    /// The reference schedule of 50,000 iterations per phase would otherwise leave hundreds.
    fn checkpoints_kept(&self) -> Option<usize> {
        Some(TIMEGAN_CHECKPOINTS_KEPT)
    }

    fn save_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.tr.save_nets(dir)
    }

    fn load_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.tr.load_nets(dir)
    }
}

/// Trains TimeGAN on `train` (raw values; scaled here) with `opts.device`, `opts.seed` and
/// `opts.progress`. With `cfg.conditional` and a labelled set, the networks take the one-hot
/// label.
///
/// Checkpoints and resume: training runs under the shared driver in blocks of at most
/// [`BLOCK_MAX`] iterations of one phase (the embedding phase's blocks, then the supervised,
/// then the joint): `checkpoint_every = k` writes `checkpoint_dir/block-N/` (N blocks done)
/// every k blocks, keeping the newest [`TIMEGAN_CHECKPOINTS_KEPT`]; `max_blocks_this_run` stops
/// after that many blocks (and writes a checkpoint); `resume` continues from the newest
/// checkpoint. Every block's random streams are seeded from `(seed, phase, block)`, so on the
/// CPU a resumed run ends with exactly the weights of an uninterrupted one.
///
/// # Errors
/// Invalid config or options, an empty set, sequences shorter than 2 steps, a non-finite loss
/// ([`TrainError::NonFinite`]), a checkpoint written for another config or other data
/// ([`TrainError::CheckpointMismatch`]).
pub fn fit_timegan(
    cfg: &TimeGanConfig,
    train: &SequenceSet,
    opts: &TrainOptions,
) -> TrainResult<FittedTimeGan> {
    fit_timegan_blocks(cfg, train, opts, BLOCK_MAX)
}

/// [`fit_timegan`] with blocks of `block` iterations (tests use small blocks).
fn fit_timegan_blocks(
    cfg: &TimeGanConfig,
    train: &SequenceSet,
    opts: &TrainOptions,
    block: usize,
) -> TrainResult<FittedTimeGan> {
    cfg.check()?;
    opts.check()?;
    if train.is_empty() {
        return Err(TrainError::EmptyData);
    }
    if train.seq_len < 2 {
        return Err(TrainError::SequenceTooShort {
            steps: train.seq_len,
        });
    }
    let scaler = MinMaxScaler::fit(train);
    let scaled = scaler.transform(train);
    let (classes, class_counts): (Vec<String>, Vec<usize>) = match &train.labels {
        Some(_) if cfg.conditional => train.class_counts()?.into_iter().unzip(),
        _ => (Vec::new(), Vec::new()),
    };
    let cond_dim = classes.len();
    let cond = train
        .labels
        .as_ref()
        .filter(|_| cond_dim > 0)
        .map(|labels| {
            let mut v = vec![0f32; labels.len() * cond_dim];
            for (i, l) in labels.iter().enumerate() {
                let k = classes.binary_search(l).expect("label is a class");
                v[i * cond_dim + k] = 1.0;
            }
            v
        });
    let base = opts.device.device();
    let device = base.clone().autodiff();
    device.seed(opts.seed);
    tracing::info!(
        sequences = train.len(),
        seq_len = train.seq_len,
        features = train.n_features(),
        classes = cond_dim,
        iterations = cfg.iterations,
        device = %opts.device,
        "training TimeGAN"
    );
    let tr = TimeGanTrainer::new(
        cfg,
        Prepared {
            scaled,
            cond,
            cond_dim,
        },
        &device,
    );
    let id = RunIdentity {
        config: cfg,
        data_rows: train.len(),
        data_fingerprint: tr.data_fingerprint(),
    };
    let mut eng = TimeGanEngine::new(tr, block);
    let losses = drive(&mut eng, &id, opts, &device)?;
    for p in [Phase::Embedding, Phase::Supervised, Phase::Joint] {
        let secs: f64 = losses
            .iter()
            .filter(|l| l.phase == p)
            .map(|l| l.seconds)
            .sum();
        tracing::debug!(phase = p.name(), seconds = secs, "phase time");
    }
    Ok(FittedTimeGan {
        config: cfg.clone(),
        scaler,
        features: train.features.clone(),
        seq_len: train.seq_len,
        classes,
        class_counts,
        losses,
        device_choice: opts.device,
        device: base.clone(),
        nets: eng.tr.nets.valid().to_device(&base),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checkpoint::newest_checkpoint;
    use crate::timegan::tests::{cmapss, snapshot, tiny};
    use serial_test::serial;

    #[test]
    #[serial]
    fn training_is_deterministic_for_a_seed() {
        let set = cmapss(16);
        let opts = TrainOptions {
            seed: 3,
            ..Default::default()
        };
        let a = fit_timegan(&tiny(), &set, &opts).unwrap();
        let b = fit_timegan(&tiny(), &set, &opts).unwrap();
        assert_eq!(a.losses().len(), 3);
        assert_eq!(
            a.losses()
                .iter()
                .map(|l| l.values.clone())
                .collect::<Vec<_>>(),
            b.losses()
                .iter()
                .map(|l| l.values.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(a.sample(5, 0).unwrap(), b.sample(5, 0).unwrap());
        let c = fit_timegan(
            &tiny(),
            &set,
            &TrainOptions {
                seed: 4,
                ..Default::default()
            },
        )
        .unwrap();
        assert_ne!(
            a.sample(5, 0).unwrap().values,
            c.sample(5, 0).unwrap().values
        );
    }

    fn weights(m: &FittedTimeGan) -> [Vec<f32>; 5] {
        snapshot(&m.nets)
    }

    /// The loss history without the wall-clock seconds.
    fn values(m: &FittedTimeGan) -> Vec<PhaseLosses> {
        m.losses()
            .iter()
            .map(|l| PhaseLosses {
                seconds: 0.0,
                ..l.clone()
            })
            .collect()
    }

    #[test]
    #[serial]
    fn stopped_and_resumed_training_equals_an_uninterrupted_run() {
        // 5 iterations per phase in blocks of 2: blocks [2, 2, 1] per phase, 9 in all. Stops
        // after 1 block (inside the embedding phase), then after 3 more (inside the supervised
        // phase, crossing a phase boundary), then resumes to the end.
        let set = cmapss(16);
        let cfg = TimeGanConfig {
            iterations: 5,
            ..tiny()
        };
        let whole = fit_timegan_blocks(
            &cfg,
            &set,
            &TrainOptions {
                seed: 5,
                ..Default::default()
            },
            2,
        )
        .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let opts = |stop: Option<usize>| TrainOptions {
            seed: 5,
            checkpoint_dir: Some(dir.path().to_path_buf()),
            checkpoint_every: Some(1),
            resume: true,
            max_blocks_this_run: stop,
            ..Default::default()
        };
        let first = fit_timegan_blocks(&cfg, &set, &opts(Some(1)), 2).unwrap();
        assert_eq!(first.losses().len(), 1);
        assert_eq!(newest_checkpoint(dir.path()).unwrap().unwrap().0, 1);
        let second = fit_timegan_blocks(&cfg, &set, &opts(Some(3)), 2).unwrap();
        assert_eq!(second.losses().len(), 4);
        assert_eq!(second.losses()[3].phase, Phase::Supervised);
        let resumed = fit_timegan_blocks(&cfg, &set, &opts(None), 2).unwrap();
        assert_eq!(values(&resumed), values(&whole));
        assert_eq!(weights(&resumed), weights(&whole));
        assert_eq!(resumed.sample(4, 1).unwrap(), whole.sample(4, 1).unwrap());
        // Only the newest checkpoints are kept.
        let kept: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(kept.len(), TIMEGAN_CHECKPOINTS_KEPT, "{kept:?}");
        assert!(kept.contains(&"block-9".to_string()), "{kept:?}");
    }

    #[test]
    #[serial]
    fn resume_refuses_a_checkpoint_of_another_config_or_other_data() {
        let set = cmapss(16);
        let dir = tempfile::tempdir().unwrap();
        let opts = TrainOptions {
            seed: 5,
            checkpoint_dir: Some(dir.path().to_path_buf()),
            resume: true,
            max_blocks_this_run: Some(1),
            ..Default::default()
        };
        fit_timegan_blocks(&tiny(), &set, &opts, 1).unwrap();
        let other = TimeGanConfig {
            gamma: 2.0,
            ..tiny()
        };
        let err = fit_timegan_blocks(&other, &set, &opts, 1).unwrap_err();
        assert!(
            matches!(&err, TrainError::CheckpointMismatch { reason, .. } if reason.contains("config")),
            "{err}"
        );
        let err = fit_timegan_blocks(&tiny(), &cmapss(12), &opts, 1).unwrap_err();
        assert!(
            matches!(&err, TrainError::CheckpointMismatch { reason, .. } if reason.contains("sequences")),
            "{err}"
        );
        let no_dir = TrainOptions {
            checkpoint_dir: None,
            ..opts
        };
        assert!(matches!(
            fit_timegan_blocks(&tiny(), &set, &no_dir, 1),
            Err(TrainError::ResumeWithoutDir)
        ));
    }
}

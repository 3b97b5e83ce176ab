//! TimeGAN's three training phases (reference `jsyoon0823/TimeGAN` `timegan.py` L186–290) and the
//! fitted model that samples whole sequences, optionally of one label.
//!
//! - **Embedding** (L226–236): minimise `E_loss0 = 10·√MSE(X, X̃)` over embedder + recovery.
//! - **Supervised** (L239–249): minimise `G_loss_S = MSE(H[:,1:], S(H)[:,:-1])` over generator +
//!   supervisor (only the supervisor gets a gradient; H is the embedder's, held fixed).
//! - **Joint** (L252–284), per iteration: `generator_steps` (2) times { one generator+supervisor
//!   step on `G_loss = G_U + γ·G_U_e + 100·√G_S + 100·G_V`, then one embedder+recovery step on
//!   `E_loss = 10·√MSE(X, X̃) + 0.1·G_S` on the same batch }, then a fresh batch and a
//!   discriminator step on `D_loss = BCE(Y_real,1) + BCE(Y_fake,0) + γ·BCE(Y_fake_e,0)` **only if**
//!   `D_loss > 0.15`.
//!
//! Five Adam optimisers as the reference (`E0_solver`, `E_solver`, `D_solver`, `G_solver`,
//! `GS_solver`), each with its own moments and step count. Z ~ U(0, 1) per step with `z_dim = dim`.
//! Batches are drawn without replacement each iteration (`utils.py` `batch_generator`).
//!
//! Reproducibility: the device RNG (Z) and a host `StdRng` (batches) are reseeded from
//! `(seed, phase, block)` every [`BLOCK_MAX`]-bounded block of iterations, so on the CPU
//! backend two runs with one seed give identical weights and samples.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::{ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::log_sigmoid;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, index};
use serde::{Deserialize, Serialize};
use synthkit_data::sequence::{MinMaxScaler, SequenceSet};
use synthkit_models::TimeGanConfig;
use synthkit_models::timegan::{Steps, TimeGanNets, stack, unstack, with_condition_steps};

use crate::adam::Adam;
use crate::driver::{Engine, RunIdentity, drive};
use crate::error::{TrainError, TrainResult};
use crate::losses::BlockRecord;
use crate::options::{DeviceChoice, TrainOptions, splitmix};
use crate::persist::{hash_f32s, load_weights, save_weights, write_json, write_model_dir};
use crate::tensor::{index_tensor, read_back};

/// Sequences generated per device call when sampling.
pub const SEQUENCE_CHUNK: usize = 1024;

/// A training block (the unit of checkpoints and of the loss history) is at most this many
/// iterations of one phase.
pub const BLOCK_MAX: usize = 100;

/// Version of the saved TimeGAN directory format.
pub const TIMEGAN_FORMAT_VERSION: u32 = 1;

/// TimeGAN checkpoints kept in the checkpoint directory; older ones are removed when a newer one
/// is written (the reference schedule of 50,000 iterations per phase would otherwise leave
/// hundreds).
pub const TIMEGAN_CHECKPOINTS_KEPT: usize = 3;

/// The three training phases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Autoencoder (embedder + recovery) on reconstruction.
    Embedding,
    /// Supervisor on next-step latent prediction.
    Supervised,
    /// Adversarial training of all five networks.
    Joint,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Self::Embedding => "embedding",
            Self::Supervised => "supervised",
            Self::Joint => "joint",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Embedding => 0,
            Self::Supervised => 1,
            Self::Joint => 2,
        }
    }

    fn loss_names(self) -> &'static [&'static str] {
        match self {
            Self::Embedding => &["e_loss_t0"],
            Self::Supervised => &["g_loss_s"],
            Self::Joint => &[
                "d_loss",
                "g_loss_u",
                "g_loss_s",
                "g_loss_v",
                "e_loss_t0",
                "d_updates",
            ],
        }
    }
}

/// Mean losses over one block of iterations of one phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseLosses {
    /// The phase.
    pub phase: Phase,
    /// Iterations done in this phase at the end of the block.
    pub iteration: usize,
    /// Wall-clock seconds of the block.
    pub seconds: f64,
    /// `(name, mean value)`; in the joint phase `d_updates` is the share of iterations in which
    /// the discriminator was updated.
    pub values: Vec<(String, f64)>,
}

impl BlockRecord for PhaseLosses {
    fn seconds(&self) -> f64 {
        self.seconds
    }

    fn values(&self) -> &[(String, f64)] {
        &self.values
    }
}

/// Training data on the host: scaled sequences and per-sequence condition rows.
struct Prepared {
    scaled: SequenceSet,
    cond: Option<Vec<f32>>,
    cond_dim: usize,
}

/// Collects the parameter ids of a module.
struct Ids(Vec<ParamId>);

impl ModuleVisitor for Ids {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        self.0.push(param.id);
    }
}

/// The parameters each optimiser group updates: embedder + recovery, generator + supervisor,
/// discriminator.
fn optimiser_ids(nets: &TimeGanNets) -> [Vec<ParamId>; 3] {
    [
        ids_of(&[&nets.embedder, &nets.recovery]),
        ids_of(&[&nets.generator, &nets.supervisor]),
        ids_of(&[&nets.discriminator]),
    ]
}

fn ids_of<M: Module>(modules: &[&M]) -> Vec<ParamId> {
    let mut v = Ids(Vec::new());
    for m in modules {
        m.visit(&mut v);
    }
    v.0
}

/// Mean binary cross-entropy of logits against an all-ones (`target = true`) or all-zeros
/// target, as `tf.losses.sigmoid_cross_entropy` (mean over every element).
pub(crate) fn bce_logits<const D: usize>(logits: Tensor<D>, target: bool) -> Tensor<1> {
    let x = if target { logits } else { logits.neg() };
    log_sigmoid(x).mean().neg()
}

fn mse(a: Tensor<3>, b: Tensor<3>) -> Tensor<1> {
    (a - b).powi_scalar(2).mean()
}

/// `MSE(H[:,1:], S[:,:-1])`, the supervised next-step loss (timegan.py L204).
fn supervised_loss(h: &[Tensor<2>], s: &[Tensor<2>]) -> Tensor<1> {
    let t = h.len();
    mse(stack(&h[1..]), stack(&s[..t - 1]))
}

/// The two-moment loss (timegan.py L206–208): batch moments per (step, feature), as
/// `tf.nn.moments(X, [0])`.
fn moment_loss(x_hat: Tensor<3>, x: Tensor<3>) -> Tensor<1> {
    let moments = |v: Tensor<3>| {
        let m = v.clone().mean_dim(0);
        let var = (v - m.clone()).powi_scalar(2).mean_dim(0);
        (m, var)
    };
    let (m_hat, v_hat) = moments(x_hat);
    let (m, v) = moments(x);
    let v1 = (v_hat.add_scalar(1e-6).sqrt() - v.add_scalar(1e-6).sqrt())
        .abs()
        .mean();
    let v2 = (m_hat - m).abs().mean();
    v1 + v2
}

fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

/// The training state of one run.
pub(crate) struct TimeGanTrainer {
    cfg: TimeGanConfig,
    data: Prepared,
    device: Device,
    pub(crate) nets: TimeGanNets,
    er_ids: Vec<ParamId>,
    gs_ids: Vec<ParamId>,
    d_ids: Vec<ParamId>,
    e0_opt: Adam,
    e_opt: Adam,
    d_opt: Adam,
    g_opt: Adam,
    gs_opt: Adam,
}

struct Batch {
    x: Tensor<3>,
    /// `x` step by step (the networks' input).
    xs: Steps,
    c: Option<Tensor<2>>,
    /// Row indices of the batch per class (empty without a condition).
    by_class: Vec<Vec<usize>>,
}

impl TimeGanTrainer {
    fn new(cfg: &TimeGanConfig, data: Prepared, device: &Device) -> Self {
        let nets = cfg.init(data.scaled.n_features(), data.cond_dim, device);
        let [er_ids, gs_ids, d_ids] = optimiser_ids(&nets);
        let adam = || Adam::new(cfg.lr, cfg.adam_betas, 0.0, cfg.adam_epsilon);
        Self {
            cfg: cfg.clone(),
            data,
            device: device.clone(),
            nets,
            er_ids,
            gs_ids,
            d_ids,
            e0_opt: adam(),
            e_opt: adam(),
            d_opt: adam(),
            g_opt: adam(),
            gs_opt: adam(),
        }
    }

    fn batch(&self, rng: &mut StdRng) -> Batch {
        let n = self.data.scaled.len();
        let b = self.cfg.batch_size.min(n);
        let idx = index::sample(rng, n, b).into_vec();
        let (t, f) = (self.data.scaled.seq_len, self.data.scaled.n_features());
        let mut x = Vec::with_capacity(b * t * f);
        for &i in &idx {
            x.extend_from_slice(self.data.scaled.sequence(i));
        }
        let x = Tensor::from_data(TensorData::new(x, [b, t, f]), &self.device);
        let c = self.data.cond.as_ref().map(|cond| {
            let k = self.data.cond_dim;
            let mut v = Vec::with_capacity(b * k);
            for &i in &idx {
                v.extend_from_slice(&cond[i * k..(i + 1) * k]);
            }
            Tensor::from_data(TensorData::new(v, [b, k]), &self.device)
        });
        let mut by_class = vec![Vec::new(); self.data.cond_dim];
        if let Some(cond) = &self.data.cond {
            let k = self.data.cond_dim;
            for (row, &i) in idx.iter().enumerate() {
                let cls = (0..k)
                    .find(|&j| cond[i * k + j] > 0.5)
                    .expect("one-hot condition");
                by_class[cls].push(row);
            }
        }
        Batch {
            xs: unstack(x.clone()),
            x,
            c,
            by_class,
        }
    }

    /// The moment loss `G_loss_V` of a batch. Unconditional: the reference's, over the whole
    /// batch. Conditional (synthkit extension): the same loss within each class of the batch,
    /// weighted by the class's share of the rows. The fake rows carry the real rows' labels,
    /// so the subsets match. Matching only the pooled moments leaves the rare class free to sit
    /// on either side of the majority along the main axis of variation; with 100–400
    /// iterations on C-MAPSS the generated failures came out mirrored (pointing away from the
    /// real failures) for about half of the seeds.
    fn moment_loss_of(&self, x_hat: Tensor<3>, b: &Batch) -> Tensor<1> {
        if b.c.is_none() {
            return moment_loss(x_hat, b.x.clone());
        }
        let n = b.x.dims()[0] as f64;
        let mut total: Option<Tensor<1>> = None;
        for rows in b.by_class.iter().filter(|r| r.len() >= 2) {
            let idx = index_tensor(rows, &self.device);
            let term = moment_loss(
                x_hat.clone().select(0, idx.clone()),
                b.x.clone().select(0, idx),
            )
            .mul_scalar(rows.len() as f64 / n);
            total = Some(match total {
                Some(t) => t + term,
                None => term,
            });
        }
        total.unwrap_or_else(|| moment_loss(x_hat, b.x.clone()))
    }

    /// H = embedder(X ⊕ c) as a constant: computed without autodiff and lifted back. Detaching
    /// a tracked forward is not enough: burn keeps the graph nodes of a forward pass that never
    /// takes part in a backward pass, and iterations slow down without bound.
    /// H from the embedder with its weights held fixed (no gradient reaches them).
    fn embed_fixed(&self, xs: &[Tensor<2>], c: Option<&Tensor<2>>) -> Steps {
        let c = c.map(|c| c.clone().inner());
        let xs: Steps = xs.iter().map(|x| x.clone().inner()).collect();
        self.nets
            .embedder
            .valid()
            .forward_sigmoid(&with_condition_steps(&xs, c.as_ref()))
            .into_iter()
            .map(Tensor::from_inner)
            .collect()
    }

    /// (Ê, Ĥ) from the generator and supervisor with their weights held fixed.
    fn generate_fixed(&self, z: &[Tensor<2>], c: Option<&Tensor<2>>) -> (Steps, Steps) {
        let c = c.map(|c| c.clone().inner());
        let z: Steps = z.iter().map(|x| x.clone().inner()).collect();
        let e_hat = self
            .nets
            .generator
            .valid()
            .forward_sigmoid(&with_condition_steps(&z, c.as_ref()));
        let h_hat = self.nets.supervisor.valid().forward_sigmoid(&e_hat);
        let lift = |v: Steps| -> Steps { v.into_iter().map(Tensor::from_inner).collect() };
        (lift(e_hat), lift(h_hat))
    }

    /// Z ~ U(0, 1) of `like`'s shape, step by step.
    fn noise(&self, like: &Tensor<3>) -> Steps {
        unstack(Tensor::random(
            like.dims(),
            Distribution::Uniform(0.0, 1.0),
            &self.device,
        ))
    }

    fn step(&mut self, which: Opt, loss: Tensor<1>) {
        let mut grads = loss.backward();
        let (ids, opt) = match which {
            Opt::E0 => (&self.er_ids, &mut self.e0_opt),
            Opt::E => (&self.er_ids, &mut self.e_opt),
            Opt::D => (&self.d_ids, &mut self.d_opt),
            Opt::G => (&self.gs_ids, &mut self.g_opt),
            Opt::Gs => (&self.gs_ids, &mut self.gs_opt),
        };
        let gp = GradientsParams::from_params(&mut grads, &self.nets, ids);
        self.nets = opt.step(self.nets.clone(), gp);
    }

    fn optimisers(&mut self) -> [(&'static str, &mut Adam); 5] {
        [
            ("e0", &mut self.e0_opt),
            ("e", &mut self.e_opt),
            ("d", &mut self.d_opt),
            ("g", &mut self.g_opt),
            ("gs", &mut self.gs_opt),
        ]
    }

    /// Writes the five networks and the five optimiser states into `dir`.
    fn save_nets(&mut self, dir: &Path) -> TrainResult<()> {
        save_weights(&self.nets, &dir.join("nets.bpk"))?;
        for (name, opt) in self.optimisers() {
            opt.save(&dir.join(format!("adam-{name}.bin")))?;
        }
        Ok(())
    }

    /// Reads what [`Self::save_nets`] wrote.
    fn load_nets(&mut self, dir: &Path) -> TrainResult<()> {
        self.nets = load_weights(&self.nets, &dir.join("nets.bpk"))?;
        // The loaded parameters carry the ids they were saved with (the optimiser states are
        // keyed by them), so the per-optimiser id lists are rebuilt from the loaded networks.
        [self.er_ids, self.gs_ids, self.d_ids] = optimiser_ids(&self.nets);
        let device = self.device.clone();
        for (name, opt) in self.optimisers() {
            opt.load(&dir.join(format!("adam-{name}.bin")), &device)?;
        }
        Ok(())
    }

    /// A hash of the training data as the networks see it (scaled values, condition rows).
    fn data_fingerprint(&self) -> u64 {
        let d = &self.data;
        let cond = d.cond.as_deref().unwrap_or(&[]);
        hash_f32s(
            (d.scaled.len() as u64) ^ ((d.cond_dim as u64) << 40),
            (0..d.scaled.len())
                .flat_map(|i| d.scaled.sequence(i))
                .chain(cond),
        )
    }

    /// One embedding-phase iteration; returns `E_loss_T0` (the reconstruction MSE).
    pub(crate) fn embedding_step(&mut self, rng: &mut StdRng) -> f64 {
        let b = self.batch(rng);
        let h = self.nets.embed(&b.xs, b.c.as_ref());
        let x_tilde = self.nets.recover(&h);
        let e_t0 = mse(b.x, x_tilde);
        let loss = e_t0
            .clone()
            .sqrt()
            .mul_scalar(self.cfg.reconstruction_weight);
        self.step(Opt::E0, loss);
        scalar(e_t0)
    }

    /// One supervised-phase iteration; returns `G_loss_S`.
    pub(crate) fn supervised_step(&mut self, rng: &mut StdRng) -> f64 {
        let b = self.batch(rng);
        let h = self.embed_fixed(&b.xs, b.c.as_ref());
        let s = self.nets.supervise(&h);
        let loss = supervised_loss(&h, &s);
        let v = scalar(loss.clone());
        self.step(Opt::Gs, loss);
        v
    }

    /// One joint-phase iteration; returns `[d_loss, g_loss_u, g_loss_s, g_loss_v, e_loss_t0,
    /// d_updated (0/1)]` (generator/embedder values of the last of the `generator_steps`).
    pub(crate) fn joint_step(&mut self, rng: &mut StdRng) -> [f64; 6] {
        let cfg = self.cfg.clone();
        let (mut gu, mut gs, mut gv, mut et0) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..cfg.generator_steps {
            let b = self.batch(rng);
            let z = self.noise(&b.x);
            // Generator + supervisor.
            let c = b.c.as_ref();
            let h = self.embed_fixed(&b.xs, c);
            let h_hat_sup = self.nets.supervise(&h);
            let g_s = supervised_loss(&h, &h_hat_sup);
            let e_hat = self.nets.generate(&z, c);
            let h_hat = self.nets.supervise(&e_hat);
            let x_hat = self.nets.recover(&h_hat);
            let y_fake = self.nets.discriminate(&h_hat, c);
            let y_fake_e = self.nets.discriminate(&e_hat, c);
            let g_u = bce_logits(y_fake, true);
            let g_u_e = bce_logits(y_fake_e, true);
            let g_v = self.moment_loss_of(x_hat, &b);
            let g_loss = g_u.clone()
                + g_u_e.mul_scalar(cfg.gamma)
                + g_s.clone().sqrt().mul_scalar(cfg.supervised_weight)
                + g_v.clone().mul_scalar(cfg.moment_weight);
            gu = scalar(g_u);
            gs = scalar(g_s);
            gv = scalar(g_v);
            self.step(Opt::G, g_loss);
            // Embedder + recovery, same batch, with the updated supervisor.
            let h = self.nets.embed(&b.xs, c);
            let x_tilde = self.nets.recover(&h);
            let e_t0 = mse(b.x, x_tilde);
            let h_hat_sup = self.nets.supervise(&h);
            let g_s = supervised_loss(&h, &h_hat_sup);
            let e_loss = e_t0.clone().sqrt().mul_scalar(cfg.reconstruction_weight)
                + g_s.mul_scalar(cfg.embedder_supervised_weight);
            et0 = scalar(e_t0);
            self.step(Opt::E, e_loss);
        }
        // Discriminator on a fresh batch, only when it is not already winning.
        let b = self.batch(rng);
        let z = self.noise(&b.x);
        let c = b.c.as_ref();
        let h = self.embed_fixed(&b.xs, c);
        let (e_hat, h_hat) = self.generate_fixed(&z, c);
        let disc = |v: &[Tensor<2>]| self.nets.discriminate(v, c);
        let d_loss = bce_logits(disc(&h), true)
            + bce_logits(disc(&h_hat), false)
            + bce_logits(disc(&e_hat), false).mul_scalar(cfg.gamma);
        let d = scalar(d_loss.clone());
        let updated = d > cfg.discriminator_threshold;
        if updated {
            self.step(Opt::D, d_loss);
        }
        [d, gu, gs, gv, et0, if updated { 1.0 } else { 0.0 }]
    }
}

#[derive(Clone, Copy)]
enum Opt {
    E0,
    E,
    D,
    G,
    Gs,
}

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

/// A trained TimeGAN: samples whole sequences (in the original units), optionally of one label.
#[derive(Clone, Debug)]
pub struct FittedTimeGan {
    config: TimeGanConfig,
    scaler: MinMaxScaler,
    features: Vec<String>,
    seq_len: usize,
    classes: Vec<String>,
    class_counts: Vec<usize>,
    losses: Vec<PhaseLosses>,
    device_choice: DeviceChoice,
    device: Device,
    nets: TimeGanNets,
}

#[derive(Serialize, Deserialize)]
struct TimeGanFile {
    format_version: u32,
    model: String,
    config: TimeGanConfig,
    scaler: MinMaxScaler,
    features: Vec<String>,
    seq_len: usize,
    classes: Vec<String>,
    class_counts: Vec<usize>,
    losses: Vec<PhaseLosses>,
}

impl FittedTimeGan {
    /// The configuration it was trained with.
    pub fn config(&self) -> &TimeGanConfig {
        &self.config
    }

    /// The fitted min-max scaler.
    pub fn scaler(&self) -> &MinMaxScaler {
        &self.scaler
    }

    /// Steps per generated sequence.
    pub fn seq_len(&self) -> usize {
        self.seq_len
    }

    /// Feature names.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Labels it can condition on (empty for an unconditional model), sorted.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Loss history (block means per phase).
    pub fn losses(&self) -> &[PhaseLosses] {
        &self.losses
    }

    /// Seconds per iteration of each phase, from the loss history.
    pub fn seconds_per_iteration(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        for p in [Phase::Embedding, Phase::Supervised, Phase::Joint] {
            let secs: f64 = self
                .losses
                .iter()
                .filter(|l| l.phase == p)
                .map(|l| l.seconds)
                .sum();
            m.insert(p.name().to_string(), secs / self.config.iterations as f64);
        }
        m
    }

    /// Exactly `n` sequences. A conditional model draws each sequence's label with its training
    /// frequency (and the returned set carries the labels); same `seed`, same sequences.
    pub fn sample(&self, n: usize, seed: u64) -> TrainResult<SequenceSet> {
        self.generate(n, seed, None)
    }

    /// Exactly `n` sequences of label `label`, generated with that label as the condition (no
    /// rejection).
    ///
    /// # Errors
    /// An unconditional model, or a label not seen in training.
    pub fn sample_where(&self, label: &str, n: usize, seed: u64) -> TrainResult<SequenceSet> {
        if self.classes.is_empty() {
            return Err(TrainError::Unconditionable {
                column: "label".into(),
                value: label.into(),
                reason: "this TimeGAN was trained without labels (no target, or conditional = false); retrain with a target and conditional = true".into(),
            });
        }
        let k = self
            .classes
            .iter()
            .position(|c| c == label)
            .ok_or_else(|| TrainError::Unconditionable {
                column: "label".into(),
                value: label.into(),
                reason: format!("not a training label; labels: {}", self.classes.join(", ")),
            })?;
        self.generate(n, seed, Some(k))
    }

    fn generate(&self, n: usize, seed: u64, fixed: Option<usize>) -> TrainResult<SequenceSet> {
        self.device.seed(seed);
        let mut rng = StdRng::seed_from_u64(splitmix(seed ^ 0x7173_6E00));
        let (t, f, k) = (self.seq_len, self.features.len(), self.classes.len());
        let mut values = Vec::with_capacity(n * t * f);
        let mut labels = Vec::with_capacity(n);
        let weights: Vec<(usize, usize)> = self.class_counts.iter().copied().enumerate().collect();
        let mut left = n;
        while left > 0 {
            let b = left.min(SEQUENCE_CHUNK);
            left -= b;
            let cond = (k > 0).then(|| {
                let mut v = vec![0f32; b * k];
                for i in 0..b {
                    let cls = match fixed {
                        Some(c) => c,
                        None => {
                            weights
                                .choose_weighted(&mut rng, |w| w.1)
                                .expect("classes have counts")
                                .0
                        }
                    };
                    v[i * k + cls] = 1.0;
                    labels.push(self.classes[cls].clone());
                }
                Tensor::<2>::from_data(TensorData::new(v, [b, k]), &self.device)
            });
            let z = Tensor::<3>::random([b, t, f], Distribution::Uniform(0.0, 1.0), &self.device);
            let e_hat = self.nets.generate(&unstack(z), cond.as_ref());
            let x_hat = self.nets.recover(&self.nets.supervise(&e_hat));
            values.extend(read_back(x_hat, "generated sequences")?);
        }
        let scaled = SequenceSet {
            features: self.features.clone(),
            seq_len: t,
            ids: (0..n).map(|i| format!("syn-{i}")).collect(),
            labels: (k > 0).then_some(labels),
            values,
        };
        Ok(self.scaler.inverse(&scaled))
    }

    /// Saves into `dir`: `model.json` (config, scaler, features, labels, loss history) and
    /// `nets.bpk` (all five networks). Refuses an existing `dir` unless `overwrite`.
    ///
    /// # Errors
    /// [`TrainError::Exists`] or I/O / record errors.
    pub fn save(&self, dir: &Path, overwrite: bool) -> TrainResult<()> {
        write_model_dir(dir, overwrite, |tmp| {
            write_json(
                &tmp.join("model.json"),
                &TimeGanFile {
                    format_version: TIMEGAN_FORMAT_VERSION,
                    model: "timegan".into(),
                    config: self.config.clone(),
                    scaler: self.scaler.clone(),
                    features: self.features.clone(),
                    seq_len: self.seq_len,
                    classes: self.classes.clone(),
                    class_counts: self.class_counts.clone(),
                    losses: self.losses.clone(),
                },
            )?;
            save_weights(&self.nets, &tmp.join("nets.bpk"))
        })
    }

    /// Loads a model written by [`FittedTimeGan::save`] onto `device`.
    ///
    /// # Errors
    /// A directory without a TimeGAN `model.json`, another format version, unreadable weights.
    pub fn load(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        let p = dir.join("model.json");
        let bad = |reason: String| TrainError::BadModelDir {
            path: dir.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(&p)
            .map_err(|_| bad("no model.json in it; train one with `synthkit series fit`".into()))?;
        let file: TimeGanFile =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("model.json: {e}")))?;
        if file.model != "timegan" || file.format_version != TIMEGAN_FORMAT_VERSION {
            return Err(bad(format!(
                "model `{}` format {} is not a TimeGAN of format {TIMEGAN_FORMAT_VERSION}",
                file.model, file.format_version
            )));
        }
        file.config.check()?;
        let base = device.device();
        let nets = file
            .config
            .init(file.features.len(), file.classes.len(), &base);
        let nets = load_weights(&nets, &dir.join("nets.bpk"))?;
        Ok(Self {
            config: file.config,
            scaler: file.scaler,
            features: file.features,
            seq_len: file.seq_len,
            classes: file.classes,
            class_counts: file.class_counts,
            losses: file.losses,
            device_choice: device,
            device: base,
            nets,
        })
    }

    /// The device it samples on.
    pub fn device(&self) -> DeviceChoice {
        self.device_choice
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checkpoint::newest_checkpoint;
    use serial_test::serial;
    use synthkit_data::sequence::{LongFormat, read_long};

    pub(crate) fn cmapss(n: usize) -> SequenceSet {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let set = read_long(
            &root.join("datasets/cmapss_fd001_failure/train.csv"),
            &LongFormat {
                id: "seq_id".into(),
                time: "t".into(),
                features: vec![],
                target: Some("failure_within_window".into()),
            },
        )
        .unwrap();
        // Keep both classes: the first n/2 of each.
        let mut idx = set.indices_of("1").unwrap();
        idx.truncate(n / 2);
        let mut neg = set.indices_of("0").unwrap();
        neg.truncate(n - idx.len());
        idx.extend(neg);
        let sub = set.select(&idx);
        // Short windows and 4 features keep tests fast.
        let keep = [2usize, 3, 4, 7];
        let t = 8;
        let mut values = Vec::new();
        for i in 0..sub.len() {
            let s = sub.sequence(i);
            for step in 0..t {
                for &f in &keep {
                    values.push(s[step * 16 + f]);
                }
            }
        }
        SequenceSet {
            features: keep.iter().map(|&f| sub.features[f].clone()).collect(),
            seq_len: t,
            ids: sub.ids,
            labels: sub.labels,
            values,
        }
    }

    pub(crate) fn tiny() -> TimeGanConfig {
        TimeGanConfig {
            hidden_dim: 6,
            num_layers: 2,
            iterations: 2,
            batch_size: 8,
            ..Default::default()
        }
    }

    struct Flat(Vec<f32>);
    impl ModuleVisitor for Flat {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0
                .extend(param.val().into_data().try_to_vec_as::<f32>().unwrap());
        }
    }
    fn flat<M: Module>(m: &M) -> Vec<f32> {
        let mut v = Flat(Vec::new());
        m.visit(&mut v);
        v.0
    }
    fn snapshot(n: &TimeGanNets) -> [Vec<f32>; 5] {
        [
            flat(&n.embedder),
            flat(&n.recovery),
            flat(&n.generator),
            flat(&n.supervisor),
            flat(&n.discriminator),
        ]
    }

    fn trainer(cfg: &TimeGanConfig) -> TimeGanTrainer {
        let set = cmapss(16);
        let scaler = MinMaxScaler::fit(&set);
        let classes = ["0", "1"];
        let labels = set.labels.clone().unwrap();
        let mut cond = vec![0f32; labels.len() * 2];
        for (i, l) in labels.iter().enumerate() {
            cond[i * 2 + classes.iter().position(|c| c == l).unwrap()] = 1.0;
        }
        let device = Device::flex().autodiff();
        device.seed(1);
        TimeGanTrainer::new(
            cfg,
            Prepared {
                scaled: scaler.transform(&set),
                cond: Some(cond),
                cond_dim: 2,
            },
            &device,
        )
    }

    fn changed(a: &[Vec<f32>; 5], b: &[Vec<f32>; 5]) -> [bool; 5] {
        std::array::from_fn(|i| a[i] != b[i])
    }

    #[test]
    #[serial]
    fn each_phase_updates_only_its_networks() {
        let mut rng = StdRng::seed_from_u64(0);
        let mut tr = trainer(&tiny());
        // [embedder, recovery, generator, supervisor, discriminator]
        let s0 = snapshot(&tr.nets);
        let l = tr.embedding_step(&mut rng);
        assert!(l.is_finite() && l > 0.0);
        let s1 = snapshot(&tr.nets);
        assert_eq!(changed(&s0, &s1), [true, true, false, false, false]);
        tr.supervised_step(&mut rng);
        let s2 = snapshot(&tr.nets);
        // Only the supervisor gets a gradient from G_loss_S.
        assert_eq!(changed(&s1, &s2), [false, false, false, true, false]);
        // Joint: threshold 0 forces the discriminator update.
        tr.cfg.discriminator_threshold = 0.0;
        let v = tr.joint_step(&mut rng);
        assert_eq!(v[5], 1.0);
        let s3 = snapshot(&tr.nets);
        assert_eq!(changed(&s2, &s3), [true, true, true, true, true]);
        // A threshold the loss never exceeds leaves the discriminator alone.
        tr.cfg.discriminator_threshold = 1e9;
        let v = tr.joint_step(&mut rng);
        assert_eq!(v[5], 0.0);
        let s4 = snapshot(&tr.nets);
        assert_eq!(changed(&s3, &s4), [true, true, true, true, false]);
        // Five separate optimisers: E0 took 1 step, GS 1, G and E 2 × 2, D 1.
        assert_eq!(tr.e0_opt.steps(), 1);
        assert_eq!(tr.gs_opt.steps(), 1);
        assert_eq!(tr.g_opt.steps(), 4);
        assert_eq!(tr.e_opt.steps(), 4);
        assert_eq!(tr.d_opt.steps(), 1);
    }

    #[test]
    #[serial]
    fn embedding_phase_learns_to_reconstruct() {
        let mut rng = StdRng::seed_from_u64(0);
        let mut tr = trainer(&TimeGanConfig {
            batch_size: 16,
            ..tiny()
        });
        let first = tr.embedding_step(&mut rng);
        let mut last = first;
        for _ in 0..150 {
            last = tr.embedding_step(&mut rng);
        }
        assert!(last < 0.7 * first, "reconstruction MSE {first} → {last}");
    }

    #[test]
    #[serial]
    fn conditional_sampling_is_exact_seeded_and_survives_save_load() {
        let set = cmapss(16);
        let model = fit_timegan(&tiny(), &set, &TrainOptions::default()).unwrap();
        assert_eq!(model.classes(), ["0", "1"]);
        let rare = model.sample_where("1", 13, 5).unwrap();
        assert_eq!(rare.len(), 13);
        assert_eq!(rare.seq_len, 8);
        assert_eq!(rare.values.len(), 13 * 8 * 4);
        assert!(rare.labels.as_ref().unwrap().iter().all(|l| l == "1"));
        assert!(rare.values.iter().all(|v| v.is_finite()));
        // Values come back in original units: within the (slightly widened) training range.
        let sc = model.scaler();
        for (i, v) in rare.values.iter().enumerate() {
            let f = i % 4;
            assert!(*v >= sc.min[f] - 1e-3 && *v <= sc.max[f] + 1e-3, "{v}");
        }
        let again = model.sample_where("1", 13, 5).unwrap();
        assert_eq!(rare, again);
        let other = model.sample_where("1", 13, 6).unwrap();
        assert_ne!(rare.values, other.values);
        let mixed = model.sample(20, 1).unwrap();
        assert_eq!(mixed.len(), 20);
        assert!(model.sample_where("2", 1, 0).is_err());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tg");
        model.save(&p, false).unwrap();
        assert!(matches!(
            model.save(&p, false),
            Err(TrainError::Exists { .. })
        ));
        let back = FittedTimeGan::load(&p, DeviceChoice::Cpu).unwrap();
        assert_eq!(back.sample_where("1", 13, 5).unwrap(), rare);
        assert_eq!(back.losses(), model.losses());
        assert!(FittedTimeGan::load(dir.path(), DeviceChoice::Cpu).is_err());
    }

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
    fn a_trainer_loaded_from_a_checkpoint_steps_like_the_one_that_wrote_it() {
        let mut tr = trainer(&tiny());
        let mut rng = StdRng::seed_from_u64(0);
        tr.embedding_step(&mut rng);
        tr.supervised_step(&mut rng);
        tr.joint_step(&mut rng);
        let dir = tempfile::tempdir().unwrap();
        tr.save_nets(dir.path()).unwrap();
        // A fresh trainer has other parameter ids; loading must bring the saved ones, and the
        // optimisers must find their moments under them.
        let mut fresh = trainer(&tiny());
        fresh.load_nets(dir.path()).unwrap();
        assert_eq!(
            snapshot(&tr.nets),
            snapshot(&fresh.nets),
            "weights after load"
        );
        for (a, b) in [
            (&tr.er_ids, &fresh.er_ids),
            (&tr.gs_ids, &fresh.gs_ids),
            (&tr.d_ids, &fresh.d_ids),
        ] {
            assert_eq!(a, b);
        }
        let mut r1 = StdRng::seed_from_u64(7);
        let mut r2 = StdRng::seed_from_u64(7);
        tr.device.seed(9);
        let a = (tr.embedding_step(&mut r1), tr.joint_step(&mut r1));
        fresh.device.seed(9);
        let b = (fresh.embedding_step(&mut r2), fresh.joint_step(&mut r2));
        assert_eq!(a, b, "losses of the next steps");
        assert_eq!(
            snapshot(&tr.nets),
            snapshot(&fresh.nets),
            "weights after the next steps"
        );
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

    #[test]
    #[serial]
    fn unconditional_model_refuses_sample_where() {
        let mut set = cmapss(8);
        set.labels = None;
        let model = fit_timegan(
            &TimeGanConfig {
                iterations: 1,
                ..tiny()
            },
            &set,
            &TrainOptions::default(),
        )
        .unwrap();
        assert!(model.classes().is_empty());
        assert!(matches!(
            model.sample_where("1", 3, 0),
            Err(TrainError::Unconditionable { .. })
        ));
        assert_eq!(model.sample(3, 0).unwrap().labels, None);
    }

    #[test]
    #[serial]
    fn the_conditional_moment_loss_sees_a_mirrored_rare_class() {
        // Real: class 0 at 0.4, class 1 at 0.8. Fake with the same labels but the classes
        // swapped: the pooled moments are identical (the reference's loss is 0), the per-class
        // ones are 0.4 off in the mean for both classes.
        let tr = trainer(&tiny());
        let d = tr.device.clone();
        let seqs = |v: [f32; 4]| {
            let data: Vec<f32> = v.iter().flat_map(|&x| [x, x]).collect();
            Tensor::<3>::from_data(TensorData::new(data, [4, 2, 1]), &d)
        };
        let c = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0], [4, 2]),
            &d,
        );
        let x = seqs([0.4, 0.4, 0.8, 0.8]);
        let b = Batch {
            xs: unstack(x.clone()),
            x,
            c: Some(c),
            by_class: vec![vec![0, 1], vec![2, 3]],
        };
        let mirrored = seqs([0.8, 0.8, 0.4, 0.4]);
        let pooled = scalar(moment_loss(mirrored.clone(), b.x.clone()));
        assert!(pooled.abs() < 1e-6, "{pooled}");
        let per_class = scalar(tr.moment_loss_of(mirrored, &b));
        assert!((per_class - 0.4).abs() < 1e-5, "{per_class}");
        let right = scalar(tr.moment_loss_of(b.x.clone(), &b));
        assert!(right.abs() < 1e-6, "{right}");
    }

    #[test]
    #[serial]
    fn bce_matches_the_closed_form() {
        let device = Device::flex();
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.0f32, 2.0], [2]), &device);
        let one = scalar(bce_logits(x.clone(), true));
        let zero = scalar(bce_logits(x, false));
        let want_one = (2f64.ln() + (1.0 + (-2f64).exp()).ln()) / 2.0;
        let want_zero = (2f64.ln() + (1.0 + 2f64.exp()).ln()) / 2.0;
        assert!((one - want_one).abs() < 1e-5, "{one} vs {want_one}");
        assert!((zero - want_zero).abs() < 1e-5, "{zero} vs {want_zero}");
    }
}

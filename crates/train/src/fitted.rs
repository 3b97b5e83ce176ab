//! [`fit`] and the [`FittedModel`] it returns: sampling (unconditional and conditional, in
//! batches), save and load.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::Distribution;
use polars::prelude::DataFrame;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use synthkit_data::Activation;
use synthkit_data::{DataError, DataTransformer, Matrix};
use synthkit_models::activation::{ctgan_activate, tvae_output};
use synthkit_models::ctgan::Generator;
use synthkit_models::tabddpm::{DdpmLayout, Denoiser, Diffusion};
use synthkit_models::tvae::Decoder;
use synthkit_models::{CtganConfig, ModelConfig, TvaeConfig};

use crate::cond::CondTable;
use crate::ctgan::CtganEngine;
use crate::engine::{EpochLosses, drive, to_matrix, to_tensor};
use crate::error::{TrainError, TrainResult};
use crate::options::{DeviceChoice, TrainOptions, splitmix};
use crate::tabddpm::{TabDdpmEngine, ddpm_layout, sample_rows};
use crate::tvae::{TvaeEngine, uses_condition};

/// Rows generated per device call when sampling; memory stays bounded whatever `n` is.
pub const SAMPLE_CHUNK: usize = 4096;

/// Version of the saved-model directory format (`model.json` `format_version`).
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// The network a fitted model samples with.
#[derive(Clone, Debug)]
enum SamplerNet {
    Ctgan(Generator),
    Tvae(Decoder),
    /// The EMA denoiser, its schedules and the layout split.
    TabDdpm(Box<(Denoiser, Diffusion, DdpmLayout)>),
}

/// A trained model, ready to sample. Immutable; `save`/`load` round-trip it exactly.
#[derive(Clone, Debug)]
pub struct FittedModel {
    config: ModelConfig,
    transformer: DataTransformer,
    cond: CondTable,
    uses_condition: bool,
    losses: Vec<EpochLosses>,
    device_choice: DeviceChoice,
    device: Device,
    net: SamplerNet,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format_version: u32,
    config: ModelConfig,
    transformer: DataTransformer,
    cond: CondTable,
    uses_condition: bool,
    weights: String,
}

/// Trains `config` on `train` (the matrix `transformer` encoded) and returns the fitted model.
///
/// The device is `opts.device` with autodiff. Weights are initialised after seeding the device
/// with `opts.seed`; every epoch then reseeds the device RNG and a host `StdRng` from
/// `(seed, epoch)`, so a run is reproducible on the CPU backend and a resumed run continues
/// exactly as an uninterrupted one would.
///
/// # Errors
/// Invalid config, a matrix that does not fit the transformer, a non-finite loss
/// ([`TrainError::NonFinite`]), checkpoint I/O, or a checkpoint that does not match this run.
pub fn fit(
    config: &ModelConfig,
    transformer: DataTransformer,
    train: &Matrix,
    opts: &TrainOptions,
) -> TrainResult<FittedModel> {
    config.check()?;
    check_options(opts)?;
    let layout = transformer.layout().clone();
    if train.cols() != layout.dim() {
        return Err(TrainError::ShapeMismatch {
            expected: layout.dim(),
            got: train.cols(),
        });
    }
    if train.rows() == 0 {
        return Err(TrainError::EmptyData);
    }
    let base = opts.device.device();
    let device = base.clone().autodiff();
    device.seed(opts.seed);
    tracing::info!(
        model = config.kind(),
        device = %opts.device,
        rows = train.rows(),
        data_dim = layout.dim(),
        cond_dim = layout.cond_dim(),
        "training"
    );
    if !matches!(config, ModelConfig::TabDdpm(_))
        && layout.spans().any(|s| s.activation == Activation::Linear)
    {
        return Err(TrainError::Options(format!(
            "{} needs the mode-specific transform of continuous columns; set [transform] continuous = \"mode\" (the quantile transform is for TabDDPM)",
            config.kind()
        )));
    }
    let cond = CondTable::from_matrix(train, &layout);
    let (net, losses, uses_cond) = match config {
        ModelConfig::Ctgan(c) => {
            let mut eng = CtganEngine::new(c, &layout, train, &device);
            let losses = drive(&mut eng, config, train, opts, &device)?;
            (
                SamplerNet::Ctgan(eng.generator.valid().to_device(&base)),
                losses,
                layout.cond_dim() > 0,
            )
        }
        ModelConfig::Tvae(c) => {
            let mut eng = TvaeEngine::new(c, &layout, train, &device);
            let losses = drive(&mut eng, config, train, opts, &device)?;
            (
                SamplerNet::Tvae(eng.vae.decoder.valid().to_device(&base)),
                losses,
                uses_condition(c, &layout),
            )
        }
        ModelConfig::TabDdpm(c) => {
            let dl = ddpm_layout(c, &transformer);
            if dl.d_in() == 0 {
                return Err(TrainError::Options(
                    "TabDDPM needs at least one column besides the target to generate".into(),
                ));
            }
            let conditional = dl.label.is_some();
            let mut eng = TabDdpmEngine::new(c, dl.clone(), train, &device);
            let losses = drive(&mut eng, config, train, opts, &device)?;
            let diffusion = Diffusion::new(c.num_timesteps, c.scheduler);
            (
                SamplerNet::TabDdpm(Box::new((eng.ema.to_device(&base), diffusion, dl))),
                losses,
                conditional,
            )
        }
    };
    Ok(FittedModel {
        config: config.clone(),
        transformer,
        cond,
        uses_condition: uses_cond,
        losses,
        device_choice: opts.device,
        device: base,
        net,
    })
}

fn check_options(opts: &TrainOptions) -> TrainResult<()> {
    if opts.checkpoint_every == Some(0) {
        return Err(TrainError::Options(
            "checkpoint_every must be at least 1".into(),
        ));
    }
    if opts.checkpoint_every.is_some() && opts.checkpoint_dir.is_none() {
        return Err(TrainError::Options(
            "checkpoint_every needs a checkpoint_dir to write into".into(),
        ));
    }
    if opts.resume && opts.checkpoint_dir.is_none() {
        return Err(TrainError::Options(
            "resume needs a checkpoint_dir to resume from".into(),
        ));
    }
    if opts.max_epochs_this_run == Some(0) {
        return Err(TrainError::Options(
            "max_epochs_this_run must be at least 1".into(),
        ));
    }
    Ok(())
}

impl FittedModel {
    /// The model configuration it was trained with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The data transformer.
    pub fn transformer(&self) -> &DataTransformer {
        &self.transformer
    }

    /// Per-epoch losses (also saved as `losses.csv`).
    pub fn losses(&self) -> &[EpochLosses] {
        &self.losses
    }

    /// The device it samples on.
    pub fn device(&self) -> DeviceChoice {
        self.device_choice
    }

    /// Whether the network takes a condition vector (CTGAN with discrete columns; TVAE with
    /// `conditional = true` and discrete columns) or a class label (TabDDPM with
    /// `class_conditional = true` and a discrete target). Only then is
    /// [`FittedModel::sample_where`] available (for TabDDPM, on the target column only).
    pub fn is_conditional(&self) -> bool {
        self.uses_condition
    }

    /// `n` synthetic rows. Conditions (when the model has them) are drawn per row: a discrete
    /// column uniformly, then a category with its training frequency. Same `seed`, same rows.
    ///
    /// CTGAN samples with its batch norms in inference mode (running statistics), so a row
    /// does not depend on the other rows of its batch; the reference samples with batch
    /// statistics, which would wash a fixed condition out of a single-condition batch. The Gumbel
    /// noise (τ from the config) is applied as in the reference; the inverse transform takes the
    /// argmax of each one-hot span.
    ///
    /// # Errors
    /// Only on a failing inverse transform.
    pub fn sample(&self, n: usize, seed: u64) -> TrainResult<DataFrame> {
        self.sample_frame(n, seed, None)
    }

    /// Exactly `n` synthetic rows, every one with `column == value`, without rejection.
    ///
    /// The condition vector is fixed to that category (CTGAN's conditional generator; TVAE's
    /// conditional decoder), indexed at the column's own offset in the condition vector (the
    /// reference CTGAN offsets every column as the first, issues #169/#273). In addition, the
    /// column's one-hot span is set to the requested category before the inverse transform, so
    /// the guarantee holds by construction; the model's other columns are what it generates
    /// under that condition.
    ///
    /// # Errors
    /// An unknown or non-discrete column or an unseen value ([`DataError::BadCondition`] via
    /// [`TrainError::Data`]), or a model without a condition input
    /// ([`TrainError::Unconditionable`]).
    pub fn sample_where(
        &self,
        column: &str,
        value: &str,
        n: usize,
        seed: u64,
    ) -> TrainResult<DataFrame> {
        let (block, category) = self.transformer.condition(column, value)?;
        if let SamplerNet::TabDdpm(_) = &self.net {
            let target = self.transformer.target();
            if !self.uses_condition || target != Some(column) {
                return Err(TrainError::Unconditionable {
                    column: column.into(),
                    value: value.into(),
                    reason: match (self.uses_condition, target) {
                        (true, Some(t)) => format!(
                            "TabDDPM is conditioned on the target `{t}` only; condition on `{t}`, or filter unconditional samples yourself"
                        ),
                        _ => "this TabDDPM was trained without a class label (no discrete target, or class_conditional = false); set a categorical target and class_conditional = true, and retrain".into(),
                    },
                });
            }
        }
        if !self.uses_condition {
            return Err(TrainError::Unconditionable {
                column: column.into(),
                value: value.into(),
                reason: "this model was trained without a condition input (TVAE with conditional = false); retrain with conditional = true, or use CTGAN".into(),
            });
        }
        self.sample_frame(n, seed, Some((block, category)))
    }

    fn sample_frame(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(usize, usize)>,
    ) -> TrainResult<DataFrame> {
        let mut out: Option<DataFrame> = None;
        self.for_each_chunk(n, seed, condition, |m| {
            let df = self.transformer.inverse_transform(&m)?;
            match &mut out {
                Some(acc) => {
                    acc.vstack_mut(&df).map_err(DataError::from)?;
                }
                None => out = Some(df),
            }
            Ok(())
        })?;
        let mut df = match out {
            Some(df) => df,
            None => self
                .transformer
                .inverse_transform(&Matrix::zeros(0, self.transformer.layout().dim()))?,
        };
        df.align_chunks_par();
        Ok(df)
    }

    /// `n` activated rows in the encoded layout (what [`DataTransformer::inverse_transform`]
    /// reads), optionally conditioned on `(cond block, category)` as in `sample_where`.
    pub fn sample_matrix(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(usize, usize)>,
    ) -> TrainResult<Matrix> {
        let mut acc = Matrix::zeros(0, self.transformer.layout().dim());
        self.for_each_chunk(n, seed, condition, |m| {
            acc = std::mem::replace(&mut acc, Matrix::zeros(0, 0)).vstack(&m);
            Ok(())
        })?;
        Ok(acc)
    }

    fn for_each_chunk(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(usize, usize)>,
        mut f: impl FnMut(Matrix) -> TrainResult<()>,
    ) -> TrainResult<()> {
        self.device.seed(seed);
        let mut rng = StdRng::seed_from_u64(splitmix(seed ^ 0x5A3D_1E00));
        let layout = self.transformer.layout();
        if let SamplerNet::TabDdpm(net) = &self.net {
            let (den, diffusion, dl) = net.as_ref();
            // The label's class counts: the target's condition block.
            let counts = self.transformer.target().and_then(|t| {
                layout
                    .cond_block_of(t)
                    .map(|b| self.cond.columns[b].counts.clone())
            });
            let mut left = n;
            while left > 0 {
                let c = left.min(SAMPLE_CHUNK);
                left -= c;
                let y: Vec<usize> = match (dl.label, condition, &counts) {
                    (None, _, _) => Vec::new(),
                    (Some(_), Some((_, k)), _) => vec![k; c],
                    (Some(_), None, Some(counts)) => {
                        (0..c).map(|_| draw_category(counts, &mut rng)).collect()
                    }
                    (Some(_), None, None) => unreachable!("a label column is a condition block"),
                };
                let (num, cat) = sample_rows(den, diffusion, dl, &y, c, &self.device)?;
                f(dl.assemble(layout.dim(), &num, &cat, &y))?;
            }
            return Ok(());
        }
        let mut left = n;
        while left > 0 {
            let c = left.min(SAMPLE_CHUNK);
            left -= c;
            let cond = if self.uses_condition {
                Some(match condition {
                    Some((b, k)) => self.cond.fixed(b, k, c),
                    None => self
                        .cond
                        .sample_original(c, &mut rng)
                        .expect("conditional model has discrete columns"),
                })
            } else {
                None
            };
            let cond = cond.map(|m| to_tensor(&m, &self.device));
            let embedding_dim = match &self.config {
                ModelConfig::Ctgan(cfg) => cfg.embedding_dim,
                ModelConfig::Tvae(cfg) => cfg.embedding_dim,
                ModelConfig::TabDdpm(_) => unreachable!("TabDDPM samples above"),
            };
            let z = Tensor::<2>::random(
                [c, embedding_dim],
                Distribution::Normal(0.0, 1.0),
                &self.device,
            );
            let input = match cond {
                Some(cv) => Tensor::cat(vec![z, cv], 1),
                None => z,
            };
            let out = match (&self.net, &self.config) {
                (SamplerNet::Ctgan(g), ModelConfig::Ctgan(cfg)) => {
                    ctgan_activate(g.forward(input), layout, cfg.gumbel_tau)
                }
                (SamplerNet::Tvae(d), ModelConfig::Tvae(_)) => {
                    tvae_output(d.forward(input), d.sigma.val(), layout)
                }
                _ => unreachable!("net matches config"),
            };
            let mut m = to_matrix(out)?;
            if let Some((b, k)) = condition {
                self.cond.force(&mut m, b, k);
            }
            f(m)?;
        }
        Ok(())
    }

    /// Saves the model into directory `dir`: `model.json` (format version, model config, data
    /// transformer, condition table), the sampling network's weights (`generator.bpk` or
    /// `decoder.bpk`, burnpack) and `losses.csv`. The files are written into a temporary sibling
    /// directory that is then renamed, so a crash never leaves a half-written model. An existing
    /// `dir` is refused unless `overwrite` is true, in which case it is replaced.
    ///
    /// # Errors
    /// [`TrainError::Exists`], or I/O and record errors.
    pub fn save(&self, dir: &Path, overwrite: bool) -> TrainResult<()> {
        if dir.exists() && !overwrite {
            return Err(TrainError::Exists {
                path: dir.to_path_buf(),
            });
        }
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| TrainError::io(&parent, e))?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "model".into());
        let tmp = parent.join(format!("{name}.tmp-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
        let res = self.write_into(&tmp).and_then(|()| {
            if dir.exists() {
                let old = parent.join(format!("{name}.old-{}-{}", std::process::id(), unique()));
                std::fs::rename(dir, &old).map_err(|e| TrainError::io(dir, e))?;
                std::fs::rename(&tmp, dir).map_err(|e| TrainError::io(dir, e))?;
                std::fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))
            } else {
                std::fs::rename(&tmp, dir).map_err(|e| TrainError::io(dir, e))
            }
        });
        if res.is_err() {
            let _ = std::fs::remove_dir_all(&tmp);
        }
        res
    }

    fn write_into(&self, dir: &Path) -> TrainResult<()> {
        let weights = match &self.net {
            SamplerNet::Ctgan(_) => "generator.bpk",
            SamplerNet::Tvae(_) => "decoder.bpk",
            SamplerNet::TabDdpm(_) => "denoiser.bpk",
        };
        let file = ModelFile {
            format_version: MODEL_FORMAT_VERSION,
            config: self.config.clone(),
            transformer: self.transformer.clone(),
            cond: self.cond.clone(),
            uses_condition: self.uses_condition,
            weights: weights.into(),
        };
        let p = dir.join("model.json");
        let json = serde_json::to_vec_pretty(&file).expect("model file serialises");
        std::fs::write(&p, json).map_err(|e| TrainError::io(&p, e))?;
        let p = dir.join(weights);
        let rec = match &self.net {
            SamplerNet::Ctgan(g) => g.clone().into_record(),
            SamplerNet::Tvae(d) => d.clone().into_record(),
            SamplerNet::TabDdpm(net) => net.0.clone().into_record(),
        };
        rec.save(&p).map_err(|e| TrainError::record(&p, e))?;
        let p = dir.join("losses.csv");
        std::fs::write(&p, losses_csv(&self.losses)).map_err(|e| TrainError::io(&p, e))?;
        Ok(())
    }

    /// Loads a model saved by [`FittedModel::save`] onto `device`.
    ///
    /// # Errors
    /// A missing or foreign directory, an unknown format version, or unreadable weights.
    pub fn load(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        let p = dir.join("model.json");
        if !p.exists() {
            return Err(TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: "no model.json in it; point at a directory written by `synthkit fit`"
                    .into(),
            });
        }
        let bytes = std::fs::read(&p).map_err(|e| TrainError::io(&p, e))?;
        let file: ModelFile =
            serde_json::from_slice(&bytes).map_err(|e| TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: format!("model.json: {e}"),
            })?;
        if file.format_version != MODEL_FORMAT_VERSION {
            return Err(TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: format!(
                    "format version {} but this synthkit reads version {MODEL_FORMAT_VERSION}; retrain the model",
                    file.format_version
                ),
            });
        }
        file.config.check()?;
        let base = device.device();
        let layout = file.transformer.layout();
        let cond_dim = if file.uses_condition {
            layout.cond_dim()
        } else {
            0
        };
        let wp = dir.join(&file.weights);
        let rec = ModuleRecord::load(&wp).map_err(|e| TrainError::record(&wp, e))?;
        let net = match &file.config {
            ModelConfig::Ctgan(c) => {
                let (g, _) = CtganConfig {
                    discriminator_dims: vec![1],
                    ..c.clone()
                }
                .init(layout.dim(), cond_dim, &base);
                SamplerNet::Ctgan(
                    g.try_load_record(rec)
                        .map_err(|e| TrainError::record(&wp, e))?
                        .valid(),
                )
            }
            ModelConfig::Tvae(c) => {
                let (_, d) = TvaeConfig {
                    compress_dims: vec![1],
                    ..c.clone()
                }
                .init(layout.dim(), cond_dim, &base);
                SamplerNet::Tvae(
                    d.try_load_record(rec)
                        .map_err(|e| TrainError::record(&wp, e))?
                        .valid(),
                )
            }
            ModelConfig::TabDdpm(c) => {
                let dl = ddpm_layout(c, &file.transformer);
                let den = c
                    .init(dl.d_in(), dl.n_classes(), &base)
                    .try_load_record(rec)
                    .map_err(|e| TrainError::record(&wp, e))?
                    .valid();
                SamplerNet::TabDdpm(Box::new((
                    den,
                    Diffusion::new(c.num_timesteps, c.scheduler),
                    dl,
                )))
            }
        };
        let lp = dir.join("losses.csv");
        let losses = match std::fs::read_to_string(&lp) {
            Ok(s) => parse_losses_csv(&s),
            Err(_) => Vec::new(),
        };
        Ok(Self {
            config: file.config,
            transformer: file.transformer,
            cond: file.cond,
            uses_condition: file.uses_condition,
            losses,
            device_choice: device,
            device: base,
            net,
        })
    }
}

/// A category drawn with probability proportional to its training count.
fn draw_category(counts: &[usize], rng: &mut impl rand::Rng) -> usize {
    let total: usize = counts.iter().sum();
    let mut u = rng.random_range(0..total.max(1));
    for (k, &c) in counts.iter().enumerate() {
        if u < c {
            return k;
        }
        u -= c;
    }
    counts.len() - 1
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// `epoch,seconds,<loss names...>` then one line per epoch.
pub fn losses_csv(losses: &[EpochLosses]) -> String {
    let mut s = String::from("epoch,seconds");
    if let Some(first) = losses.first() {
        for (n, _) in &first.values {
            s.push(',');
            s.push_str(n);
        }
    }
    s.push('\n');
    for l in losses {
        s.push_str(&format!("{},{}", l.epoch, l.seconds));
        for (_, v) in &l.values {
            s.push_str(&format!(",{v}"));
        }
        s.push('\n');
    }
    s
}

fn parse_losses_csv(s: &str) -> Vec<EpochLosses> {
    let mut lines = s.lines();
    let Some(header) = lines.next() else {
        return Vec::new();
    };
    let names: Vec<&str> = header.split(',').skip(2).collect();
    lines
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let epoch = f.first()?.parse().ok()?;
            let seconds = f.get(1)?.parse().ok()?;
            let values = names
                .iter()
                .zip(f.iter().skip(2))
                .map(|(n, v)| Some((n.to_string(), v.parse().ok()?)))
                .collect::<Option<Vec<_>>>()?;
            Some(EpochLosses {
                epoch,
                seconds,
                values,
            })
        })
        .collect()
}

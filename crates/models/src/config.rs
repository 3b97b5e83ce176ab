//! Hyperparameters of CTGAN and TVAE, with the defaults of the paper's reference code.
//!
//! Every field documents its default and where it comes from (`sdv-dev/CTGAN`
//! `ctgan/synthesizers/ctgan.py` and `tvae.py`, see `REFERENCES.md` §1.1–1.2). The structs are
//! plain serde types with `#[serde(default, deny_unknown_fields)]`: a TOML `[model]` section may
//! leave any key out (it gets the paper default) but a misspelt key is an error, not silently
//! ignored. [`ModelConfig`] picks the model with a `kind = "ctgan" | "tvae" | "tabddpm"` key.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, ModelResult};

/// Adam's ε. PyTorch's default (1e-8), which the reference code uses; burn's own default is 1e-5.
pub const ADAM_EPSILON: f64 = 1e-8;

/// ODE solver of the flow-matching sampler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Solver {
    /// Explicit Euler: one network evaluation per step.
    #[default]
    Euler,
    /// Heun's second-order method: two evaluations per step.
    Heun,
}

/// Flow-matching generator settings: conditional flow matching with the linear (rectified-flow)
/// path `x_t = (1 − t) x₀ + t x₁`, `x₀ ~ N(0, I)`, regressing the velocity `x₁ − x₀` (Lipman et
/// al. 2023, arXiv:2210.02747; Liu et al. 2022, arXiv:2209.03003), on TabDDPM's encoding with
/// the one-hot blocks as continuous ±1 coordinates decoded by argmax, as ForestFlow does
/// (Jolicoeur-Martineau et al. 2024, arXiv:2309.09968 §3). The network, optimiser, EMA and
/// training length are TabDDPM's base config, so the two differ only in the generative process;
/// sampling integrates the learned ODE in `sampling_steps` steps instead of 1000 denoising steps.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowConfig {
    /// Hidden widths of the velocity MLP. Default `[256, 256]` (TabDDPM's base config).
    pub d_layers: Vec<usize>,
    /// Dropout after each hidden layer. Default 0.
    pub dropout: f64,
    /// Width of the time and label embeddings. Default 128.
    pub dim_t: usize,
    /// AdamW learning rate, decayed linearly to 0. Default 1e-3.
    pub lr: f64,
    /// AdamW weight decay. Default 1e-5.
    pub weight_decay: f64,
    /// Adam (β₁, β₂). Default `[0.9, 0.999]`.
    pub adam_betas: [f64; 2],
    /// Rows per step (capped at the training rows). Default 4096.
    pub batch_size: usize,
    /// Optimiser steps. Default 1000.
    pub steps: usize,
    /// Optimiser steps per training block. Default 100.
    pub steps_per_block: usize,
    /// EMA rate of the weights that are saved and sampled (with TabDDPM's warm-up). Default
    /// 0.999.
    pub ema_decay: f64,
    /// ODE steps when sampling. Default 50 (the ~50 steps of TabDiff/TabSyn/TabRep).
    pub sampling_steps: usize,
    /// ODE solver. Default Euler.
    pub solver: Solver,
    /// The discrete target's class is the label input (exact class-conditional sampling).
    /// Default true.
    pub class_conditional: bool,
}

impl Default for FlowConfig {
    fn default() -> Self {
        Self {
            d_layers: vec![256, 256],
            dropout: 0.0,
            dim_t: 128,
            lr: 1e-3,
            weight_decay: 1e-5,
            adam_betas: [0.9, 0.999],
            batch_size: 4096,
            steps: 1000,
            steps_per_block: 100,
            ema_decay: 0.999,
            sampling_steps: 50,
            solver: Solver::Euler,
            class_conditional: true,
        }
    }
}

impl FlowConfig {
    /// Training blocks: `ceil(steps / steps_per_block)`.
    pub fn blocks(&self) -> usize {
        self.steps.div_ceil(self.steps_per_block.max(1))
    }

    /// Checks every hyperparameter before anything is allocated.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the first bad key.
    pub fn check(&self) -> ModelResult<()> {
        check_dims("d_layers", &self.d_layers)?;
        check_fraction("dropout", self.dropout, "use 0")?;
        if self.dim_t < 2 {
            return Err(ModelError::invalid(
                "dim_t",
                format!("{} is too small for a sinusoidal embedding", self.dim_t),
                "use 128",
            ));
        }
        check_lr("lr", self.lr)?;
        check_decay("weight_decay", self.weight_decay)?;
        check_betas(self.adam_betas)?;
        check_positive_usize("batch_size", self.batch_size)?;
        check_positive_usize("steps", self.steps)?;
        check_positive_usize("steps_per_block", self.steps_per_block)?;
        check_positive_usize("sampling_steps", self.sampling_steps)?;
        check_fraction("ema_decay", self.ema_decay, "use 0.999")?;
        Ok(())
    }
}

/// Gaussian copula settings (the statistical generator SDV recommends first,
/// `GaussianCopulaSynthesizer`): every column is mapped to a normal score — continuous columns
/// by the quantile-normal transform (`[transform] continuous = "quantile"`), categorical ones by
/// a uniform point of the category's frequency interval put through Φ⁻¹ (SDV's `FrequencyEncoder`
/// idea) — and the scores get a multivariate normal per class of the target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CopulaConfig {
    /// Fit one copula per class of the (discrete) target, so the class is an exact label
    /// input. Default true.
    pub class_conditional: bool,
    /// Shrinkage of each covariance towards its diagonal, in [0, 1]; `None` (default) takes
    /// `d / (n + d)` for `d` scores and `n` rows of the class, so a class with few rows gets
    /// a well-conditioned, mostly diagonal covariance.
    pub shrinkage: Option<f64>,
}

impl Default for CopulaConfig {
    fn default() -> Self {
        Self {
            class_conditional: true,
            shrinkage: None,
        }
    }
}

impl CopulaConfig {
    /// Checks the settings.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] for a shrinkage outside [0, 1].
    pub fn check(&self) -> ModelResult<()> {
        if let Some(s) = self.shrinkage
            && !(0.0..=1.0).contains(&s)
        {
            return Err(ModelError::invalid(
                "shrinkage",
                format!("{s} is not in [0, 1]"),
                "leave it out for the automatic d / (n + d), or give a value in [0, 1]",
            ));
        }
        Ok(())
    }
}

/// How long a model trains.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Budget {
    /// Passes over the training rows (CTGAN, TVAE).
    Epochs(usize),
    /// Optimiser steps (TabDDPM).
    Steps(usize),
    /// No schedule: fitted in closed form (the Gaussian copula).
    Closed,
}

impl std::fmt::Display for Budget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Epochs(e) => write!(f, "{e} epochs"),
            Self::Steps(s) => write!(f, "{s} steps"),
            Self::Closed => f.write_str("closed form"),
        }
    }
}

/// CTGAN hyperparameters (arXiv:1907.00503; reference `ctgan/synthesizers/ctgan.py`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CtganConfig {
    /// Width of the noise vector z. Default 128 (`embedding_dim`, ctgan.py L153).
    pub embedding_dim: usize,
    /// Widths of the generator's residual blocks (Linear → BatchNorm → ReLU, output concatenated
    /// with the block input). Default `[256, 256]` (`generator_dim`, ctgan.py L154, L65–98).
    pub generator_dims: Vec<usize>,
    /// Widths of the critic's hidden layers (Linear → LeakyReLU(0.2) → Dropout). Default
    /// `[256, 256]` (`discriminator_dim`, ctgan.py L155, L19–62).
    pub discriminator_dims: Vec<usize>,
    /// Generator Adam learning rate. Default 2e-4 (`generator_lr`, ctgan.py L156).
    pub generator_lr: f64,
    /// Generator Adam weight decay (L2 added to the gradient, as PyTorch's Adam). Default 1e-6
    /// (`generator_decay`, ctgan.py L157).
    pub generator_decay: f64,
    /// Critic Adam learning rate. Default 2e-4 (`discriminator_lr`, ctgan.py L158).
    pub discriminator_lr: f64,
    /// Critic Adam weight decay. Default 1e-6 (`discriminator_decay`, ctgan.py L159).
    pub discriminator_decay: f64,
    /// Adam (β₁, β₂) for both networks. Default `[0.5, 0.9]` (ctgan.py L361–373).
    pub adam_betas: [f64; 2],
    /// Rows per step; must be a multiple of `pac`. Default 500 (`batch_size`, ctgan.py L160).
    pub batch_size: usize,
    /// Critic updates per generator update. Default 1 (ctgan.py L161: "to match original CTGAN
    /// implementation"; the WGAN-GP paper uses 5).
    pub discriminator_steps: usize,
    /// Training-by-sampling picks categories ∝ log(count + 1) instead of ∝ count. Default true
    /// (`log_frequency`, ctgan.py L162; data_sampler.py L63–66).
    pub log_frequency: bool,
    /// Training epochs; an epoch is `max(N / batch_size, 1)` steps. Default 300 (`epochs`,
    /// ctgan.py L164, L387).
    pub epochs: usize,
    /// PacGAN packing: rows the critic sees together. Default 10 (`pac`, ctgan.py L165).
    pub pac: usize,
    /// Gradient-penalty weight λ. Default 10 (`lambda_=10`, ctgan.py L35).
    pub gradient_penalty: f64,
    /// Temperature of the Gumbel-softmax on every softmax span. Default 0.2 (ctgan.py L233).
    pub gumbel_tau: f64,
    /// Critic dropout probability. Default 0.5 (ctgan.py L50).
    pub discriminator_dropout: f64,
}

impl Default for CtganConfig {
    fn default() -> Self {
        Self {
            embedding_dim: 128,
            generator_dims: vec![256, 256],
            discriminator_dims: vec![256, 256],
            generator_lr: 2e-4,
            generator_decay: 1e-6,
            discriminator_lr: 2e-4,
            discriminator_decay: 1e-6,
            adam_betas: [0.5, 0.9],
            batch_size: 500,
            discriminator_steps: 1,
            log_frequency: true,
            epochs: 300,
            pac: 10,
            gradient_penalty: 10.0,
            gumbel_tau: 0.2,
            discriminator_dropout: 0.5,
        }
    }
}

impl CtganConfig {
    /// The paper defaults (same as [`Default`]).
    pub fn paper() -> Self {
        Self::default()
    }

    /// Checks every hyperparameter before anything is allocated.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the first bad key and how to fix it.
    pub fn check(&self) -> ModelResult<()> {
        check_positive_usize("embedding_dim", self.embedding_dim)?;
        check_dims("generator_dims", &self.generator_dims)?;
        check_dims("discriminator_dims", &self.discriminator_dims)?;
        check_lr("generator_lr", self.generator_lr)?;
        check_lr("discriminator_lr", self.discriminator_lr)?;
        check_decay("generator_decay", self.generator_decay)?;
        check_decay("discriminator_decay", self.discriminator_decay)?;
        check_betas(self.adam_betas)?;
        check_positive_usize("batch_size", self.batch_size)?;
        check_positive_usize("pac", self.pac)?;
        if !self.batch_size.is_multiple_of(self.pac) {
            return Err(ModelError::invalid(
                "batch_size",
                format!(
                    "batch_size ({}) is not a multiple of pac ({})",
                    self.batch_size, self.pac
                ),
                format!(
                    "use a batch_size that pac divides, e.g. {}",
                    (self.batch_size / self.pac).max(1) * self.pac
                ),
            ));
        }
        check_positive_usize("discriminator_steps", self.discriminator_steps)?;
        check_positive_usize("epochs", self.epochs)?;
        if !(self.gradient_penalty.is_finite() && self.gradient_penalty >= 0.0) {
            return Err(ModelError::invalid(
                "gradient_penalty",
                format!("{} is not a finite number ≥ 0", self.gradient_penalty),
                "use the paper's 10",
            ));
        }
        if !(self.gumbel_tau.is_finite() && self.gumbel_tau > 0.0) {
            return Err(ModelError::invalid(
                "gumbel_tau",
                format!("{} is not a finite number > 0", self.gumbel_tau),
                "use the paper's 0.2",
            ));
        }
        check_fraction(
            "discriminator_dropout",
            self.discriminator_dropout,
            "use the paper's 0.5, or 0 to turn dropout off",
        )?;
        Ok(())
    }
}

/// TVAE hyperparameters (arXiv:1907.00503; reference `ctgan/synthesizers/tvae.py`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TvaeConfig {
    /// Latent width. Default 128 (`embedding_dim`, tvae.py L111).
    pub embedding_dim: usize,
    /// Encoder hidden widths (Linear → ReLU each). Default `[128, 128]` (`compress_dims`,
    /// tvae.py L112, L29–39).
    pub compress_dims: Vec<usize>,
    /// Decoder hidden widths (Linear → ReLU each, then Linear to the data width). Default
    /// `[128, 128]` (`decompress_dims`, tvae.py L113, L62–72).
    pub decompress_dims: Vec<usize>,
    /// Adam weight decay. Default 1e-5 (`l2scale`, tvae.py L114, L157–159).
    pub l2scale: f64,
    /// Adam learning rate. Default 1e-3 (PyTorch's default; tvae.py L157 passes none).
    pub lr: f64,
    /// Adam (β₁, β₂). Default `[0.9, 0.999]` (PyTorch's default; tvae.py L157).
    pub adam_betas: [f64; 2],
    /// Rows per mini-batch (shuffled, last partial batch kept). Default 500 (`batch_size`,
    /// tvae.py L115, L152).
    pub batch_size: usize,
    /// Training epochs (passes over the data). Default 300 (`epochs`, tvae.py L116).
    pub epochs: usize,
    /// Weight of the reconstruction term against the KL term. Default 2 (`loss_factor`,
    /// tvae.py L117, L103).
    pub loss_factor: f64,
    /// Initial value of the learned per-output decoder σ. Default 0.1 (tvae.py L72).
    pub sigma_init: f64,
    /// Lower clamp of σ after every step. Default 0.01 (tvae.py L189).
    pub sigma_min: f64,
    /// Upper clamp of σ after every step. Default 1.0 (tvae.py L189).
    pub sigma_max: f64,
    /// synthkit extension, not in the paper: a conditional VAE. The condition vector (one
    /// discrete column's one-hot, CTGAN's layout) is concatenated to the encoder and decoder
    /// inputs, so `sample_where` can ask for a category without rejection. Used only when the
    /// data has discrete columns. Default true.
    pub conditional: bool,
}

impl Default for TvaeConfig {
    fn default() -> Self {
        Self {
            embedding_dim: 128,
            compress_dims: vec![128, 128],
            decompress_dims: vec![128, 128],
            l2scale: 1e-5,
            lr: 1e-3,
            adam_betas: [0.9, 0.999],
            batch_size: 500,
            epochs: 300,
            loss_factor: 2.0,
            sigma_init: 0.1,
            sigma_min: 0.01,
            sigma_max: 1.0,
            conditional: true,
        }
    }
}

impl TvaeConfig {
    /// The paper defaults (same as [`Default`]), with the conditional extension on.
    pub fn paper() -> Self {
        Self::default()
    }

    /// Checks every hyperparameter before anything is allocated.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the first bad key and how to fix it.
    pub fn check(&self) -> ModelResult<()> {
        check_positive_usize("embedding_dim", self.embedding_dim)?;
        check_dims("compress_dims", &self.compress_dims)?;
        check_dims("decompress_dims", &self.decompress_dims)?;
        check_decay("l2scale", self.l2scale)?;
        check_lr("lr", self.lr)?;
        check_betas(self.adam_betas)?;
        check_positive_usize("batch_size", self.batch_size)?;
        check_positive_usize("epochs", self.epochs)?;
        if !(self.loss_factor.is_finite() && self.loss_factor > 0.0) {
            return Err(ModelError::invalid(
                "loss_factor",
                format!("{} is not a finite number > 0", self.loss_factor),
                "use the paper's 2",
            ));
        }
        let ok = self.sigma_min.is_finite()
            && self.sigma_max.is_finite()
            && self.sigma_init.is_finite()
            && 0.0 < self.sigma_min
            && self.sigma_min <= self.sigma_init
            && self.sigma_init <= self.sigma_max;
        if !ok {
            return Err(ModelError::invalid(
                "sigma_init",
                format!(
                    "need 0 < sigma_min ({}) ≤ sigma_init ({}) ≤ sigma_max ({})",
                    self.sigma_min, self.sigma_init, self.sigma_max
                ),
                "use the paper's 0.01 ≤ 0.1 ≤ 1",
            ));
        }
        Ok(())
    }
}

/// The noise schedule of TabDDPM's diffusion (`get_named_beta_schedule`,
/// `tab_ddpm/gaussian_multinomial_diffsuion.py` L18–55).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// The cosine ᾱ schedule of Nichol & Dhariwal (s = 0.008, β capped at 0.999). The
    /// reference default.
    #[default]
    Cosine,
    /// β linear from 1e-4·1000/T to 0.02·1000/T.
    Linear,
}

/// TabDDPM hyperparameters (arXiv:2209.15421; reference `yandex-research/tab-ddpm`, see
/// `REFERENCES.md` §1.3). Defaults are the reference's base per-dataset config
/// (`exp/adult/config.toml`, the same for every data set) and `MLPDiffusion` /
/// `GaussianMultinomialDiffusion` defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TabDdpmConfig {
    /// Hidden widths of the denoiser MLP (Linear → ReLU → Dropout blocks, rtdl
    /// `MLP.make_baseline`). Default `[256, 256]` (`exp/adult/config.toml`
    /// `model_params.rtdl_params.d_layers`).
    pub d_layers: Vec<usize>,
    /// Dropout of the MLP blocks. Default 0 (`rtdl_params.dropout`).
    pub dropout: f64,
    /// Width of the time and label embeddings and of the projected input. Default 128
    /// (`MLPDiffusion` `dim_t`, `tab_ddpm/modules.py` L425ff).
    pub dim_t: usize,
    /// Diffusion steps T. Default 1000 (`diffusion_params.num_timesteps`; the tuned configs
    /// sometimes use 100).
    pub num_timesteps: usize,
    /// Noise schedule. Default cosine (`diffusion_params.scheduler`).
    pub scheduler: Schedule,
    /// Initial AdamW learning rate, decayed linearly to 0 over `steps` (`_anneal_lr`,
    /// `scripts/train.py` L28–32). Default 1e-3 (`train.main.lr`).
    pub lr: f64,
    /// AdamW (decoupled) weight decay. Default 1e-5 (`train.main.weight_decay`).
    pub weight_decay: f64,
    /// AdamW (β₁, β₂). Default `[0.9, 0.999]` (PyTorch's default; `scripts/train.py` L21
    /// passes none).
    pub adam_betas: [f64; 2],
    /// Rows per step; a data set smaller than this is used whole in every step (the reference's
    /// loader then yields the whole shuffled table). Default 4096 (`train.main.batch_size`).
    pub batch_size: usize,
    /// Optimiser steps in all. Default 1000 (`train.main.steps`; the tuned configs use
    /// 5000–30000).
    pub steps: usize,
    /// Optimiser steps per training block: the unit of progress, reseeding, loss history and
    /// checkpoints under synthkit's driver (the reference has none). The last block may be
    /// shorter. Default 100. (Read from the older key `steps_per_epoch` too.)
    #[serde(alias = "steps_per_epoch")]
    pub steps_per_block: usize,
    /// Rate of the exponential moving average of the weights, updated after every step; the
    /// EMA weights are what is saved and sampled. Default 0.999 (`scripts/train.py` L73,
    /// `scripts/utils_train.py` L21).
    pub ema_decay: f64,
    /// The target class is the denoiser's label input (`is_y_cond = true`, with an embedding
    /// added to the time embedding) instead of being diffused with the other categorical
    /// columns. Needed for `sample_where(target, …)`. Used only when the data has a discrete
    /// target. Default true (`model_params.is_y_cond`).
    pub class_conditional: bool,
}

impl Default for TabDdpmConfig {
    fn default() -> Self {
        Self {
            d_layers: vec![256, 256],
            dropout: 0.0,
            dim_t: 128,
            num_timesteps: 1000,
            scheduler: Schedule::Cosine,
            lr: 1e-3,
            weight_decay: 1e-5,
            adam_betas: [0.9, 0.999],
            batch_size: 4096,
            steps: 1000,
            steps_per_block: 100,
            ema_decay: 0.999,
            class_conditional: true,
        }
    }
}

impl TabDdpmConfig {
    /// The reference defaults (same as [`Default`]).
    pub fn paper() -> Self {
        Self::default()
    }

    /// Training blocks: `ceil(steps / steps_per_block)`.
    pub fn blocks(&self) -> usize {
        self.steps.div_ceil(self.steps_per_block.max(1))
    }

    /// Checks every hyperparameter before anything is allocated.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the first bad key and how to fix it.
    pub fn check(&self) -> ModelResult<()> {
        check_dims("d_layers", &self.d_layers)?;
        check_fraction("dropout", self.dropout, "use the reference's 0")?;
        check_positive_usize("dim_t", self.dim_t)?;
        if self.dim_t < 2 {
            return Err(ModelError::invalid(
                "dim_t",
                format!("{} is too small for a sinusoidal embedding", self.dim_t),
                "use the reference's 128",
            ));
        }
        if self.num_timesteps < 2 {
            return Err(ModelError::invalid(
                "num_timesteps",
                format!("{} steps cannot diffuse anything", self.num_timesteps),
                "use the reference's 1000 (or 100, as some tuned configs do)",
            ));
        }
        check_lr("lr", self.lr)?;
        check_decay("weight_decay", self.weight_decay)?;
        check_betas(self.adam_betas)?;
        check_positive_usize("batch_size", self.batch_size)?;
        check_positive_usize("steps", self.steps)?;
        check_positive_usize("steps_per_block", self.steps_per_block)?;
        check_fraction("ema_decay", self.ema_decay, "use the reference's 0.999")?;
        Ok(())
    }
}

/// The `[model]` section: which model, and its hyperparameters.
///
/// ```
/// # use synthkit_models::ModelConfig;
/// let cfg: ModelConfig = serde_json::from_str(r#"{"kind": "tvae", "epochs": 5}"#).unwrap();
/// assert_eq!(cfg.budget(), synthkit_models::Budget::Epochs(5));
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ModelConfig {
    /// CTGAN.
    Ctgan(CtganConfig),
    /// TVAE (optionally conditional).
    Tvae(TvaeConfig),
    /// TabDDPM (Gaussian + multinomial diffusion, class-conditional).
    #[serde(rename = "tabddpm")]
    TabDdpm(TabDdpmConfig),
    /// A Gaussian copula (statistical; no network, fitted in closed form).
    Copula(CopulaConfig),
    /// Conditional flow matching on TabDDPM's encoding.
    Flow(FlowConfig),
}

impl ModelConfig {
    /// Checks the chosen model's hyperparameters.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the bad key.
    pub fn check(&self) -> ModelResult<()> {
        match self {
            Self::Ctgan(c) => c.check(),
            Self::Tvae(c) => c.check(),
            Self::TabDdpm(c) => c.check(),
            Self::Copula(c) => c.check(),
            Self::Flow(c) => c.check(),
        }
    }

    /// How long the model trains: epochs (passes over the rows) or optimiser steps.
    pub fn budget(&self) -> Budget {
        match self {
            Self::Ctgan(c) => Budget::Epochs(c.epochs),
            Self::Tvae(c) => Budget::Epochs(c.epochs),
            Self::TabDdpm(c) => Budget::Steps(c.steps),
            Self::Copula(_) => Budget::Closed,
            Self::Flow(c) => Budget::Steps(c.steps),
        }
    }

    /// Sets the training length. A model counts either epochs or steps; giving it the other
    /// unit is an error naming the right one.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] for the wrong unit or a zero length.
    pub fn set_budget(&mut self, budget: Budget) -> ModelResult<()> {
        let kind = self.kind();
        let wrong = |key: &'static str, unit: &str, other: &str| {
            Err(ModelError::invalid(
                key,
                format!("{kind} trains for a number of {unit}, not {other}"),
                format!("give it {unit} (`{key}` in [model], or --{key})"),
            ))
        };
        match (&mut *self, budget) {
            (Self::Ctgan(c), Budget::Epochs(e)) => c.epochs = e,
            (Self::Tvae(c), Budget::Epochs(e)) => c.epochs = e,
            (Self::TabDdpm(c), Budget::Steps(s)) => c.steps = s,
            (Self::Flow(c), Budget::Steps(s)) => c.steps = s,
            (Self::TabDdpm(_) | Self::Flow(_), Budget::Epochs(_)) => {
                return wrong("steps", "optimiser steps", "epochs");
            }
            (Self::Copula(_), Budget::Closed) => {}
            (Self::Copula(_), _) => {
                return Err(ModelError::invalid(
                    "epochs",
                    "the Gaussian copula is fitted in closed form and has no training schedule",
                    "leave epochs and steps out for it",
                ));
            }
            (_, Budget::Steps(_)) => return wrong("epochs", "epochs", "optimiser steps"),
            (_, Budget::Closed) => return wrong("epochs", "epochs", "a closed-form fit"),
        }
        self.check()
    }

    /// Training blocks under the driver: epochs, or blocks of `steps_per_block` steps.
    pub fn blocks(&self) -> usize {
        match self {
            Self::Ctgan(c) => c.epochs,
            Self::Tvae(c) => c.epochs,
            Self::TabDdpm(c) => c.blocks(),
            Self::Copula(_) => 0,
            Self::Flow(c) => c.blocks(),
        }
    }

    /// Configured batch size.
    pub fn batch_size(&self) -> usize {
        match self {
            Self::Ctgan(c) => c.batch_size,
            Self::Tvae(c) => c.batch_size,
            Self::TabDdpm(c) => c.batch_size,
            Self::Copula(_) => 0,
            Self::Flow(c) => c.batch_size,
        }
    }

    /// `"ctgan"`, `"tvae"`, `"tabddpm"`, `"copula"` or `"flow"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ctgan(_) => "ctgan",
            Self::Tvae(_) => "tvae",
            Self::TabDdpm(_) => "tabddpm",
            Self::Copula(_) => "copula",
            Self::Flow(_) => "flow",
        }
    }
}

/// `v` must be a finite number in [0, 1) (a dropout rate, an EMA decay); `fix` says what to use.
fn check_fraction(key: &'static str, v: f64, fix: &str) -> ModelResult<()> {
    if !(v.is_finite() && (0.0..1.0).contains(&v)) {
        return Err(ModelError::invalid(
            key,
            format!("{v} is not in [0, 1)"),
            fix,
        ));
    }
    Ok(())
}

fn check_positive_usize(key: &'static str, v: usize) -> ModelResult<()> {
    if v == 0 {
        return Err(ModelError::invalid(
            key,
            "must be at least 1, got 0",
            "set it to a positive integer",
        ));
    }
    Ok(())
}

fn check_dims(key: &'static str, dims: &[usize]) -> ModelResult<()> {
    if dims.is_empty() {
        return Err(ModelError::invalid(
            key,
            "is empty",
            "give at least one layer width, e.g. [256, 256]",
        ));
    }
    if dims.contains(&0) {
        return Err(ModelError::invalid(
            key,
            format!("{dims:?} contains a zero width"),
            "use positive widths",
        ));
    }
    Ok(())
}

fn check_lr(key: &'static str, lr: f64) -> ModelResult<()> {
    if !(lr.is_finite() && lr > 0.0) {
        return Err(ModelError::invalid(
            key,
            format!("{lr} is not a finite number > 0"),
            "use a small positive learning rate, e.g. 2e-4 (CTGAN) or 1e-3 (TVAE)",
        ));
    }
    Ok(())
}

fn check_decay(key: &'static str, d: f64) -> ModelResult<()> {
    if !(d.is_finite() && d >= 0.0) {
        return Err(ModelError::invalid(
            key,
            format!("{d} is not a finite number ≥ 0"),
            "use 0 or a small value such as 1e-6",
        ));
    }
    Ok(())
}

fn check_betas(b: [f64; 2]) -> ModelResult<()> {
    if !b.iter().all(|x| x.is_finite() && (0.0..1.0).contains(x)) {
        return Err(ModelError::invalid(
            "adam_betas",
            format!("{b:?}: both must be in [0, 1)"),
            "use [0.5, 0.9] (CTGAN) or [0.9, 0.999] (TVAE)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctgan_err(f: impl FnOnce(&mut CtganConfig)) -> &'static str {
        let mut c = CtganConfig::default();
        f(&mut c);
        c.check().expect_err("config should be rejected").key()
    }

    fn tvae_err(f: impl FnOnce(&mut TvaeConfig)) -> &'static str {
        let mut c = TvaeConfig::default();
        f(&mut c);
        c.check().expect_err("config should be rejected").key()
    }

    #[test]
    fn defaults_are_valid_and_match_the_paper() {
        CtganConfig::paper().check().unwrap();
        TvaeConfig::paper().check().unwrap();
        let c = CtganConfig::default();
        assert_eq!(
            (c.embedding_dim, c.batch_size, c.pac, c.epochs),
            (128, 500, 10, 300)
        );
        assert_eq!(c.adam_betas, [0.5, 0.9]);
        let t = TvaeConfig::default();
        assert_eq!(
            (t.embedding_dim, t.loss_factor, t.sigma_init),
            (128, 2.0, 0.1)
        );
    }

    #[test]
    fn test_invalid_ctgan_batch_not_multiple_of_pac() {
        assert_eq!(ctgan_err(|c| c.batch_size = 505), "batch_size");
        let e = CtganConfig {
            batch_size: 505,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(e.to_string().contains("multiple of pac"), "{e}");
        assert!(e.to_string().contains("500"), "{e}");
    }
    #[test]
    fn test_invalid_ctgan_zero_pac() {
        assert_eq!(ctgan_err(|c| c.pac = 0), "pac");
    }
    #[test]
    fn test_invalid_ctgan_zero_batch() {
        assert_eq!(ctgan_err(|c| c.batch_size = 0), "batch_size");
    }
    #[test]
    fn test_invalid_ctgan_zero_epochs() {
        assert_eq!(ctgan_err(|c| c.epochs = 0), "epochs");
    }
    #[test]
    fn test_invalid_ctgan_empty_generator_dims() {
        assert_eq!(ctgan_err(|c| c.generator_dims.clear()), "generator_dims");
    }
    #[test]
    fn test_invalid_ctgan_zero_width_discriminator() {
        assert_eq!(
            ctgan_err(|c| c.discriminator_dims = vec![256, 0]),
            "discriminator_dims"
        );
    }
    #[test]
    fn test_invalid_ctgan_negative_lr() {
        assert_eq!(ctgan_err(|c| c.generator_lr = -1e-4), "generator_lr");
        assert_eq!(
            ctgan_err(|c| c.discriminator_lr = f64::NAN),
            "discriminator_lr"
        );
    }
    #[test]
    fn test_invalid_ctgan_negative_decay() {
        assert_eq!(ctgan_err(|c| c.generator_decay = -1.0), "generator_decay");
    }
    #[test]
    fn test_invalid_ctgan_betas() {
        assert_eq!(ctgan_err(|c| c.adam_betas = [1.0, 0.9]), "adam_betas");
    }
    #[test]
    fn test_invalid_ctgan_zero_embedding() {
        assert_eq!(ctgan_err(|c| c.embedding_dim = 0), "embedding_dim");
    }
    #[test]
    fn test_invalid_ctgan_zero_discriminator_steps() {
        assert_eq!(
            ctgan_err(|c| c.discriminator_steps = 0),
            "discriminator_steps"
        );
    }
    #[test]
    fn test_invalid_ctgan_tau_penalty_dropout() {
        assert_eq!(ctgan_err(|c| c.gumbel_tau = 0.0), "gumbel_tau");
        assert_eq!(ctgan_err(|c| c.gradient_penalty = -1.0), "gradient_penalty");
        assert_eq!(
            ctgan_err(|c| c.discriminator_dropout = 1.0),
            "discriminator_dropout"
        );
    }
    #[test]
    fn test_invalid_tvae_zero_epochs() {
        assert_eq!(tvae_err(|c| c.epochs = 0), "epochs");
    }
    #[test]
    fn test_invalid_tvae_zero_batch() {
        assert_eq!(tvae_err(|c| c.batch_size = 0), "batch_size");
    }
    #[test]
    fn test_invalid_tvae_empty_dims() {
        assert_eq!(tvae_err(|c| c.compress_dims.clear()), "compress_dims");
        assert_eq!(tvae_err(|c| c.decompress_dims = vec![0]), "decompress_dims");
    }
    #[test]
    fn test_invalid_tvae_negative_lr() {
        assert_eq!(tvae_err(|c| c.lr = -1e-3), "lr");
    }
    #[test]
    fn test_invalid_tvae_negative_l2scale() {
        assert_eq!(tvae_err(|c| c.l2scale = -1e-5), "l2scale");
    }
    #[test]
    fn test_invalid_tvae_loss_factor() {
        assert_eq!(tvae_err(|c| c.loss_factor = 0.0), "loss_factor");
    }
    #[test]
    fn test_invalid_tvae_sigma_bounds() {
        assert_eq!(tvae_err(|c| c.sigma_init = 2.0), "sigma_init");
        assert_eq!(tvae_err(|c| c.sigma_min = 0.0), "sigma_init");
    }
    #[test]
    fn test_invalid_tvae_zero_embedding() {
        assert_eq!(tvae_err(|c| c.embedding_dim = 0), "embedding_dim");
    }

    fn ddpm_err(f: impl FnOnce(&mut TabDdpmConfig)) -> &'static str {
        let mut c = TabDdpmConfig::default();
        f(&mut c);
        c.check().expect_err("config should be rejected").key()
    }

    #[test]
    fn tabddpm_defaults_are_the_reference_base_config() {
        let c = TabDdpmConfig::paper();
        c.check().unwrap();
        assert_eq!(
            (c.num_timesteps, c.batch_size, c.steps, c.dim_t),
            (1000, 4096, 1000, 128)
        );
        assert_eq!((c.lr, c.weight_decay, c.ema_decay), (1e-3, 1e-5, 0.999));
        assert_eq!(c.scheduler, Schedule::Cosine);
        assert_eq!(c.blocks(), 10);
        let odd = TabDdpmConfig {
            steps: 250,
            ..Default::default()
        };
        assert_eq!(odd.blocks(), 3);
        let mut m = ModelConfig::TabDdpm(odd);
        m.set_budget(Budget::Steps(400)).unwrap();
        assert_eq!(m.blocks(), 4);
        assert_eq!(m.budget(), Budget::Steps(400));
        assert_eq!(m.kind(), "tabddpm");
        // The wrong unit is an error naming the right key.
        let e = m.set_budget(Budget::Epochs(4)).unwrap_err();
        assert_eq!(e.key(), "steps");
        let mut c = ModelConfig::Ctgan(CtganConfig::default());
        assert_eq!(c.set_budget(Budget::Steps(4)).unwrap_err().key(), "epochs");
        c.set_budget(Budget::Epochs(7)).unwrap();
        assert_eq!((c.budget(), c.blocks()), (Budget::Epochs(7), 7));
        let mut cop = ModelConfig::Copula(CopulaConfig::default());
        assert_eq!(cop.budget(), Budget::Closed);
        assert!(cop.set_budget(Budget::Epochs(3)).is_err());
        assert_eq!(c.set_budget(Budget::Epochs(0)).unwrap_err().key(), "epochs");
    }

    #[test]
    fn test_invalid_tabddpm_settings() {
        assert_eq!(ddpm_err(|c| c.num_timesteps = 1), "num_timesteps");
        assert_eq!(ddpm_err(|c| c.d_layers.clear()), "d_layers");
        assert_eq!(ddpm_err(|c| c.ema_decay = 1.0), "ema_decay");
        assert_eq!(ddpm_err(|c| c.steps = 0), "steps");
        assert_eq!(ddpm_err(|c| c.steps_per_block = 0), "steps_per_block");
        assert_eq!(ddpm_err(|c| c.lr = 0.0), "lr");
        assert_eq!(ddpm_err(|c| c.dropout = 1.0), "dropout");
        assert_eq!(ddpm_err(|c| c.dim_t = 1), "dim_t");
        assert_eq!(ddpm_err(|c| c.weight_decay = -1.0), "weight_decay");
        let e = TabDdpmConfig {
            ema_decay: 1.5,
            ..Default::default()
        }
        .check()
        .unwrap_err();
        assert!(e.to_string().contains("0.999"), "{e}");
    }

    #[test]
    fn tabddpm_kind_parses_from_toml() {
        let c: ModelConfig =
            toml::from_str("kind = \"tabddpm\"\nsteps = 30\nscheduler = \"linear\"\n").unwrap();
        assert_eq!(
            c,
            ModelConfig::TabDdpm(TabDdpmConfig {
                steps: 30,
                scheduler: Schedule::Linear,
                ..Default::default()
            })
        );
        assert!(toml::from_str::<ModelConfig>("kind = \"tabddpm\"\nepochs = 3\n").is_err());
    }

    #[test]
    fn kind_tag_selects_the_model_and_missing_keys_get_defaults() {
        let c: ModelConfig =
            toml::from_str("kind = \"ctgan\"\nepochs = 7\npac = 5\nbatch_size = 50\n").unwrap();
        match &c {
            ModelConfig::Ctgan(c) => {
                assert_eq!((c.epochs, c.pac, c.batch_size), (7, 5, 50));
                assert_eq!(c.embedding_dim, 128);
            }
            other => panic!("wrong variant {other:?}"),
        }
        let t: ModelConfig =
            serde_json::from_str(r#"{"kind":"tvae","conditional":false}"#).unwrap();
        assert_eq!(
            t,
            ModelConfig::Tvae(TvaeConfig {
                conditional: false,
                ..Default::default()
            })
        );
        let only_kind: ModelConfig = toml::from_str("kind = \"tvae\"").unwrap();
        assert_eq!(only_kind, ModelConfig::Tvae(TvaeConfig::default()));
    }

    #[test]
    fn unknown_key_inside_the_model_section_is_rejected() {
        let e = toml::from_str::<ModelConfig>("kind = \"ctgan\"\nepoch = 7\n").unwrap_err();
        assert!(e.to_string().contains("epoch"), "{e}");
        let e = serde_json::from_str::<ModelConfig>(r#"{"kind":"tvae","compress_dim":[1]}"#)
            .unwrap_err();
        assert!(e.to_string().contains("compress_dim"), "{e}");
        // A key of the other model is unknown too.
        assert!(serde_json::from_str::<ModelConfig>(r#"{"kind":"tvae","pac":10}"#).is_err());
        // Unknown kind.
        assert!(serde_json::from_str::<ModelConfig>(r#"{"kind":"gan"}"#).is_err());
        // Missing kind.
        assert!(serde_json::from_str::<ModelConfig>(r#"{"epochs":3}"#).is_err());
    }

    #[test]
    fn config_round_trips_through_json_and_toml() {
        for c in [
            ModelConfig::Ctgan(CtganConfig::default()),
            ModelConfig::Tvae(TvaeConfig::default()),
            ModelConfig::TabDdpm(TabDdpmConfig::default()),
        ] {
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<ModelConfig>(&j).unwrap(), c);
            let t = toml::to_string(&c).unwrap();
            assert_eq!(toml::from_str::<ModelConfig>(&t).unwrap(), c);
        }
    }
}

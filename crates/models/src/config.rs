//! Hyperparameters of CTGAN and TVAE, with the defaults of the paper's reference code.
//!
//! Every field documents its default and where it comes from (`sdv-dev/CTGAN`
//! `ctgan/synthesizers/ctgan.py` and `tvae.py`, see `REFERENCES.md` §1.1–1.2). The structs are
//! plain serde types with `#[serde(default, deny_unknown_fields)]`: a TOML `[model]` section may
//! leave any key out (it gets the paper default) but a misspelt key is an error, not silently
//! ignored. [`ModelConfig`] picks the model with a `kind = "ctgan" | "tvae"` key.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, ModelResult};

/// Adam's ε. PyTorch's default (1e-8), which the reference code uses; burn's own default is 1e-5.
pub const ADAM_EPSILON: f64 = 1e-8;

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
        if !(self.discriminator_dropout.is_finite()
            && (0.0..1.0).contains(&self.discriminator_dropout))
        {
            return Err(ModelError::invalid(
                "discriminator_dropout",
                format!("{} is not in [0, 1)", self.discriminator_dropout),
                "use the paper's 0.5, or 0 to turn dropout off",
            ));
        }
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

/// The `[model]` section: which model, and its hyperparameters.
///
/// ```
/// # use synthkit_models::ModelConfig;
/// let cfg: ModelConfig = serde_json::from_str(r#"{"kind": "tvae", "epochs": 5}"#).unwrap();
/// assert_eq!(cfg.epochs(), 5);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ModelConfig {
    /// CTGAN.
    Ctgan(CtganConfig),
    /// TVAE (optionally conditional).
    Tvae(TvaeConfig),
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
        }
    }

    /// Configured epochs.
    pub fn epochs(&self) -> usize {
        match self {
            Self::Ctgan(c) => c.epochs,
            Self::Tvae(c) => c.epochs,
        }
    }

    /// Configured batch size.
    pub fn batch_size(&self) -> usize {
        match self {
            Self::Ctgan(c) => c.batch_size,
            Self::Tvae(c) => c.batch_size,
        }
    }

    /// `"ctgan"` or `"tvae"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Ctgan(_) => "ctgan",
            Self::Tvae(_) => "tvae",
        }
    }
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
        ] {
            let j = serde_json::to_string(&c).unwrap();
            assert_eq!(serde_json::from_str::<ModelConfig>(&j).unwrap(), c);
            let t = toml::to_string(&c).unwrap();
            assert_eq!(toml::from_str::<ModelConfig>(&t).unwrap(), c);
        }
    }
}

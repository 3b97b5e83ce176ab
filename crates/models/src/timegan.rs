//! TimeGAN (Yoon, Jarrett, van der Schaar, NeurIPS 2019; reference code `jsyoon0823/TimeGAN`,
//! TensorFlow 1): its hyperparameters with the reference defaults, and its five networks.
//!
//! Every network is a stack of GRU layers (tanh candidate, sigmoid gates, reset applied before
//! the hidden matmul as TF1's `GRUCell`) followed by one dense layer applied at every step
//! (`timegan.py` L105–183, `utils.py` `rnn_cell` L82–101):
//!
//! | network | maps | GRU layers | dense out | activation |
//! |---|---|---|---|---|
//! | embedder | X ⊕ c → H | `num_layers` | `hidden_dim` | sigmoid |
//! | recovery | H → X̃ | `num_layers` | features | sigmoid |
//! | generator | Z ⊕ c → Ê | `num_layers` | `hidden_dim` | sigmoid |
//! | supervisor | H → Ŝ | `num_layers − 1` | `hidden_dim` | sigmoid |
//! | discriminator | H ⊕ c → Y | `num_layers` | 1 | none (logit per step) |
//!
//! **synthkit extension, not in the paper:** with [`TimeGanConfig::conditional`] the one-hot
//! sequence label `c` is concatenated to the inputs of the embedder, the generator and the
//! discriminator at every step (as a conditional GAN), so the rare class can be sampled
//! directly. Without labels (or with `conditional = false`) the networks are the reference's.

use burn::nn::gru::{Gru, GruConfig};

use crate::gru::gru_sequence;
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, ModelResult};

/// TimeGAN hyperparameters. Defaults are the reference's (`main_timegan.py` L119–157 and
/// `timegan.py`, see `REFERENCES.md` §1.4).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeGanConfig {
    /// Width of every GRU and of the latent space H. Default 24 (`hidden_dim`,
    /// main_timegan.py L143).
    pub hidden_dim: usize,
    /// GRU layers per network (the supervisor has one fewer). Default 3 (`num_layer`,
    /// main_timegan.py L147). Must be at least 2 so that the supervisor has a layer.
    pub num_layers: usize,
    /// Training iterations of **each** of the three phases. Default 50,000 (`iteration`,
    /// main_timegan.py L151; timegan.py L226–290).
    pub iterations: usize,
    /// Sequences per mini-batch (drawn without replacement each iteration). Default 128
    /// (`batch_size`, main_timegan.py L155).
    pub batch_size: usize,
    /// Adam learning rate of all five optimisers. Default 1e-3 (TF1 `AdamOptimizer()` default,
    /// timegan.py L217–221).
    pub lr: f64,
    /// Adam (β₁, β₂). Default `[0.9, 0.999]` (TF1 default).
    pub adam_betas: [f64; 2],
    /// Adam ε. Default 1e-8 (TF1 `AdamOptimizer` default).
    pub adam_epsilon: f64,
    /// γ, the weight of the discriminator/generator terms on the un-supervised latent Ê.
    /// Default 1 (`gamma = 1`, timegan.py L77).
    pub gamma: f64,
    /// Weight of √(supervised loss) in the generator loss. Default 100 (timegan.py L209).
    pub supervised_weight: f64,
    /// Weight of the two-moment loss in the generator loss. Default 100 (timegan.py L209).
    pub moment_weight: f64,
    /// Weight of √(reconstruction MSE) in the embedder loss. Default 10 (timegan.py L213).
    pub reconstruction_weight: f64,
    /// Weight of the supervised loss in the joint-phase embedder loss. Default 0.1
    /// (timegan.py L214).
    pub embedder_supervised_weight: f64,
    /// Generator + embedder updates per joint iteration. Default 2 (`for kk in range(2)`,
    /// timegan.py L262).
    pub generator_steps: usize,
    /// The discriminator is updated only while its loss exceeds this. Default 0.15
    /// (timegan.py L280).
    pub discriminator_threshold: f64,
    /// synthkit extension: condition embedder, generator and discriminator on the one-hot
    /// sequence label (when the data are labelled). Default true.
    pub conditional: bool,
}

impl Default for TimeGanConfig {
    fn default() -> Self {
        Self {
            hidden_dim: 24,
            num_layers: 3,
            iterations: 50_000,
            batch_size: 128,
            lr: 1e-3,
            adam_betas: [0.9, 0.999],
            adam_epsilon: 1e-8,
            gamma: 1.0,
            supervised_weight: 100.0,
            moment_weight: 100.0,
            reconstruction_weight: 10.0,
            embedder_supervised_weight: 0.1,
            generator_steps: 2,
            discriminator_threshold: 0.15,
            conditional: true,
        }
    }
}

fn positive(key: &'static str, v: usize, min: usize, fix: &str) -> ModelResult<()> {
    if v < min {
        return Err(ModelError::invalid(
            key,
            format!("must be at least {min}, got {v}"),
            fix,
        ));
    }
    Ok(())
}

fn non_negative(key: &'static str, v: f64, fix: &str) -> ModelResult<()> {
    if !(v.is_finite() && v >= 0.0) {
        return Err(ModelError::invalid(
            key,
            format!("{v} is not a finite number ≥ 0"),
            fix,
        ));
    }
    Ok(())
}

impl TimeGanConfig {
    /// The reference defaults (same as [`Default`]).
    pub fn paper() -> Self {
        Self::default()
    }

    /// Checks every hyperparameter before anything is allocated.
    ///
    /// # Errors
    /// [`ModelError::InvalidConfig`] naming the first bad key and how to fix it.
    pub fn check(&self) -> ModelResult<()> {
        positive("hidden_dim", self.hidden_dim, 1, "use the paper's 24")?;
        positive(
            "num_layers",
            self.num_layers,
            2,
            "use the paper's 3 (the supervisor has num_layers − 1 GRU layers, so at least 2)",
        )?;
        positive(
            "iterations",
            self.iterations,
            1,
            "set a positive number of iterations per phase",
        )?;
        positive("batch_size", self.batch_size, 1, "use the paper's 128")?;
        positive(
            "generator_steps",
            self.generator_steps,
            1,
            "use the paper's 2",
        )?;
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(ModelError::invalid(
                "lr",
                format!("{} is not a finite number > 0", self.lr),
                "use the reference's 1e-3",
            ));
        }
        if !self
            .adam_betas
            .iter()
            .all(|x| x.is_finite() && (0.0..1.0).contains(x))
        {
            return Err(ModelError::invalid(
                "adam_betas",
                format!("{:?}: both must be in [0, 1)", self.adam_betas),
                "use [0.9, 0.999]",
            ));
        }
        if !(self.adam_epsilon.is_finite() && self.adam_epsilon > 0.0) {
            return Err(ModelError::invalid(
                "adam_epsilon",
                format!("{} is not a finite number > 0", self.adam_epsilon),
                "use TF's 1e-8",
            ));
        }
        non_negative("gamma", self.gamma, "use the paper's 1")?;
        non_negative("supervised_weight", self.supervised_weight, "use 100")?;
        non_negative("moment_weight", self.moment_weight, "use 100")?;
        non_negative(
            "reconstruction_weight",
            self.reconstruction_weight,
            "use 10",
        )?;
        non_negative(
            "embedder_supervised_weight",
            self.embedder_supervised_weight,
            "use 0.1",
        )?;
        non_negative(
            "discriminator_threshold",
            self.discriminator_threshold,
            "use the reference's 0.15",
        )?;
        Ok(())
    }

    /// Builds the five networks for sequences of `n_features` features and a condition of
    /// `cond_dim` columns (0: unconditional, the reference model).
    pub fn init(&self, n_features: usize, cond_dim: usize, device: &Device) -> TimeGanNets {
        let h = self.hidden_dim;
        TimeGanNets {
            embedder: GruStack::new(n_features + cond_dim, h, self.num_layers, h, device),
            recovery: GruStack::new(h, h, self.num_layers, n_features, device),
            // z_dim = dim (timegan.py L76).
            generator: GruStack::new(n_features + cond_dim, h, self.num_layers, h, device),
            supervisor: GruStack::new(h, h, self.num_layers - 1, h, device),
            discriminator: GruStack::new(h + cond_dim, h, self.num_layers, 1, device),
        }
    }
}

/// GRU layers followed by a dense layer applied at every step (no output activation; the caller
/// applies it).
///
/// TimeGAN's networks read and write sequences **time-major**, `[steps, batch, d]`: each GRU
/// layer is one fused operation over the whole sequence ([`crate::gru`]), and the dense layer
/// one matrix product over all steps. [`GruStack::forward`] and [`GruStack::forward_last`] take
/// the batch-major `[batch, steps, d]` of the data files.
#[derive(Module, Debug)]
pub struct GruStack {
    layers: Vec<Gru>,
    out: Linear,
}

impl GruStack {
    /// `layers` GRUs of width `hidden` (the first reading `d_input`), then dense → `d_output`.
    /// GRUs use TF1's variant (reset before the hidden matmul); the dense layer is Glorot-uniform
    /// as TF's `tf.contrib.layers.fully_connected`.
    pub fn new(
        d_input: usize,
        hidden: usize,
        layers: usize,
        d_output: usize,
        device: &Device,
    ) -> Self {
        let layers = (0..layers)
            .map(|i| {
                GruConfig::new(if i == 0 { d_input } else { hidden }, hidden, true)
                    .with_reset_after(false)
                    .init(device)
            })
            .collect();
        Self {
            layers,
            out: LinearConfig::new(hidden, d_output)
                .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                .init(device),
        }
    }

    /// Number of GRU layers.
    pub fn depth(&self) -> usize {
        self.layers.len()
    }

    /// The last GRU layer's states, `[steps, batch, hidden]` (the input itself without layers).
    fn hidden(&self, x: Tensor<3>) -> Tensor<3> {
        self.layers.iter().fold(x, |h, l| gru_sequence(l, h))
    }

    /// # Shapes
    /// - `x`: `[steps, batch, d_input]`; returns `[steps, batch, d_output]`, before any
    ///   activation
    pub fn forward_time_major(&self, x: Tensor<3>) -> Tensor<3> {
        self.out.forward(self.hidden(x))
    }

    /// `sigmoid` of [`GruStack::forward_time_major`].
    pub fn forward_sigmoid(&self, x: Tensor<3>) -> Tensor<3> {
        sigmoid(self.forward_time_major(x))
    }

    /// # Shapes
    /// - `x`: `[batch, steps, d_input]`
    /// - returns `[batch, steps, d_output]`, before any activation
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_time_major(x.swap_dims(0, 1)).swap_dims(0, 1)
    }

    /// The last step's output, `[batch, d_output]` (used by the post-hoc classifiers).
    ///
    /// # Shapes
    /// - `x`: `[batch, steps, d_input]`
    pub fn forward_last(&self, x: Tensor<3>) -> Tensor<2> {
        let h = self.hidden(x.swap_dims(0, 1));
        let [t, b, d] = h.dims();
        self.out.forward(h.narrow(0, t - 1, 1).reshape([b, d]))
    }
}

/// The five TimeGAN networks.
#[derive(Module, Debug)]
pub struct TimeGanNets {
    /// X ⊕ c → H.
    pub embedder: GruStack,
    /// H → X̃.
    pub recovery: GruStack,
    /// Z ⊕ c → Ê.
    pub generator: GruStack,
    /// H → next-step H.
    pub supervisor: GruStack,
    /// H ⊕ c → per-step logit.
    pub discriminator: GruStack,
}

/// Concatenates the condition `c` (`[batch, cond]`) to every step of the time-major `x`
/// (`[steps, batch, d]`); returns `x` unchanged when `c` is `None`.
pub fn with_condition(x: Tensor<3>, c: Option<&Tensor<2>>) -> Tensor<3> {
    match c {
        None => x,
        Some(c) => {
            let [t, b, _] = x.dims();
            let k = c.dims()[1];
            let rep = c.clone().reshape([1, b, k]).repeat_dim(0, t);
            Tensor::cat(vec![x, rep], 2)
        }
    }
}

/// Every sequence below is time-major, `[steps, batch, d]`.
impl TimeGanNets {
    /// H = embedder(X ⊕ c), `[t, b, hidden]`.
    pub fn embed(&self, x: Tensor<3>, c: Option<&Tensor<2>>) -> Tensor<3> {
        self.embedder.forward_sigmoid(with_condition(x, c))
    }

    /// X̃ = recovery(H), `[t, b, features]`.
    pub fn recover(&self, h: Tensor<3>) -> Tensor<3> {
        self.recovery.forward_sigmoid(h)
    }

    /// Ê = generator(Z ⊕ c), `[t, b, hidden]`.
    pub fn generate(&self, z: Tensor<3>, c: Option<&Tensor<2>>) -> Tensor<3> {
        self.generator.forward_sigmoid(with_condition(z, c))
    }

    /// Ŝ = supervisor(H), `[t, b, hidden]`.
    pub fn supervise(&self, h: Tensor<3>) -> Tensor<3> {
        self.supervisor.forward_sigmoid(h)
    }

    /// Per-step logits of the discriminator on H ⊕ c, `[t, b, 1]`.
    pub fn discriminate(&self, h: Tensor<3>, c: Option<&Tensor<2>>) -> Tensor<3> {
        self.discriminator.forward_time_major(with_condition(h, c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;
    use serial_test::serial;

    #[test]
    fn defaults_are_the_reference_and_valid() {
        let c = TimeGanConfig::paper();
        c.check().unwrap();
        assert_eq!(
            (c.hidden_dim, c.num_layers, c.iterations, c.batch_size),
            (24, 3, 50_000, 128)
        );
        assert_eq!(
            (c.gamma, c.supervised_weight, c.moment_weight),
            (1.0, 100.0, 100.0)
        );
        assert_eq!((c.generator_steps, c.discriminator_threshold), (2, 0.15));
        let t: TimeGanConfig = toml::from_str("iterations = 10").unwrap();
        assert_eq!(t.iterations, 10);
        assert_eq!(t.hidden_dim, 24);
        assert!(toml::from_str::<TimeGanConfig>("iteration = 10").is_err());
    }

    #[test]
    fn invalid_settings_name_their_key() {
        let bad = |f: fn(&mut TimeGanConfig)| {
            let mut c = TimeGanConfig::default();
            f(&mut c);
            c.check().unwrap_err().key()
        };
        assert_eq!(bad(|c| c.num_layers = 1), "num_layers");
        assert_eq!(bad(|c| c.hidden_dim = 0), "hidden_dim");
        assert_eq!(bad(|c| c.iterations = 0), "iterations");
        assert_eq!(bad(|c| c.batch_size = 0), "batch_size");
        assert_eq!(bad(|c| c.lr = f64::NAN), "lr");
        assert_eq!(bad(|c| c.adam_betas = [0.9, 1.0]), "adam_betas");
        assert_eq!(bad(|c| c.gamma = -1.0), "gamma");
        assert_eq!(bad(|c| c.generator_steps = 0), "generator_steps");
        assert_eq!(
            bad(|c| c.discriminator_threshold = f64::INFINITY),
            "discriminator_threshold"
        );
    }

    #[test]
    #[serial]
    fn every_network_has_the_reference_shape() {
        let device = Device::flex();
        device.seed(0);
        let cfg = TimeGanConfig {
            hidden_dim: 5,
            num_layers: 3,
            ..Default::default()
        };
        let (b, t, f, k) = (4, 7, 3, 2);
        let nets = cfg.init(f, k, &device);
        assert_eq!(nets.embedder.depth(), 3);
        assert_eq!(nets.supervisor.depth(), 2);
        let x = Tensor::<3>::random([t, b, f], Distribution::Default, &device);
        let c = Tensor::<2>::zeros([b, k], &device);
        let h = nets.embed(x.clone(), Some(&c));
        assert_eq!(h.dims(), [t, b, 5]);
        assert_eq!(nets.recover(h.clone()).dims(), [t, b, f]);
        let e = nets.generate(x.clone(), Some(&c));
        assert_eq!(e.dims(), [t, b, 5]);
        assert_eq!(nets.supervise(e.clone()).dims(), [t, b, 5]);
        assert_eq!(nets.discriminate(e, Some(&c)).dims(), [t, b, 1]);
        // Sigmoid outputs lie in (0, 1).
        let v = h.into_data().try_to_vec_as::<f32>().unwrap();
        assert!(v.iter().all(|x| *x > 0.0 && *x < 1.0));
        // Unconditional: the reference networks.
        let nets = cfg.init(f, 0, &device);
        assert_eq!(nets.embed(x.clone(), None).dims(), [t, b, 5]);
        // The batch-major entry points read [batch, steps, d]; the last step of `forward` is
        // `forward_last`.
        let xb = x.swap_dims(0, 1);
        let all = nets.embedder.forward(xb.clone());
        assert_eq!(all.dims(), [b, t, 5]);
        let last = nets.embedder.forward_last(xb);
        assert_eq!(last.dims(), [b, 5]);
        let want = all.narrow(1, t - 1, 1).reshape([b, 5]);
        let (a, w) = (
            last.into_data().try_to_vec_as::<f32>().unwrap(),
            want.into_data().try_to_vec_as::<f32>().unwrap(),
        );
        assert!(a.iter().zip(&w).all(|(a, w)| (a - w).abs() < 1e-6));
    }

    #[test]
    fn condition_is_repeated_at_every_step() {
        let device = Device::flex();
        // Time-major: 3 steps of 2 sequences.
        let x = Tensor::<3>::zeros([3, 2, 1], &device);
        let c = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0], [2, 2]),
            &device,
        );
        let y = with_condition(x, Some(&c)).swap_dims(0, 1);
        assert_eq!(y.dims(), [2, 3, 3]);
        let v = y.into_data().try_to_vec_as::<f32>().unwrap();
        assert_eq!(&v[..9], &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(&v[9..12], &[0.0, 0.0, 1.0]);
    }
}

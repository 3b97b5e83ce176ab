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

/// A batch of sequences held step by step: one `[batch, d]` tensor per step.
///
/// The networks read and write sequences this way so that no step is ever cut out of a stacked
/// `[batch, steps, d]` tensor that carries gradients: the backward pass of such a slice writes a
/// whole sequence of zeros per step, `steps²` work per layer, which made a TimeGAN iteration on
/// 152-step series spend most of its time filling zeros. Stacking ([`stack`]) is cheap both
/// ways.
pub type Steps = Vec<Tensor<2>>;

/// The steps of `x` (`[batch, steps, d]`), each `[batch, d]`. For inputs without gradients
/// (data, noise); see [`Steps`].
pub fn unstack(x: Tensor<3>) -> Steps {
    let [b, t, d] = x.dims();
    (0..t)
        .map(|i| x.clone().slice([0..b, i..i + 1, 0..d]).reshape([b, d]))
        .collect()
}

/// The steps stacked into `[batch, steps, d]`.
pub fn stack(steps: &[Tensor<2>]) -> Tensor<3> {
    Tensor::stack(steps.to_vec(), 1)
}

/// GRU layers followed by a dense layer applied at every step (no output activation; the caller
/// applies it).
#[derive(Module, Debug)]
pub struct GruStack {
    layers: Vec<Gru>,
    out: Linear,
}

/// One GRU layer (TF1's variant: sigmoid gates, tanh candidate, reset applied before the hidden
/// matmul, every gate's input and hidden biases added) over a sequence, on `g`'s weights.
///
/// Per step: one matmul for the three gates' input projections (weights concatenated once per
/// call), one for the update and reset gates' hidden projections, one for the candidate's; the
/// state is updated as `h ← n + z ⊙ (h − n)`, i.e. `(1 − z) ⊙ n + z ⊙ h`. burn's own `Gru::forward`
/// computes the same function with six matmuls per step and writes each step into a stacked
/// tensor; this one is what makes long series affordable.
fn gru_layer(g: &Gru, xs: &[Tensor<2>]) -> Steps {
    debug_assert!(!g.reset_after && g.clip.is_none());
    let h = g.d_hidden;
    let gates = [&g.update_gate, &g.reset_gate, &g.new_gate];
    let w_x = Tensor::cat(
        gates
            .iter()
            .map(|c| c.input_transform.weight.val())
            .collect(),
        1,
    ); // [d, 3h]
    let bias = |l: &Linear| l.bias.as_ref().map(|b| b.val());
    let b_sum: Option<Tensor<1>> = gates
        .iter()
        .flat_map(|c| [bias(&c.input_transform), bias(&c.hidden_transform)])
        .collect::<Option<Vec<_>>>()
        .map(|v| {
            // [b_xz + b_hz, b_xr + b_hr, b_xn + b_hn], each [h].
            Tensor::cat(
                v.chunks(2).map(|p| p[0].clone() + p[1].clone()).collect(),
                0,
            )
        }); // [3h]
    let w_hzr = Tensor::cat(
        vec![
            g.update_gate.hidden_transform.weight.val(),
            g.reset_gate.hidden_transform.weight.val(),
        ],
        1,
    ); // [h, 2h]
    let w_hn = g.new_gate.hidden_transform.weight.val(); // [h, h]
    let Some(first) = xs.first() else {
        return Vec::new();
    };
    let b = first.dims()[0];
    let mut state = Tensor::<2>::zeros([b, h], &first.device());
    let mut out = Vec::with_capacity(xs.len());
    for x in xs {
        let mut xp = x.clone().matmul(w_x.clone()); // [b, 3h]
        if let Some(bs) = &b_sum {
            xp = xp + bs.clone().unsqueeze(); // [b, 3h]
        }
        let zr = sigmoid(xp.clone().narrow(1, 0, 2 * h) + state.clone().matmul(w_hzr.clone())); // [b, 2h]
        let z = zr.clone().narrow(1, 0, h);
        let r = zr.narrow(1, h, h);
        let n = (xp.narrow(1, 2 * h, h) + (r * state.clone()).matmul(w_hn.clone())).tanh(); // [b, h]
        state = n.clone() + z * (state - n);
        out.push(state.clone());
    }
    out
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

    /// The last GRU layer's states, step by step (the input itself without layers).
    fn hidden_steps(&self, xs: &[Tensor<2>]) -> Steps {
        let mut h: Steps = xs.to_vec();
        for l in &self.layers {
            h = gru_layer(l, &h); // each [batch, hidden]
        }
        h
    }

    /// Step by step: each `[batch, d_input]` in, each `[batch, d_output]` out, before any
    /// activation.
    pub fn forward_steps(&self, xs: &[Tensor<2>]) -> Steps {
        self.hidden_steps(xs)
            .into_iter()
            .map(|h| self.out.forward(h))
            .collect()
    }

    /// The GRU layers step by step, then the dense layer once on the stacked states: for
    /// outputs that only a loss reads (no further network), one matmul instead of one per step.
    ///
    /// # Shapes
    /// - `xs`: each `[batch, d_input]`; returns `[batch, steps, d_output]`, before any activation
    pub fn forward_stacked(&self, xs: &[Tensor<2>]) -> Tensor<3> {
        self.out.forward(stack(&self.hidden_steps(xs)))
    }

    /// `sigmoid` of [`GruStack::forward_steps`].
    pub fn forward_sigmoid(&self, xs: &[Tensor<2>]) -> Steps {
        self.forward_steps(xs).into_iter().map(sigmoid).collect()
    }

    /// # Shapes
    /// - `x`: `[batch, steps, d_input]` (without gradients; see [`Steps`])
    /// - returns `[batch, steps, d_output]`, before any activation
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        stack(&self.forward_steps(&unstack(x)))
    }

    /// The last step's output, `[batch, d_output]` (used by the post-hoc classifiers).
    pub fn forward_last(&self, x: Tensor<3>) -> Tensor<2> {
        let h = self.hidden_steps(&unstack(x));
        self.out
            .forward(h.into_iter().last().expect("a sequence has a step"))
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

/// Concatenates the condition `c` (`[batch, cond]`) to every step of `x` (`[batch, steps, d]`);
/// returns `x` unchanged when `c` is `None`.
pub fn with_condition(x: Tensor<3>, c: Option<&Tensor<2>>) -> Tensor<3> {
    match c {
        None => x,
        Some(c) => {
            let [b, t, _] = x.dims();
            let k = c.dims()[1];
            let rep = c.clone().reshape([b, 1, k]).repeat_dim(1, t);
            Tensor::cat(vec![x, rep], 2)
        }
    }
}

/// [`with_condition`] step by step.
pub fn with_condition_steps(xs: &[Tensor<2>], c: Option<&Tensor<2>>) -> Steps {
    match c {
        None => xs.to_vec(),
        Some(c) => xs
            .iter()
            .map(|x| Tensor::cat(vec![x.clone(), c.clone()], 1))
            .collect(),
    }
}

impl TimeGanNets {
    /// H = embedder(X ⊕ c), each step `[b, hidden]`.
    pub fn embed(&self, x: &[Tensor<2>], c: Option<&Tensor<2>>) -> Steps {
        self.embedder.forward_sigmoid(&with_condition_steps(x, c))
    }

    /// X̃ = recovery(H), `[b, t, features]` (only losses and samples read it).
    pub fn recover(&self, h: &[Tensor<2>]) -> Tensor<3> {
        sigmoid(self.recovery.forward_stacked(h))
    }

    /// Ê = generator(Z ⊕ c), each step `[b, hidden]`.
    pub fn generate(&self, z: &[Tensor<2>], c: Option<&Tensor<2>>) -> Steps {
        self.generator.forward_sigmoid(&with_condition_steps(z, c))
    }

    /// Ŝ = supervisor(H), each step `[b, hidden]`.
    pub fn supervise(&self, h: &[Tensor<2>]) -> Steps {
        self.supervisor.forward_sigmoid(h)
    }

    /// Per-step logits of the discriminator on H ⊕ c, `[b, t, 1]`.
    pub fn discriminate(&self, h: &[Tensor<2>], c: Option<&Tensor<2>>) -> Tensor<3> {
        self.discriminator
            .forward_stacked(&with_condition_steps(h, c))
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
        let x = unstack(Tensor::<3>::random(
            [b, t, f],
            Distribution::Default,
            &device,
        ));
        let c = Tensor::<2>::zeros([b, k], &device);
        let h = nets.embed(&x, Some(&c));
        assert_eq!(stack(&h).dims(), [b, t, 5]);
        assert_eq!(nets.recover(&h).dims(), [b, t, f]);
        let e = nets.generate(&x, Some(&c));
        assert_eq!(stack(&e).dims(), [b, t, 5]);
        assert_eq!(stack(&nets.supervise(&e)).dims(), [b, t, 5]);
        assert_eq!(nets.discriminate(&e, Some(&c)).dims(), [b, t, 1]);
        // Sigmoid outputs lie in (0, 1).
        let v = stack(&h).into_data().try_to_vec_as::<f32>().unwrap();
        assert!(v.iter().all(|x| *x > 0.0 && *x < 1.0));
        // Unconditional: the reference networks.
        let nets = cfg.init(f, 0, &device);
        let x = Tensor::<3>::random([b, t, f], Distribution::Default, &device);
        assert_eq!(
            stack(&nets.embed(&unstack(x.clone()), None)).dims(),
            [b, t, 5]
        );
        assert_eq!(nets.embedder.forward_last(x).dims(), [b, 5]);
    }

    /// The step-by-step GRU computes burn's `Gru::forward` (TF1's variant), within float
    /// rounding: the same weights, six matmuls per step there, three here.
    #[test]
    #[serial]
    fn the_fused_gru_is_burns_gru() {
        let device = Device::flex();
        device.seed(3);
        let g = GruConfig::new(3, 5, true)
            .with_reset_after(false)
            .init(&device);
        let x = Tensor::<3>::random([4, 9, 3], Distribution::Normal(0.0, 1.0), &device);
        let want = g
            .forward(x.clone(), None)
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let got = stack(&gru_layer(&g, &unstack(x)))
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert_eq!(want.len(), got.len());
        for (a, b) in want.iter().zip(&got) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn condition_is_repeated_at_every_step() {
        let device = Device::flex();
        let x = Tensor::<3>::zeros([2, 3, 1], &device);
        let c = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0], [2, 2]),
            &device,
        );
        let y = with_condition(x, Some(&c));
        assert_eq!(y.dims(), [2, 3, 3]);
        let v = y.into_data().try_to_vec_as::<f32>().unwrap();
        assert_eq!(&v[..9], &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0]);
        assert_eq!(&v[9..12], &[0.0, 0.0, 1.0]);
    }
}

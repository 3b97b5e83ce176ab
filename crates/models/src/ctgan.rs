//! CTGAN's networks (arXiv:1907.00503; reference `ctgan/synthesizers/ctgan.py` L19–98): a
//! residual generator and a PacGAN WGAN-GP critic whose input gradient is written in closed form,
//! because burn 0.22 has only first-order autodiff (BURN.md §3.3).

use burn::module::Param;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{leaky_relu, relu};

use crate::config::CtganConfig;
use crate::dense::Dense;
use crate::host::{View, rm};

/// LeakyReLU negative slope of the critic (ctgan.py L49).
pub const LEAKY_SLOPE: f64 = 0.2;

/// One generator block: Linear → BatchNorm → ReLU, output concatenated with the input
/// (`Residual`, ctgan.py L65–79). The width grows by `d_out` per block.
#[derive(Module, Debug)]
pub struct Residual {
    fc: Linear,
    bn: BatchNorm,
}

impl Residual {
    /// # Shapes
    /// - `x`: `[batch, d_in]`; returns `[batch, d_out + d_in]`
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let out = relu(self.bn.forward(self.fc.forward(x.clone()))); // [batch, d_out]
        Tensor::cat(vec![out, x], 1) // [batch, d_out + d_in]
    }
}

/// CTGAN's generator: residual blocks, then a Linear to the data width. Outputs raw logits;
/// apply [`crate::activation::ctgan_activate`] to get a data row.
#[derive(Module, Debug)]
pub struct Generator {
    blocks: Vec<Residual>,
    out: Linear,
}

/// A [`Generator`] for sampling, its batch norms folded into the Linears before them
/// ([`Generator::folded`]): each block is Linear → ReLU → concatenation, two passes over its
/// output where batch norm in inference mode adds four (burn-flex runs them one after another on
/// one thread).
#[derive(Debug)]
pub struct FoldedGenerator {
    blocks: Vec<Linear>,
    out: Linear,
    /// The layers on host buffers for [`FoldedGenerator::forward_host`], read at its first call.
    host: std::sync::OnceLock<Option<(Vec<Dense>, Dense)>>,
}

impl FoldedGenerator {
    /// Raw logits, as [`Generator::forward`] in inference mode gives them (to rounding).
    ///
    /// # Shapes
    /// - `z`: `[batch, input_dim]`; returns `[batch, data_dim]`
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let mut h = z;
        for l in &self.blocks {
            let out = relu(l.forward(h.clone())); // [batch, d_out]
            h = Tensor::cat(vec![out, h], 1); // [batch, width += d_out]
        }
        self.out.forward(h)
    }

    /// [`FoldedGenerator::forward`] on host buffers when the weights live on burn-flex: rows in
    /// parallel parts of 256 with single-threaded products, and the condition vector (the last
    /// `cond_dim` inputs, one-hot) as the weight row it selects instead of a product over its
    /// columns (on adult 103 of the 231 inputs, and they are carried into every block). A
    /// block's input, the outputs of the blocks before it and the noise side by side, is never
    /// copied into one matrix: one accumulating product per part. `None` off burn-flex or when a
    /// row's condition is not one-hot (the caller runs [`FoldedGenerator::forward`]).
    ///
    /// # Shapes
    /// - `input`: `[n, input_dim]` row-major (noise ⊕ condition); returns `[n, data_dim]`
    pub fn forward_host(&self, input: &[f32], n: usize, cond_dim: usize) -> Option<Vec<f32>> {
        use rayon::prelude::*;
        const ROWS: usize = 256;
        let (blocks, out) = self.host.get_or_init(|| self.host_layers()).as_ref()?;
        let width = blocks.first().unwrap_or(out).inp;
        if n == 0 || input.len() != n * width || cond_dim > width {
            return None;
        }
        let k0 = width - cond_dim;
        // Each row's condition position; every condition must be one-hot.
        let cond = match cond_dim {
            0 => None,
            _ => {
                let mut pos = Vec::with_capacity(n);
                for row in input.chunks_exact(width) {
                    let c = &row[k0..];
                    let p = c.iter().position(|&v| v == 1.0)?;
                    if c.iter().filter(|&&v| v != 0.0).count() != 1 {
                        return None;
                    }
                    pos.push(p);
                }
                Some(pos)
            }
        };
        let d = out.out;
        let mut logits = vec![0f32; n * d];
        logits
            .par_chunks_mut(ROWS * d)
            .enumerate()
            .for_each(|(part, dst)| {
                let r0 = part * ROWS;
                let m = dst.len() / d;
                let c = cond.as_deref().map(|c| &c[r0..r0 + m]);
                // The noise: the first k0 columns of the input rows, read in place.
                let z = View {
                    v: &input[r0 * width..(r0 + m) * width],
                    rs: width as isize,
                    cs: 1,
                };
                // Each block's input is [its predecessors' outputs, newest first, then z].
                let mut outs: Vec<Vec<f32>> = Vec::with_capacity(blocks.len());
                for l in blocks {
                    let mut o = vec![0f32; m * l.out];
                    l.forward_parts_into(&mut o, &block_input(&outs, blocks, z, k0), c, m);
                    o.iter_mut().for_each(|v| *v = v.max(0.0));
                    outs.push(o);
                }
                out.forward_parts_into(dst, &block_input(&outs, blocks, z, k0), c, m);
            });
        Some(logits)
    }

    /// The layers' weights on host buffers (single-threaded products), read once per
    /// generator; `None` when they do not live on burn-flex.
    fn host_layers(&self) -> Option<(Vec<Dense>, Dense)> {
        let blocks = self
            .blocks
            .iter()
            .map(|l| Dense::of(l, false))
            .collect::<Option<_>>()?;
        Some((blocks, Dense::of(&self.out, false)?))
    }
}

/// A residual layer's input as parts side by side: the outputs of the blocks before it, newest
/// first, then the noise `z` (`k0` columns).
fn block_input<'a>(
    outs: &'a [Vec<f32>],
    blocks: &[Dense],
    z: View<'a>,
    k0: usize,
) -> Vec<(View<'a>, usize)> {
    outs.iter()
        .zip(&blocks[..outs.len()])
        .rev()
        .map(|(o, l)| (rm(o, l.out), l.out))
        .chain(std::iter::once((z, k0)))
        .collect()
}

/// Sizes a [`Generator`].
#[derive(Clone, Debug)]
pub struct GeneratorConfig {
    /// Noise width plus condition width.
    pub input_dim: usize,
    /// Residual block widths.
    pub dims: Vec<usize>,
    /// Encoded data width.
    pub data_dim: usize,
}

impl GeneratorConfig {
    /// Builds the generator on `device` (PyTorch's default Linear init, U(±1/√fan_in)).
    pub fn init(&self, device: &Device) -> Generator {
        let mut width = self.input_dim;
        let mut blocks = Vec::with_capacity(self.dims.len());
        for &d in &self.dims {
            blocks.push(Residual {
                fc: LinearConfig::new(width, d).init(device),
                bn: BatchNormConfig::new(d).init(device),
            });
            width += d;
        }
        Generator {
            blocks,
            out: LinearConfig::new(width, self.data_dim).init(device),
        }
    }
}

impl Generator {
    /// # Shapes
    /// - `z`: `[batch, embedding_dim + cond_dim]` (noise ⊕ condition)
    /// - returns `[batch, data_dim]` raw logits
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let mut h = z;
        for b in &self.blocks {
            h = b.forward(h); // [batch, width += d]
        }
        self.out.forward(h) // [batch, data_dim]
    }

    /// The network with each block's batch norm in inference mode (its running statistics)
    /// folded into the block's Linear: `W' = W·s` and `b' = (b − μ)·s + β` per output, with
    /// `s = γ / √(σ² + ε)`. For sampling; training keeps the batch norm.
    pub fn folded(&self) -> FoldedGenerator {
        let blocks = self
            .blocks
            .iter()
            .map(|b| {
                let (fc, bn) = (&b.fc, &b.bn);
                let w = fc.weight.val(); // [d_in, d_out]
                let device = w.device();
                let [_, d_out] = w.dims();
                let var = bn.running_var.value().to_device(&device);
                let mean = bn.running_mean.value().to_device(&device);
                let s = bn.gamma.val() / var.add_scalar(bn.epsilon).sqrt(); // [d_out]
                let bias = match &fc.bias {
                    Some(p) => p.val(),
                    None => Tensor::zeros([d_out], &device),
                };
                Linear {
                    weight: Param::from_tensor(w * s.clone().reshape([1, d_out])),
                    bias: Some(Param::from_tensor((bias - mean) * s + bn.beta.val())),
                }
            })
            .collect();
        FoldedGenerator {
            blocks,
            out: self.out.clone(),
            host: std::sync::OnceLock::new(),
        }
    }
}

/// CTGAN's PacGAN critic: `pac` rows are packed into one input, then per hidden width
/// Linear → LeakyReLU(0.2) → Dropout, then Linear → 1, no sigmoid (ctgan.py L19–62).
///
/// Dropout is applied with explicit masks (see [`Discriminator::dropout_masks`]) so that the
/// closed-form [`Discriminator::input_grad`] can reuse the forward pass's masks.
#[derive(Module, Debug)]
pub struct Discriminator {
    hidden: Vec<Linear>,
    out: Linear,
    pac: usize,
    dropout: f64,
}

/// Sizes a [`Discriminator`].
#[derive(Clone, Debug)]
pub struct DiscriminatorConfig {
    /// Width of one row: encoded data plus condition.
    pub input_dim: usize,
    /// Hidden widths.
    pub dims: Vec<usize>,
    /// Rows per pack.
    pub pac: usize,
    /// Dropout probability.
    pub dropout: f64,
}

impl DiscriminatorConfig {
    /// Builds the critic on `device`.
    pub fn init(&self, device: &Device) -> Discriminator {
        let mut width = self.input_dim * self.pac;
        let mut hidden = Vec::with_capacity(self.dims.len());
        for &d in &self.dims {
            hidden.push(LinearConfig::new(width, d).init(device));
            width = d;
        }
        Discriminator {
            hidden,
            out: LinearConfig::new(width, 1).init(device),
            pac: self.pac,
            dropout: self.dropout,
        }
    }
}

impl CtganConfig {
    /// Builds the generator and critic for `data_dim` encoded columns and a `cond_dim`-wide
    /// condition vector.
    pub fn init(
        &self,
        data_dim: usize,
        cond_dim: usize,
        device: &Device,
    ) -> (Generator, Discriminator) {
        let g = GeneratorConfig {
            input_dim: self.embedding_dim + cond_dim,
            dims: self.generator_dims.clone(),
            data_dim,
        }
        .init(device);
        let d = DiscriminatorConfig {
            input_dim: data_dim + cond_dim,
            dims: self.discriminator_dims.clone(),
            pac: self.pac,
            dropout: self.discriminator_dropout,
        }
        .init(device);
        (g, d)
    }
}

impl Discriminator {
    /// Rows per pack.
    pub fn pac(&self) -> usize {
        self.pac
    }

    /// The hidden layers and the output layer (for the fused critic step).
    pub fn layers(&self) -> (&[Linear], &Linear) {
        (&self.hidden, &self.out)
    }

    /// Draws the initial values of every parameter now. burn draws a parameter's initial
    /// values at its first use; where that use falls among other draws from the device RNG
    /// (dropout masks) depends on the code path, so a trainer that compares paths, or wants the
    /// same critic from a seed whichever path runs, draws them first.
    pub fn draw_initial_weights(&self) {
        for l in self.hidden.iter().chain([&self.out]) {
            let _ = (l.weight.val(), l.bias.as_ref().map(|b| b.val()));
        }
    }

    /// Inverted-dropout masks for one forward pass over `groups` packs: entries are `0` or
    /// `1/(1−p)`, drawn from the device RNG. With `train == false` (or `p == 0`) they are all ones.
    ///
    /// # Shapes
    /// - returns one `[groups, hidden_i]` tensor per hidden layer
    pub fn dropout_masks(&self, groups: usize, train: bool, device: &Device) -> Vec<Tensor<2>> {
        self.hidden
            .iter()
            .map(|l| {
                let [_, d] = l.weight.dims();
                if train && self.dropout > 0.0 {
                    let keep = 1.0 - self.dropout;
                    Tensor::<2>::random([groups, d], Distribution::Bernoulli(keep), device)
                        .div_scalar(keep)
                } else {
                    Tensor::ones([groups, d], device)
                }
            })
            .collect()
    }

    /// Packs `pac` consecutive rows into one.
    ///
    /// # Shapes
    /// - `x`: `[batch, d]` with `batch % pac == 0`; returns `[batch / pac, pac * d]`
    pub fn pack(&self, x: Tensor<2>) -> Tensor<2> {
        let [b, d] = x.dims();
        assert_eq!(
            b % self.pac,
            0,
            "batch ({b}) must be a multiple of pac ({})",
            self.pac
        );
        x.reshape([b / self.pac, self.pac * d])
    }

    /// Critic scores of packed input.
    ///
    /// # Shapes
    /// - `packed`: `[batch / pac, pac * d]`
    /// - `masks`: from [`Self::dropout_masks`] with `groups = batch / pac`
    /// - returns `[batch / pac, 1]`
    pub fn forward_packed(&self, packed: Tensor<2>, masks: &[Tensor<2>]) -> Tensor<2> {
        let mut h = packed;
        for (l, m) in self.hidden.iter().zip(masks) {
            h = leaky_relu(l.forward(h), LEAKY_SLOPE) * m.clone(); // [groups, hidden_i]
        }
        self.out.forward(h) // [groups, 1]
    }

    /// Critic scores.
    ///
    /// # Shapes
    /// - `x`: `[batch, d]` (data ⊕ condition); returns `[batch / pac, 1]`
    pub fn forward(&self, x: Tensor<2>, masks: &[Tensor<2>]) -> Tensor<2> {
        self.forward_packed(self.pack(x), masks)
    }

    /// Closed-form gradient of `Σ forward_packed(packed)` with respect to `packed`, built from
    /// ordinary tensor ops so that it stays differentiable in the weights (double backprop by
    /// hand, BURN.md §3.3):
    /// `g = ((1·W_outᵀ) ⊙ s_N ⊙ m_N) W_Nᵀ … ⊙ s_1 ⊙ m_1) W_1ᵀ`, where `s_i = 1` if the
    /// pre-activation is positive and `0.2` otherwise (detached), and `m_i` are the dropout masks
    /// of the same pass. Biases do not enter: the input gradient of a piecewise-linear net does
    /// not depend on them. Each pack's output depends only on its own row, so row `j` of the
    /// result is the gradient of pack `j`'s score.
    ///
    /// # Shapes
    /// - `packed`: `[groups, pac * d]`; returns `[groups, pac * d]`
    pub fn input_grad(&self, packed: Tensor<2>, masks: &[Tensor<2>]) -> Tensor<2> {
        let [groups, _] = packed.dims();
        let device = packed.device();
        let mut slopes = Vec::with_capacity(self.hidden.len());
        let mut h = packed;
        for (l, m) in self.hidden.iter().zip(masks) {
            let z = l.forward(h); // [groups, hidden_i]
            let s = z
                .clone()
                .greater_elem(0.0)
                .float()
                .mul_scalar(1.0 - LEAKY_SLOPE)
                .add_scalar(LEAKY_SLOPE)
                .detach();
            slopes.push(s);
            h = leaky_relu(z, LEAKY_SLOPE) * m.clone();
        }
        let ones = Tensor::<2>::ones([groups, 1], &device);
        let mut g = ones.matmul(self.out.weight.val().transpose()); // [groups, hidden_N]
        for ((l, m), s) in self.hidden.iter().zip(masks).zip(slopes).rev() {
            g = (g * s * m.clone()).matmul(l.weight.val().transpose()); // [groups, width_{i-1}]
        }
        g
    }

    /// WGAN-GP gradient penalty as in the reference (`calc_gradient_penalty`, ctgan.py L35–57):
    /// one α ~ U(0, 1) per pack, `x̂ = α·real + (1−α)·fake` on the concatenated
    /// [data ⊕ condition] rows, the critic's input gradient at `x̂` (fresh dropout masks, as the
    /// reference runs a separate forward pass), its L2 norm over each pack's flattened gradient,
    /// and `λ · mean((‖∇‖ − 1)²)`. Gradients flow into the critic's weights only; `real` and
    /// `fake` are detached here.
    ///
    /// # Shapes
    /// - `real`, `fake`: `[batch, d]`; returns `[1]`
    pub fn gradient_penalty(
        &self,
        real: Tensor<2>,
        fake: Tensor<2>,
        lambda: f64,
        train: bool,
    ) -> Tensor<1> {
        let [b, d] = real.dims();
        let device = real.device();
        let groups = b / self.pac;
        let alpha = Tensor::<3>::random([groups, 1, 1], Distribution::Uniform(0.0, 1.0), &device)
            .expand([groups, self.pac, d])
            .reshape([b, d]); // [batch, d], constant within a pack
        let interp =
            (real.detach() * alpha.clone() + fake.detach() * alpha.neg().add_scalar(1.0)).detach();
        let masks = self.dropout_masks(groups, train, &device);
        let g = self.input_grad(self.pack(interp), &masks); // [groups, pac * d]
        let norm = g.powi_scalar(2).sum_dim(1).add_scalar(1e-12).sqrt(); // [groups, 1]
        norm.sub_scalar(1.0)
            .powi_scalar(2)
            .mean()
            .mul_scalar(lambda)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Tolerance;
    use serial_test::serial;

    /// The folded generator gives the generator's inference-mode logits: batch norms with
    /// random γ, β, running mean and variance, 64 rows, equal within 1e-4 (f32 rounding of a
    /// few hundred products). Fails if the mean, the scale or β is left out of the fold.
    #[test]
    #[serial]
    fn the_folded_generator_is_the_generator_in_inference_mode() {
        use burn::module::RunningState;
        let device = Device::flex();
        device.seed(11);
        let cfg = GeneratorConfig {
            input_dim: 9,
            dims: vec![16, 12],
            data_dim: 7,
        };
        let mut g = cfg.init(&device);
        let rand = |n: usize, lo: f64, hi: f64| {
            Tensor::<1>::random([n], Distribution::Uniform(lo, hi), &device)
        };
        for (b, &d) in g.blocks.iter_mut().zip(&cfg.dims) {
            b.bn.gamma = Param::from_tensor(rand(d, 0.5, 2.0));
            b.bn.beta = Param::from_tensor(rand(d, -1.0, 1.0));
            b.bn.running_mean = RunningState::new(rand(d, -1.0, 1.0));
            b.bn.running_var = RunningState::new(rand(d, 0.2, 3.0));
        }
        let z = Tensor::<2>::random([64, 9], Distribution::Normal(0.0, 1.0), &device);
        let want = g.forward(z.clone());
        let got = g.folded().forward(z);
        got.into_data()
            .assert_approx_eq::<f32>(&want.into_data(), Tolerance::absolute(1e-4));
    }

    /// The host forward pass equals the tensor one (1e-5 of the largest logit; 600 rows make
    /// three parts) with a one-hot condition in the last 4 inputs, and without one; a condition
    /// that is not one-hot is refused (the caller falls back to the tensor path).
    #[test]
    #[serial]
    fn the_host_folded_generator_is_the_tensor_one() {
        use crate::host::testing::{close, values};
        let device = Device::flex();
        device.seed(13);
        let (n, emb, cond) = (600, 5, 4);
        let g = GeneratorConfig {
            input_dim: emb + cond,
            dims: vec![16, 12],
            data_dim: 7,
        }
        .init(&device)
        .folded();
        let z = values(Tensor::<2>::random(
            [n, emb],
            Distribution::Normal(0.0, 1.0),
            &device,
        ));
        let mut input = Vec::with_capacity(n * (emb + cond));
        for (r, zr) in z.chunks_exact(emb).enumerate() {
            input.extend_from_slice(zr);
            input.extend((0..cond).map(|j| if j == (r * 7) % cond { 1.0 } else { 0.0 }));
        }
        let t = Tensor::<2>::from_data(TensorData::new(input.clone(), [n, emb + cond]), &device);
        let want = values(g.forward(t));
        let got = g
            .forward_host(&input, n, cond)
            .expect("one-hot conditions on flex");
        close("conditional logits", &got, &want, 1e-5);
        // The same rows read as nine inputs without a condition.
        let got = g.forward_host(&input, n, 0).expect("on flex");
        close("unconditional logits", &got, &want, 1e-5);
        let mut two_hot = input.clone();
        two_hot[emb] = 1.0;
        two_hot[emb + 1] = 1.0;
        assert!(g.forward_host(&two_hot, n, cond).is_none());
    }

    fn small() -> (Discriminator, Device) {
        let device = Device::flex().autodiff();
        device.seed(3);
        let d = DiscriminatorConfig {
            input_dim: 5,
            dims: vec![7, 6],
            pac: 2,
            dropout: 0.5,
        }
        .init(&device);
        (d, device)
    }

    fn vec2(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec_as::<f32>().unwrap()
    }

    #[test]
    #[serial]
    fn generator_and_critic_shapes() {
        let device = Device::flex().autodiff();
        device.seed(0);
        let cfg = CtganConfig {
            embedding_dim: 8,
            generator_dims: vec![16, 12],
            discriminator_dims: vec![10],
            pac: 4,
            ..Default::default()
        };
        let (g, d) = cfg.init(9, 3, &device);
        let z = Tensor::<2>::random([8, 11], Distribution::Normal(0.0, 1.0), &device);
        let out = g.forward(z);
        assert_eq!(out.dims(), [8, 9]);
        let x = Tensor::<2>::random([8, 12], Distribution::Default, &device);
        let masks = d.dropout_masks(2, true, &device);
        assert_eq!(masks[0].dims(), [2, 10]);
        assert_eq!(d.forward(x, &masks).dims(), [2, 1]);
    }

    #[test]
    #[serial]
    fn closed_form_input_grad_equals_autodiff() {
        let (d, device) = small();
        let x =
            Tensor::<2>::random([3, 10], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let masks = d.dropout_masks(3, true, &device);
        let y = d.forward_packed(x.clone(), &masks).sum();
        let grads = y.backward();
        let auto = x.grad(&grads).unwrap();
        let closed = d.input_grad(x.detach(), &masks).inner();
        closed
            .into_data()
            .assert_approx_eq::<f32>(&auto.into_data(), Tolerance::absolute(1e-6));
    }

    /// Penalty as a plain f64 function of the weights, for finite differences.
    fn penalty_value(d: &Discriminator, packed: &Tensor<2>, masks: &[Tensor<2>]) -> f64 {
        let g = d.input_grad(packed.clone(), masks);
        let norm = g.powi_scalar(2).sum_dim(1).add_scalar(1e-12).sqrt();
        let v: f32 = norm
            .sub_scalar(1.0)
            .powi_scalar(2)
            .mean()
            .mul_scalar(10.0)
            .into_scalar();
        v as f64
    }

    #[test]
    #[serial]
    fn penalty_weight_gradient_matches_central_finite_differences() {
        let (dad, device) = small();
        let plain = device.clone().inner();
        let d = dad.valid(); // plain tensors: perturb weights freely
        let packed = Tensor::<2>::random([4, 10], Distribution::Normal(0.0, 1.0), &plain);
        let masks = d.dropout_masks(4, true, &plain);
        // Autodiff gradient of the penalty w.r.t. the first layer's weight (plain inputs are
        // constants in the autodiff graph).
        let w_first = dad.hidden[0].weight.val();
        let pen = {
            let g = dad.input_grad(packed.clone(), &masks);
            let norm = g.powi_scalar(2).sum_dim(1).add_scalar(1e-12).sqrt();
            norm.sub_scalar(1.0).powi_scalar(2).mean().mul_scalar(10.0)
        };
        let grads = pen.backward();
        let auto = vec2(w_first.grad(&grads).unwrap());
        let w0 = vec2(d.hidden[0].weight.val());
        let [rows, cols] = d.hidden[0].weight.dims();
        let eps = 1e-3f32;
        let mut checked = 0;
        for idx in [0usize, 7, 13, 29, 41, 55, 68] {
            let mut plus = w0.clone();
            plus[idx] += eps;
            let mut minus = w0.clone();
            minus[idx] -= eps;
            let with = |w: Vec<f32>| {
                let mut dd = d.clone();
                dd.hidden[0].weight = burn::module::Param::from_tensor(Tensor::from_data(
                    TensorData::new(w, [rows, cols]),
                    &plain,
                ));
                penalty_value(&dd, &packed, &masks)
            };
            let fd = (with(plus) - with(minus)) / (2.0 * eps as f64);
            let a = auto[idx] as f64;
            assert!(
                (fd - a).abs() <= 2e-3 + 2e-2 * a.abs(),
                "w[{idx}]: autodiff {a} vs finite difference {fd}"
            );
            checked += 1;
        }
        assert_eq!(checked, 7);
        // And the penalty's gradient reaches every weight matrix.
        assert!(auto.iter().any(|v| *v != 0.0));
    }

    #[test]
    #[serial]
    fn gradient_penalty_is_finite_and_trains_only_weights() {
        let (d, device) = small();
        let real = Tensor::<2>::random([6, 5], Distribution::Normal(0.0, 1.0), &device);
        let fake = Tensor::<2>::random([6, 5], Distribution::Normal(0.0, 1.0), &device);
        let pen = d.gradient_penalty(real, fake, 10.0, true);
        let v: f32 = pen.clone().into_scalar();
        assert!(v.is_finite() && v >= 0.0);
        let grads = pen.backward();
        assert!(d.hidden[0].weight.val().grad(&grads).is_some());
        assert!(d.out.weight.val().grad(&grads).is_some());
    }
}

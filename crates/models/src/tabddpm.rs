//! TabDDPM (Kotelnikov et al., arXiv:2209.15421; reference `yandex-research/tab-ddpm`, MIT):
//! the denoiser MLP and the diffusion maths.
//!
//! - [`Denoiser`]: `MLPDiffusion` (`tab_ddpm/modules.py` L425ff). The input is projected to
//!   `dim_t`, a sinusoidal time embedding passed through Linear → SiLU → Linear is added, plus
//!   SiLU of a class-label embedding when the model is class-conditional; then Linear → ReLU →
//!   Dropout blocks and a Linear head back to the input width. The head predicts ε for the
//!   numeric part and x₀ logits for each categorical block.
//! - [`Diffusion`]: the schedules of `GaussianMultinomialDiffusion`
//!   (`tab_ddpm/gaussian_multinomial_diffsuion.py`) held on the host in f64, Gaussian q(x_t|x₀)
//!   and ancestral steps, and the multinomial diffusion of Hoogeboom et al. in log space:
//!   `q_pred`, `q_posterior`, the x₀-parametrised model posterior, Gumbel-max sampling, and the
//!   `vb_stochastic` loss. burn has no public logsumexp; [`log_add_exp`] and
//!   [`CatBlocks::logsumexp`] use `m + log Σ exp(x − m)` with `m` the (detached) maximum.
//! - [`DdpmLayout`]: which encoded columns are diffused as Gaussians, which one-hot blocks as
//!   multinomials, and which block (the target) is the label input.
//!
//! One documented deviation: the reference feeds the denoiser the *log* one-hot of the
//! categorical part (entries 0 and log 1e-30 ≈ −69); we feed the one-hot itself. The two are an
//! affine map of each other (log-one-hot = 69.08·(one-hot − 1)), which the first Linear absorbs,
//! so the function class is the same; the one-hot keeps the input on the scale of the numeric
//! features.

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{log_softmax, relu, silu, softmax};
use synthkit_data::{Activation, Layout, Matrix, Span};

use crate::config::{Schedule, TabDdpmConfig};

/// log(1e-30), the floor of a log one-hot (`index_to_log_onehot` clamps at 1e-30).
pub const LOG_EPS: f64 = -69.077_552_789_821_37;

/// Largest β of the cosine schedule (`betas_for_alpha_bar` `max_beta=0.999`).
pub const MAX_BETA: f64 = 0.999;

// ---------------------------------------------------------------------------------------------
// Layout

/// How an encoded table splits into TabDDPM's parts.
#[derive(Clone, Debug, PartialEq)]
pub struct DdpmLayout {
    /// Encoded columns diffused as Gaussians (every `Tanh` or `Linear` span), in order.
    pub num_cols: Vec<usize>,
    /// One-hot spans diffused as multinomials (every `Softmax` span but the label's).
    pub cat_spans: Vec<Span>,
    /// The target's one-hot span when it is the label input (class-conditional model).
    pub label: Option<Span>,
}

impl DdpmLayout {
    /// Splits `layout`. `label_column`, when given, must be a discrete column of the layout; its
    /// span becomes the label input instead of being diffused.
    pub fn new(layout: &Layout, label_column: Option<&str>) -> Self {
        let mut num_cols = Vec::new();
        let mut cat_spans = Vec::new();
        let mut label = None;
        for c in layout.columns() {
            let is_label = c.discrete && Some(c.name.as_str()) == label_column;
            for s in &c.spans {
                match s.activation {
                    Activation::Tanh | Activation::Linear => {
                        num_cols.extend(s.start..s.end());
                    }
                    Activation::Softmax if is_label => label = Some(*s),
                    Activation::Softmax => cat_spans.push(*s),
                }
            }
        }
        Self {
            num_cols,
            cat_spans,
            label,
        }
    }

    /// Number of Gaussian features.
    pub fn n_num(&self) -> usize {
        self.num_cols.len()
    }

    /// The multinomial blocks.
    pub fn blocks(&self) -> CatBlocks {
        CatBlocks::new(self.cat_spans.iter().map(|s| s.dim).collect())
    }

    /// Width of the one-hot part.
    pub fn n_cat(&self) -> usize {
        self.cat_spans.iter().map(|s| s.dim).sum()
    }

    /// Number of label classes (0 when unconditional).
    pub fn n_classes(&self) -> usize {
        self.label.map_or(0, |s| s.dim)
    }

    /// Width of the denoiser's input and output: numeric features plus one-hot blocks.
    pub fn d_in(&self) -> usize {
        self.n_num() + self.n_cat()
    }

    /// The rows `rows` of an encoded matrix as (numeric `[rows, n_num]`, one-hot
    /// `[rows, n_cat]`, label index per row; empty when unconditional), row-major.
    pub fn split(&self, m: &Matrix, rows: &[usize]) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
        let mut num = Vec::with_capacity(rows.len() * self.n_num());
        let mut cat = Vec::with_capacity(rows.len() * self.n_cat());
        let mut y = Vec::with_capacity(if self.label.is_some() { rows.len() } else { 0 });
        for &r in rows {
            let row = m.row(r);
            num.extend(self.num_cols.iter().map(|&c| row[c]));
            for s in &self.cat_spans {
                cat.extend_from_slice(&row[s.start..s.end()]);
            }
            if let Some(s) = self.label {
                y.push(argmax(&row[s.start..s.end()]));
            }
        }
        (num, cat, y)
    }

    /// Writes the parts back into an encoded matrix of width `dim` (other columns zero).
    pub fn assemble(&self, dim: usize, num: &[f32], cat: &[f32], y: &[usize]) -> Matrix {
        let (nn, nc) = (self.n_num(), self.n_cat());
        let rows = num
            .len()
            .checked_div(nn)
            .or_else(|| cat.len().checked_div(nc))
            .unwrap_or(y.len());
        let mut m = Matrix::zeros(rows, dim);
        for r in 0..rows {
            let row = m.row_mut(r);
            for (i, &c) in self.num_cols.iter().enumerate() {
                row[c] = num[r * nn + i];
            }
            let mut off = r * nc;
            for s in &self.cat_spans {
                row[s.start..s.end()].copy_from_slice(&cat[off..off + s.dim]);
                off += s.dim;
            }
            if let (Some(s), Some(&k)) = (self.label, y.get(r)) {
                row[s.start + k] = 1.0;
            }
        }
        m
    }
}

fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

// ---------------------------------------------------------------------------------------------
// Denoiser

/// `MLPDiffusion`: the denoiser ε̂ / x̂₀-logits network.
#[derive(Module, Debug)]
pub struct Denoiser {
    proj: Linear,
    time1: Linear,
    time2: Linear,
    label_emb: Option<Param<Tensor<2>>>,
    blocks: Vec<Linear>,
    dropout: Dropout,
    head: Linear,
    dim_t: usize,
}

impl TabDdpmConfig {
    /// Builds the denoiser for `d_in` diffused columns and `n_classes` label classes (0: no
    /// label input). Linear layers get PyTorch's default init; the label embedding N(0, 1), as
    /// `nn.Embedding`.
    pub fn init(&self, d_in: usize, n_classes: usize, device: &Device) -> Denoiser {
        let mut blocks = Vec::with_capacity(self.d_layers.len());
        let mut w = self.dim_t;
        for &d in &self.d_layers {
            blocks.push(LinearConfig::new(w, d).init(device));
            w = d;
        }
        Denoiser {
            proj: LinearConfig::new(d_in, self.dim_t).init(device),
            time1: LinearConfig::new(self.dim_t, self.dim_t).init(device),
            time2: LinearConfig::new(self.dim_t, self.dim_t).init(device),
            label_emb: (n_classes > 0).then(|| {
                Param::from_tensor(Tensor::random(
                    [n_classes, self.dim_t],
                    Distribution::Normal(0.0, 1.0),
                    device,
                ))
            }),
            blocks,
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(w, d_in).init(device),
            dim_t: self.dim_t,
        }
    }
}

impl Denoiser {
    /// # Shapes
    /// - `x`: `[batch, d_in]` (noisy numeric features ⊕ noisy one-hots)
    /// - `t`: `[batch]` timesteps as floats
    /// - `y`: `[batch, n_classes]` one-hot labels, or `None` for an unconditional model
    /// - returns `[batch, d_in]`: ε̂ for the numeric part, x̂₀ logits for the one-hot part
    pub fn forward(&self, x: Tensor<2>, t: Tensor<1>, y: Option<Tensor<2>>) -> Tensor<2> {
        let mut emb = self.time_embedding(t); // [batch, dim_t]
        if let Some(l) = y.and_then(|y| self.label_embedding(y)) {
            emb = emb + l; // [batch, dim_t]
        }
        self.forward_embedded(x, emb)
    }

    /// The time branch `time2(silu(time1(sinusoid(t))))`.
    ///
    /// # Shapes
    /// - `t`: `[batch]`; returns `[batch, dim_t]`
    pub fn time_embedding(&self, t: Tensor<1>) -> Tensor<2> {
        let temb = timestep_embedding(t, self.dim_t); // [batch, dim_t]
        self.time2.forward(silu(self.time1.forward(temb)))
    }

    /// The label branch `silu(y · E)`, or `None` for an unconditional model.
    ///
    /// # Shapes
    /// - `y`: `[batch, n_classes]` one-hot; returns `[batch, dim_t]`
    pub fn label_embedding(&self, y: Tensor<2>) -> Option<Tensor<2>> {
        self.label_emb.as_ref().map(|w| silu(y.matmul(w.val())))
    }

    /// The body after the embeddings: `head(MLP(proj(x) + emb))`. `emb` may be `[1, dim_t]`
    /// (broadcast over the batch), which is how ancestral sampling, where every row shares the
    /// timestep, computes the time branch once per step instead of once per row.
    ///
    /// # Shapes
    /// - `x`: `[batch, d_in]`; `emb`: `[batch, dim_t]` or `[1, dim_t]`; returns `[batch, d_in]`
    pub fn forward_embedded(&self, x: Tensor<2>, emb: Tensor<2>) -> Tensor<2> {
        let mut h = self.proj.forward(x) + emb; // [batch, dim_t]
        for l in &self.blocks {
            h = self.dropout.forward(relu(l.forward(h))); // [batch, d_i]
        }
        self.head.forward(h) // [batch, d_in]
    }

    /// Whether the denoiser has a label input.
    pub fn is_conditional(&self) -> bool {
        self.label_emb.is_some()
    }
}

/// Sinusoidal timestep embedding (`timestep_embedding`, `tab_ddpm/modules.py` L20, max period
/// 10000): `[cos(t·f_i), sin(t·f_i)]` with `f_i = 10000^(−i/half)`, zero-padded to an odd `dim`.
///
/// # Shapes
/// - `t`: `[batch]`; returns `[batch, dim]`
pub fn timestep_embedding(t: Tensor<1>, dim: usize) -> Tensor<2> {
    let device = t.device();
    let [b] = t.dims();
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half)
        .map(|i| (-(10_000f64.ln()) * i as f64 / half as f64).exp() as f32)
        .collect();
    let freqs = Tensor::<2>::from_data(TensorData::new(freqs, [1, half]), &device);
    let args = t.reshape([b, 1]) * freqs; // [batch, half]
    let mut parts = vec![args.clone().cos(), args.sin()];
    if dim % 2 == 1 {
        parts.push(Tensor::zeros([b, 1], &device));
    }
    Tensor::cat(parts, 1)
}

// ---------------------------------------------------------------------------------------------
// Log-space helpers

/// `log(exp(a) + exp(b))` element-wise, as `m + log(exp(a − m) + exp(b − m))` with
/// `m = max(a, b)` detached (the gradient of the stabiliser cancels exactly).
pub fn log_add_exp<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    let m = a.clone().max_pair(b.clone()).detach();
    ((a - m.clone()).exp() + (b - m.clone()).exp()).log() + m
}

/// The one-hot blocks of the multinomial part: their widths and offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct CatBlocks {
    sizes: Vec<usize>,
    offsets: Vec<usize>,
}

impl CatBlocks {
    /// Blocks of the given widths, laid out contiguously.
    pub fn new(sizes: Vec<usize>) -> Self {
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut o = 0;
        for &k in &sizes {
            offsets.push(o);
            o += k;
        }
        Self { sizes, offsets }
    }

    /// The block widths.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Total width.
    pub fn width(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// Whether there is no block.
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// `log K` of each position's block, `[1, width]`.
    pub fn log_k(&self, device: &Device) -> Tensor<2> {
        self.per_width(|k| (k as f64).ln(), device)
    }

    fn map_blocks(&self, x: Tensor<2>, mut f: impl FnMut(Tensor<2>) -> Tensor<2>) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = self
            .sizes
            .iter()
            .zip(&self.offsets)
            .map(|(&k, &o)| f(x.clone().narrow(1, o, k)))
            .collect();
        Tensor::cat(parts, 1)
    }

    /// Each block's logsumexp, broadcast over the block (`sliced_logsumexp`):
    /// `m + log Σ exp(x − m)` with `m` the block maximum, detached.
    ///
    /// # Shapes
    /// - `x`: `[batch, width]`; returns `[batch, width]`
    pub fn logsumexp(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| {
            let k = p.dims()[1];
            let m = p.clone().max_dim(1).detach(); // [batch, 1]
            let lse = (p - m.clone()).exp().sum_dim(1).log() + m; // [batch, 1]
            lse.repeat_dim(1, k)
        })
    }

    /// Log-softmax within each block.
    pub fn log_softmax(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| log_softmax(p, 1))
    }

    /// Softmax within each block.
    pub fn softmax(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| softmax(p, 1))
    }

    /// One value per position from a function of its block's width `K`, as a `[1, width]` row.
    pub fn per_width(&self, f: impl Fn(usize) -> f64, device: &Device) -> Tensor<2> {
        let v: Vec<f32> = self
            .sizes
            .iter()
            .flat_map(|&k| std::iter::repeat_n(f(k) as f32, k))
            .collect();
        Tensor::from_data(TensorData::new(v, [1, self.width()]), device)
    }

    /// One Gumbel-max draw per block from unnormalised log-probabilities (device RNG), as a
    /// one-hot `[batch, width]` (`log_sample_categorical`).
    pub fn sample(&self, logits: Tensor<2>) -> Tensor<2> {
        self.map_blocks(logits, |p| {
            let [b, k] = p.dims();
            let u = Tensor::<2>::random([b, k], Distribution::Uniform(0.0, 1.0), &p.device());
            let g = (u.add_scalar(1e-30).log().neg().add_scalar(1e-30))
                .log()
                .neg(); // Gumbel(0, 1)
            (g + p)
                .argmax(1) // [batch, 1]
                .squeeze_dim::<1>(1)
                .one_hot::<2>(k)
                .float()
        })
    }

    /// Sums each row's values within each block: `[batch, n_blocks]`.
    pub fn block_sums(&self, x: Tensor<2>) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = self
            .sizes
            .iter()
            .zip(&self.offsets)
            .map(|(&k, &o)| x.clone().narrow(1, o, k).sum_dim(1))
            .collect();
        Tensor::cat(parts, 1)
    }
}

/// `log(max(onehot, 1e-30))` (`index_to_log_onehot`).
pub fn log_onehot(onehot: Tensor<2>) -> Tensor<2> {
    onehot.clamp_min(1e-30).log()
}

// ---------------------------------------------------------------------------------------------
// Diffusion

/// The schedules of `GaussianMultinomialDiffusion`, in f64 on the host.
#[derive(Clone, Debug, PartialEq)]
pub struct Diffusion {
    /// T.
    pub num_timesteps: usize,
    /// β_t.
    pub betas: Vec<f64>,
    /// log α_t.
    pub log_alpha: Vec<f64>,
    /// log(1 − α_t).
    pub log_1_min_alpha: Vec<f64>,
    /// log ᾱ_t.
    pub log_cumprod_alpha: Vec<f64>,
    /// log(1 − ᾱ_t).
    pub log_1_min_cumprod_alpha: Vec<f64>,
    /// ᾱ_t.
    pub alphas_cumprod: Vec<f64>,
    /// √ᾱ_t.
    pub sqrt_alphas_cumprod: Vec<f64>,
    /// √(1 − ᾱ_t).
    pub sqrt_one_minus_alphas_cumprod: Vec<f64>,
    /// 1/√ᾱ_t.
    pub sqrt_recip_alphas_cumprod: Vec<f64>,
    /// √(1/ᾱ_t − 1).
    pub sqrt_recipm1_alphas_cumprod: Vec<f64>,
    /// Posterior mean coefficient of x₀.
    pub posterior_mean_coef1: Vec<f64>,
    /// Posterior mean coefficient of x_t.
    pub posterior_mean_coef2: Vec<f64>,
    /// log of the sampling variance: `[posterior_variance[1], β_1, …, β_{T−1}]`
    /// (`gaussian_p_mean_variance`, the "fixed large" choice of the reference).
    pub model_log_variance: Vec<f64>,
}

/// `log(1 − exp(a) + 1e-40)` (`log_1_min_a`).
fn log_1_min_a(a: f64) -> f64 {
    (1.0 - a.exp() + 1e-40).ln()
}

impl Diffusion {
    /// The schedules for `num_timesteps` steps of `schedule` (≥ 2 steps; see
    /// [`TabDdpmConfig::check`]).
    pub fn new(num_timesteps: usize, schedule: Schedule) -> Self {
        let t = num_timesteps;
        let betas: Vec<f64> = match schedule {
            Schedule::Linear => {
                let scale = 1000.0 / t as f64;
                let (a, b) = (scale * 1e-4, scale * 0.02);
                (0..t)
                    .map(|i| a + (b - a) * i as f64 / (t - 1) as f64)
                    .collect()
            }
            Schedule::Cosine => {
                let abar = |s: f64| {
                    ((s + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2)
                        .cos()
                        .powi(2)
                };
                (0..t)
                    .map(|i| {
                        let (t1, t2) = (i as f64 / t as f64, (i + 1) as f64 / t as f64);
                        (1.0 - abar(t2) / abar(t1)).min(MAX_BETA)
                    })
                    .collect()
            }
        };
        let alphas: Vec<f64> = betas.iter().map(|b| 1.0 - b).collect();
        let log_alpha: Vec<f64> = alphas.iter().map(|a| a.ln()).collect();
        let mut log_cumprod_alpha = Vec::with_capacity(t);
        let mut acc = 0.0;
        for &la in &log_alpha {
            acc += la;
            log_cumprod_alpha.push(acc);
        }
        let mut alphas_cumprod = Vec::with_capacity(t);
        let mut p = 1.0;
        for &a in &alphas {
            p *= a;
            alphas_cumprod.push(p);
        }
        let prev: Vec<f64> = std::iter::once(1.0)
            .chain(alphas_cumprod[..t - 1].iter().copied())
            .collect();
        let posterior_variance: Vec<f64> = (0..t)
            .map(|i| betas[i] * (1.0 - prev[i]) / (1.0 - alphas_cumprod[i]))
            .collect();
        let model_log_variance = (0..t)
            .map(|i| {
                if i == 0 {
                    posterior_variance[1].ln()
                } else {
                    betas[i].ln()
                }
            })
            .collect();
        Self {
            num_timesteps: t,
            log_1_min_alpha: log_alpha.iter().map(|&a| log_1_min_a(a)).collect(),
            log_1_min_cumprod_alpha: log_cumprod_alpha.iter().map(|&a| log_1_min_a(a)).collect(),
            sqrt_alphas_cumprod: alphas_cumprod.iter().map(|a| a.sqrt()).collect(),
            sqrt_one_minus_alphas_cumprod: alphas_cumprod
                .iter()
                .map(|a| (1.0 - a).sqrt())
                .collect(),
            sqrt_recip_alphas_cumprod: alphas_cumprod.iter().map(|a| (1.0 / a).sqrt()).collect(),
            sqrt_recipm1_alphas_cumprod: alphas_cumprod
                .iter()
                .map(|a| (1.0 / a - 1.0).sqrt())
                .collect(),
            posterior_mean_coef1: (0..t)
                .map(|i| betas[i] * prev[i].sqrt() / (1.0 - alphas_cumprod[i]))
                .collect(),
            posterior_mean_coef2: (0..t)
                .map(|i| (1.0 - prev[i]) * alphas[i].sqrt() / (1.0 - alphas_cumprod[i]))
                .collect(),
            model_log_variance,
            betas,
            log_alpha,
            log_cumprod_alpha,
            alphas_cumprod,
        }
    }

    /// `v[t_i]` per row as a `[batch, 1]` column (`extract`).
    pub fn extract(v: &[f64], t: &[usize], device: &Device) -> Tensor<2> {
        let data: Vec<f32> = t.iter().map(|&i| v[i] as f32).collect();
        Tensor::from_data(TensorData::new(data, [t.len(), 1]), device)
    }

    // --- Gaussian part -----------------------------------------------------------------------

    /// Closed-form forward noising `x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε` (`gaussian_q_sample`).
    ///
    /// # Shapes
    /// - `x0`, `noise`: `[batch, n]`; returns `[batch, n]`
    pub fn q_sample(&self, x0: Tensor<2>, t: &[usize], noise: Tensor<2>) -> Tensor<2> {
        let d = x0.device();
        x0 * Self::extract(&self.sqrt_alphas_cumprod, t, &d)
            + noise * Self::extract(&self.sqrt_one_minus_alphas_cumprod, t, &d)
    }

    // --- Multinomial part --------------------------------------------------------------------

    /// log q(x_t | x₀) = log(ᾱ_t x₀ + (1 − ᾱ_t)/K) (`q_pred`).
    pub fn q_pred(&self, blocks: &CatBlocks, log_x0: Tensor<2>, t: &[usize]) -> Tensor<2> {
        let d = log_x0.device();
        log_add_exp(
            log_x0 + Self::extract(&self.log_cumprod_alpha, t, &d),
            Self::extract(&self.log_1_min_cumprod_alpha, t, &d) - blocks.log_k(&d),
        )
    }

    /// log q(x_t | x_{t−1}) as a function of x_{t−1} given x_t: log(α_t x_t + (1 − α_t)/K)
    /// (`q_pred_one_timestep`).
    pub fn q_pred_one_timestep(
        &self,
        blocks: &CatBlocks,
        log_xt: Tensor<2>,
        t: &[usize],
    ) -> Tensor<2> {
        let d = log_xt.device();
        log_add_exp(
            log_xt + Self::extract(&self.log_alpha, t, &d),
            Self::extract(&self.log_1_min_alpha, t, &d) - blocks.log_k(&d),
        )
    }

    /// log q(x_{t−1} | x_t, x₀), normalised within each block (`q_posterior`); at t = 0 the
    /// x₀ term is x₀ itself.
    pub fn q_posterior(
        &self,
        blocks: &CatBlocks,
        log_x0: Tensor<2>,
        log_xt: Tensor<2>,
        t: &[usize],
    ) -> Tensor<2> {
        let d = log_x0.device();
        let tm1: Vec<usize> = t.iter().map(|&i| i.saturating_sub(1)).collect();
        let zero: Vec<f64> = t.iter().map(|&i| f64::from(u8::from(i == 0))).collect();
        let idx: Vec<usize> = (0..t.len()).collect();
        let is0 = Self::extract(&zero, &idx, &d); // [batch, 1]
        let ev = self.q_pred(blocks, log_x0.clone(), &tm1);
        let ev = log_x0 * is0.clone() + ev * is0.neg().add_scalar(1.0);
        let unnormed = ev + self.q_pred_one_timestep(blocks, log_xt, t);
        unnormed.clone() - blocks.logsumexp(unnormed)
    }

    /// The model's log p(x_{t−1} | x_t): the posterior with x₀ replaced by the softmax of the
    /// denoiser's logits (`p_pred`, x₀ parametrisation).
    pub fn p_pred(
        &self,
        blocks: &CatBlocks,
        logits: Tensor<2>,
        log_xt: Tensor<2>,
        t: &[usize],
    ) -> Tensor<2> {
        let log_x0 = blocks.log_softmax(logits);
        self.q_posterior(blocks, log_x0, log_xt, t)
    }

    // --- Sampling: every row at the same step ----------------------------------------------

    /// One ancestral step `x_{t−1} ~ p(x_{t−1} | x_t)` for every row at step `i`, with the
    /// ε-parametrised mean and the fixed-large variance, no noise at i = 0
    /// (`gaussian_p_sample`). All rows share the step, so the reference's per-row coefficient
    /// columns are scalars and the x₀ estimate folds into the posterior mean,
    /// `mean = x·(c₁/√ᾱ_i + c₂) − ε·c₁·√(1/ᾱ_i − 1)`. Draws its noise also at i = 0, where it
    /// is not used, as the reference does.
    ///
    /// # Shapes
    /// - `eps`, `x`: `[batch, n]`; returns `[batch, n]`
    pub fn gaussian_p_sample_at(&self, eps: Tensor<2>, x: Tensor<2>, i: usize) -> Tensor<2> {
        let c1 = self.posterior_mean_coef1[i];
        let a = self.sqrt_recip_alphas_cumprod[i] * c1 + self.posterior_mean_coef2[i];
        let b = self.sqrt_recipm1_alphas_cumprod[i] * c1;
        let noise = Tensor::<2>::random(x.dims(), Distribution::Normal(0.0, 1.0), &x.device());
        let mean = x.mul_scalar(a) - eps.mul_scalar(b);
        if i == 0 {
            mean
        } else {
            mean + noise.mul_scalar((0.5 * self.model_log_variance[i]).exp())
        }
    }

    /// The model's log p(x_{t−1} | x_t) at step `i` for every row, up to a constant per row and
    /// block, from the denoiser's logits and the *one-hot* x_t: what [`Self::p_pred`] returns
    /// before its normalisation, which a Gumbel-max draw ([`CatBlocks::sample`]) does not need.
    /// With one shared step and a one-hot x_t the log-space algebra has closed forms:
    /// - `q_pred(x̂₀, i − 1) = log(ᾱ_{i−1}·softmax(logits) + (1 − ᾱ_{i−1})/K)`, both terms
    ///   positive, so it is computed in linear space (one exp, one log per entry instead of
    ///   log-add-exp's two and one); at i = 0 the x₀ term is `log_softmax(logits)` itself;
    /// - `q_pred_one_timestep(x_t, i) = log(α_i x_t + (1 − α_i)/K)` takes one of two values per
    ///   block width: `x_t·(log(α_i + (1 − α_i)/K) − log((1 − α_i)/K)) + log((1 − α_i)/K)`.
    ///
    /// # Shapes
    /// - `logits`, `xt`: `[batch, width]`; returns `[batch, width]`
    pub fn p_pred_unnormalised_at(
        &self,
        blocks: &CatBlocks,
        logits: Tensor<2>,
        xt: Tensor<2>,
        i: usize,
    ) -> Tensor<2> {
        let d = logits.device();
        let ev = if i == 0 {
            blocks.log_softmax(logits)
        } else {
            let abar = self.log_cumprod_alpha[i - 1].exp();
            let rest = self.log_1_min_cumprod_alpha[i - 1].exp();
            (blocks.softmax(logits).mul_scalar(abar) + blocks.per_width(|k| rest / k as f64, &d))
                .log()
        };
        let (alpha, rest) = (self.log_alpha[i].exp(), self.log_1_min_alpha[i].exp());
        let off = blocks.per_width(|k| (rest / k as f64).ln(), &d);
        let gap = blocks.per_width(|k| ((alpha + rest / k as f64) / (rest / k as f64)).ln(), &d);
        ev + xt * gap + off
    }

    /// Forward noising of one-hots: a draw from q(x_t | x₀), returned as a one-hot.
    pub fn q_sample_cat(&self, blocks: &CatBlocks, log_x0: Tensor<2>, t: &[usize]) -> Tensor<2> {
        blocks.sample(self.q_pred(blocks, log_x0, t))
    }

    /// The multinomial `vb_stochastic` loss per row, `[batch, 1]` (`_multinomial_loss`):
    /// `T · L_t + KL(q(x_T | x₀) ‖ uniform)`, where `L_t` is the KL between the true and the
    /// model posterior (the decoder NLL at t = 0). Not yet divided by the number of blocks.
    pub fn multinomial_loss(
        &self,
        blocks: &CatBlocks,
        logits: Tensor<2>,
        log_x0: Tensor<2>,
        log_xt: Tensor<2>,
        t: &[usize],
    ) -> Tensor<2> {
        let d = log_x0.device();
        let log_true = self.q_posterior(blocks, log_x0.clone(), log_xt.clone(), t);
        let log_model = self.p_pred(blocks, logits, log_xt, t);
        let kl = (log_true.clone().exp() * (log_true - log_model.clone())).sum_dim(1); // [b, 1]
        let nll = (log_x0.clone().exp() * log_model).sum_dim(1).neg(); // [b, 1]
        let zero: Vec<f64> = t.iter().map(|&i| f64::from(u8::from(i == 0))).collect();
        let idx: Vec<usize> = (0..t.len()).collect();
        let mask = Self::extract(&zero, &idx, &d);
        let lt = nll * mask.clone() + kl * mask.neg().add_scalar(1.0);
        let last = vec![self.num_timesteps - 1; t.len()];
        let log_qxt = self.q_pred(blocks, log_x0, &last);
        let prior = (log_qxt.clone().exp() * (log_qxt + blocks.log_k(&d))).sum_dim(1);
        lt.mul_scalar(self.num_timesteps as f64) + prior
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serial_test::serial;

    fn dev() -> Device {
        Device::flex()
    }

    fn vec2(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec_as::<f32>().unwrap()
    }

    #[test]
    fn schedules_match_their_definitions() {
        let d = Diffusion::new(1000, Schedule::Cosine);
        // ᾱ_t follows the cosine law cos²((t/T + s)/(1 + s)·π/2)/cos²(s/(1+s)·π/2) until β is capped.
        let f = |s: f64| {
            ((s + 0.008) / 1.008 * std::f64::consts::FRAC_PI_2)
                .cos()
                .powi(2)
        };
        for &i in &[0usize, 10, 500, 900] {
            let want = f((i + 1) as f64 / 1000.0) / f(0.0);
            assert!((d.alphas_cumprod[i] / want - 1.0).abs() < 1e-9, "t = {i}");
        }
        assert!(d.betas.iter().all(|&b| b > 0.0 && b <= MAX_BETA));
        assert_eq!(d.betas[999], MAX_BETA);
        let l = Diffusion::new(1000, Schedule::Linear);
        assert!((l.betas[0] - 1e-4).abs() < 1e-15 && (l.betas[999] - 0.02).abs() < 1e-15);
        // log ᾱ and log(1 − ᾱ) agree with ᾱ.
        for i in [0usize, 1, 499, 998] {
            assert!((l.log_cumprod_alpha[i].exp() - l.alphas_cumprod[i]).abs() < 1e-12);
            assert!(
                (l.log_1_min_cumprod_alpha[i].exp() - (1.0 - l.alphas_cumprod[i])).abs() < 1e-12
            );
        }
    }

    /// q(x_t | x₀) in closed form equals t single steps x_k = √α_k x_{k−1} + √β_k ε_k: the
    /// empirical mean and variance of both match √ᾱ_t x₀ and 1 − ᾱ_t.
    #[test]
    #[serial]
    fn gaussian_forward_noising_matches_the_closed_form() {
        let device = dev();
        device.seed(7);
        let d = Diffusion::new(50, Schedule::Cosine);
        let n = 20_000;
        let x0v = 1.5f32;
        for &t in &[0usize, 9, 30, 49] {
            let x0 = Tensor::<2>::full([n, 1], x0v, &device);
            let noise = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 1.0), &device);
            let closed = vec2(d.q_sample(x0.clone(), &vec![t; n], noise));
            let mut x = x0;
            for k in 0..=t {
                let e = Tensor::<2>::random([n, 1], Distribution::Normal(0.0, 1.0), &device);
                x = x.mul_scalar((1.0 - d.betas[k]).sqrt()) + e.mul_scalar(d.betas[k].sqrt());
            }
            let stepped = vec2(x);
            let want_mean = d.sqrt_alphas_cumprod[t] * x0v as f64;
            let want_var = 1.0 - d.alphas_cumprod[t];
            for (name, v) in [("closed", &closed), ("stepped", &stepped)] {
                let mean = v.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
                let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n as f64;
                // 5 standard errors of the mean and of the variance.
                let se_mean = (want_var / n as f64).sqrt();
                let se_var = want_var * (2.0 / n as f64).sqrt();
                assert!(
                    (mean - want_mean).abs() < 5.0 * se_mean + 1e-6,
                    "{name} t = {t}: mean {mean} vs {want_mean}"
                );
                assert!(
                    (var - want_var).abs() < 5.0 * se_var + 1e-6,
                    "{name} t = {t}: variance {var} vs {want_var}"
                );
            }
        }
    }

    /// The multinomial closed form log q(x_t | x₀) equals t one-step transitions composed, and
    /// draws from it have those frequencies.
    #[test]
    #[serial]
    fn multinomial_forward_matches_composed_steps_and_sampling_frequencies() {
        let device = dev();
        device.seed(3);
        let d = Diffusion::new(40, Schedule::Cosine);
        let blocks = CatBlocks::new(vec![3, 2]);
        // x₀ = (category 0 of 3, category 1 of 2).
        let x0 = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 0., 0., 0., 1.], [1, 5]),
            &device,
        );
        for &t in &[0usize, 5, 20, 39] {
            let closed: Vec<f32> = vec2(d.q_pred(&blocks, log_onehot(x0.clone()), &[t]).exp());
            // Compose: p_k = α_k p_{k−1} + (1 − α_k)/K, starting from x₀.
            let mut p: Vec<f64> = vec![1.0, 0., 0., 0., 1.];
            for k in 0..=t {
                let a = d.log_alpha[k].exp();
                for (i, v) in p.iter_mut().enumerate() {
                    let kk = if i < 3 { 3.0 } else { 2.0 };
                    *v = a * *v + (1.0 - a) / kk;
                }
            }
            for (i, (c, w)) in closed.iter().zip(&p).enumerate() {
                assert!((*c as f64 - w).abs() < 1e-5, "t = {t}, i = {i}: {c} vs {w}");
            }
            // Sampling frequencies.
            let n = 20_000;
            let lp = d.q_pred(
                &blocks,
                log_onehot(x0.clone().repeat_dim(0, n)),
                &vec![t; n],
            );
            let s = vec2(blocks.sample(lp));
            for (i, w) in p.iter().enumerate() {
                let f = s.iter().skip(i).step_by(5).map(|&x| x as f64).sum::<f64>() / n as f64;
                let se = (w * (1.0 - w) / n as f64).sqrt();
                assert!(
                    (f - w).abs() < 5.0 * se + 1e-3,
                    "t = {t}, i = {i}: freq {f} vs {w}"
                );
            }
            // Each block of a draw is one-hot.
            let sums = vec2(blocks.block_sums(blocks.sample(d.q_pred(
                &blocks,
                log_onehot(x0.clone()),
                &[t],
            ))));
            assert_eq!(sums, vec![1.0, 1.0]);
        }
    }

    #[test]
    #[serial]
    fn multinomial_posteriors_sum_to_one_per_block() {
        let device = dev();
        device.seed(11);
        let d = Diffusion::new(100, Schedule::Cosine);
        let blocks = CatBlocks::new(vec![4, 2, 7]);
        let b = 64;
        let t: Vec<usize> = (0..b).map(|i| (i * 37) % 100).collect::<Vec<_>>();
        let t = [vec![0usize, 1, 99], t].concat();
        let b = t.len();
        let x0 = blocks.sample(Tensor::zeros([b, 13], &device));
        let xt = d.q_sample_cat(&blocks, log_onehot(x0.clone()), &t);
        let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 3.0), &device);
        for post in [
            d.q_posterior(&blocks, log_onehot(x0.clone()), log_onehot(xt.clone()), &t),
            d.p_pred(&blocks, logits, log_onehot(xt.clone()), &t),
        ] {
            let sums = vec2(blocks.block_sums(post.clone().exp()));
            assert_eq!(sums.len(), b * 3);
            for s in sums {
                assert!((s - 1.0).abs() < 1e-5, "block sums to {s}");
            }
            assert!(vec2(post).iter().all(|v| v.is_finite() && *v <= 1e-6));
        }
        // The true posterior puts no mass where neither x₀ nor x_t could lead: at t = 0 it is x₀.
        let p0 = vec2(
            d.q_posterior(&blocks, log_onehot(x0.clone()), log_onehot(xt), &t)
                .exp(),
        );
        let x0v = vec2(x0);
        for (a, b) in p0.iter().zip(&x0v).take(13) {
            assert!((a - b).abs() < 1e-5, "t = 0 posterior is x₀");
        }
    }

    /// The reference's per-row form of the Gaussian step (`gaussian_p_sample`, a timestep per
    /// row), the oracle of [`Diffusion::gaussian_p_sample_at`].
    fn per_row_gaussian_p_sample(
        d: &Diffusion,
        eps: Tensor<2>,
        x: Tensor<2>,
        t: &[usize],
    ) -> Tensor<2> {
        let dev = x.device();
        let col = |v: &[f64]| Diffusion::extract(v, t, &dev);
        let x0 = x.clone() * col(&d.sqrt_recip_alphas_cumprod)
            - eps * col(&d.sqrt_recipm1_alphas_cumprod);
        let mean = x0 * col(&d.posterior_mean_coef1) + x.clone() * col(&d.posterior_mean_coef2);
        let std: Vec<f64> = t
            .iter()
            .map(|&i| {
                if i == 0 {
                    0.0
                } else {
                    (0.5 * d.model_log_variance[i]).exp()
                }
            })
            .collect();
        let idx: Vec<usize> = (0..t.len()).collect();
        let noise = Tensor::<2>::random(x.dims(), Distribution::Normal(0.0, 1.0), &dev);
        mean + noise * Diffusion::extract(&std, &idx, &dev)
    }

    #[test]
    #[serial]
    fn shared_step_sampling_matches_the_per_row_step() {
        let device = dev();
        device.seed(5);
        let d = Diffusion::new(100, Schedule::Cosine);
        let blocks = CatBlocks::new(vec![4, 2, 7]);
        let b = 48;
        let x = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
        let eps = Tensor::<2>::random([b, 3], Distribution::Normal(0.0, 1.0), &device);
        let logits = Tensor::<2>::random([b, 13], Distribution::Normal(0.0, 3.0), &device);
        let xt = blocks.sample(Tensor::zeros([b, 13], &device));
        // f32 arithmetic in a different order: agreement to a few ulps of the larger values.
        let close = |a: Vec<f32>, b: Vec<f32>, what: &str| {
            assert_eq!(a.len(), b.len());
            for (u, v) in a.iter().zip(&b) {
                assert!(
                    (u - v).abs() <= 2e-5 * (1.0 + u.abs()),
                    "{what}: {u} vs {v}"
                );
            }
        };
        for i in [0, 1, 2, 50, 98, 99] {
            let t = vec![i; b];
            device.seed(9);
            let general = per_row_gaussian_p_sample(&d, eps.clone(), x.clone(), &t);
            device.seed(9);
            let fast = d.gaussian_p_sample_at(eps.clone(), x.clone(), i);
            close(vec2(general), vec2(fast), &format!("Gaussian step {i}"));

            let general = d.p_pred(&blocks, logits.clone(), log_onehot(xt.clone()), &t);
            let fast = d.p_pred_unnormalised_at(&blocks, logits.clone(), xt.clone(), i);
            let normalised = fast.clone() - blocks.logsumexp(fast.clone());
            close(
                vec2(general.clone()),
                vec2(normalised),
                &format!("posterior {i}"),
            );
            // The Gumbel-max draw ignores the normalisation: same noise, same categories.
            device.seed(3);
            let a = vec2(blocks.sample(general));
            device.seed(3);
            assert_eq!(a, vec2(blocks.sample(fast)), "draw at step {i}");
        }
    }

    #[test]
    fn logsumexp_is_stable_for_large_and_tiny_values() {
        let device = dev();
        let blocks = CatBlocks::new(vec![2, 3]);
        let x = Tensor::<2>::from_data(
            TensorData::new(
                vec![1000.0f32, 1000.0, -1000.0, LOG_EPS as f32, -1000.0],
                [1, 5],
            ),
            &device,
        );
        let v = vec2(blocks.logsumexp(x));
        let want = [
            1000.0 + 2f64.ln(),
            1000.0 + 2f64.ln(),
            LOG_EPS,
            LOG_EPS,
            LOG_EPS,
        ];
        for (a, b) in v.iter().zip(want) {
            assert!((*a as f64 - b).abs() < 1e-3, "{a} vs {b}");
        }
        let a = Tensor::<2>::from_data(TensorData::new(vec![800.0f32, -800.0], [1, 2]), &device);
        let b = Tensor::<2>::from_data(TensorData::new(vec![800.0f32, -801.0], [1, 2]), &device);
        let v = vec2(log_add_exp(a, b));
        assert!((v[0] as f64 - (800.0 + 2f64.ln())).abs() < 1e-3);
        assert!((v[1] as f64 - (-800.0 + (1.0 + (-1f64).exp()).ln())).abs() < 1e-3);
    }

    #[test]
    #[serial]
    fn denoiser_shapes_with_and_without_label() {
        let device = dev().autodiff();
        device.seed(0);
        let cfg = TabDdpmConfig {
            d_layers: vec![16, 8],
            dim_t: 9,
            ..Default::default()
        };
        for classes in [0usize, 3] {
            let den = cfg.init(5, classes, &device);
            assert_eq!(den.is_conditional(), classes > 0);
            let x = Tensor::<2>::random([4, 5], Distribution::Default, &device);
            let t = Tensor::<1>::from_data(
                TensorData::new(vec![0.0f32, 1.0, 50.0, 999.0], [4]),
                &device,
            );
            let y = (classes > 0).then(|| Tensor::<2>::zeros([4, classes], &device));
            assert_eq!(den.forward(x, t, y).dims(), [4, 5]);
        }
        let e = vec2(timestep_embedding(
            Tensor::<1>::from_data(TensorData::new(vec![0.0f32, 2.0], [2]), &dev()),
            4,
        ));
        // t = 0: cos = 1, sin = 0; t = 2: cos(2), cos(2·0.01), sin(2), sin(0.02).
        assert_eq!(&e[..4], &[1.0, 1.0, 0.0, 0.0]);
        assert!((e[4] - 2f32.cos()).abs() < 1e-6 && (e[5] - 0.02f32.cos()).abs() < 1e-6);
    }

    #[test]
    fn a_shared_timestep_embedded_once_gives_the_per_row_forward() {
        // Sampling computes the time branch on one row and broadcasts it: the result must be
        // the per-row forward's, to float rounding.
        let device = dev();
        device.seed(3);
        let cfg = TabDdpmConfig {
            d_layers: vec![16, 8],
            dim_t: 10,
            dropout: 0.0,
            ..Default::default()
        };
        let den = cfg.init(5, 3, &device);
        let x = Tensor::<2>::random([6, 5], Distribution::Normal(0.0, 1.0), &device);
        let labels = [0usize, 2, 1, 1, 0, 2];
        let mut yv = vec![0.0f32; 18];
        for (i, &c) in labels.iter().enumerate() {
            yv[i * 3 + c] = 1.0;
        }
        let y = Tensor::<2>::from_data(TensorData::new(yv, [6, 3]), &device);
        let t = Tensor::<1>::from_data(TensorData::new(vec![417.0f32; 6], [6]), &device);
        let full = vec2(den.forward(x.clone(), t, Some(y.clone())));
        let time = den.time_embedding(Tensor::from_data(
            TensorData::new(vec![417.0f32], [1]),
            &device,
        ));
        let emb = den.label_embedding(y).expect("conditional") + time;
        let once = vec2(den.forward_embedded(x, emb));
        for (a, b) in full.iter().zip(&once) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
    }

    #[test]
    fn layout_splits_and_reassembles() {
        let layout = Layout::new(vec![
            (
                "a".into(),
                false,
                vec![(1, Activation::Linear), (2, Activation::Softmax)],
            ),
            ("y".into(), true, vec![(2, Activation::Softmax)]),
            ("c".into(), true, vec![(3, Activation::Softmax)]),
        ]);
        let dl = DdpmLayout::new(&layout, Some("y"));
        assert_eq!(dl.num_cols, vec![0]);
        assert_eq!(dl.n_cat(), 5);
        assert_eq!(dl.n_classes(), 2);
        assert_eq!(dl.d_in(), 6);
        let m = Matrix::from_vec(
            2,
            8,
            vec![
                0.5, 1., 0., 0., 1., 0., 0., 1., -1.0, 0., 1., 1., 0., 1., 0., 0.,
            ],
        );
        let (num, cat, y) = dl.split(&m, &[0, 1]);
        assert_eq!(num, vec![0.5, -1.0]);
        assert_eq!(y, vec![1, 0]);
        assert_eq!(dl.assemble(8, &num, &cat, &y), m);
        let unc = DdpmLayout::new(&layout, None);
        assert_eq!((unc.n_cat(), unc.n_classes()), (7, 0));
    }
}

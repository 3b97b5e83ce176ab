//! [`Diffusion`]: the Gaussian and multinomial schedules of `GaussianMultinomialDiffusion`
//! (`tab_ddpm/gaussian_multinomial_diffsuion.py`), q(x_t|x₀), the posteriors, the ancestral steps
//! and the `vb_stochastic` loss.

use super::*;

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
        let step = self.reverse_step(i);
        let noise = Tensor::<2>::random(x.dims(), Distribution::Normal(0.0, 1.0), &x.device());
        let mean = x.mul_scalar(step.x_coef) - eps.mul_scalar(step.eps_coef);
        if i == 0 {
            mean
        } else {
            mean + noise.mul_scalar(step.sigma)
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
        let step = self.reverse_step(i);
        let ev = if i == 0 {
            blocks.log_softmax(logits)
        } else {
            (blocks.softmax(logits).mul_scalar(step.abar)
                + blocks.per_width(|k| step.rest / k as f64, &d))
            .log()
        };
        let (alpha, rest) = (step.alpha, step.rest_step);
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
    /// This is the reference's log-space form; training computes the same loss and gradient
    /// with its weight-free terms in closed form ([`MultinomialBatch`], checked against this).
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

//! [`ReverseStep`]: one ancestral step of every row, shared step `i`, as plain arithmetic on
//! host numbers, for backends whose tensors live in host memory (burn-flex).
//!
//! It is the maths of [`Diffusion::gaussian_p_sample_at`] and of
//! [`Diffusion::p_pred_unnormalised_at`] followed by a categorical draw, fused per row and
//! block. In linear space the model posterior of a block of width K is proportional to
//! `q_j = (ᾱ_{i−1}·softmax(logits)_j + (1 − ᾱ_{i−1})/K) · (G if j is x_t's category else 1)`,
//! with `G = (α_i + (1 − α_i)/K) / ((1 − α_i)/K)` (at i = 0 the first factor is the softmax
//! itself): one exponential per entry and one uniform per block, where the tensor path takes an
//! exponential, three logarithms and one uniform per entry. The draw is by inverse CDF over
//! `q`, so the same distribution as the tensor path's Gumbel-max, not the same draws.

use super::*;

/// The coefficients of the reverse step at one step `i`, shared by every row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReverseStep {
    /// Coefficient of x_t in the Gaussian mean.
    pub x_coef: f64,
    /// Coefficient of ε̂ in the Gaussian mean (subtracted).
    pub eps_coef: f64,
    /// Standard deviation of the Gaussian noise; 0 at i = 0.
    pub sigma: f64,
    /// Weight of the softmax in the x̂₀ term: ᾱ_{i−1}, or 1 at i = 0.
    pub abar: f64,
    /// Uniform mass of the x̂₀ term before dividing by K: 1 − ᾱ_{i−1}, or 0 at i = 0.
    pub rest: f64,
    /// α_i, of the one-step term.
    pub alpha: f64,
    /// 1 − α_i, of the one-step term, before dividing by K.
    pub rest_step: f64,
}

impl Diffusion {
    /// The coefficients of step `i` (`i < num_timesteps`).
    pub fn reverse_step(&self, i: usize) -> ReverseStep {
        let c1 = self.posterior_mean_coef1[i];
        let (abar, rest) = if i == 0 {
            (1.0, 0.0)
        } else {
            (
                self.log_cumprod_alpha[i - 1].exp(),
                self.log_1_min_cumprod_alpha[i - 1].exp(),
            )
        };
        ReverseStep {
            x_coef: self.sqrt_recip_alphas_cumprod[i] * c1 + self.posterior_mean_coef2[i],
            eps_coef: self.sqrt_recipm1_alphas_cumprod[i] * c1,
            sigma: if i == 0 {
                0.0
            } else {
                (0.5 * self.model_log_variance[i]).exp()
            },
            abar,
            rest,
            alpha: self.log_alpha[i].exp(),
            rest_step: self.log_1_min_alpha[i].exp(),
        }
    }
}

impl ReverseStep {
    /// x_{i−1} of one numeric value from x_i, the denoiser's ε̂ and a standard normal `noise`
    /// (unused at i = 0, where `sigma` is 0).
    pub fn gaussian(&self, x: f32, eps: f32, noise: f32) -> f32 {
        (self.x_coef * f64::from(x) - self.eps_coef * f64::from(eps)
            + self.sigma * f64::from(noise)) as f32
    }

    /// The model posterior of one block, unnormalised and in linear space, into `q`: `logits`
    /// are the denoiser's x̂₀ logits of the block, `current` x_t's category in it.
    ///
    /// # Panics
    /// When `q` and `logits` differ in length or `current` is outside the block (a caller's
    /// bug).
    pub fn block_posterior(&self, logits: &[f32], current: usize, q: &mut [f64]) {
        assert_eq!(q.len(), logits.len(), "one posterior entry per logit");
        let k = logits.len() as f64;
        let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0f64;
        for (qj, &l) in q.iter_mut().zip(logits) {
            // Below e^−80 an entry is 0 to the draw; skipping `exp` there also skips libm's
            // slow underflow path.
            let gap = l - m;
            let e = if gap < -80.0 {
                0.0
            } else {
                f64::from(gap.exp())
            };
            *qj = e;
            sum += e;
        }
        let (a, r) = (self.abar / sum, self.rest / k);
        for qj in q.iter_mut() {
            *qj = a * *qj + r;
        }
        let r_step = self.rest_step / k;
        q[current] *= (self.alpha + r_step) / r_step;
    }

    /// One draw from the block's model posterior (see [`Self::block_posterior`]) with the
    /// uniform `u` in [0, 1), by inverse CDF; `q` is scratch of the block's width.
    pub fn draw_category(&self, logits: &[f32], current: usize, u: f64, q: &mut [f64]) -> usize {
        self.block_posterior(logits, current, q);
        crate::activation::draw_index(q, u)
    }
}

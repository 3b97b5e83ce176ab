//! [`MultinomialBatch`]: the multinomial `vb_stochastic` loss of a training batch with every term
//! that does not depend on the denoiser worked out on the host.
//!
//! Of [`Diffusion::multinomial_loss`] only the model posterior depends on the weights. x₀ and
//! x_t are one-hot, so the forward draw q(x_t | x₀), the true posterior q(x_{t−1} | x_t, x₀), its
//! entropy, the one-step term log q(x_t | x_{t−1}) and the prior KL(q(x_T | x₀) ‖ uniform) have
//! closed forms per row and block, computed here in f64. What is left for the tensors is
//!
//! `loss = T · (H − Σ_j V_j u_j + Σ_blocks logsumexp(u)) + prior`,
//!
//! with `u = log(ᾱ_{t−1}·softmax(logits) + (1 − ᾱ_{t−1})/K) + O` (at t = 0:
//! `log_softmax(logits) + O`), `O_j = log(α_t x_t,j + (1 − α_t)/K)`, `V` the true posterior (x₀
//! at t = 0) and `H = Σ V log V` (0 at t = 0): the KL between the true and the model posterior,
//! or the decoder's NLL at t = 0, because each block of `V` sums to 1. Same value and gradient as
//! the log-space form
//! (`the_host_loss_is_the_log_space_loss`), with a fraction of its element-wise operations.

use super::*;

/// One training batch's multinomial constants, row-major, and x_t as the denoiser's input.
#[derive(Clone, Debug, PartialEq)]
pub struct MultinomialBatch {
    rows: usize,
    width: usize,
    /// x_t, one-hot `[rows, width]`.
    pub xt: Vec<f32>,
    /// ᾱ_{t−1} per row (0 at t = 0). `[rows]`
    abar: Vec<f32>,
    /// (1 − ᾱ_{t−1})/K per entry (1 at t = 0, where the linear branch is masked out).
    rest: Vec<f32>,
    /// 1 at t = 0, else 0. `[rows]`
    is0: Vec<f32>,
    /// `O`. `[rows, width]`
    one_step: Vec<f32>,
    /// `V`. `[rows, width]`
    target: Vec<f32>,
    /// `T · H + prior` per row. `[rows]`
    constant: Vec<f32>,
}

impl Diffusion {
    /// A draw of x_t's category from q(x_t | x₀) = ᾱ_t·𝟙(x₀) + (1 − ᾱ_t)/K in a block of width
    /// `k`, with the uniform `u` in [0, 1): x₀ with probability ᾱ_t, otherwise a uniform category.
    pub fn forward_category(&self, x0: usize, k: usize, t: usize, u: f64) -> usize {
        let abar = self.alphas_cumprod[t];
        if u < abar {
            x0
        } else {
            (((u - abar) / (1.0 - abar) * k as f64) as usize).min(k - 1)
        }
    }

    /// The host constants of a batch: `x0` and `xt` hold each row's category per block
    /// (`[rows, blocks]`), `t` each row's step.
    ///
    /// # Panics
    /// When the lengths disagree (a caller's bug).
    pub fn multinomial_batch(
        &self,
        blocks: &CatBlocks,
        x0: &[usize],
        xt: &[usize],
        t: &[usize],
    ) -> MultinomialBatch {
        let (rows, nb, width) = (t.len(), blocks.sizes().len(), blocks.width());
        assert_eq!(x0.len(), rows * nb, "one x₀ category per row and block");
        assert_eq!(xt.len(), rows * nb, "one x_t category per row and block");
        let big_t = self.num_timesteps as f64;
        let last = self.alphas_cumprod[self.num_timesteps - 1];
        let mut out = MultinomialBatch {
            rows,
            width,
            xt: vec![0.0; rows * width],
            abar: Vec::with_capacity(rows),
            rest: vec![0.0; rows * width],
            is0: Vec::with_capacity(rows),
            one_step: vec![0.0; rows * width],
            target: vec![0.0; rows * width],
            constant: Vec::with_capacity(rows),
        };
        // KL(q(x_T | x₀) ‖ uniform) depends only on each block's width: the same for every row.
        let prior: f64 = blocks
            .sizes()
            .iter()
            .map(|&k| {
                let kf = k as f64;
                let (hit, miss) = (last + (1.0 - last) / kf, (1.0 - last) / kf);
                hit * (hit * kf).ln() + (kf - 1.0) * miss * (miss * kf).ln()
            })
            .sum();
        for (r, &ti) in t.iter().enumerate() {
            let (abar_prev, alpha) = if ti == 0 {
                (1.0, self.log_alpha[0].exp())
            } else {
                (self.alphas_cumprod[ti - 1], self.log_alpha[ti].exp())
            };
            out.abar.push(if ti == 0 { 0.0 } else { abar_prev as f32 });
            out.is0.push(f32::from(u8::from(ti == 0)));
            let mut h = 0.0;
            let mut o = 0;
            for (b, &k) in blocks.sizes().iter().enumerate() {
                let kf = k as f64;
                let (c0, ct) = (x0[r * nb + b], xt[r * nb + b]);
                let at = r * width + o;
                // log q(x_t | x_{t−1}) takes two values: x_{t−1} = x_t or not.
                let miss = (1.0 - alpha) / kf;
                out.one_step[at..at + k].fill(miss.ln() as f32);
                out.one_step[at + ct] = (alpha + miss).ln() as f32;
                out.xt[at + ct] = 1.0;
                let rest = if ti == 0 { 1.0 } else { (1.0 - abar_prev) / kf };
                out.rest[at..at + k].fill(rest as f32);
                let target = &mut out.target[at..at + k];
                if ti == 0 {
                    // The true posterior at t = 0 is x₀ itself (no entropy).
                    target[c0] = 1.0;
                } else {
                    // q(x_{t−1} | x₀) q(x_t | x_{t−1}), unnormalised, takes at most three
                    // values: at x₀, at x_t (when it differs) and everywhere else.
                    let c = (1.0 - abar_prev) / kf;
                    let other = c * miss;
                    let at_x0 = (abar_prev + c) * (miss + if c0 == ct { alpha } else { 0.0 });
                    let at_xt = c * (alpha + miss);
                    let n_other = (k - if c0 == ct { 1 } else { 2 }) as f64;
                    let total = at_x0 + n_other * other + if c0 == ct { 0.0 } else { at_xt };
                    let (p0, pt, pe) = (at_x0 / total, at_xt / total, other / total);
                    target.fill(pe as f32);
                    target[ct] = pt as f32;
                    target[c0] = p0 as f32;
                    h += p0 * p0.ln() + n_other * pe * pe.ln();
                    if c0 != ct {
                        h += pt * pt.ln();
                    }
                }
                o += k;
            }
            out.constant.push((big_t * h + prior) as f32);
        }
        out
    }

    /// The multinomial loss per row, `[rows, 1]`, of [`Diffusion::multinomial_loss`] (not yet
    /// divided by the number of blocks), from the denoiser's x̂₀ logits of the categorical part
    /// and the batch's host constants.
    pub fn multinomial_loss_of(
        &self,
        blocks: &CatBlocks,
        logits: Tensor<2>,
        batch: &MultinomialBatch,
    ) -> Tensor<2> {
        let d = logits.device();
        let (n, w) = (batch.rows, batch.width);
        let t2 =
            |v: &[f32], c: usize| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [n, c]), &d);
        let is0 = t2(&batch.is0, 1);
        let ls = blocks.log_softmax(logits); // [n, w]
        let lin = (ls.clone().exp() * t2(&batch.abar, 1) + t2(&batch.rest, w)).log();
        let u = lin * is0.clone().neg().add_scalar(1.0) + ls * is0 + t2(&batch.one_step, w);
        let cross = (u.clone() * t2(&batch.target, w)).sum_dim(1); // [n, 1]
        let lse = blocks.block_logsumexp(u).sum_dim(1); // [n, 1]
        (lse - cross).mul_scalar(self.num_timesteps as f64) + t2(&batch.constant, 1)
    }
}

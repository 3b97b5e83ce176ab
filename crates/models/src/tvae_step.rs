//! One TVAE training step — encoder, reparametrisation, decoder, ELBO and the backward pass —
//! written out on host buffers for burn-flex, returning the two losses and every parameter's
//! gradient.
//!
//! Through burn's tensor operations a TVAE step is ~100 small operations one after another on
//! the main thread (each an allocation and a pass), with rayon woken around every matrix
//! product; on 2 cores only a third of an epoch was arithmetic. Here the batch is cut into
//! fixed parts of [`ROWS_PER_PART`] rows that run whole (forward and backward) on rayon's
//! workers, each with single-threaded matrix products; the parts' gradients are summed in a
//! fixed order, so the result does not depend on the thread count. The condition vector is a
//! one-hot row, so instead of a product over its columns each row adds (and its gradient
//! updates) the one weight row its condition selects.
//!
//! The maths is [`crate::tvae`]'s networks and [`crate::activation::tvae_loss`] (the tests
//! compare losses and gradients with burn's autodiff through them); other backends keep that
//! path.

use burn::module::ParamId;
use burn::optim::GradientsParams;
use burn::prelude::*;
use rayon::prelude::*;
use synthkit_data::layout::{Activation, Layout};

use crate::dense::{Dense, DenseGrad};
use crate::host::{exp_fast, flex_values, tanh1};
use crate::span_ops::span_ce;
use crate::tvae::{Decoder, Encoder};

/// Rows per parallel part of a batch (a batch of 500 is four parts, two per core).
const ROWS_PER_PART: usize = 256;

/// A TVAE mini-batch as host buffers.
#[derive(Debug, Clone, Copy)]
pub struct TvaeBatch<'a> {
    /// The encoded rows, row-major `[batch, data_dim]`.
    pub x: &'a [f32],
    /// With a conditional TVAE: each row's condition, as the position of its 1 in the
    /// condition vector (`[batch]`); `None` for the paper's unconditional TVAE.
    pub cond: Option<&'a [usize]>,
    /// The reparametrisation noise ε ~ N(0, I), row-major `[batch, latent]`.
    pub eps: &'a [f32],
}

/// What [`tvae_step_on_flex`] returns: the loss terms and the gradient of their sum.
#[derive(Debug)]
pub struct TvaeStepOutput {
    /// The reconstruction term (weighted by `loss_factor`), as `tvae_loss` computes it.
    pub reconstruction: f32,
    /// The KL term.
    pub kl: f32,
    /// The gradient of `reconstruction + kl` for every encoder and decoder parameter, keyed by
    /// parameter id (what an optimiser's step takes).
    pub grads: GradientsParams,
}

/// The layers in parameter order: encoder hidden layers, μ head, log σ² head, decoder hidden
/// layers, decoder output.
struct Net {
    enc: Vec<Dense>,
    mu: Dense,
    logvar: Dense,
    dec: Vec<Dense>,
    out: Dense,
    sigma: Vec<f32>,
    sigma_id: ParamId,
}

impl Net {
    fn of(e: &Encoder, d: &Decoder) -> Option<Self> {
        let (enc_hidden, mu, logvar) = e.layers();
        let (dec_hidden, out, sigma) = d.layers();
        Some(Self {
            enc: enc_hidden
                .iter()
                .map(|l| Dense::of(l, false))
                .collect::<Option<_>>()?,
            mu: Dense::of(mu, false)?,
            logvar: Dense::of(logvar, false)?,
            dec: dec_hidden
                .iter()
                .map(|l| Dense::of(l, false))
                .collect::<Option<_>>()?,
            out: Dense::of(out, false)?,
            sigma: flex_values(&sigma.val())?,
            sigma_id: sigma.id,
        })
    }

    fn layers(&self) -> impl Iterator<Item = &Dense> {
        self.enc
            .iter()
            .chain([&self.mu, &self.logvar])
            .chain(&self.dec)
            .chain([&self.out])
    }
}

/// The loss's shape: which columns are α (Gaussian term), which spans are softmax
/// (cross-entropy), and the scales.
struct LossShape {
    /// Columns of the `Tanh` spans, with their index into σ.
    alpha: Vec<usize>,
    /// `(start, dim)` of every `Softmax` span.
    softmax: Vec<(usize, usize)>,
    /// `loss_factor / batch`: the reconstruction term's weight per row.
    rec_scale: f32,
    /// `1 / batch`.
    inv_batch: f32,
}

/// One part's loss sums and gradients.
struct PartOut {
    /// Σ (x − tanh r)² / 2σ² over the part's α entries, plus its cross-entropies.
    rec_sum: f64,
    /// Σ (1 + log σ² − μ² − σ²) over the part's latent entries.
    kl_sum: f64,
    /// Per layer in [`Net::layers`] order.
    dense: Vec<DenseGrad>,
    /// Σ −(x − tanh r)² / σ³ per α column (the per-row part of σ's gradient, unscaled).
    sigma: Vec<f32>,
}

/// In place: ReLU.
fn relu(v: &mut [f32]) {
    v.iter_mut().for_each(|x| *x = x.max(0.0));
}

/// In place: zero the gradient where the ReLU's output was 0.
fn relu_back(dy: &mut [f32], y: &[f32]) {
    // A select, not a conditional store, so that the loop vectorises.
    dy.iter_mut()
        .zip(y)
        .for_each(|(d, &y)| *d = if y > 0.0 { *d } else { 0.0 });
}

/// Forward and backward pass of `n` rows.
fn part(
    net: &Net,
    shape: &LossShape,
    x: &[f32],
    cond: Option<&[usize]>,
    eps: &[f32],
    n: usize,
) -> PartOut {
    let d = net.out.out;
    let latent = net.mu.out;
    // Encoder: hidden activations (after ReLU), then the two heads.
    let mut enc_acts: Vec<Vec<f32>> = Vec::with_capacity(net.enc.len());
    for (i, l) in net.enc.iter().enumerate() {
        let mut h = match i {
            0 => l.forward(x, d, cond, n),
            _ => l.forward(&enc_acts[i - 1], net.enc[i - 1].out, None, n),
        };
        relu(&mut h);
        enc_acts.push(h);
    }
    let (h, hk, hc) = match enc_acts.last() {
        Some(h) => (h.as_slice(), net.enc[net.enc.len() - 1].out, None),
        None => (x, d, cond),
    };
    let mu = net.mu.forward(h, hk, hc, n);
    let logvar = net.logvar.forward(h, hk, hc, n);
    let std: Vec<f32> = logvar.iter().map(|&v| exp_fast(0.5 * v)).collect();
    let z: Vec<f32> = eps
        .iter()
        .zip(&std)
        .zip(&mu)
        .map(|((e, s), m)| e * s + m)
        .collect();
    // Decoder.
    let mut dec_acts: Vec<Vec<f32>> = Vec::with_capacity(net.dec.len());
    for (i, l) in net.dec.iter().enumerate() {
        let mut g = match i {
            0 => l.forward(&z, latent, cond, n),
            _ => l.forward(&dec_acts[i - 1], net.dec[i - 1].out, None, n),
        };
        relu(&mut g);
        dec_acts.push(g);
    }
    let (g, gk, gc) = match dec_acts.last() {
        Some(g) => (g.as_slice(), net.dec[net.dec.len() - 1].out, None),
        None => (z.as_slice(), latent, cond),
    };
    let recon = net.out.forward(g, gk, gc, n);

    // Loss and its gradient at the decoder's output.
    let s = shape.rec_scale;
    let mut rec_sum = 0f64;
    let mut dsigma = vec![0f32; shape.alpha.len()];
    let mut dr = vec![0f32; n * d];
    for ((rrow, xrow), drow) in recon
        .chunks_exact(d)
        .zip(x.chunks_exact(d))
        .zip(dr.chunks_exact_mut(d))
    {
        for (a, &col) in shape.alpha.iter().enumerate() {
            let sg = net.sigma[col];
            let t = tanh1(rrow[col]);
            let e = xrow[col] - t;
            let inv_var = 1.0 / (sg * sg);
            rec_sum += (e * e * inv_var * 0.5) as f64;
            drow[col] = -s * e * inv_var * (1.0 - t * t);
            dsigma[a] -= e * e * inv_var / sg;
        }
        for &(st, k) in &shape.softmax {
            let (lv, tv) = (&rrow[st..st + k], &xrow[st..st + k]);
            rec_sum += span_ce(lv, tv, s, &mut drow[st..st + k]);
        }
    }
    let mut grads: Vec<DenseGrad> = net.layers().map(Dense::zero_grad).collect();
    let n_enc = net.enc.len();
    let (enc_g, rest) = grads.split_at_mut(n_enc);
    let (head_g, rest) = rest.split_at_mut(2);
    let (dec_g, out_g) = rest.split_at_mut(net.dec.len());

    // Decoder backward, down to z.
    let mut dz = vec![0f32; n * latent];
    let mut dy = dr;
    {
        let mut dprev = Vec::new();
        let last = net.dec.len();
        // The output layer, then the hidden layers from the top.
        for i in (0..=last).rev() {
            let (l, lg) = if i == last {
                (&net.out, &mut out_g[0])
            } else {
                (&net.dec[i], &mut dec_g[i])
            };
            if i < last {
                relu_back(&mut dy, &dec_acts[i]);
            }
            if i == 0 {
                l.backward(&dy, &z, latent, cond, n, lg, Some((&mut dz, false)));
            } else {
                let (input, k) = (&dec_acts[i - 1], net.dec[i - 1].out);
                dprev.clear();
                dprev.resize(n * k, 0.0);
                l.backward(&dy, input, k, None, n, lg, Some((&mut dprev, false)));
                std::mem::swap(&mut dy, &mut dprev);
            }
        }
    }
    // Reparametrisation and KL: z = μ + ε·σ, σ = exp(½ log σ²).
    let ib = shape.inv_batch;
    let mut kl_sum = 0f64;
    let mut dmu = vec![0f32; n * latent];
    let mut dlv = vec![0f32; n * latent];
    for j in 0..n * latent {
        let (m, lv, sd) = (mu[j], logvar[j], std[j]);
        let var = sd * sd;
        kl_sum += (1.0 + lv - m * m - var) as f64;
        dmu[j] = dz[j] + m * ib;
        dlv[j] = dz[j] * eps[j] * sd * 0.5 - 0.5 * ib * (1.0 - var);
    }
    // Encoder backward: the heads, then the hidden layers from the top.
    let mut dh = vec![0f32; n * hk];
    let need_dh = n_enc > 0;
    net.mu.backward(
        &dmu,
        h,
        hk,
        hc,
        n,
        &mut head_g[0],
        need_dh.then_some((dh.as_mut_slice(), false)),
    );
    net.logvar.backward(
        &dlv,
        h,
        hk,
        hc,
        n,
        &mut head_g[1],
        need_dh.then_some((dh.as_mut_slice(), true)),
    );
    let mut dprev = Vec::new();
    for i in (0..n_enc).rev() {
        relu_back(&mut dh, &enc_acts[i]);
        if i == 0 {
            net.enc[0].backward(&dh, x, d, cond, n, &mut enc_g[0], None);
        } else {
            let k = net.enc[i - 1].out;
            dprev.clear();
            dprev.resize(n * k, 0.0);
            net.enc[i].backward(
                &dh,
                &enc_acts[i - 1],
                k,
                None,
                n,
                &mut enc_g[i],
                Some((&mut dprev, false)),
            );
            std::mem::swap(&mut dh, &mut dprev);
        }
    }
    PartOut {
        rec_sum,
        kl_sum,
        dense: grads,
        sigma: dsigma,
    }
}

/// Registers a host gradient for a parameter.
fn register<const D: usize>(
    out: &mut GradientsParams,
    id: ParamId,
    v: Vec<f32>,
    shape: [usize; D],
) {
    out.register::<D>(
        id,
        Tensor::from_data(TensorData::new(v, shape), &Device::flex()),
    );
}

/// One TVAE step on `batch` (see the module doc) when the networks' parameters live on
/// burn-flex; `None` elsewhere (the caller runs the tensor path).
pub fn tvae_step_on_flex(
    enc: &Encoder,
    dec: &Decoder,
    batch: TvaeBatch<'_>,
    layout: &Layout,
    loss_factor: f64,
) -> Option<TvaeStepOutput> {
    let net = Net::of(enc, dec)?;
    let d = layout.dim();
    let b = batch.x.len() / d;
    let latent = net.mu.out;
    assert_eq!(net.out.out, d, "the decoder's width is the layout's");
    assert_eq!(batch.x.len(), b * d, "x is [batch, data_dim]");
    assert_eq!(batch.eps.len(), b * latent, "ε is [batch, latent]");
    if let Some(c) = batch.cond {
        assert_eq!(c.len(), b, "one condition per row");
    }
    let mut alpha = Vec::new();
    let mut softmax = Vec::new();
    for s in layout.spans() {
        match s.activation {
            Activation::Tanh => alpha.extend(s.start..s.start + s.dim),
            Activation::Softmax => softmax.push((s.start, s.dim)),
            Activation::Linear => {}
        }
    }
    let shape = LossShape {
        alpha,
        softmax,
        rec_scale: (loss_factor / b as f64) as f32,
        inv_batch: 1.0 / b as f32,
    };
    let starts: Vec<usize> = (0..b).step_by(ROWS_PER_PART).collect();
    let parts: Vec<PartOut> = starts
        .par_iter()
        .map(|&s0| {
            let n = ROWS_PER_PART.min(b - s0);
            part(
                &net,
                &shape,
                &batch.x[s0 * d..(s0 + n) * d],
                batch.cond.map(|c| &c[s0..s0 + n]),
                &batch.eps[s0 * latent..(s0 + n) * latent],
                n,
            )
        })
        .collect();
    // Sum the parts in order (layers in parallel).
    let mut parts = parts.into_iter();
    let mut total = parts.next().expect("a batch has at least one row");
    let rest: Vec<PartOut> = parts.collect();
    total.dense.par_iter_mut().enumerate().for_each(|(i, t)| {
        for p in &rest {
            let g = &p.dense[i];
            t.w.iter_mut().zip(&g.w).for_each(|(a, b)| *a += b);
            t.b.iter_mut().zip(&g.b).for_each(|(a, b)| *a += b);
        }
    });
    for p in &rest {
        total.rec_sum += p.rec_sum;
        total.kl_sum += p.kl_sum;
        total
            .sigma
            .iter_mut()
            .zip(&p.sigma)
            .for_each(|(a, b)| *a += b);
    }
    let log_sigma: f64 = shape
        .alpha
        .iter()
        .map(|&c| (net.sigma[c] as f64).ln())
        .sum();
    let lf = loss_factor as f32;
    let mut grads = GradientsParams::new();
    for (l, g) in net.layers().zip(total.dense) {
        register(&mut grads, l.w_id, g.w, [l.inp, l.out]);
        if let Some(id) = l.b_id {
            register(&mut grads, id, g.b, [l.out]);
        }
    }
    let mut dsigma = vec![0f32; d];
    for (a, &c) in shape.alpha.iter().enumerate() {
        dsigma[c] = shape.rec_scale * total.sigma[a] + lf / net.sigma[c];
    }
    register(&mut grads, net.sigma_id, dsigma, [d]);
    Some(TvaeStepOutput {
        reconstruction: (shape.rec_scale as f64 * total.rec_sum + loss_factor * log_sigma) as f32,
        kl: (-0.5 * total.kl_sum / b as f64) as f32,
        grads,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::tvae_loss;
    use crate::config::TvaeConfig;
    use crate::host::testing::{close, every_span_layout, values};
    use burn::module::Param;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serial_test::serial;

    /// Rows of `l` from a host RNG: α in (−1, 1), one 1 per softmax span, the linear column
    /// free; a condition position per row.
    fn batch(l: &Layout, b: usize, rng: &mut StdRng) -> (Vec<f32>, Vec<usize>) {
        let d = l.dim();
        let mut x = vec![0f32; b * d];
        for row in x.chunks_exact_mut(d) {
            for s in l.spans() {
                match s.activation {
                    Activation::Tanh => row[s.start] = rng.random_range(-0.99..0.99),
                    Activation::Softmax => row[s.start + rng.random_range(0..s.dim)] = 1.0,
                    Activation::Linear => row[s.start] = rng.random_range(-2.0..2.0),
                }
            }
        }
        let cond = (0..b).map(|_| rng.random_range(0..l.cond_dim())).collect();
        (x, cond)
    }

    /// The fused step against burn's autodiff through [`Encoder::forward`],
    /// [`Decoder::forward`] and [`tvae_loss`]: both losses and the gradient of every weight,
    /// bias and σ agree within 1e-4 of each tensor's largest magnitude (f32 sums in another
    /// order; 300 rows make three parts). Conditional and unconditional, with and without
    /// hidden layers, σ away from its initial value.
    #[test]
    #[serial]
    fn the_fused_step_is_autodiff_through_the_networks() {
        let device = Device::flex().autodiff();
        let l = every_span_layout();
        let (d, c, b) = (l.dim(), l.cond_dim(), 300);
        for (conditional, compress, decompress) in [
            (true, vec![16, 12], vec![12, 16]),
            (false, vec![16], vec![10]),
            (true, vec![], vec![]),
        ] {
            let cfg = TvaeConfig {
                embedding_dim: 5,
                compress_dims: compress,
                decompress_dims: decompress,
                ..Default::default()
            };
            device.seed(3);
            let cd = if conditional { c } else { 0 };
            let (enc, mut dec) = cfg.init(d, cd, &device);
            let mut rng = StdRng::seed_from_u64(11);
            let sig: Vec<f32> = (0..d).map(|_| rng.random_range(0.05..0.8)).collect();
            dec.sigma = Param::from_tensor(Tensor::from_data(TensorData::new(sig, [d]), &device));
            let (x, cond) = batch(&l, b, &mut rng);
            let eps: Vec<f32> = (0..b * 5).map(|_| rng.random_range(-2.0..2.0)).collect();

            let fused = tvae_step_on_flex(
                &enc,
                &dec,
                TvaeBatch {
                    x: &x,
                    cond: conditional.then_some(&cond[..]),
                    eps: &eps,
                },
                &l,
                2.0,
            )
            .expect("on burn-flex");

            let xt = Tensor::<2>::from_data(TensorData::new(x.clone(), [b, d]), &device);
            let mut onehot = vec![0f32; b * c];
            for (r, &p) in cond.iter().enumerate() {
                onehot[r * c + p] = 1.0;
            }
            let ct = Tensor::<2>::from_data(TensorData::new(onehot, [b, c]), &device);
            let with = |t: Tensor<2>| match conditional {
                true => Tensor::cat(vec![t, ct.clone()], 1),
                false => t,
            };
            let e = enc.forward(with(xt.clone()));
            let et = Tensor::<2>::from_data(TensorData::new(eps.clone(), [b, 5]), &device);
            let z = Encoder::sample_latent(&e, et);
            let recon = dec.forward(with(z));
            let (rec, kl) = tvae_loss(recon, xt, dec.sigma.val(), e.mu, e.logvar, &l, 2.0);
            let (rv, kv) = (values(rec.clone())[0], values(kl.clone())[0]);
            close("reconstruction", &[fused.reconstruction], &[rv], 1e-5);
            close("kl", &[fused.kl], &[kv], 1e-5);
            let mut g = (rec + kl).backward();
            let want_e = GradientsParams::from_module(&mut g, &enc);
            let want_d = GradientsParams::from_module(&mut g, &dec);
            let net = Net::of(&enc, &dec).unwrap();
            let n_layers = net.layers().count();
            for (i, layer) in net.layers().enumerate() {
                let want = if i < net.enc.len() + 2 {
                    &want_e
                } else {
                    &want_d
                };
                let what = format!("layer {i}/{n_layers} (conditional {conditional})");
                close(
                    &format!("{what} weight"),
                    &values(fused.grads.get::<2>(layer.w_id).unwrap()),
                    &values(want.get::<2>(layer.w_id).unwrap()),
                    1e-4,
                );
                let bid = layer.b_id.unwrap();
                close(
                    &format!("{what} bias"),
                    &values(fused.grads.get::<1>(bid).unwrap()),
                    &values(want.get::<1>(bid).unwrap()),
                    1e-4,
                );
            }
            close(
                "sigma",
                &values(fused.grads.get::<1>(net.sigma_id).unwrap()),
                &values(want_d.get::<1>(net.sigma_id).unwrap()),
                1e-4,
            );
        }
    }
}

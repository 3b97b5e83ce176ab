//! Span-wise output activations and the losses that read the [`Layout`].
//!
//! A generator emits one raw logit per encoded column. What those logits mean is in the
//! [`Layout`]: a `Tanh` span is a continuous column's normalised value α, a `Softmax` span is a
//! one-hot block (a continuous column's mode indicator β, or a discrete column's category).

use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax, tanh};
use synthkit_data::layout::{Activation, Layout};

/// Applies `on_tanh` to every `Tanh` span and `on_softmax` to every `Softmax` span of `x`,
/// leaves `Linear` spans as they are (CTGAN and TVAE refuse layouts that have them), and
/// concatenates the results back in layout order.
///
/// # Shapes
/// - `x`: `[batch, layout.dim()]`
/// - returns `[batch, layout.dim()]`
pub fn map_spans(
    x: Tensor<2>,
    layout: &Layout,
    mut on_tanh: impl FnMut(Tensor<2>) -> Tensor<2>,
    mut on_softmax: impl FnMut(Tensor<2>) -> Tensor<2>,
) -> Tensor<2> {
    let parts: Vec<Tensor<2>> = layout
        .spans()
        .map(|s| {
            let part = x.clone().narrow(1, s.start, s.dim); // [batch, s.dim]
            match s.activation {
                Activation::Tanh => on_tanh(part),
                Activation::Softmax => on_softmax(part),
                Activation::Linear => part,
            }
        })
        .collect();
    Tensor::cat(parts, 1)
}

/// One row of the Gumbel noise [`ctgan_activate`] adds, in place: `−ln(−ln U)`, `U` from
/// `uniform` clamped to at least 1e-10, on every `Softmax` column of `layout`, 0 on the others.
/// The trainer draws it on the host, rows in parallel, instead of burn-flex's random tensors,
/// which draw one element at a time on one thread.
pub fn fill_gumbel(row: &mut [f32], layout: &Layout, mut uniform: impl FnMut() -> f32) {
    for s in layout.spans() {
        let part = &mut row[s.start..s.end()];
        if s.activation == Activation::Softmax {
            for v in part {
                *v = -(-uniform().max(1e-10).ln()).ln();
            }
        } else {
            part.fill(0.0);
        }
    }
}

/// CTGAN's generator output activation (`_apply_activate`, ctgan.py L221–239): `tanh` on every
/// `Tanh` span, soft Gumbel-softmax `softmax((logits + g) / τ)` with temperature `tau` on every
/// `Softmax` span (continuous modes and categories alike; no straight-through "hard" variant,
/// ctgan.py L233). `gumbel` holds `g` ([`fill_gumbel`]: noise on the `Softmax` columns, 0 on
/// the others), added in one operation before the spans are split.
///
/// # Shapes
/// - `logits`, `gumbel`: `[batch, layout.dim()]`; returns `[batch, layout.dim()]`
pub fn ctgan_activate(
    logits: Tensor<2>,
    gumbel: Tensor<2>,
    layout: &Layout,
    tau: f64,
) -> Tensor<2> {
    let z = logits + gumbel;
    crate::span_ops::activate(&z, layout, tau).unwrap_or_else(|| ctgan_activate_ops(z, layout, tau))
}

/// [`ctgan_activate`]'s spans (after the noise is added) as tensor operations, span by span: the
/// path of backends other than burn-flex.
pub(crate) fn ctgan_activate_ops(z: Tensor<2>, layout: &Layout, tau: f64) -> Tensor<2> {
    map_spans(z, layout, tanh, |p| softmax(p.div_scalar(tau), 1))
}

/// The index drawn by inverse CDF from nonnegative, unnormalised `weights` (f32 or f64, summed
/// in f64) with a uniform `u` in [0, 1): `j` with probability `weights[j] / Σ weights`. Rounding
/// that leaves the running target a hair above the last entry gives the last index with mass.
pub fn draw_index<T: Copy + Into<f64>>(weights: &[T], u: f64) -> usize {
    let total: f64 = weights.iter().map(|&w| w.into()).sum();
    let mut target = u * total;
    for (j, &w) in weights.iter().enumerate() {
        let w: f64 = w.into();
        if target < w {
            return j;
        }
        target -= w;
    }
    weights.iter().rposition(|&w| w.into() > 0.0).unwrap_or(0)
}

/// CTGAN's sampling output for generated rows (`rows` holds whole rows of `layout.dim()`
/// values), on host numbers and in place: `tanh` on every `Tanh` span and, on every `Softmax`
/// span, the one-hot of a category drawn from `softmax(logits)` with one uniform from `uniform`
/// (row by row, block by block). That one-hot is the argmax of the reference's soft
/// Gumbel-softmax `softmax((logits + g) / τ)` in distribution (Gumbel-max: `argmax(logits + g)`
/// follows `softmax(logits)`, whatever τ), and the argmax is all the inverse transform reads; it
/// needs one uniform per block and one exponential per entry, where the Gumbel noise needs a
/// uniform and two logarithms per entry. A row's exponentials (`exp(logit − block max)`, and
/// `exp(−2|x|)` for the `tanh` entries) are computed in one vectorised pass
/// ([`crate::exp::exp_slice`]) over a scratch row. `Linear` spans are left as they are.
pub fn ctgan_sample_rows(rows: &mut [f32], layout: &Layout, mut uniform: impl FnMut() -> f64) {
    let d = layout.dim();
    let mut e = vec![0.0f32; d];
    for row in rows.chunks_exact_mut(d.max(1)) {
        for s in layout.spans() {
            let (x, arg) = (&row[s.start..s.end()], &mut e[s.start..s.end()]);
            match s.activation {
                Activation::Tanh => {
                    for (a, &v) in arg.iter_mut().zip(x) {
                        *a = -2.0 * v.abs();
                    }
                }
                Activation::Softmax => {
                    let top = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                    for (a, &v) in arg.iter_mut().zip(x) {
                        *a = v - top;
                    }
                }
                Activation::Linear => arg.fill(0.0),
            }
        }
        crate::exp::exp_slice(&mut e);
        for s in layout.spans() {
            let (part, ex) = (&mut row[s.start..s.end()], &e[s.start..s.end()]);
            match s.activation {
                Activation::Tanh => {
                    for (v, &x) in part.iter_mut().zip(ex) {
                        *v = crate::exp::tanh_from_exp(*v, x);
                    }
                }
                Activation::Softmax => {
                    let j = draw_index(ex, uniform());
                    part.fill(0.0);
                    part[j] = 1.0;
                }
                Activation::Linear => {}
            }
        }
    }
}

/// CTGAN's conditional cross-entropy (`_cond_loss`, ctgan.py L241–263): for each discrete
/// column, the cross-entropy between the generator's *pre-activation* logits of its span and the
/// category set in the condition vector, counted only on rows whose selected column it is
/// (`mask`), summed and divided by the batch size. Mode spans of continuous columns are excluded.
///
/// # Shapes
/// - `logits`: `[batch, layout.dim()]`
/// - `cond`: `[batch, layout.cond_dim()]`
/// - `mask`: `[batch, layout.cond_blocks().len()]`
/// - returns `[1]`
pub fn cond_loss(
    logits: Tensor<2>,
    layout: &Layout,
    cond: Tensor<2>,
    mask: Tensor<2>,
) -> Tensor<1> {
    let [batch, _] = logits.dims();
    if layout.cond_blocks().is_empty() {
        return Tensor::zeros([1], &logits.device());
    }
    let pairs: Vec<_> = layout
        .cond_blocks()
        .iter()
        .map(|c| (c.span.start, c.cond_start, c.span.dim))
        .collect();
    match crate::span_ops::span_cross_entropy(&logits, &cond, &pairs, Some(&mask)) {
        Some(total) => total.div_scalar(batch as f64),
        None => cond_loss_ops(logits, layout, cond, mask),
    }
}

/// [`cond_loss`] as tensor operations, block by block: the path of backends other than
/// burn-flex.
pub(crate) fn cond_loss_ops(
    logits: Tensor<2>,
    layout: &Layout,
    cond: Tensor<2>,
    mask: Tensor<2>,
) -> Tensor<1> {
    let [batch, _] = logits.dims();
    let mut total: Option<Tensor<1>> = None;
    for (b, block) in layout.cond_blocks().iter().enumerate() {
        let span = block.span;
        let logp = log_softmax(logits.clone().narrow(1, span.start, span.dim), 1); // [batch, k]
        let target = cond.clone().narrow(1, block.cond_start, span.dim); // [batch, k]
        let ce = (logp * target).sum_dim(1).neg(); // [batch, 1]
        let m = mask.clone().narrow(1, b, 1); // [batch, 1]
        let term = (ce * m).sum(); // [1]
        total = Some(match total {
            Some(t) => t + term,
            None => term,
        });
    }
    match total {
        Some(t) => t.div_scalar(batch as f64),
        None => Tensor::zeros([1], &logits.device()),
    }
}

/// TVAE's sampling output for one decoded row (tvae.py L211–236 with data_transformer.py
/// L195–197), on host numbers and in place: on every `Tanh` span, α drawn from
/// `N(tanh(x), σ)` with the decoder's learned `sigma` of that column and one standard normal
/// from `normal`, clipped to `[-1, 1]`; every `Softmax` span becomes the one-hot of its argmax,
/// which is the argmax of the reference's `tanh` outputs (tanh is increasing) and all the inverse
/// transform reads. `Linear` spans are left as they are. `sigma` has one entry per column.
pub fn tvae_sample_row(
    row: &mut [f32],
    sigma: &[f32],
    layout: &Layout,
    mut normal: impl FnMut() -> f32,
) {
    for s in layout.spans() {
        let part = &mut row[s.start..s.end()];
        match s.activation {
            Activation::Tanh => {
                for (v, sd) in part.iter_mut().zip(&sigma[s.start..s.end()]) {
                    *v = (v.tanh() + sd * normal()).clamp(-1.0, 1.0);
                }
            }
            Activation::Softmax => {
                let j = synthkit_data::argmax(part);
                part.fill(0.0);
                part[j] = 1.0;
            }
            Activation::Linear => {}
        }
    }
}

/// The encoded columns of the spans with activation `which`, in order.
pub fn span_columns(layout: &Layout, which: Activation) -> Vec<usize> {
    layout
        .spans()
        .filter(|s| s.activation == which)
        .flat_map(|s| s.start..s.end())
        .collect()
}

/// The cross-entropy of every `Softmax` span's logits against the one-hot `x` span, summed over
/// spans and rows, as tensor operations span by span (the path of backends other than
/// burn-flex; `[1]`).
pub(crate) fn softmax_cross_entropy_ops(
    recon: Tensor<2>,
    x: Tensor<2>,
    layout: &Layout,
) -> Tensor<1> {
    let mut total = Tensor::zeros([1], &x.device());
    for s in layout
        .spans()
        .filter(|s| s.activation == Activation::Softmax)
    {
        let logp = log_softmax(recon.clone().narrow(1, s.start, s.dim), 1); // [batch, k]
        let target = x.clone().narrow(1, s.start, s.dim);
        total = total - (logp * target).sum();
    }
    total
}

/// TVAE's loss (`_loss_function`, tvae.py L79–103), returned as (reconstruction, KL), both
/// divided by the batch size; the training loss is their sum.
///
/// - `Tanh` span at column `st`: `(x_st − tanh(x̂_st))² / (2σ_st²) + B·log σ_st`.
/// - `Softmax` span: cross-entropy of the logits against the one-hot `x` span, summed.
/// - reconstruction = `loss_factor · Σ / B`; KL = `−½ Σ (1 + logvar − μ² − e^logvar) / B`.
///
/// # Shapes
/// - `recon`, `x`: `[batch, layout.dim()]`
/// - `sigma`: `[layout.dim()]`
/// - `mu`, `logvar`: `[batch, latent]`
/// - returns two `[1]` tensors
pub fn tvae_loss(
    recon: Tensor<2>,
    x: Tensor<2>,
    sigma: Tensor<1>,
    mu: Tensor<2>,
    logvar: Tensor<2>,
    layout: &Layout,
    loss_factor: f64,
) -> (Tensor<1>, Tensor<1>) {
    let [batch, _] = x.dims();
    let device = x.device();
    // Gaussian NLL on the α columns only, gathered first: tanh and the squared error run on
    // `[batch, n_α]` instead of the full width (on adult 6 of 156 columns; scalar tanh was the
    // largest element-wise cost of a TVAE step).
    let alpha = span_columns(layout, Activation::Tanh);
    let mut total = if alpha.is_empty() {
        Tensor::zeros([1], &device)
    } else {
        let n = alpha.len();
        let idx = Tensor::<1, Int>::from_data(
            TensorData::new(alpha.iter().map(|&c| c as i64).collect::<Vec<_>>(), [n]),
            &device,
        );
        let sigma_a = sigma.select(0, idx.clone()); // [n_α]
        let eq = x.clone().select(1, idx.clone()) - tanh(recon.clone().select(1, idx)); // [batch, n_α]
        let gauss = (eq.powi_scalar(2)
            / sigma_a
                .clone()
                .powi_scalar(2)
                .mul_scalar(2.0)
                .reshape([1, n]))
        .sum();
        gauss + sigma_a.log().sum().mul_scalar(batch as f64)
    };
    let pairs: Vec<_> = layout
        .spans()
        .filter(|s| s.activation == Activation::Softmax)
        .map(|s| (s.start, s.start, s.dim))
        .collect();
    if !pairs.is_empty() {
        total = total
            + crate::span_ops::span_cross_entropy(&recon, &x, &pairs, None)
                .unwrap_or_else(|| softmax_cross_entropy_ops(recon, x, layout));
    }
    let recon_loss = total.mul_scalar(loss_factor / batch as f64);
    let kld = (logvar.clone().add_scalar(1.0) - mu.powi_scalar(2) - logvar.exp())
        .sum()
        .mul_scalar(-0.5 / batch as f64);
    (recon_loss, kld)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;
    use serial_test::serial;

    fn layout() -> Layout {
        Layout::new(vec![
            (
                "a".into(),
                false,
                vec![(1, Activation::Tanh), (3, Activation::Softmax)],
            ),
            ("b".into(), true, vec![(4, Activation::Softmax)]),
            ("c".into(), true, vec![(2, Activation::Softmax)]),
        ])
    }

    fn to_vec(t: Tensor<2>) -> Vec<f32> {
        t.into_data().try_to_vec_as::<f32>().unwrap()
    }

    /// Gumbel noise for `n` rows of `l` ([`fill_gumbel`]) from a seeded RNG.
    fn gumbel(n: usize, l: &Layout, seed: u64, device: &Device) -> Tensor<2> {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(seed);
        let mut g = vec![0.0f32; n * l.dim()];
        for row in g.chunks_mut(l.dim()) {
            fill_gumbel(row, l, || rng.random());
        }
        Tensor::from_data(TensorData::new(g, [n, l.dim()]), device)
    }

    /// The host sampling output draws each block's category as the argmax of the reference's
    /// Gumbel-softmax does (Gumbel-max): 20,000 copies of one row of logits through both; per
    /// category, the two frequencies differ by less than 5 sampling errors of a difference of
    /// two binomial proportions, √(2p(1 − p)/n) with p the category's softmax probability, and
    /// the Gumbel-softmax's argmax frequency is within 5 errors √(p(1 − p)/n) of p. The
    /// logits are far enough apart that drawing uniformly, or taking the argmax of the logits,
    /// fails by dozens of errors.
    #[test]
    #[serial]
    fn host_sampling_draws_the_gumbel_softmax_argmax() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let device = Device::flex();
        device.seed(3);
        let l = layout();
        let row: [f32; 10] = [0.7, 2.0, 0.5, -1.0, 0.0, 1.5, -0.5, 0.3, 3.0, 2.2];
        let n = 20_000;
        let x: Vec<f32> = row.iter().copied().cycle().take(n * 10).collect();
        let gumbel = to_vec(ctgan_activate(
            Tensor::from_data(TensorData::new(x.clone(), [n, 10]), &device),
            gumbel(n, &l, 4, &device),
            &l,
            0.2,
        ));
        let mut host = x;
        let mut rng = StdRng::seed_from_u64(5);
        for r in host.chunks_mut(10) {
            ctgan_sample_rows(r, &l, || rng.random());
        }
        for (h, g) in host.chunks(10).zip(gumbel.chunks(10)) {
            assert!(
                (h[0] - g[0]).abs() < 1e-6,
                "tanh: host {}, tensor {}",
                h[0],
                g[0]
            );
        }
        for (s, e) in [(1, 4), (4, 8), (8, 10)] {
            let counts = |v: &[f32]| {
                let mut c = vec![0usize; e - s];
                for r in v.chunks(10) {
                    c[synthkit_data::argmax(&r[s..e])] += 1;
                }
                c
            };
            let (h, g) = (counts(&host), counts(&gumbel));
            let z: f64 = row[s..e].iter().map(|&v| f64::from(v).exp()).sum();
            for j in 0..e - s {
                let p = f64::from(row[s + j]).exp() / z;
                let se = (2.0 * p * (1.0 - p) / n as f64).sqrt();
                let (fh, fg) = (h[j] as f64 / n as f64, g[j] as f64 / n as f64);
                assert!(
                    (fh - fg).abs() < 5.0 * se,
                    "span {s}..{e}, category {j}: host {fh:.4}, Gumbel {fg:.4}, p {p:.4}"
                );
                assert!(
                    (fg - p).abs() < 5.0 * (p * (1.0 - p) / n as f64).sqrt(),
                    "span {s}..{e}, category {j}: Gumbel argmax {fg:.4}, p {p:.4}"
                );
            }
            for r in host.chunks(10) {
                assert_eq!(r[s..e].iter().sum::<f32>(), 1.0, "one-hot");
            }
        }
    }

    /// Many rows in one call (one scratch row reused) give the rows of one call per row with
    /// the same uniforms, in the same order: nothing of one row's exponentials leaks into the
    /// next. 50 rows of logits uniform in [-6, 6], so the draws differ from row to row.
    #[test]
    fn sampling_rows_together_is_sampling_them_one_by_one() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let l = layout();
        let mut rng = StdRng::seed_from_u64(8);
        let x: Vec<f32> = (0..50 * 10)
            .map(|_| 12.0 * rng.random::<f32>() - 6.0)
            .collect();
        let mut together = x.clone();
        let mut u = StdRng::seed_from_u64(9);
        ctgan_sample_rows(&mut together, &l, || u.random());
        let mut apart = x;
        let mut u = StdRng::seed_from_u64(9);
        for r in apart.chunks_mut(10) {
            ctgan_sample_rows(r, &l, || u.random());
        }
        assert_eq!(together, apart);
        let firsts: std::collections::HashSet<usize> = together
            .chunks(10)
            .map(|r| synthkit_data::argmax(&r[1..4]))
            .collect();
        assert_eq!(firsts.len(), 3, "every mode of the first block is drawn");
    }

    #[test]
    #[serial]
    fn ctgan_activation_respects_the_spans() {
        let device = Device::flex();
        device.seed(0);
        let l = layout();
        let x = Tensor::<2>::random([64, l.dim()], Distribution::Normal(0.0, 3.0), &device);
        let y = to_vec(ctgan_activate(x, gumbel(64, &l, 1, &device), &l, 0.2));
        for r in 0..64 {
            let row = &y[r * 10..(r + 1) * 10];
            assert!(row[0].abs() <= 1.0);
            for (s, e) in [(1, 4), (4, 8), (8, 10)] {
                let sum: f32 = row[s..e].iter().sum();
                assert!((sum - 1.0).abs() < 1e-4, "span {s}..{e} sums to {sum}");
                assert!(row[s..e].iter().all(|v| *v >= 0.0));
            }
        }
    }

    /// The Gumbel noise is zero off the `Softmax` columns and follows the standard Gumbel law
    /// on them: over 60,000 draws (6,000 rows × 10 columns), the mean is within 5 sampling
    /// errors (σ = π/√6 ≈ 1.28, so 0.026) of the Euler–Mascheroni constant 0.5772, and
    /// P(g ≤ 0) within 5 errors of e^{−1} ≈ 0.3679.
    #[test]
    fn gumbel_noise_is_standard_gumbel_on_softmax_columns() {
        let l = Layout::new(vec![
            (
                "a".into(),
                false,
                vec![(1, Activation::Tanh), (6, Activation::Softmax)],
            ),
            ("b".into(), true, vec![(4, Activation::Softmax)]),
        ]);
        let g = to_vec(gumbel(6000, &l, 2, &Device::flex()));
        let mut on = Vec::new();
        for row in g.chunks(l.dim()) {
            assert_eq!(row[0], 0.0, "noise on the tanh column");
            on.extend_from_slice(&row[1..]);
        }
        let n = on.len() as f64;
        let mean = on.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let se = std::f64::consts::PI / 6f64.sqrt() / n.sqrt();
        assert!((mean - 0.5772).abs() < 5.0 * se, "mean {mean}");
        let p0 = on.iter().filter(|&&v| v <= 0.0).count() as f64 / n;
        let p = (-1f64).exp();
        assert!(
            (p0 - p).abs() < 5.0 * (p * (1.0 - p) / n).sqrt(),
            "P(g <= 0) = {p0}"
        );
    }

    /// TVAE's sampling output: every one-hot block is the argmax of its logits; α is
    /// `tanh(x) + σ·N(0, 1)` clipped to [-1, 1]. Over 20,000 rows with tanh(x) = 0.2 and σ = 0.1
    /// (clipping 8 σ away), the standardised noise has mean within 5 sampling errors (1/√n) of 0
    /// and variance within 5 errors (√(2/n)) of 1; with tanh(x) = 0.9 and σ = 0.5 no α passes 1
    /// and the share clipped to 1 is P(N(0, 1) > 0.2) = 0.4207 within 5 binomial errors.
    #[test]
    fn tvae_sampling_adds_the_learned_noise_and_takes_the_argmax() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let l = layout();
        let n = 20_000;
        let mut rng = StdRng::seed_from_u64(8);
        for (t, sd, clipped) in [(0.2f32, 0.1f32, None), (0.9, 0.5, Some(0.4207))] {
            let row: [f32; 10] = [t.atanh(), 0.1, 0.9, -0.3, 2.0, -1.0, 0.0, 1.9, -0.5, -0.4];
            let sigma = [sd; 10];
            let (mut sum, mut sq, mut at_one) = (0.0f64, 0.0f64, 0usize);
            for _ in 0..n {
                let mut r = row;
                // Box–Muller: one standard normal from two uniforms.
                let normal = || {
                    let (u1, u2): (f64, f64) = (1.0 - rng.random::<f64>(), rng.random());
                    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
                };
                tvae_sample_row(&mut r, &sigma, &l, normal);
                assert_eq!(&r[1..], &[0., 1., 0., 1., 0., 0., 0., 0., 1.]);
                assert!(r[0].abs() <= 1.0);
                let z = f64::from((r[0] - t) / sd);
                sum += z;
                sq += z * z;
                at_one += usize::from(r[0] == 1.0);
            }
            let nf = n as f64;
            match clipped {
                None => {
                    let mean = sum / nf;
                    let var = sq / nf - mean * mean;
                    assert!(mean.abs() < 5.0 / nf.sqrt(), "mean {mean}");
                    assert!(
                        (var - 1.0).abs() < 5.0 * (2.0 / nf).sqrt(),
                        "variance {var}"
                    );
                }
                Some(p) => {
                    let share = at_one as f64 / nf;
                    let se = (p * (1.0 - p) / nf).sqrt();
                    assert!((share - p).abs() < 5.0 * se, "clipped share {share}");
                }
            }
        }
    }

    #[test]
    fn cond_loss_counts_only_the_selected_column() {
        let device = Device::flex();
        let l = layout();
        // Row 0 selects column b (block 0) category 2; row 1 selects column c (block 1) cat 1.
        let mut logits = vec![0.0f32; 20];
        logits[4 + 2] = 2.0; // row 0, b cat 2 favoured
        logits[10 + 8] = 5.0; // row 1, c cat 0 favoured (wrong)
        let logits = Tensor::<2>::from_data(TensorData::new(logits, [2, 10]), &device);
        let mut cond = vec![0.0f32; 12];
        cond[2] = 1.0;
        cond[6 + 4 + 1] = 1.0;
        let cond = Tensor::<2>::from_data(TensorData::new(cond, [2, 6]), &device);
        let mask = Tensor::<2>::from_data(
            TensorData::new(vec![1.0f32, 0.0, 0.0, 1.0], [2, 2]),
            &device,
        );
        let got: f32 = cond_loss(logits, &l, cond, mask).into_scalar();
        let ce0 = -(2.0f64.exp() / (2.0f64.exp() + 3.0)).ln();
        let ce1 = -(1.0 / (5.0f64.exp() + 1.0)).ln();
        let want = (ce0 + ce1) / 2.0;
        assert!((got as f64 - want).abs() < 1e-4, "{got} vs {want}");
    }

    #[test]
    fn tvae_loss_matches_a_hand_computation() {
        let device = Device::flex();
        let l = Layout::new(vec![(
            "a".into(),
            false,
            vec![(1, Activation::Tanh), (2, Activation::Softmax)],
        )]);
        let x = Tensor::<2>::from_data(TensorData::new(vec![0.5f32, 1.0, 0.0], [1, 3]), &device);
        let recon =
            Tensor::<2>::from_data(TensorData::new(vec![0.0f32, 1.0, 0.0], [1, 3]), &device);
        let sigma = Tensor::<1>::from_data(TensorData::new(vec![0.1f32, 0.1, 0.1], [3]), &device);
        let mu = Tensor::<2>::from_data(TensorData::new(vec![1.0f32], [1, 1]), &device);
        let logvar = Tensor::<2>::from_data(TensorData::new(vec![0.0f32], [1, 1]), &device);
        let (r, k) = tvae_loss(recon, x, sigma, mu, logvar, &l, 2.0);
        let gauss = 0.25 / 2.0 / 0.01 + 0.1f64.ln();
        let ce = -(1.0f64.exp() / (1.0f64.exp() + 1.0)).ln();
        let want_r = 2.0 * (gauss + ce);
        let got_r: f32 = r.into_scalar();
        let got_k: f32 = k.into_scalar();
        assert!((got_r as f64 - want_r).abs() < 1e-3, "{got_r} vs {want_r}");
        assert!((got_k as f64 - 0.5).abs() < 1e-6, "{got_k}");
    }
}

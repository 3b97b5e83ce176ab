//! Span-wise output activations and the losses that read the [`Layout`].
//!
//! A generator emits one raw logit per encoded column. What those logits mean is in the
//! [`Layout`]: a `Tanh` span is a continuous column's normalised value α, a `Softmax` span is a
//! one-hot block (a continuous column's mode indicator β, or a discrete column's category).

use burn::prelude::*;
use burn::tensor::Distribution;
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

/// Gumbel noise `-log(-log(U))`, `U ~ U(1e-10, 1)`, drawn from the device RNG.
///
/// # Shapes
/// - returns `shape`
pub fn gumbel_noise(shape: [usize; 2], device: &Device) -> Tensor<2> {
    let u = Tensor::<2>::random(shape, Distribution::Uniform(1e-10, 1.0), device);
    u.log().neg().log().neg()
}

/// The soft Gumbel-softmax relaxation `softmax((logits + g) / τ)` (no straight-through "hard"
/// variant; CTGAN uses `hard=False`, ctgan.py L233). burn has no built-in.
///
/// # Shapes
/// - `logits`: `[batch, k]`; returns `[batch, k]`
pub fn gumbel_softmax(logits: Tensor<2>, tau: f64) -> Tensor<2> {
    let g = gumbel_noise(logits.dims(), &logits.device());
    softmax((logits + g).div_scalar(tau), 1)
}

/// CTGAN's generator output activation (`_apply_activate`, ctgan.py L221–239): `tanh` on every
/// `Tanh` span, soft Gumbel-softmax with temperature `tau` on every `Softmax` span (continuous
/// modes and categories alike).
///
/// # Shapes
/// - `logits`: `[batch, layout.dim()]`; returns `[batch, layout.dim()]`
pub fn ctgan_activate(logits: Tensor<2>, layout: &Layout, tau: f64) -> Tensor<2> {
    map_spans(logits, layout, tanh, |p| gumbel_softmax(p, tau))
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

/// TVAE's sampling output (tvae.py L211–236 with data_transformer.py L195–197): `tanh` on every
/// output, then each `Tanh` span's α is perturbed with the decoder's learned noise,
/// `α ~ N(tanh(x), σ)`, and clipped to `[-1, 1]`. `Softmax` spans get a plain softmax instead of
/// the reference's tanh: the argmax, which is all the inverse transform reads, is the same, and
/// the scores stay nonnegative.
///
/// # Shapes
/// - `recon`: `[batch, layout.dim()]`
/// - `sigma`: `[layout.dim()]`
/// - returns `[batch, layout.dim()]`
pub fn tvae_output(recon: Tensor<2>, sigma: Tensor<1>, layout: &Layout) -> Tensor<2> {
    let [batch, dim] = recon.dims();
    let device = recon.device();
    let noise = Tensor::<2>::random([batch, dim], Distribution::Normal(0.0, 1.0), &device)
        * sigma.reshape([1, dim]); // [batch, dim]
    let noisy = tanh(recon.clone()) + noise;
    let with_noise = map_spans(noisy, layout, |p| p.clamp(-1.0, 1.0), |p| p);
    // Softmax spans come from the noiseless logits.
    let soft = map_spans(recon, layout, |p| p, |p| softmax(p, 1));
    let tanh_mask = span_mask(layout, Activation::Tanh, &device); // [1, dim]
    with_noise * tanh_mask.clone() + soft * tanh_mask.neg().add_scalar(1.0)
}

/// The encoded columns of the spans with activation `which`, in order.
pub fn span_columns(layout: &Layout, which: Activation) -> Vec<usize> {
    layout
        .spans()
        .filter(|s| s.activation == which)
        .flat_map(|s| s.start..s.end())
        .collect()
}

/// A `[1, layout.dim()]` 0/1 row marking the columns of spans with activation `which`.
pub fn span_mask(layout: &Layout, which: Activation, device: &Device) -> Tensor<2> {
    let mut v = vec![0.0f32; layout.dim()];
    for c in span_columns(layout, which) {
        v[c] = 1.0;
    }
    Tensor::from_data(TensorData::new(v, [1, layout.dim()]), device)
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
    for s in layout
        .spans()
        .filter(|s| s.activation == Activation::Softmax)
    {
        let logp = log_softmax(recon.clone().narrow(1, s.start, s.dim), 1); // [batch, k]
        let target = x.clone().narrow(1, s.start, s.dim);
        total = total - (logp * target).sum();
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

    #[test]
    #[serial]
    fn ctgan_activation_respects_the_spans() {
        let device = Device::flex();
        device.seed(0);
        let l = layout();
        let x = Tensor::<2>::random([64, l.dim()], Distribution::Normal(0.0, 3.0), &device);
        let y = to_vec(ctgan_activate(x, &l, 0.2));
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

    #[test]
    #[serial]
    fn gumbel_softmax_frequencies_follow_the_logits() {
        // With τ small, the argmax of the Gumbel-softmax is a sample of softmax(logits).
        let device = Device::flex();
        device.seed(1);
        let n = 4000;
        let logits = Tensor::<2>::from_data(
            TensorData::new([0.0f32, 1.0f32.ln(), 3.0f32.ln()].repeat(n), [n, 3]),
            &device,
        );
        let y = to_vec(gumbel_softmax(logits, 0.2));
        let mut counts = [0usize; 3];
        for r in 0..n {
            let row = &y[r * 3..r * 3 + 3];
            let k = (0..3).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
            counts[k] += 1;
        }
        // Expected probabilities 1/5, 1/5, 3/5.
        let p2 = counts[2] as f64 / n as f64;
        assert!((p2 - 0.6).abs() < 0.04, "{counts:?}");
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

//! CTGAN's critic update — the WGAN loss on a fake and a real batch plus the gradient penalty,
//! and the gradient of their sum for every critic weight — written out on host buffers for
//! burn-flex.
//!
//! Through burn's tensor operations the step is three critic passes, the closed-form input
//! gradient of [`Discriminator::input_grad`] and autodiff's backward pass through all of it:
//! ~100 operations, most on `[groups, 256]` tensors, with a transposed copy of each weight in
//! every product that reads it transposed. Here the three packed batches (fake, real and their
//! mixture) go through each layer as one stacked product, the penalty's gradient is written out
//! (its slopes are detached, so the input gradient is linear in each weight), and the products
//! read transposed operands through strides. Dropout masks and the penalty's mixing weights are
//! drawn from the device RNG in the tensor path's order, so both paths see the same draws (the
//! tests compare them).

use burn::module::ParamId;
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;

use crate::ctgan::{Discriminator, LEAKY_SLOPE};
use crate::dense::{Dense, DenseGrad};
use crate::host::{HostGrad, flex_values, host_op, matmul_par, rm, tr};

/// What [`critic_step_on_flex`] returns.
#[derive(Debug)]
pub struct CriticStepOutput {
    /// `mean D(fake) − mean D(real)`, the critic's WGAN loss.
    pub critic: f32,
    /// `λ · mean over packs of (‖∇ D(x̂)‖ − 1)²`.
    pub penalty: f32,
    /// The gradient of `critic + penalty` for every critic parameter, keyed by id.
    pub grads: GradientsParams,
}

/// The critic's hidden layers and output layer on the host; `None` off burn-flex.
fn host_layers(critic: &Discriminator) -> Option<(Vec<Dense>, Dense)> {
    let (hidden, out) = critic.layers();
    let layers = hidden
        .iter()
        .map(|l| Dense::of(l, true))
        .collect::<Option<_>>()?;
    Some((layers, Dense::of(out, true)?))
}

/// The critic update's loss values and gradients when the critic lives on burn-flex; `None`
/// elsewhere (the caller runs the tensor path). `fake` and `real` are the critic's inputs
/// (data ⊕ condition, `[batch, d]`, batch a multiple of `pac`); `lambda` the penalty weight;
/// `train` draws dropout masks (otherwise all ones). Draws from the device RNG, in order: the
/// fake pass's masks, the real pass's masks, the penalty's mixing weights and its masks — what
/// [`Discriminator::dropout_masks`] and [`Discriminator::gradient_penalty`] draw in the tensor
/// path.
pub fn critic_step_on_flex(
    critic: &Discriminator,
    fake: &Tensor<2>,
    real: &Tensor<2>,
    lambda: f64,
    train: bool,
) -> Option<CriticStepOutput> {
    let (layers, out) = host_layers(critic)?;
    let fv = flex_values(fake)?;
    let rv = flex_values(real)?;
    let [b, d] = fake.dims();
    let pac = critic.pac();
    let groups = b / pac;
    let width = pac * d;
    let device = fake.device();
    let host = |t: Tensor<2>| flex_values(&t).expect("drawn on the flex device");
    let masks_of = |ms: Vec<Tensor<2>>| ms.into_iter().map(host).collect::<Vec<_>>();
    let m_fake = masks_of(critic.dropout_masks(groups, train, &device));
    let m_real = masks_of(critic.dropout_masks(groups, train, &device));
    let alpha = flex_values(&Tensor::<3>::random(
        [groups, 1, 1],
        Distribution::Uniform(0.0, 1.0),
        &device,
    ))?;
    let m_pen = masks_of(critic.dropout_masks(groups, train, &device));

    // Rows: fake packs, real packs, mixed packs (x̂ = α·real + (1 − α)·fake per pack).
    let g = groups;
    let mut x = Vec::with_capacity(3 * g * width);
    x.extend_from_slice(&fv);
    x.extend_from_slice(&rv);
    for p in 0..g {
        let a = alpha[p];
        let (f, r) = (
            &fv[p * width..(p + 1) * width],
            &rv[p * width..(p + 1) * width],
        );
        x.extend(r.iter().zip(f).map(|(r, f)| r * a + f * (1.0 - a)));
    }
    let slope = LEAKY_SLOPE as f32;
    // Forward: per hidden layer its output h (after leaky ReLU and mask) and the slopes s.
    let mut hs: Vec<Vec<f32>> = Vec::with_capacity(layers.len());
    let mut ss: Vec<Vec<f32>> = Vec::with_capacity(layers.len());
    for (i, l) in layers.iter().enumerate() {
        let input = if i == 0 { &x } else { &hs[i - 1] };
        let mut z = l.forward(input, l.inp, None, 3 * g);
        let o = l.out;
        let mut s = vec![0f32; 3 * g * o];
        for (blk, m) in [&m_fake[i], &m_real[i], &m_pen[i]].into_iter().enumerate() {
            let zs = &mut z[blk * g * o..(blk + 1) * g * o];
            let sl = &mut s[blk * g * o..(blk + 1) * g * o];
            for ((z, s), &m) in zs.iter_mut().zip(sl.iter_mut()).zip(m.iter()) {
                let k = if *z > 0.0 { 1.0 } else { slope };
                *s = k * m;
                *z *= k * m;
            }
        }
        hs.push(z);
        ss.push(s);
    }
    let last = hs.last().map_or(&x, |h| h);
    let hw = out.inp;
    // Critic scores of the fake and real packs.
    let wo = &out.w; // [hw, 1]
    let bo = out.b.as_ref().map_or(0.0, |b| b[0]);
    let score = |row: &[f32]| row.iter().zip(wo).map(|(h, w)| h * w).sum::<f32>() + bo;
    let y: Vec<f32> = last[..2 * g * hw].chunks_exact(hw).map(score).collect();
    let inv_g = 1.0 / g as f32;
    let critic_loss = y[..g].iter().sum::<f32>() * inv_g - y[g..].iter().sum::<f32>() * inv_g;

    let n_l = layers.len();
    let mut grads: Vec<DenseGrad> = layers.iter().map(Dense::zero_grad).collect();
    let mut dwo = vec![0f32; hw];
    // WGAN loss backward over the fake and real rows: dy = +1/G (fake), −1/G (real).
    let dy: Vec<f32> = (0..2 * g)
        .map(|r| if r < g { inv_g } else { -inv_g })
        .collect();
    for (r, &dyr) in dy.iter().enumerate() {
        let h = &last[r * hw..(r + 1) * hw];
        dwo.iter_mut().zip(h).for_each(|(a, h)| *a += dyr * h);
    }
    let dbo: f32 = dy.iter().sum();
    if n_l > 0 {
        // dz of the top hidden layer: dy · W_oᵀ ⊙ slopes ⊙ masks.
        let o = layers[n_l - 1].out;
        let mut dz = vec![0f32; 2 * g * o];
        for (r, &dyr) in dy.iter().enumerate() {
            let (dzr, sr) = (
                &mut dz[r * o..(r + 1) * o],
                &ss[n_l - 1][r * o..(r + 1) * o],
            );
            for ((d, &s), &w) in dzr.iter_mut().zip(sr).zip(wo.iter()) {
                *d = dyr * w * s;
            }
        }
        for i in (0..n_l).rev() {
            let l = &layers[i];
            let k = l.inp;
            let input = if i == 0 { &x } else { &hs[i - 1] };
            let rows = &input[..2 * g * k];
            if i == 0 {
                l.backward(&dz, rows, k, None, 2 * g, &mut grads[i], None);
            } else {
                let mut dh = vec![0f32; 2 * g * k];
                l.backward(
                    &dz,
                    rows,
                    k,
                    None,
                    2 * g,
                    &mut grads[i],
                    Some((&mut dh, false)),
                );
                dh.iter_mut()
                    .zip(&ss[i - 1][..2 * g * k])
                    .for_each(|(d, s)| *d *= s);
                dz = dh;
            }
        }
    }

    // The penalty on the mixed packs: their input gradient, then its backward pass through the
    // same chain.
    let pen_slopes: Vec<&[f32]> = ss
        .iter()
        .zip(&layers)
        .map(|(s, l)| &s[2 * g * l.out..3 * g * l.out])
        .collect();
    let (us, grad) = input_gradient(&layers, wo, &pen_slopes, g, 1.0);
    let lam = lambda as f32;
    let mut penalty = 0f64;
    let mut dgrad = grad;
    for row in dgrad.chunks_exact_mut(width) {
        let norm = (row.iter().map(|v| v * v).sum::<f32>() + 1e-12).sqrt();
        penalty += ((norm - 1.0) * (norm - 1.0)) as f64;
        let c = lam * inv_g * 2.0 * (norm - 1.0) / norm;
        row.iter_mut().for_each(|v| *v *= c);
    }
    let penalty = (penalty / g as f64 * lambda) as f32;
    if n_l == 0 {
        for row in dgrad.chunks_exact(width) {
            dwo.iter_mut().zip(row).for_each(|(a, d)| *a += d);
        }
    } else {
        // ∇ = u_1 · W_1ᵀ: dW_1 += dgᵀ · u_1, du_1 = dg · W_1.
        let l = &layers[0];
        matmul_par(
            &mut grads[0].w,
            l.out,
            width,
            l.out,
            g,
            true,
            tr(&dgrad, width),
            rm(&us[0], l.out),
        );
        let mut du = vec![0f32; g * l.out];
        matmul_par(
            &mut du,
            l.out,
            g,
            l.out,
            width,
            false,
            rm(&dgrad, width),
            rm(&l.w, l.out),
        );
        for i in 1..n_l {
            // u_{i−1} = v ⊙ s_{i−1}, v = u_i · W_iᵀ: dv = du ⊙ s_{i−1}; dW_i += dvᵀ · u_i;
            // du_i = dv · W_i.
            let l = &layers[i];
            let (k, o) = (l.inp, l.out);
            du.iter_mut()
                .zip(pen_slopes[i - 1])
                .for_each(|(d, s)| *d *= s);
            matmul_par(&mut grads[i].w, o, k, o, g, true, tr(&du, k), rm(&us[i], o));
            let mut next = vec![0f32; g * o];
            matmul_par(&mut next, o, g, o, k, false, rm(&du, k), rm(&l.w, o));
            du = next;
        }
        // u_N = W_o ⊙ s_N: dW_o += Σ_packs du_N ⊙ s_N.
        let o = layers[n_l - 1].out;
        for (dr, sr) in du.chunks_exact(o).zip(pen_slopes[n_l - 1].chunks_exact(o)) {
            for ((a, d), s) in dwo.iter_mut().zip(dr).zip(sr) {
                *a += d * s;
            }
        }
    }

    let reg = |grads: &mut GradientsParams, id: ParamId, v: Vec<f32>, shape: Vec<usize>| {
        let len = v.len();
        let t = Tensor::<1>::from_data(TensorData::new(v, [len]), &Device::flex());
        match shape.len() {
            1 => grads.register::<1>(id, t),
            _ => grads.register::<2>(id, t.reshape([shape[0], shape[1]])),
        }
    };
    let mut out_grads = GradientsParams::new();
    for (l, lg) in layers.iter().zip(grads) {
        reg(&mut out_grads, l.w_id, lg.w, vec![l.inp, l.out]);
        if let Some(id) = l.b_id {
            reg(&mut out_grads, id, lg.b, vec![l.out]);
        }
    }
    reg(&mut out_grads, out.w_id, dwo, vec![hw, 1]);
    if let Some(id) = out.b_id {
        reg(&mut out_grads, id, vec![dbo], vec![1]);
    }
    Some(CriticStepOutput {
        critic: critic_loss,
        penalty,
        grads: out_grads,
    })
}

/// The generator's WGAN loss `−mean over packs of D(x)` as one autodiff node on burn-flex
/// whose gradient flows to `x` only: the generator step updates the generator alone, so the
/// critic's weight gradients, which autodiff through [`Discriminator::forward`] computes and the
/// step discards, are skipped. `x`: the critic's input (data ⊕ condition, `[batch, d]`);
/// `masks`: the pass's dropout masks ([`Discriminator::dropout_masks`]). `None` off burn-flex.
pub fn generator_loss_on_flex(
    critic: &Discriminator,
    x: &Tensor<2>,
    masks: &[Tensor<2>],
) -> Option<Tensor<1>> {
    let (layers, out) = host_layers(critic)?;
    let masks: Vec<Vec<f32>> = masks.iter().map(flex_values).collect::<Option<_>>()?;
    let b = x.dims()[0];
    let groups = b / critic.pac();
    let slope = LEAKY_SLOPE as f32;
    host_op(x, [1], move |xv| {
        let mut slopes = Vec::with_capacity(layers.len());
        let mut h = xv.to_vec();
        for (l, m) in layers.iter().zip(&masks) {
            let mut z = l.forward(&h, l.inp, None, groups);
            let mut s = vec![0f32; z.len()];
            for ((z, s), &m) in z.iter_mut().zip(s.iter_mut()).zip(m) {
                let k = if *z > 0.0 { 1.0 } else { slope };
                *s = k * m;
                *z *= k * m;
            }
            slopes.push(s);
            h = z;
        }
        let bo = out.b.as_ref().map_or(0.0, |b| b[0]);
        let total: f32 = h
            .chunks_exact(out.inp)
            .map(|row| row.iter().zip(&out.w).map(|(h, w)| h * w).sum::<f32>() + bo)
            .sum();
        let loss = -total / groups as f32;
        let grad = ScoreGrad {
            layers,
            w_out: out.w,
            slopes,
            groups,
        };
        (vec![loss], grad)
    })
}

/// The backward pass of [`generator_loss_on_flex`]: the critic's input gradient per pack,
/// `−(g / G) · ((W_o ⊙ s_N) · W_Nᵀ ⊙ s_{N−1} …) · W_1ᵀ`, with the forward pass's slopes and
/// masks (`s`).
#[derive(Debug)]
struct ScoreGrad {
    layers: Vec<Dense>,
    w_out: Vec<f32>,
    slopes: Vec<Vec<f32>>,
    groups: usize,
}

impl HostGrad for ScoreGrad {
    fn input_grad(&self, g: &[f32]) -> Vec<f32> {
        let slopes: Vec<&[f32]> = self.slopes.iter().map(Vec::as_slice).collect();
        let c = -g[0] / self.groups as f32;
        input_gradient(&self.layers, &self.w_out, &slopes, self.groups, c).1
    }
}

/// The critic's input gradient per pack, times `c`, from one forward pass's slopes ⊙ masks
/// (`slopes[i]`: `[g, out_i]`): `u_N = c·W_o ⊙ s_N`, `u_{i−1} = (u_i · W_iᵀ) ⊙ s_{i−1}`,
/// `∇ = u_1 · W_1ᵀ` (`[g, inp_1]`; without hidden layers `c·W_o` per pack). Returns every `u_i`
/// (what the penalty's backward pass reads) and `∇`.
fn input_gradient(
    layers: &[Dense],
    w_out: &[f32],
    slopes: &[&[f32]],
    g: usize,
    c: f32,
) -> (Vec<Vec<f32>>, Vec<f32>) {
    let n = layers.len();
    let Some(top) = n.checked_sub(1) else {
        let grad = (0..g).flat_map(|_| w_out.iter().map(|w| c * w)).collect();
        return (Vec::new(), grad);
    };
    let o = layers[top].out;
    let mut us = vec![Vec::new(); n];
    us[top] = slopes[top]
        .chunks_exact(o)
        .flat_map(|s| s.iter().zip(w_out).map(|(s, w)| c * s * w))
        .collect();
    for i in (1..n).rev() {
        let l = &layers[i];
        let (k, o) = (l.inp, l.out);
        let mut v = vec![0f32; g * k];
        matmul_par(&mut v, k, g, k, o, false, rm(&us[i], o), tr(&l.w, o));
        v.iter_mut().zip(slopes[i - 1]).for_each(|(v, s)| *v *= s);
        us[i - 1] = v;
    }
    let l = &layers[0];
    let mut grad = vec![0f32; g * l.inp];
    let (k, o) = (l.inp, l.out);
    matmul_par(&mut grad, k, g, k, o, false, rm(&us[0], o), tr(&l.w, o));
    (us, grad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ctgan::DiscriminatorConfig;
    use crate::host::testing::{close, values};
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use serial_test::serial;

    /// A critic seeded by 5 with its parameters drawn now (burn draws them at first use, which
    /// would otherwise fall among the draws the tests compare).
    fn critic(device: &Device, d: usize, dims: &[usize], pac: usize, p: f64) -> Discriminator {
        device.seed(5);
        let critic = DiscriminatorConfig {
            input_dim: d,
            dims: dims.to_vec(),
            pac,
            dropout: p,
        }
        .init(device);
        critic.draw_initial_weights();
        critic
    }

    /// The fused step against burn's autodiff through [`Discriminator::forward`] and
    /// [`Discriminator::gradient_penalty`] with the same device draws (re-seeded): the loss, the
    /// penalty and the gradient of every weight and bias agree within 1e-4 of each tensor's
    /// largest magnitude. Two hidden layers with dropout, one layer without, none at all.
    #[test]
    #[serial]
    fn the_fused_critic_step_is_autodiff_through_the_critic() {
        let device = Device::flex().autodiff();
        let (d, pac, b) = (7, 2, 10);
        for (dims, dropout, train) in [
            (vec![9], 0.0, false),
            (vec![8, 6], 0.5, true),
            (vec![], 0.5, true),
        ] {
            let critic = critic(&device, d, &dims, pac, dropout);
            let mut rng = StdRng::seed_from_u64(9);
            let mut draw = || {
                let v: Vec<f32> = (0..b * d).map(|_| rng.random_range(-1.0..1.0)).collect();
                Tensor::<2>::from_data(TensorData::new(v, [b, d]), &device)
            };
            let (fake, real) = (draw(), draw());
            device.seed(17);
            let fused = critic_step_on_flex(&critic, &fake, &real, 10.0, train).unwrap();
            device.seed(17);
            let groups = b / pac;
            let y_fake =
                critic.forward(fake.clone(), &critic.dropout_masks(groups, train, &device));
            let y_real =
                critic.forward(real.clone(), &critic.dropout_masks(groups, train, &device));
            let pen = critic.gradient_penalty(real, fake, 10.0, train);
            let loss = y_fake.mean() - y_real.mean();
            let what = format!("dims {dims:?}");
            close(
                &format!("{what} loss"),
                &[fused.critic],
                &values(loss.clone()),
                1e-5,
            );
            close(
                &format!("{what} penalty"),
                &[fused.penalty],
                &values(pen.clone()),
                1e-5,
            );
            let mut g = (loss + pen).backward();
            let want = GradientsParams::from_module(&mut g, &critic);
            let (hidden, out) = critic.layers();
            for (i, l) in hidden.iter().chain([out]).enumerate() {
                let [k, o] = l.weight.dims();
                let pick = |gp: &GradientsParams| {
                    gp.get::<2>(l.weight.id)
                        .map(values)
                        .unwrap_or_else(|| vec![0.0; k * o])
                };
                close(
                    &format!("{what} layer {i} weight"),
                    &pick(&fused.grads),
                    &pick(&want),
                    1e-4,
                );
                let bid = l.bias.as_ref().unwrap().id;
                let pickb = |gp: &GradientsParams| {
                    gp.get::<1>(bid).map(values).unwrap_or_else(|| vec![0.0; o])
                };
                close(
                    &format!("{what} layer {i} bias"),
                    &pickb(&fused.grads),
                    &pickb(&want),
                    1e-4,
                );
            }
        }
    }

    /// The generator's loss node against autodiff through [`Discriminator::forward`]: the
    /// same value and the same gradient for the critic's input (1e-4), with the same masks.
    #[test]
    #[serial]
    fn the_fused_generator_loss_is_autodiff_through_the_critic() {
        let device = Device::flex().autodiff();
        let (d, pac, b) = (7, 2, 10);
        for (dims, dropout) in [(vec![8, 6], 0.5), (vec![9], 0.0), (vec![], 0.5)] {
            let critic = critic(&device, d, &dims, pac, dropout);
            let masks = critic.dropout_masks(b / pac, true, &device);
            let mut rng = StdRng::seed_from_u64(9);
            let x: Vec<f32> = (0..b * d).map(|_| rng.random_range(-1.0..1.0)).collect();
            let input = || {
                Tensor::<2>::from_data(TensorData::new(x.clone(), [b, d]), &device).require_grad()
            };
            let (xf, xt) = (input(), input());
            let fused = generator_loss_on_flex(&critic, &xf, &masks).unwrap();
            let want = critic.forward(xt.clone(), &masks).mean().neg();
            let what = format!("dims {dims:?}");
            close(
                &format!("{what} loss"),
                &values(fused.clone()),
                &values(want.clone()),
                1e-5,
            );
            let gf = xf.grad(&fused.backward()).unwrap();
            let gt = xt.grad(&want.backward()).unwrap();
            close(
                &format!("{what} input gradient"),
                &values(gf),
                &values(gt),
                1e-4,
            );
        }
    }
}

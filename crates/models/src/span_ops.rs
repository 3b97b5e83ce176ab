//! The per-span work on a generator's or decoder's output as single operations on burn-flex:
//! CTGAN's output activation and the span-wise cross-entropies of CTGAN's conditional loss and
//! TVAE's reconstruction loss.
//!
//! With tensor operations each span is its own slice, softmax and sum (a slice's backward pass
//! writes a batch-wide buffer of zeros), so a layout of 20 spans makes ~150 small operations per
//! pass where the matrix products are six. Here each is one pass over the rows and one autodiff
//! node ([`crate::host::host_op`]); [`crate::activation`] calls them on burn-flex and keeps the
//! tensor-operation versions for other backends (the tests below compare the two).

use rayon::prelude::*;
use synthkit_data::layout::{Activation, Layout};

use burn::prelude::*;

use crate::host::{HostGrad, exp_fast, flex_values, host_op, tanh1};

/// Rows per parallel task (whole rows; the result does not depend on the thread count).
const ROWS_PER_TASK: usize = 64;

/// `(start, dim, activation)` of every span, in layout order.
fn spans(layout: &Layout) -> Vec<(usize, usize, Activation)> {
    layout
        .spans()
        .map(|s| (s.start, s.dim, s.activation))
        .collect()
}

/// `softmax(scale · v)` in place.
fn softmax_in_place(v: &mut [f32], scale: f32) {
    let top = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = exp_fast((*x - top) * scale);
        sum += *x;
    }
    let inv = 1.0 / sum;
    v.iter_mut().for_each(|x| *x *= inv);
}

/// `tanh` on every `Tanh` span, `softmax(z / τ)` on every `Softmax` span, `Linear` spans as they
/// are (see [`crate::activation::ctgan_activate`]). `None` off burn-flex.
///
/// # Shapes
/// - `z`: `[batch, layout.dim()]`; returns the same
pub(crate) fn activate(z: &Tensor<2>, layout: &Layout, tau: f64) -> Option<Tensor<2>> {
    let [b, d] = z.dims();
    let sp = spans(layout);
    let inv_tau = (1.0 / tau) as f32;
    host_op(z, [b, d], |x| {
        let mut y = x.to_vec();
        y.par_chunks_mut(d * ROWS_PER_TASK).for_each(|rows| {
            for row in rows.chunks_exact_mut(d) {
                for &(s, k, act) in &sp {
                    let part = &mut row[s..s + k];
                    match act {
                        Activation::Tanh => part.iter_mut().for_each(|v| *v = tanh1(*v)),
                        Activation::Softmax => softmax_in_place(part, inv_tau),
                        Activation::Linear => {}
                    }
                }
            }
        });
        (
            y.clone(),
            ActivateGrad {
                y,
                spans: sp,
                d,
                inv_tau,
            },
        )
    })
}

/// The backward pass of [`activate`], from its output `y`: `g·(1 − y²)` on `Tanh` spans,
/// `y ⊙ (g − ⟨g, y⟩) / τ` on `Softmax` spans, `g` on `Linear` ones.
#[derive(Debug)]
struct ActivateGrad {
    y: Vec<f32>,
    spans: Vec<(usize, usize, Activation)>,
    d: usize,
    inv_tau: f32,
}

impl HostGrad for ActivateGrad {
    fn input_grad(&self, g: &[f32]) -> Vec<f32> {
        let d = self.d;
        let mut dz = g.to_vec();
        dz.par_chunks_mut(d * ROWS_PER_TASK)
            .zip(self.y.par_chunks(d * ROWS_PER_TASK))
            .for_each(|(drows, yrows)| {
                for (row, yrow) in drows.chunks_exact_mut(d).zip(yrows.chunks_exact(d)) {
                    for &(s, k, act) in &self.spans {
                        let (part, y) = (&mut row[s..s + k], &yrow[s..s + k]);
                        match act {
                            Activation::Tanh => {
                                part.iter_mut().zip(y).for_each(|(g, y)| *g *= 1.0 - y * y)
                            }
                            Activation::Softmax => {
                                let dot: f32 = part.iter().zip(y).map(|(g, y)| g * y).sum();
                                part.iter_mut()
                                    .zip(y)
                                    .for_each(|(g, y)| *g = y * (*g - dot) * self.inv_tau);
                            }
                            Activation::Linear => {}
                        }
                    }
                }
            });
        dz
    }
}

/// `Σ_rows Σ_pairs w · (−Σ_j t_j · log softmax(l)_j)`: for each pair `(logit_start,
/// target_start, dim)` the cross-entropy of the logits `l = logits[:, logit_start..+dim]`
/// against the target `t = target[:, target_start..+dim]`, weighted per row and pair by
/// `weights[:, pair]` (1 without weights). Only `logits` takes a gradient. `None` off burn-flex.
///
/// # Shapes
/// - `logits`: `[batch, d]`, `target`: `[batch, d_t]`, `weights`: `[batch, pairs.len()]`
/// - returns `[1]`
pub(crate) fn span_cross_entropy(
    logits: &Tensor<2>,
    target: &Tensor<2>,
    pairs: &[(usize, usize, usize)],
    weights: Option<&Tensor<2>>,
) -> Option<Tensor<1>> {
    let [b, d] = logits.dims();
    let dt = target.dims()[1];
    let t = flex_values(target)?;
    let w = match weights {
        Some(w) => Some(flex_values(w)?),
        None => None,
    };
    let np = pairs.len();
    host_op(logits, [1], |l| {
        // Per row: its loss and the gradient of its loss with respect to its logits.
        let mut coef = vec![0f32; b * d];
        let mut losses = vec![0f64; b];
        coef.par_chunks_mut(d * ROWS_PER_TASK)
            .zip(losses.par_chunks_mut(ROWS_PER_TASK))
            .enumerate()
            .for_each(|(task, (crows, lrows))| {
                let first = task * ROWS_PER_TASK;
                for (i, (c, loss)) in crows.chunks_exact_mut(d).zip(lrows).enumerate() {
                    let r = first + i;
                    let (lrow, trow) = (&l[r * d..(r + 1) * d], &t[r * dt..(r + 1) * dt]);
                    for (p, &(ls, ts, k)) in pairs.iter().enumerate() {
                        let wt = w.as_ref().map_or(1.0, |w| w[r * np + p]);
                        if wt == 0.0 {
                            continue;
                        }
                        let (lv, tv) = (&lrow[ls..ls + k], &trow[ts..ts + k]);
                        *loss += wt as f64 * span_ce(lv, tv, wt, &mut c[ls..ls + k]);
                    }
                }
            });
        let total = losses.iter().sum::<f64>() as f32;
        (vec![total], CrossEntropyGrad { coef })
    })
}

/// One span's cross-entropy `Σ t·(logsumexp(l) − l)`, returned, and its gradient times `w`,
/// `w·(softmax(l)·Σt − t)`, written into `grad` (one exponential per logit: they are kept in
/// `grad`'s slots between the two passes).
pub(crate) fn span_ce(l: &[f32], t: &[f32], w: f32, grad: &mut [f32]) -> f64 {
    let top = l.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0f32;
    for (e, &v) in grad.iter_mut().zip(l) {
        *e = exp_fast(v - top);
        sum += *e;
    }
    let lse = top + sum.ln();
    let scale = w * t.iter().sum::<f32>() / sum;
    let mut ce = 0f64;
    for ((e, &v), &t) in grad.iter_mut().zip(l).zip(t) {
        ce += (t * (lse - v)) as f64;
        *e = *e * scale - w * t;
    }
    ce
}

/// The backward pass of [`span_cross_entropy`]: the output gradient times the per-element
/// derivative `w · (softmax(l) · Σt − t)` kept from the forward pass.
#[derive(Debug)]
struct CrossEntropyGrad {
    coef: Vec<f32>,
}

impl HostGrad for CrossEntropyGrad {
    fn input_grad(&self, g: &[f32]) -> Vec<f32> {
        let g = g[0];
        self.coef.iter().map(|c| c * g).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{cond_loss_ops, ctgan_activate_ops, softmax_cross_entropy_ops};
    use crate::host::testing::{close, every_span_layout, values};
    use burn::tensor::Distribution;
    use serial_test::serial;

    /// One-hot rows: a category per discrete block, a mode per continuous column, on the
    /// layout's columns (`[b, dim]`), and the matching condition vectors (`[b, cond_dim]`).
    fn one_hots(l: &Layout, b: usize, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let (mut x, mut c) = (vec![0f32; b * l.dim()], vec![0f32; b * l.cond_dim()]);
        for r in 0..b {
            for s in l.spans().filter(|s| s.activation == Activation::Softmax) {
                x[r * l.dim() + s.start + (r * 7 + s.start) % s.dim] = 1.0;
            }
            for blk in l.cond_blocks() {
                let j = (r * 5 + blk.cond_start) % blk.span.dim;
                c[r * l.cond_dim() + blk.cond_start + j] = 1.0;
            }
        }
        (
            Tensor::from_data(TensorData::new(x, [b, l.dim()]), device),
            Tensor::from_data(TensorData::new(c, [b, l.cond_dim()]), device),
        )
    }

    /// The fused activation equals the tensor-operation one, value and gradient (random output
    /// weights make every element's gradient differ), with τ = 0.2 as CTGAN's. Rows span three
    /// parallel tasks. Tolerance: 1e-5 of the largest entry (the exponentials differ by a few
    /// ulp).
    #[test]
    #[serial]
    fn the_fused_activation_is_the_span_by_span_one() {
        let device = Device::flex().autodiff();
        device.seed(5);
        let l = every_span_layout();
        let b = 2 * ROWS_PER_TASK + 9;
        // Spread 0.5: at τ = 0.2 no softmax entry underflows to an exact 0, so every element
        // has a gradient to compare.
        let z = Tensor::<2>::random([b, l.dim()], Distribution::Normal(0.0, 0.5), &device)
            .require_grad();
        let w = Tensor::<2>::random([b, l.dim()], Distribution::Normal(0.0, 1.0), &device);
        let run = |fused: bool| {
            let y = if fused {
                activate(&z, &l, 0.2).expect("a flex tensor")
            } else {
                ctgan_activate_ops(z.clone(), &l, 0.2)
            };
            let grads = (y.clone() * w.clone()).sum().backward();
            (values(y), values(z.grad(&grads).unwrap()))
        };
        let (yf, gf) = run(true);
        let (yo, go) = run(false);
        close("activation", &yf, &yo, 1e-5);
        close("gradient", &gf, &go, 1e-5);
        assert!(
            go.iter().all(|v| *v != 0.0),
            "every column takes a gradient"
        );
    }

    /// TVAE's and CTGAN's cross-entropies, fused against span by span, value and logit
    /// gradient: unweighted over every softmax span against one-hot rows (TVAE), and over the
    /// discrete blocks against condition vectors with a 0/1 mask per block (CTGAN). Tolerance
    /// 1e-5 relative.
    #[test]
    #[serial]
    fn the_fused_cross_entropies_are_the_span_by_span_ones() {
        let device = Device::flex().autodiff();
        device.seed(6);
        let l = every_span_layout();
        let b = ROWS_PER_TASK + 13;
        let logits = Tensor::<2>::random([b, l.dim()], Distribution::Normal(0.0, 2.0), &device)
            .require_grad();
        let (x, cond) = one_hots(&l, b, &device);
        let nb = l.cond_blocks().len();
        let mask: Vec<f32> = (0..b * nb)
            .map(|i| if (i / nb) % nb == i % nb { 1.0 } else { 0.0 })
            .collect();
        let mask = Tensor::<2>::from_data(TensorData::new(mask, [b, nb]), &device);
        let softmax_pairs: Vec<_> = l
            .spans()
            .filter(|s| s.activation == Activation::Softmax)
            .map(|s| (s.start, s.start, s.dim))
            .collect();
        let cond_pairs: Vec<_> = l
            .cond_blocks()
            .iter()
            .map(|c| (c.span.start, c.cond_start, c.span.dim))
            .collect();
        let grad_of = |loss: Tensor<1>| {
            let v = values(loss.clone());
            (v, values(logits.grad(&loss.backward()).unwrap()))
        };
        let fused = grad_of(span_cross_entropy(&logits, &x, &softmax_pairs, None).unwrap());
        let ops = grad_of(softmax_cross_entropy_ops(logits.clone(), x.clone(), &l));
        close("TVAE loss", &fused.0, &ops.0, 1e-5);
        close("TVAE gradient", &fused.1, &ops.1, 1e-5);
        let fused = grad_of(
            span_cross_entropy(&logits, &cond, &cond_pairs, Some(&mask))
                .unwrap()
                .div_scalar(b as f64),
        );
        let ops = grad_of(cond_loss_ops(logits.clone(), &l, cond, mask));
        close("cond loss", &fused.0, &ops.0, 1e-5);
        close("cond gradient", &fused.1, &ops.1, 1e-5);
        assert!(ops.0[0] > 0.0 && ops.1.iter().any(|v| *v != 0.0));
    }
}

//! One GRU layer over a whole time-major sequence (`[steps, batch, d]`) as **one** autodiff
//! operation on the CPU, with its backward pass through time written out by hand.
//!
//! The GRU is TF1's variant (`GRUCell`, which TimeGAN's reference uses): sigmoid gates, a tanh
//! candidate, the reset gate applied to the state *before* the hidden matmul, every gate's input
//! and hidden biases added. Per step, with `h` the previous state (zero at the first step):
//!
//! ```text
//! [a_z | a_r] = x·[W_xz | W_xr] + h·[W_hz | W_hr] + [b_z | b_r]     z, r = σ(a_z), σ(a_r)
//! a_n = x·W_xn + (r ⊙ h)·W_hn + b_n                                  n = tanh(a_n)
//! h' = n + z ⊙ (h − n)
//! ```
//!
//! Built from burn's tensor operations, a layer over 152 steps is ~2,000 graph nodes of
//! `[batch, hidden]` tensors, each with its own allocation, bookkeeping and (for σ and tanh) a
//! second evaluation of the transcendental in the backward pass; on burn-flex that overhead, not
//! arithmetic, was TimeGAN's cost. Here the input projection of all steps is one matrix product,
//! the recurrence runs on host buffers (two small products per step each way), the activations
//! are kept from the forward pass, and the weight gradients are three matrix products over the
//! whole sequence. The operation is registered with burn's autodiff as one node with five
//! parents (the sequence and the four weight tensors), so everything around it (dense layers,
//! losses, optimisers) stays ordinary burn code.
//!
//! The host path serves burn-flex tensors, with or without autodiff. Other backends (wgpu) take
//! the same maths as per-step tensor operations ([`gru_steps`]).

use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{Autodiff, Flex};
use burn::nn::Linear;
use burn::nn::gru::Gru;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use rayon::prelude::*;

use crate::host::{View, flex, flex_values, matmul, rm, sigm, tanh1, to_host, tr};

/// A GRU layer's weights arranged for the fused step: the three input projections side by side,
/// the update and reset gates' hidden projections side by side, the candidate's alone, and the
/// summed input + hidden biases.
struct Packed {
    /// `[d, 3h]`: `[W_xz | W_xr | W_xn]`.
    w_x: Tensor<2>,
    /// `[h, 2h]`: `[W_hz | W_hr]`.
    w_hzr: Tensor<2>,
    /// `[h, h]`.
    w_hn: Tensor<2>,
    /// `[3h]`: `[b_xz + b_hz | b_xr + b_hr | b_xn + b_hn]`.
    bias: Tensor<1>,
}

impl Packed {
    /// A missing bias (burn's `Gru` with `bias = false`) counts as zero.
    fn of(g: &Gru) -> Self {
        debug_assert!(!g.reset_after && g.clip.is_none());
        let gates = [&g.update_gate, &g.reset_gate, &g.new_gate];
        let w_x = Tensor::cat(
            gates
                .iter()
                .map(|c| c.input_transform.weight.val())
                .collect(),
            1,
        );
        let device = w_x.device();
        let bias_of = |l: &Linear| {
            l.bias
                .as_ref()
                .map(|b| b.val())
                .unwrap_or_else(|| Tensor::zeros([g.d_hidden], &device))
        };
        let sums = gates
            .iter()
            .map(|c| bias_of(&c.input_transform) + bias_of(&c.hidden_transform))
            .collect();
        Self {
            w_x,
            w_hzr: Tensor::cat(
                vec![
                    g.update_gate.hidden_transform.weight.val(),
                    g.reset_gate.hidden_transform.weight.val(),
                ],
                1,
            ),
            w_hn: g.new_gate.hidden_transform.weight.val(),
            bias: Tensor::cat(sums, 0),
        }
    }
}

/// One GRU layer over a time-major sequence.
///
/// # Shapes
/// - `x`: `[steps, batch, d]`; returns the states `[steps, batch, hidden]`
pub fn gru_sequence(g: &Gru, x: Tensor<3>) -> Tensor<3> {
    let p = Packed::of(g);
    if let Some(out) = tracked_on_flex(&p, &x) {
        return out;
    }
    if let Some(out) = plain_on_flex(&p, &x) {
        return out;
    }
    gru_steps(g, x)
}

/// The same layer as per-step burn operations (any backend). Its backward pass writes a
/// sequence of zeros per step (the gradient of each step's slice), so it is for backends other
/// than burn-flex and for checking the fused path.
///
/// # Shapes
/// - `x`: `[steps, batch, d]`; returns `[steps, batch, hidden]`
pub fn gru_steps(g: &Gru, x: Tensor<3>) -> Tensor<3> {
    let [t, b, d] = x.dims();
    let h = g.d_hidden;
    let p = Packed::of(g);
    let mut state = Tensor::<2>::zeros([b, h], &x.device());
    let mut out = Vec::with_capacity(t);
    for i in 0..t {
        let xi = x.clone().narrow(0, i, 1).reshape([b, d]);
        let xp = xi.matmul(p.w_x.clone()) + p.bias.clone().unsqueeze();
        let zr = sigmoid(xp.clone().narrow(1, 0, 2 * h) + state.clone().matmul(p.w_hzr.clone()));
        let z = zr.clone().narrow(1, 0, h);
        let r = zr.narrow(1, h, h);
        let n = (xp.narrow(1, 2 * h, h) + (r * state.clone()).matmul(p.w_hn.clone())).tanh();
        state = n.clone() + z * (state - n);
        out.push(state.clone());
    }
    Tensor::stack(out, 0)
}

/// The fused layer on burn-flex tensors under autodiff: one graph node with a hand-written
/// backward pass. `None` when the tensors live elsewhere.
fn tracked_on_flex(p: &Packed, x: &Tensor<3>) -> Option<Tensor<3>> {
    type Ad = Autodiff<Flex>;
    let xa = x.clone().try_into_primitive::<Ad>().ok()?;
    let wxa = p.w_x.clone().try_into_primitive::<Ad>().ok()?;
    let wza = p.w_hzr.clone().try_into_primitive::<Ad>().ok()?;
    let wna = p.w_hn.clone().try_into_primitive::<Ad>().ok()?;
    let ba = p.bias.clone().try_into_primitive::<Ad>().ok()?;
    let [t, b, d] = x.dims();
    let host = HostGru::new(
        d,
        to_host::<2>(wxa.primitive().clone()),
        to_host::<2>(wza.primitive().clone()),
        to_host::<2>(wna.primitive().clone()),
        to_host::<1>(ba.primitive().clone()),
    );
    let xs = to_host::<3>(xa.primitive().clone());
    let (hs, parts) = host.forward_parts(&xs, t, b);
    let out = flex::<3>(hs, [t, b, host.h]);
    let nodes = [xa.node(), wxa.node(), wza.node(), wna.node(), ba.node()];
    let out = match FusedGru
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(
            Saved(Arc::new(SavedGru {
                host,
                parts,
                dims: [t, b, d],
            })),
            out,
        ),
        OpsKind::UnTracked(prep) => prep.finish(out),
    };
    Some(Tensor::from_primitive::<Ad>(out))
}

/// The fused forward pass alone on burn-flex tensors (sampling, frozen networks; tracked
/// tensors go to [`tracked_on_flex`] first). `None` when the tensors live elsewhere.
fn plain_on_flex(p: &Packed, x: &Tensor<3>) -> Option<Tensor<3>> {
    let [t, b, d] = x.dims();
    let host = HostGru::new(
        d,
        flex_values(&p.w_x)?,
        flex_values(&p.w_hzr)?,
        flex_values(&p.w_hn)?,
        flex_values(&p.bias)?,
    );
    let (hs, _) = host.forward_parts(&flex_values(x)?, t, b);
    Some(Tensor::from_primitive::<Flex>(flex::<3>(
        hs,
        [t, b, host.h],
    )))
}

/// The autodiff node of [`tracked_on_flex`].
#[derive(Debug)]
struct FusedGru;

/// What the backward pass reads: the weights, and per part of the batch its input and forward
/// activations.
#[derive(Debug)]
struct SavedGru {
    host: HostGru,
    parts: Vec<Part>,
    dims: [usize; 3],
}

/// Cheap to clone (burn's graph may clone the state).
#[derive(Clone, Debug)]
struct Saved(Arc<SavedGru>);

impl Backward<Flex, 5> for FusedGru {
    type State = Saved;

    fn backward(self, ops: Ops<Saved, 5>, grads: &mut Gradients, _: &mut Checkpointer) {
        let s = &ops.state.0;
        let [t, b, d] = s.dims;
        let h = s.host.h;
        let d_out = to_host::<3>(grads.consume::<Flex>(&ops.node));
        let [px, pwx, pwz, pwn, pb] = ops.parents;
        let g = s.host.backward_parts(&s.parts, &d_out, t, b, px.is_some());
        if let (Some(node), Some(dx)) = (px, g.dx) {
            grads.register::<Flex>(node.id, flex::<3>(dx, [t, b, d]));
        }
        for (node, v, shape) in [
            (pwx, g.w_x, [d, 3 * h]),
            (pwz, g.w_hzr, [h, 2 * h]),
            (pwn, g.w_hn, [h, h]),
        ] {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, flex::<2>(v, shape));
            }
        }
        if let Some(node) = pb {
            grads.register::<Flex>(node.id, flex::<1>(g.bias, [3 * h]));
        }
    }
}

/// A GRU layer's weights on the host, row-major (see [`Packed`]).
#[derive(Debug)]
struct HostGru {
    d: usize,
    h: usize,
    w_x: Vec<f32>,
    w_hzr: Vec<f32>,
    w_hn: Vec<f32>,
    bias: Vec<f32>,
}

/// The forward activations of a sequence, time-major, row `t·batch + i`.
#[derive(Debug)]
struct Trace {
    /// States `[steps·batch, h]`.
    hs: Vec<f32>,
    /// Gates `[steps·batch, 2h]`: `[z | r]`.
    zr: Vec<f32>,
    /// Candidates `[steps·batch, h]`.
    n: Vec<f32>,
    /// `r ⊙ h_prev`, `[steps·batch, h]` (the candidate's hidden matmul input).
    rh: Vec<f32>,
}

/// Sequences per part of a batch. The recurrence of one sequence never reads another's, so the
/// parts run in parallel (rayon); the size is fixed, not the thread count, so that results do
/// not depend on the machine (the weight gradients are summed over the parts in order). 64 keeps
/// the per-step matrix products large enough for gemm and gives TimeGAN's batch of 128 two
/// parts, one per core of a 2-core machine.
const ROWS_PER_PART: usize = 64;

/// One part of a batch: sequences `start .. start + len`, their input and forward activations
/// (time-major over the part's own rows).
#[derive(Debug)]
struct Part {
    start: usize,
    len: usize,
    x: Vec<f32>,
    trace: Trace,
}

/// Rows `start .. start + len` of every step of a time-major `[steps, batch, width]` buffer.
fn gather(
    v: &[f32],
    steps: usize,
    batch: usize,
    width: usize,
    start: usize,
    len: usize,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(steps * len * width);
    for t in 0..steps {
        let from = (t * batch + start) * width;
        out.extend_from_slice(&v[from..from + len * width]);
    }
    out
}

/// The inverse of [`gather`]: writes a part's rows back into the full buffer.
fn scatter(
    dst: &mut [f32],
    part: &[f32],
    steps: usize,
    batch: usize,
    width: usize,
    start: usize,
    len: usize,
) {
    for t in 0..steps {
        let to = (t * batch + start) * width;
        dst[to..to + len * width].copy_from_slice(&part[t * len * width..(t + 1) * len * width]);
    }
}

/// Gradients of the layer's inputs.
struct Grads {
    dx: Option<Vec<f32>>,
    w_x: Vec<f32>,
    w_hzr: Vec<f32>,
    w_hn: Vec<f32>,
    bias: Vec<f32>,
}

impl HostGru {
    fn new(d: usize, w_x: Vec<f32>, w_hzr: Vec<f32>, w_hn: Vec<f32>, bias: Vec<f32>) -> Self {
        let h = w_hn.len().isqrt();
        debug_assert_eq!(w_x.len(), d * 3 * h);
        debug_assert_eq!(w_hzr.len(), h * 2 * h);
        debug_assert_eq!(bias.len(), 3 * h);
        Self {
            d,
            h,
            w_x,
            w_hzr,
            w_hn,
            bias,
        }
    }

    /// Runs the layer over `x` (`[steps·batch, d]`, time-major) in parts of
    /// [`ROWS_PER_PART`] sequences in parallel; returns all states, `[steps·batch, h]`, and the
    /// parts (what the backward pass reads).
    fn forward_parts(&self, x: &[f32], steps: usize, batch: usize) -> (Vec<f32>, Vec<Part>) {
        let (d, h) = (self.d, self.h);
        let starts: Vec<usize> = (0..batch).step_by(ROWS_PER_PART).collect();
        let parts: Vec<Part> = starts
            .par_iter()
            .map(|&start| {
                let len = ROWS_PER_PART.min(batch - start);
                let x = gather(x, steps, batch, d, start, len);
                let trace = self.forward(&x, steps, len);
                Part {
                    start,
                    len,
                    x,
                    trace,
                }
            })
            .collect();
        let mut hs = vec![0f32; steps * batch * h];
        for p in &parts {
            scatter(&mut hs, &p.trace.hs, steps, batch, h, p.start, p.len);
        }
        (hs, parts)
    }

    /// [`HostGru::backward`] of every part in parallel; the weight gradients summed over the
    /// parts in order, the input gradients put back in place.
    fn backward_parts(
        &self,
        parts: &[Part],
        d_out: &[f32],
        steps: usize,
        batch: usize,
        need_dx: bool,
    ) -> Grads {
        let (d, h) = (self.d, self.h);
        let each: Vec<Grads> = parts
            .par_iter()
            .map(|p| {
                let g = gather(d_out, steps, batch, h, p.start, p.len);
                self.backward(&p.x, &p.trace, &g, steps, p.len, need_dx)
            })
            .collect();
        let mut total = Grads {
            dx: need_dx.then(|| vec![0f32; steps * batch * d]),
            w_x: vec![0f32; d * 3 * h],
            w_hzr: vec![0f32; h * 2 * h],
            w_hn: vec![0f32; h * h],
            bias: vec![0f32; 3 * h],
        };
        let add = |to: &mut [f32], from: &[f32]| to.iter_mut().zip(from).for_each(|(a, b)| *a += b);
        for (p, g) in parts.iter().zip(&each) {
            add(&mut total.w_x, &g.w_x);
            add(&mut total.w_hzr, &g.w_hzr);
            add(&mut total.w_hn, &g.w_hn);
            add(&mut total.bias, &g.bias);
            if let (Some(dx), Some(gdx)) = (total.dx.as_mut(), g.dx.as_ref()) {
                scatter(dx, gdx, steps, batch, d, p.start, p.len);
            }
        }
        total
    }

    /// Runs the layer over `x` (`[steps·batch, d]`, time-major), one part.
    fn forward(&self, x: &[f32], steps: usize, batch: usize) -> Trace {
        let (d, h) = (self.d, self.h);
        let rows = steps * batch;
        let bh = batch * h;
        // Input projections of every step at once, biases added.
        let mut xp = vec![0f32; rows * 3 * h];
        matmul(
            &mut xp,
            3 * h,
            rows,
            3 * h,
            d,
            false,
            rm(x, d),
            rm(&self.w_x, 3 * h),
        );
        for row in xp.chunks_exact_mut(3 * h) {
            for (v, b) in row.iter_mut().zip(&self.bias) {
                *v += b;
            }
        }
        let mut hs = vec![0f32; rows * h];
        let mut zr = vec![0f32; rows * 2 * h];
        let mut n = vec![0f32; rows * h];
        let mut rh = vec![0f32; rows * h];
        let zeros = vec![0f32; bh];
        for t in 0..steps {
            let (done, rest) = hs.split_at_mut(t * bh);
            let prev: &[f32] = if t == 0 {
                &zeros
            } else {
                &done[(t - 1) * bh..]
            };
            let cur = &mut rest[..bh];
            let xp_t = &xp[t * batch * 3 * h..(t + 1) * batch * 3 * h];
            let zr_t = &mut zr[t * batch * 2 * h..(t + 1) * batch * 2 * h];
            for (dst, src) in zr_t.chunks_exact_mut(2 * h).zip(xp_t.chunks_exact(3 * h)) {
                dst.copy_from_slice(&src[..2 * h]);
            }
            matmul(
                zr_t,
                2 * h,
                batch,
                2 * h,
                h,
                true,
                rm(prev, h),
                rm(&self.w_hzr, 2 * h),
            );
            zr_t.iter_mut().for_each(|v| *v = sigm(*v));
            let rh_t = &mut rh[t * bh..(t + 1) * bh];
            for i in 0..batch {
                for c in 0..h {
                    rh_t[i * h + c] = zr_t[i * 2 * h + h + c] * prev[i * h + c];
                }
            }
            let n_t = &mut n[t * bh..(t + 1) * bh];
            for (dst, src) in n_t.chunks_exact_mut(h).zip(xp_t.chunks_exact(3 * h)) {
                dst.copy_from_slice(&src[2 * h..]);
            }
            matmul(n_t, h, batch, h, h, true, rm(rh_t, h), rm(&self.w_hn, h));
            n_t.iter_mut().for_each(|v| *v = tanh1(*v));
            for i in 0..batch {
                for c in 0..h {
                    let (k, z) = (i * h + c, zr_t[i * 2 * h + c]);
                    cur[k] = n_t[k] + z * (prev[k] - n_t[k]);
                }
            }
        }
        Trace { hs, zr, n, rh }
    }

    /// Backpropagation through time: the gradients of the input (when `need_dx`), the packed
    /// weights and the summed biases, given `d_out`, the gradient of every state.
    fn backward(
        &self,
        x: &[f32],
        tr_: &Trace,
        d_out: &[f32],
        steps: usize,
        batch: usize,
        need_dx: bool,
    ) -> Grads {
        let (d, h) = (self.d, self.h);
        let rows = steps * batch;
        let bh = batch * h;
        // Gradients of the pre-activations [a_z | a_r | a_n] of every step.
        let mut da = vec![0f32; rows * 3 * h];
        let mut carry = vec![0f32; bh]; // dL/dh_{t-1} from step t
        let mut dh = vec![0f32; bh];
        let mut drh = vec![0f32; bh];
        let zeros = vec![0f32; bh];
        for t in (0..steps).rev() {
            let prev = if t == 0 {
                &zeros[..]
            } else {
                &tr_.hs[(t - 1) * bh..t * bh]
            };
            let zr_t = &tr_.zr[t * batch * 2 * h..(t + 1) * batch * 2 * h];
            let n_t = &tr_.n[t * bh..(t + 1) * bh];
            let da_t = &mut da[t * batch * 3 * h..(t + 1) * batch * 3 * h];
            for (k, v) in dh.iter_mut().enumerate() {
                *v = d_out[t * bh + k] + carry[k];
            }
            for i in 0..batch {
                for c in 0..h {
                    let k = i * h + c;
                    let z = zr_t[i * 2 * h + c];
                    let (g, n, hp) = (dh[k], n_t[k], prev[k]);
                    // h' = n + z (h − n)
                    carry[k] = g * z;
                    da_t[i * 3 * h + c] = g * (hp - n) * z * (1.0 - z);
                    da_t[i * 3 * h + 2 * h + c] = g * (1.0 - z) * (1.0 - n * n);
                }
            }
            // d(r ⊙ h) = da_n · W_hnᵀ
            matmul(
                &mut drh,
                h,
                batch,
                h,
                h,
                false,
                View {
                    v: &da_t[2 * h..],
                    rs: 3 * h as isize,
                    cs: 1,
                },
                tr(&self.w_hn, h),
            );
            for i in 0..batch {
                for c in 0..h {
                    let k = i * h + c;
                    let r = zr_t[i * 2 * h + h + c];
                    carry[k] += drh[k] * r;
                    da_t[i * 3 * h + h + c] = drh[k] * prev[k] * r * (1.0 - r);
                }
            }
            // dh += [da_z | da_r] · W_hzrᵀ
            matmul(
                &mut carry,
                h,
                batch,
                h,
                2 * h,
                true,
                View {
                    v: da_t,
                    rs: 3 * h as isize,
                    cs: 1,
                },
                tr(&self.w_hzr, 2 * h),
            );
        }
        let mut w_x = vec![0f32; d * 3 * h];
        matmul(
            &mut w_x,
            3 * h,
            d,
            3 * h,
            rows,
            false,
            tr(x, d),
            rm(&da, 3 * h),
        );
        // The previous states of steps 1.. are the states of steps ..T−1 (step 0's is zero).
        let mut w_hzr = vec![0f32; h * 2 * h];
        if steps > 1 {
            matmul(
                &mut w_hzr,
                2 * h,
                h,
                2 * h,
                (steps - 1) * batch,
                false,
                tr(&tr_.hs[..(steps - 1) * bh], h),
                View {
                    v: &da[batch * 3 * h..],
                    rs: 3 * h as isize,
                    cs: 1,
                },
            );
        }
        let mut w_hn = vec![0f32; h * h];
        matmul(
            &mut w_hn,
            h,
            h,
            h,
            rows,
            false,
            tr(&tr_.rh, h),
            View {
                v: &da[2 * h..],
                rs: 3 * h as isize,
                cs: 1,
            },
        );
        let mut bias = vec![0f32; 3 * h];
        for row in da.chunks_exact(3 * h) {
            for (s, v) in bias.iter_mut().zip(row) {
                *s += v;
            }
        }
        let dx = need_dx.then(|| {
            let mut dx = vec![0f32; rows * d];
            matmul(
                &mut dx,
                d,
                rows,
                d,
                3 * h,
                false,
                rm(&da, 3 * h),
                tr(&self.w_x, 3 * h),
            );
            dx
        });
        Grads {
            dx,
            w_x,
            w_hzr,
            w_hn,
            bias,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testing::{close, values};
    use burn::nn::gru::GruConfig;
    use burn::tensor::Distribution;
    use serial_test::serial;

    fn layer(device: &Device, d: usize, h: usize) -> Gru {
        GruConfig::new(d, h, true)
            .with_reset_after(false)
            .init(device)
    }

    /// The fused forward pass computes burn's own `Gru::forward` (TF1's variant): same weights,
    /// float rounding apart. burn's layer is batch-major, ours time-major.
    #[test]
    #[serial]
    fn the_fused_gru_is_burns_gru() {
        let device = Device::flex();
        device.seed(3);
        let g = layer(&device, 3, 5);
        // A batch of two parts, the second shorter.
        let x = Tensor::<3>::random(
            [ROWS_PER_PART + 6, 9, 3],
            Distribution::Normal(0.0, 1.0),
            &device,
        );
        let want = values(g.forward(x.clone(), None).swap_dims(0, 1));
        // The host path itself, not a fallback to the per-step operations.
        let got = values(
            plain_on_flex(&Packed::of(&g), &x.clone().swap_dims(0, 1)).expect("a flex tensor"),
        );
        close("states", &got, &want, 1e-5);
        let steps = values(gru_steps(&g, x.swap_dims(0, 1)));
        close("per-step states", &steps, &want, 1e-5);
    }

    /// The hand-written backward pass through time gives the gradients burn's autodiff computes
    /// through the per-step operations, for the input and every weight and bias of the layer.
    /// The loss weights every state by a random factor, so each step's gradient differs; two
    /// stacked layers make the first one's input gradient matter. Tolerance: 1e-4 of each
    /// gradient's largest entry (f32 sums over 9 steps × 69 rows in different orders).
    #[test]
    #[serial]
    fn the_fused_backward_is_autodiff_through_the_steps() {
        let device = Device::flex().autodiff();
        device.seed(11);
        // A batch of two parts, the second shorter.
        let (t, b, d, h) = (9, ROWS_PER_PART + 5, 3, 5);
        let g1 = layer(&device, d, h);
        let g2 = layer(&device, h, h);
        let x =
            Tensor::<3>::random([t, b, d], Distribution::Normal(0.0, 1.0), &device).require_grad();
        let w = Tensor::<3>::random([t, b, h], Distribution::Normal(0.0, 1.0), &device);
        let run = |f: fn(&Gru, Tensor<3>) -> Tensor<3>| {
            let out = f(&g2, f(&g1, x.clone()));
            let grads = (out * w.clone()).sum().backward();
            let mut all = vec![("x".to_string(), values(x.grad(&grads).unwrap()))];
            for (name, g) in [("layer 1", &g1), ("layer 2", &g2)] {
                for (gate, c) in [
                    ("update", &g.update_gate),
                    ("reset", &g.reset_gate),
                    ("new", &g.new_gate),
                ] {
                    for (part, l) in [
                        ("input", &c.input_transform),
                        ("hidden", &c.hidden_transform),
                    ] {
                        let wgt = values(l.weight.val().grad(&grads).unwrap());
                        let bias = values(l.bias.as_ref().unwrap().val().grad(&grads).unwrap());
                        all.push((format!("{name} {gate} {part} weight"), wgt));
                        all.push((format!("{name} {gate} {part} bias"), bias));
                    }
                }
            }
            all
        };
        // The autodiff node itself, not a fallback to the per-step operations.
        fn fused(g: &Gru, x: Tensor<3>) -> Tensor<3> {
            tracked_on_flex(&Packed::of(g), &x).expect("an autodiff flex tensor")
        }
        let fused = run(fused);
        let steps = run(gru_steps);
        assert_eq!(fused.len(), 1 + 2 * 3 * 2 * 2);
        for ((name, a), (_, b)) in fused.iter().zip(&steps) {
            assert!(b.iter().any(|v| v.abs() > 1e-6), "{name}: a zero gradient");
            close(name, a, b, 1e-4);
        }
    }
}

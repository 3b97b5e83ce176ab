//! A linear layer's weights on host buffers with its forward and backward products, for the
//! fused training steps ([`crate::tvae_step`], [`crate::critic_step`]).

use burn::module::ParamId;
use burn::nn::Linear;

use crate::host::{View, flex_values, gemm_into, rm, tr};

/// `y = x·W + b` with `W` `[inp, out]` row-major as burn's `Linear` stores it, and the
/// parameter ids its gradients are registered under.
pub(crate) struct Dense {
    pub(crate) w: Vec<f32>,
    pub(crate) b: Option<Vec<f32>>,
    pub(crate) inp: usize,
    pub(crate) out: usize,
    pub(crate) w_id: ParamId,
    pub(crate) b_id: Option<ParamId>,
    /// Products on gemm's threads (one large batch) or on the calling thread (parts of a batch
    /// already running in parallel).
    par: gemm::Parallelism,
}

impl std::fmt::Debug for Dense {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dense({} -> {})", self.inp, self.out)
    }
}

/// A dense layer's gradients.
pub(crate) struct DenseGrad {
    pub(crate) w: Vec<f32>,
    pub(crate) b: Vec<f32>,
}

impl Dense {
    /// The layer's values when they live on burn-flex; `None` elsewhere.
    pub(crate) fn of(l: &Linear, par: bool) -> Option<Self> {
        let w = l.weight.val();
        let [inp, out] = w.dims();
        let b = match &l.bias {
            Some(b) => Some(flex_values(&b.val())?),
            None => None,
        };
        Some(Self {
            w: flex_values(&w)?,
            b,
            inp,
            out,
            w_id: l.weight.id,
            b_id: l.bias.as_ref().map(|b| b.id),
            par: match par {
                true => gemm::Parallelism::Rayon(0),
                false => gemm::Parallelism::None,
            },
        })
    }

    pub(crate) fn zero_grad(&self) -> DenseGrad {
        DenseGrad {
            w: vec![0.0; self.inp * self.out],
            b: vec![0.0; self.out],
        }
    }

    /// `x·W + b` for `n` rows of width `k` (`x`'s columns are the first `k` inputs); with
    /// `cond`, input `k + cond[r]` is 1 on row `r` (the rest of the condition vector 0), so
    /// that row of `W` is added instead of a product over the condition's columns.
    pub(crate) fn forward(
        &self,
        x: &[f32],
        k: usize,
        cond: Option<&[usize]>,
        n: usize,
    ) -> Vec<f32> {
        let mut y = vec![0.0f32; n * self.out];
        self.forward_parts_into(&mut y, &[(rm(x, k), k)], cond, n);
        y
    }

    /// [`Dense::forward`] into `dst` (`[n, out]`, overwritten) with the input given as parts
    /// side by side, each a `(view, width)`: `n` rows of `width` columns, the widths summing to
    /// the `k` of [`Dense::forward`]. One accumulating product per part against its
    /// rows of `W`, so a residual network's growing input is never copied into one matrix.
    pub(crate) fn forward_parts_into(
        &self,
        dst: &mut [f32],
        parts: &[(View<'_>, usize)],
        cond: Option<&[usize]>,
        n: usize,
    ) {
        let o = self.out;
        let dst = &mut dst[..n * o];
        match &self.b {
            Some(b) => dst
                .chunks_exact_mut(o)
                .for_each(|row| row.copy_from_slice(b)),
            None => dst.fill(0.0),
        }
        let k: usize = parts.iter().map(|&(_, w)| w).sum();
        if let Some(cond) = cond {
            for (row, &c) in dst.chunks_exact_mut(o).zip(cond) {
                let w = &self.w[(k + c) * o..(k + c + 1) * o];
                row.iter_mut().zip(w).for_each(|(y, w)| *y += w);
            }
        }
        let mut first = 0;
        for &(x, width) in parts {
            let w = rm(&self.w[first * o..(first + width) * o], o);
            gemm_into(dst, o, n, o, width, true, x, w, self.par);
            first += width;
        }
    }

    /// Adds the gradients of `W` and `b` for output gradient `dy` (`[n, out]`) at the input of
    /// [`Dense::forward`]; writes the input gradient of the first `k` inputs into `dx` when
    /// asked (`acc`: added to it).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn backward(
        &self,
        dy: &[f32],
        x: &[f32],
        k: usize,
        cond: Option<&[usize]>,
        n: usize,
        g: &mut DenseGrad,
        dx: Option<(&mut [f32], bool)>,
    ) {
        let o = self.out;
        gemm_into(&mut g.w, o, k, o, n, true, tr(x, k), rm(dy, o), self.par);
        for row in dy.chunks_exact(o) {
            g.b.iter_mut().zip(row).for_each(|(b, d)| *b += d);
        }
        if let Some(cond) = cond {
            for (row, &c) in dy.chunks_exact(o).zip(cond) {
                let gw = &mut g.w[(k + c) * o..(k + c + 1) * o];
                gw.iter_mut().zip(row).for_each(|(w, d)| *w += d);
            }
        }
        if let Some((dx, acc)) = dx {
            gemm_into(
                dx,
                k,
                n,
                k,
                o,
                acc,
                rm(dy, o),
                tr(&self.w[..k * o], o),
                self.par,
            );
        }
    }
}

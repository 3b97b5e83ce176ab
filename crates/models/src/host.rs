//! Host-side building blocks of synthkit's fused operations on burn-flex: moving tensors
//! between burn-flex and host buffers, a vectorisable exponential and the activations built on
//! it, single-threaded matrix products on host buffers ([`matmul`], gemm), and [`host_op`], an operation with one differentiable input whose forward and backward
//! passes are host code ([`HostGrad`]), registered with burn's autodiff as a single node.
//!
//! burn-flex runs each tensor operation on its own (one allocation, one pass, element-wise work
//! on one thread below 256k elements, for σ and tanh the transcendental evaluated again in the
//! backward pass); where a network does many small operations per row (a GRU step, a
//! per-column softmax), writing the operation out once is what makes it fast. Other backends
//! keep the tensor-operation versions.

use std::fmt::Debug;
use std::sync::Arc;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::{Autodiff, BackendTypes, Flex};
use burn::prelude::*;

/// A burn-flex float tensor primitive.
pub(crate) type FlexPrimitive = <Flex as BackendTypes>::FloatTensorPrimitive;

/// A burn-flex tensor's values in row-major order.
pub(crate) fn to_host<const D: usize>(t: FlexPrimitive) -> Vec<f32> {
    Tensor::<D>::from_primitive::<Flex>(t)
        .into_data()
        .try_into_vec::<f32>()
        .expect("burn-flex float tensors are f32")
}

/// Host values as a burn-flex tensor primitive.
pub(crate) fn flex<const D: usize>(v: Vec<f32>, shape: [usize; D]) -> FlexPrimitive {
    Tensor::<D>::from_data(TensorData::new(v, shape), &Device::flex())
        .try_into_primitive::<Flex>()
        .expect("a tensor made on the flex device is a flex tensor")
}

/// A tensor's values when it lives on burn-flex (with or without autodiff); `None` elsewhere.
/// For inputs that take no gradient (data, condition vectors, masks).
pub(crate) fn flex_values<const D: usize>(t: &Tensor<D>) -> Option<Vec<f32>> {
    if let Ok(p) = t.clone().try_into_primitive::<Autodiff<Flex>>() {
        return Some(to_host::<D>(p.primitive().clone()));
    }
    let p = t.clone().try_into_primitive::<Flex>().ok()?;
    Some(to_host::<D>(p))
}

/// `e^x` without a libm call, so that loops over activations vectorise: Cephes' `expf`
/// (round `x·log₂e` to `n`, reduce `r = x − n·ln 2` in two parts, a degree-6 polynomial on
/// `|r| ≤ ln 2 / 2`, scale by `2ⁿ` built in the exponent bits). Within a few ulp of `f32::exp`
/// on `[-87, 88]`; the input is clamped there, so the result stays a normal float (callers only
/// need it saturated outside).
#[inline(always)]
pub(crate) fn exp_fast(x: f32) -> f32 {
    // 1.5·2²³: adding and subtracting it rounds to the nearest integer (|x·log₂e| < 2²²).
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + ROUND) - ROUND;
    let r = x - n * 0.693_359_4 - n * -2.121_944_4e-4;
    let p = ((((1.987_569_1e-4 * r + 1.398_199_9e-3) * r + 8.333_452e-3) * r + 4.166_579_6e-2) * r
        + 0.166_666_65)
        * r
        + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((n as i32).wrapping_add(127) << 23) as u32)
}

/// The logistic function on [`exp_fast`].
#[inline(always)]
pub(crate) fn sigm(x: f32) -> f32 {
    1.0 / (1.0 + exp_fast(-x))
}

/// tanh through one exponential, `1 − 2 / (1 + e^{2x})` (glibc's `tanhf` costs about three
/// `expf`s). Absolute error near 1e-7; ±1 in the clamped tails.
#[inline(always)]
pub(crate) fn tanh1(x: f32) -> f32 {
    1.0 - 2.0 / (1.0 + exp_fast(2.0 * x))
}

/// A matrix operand of [`matmul`]: elements of `v` at the given row and column strides.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) v: &'a [f32],
    pub(crate) rs: isize,
    pub(crate) cs: isize,
}

/// Row-major, contiguous.
pub(crate) fn rm(v: &[f32], cols: usize) -> View<'_> {
    View {
        v,
        rs: cols as isize,
        cs: 1,
    }
}

/// The transpose of a row-major `rows × cols` matrix.
pub(crate) fn tr(v: &[f32], cols: usize) -> View<'_> {
    View {
        v,
        rs: 1,
        cs: cols as isize,
    }
}

/// `dst[m×n] (row stride ld) = (acc ? dst : 0) + a[m×k] · b[k×n]`, single-threaded gemm.
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul(
    dst: &mut [f32],
    ld: usize,
    m: usize,
    n: usize,
    k: usize,
    acc: bool,
    a: View,
    b: View,
) {
    gemm_into(dst, ld, m, n, k, acc, a, b, gemm::Parallelism::None);
}

/// [`matmul`] with gemm's own threads on rayon's pool (one large product at a time).
#[allow(clippy::too_many_arguments)]
pub(crate) fn matmul_par(
    dst: &mut [f32],
    ld: usize,
    m: usize,
    n: usize,
    k: usize,
    acc: bool,
    a: View,
    b: View,
) {
    gemm_into(dst, ld, m, n, k, acc, a, b, gemm::Parallelism::Rayon(0));
}

/// [`matmul`] on the given gemm threading.
#[allow(clippy::too_many_arguments)]
pub(crate) fn gemm_into(
    dst: &mut [f32],
    ld: usize,
    m: usize,
    n: usize,
    k: usize,
    acc: bool,
    a: View,
    b: View,
    par: gemm::Parallelism,
) {
    if m == 0 || n == 0 {
        return;
    }
    let last = |x: View, r: usize, c: usize| {
        (r.saturating_sub(1)) as isize * x.rs + (c.saturating_sub(1)) as isize * x.cs
    };
    assert!(
        dst.len() >= (m - 1) * ld + n,
        "matmul: destination too short"
    );
    assert!(
        k == 0 || (last(a, m, k) as usize) < a.v.len(),
        "matmul: lhs too short"
    );
    assert!(
        k == 0 || (last(b, k, n) as usize) < b.v.len(),
        "matmul: rhs too short"
    );
    if k == 0 {
        if !acc {
            for r in 0..m {
                dst[r * ld..r * ld + n].fill(0.0);
            }
        }
        return;
    }
    // SAFETY: the three asserts above keep every element gemm touches (row r < m, column c < n,
    // inner index < k, at the given strides) inside the slices; `dst` is borrowed mutably, so it
    // aliases neither operand.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            ld as isize,
            acc,
            a.v.as_ptr(),
            a.cs,
            a.rs,
            b.v.as_ptr(),
            b.cs,
            b.rs,
            1.0,
            1.0,
            false,
            false,
            false,
            par,
        );
    }
}

/// The backward pass of a host operation with one differentiable input: the gradient of the
/// input from the gradient of the output, both row-major host buffers.
pub(crate) trait HostGrad: Send + Sync + Debug + 'static {
    fn input_grad(&self, grad_out: &[f32]) -> Vec<f32>;
}

/// The autodiff node of [`host_op`] on an input of rank `D`.
#[derive(Debug)]
struct HostNode<const D: usize>;

/// The saved backward pass and the input's shape.
#[derive(Clone, Debug)]
struct HostState<const D: usize> {
    grad: Arc<dyn HostGrad>,
    input_shape: [usize; D],
}

impl<const D: usize> Backward<Flex, 1> for HostNode<D> {
    type State = HostState<D>;

    fn backward(self, ops: Ops<HostState<D>, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        // The output's rank is not known here; its values are read flat.
        let g = to_host::<1>(grads.consume::<Flex>(&ops.node));
        let [parent] = ops.parents;
        if let Some(node) = parent {
            let dx = ops.state.grad.input_grad(&g);
            grads.register::<Flex>(node.id, flex::<D>(dx, ops.state.input_shape));
        }
    }
}

/// Runs a host operation on `x` when `x` lives on burn-flex: `forward` gets `x`'s values and
/// returns the output's values and its backward pass. Under autodiff the result is one graph
/// node whose gradient is `HostGrad::input_grad`; on plain burn-flex only the forward pass runs.
/// `None` when `x` lives on another backend (the caller falls back to tensor operations).
pub(crate) fn host_op<const D: usize, const E: usize, G: HostGrad>(
    x: &Tensor<D>,
    out_shape: [usize; E],
    forward: impl FnOnce(&[f32]) -> (Vec<f32>, G),
) -> Option<Tensor<E>> {
    if let Ok(xa) = x.clone().try_into_primitive::<Autodiff<Flex>>() {
        let xs = to_host::<D>(xa.primitive().clone());
        let (out, grad) = forward(&xs);
        let out = flex::<E>(out, out_shape);
        let out = match HostNode::<D>
            .prepare::<NoCheckpointing>([xa.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => prep.finish(
                HostState {
                    grad: Arc::new(grad),
                    input_shape: x.dims(),
                },
                out,
            ),
            OpsKind::UnTracked(prep) => prep.finish(out),
        };
        return Some(Tensor::from_primitive::<Autodiff<Flex>>(out));
    }
    let xp = x.clone().try_into_primitive::<Flex>().ok()?;
    let (out, _) = forward(&to_host::<D>(xp));
    Some(Tensor::from_primitive::<Flex>(flex::<E>(out, out_shape)))
}

/// Helpers of the tests that compare a fused operation with its tensor-operation version.
#[cfg(test)]
pub(crate) mod testing {
    use burn::prelude::*;
    use synthkit_data::layout::{Activation, Layout};

    /// A layout with every kind of span: a continuous column (α + 3 modes), two discrete
    /// columns (4 and 2 categories), and a linear column.
    pub(crate) fn every_span_layout() -> Layout {
        Layout::new(vec![
            (
                "a".into(),
                false,
                vec![(1, Activation::Tanh), (3, Activation::Softmax)],
            ),
            ("b".into(), true, vec![(4, Activation::Softmax)]),
            ("l".into(), false, vec![(1, Activation::Linear)]),
            ("c".into(), true, vec![(2, Activation::Softmax)]),
        ])
    }

    /// A tensor's values.
    pub(crate) fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec_as::<f32>().unwrap()
    }

    /// `a` equals `b` element by element within `tol` of `b`'s largest magnitude (at least
    /// 1e-3).
    pub(crate) fn close(what: &str, a: &[f32], b: &[f32], tol: f32) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        let scale = b.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-3);
        for (i, (x, y)) in a.iter().zip(b).enumerate() {
            assert!(
                (x - y).abs() <= tol * scale,
                "{what}[{i}]: {x} vs {y} (scale {scale})"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `exp_fast` against libm's `expf` on a fine grid of the clamped range: relative error
    /// below 4 ulp (Cephes' polynomial is within about 1 ulp; the reduction adds rounding).
    /// Outside the range it saturates; the activations built on it match their definitions.
    #[test]
    fn the_fast_exponential_is_libms_within_a_few_ulp() {
        let mut worst = 0f32;
        for i in 0..=1_750_000 {
            let x = -87.0 + i as f32 * 1e-4;
            let (got, want) = (exp_fast(x), x.exp());
            worst = worst.max(((got - want) / want).abs());
        }
        assert!(worst < 4.0 * f32::EPSILON, "worst relative error {worst}");
        assert_eq!(exp_fast(-1e4), exp_fast(-87.0));
        assert!(exp_fast(1e4).is_finite());
        for x in [-30.0f32, -3.0, -0.5, 0.0, 1e-3, 0.7, 4.0, 30.0] {
            assert!(
                (sigm(x) - 1.0 / (1.0 + (-x).exp())).abs() < 1e-6,
                "sigmoid {x}"
            );
            assert!((tanh1(x) - x.tanh()).abs() < 1e-6, "tanh {x}");
        }
    }
}

//! Log-space helpers of the multinomial part: [`log_add_exp`], [`log_onehot`] and the one-hot
//! blocks [`CatBlocks`] (per-block logsumexp, softmax and Gumbel-max sampling).

use super::*;

/// `log(exp(a) + exp(b))` element-wise, as `m + log(exp(a − m) + exp(b − m))` with
/// `m = max(a, b)` detached (the gradient of the stabiliser cancels exactly).
pub fn log_add_exp<const D: usize>(a: Tensor<D>, b: Tensor<D>) -> Tensor<D> {
    let m = a.clone().max_pair(b.clone()).detach();
    ((a - m.clone()).exp() + (b - m.clone()).exp()).log() + m
}

/// `m + log Σ exp(x − m)` along the features, `m` the (detached) maximum: `[batch, 1]`.
fn block_lse(p: Tensor<2>) -> Tensor<2> {
    let m = p.clone().max_dim(1).detach(); // [batch, 1]
    (p - m.clone()).exp().sum_dim(1).log() + m
}

/// The one-hot blocks of the multinomial part: their widths and offsets.
#[derive(Clone, Debug, PartialEq)]
pub struct CatBlocks {
    sizes: Vec<usize>,
    offsets: Vec<usize>,
}

impl CatBlocks {
    /// Blocks of the given widths, laid out contiguously.
    pub fn new(sizes: Vec<usize>) -> Self {
        let mut offsets = Vec::with_capacity(sizes.len());
        let mut o = 0;
        for &k in &sizes {
            offsets.push(o);
            o += k;
        }
        Self { sizes, offsets }
    }

    /// The block widths.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Total width.
    pub fn width(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// Whether there is no block.
    pub fn is_empty(&self) -> bool {
        self.sizes.is_empty()
    }

    /// `log K` of each position's block, `[1, width]`.
    pub fn log_k(&self, device: &Device) -> Tensor<2> {
        self.per_width(|k| (k as f64).ln(), device)
    }

    fn map_blocks(&self, x: Tensor<2>, mut f: impl FnMut(Tensor<2>) -> Tensor<2>) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = self
            .sizes
            .iter()
            .zip(&self.offsets)
            .map(|(&k, &o)| f(x.clone().narrow(1, o, k)))
            .collect();
        Tensor::cat(parts, 1)
    }

    /// Each block's logsumexp, broadcast over the block (`sliced_logsumexp`):
    /// `m + log Σ exp(x − m)` with `m` the block maximum, detached.
    ///
    /// # Shapes
    /// - `x`: `[batch, width]`; returns `[batch, width]`
    pub fn logsumexp(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| {
            let k = p.dims()[1];
            block_lse(p).repeat_dim(1, k)
        })
    }

    /// Each block's logsumexp, once per block: `[batch, n_blocks]`.
    ///
    /// # Shapes
    /// - `x`: `[batch, width]`; returns `[batch, n_blocks]`
    pub fn block_logsumexp(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, block_lse)
    }

    /// Log-softmax within each block.
    pub fn log_softmax(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| log_softmax(p, 1))
    }

    /// Softmax within each block.
    pub fn softmax(&self, x: Tensor<2>) -> Tensor<2> {
        self.map_blocks(x, |p| softmax(p, 1))
    }

    /// One value per position from a function of its block's width `K`, as a `[1, width]` row.
    pub fn per_width(&self, f: impl Fn(usize) -> f64, device: &Device) -> Tensor<2> {
        let v: Vec<f32> = self
            .sizes
            .iter()
            .flat_map(|&k| std::iter::repeat_n(f(k) as f32, k))
            .collect();
        Tensor::from_data(TensorData::new(v, [1, self.width()]), device)
    }

    /// One Gumbel-max draw per block from unnormalised log-probabilities (device RNG), as a
    /// one-hot `[batch, width]` (`log_sample_categorical`).
    pub fn sample(&self, logits: Tensor<2>) -> Tensor<2> {
        self.map_blocks(logits, |p| {
            let [b, k] = p.dims();
            let u = Tensor::<2>::random([b, k], Distribution::Uniform(0.0, 1.0), &p.device());
            let g = (u.add_scalar(1e-30).log().neg().add_scalar(1e-30))
                .log()
                .neg(); // Gumbel(0, 1)
            (g + p)
                .argmax(1) // [batch, 1]
                .squeeze_dim::<1>(1)
                .one_hot::<2>(k)
                .float()
        })
    }

    /// Sums each row's values within each block: `[batch, n_blocks]`.
    pub fn block_sums(&self, x: Tensor<2>) -> Tensor<2> {
        let parts: Vec<Tensor<2>> = self
            .sizes
            .iter()
            .zip(&self.offsets)
            .map(|(&k, &o)| x.clone().narrow(1, o, k).sum_dim(1))
            .collect();
        Tensor::cat(parts, 1)
    }
}

/// `log(max(onehot, 1e-30))` (`index_to_log_onehot`).
pub fn log_onehot(onehot: Tensor<2>) -> Tensor<2> {
    onehot.clamp_min(1e-30).log()
}

//! [`Denoiser`]: the `MLPDiffusion` network (`tab_ddpm/modules.py` L425ff) and its sinusoidal
//! timestep embedding.

use super::*;

/// `MLPDiffusion`: the denoiser ε̂ / x̂₀-logits network.
#[derive(Module, Debug)]
pub struct Denoiser {
    proj: Linear,
    time1: Linear,
    time2: Linear,
    label_emb: Option<Param<Tensor<2>>>,
    blocks: Vec<Linear>,
    dropout: Dropout,
    head: Linear,
    dim_t: usize,
}

impl TabDdpmConfig {
    /// Builds the denoiser for `d_in` diffused columns and `n_classes` label classes (0: no
    /// label input); see [`Denoiser::new`].
    pub fn init(&self, d_in: usize, n_classes: usize, device: &Device) -> Denoiser {
        Denoiser::new(
            &self.d_layers,
            self.dropout,
            self.dim_t,
            d_in,
            n_classes,
            device,
        )
    }
}

impl Denoiser {
    /// An `MLPDiffusion` with hidden widths `d_layers`, dropout `dropout`, embeddings of width
    /// `dim_t`, `d_in` inputs and outputs and `n_classes` label classes (0: no label input).
    /// Linear layers get PyTorch's default init; the label embedding N(0, 1), as
    /// `nn.Embedding`. The flow-matching generator uses the same network.
    pub fn new(
        d_layers: &[usize],
        dropout: f64,
        dim_t: usize,
        d_in: usize,
        n_classes: usize,
        device: &Device,
    ) -> Denoiser {
        let mut blocks = Vec::with_capacity(d_layers.len());
        let mut w = dim_t;
        for &d in d_layers {
            blocks.push(LinearConfig::new(w, d).init(device));
            w = d;
        }
        Denoiser {
            proj: LinearConfig::new(d_in, dim_t).init(device),
            time1: LinearConfig::new(dim_t, dim_t).init(device),
            time2: LinearConfig::new(dim_t, dim_t).init(device),
            label_emb: (n_classes > 0).then(|| {
                Param::from_tensor(Tensor::random(
                    [n_classes, dim_t],
                    Distribution::Normal(0.0, 1.0),
                    device,
                ))
            }),
            blocks,
            dropout: DropoutConfig::new(dropout).init(),
            head: LinearConfig::new(w, d_in).init(device),
            dim_t,
        }
    }

    /// # Shapes
    /// - `x`: `[batch, d_in]` (noisy numeric features ⊕ noisy one-hots)
    /// - `t`: `[batch]` timesteps as floats
    /// - `y`: `[batch, n_classes]` one-hot labels, or `None` for an unconditional model
    /// - returns `[batch, d_in]`: ε̂ for the numeric part, x̂₀ logits for the one-hot part
    pub fn forward(&self, x: Tensor<2>, t: Tensor<1>, y: Option<Tensor<2>>) -> Tensor<2> {
        let mut emb = self.time_embedding(t); // [batch, dim_t]
        if let Some(l) = y.and_then(|y| self.label_embedding(y)) {
            emb = emb + l; // [batch, dim_t]
        }
        self.forward_embedded(x, emb)
    }

    /// The time branch `time2(silu(time1(sinusoid(t))))`.
    ///
    /// # Shapes
    /// - `t`: `[batch]`; returns `[batch, dim_t]`
    pub fn time_embedding(&self, t: Tensor<1>) -> Tensor<2> {
        let temb = timestep_embedding(t, self.dim_t); // [batch, dim_t]
        self.time2.forward(silu(self.time1.forward(temb)))
    }

    /// The label branch `silu(y · E)`, or `None` for an unconditional model.
    ///
    /// # Shapes
    /// - `y`: `[batch, n_classes]` one-hot; returns `[batch, dim_t]`
    pub fn label_embedding(&self, y: Tensor<2>) -> Option<Tensor<2>> {
        self.label_emb.as_ref().map(|w| silu(y.matmul(w.val())))
    }

    /// The body after the embeddings: `head(MLP(proj(x) + emb))`. `emb` may be `[1, dim_t]`
    /// (broadcast over the batch), which is how ancestral sampling, where every row shares the
    /// timestep, computes the time branch once per step instead of once per row.
    ///
    /// # Shapes
    /// - `x`: `[batch, d_in]`; `emb`: `[batch, dim_t]` or `[1, dim_t]`; returns `[batch, d_in]`
    pub fn forward_embedded(&self, x: Tensor<2>, emb: Tensor<2>) -> Tensor<2> {
        let mut h = self.proj.forward(x) + emb; // [batch, dim_t]
        for l in &self.blocks {
            h = self.dropout.forward(relu(l.forward(h))); // [batch, d_i]
        }
        self.head.forward(h) // [batch, d_in]
    }

    /// Whether the denoiser has a label input.
    pub fn is_conditional(&self) -> bool {
        self.label_emb.is_some()
    }
}

/// Sinusoidal timestep embedding (`timestep_embedding`, `tab_ddpm/modules.py` L20, max period
/// 10000): `[cos(t·f_i), sin(t·f_i)]` with `f_i = 10000^(−i/half)`, zero-padded to an odd `dim`.
///
/// # Shapes
/// - `t`: `[batch]`; returns `[batch, dim]`
pub fn timestep_embedding(t: Tensor<1>, dim: usize) -> Tensor<2> {
    let device = t.device();
    let [b] = t.dims();
    let half = dim / 2;
    let freqs: Vec<f32> = (0..half)
        .map(|i| (-(10_000f64.ln()) * i as f64 / half as f64).exp() as f32)
        .collect();
    let freqs = Tensor::<2>::from_data(TensorData::new(freqs, [1, half]), &device);
    let args = t.reshape([b, 1]) * freqs; // [batch, half]
    let mut parts = vec![args.clone().cos(), args.sin()];
    if dim % 2 == 1 {
        parts.push(Tensor::zeros([b, 1], &device));
    }
    Tensor::cat(parts, 1)
}

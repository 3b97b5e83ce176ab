//! TVAE's networks (arXiv:1907.00503; reference `ctgan/synthesizers/tvae.py` L29–72), with an
//! optional condition vector concatenated to the encoder and decoder inputs (synthkit's
//! conditional-VAE extension, see [`crate::TvaeConfig::conditional`]).

use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;

use crate::config::TvaeConfig;

/// Encoder: Linear → ReLU per hidden width, then two heads for μ and log σ².
#[derive(Module, Debug)]
pub struct Encoder {
    hidden: Vec<Linear>,
    mu: Linear,
    logvar: Linear,
}

/// Decoder: Linear → ReLU per hidden width, then Linear to the data width, plus the learned
/// per-output σ used by the Gaussian term of the loss and by sampling.
#[derive(Module, Debug)]
pub struct Decoder {
    hidden: Vec<Linear>,
    out: Linear,
    /// Learned output σ, one per encoded column (only the `Tanh` columns use it).
    pub sigma: Param<Tensor<1>>,
}

/// Output of [`Encoder::forward`].
#[derive(Debug, Clone)]
pub struct Encoded {
    /// Posterior mean, `[batch, latent]`.
    pub mu: Tensor<2>,
    /// Posterior standard deviation `exp(½·logvar)`, `[batch, latent]`.
    pub std: Tensor<2>,
    /// Posterior log-variance, `[batch, latent]`.
    pub logvar: Tensor<2>,
}

fn mlp(input: usize, dims: &[usize], device: &Device) -> (Vec<Linear>, usize) {
    let mut width = input;
    let mut layers = Vec::with_capacity(dims.len());
    for &d in dims {
        layers.push(LinearConfig::new(width, d).init(device));
        width = d;
    }
    (layers, width)
}

impl TvaeConfig {
    /// Builds the encoder and decoder for `data_dim` encoded columns. `cond_dim` is the width of
    /// the condition vector (0 for the paper's unconditional TVAE).
    pub fn init(&self, data_dim: usize, cond_dim: usize, device: &Device) -> (Encoder, Decoder) {
        let (hidden, w) = mlp(data_dim + cond_dim, &self.compress_dims, device);
        let enc = Encoder {
            hidden,
            mu: LinearConfig::new(w, self.embedding_dim).init(device),
            logvar: LinearConfig::new(w, self.embedding_dim).init(device),
        };
        let (hidden, w) = mlp(self.embedding_dim + cond_dim, &self.decompress_dims, device);
        let dec = Decoder {
            hidden,
            out: LinearConfig::new(w, data_dim).init(device),
            sigma: Param::from_tensor(Tensor::full([data_dim], self.sigma_init, device)),
        };
        (enc, dec)
    }
}

impl Encoder {
    /// # Shapes
    /// - `x`: `[batch, data_dim + cond_dim]` (row ⊕ condition)
    /// - returns μ, σ, log σ², each `[batch, latent]`
    pub fn forward(&self, x: Tensor<2>) -> Encoded {
        let mut h = x;
        for l in &self.hidden {
            h = relu(l.forward(h)); // [batch, hidden_i]
        }
        let mu = self.mu.forward(h.clone()); // [batch, latent]
        let logvar = self.logvar.forward(h); // [batch, latent]
        let std = logvar.clone().mul_scalar(0.5).exp();
        Encoded { mu, std, logvar }
    }

    /// The hidden layers, the μ head and the log σ² head (for the fused training step).
    pub fn layers(&self) -> (&[Linear], &Linear, &Linear) {
        (&self.hidden, &self.mu, &self.logvar)
    }

    /// Reparameterised draw `z = μ + ε·σ` with the caller's `ε ~ N(0, I)` (the trainer draws it
    /// on the host, in parallel).
    ///
    /// # Shapes
    /// - `eps`: `[batch, latent]`; returns `[batch, latent]`
    pub fn sample_latent(enc: &Encoded, eps: Tensor<2>) -> Tensor<2> {
        eps * enc.std.clone() + enc.mu.clone()
    }
}

impl Decoder {
    /// # Shapes
    /// - `z`: `[batch, latent + cond_dim]` (latent ⊕ condition)
    /// - returns `[batch, data_dim]` raw outputs
    pub fn forward(&self, z: Tensor<2>) -> Tensor<2> {
        let mut h = z;
        for l in &self.hidden {
            h = relu(l.forward(h)); // [batch, hidden_i]
        }
        self.out.forward(h) // [batch, data_dim]
    }

    /// The hidden layers, the output layer and σ (for the fused training step).
    pub fn layers(&self) -> (&[Linear], &Linear, &Param<Tensor<1>>) {
        (&self.hidden, &self.out, &self.sigma)
    }

    /// Clamps σ into `[min, max]` in place of the parameter (the reference does this after every
    /// optimiser step, tvae.py L189). The parameter keeps its id, so optimiser state stays attached.
    pub fn clamp_sigma(mut self, min: f64, max: f64) -> Self {
        let (id, t, mapper) = self.sigma.consume();
        let req = t.is_require_grad();
        let autodiff = t.is_autodiff();
        let mut clamped = t.inner().clamp(min, max);
        if autodiff {
            clamped = Tensor::from_inner(clamped);
        }
        if req {
            clamped = clamped.require_grad();
        }
        self.sigma = Param::from_mapped_value(id, clamped, mapper);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;
    use serial_test::serial;

    #[test]
    #[serial]
    fn encoder_decoder_shapes_with_and_without_condition() {
        let device = Device::flex().autodiff();
        device.seed(0);
        let cfg = TvaeConfig {
            embedding_dim: 4,
            compress_dims: vec![8],
            decompress_dims: vec![8, 6],
            ..Default::default()
        };
        for cond in [0usize, 3] {
            let (e, d) = cfg.init(7, cond, &device);
            let x = Tensor::<2>::random([5, 7 + cond], Distribution::Default, &device);
            let enc = e.forward(x);
            assert_eq!(enc.mu.dims(), [5, 4]);
            let eps = Tensor::<2>::random([5, 4], Distribution::Normal(0.0, 1.0), &device);
            let z = Encoder::sample_latent(&enc, eps);
            let z = if cond > 0 {
                Tensor::cat(vec![z, Tensor::zeros([5, cond], &device)], 1)
            } else {
                z
            };
            assert_eq!(d.forward(z).dims(), [5, 7]);
            assert_eq!(d.sigma.val().dims(), [7]);
        }
    }

    #[test]
    fn clamp_sigma_keeps_id_and_bounds() {
        let device = Device::flex().autodiff();
        let cfg = TvaeConfig {
            embedding_dim: 2,
            compress_dims: vec![2],
            decompress_dims: vec![2],
            ..Default::default()
        };
        let (_, mut d) = cfg.init(3, 0, &device);
        d.sigma = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![0.001f32, 0.5, 3.0], [3]),
            &device,
        ));
        let id = d.sigma.id;
        let d = d.clamp_sigma(0.01, 1.0);
        assert_eq!(d.sigma.id, id);
        assert!(d.sigma.val().is_require_grad());
        let v = d.sigma.val().into_data().try_to_vec_as::<f32>().unwrap();
        assert_eq!(v, vec![0.01, 0.5, 1.0]);
    }
}

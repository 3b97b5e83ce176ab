//! TimeGAN's phases, their per-block loss records and the loss functions of the three phases.

use burn::prelude::*;
use burn::tensor::activation::log_sigmoid;
use serde::{Deserialize, Serialize};

use crate::losses::BlockRecord;

/// The three training phases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Autoencoder (embedder + recovery) on reconstruction.
    Embedding,
    /// Supervisor on next-step latent prediction.
    Supervised,
    /// Adversarial training of all five networks.
    Joint,
}

impl Phase {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Embedding => "embedding",
            Self::Supervised => "supervised",
            Self::Joint => "joint",
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            Self::Embedding => 0,
            Self::Supervised => 1,
            Self::Joint => 2,
        }
    }

    pub(super) fn loss_names(self) -> &'static [&'static str] {
        match self {
            Self::Embedding => &["e_loss_t0"],
            Self::Supervised => &["g_loss_s"],
            Self::Joint => &[
                "d_loss",
                "g_loss_u",
                "g_loss_s",
                "g_loss_v",
                "e_loss_t0",
                "d_updates",
            ],
        }
    }
}

/// Mean losses over one block of iterations of one phase.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseLosses {
    /// The phase.
    pub phase: Phase,
    /// Iterations done in this phase at the end of the block.
    pub iteration: usize,
    /// Wall-clock seconds of the block.
    pub seconds: f64,
    /// `(name, mean value)`; in the joint phase `d_updates` is the share of iterations in which
    /// the discriminator was updated.
    pub values: Vec<(String, f64)>,
}

impl BlockRecord for PhaseLosses {
    fn seconds(&self) -> f64 {
        self.seconds
    }

    fn values(&self) -> &[(String, f64)] {
        &self.values
    }
}

/// Mean binary cross-entropy of logits against an all-ones (`target = true`) or all-zeros
/// target, as `tf.losses.sigmoid_cross_entropy` (mean over every element).
pub(crate) fn bce_logits<const D: usize>(logits: Tensor<D>, target: bool) -> Tensor<1> {
    let x = if target { logits } else { logits.neg() };
    log_sigmoid(x).mean().neg()
}

pub(super) fn mse(a: Tensor<3>, b: Tensor<3>) -> Tensor<1> {
    (a - b).powi_scalar(2).mean()
}

/// `MSE(H[:,1:], S[:,:-1])`, the supervised next-step loss (timegan.py L204), on time-major
/// `[steps, batch, hidden]` sequences.
pub(super) fn supervised_loss(h: Tensor<3>, s: Tensor<3>) -> Tensor<1> {
    let t = h.dims()[0];
    mse(h.narrow(0, 1, t - 1), s.narrow(0, 0, t - 1))
}

/// The two-moment loss (timegan.py L206–208): batch moments per (step, feature), as
/// `tf.nn.moments(X, [0])` on the reference's batch-major tensors; here the sequences are
/// time-major `[steps, batch, features]`, so the batch is dimension 1.
pub(super) fn moment_loss(x_hat: Tensor<3>, x: Tensor<3>) -> Tensor<1> {
    let moments = |v: Tensor<3>| {
        let m = v.clone().mean_dim(1);
        let var = (v - m.clone()).powi_scalar(2).mean_dim(1);
        (m, var)
    };
    let (m_hat, v_hat) = moments(x_hat);
    let (m, v) = moments(x);
    let v1 = (v_hat.add_scalar(1e-6).sqrt() - v.add_scalar(1e-6).sqrt())
        .abs()
        .mean();
    let v2 = (m_hat - m).abs().mean();
    v1 + v2
}

pub(super) fn scalar(t: Tensor<1>) -> f64 {
    t.into_scalar::<f32>() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use serial_test::serial;

    #[test]
    #[serial]
    fn bce_matches_the_closed_form() {
        let device = Device::flex();
        let x = Tensor::<1>::from_data(TensorData::new(vec![0.0f32, 2.0], [2]), &device);
        let one = scalar(bce_logits(x.clone(), true));
        let zero = scalar(bce_logits(x, false));
        let want_one = (2f64.ln() + (1.0 + (-2f64).exp()).ln()) / 2.0;
        let want_zero = (2f64.ln() + (1.0 + 2f64.exp()).ln()) / 2.0;
        assert!((one - want_one).abs() < 1e-5, "{one} vs {want_one}");
        assert!((zero - want_zero).abs() < 1e-5, "{zero} vs {want_zero}");
    }
}

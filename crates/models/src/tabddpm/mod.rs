//! TabDDPM (Kotelnikov et al., arXiv:2209.15421; reference `yandex-research/tab-ddpm`, MIT):
//! the denoiser MLP and the diffusion maths.
//!
//! - [`Denoiser`]: `MLPDiffusion` (`tab_ddpm/modules.py` L425ff). The input is projected to
//!   `dim_t`, a sinusoidal time embedding passed through Linear → SiLU → Linear is added, plus
//!   SiLU of a class-label embedding when the model is class-conditional; then Linear → ReLU →
//!   Dropout blocks and a Linear head back to the input width. The head predicts ε for the
//!   numeric part and x₀ logits for each categorical block.
//! - [`Diffusion`]: the schedules of `GaussianMultinomialDiffusion`
//!   (`tab_ddpm/gaussian_multinomial_diffsuion.py`) held on the host in f64, Gaussian q(x_t|x₀)
//!   and ancestral steps, and the multinomial diffusion of Hoogeboom et al. in log space:
//!   `q_pred`, `q_posterior`, the x₀-parametrised model posterior, Gumbel-max sampling, and the
//!   `vb_stochastic` loss. burn has no public logsumexp; [`log_add_exp`] and
//!   [`CatBlocks::logsumexp`] use `m + log Σ exp(x − m)` with `m` the (detached) maximum.
//! - [`MultinomialBatch`]: the training loss's terms that do not depend on the weights, in
//!   closed form on the host (the same loss and gradient as the log-space form).
//! - [`ReverseStep`]: the same ancestral step fused per row on host numbers, for the CPU
//!   backend (one exponential per entry and one uniform per block).
//! - [`DdpmLayout`]: which encoded columns are diffused as Gaussians, which one-hot blocks as
//!   multinomials, and which block (the target) is the label input.
//!
//! One documented deviation: the reference feeds the denoiser the *log* one-hot of the
//! categorical part (entries 0 and log 1e-30 ≈ −69); we feed the one-hot itself. The two are an
//! affine map of each other (log-one-hot = 69.08·(one-hot − 1)), which the first Linear absorbs,
//! so the function class is the same; the one-hot keeps the input on the scale of the numeric
//! features.

use burn::module::Param;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::Distribution;
use burn::tensor::activation::{log_softmax, relu, silu, softmax};
use synthkit_data::{Activation, Layout, Matrix, Span};

use crate::config::{Schedule, TabDdpmConfig};

/// log(1e-30), the floor of a log one-hot (`index_to_log_onehot` clamps at 1e-30).
pub const LOG_EPS: f64 = -69.077_552_789_821_37;

/// Largest β of the cosine schedule (`betas_for_alpha_bar` `max_beta=0.999`).
pub const MAX_BETA: f64 = 0.999;

mod categorical;
mod denoiser;
mod diffusion;
mod layout;
mod loss;
mod reverse;

pub use categorical::{CatBlocks, log_add_exp, log_onehot};
pub use denoiser::{Denoiser, timestep_embedding};
pub use diffusion::Diffusion;
pub use layout::DdpmLayout;
pub use loss::MultinomialBatch;
pub use reverse::ReverseStep;

#[cfg(test)]
mod tests;

//! # synthkit-models
//!
//! CTGAN and TVAE (arXiv:1907.00503) as burn 0.22 modules, plus their configurations. No
//! training loops live here (see `synthkit-train`); this crate holds:
//!
//! - [`CtganConfig`], [`TvaeConfig`] and the tagged [`ModelConfig`]: serde structs with the
//!   reference defaults, validated by `check()` before anything is allocated;
//! - [`ctgan::Generator`] and [`ctgan::Discriminator`] (PacGAN WGAN-GP critic with a closed-form
//!   input gradient, because burn 0.22 has only first-order autodiff), and [`critic_step`]: the
//!   critic's whole update (loss, penalty, gradients) on host buffers for burn-flex;
//! - [`tvae::Encoder`] and [`tvae::Decoder`] (optionally conditional), and [`tvae_step`]: a
//!   whole TVAE training step (forward, ELBO, backward) on host buffers for burn-flex;
//! - [`tabddpm`]: TabDDPM's denoiser MLP and its Gaussian + multinomial diffusion maths
//!   (arXiv:2209.15421), configured by [`TabDdpmConfig`];
//! - [`timegan`]: [`TimeGanConfig`] and TimeGAN's five GRU networks (embedder, recovery,
//!   generator, supervisor, discriminator), optionally conditioned on a sequence label;
//! - [`activation`]: span-wise output activations (tanh / Gumbel-softmax) and the losses that read
//!   the shared [`synthkit_data::layout::Layout`];
//! - [`exp`]: `eˣ` over `f32` slices, vectorised and bit-identical on every instruction set, for
//!   the sampling output's softmax draws;
//! - [`gru`]: a GRU layer over a whole time-major sequence as one autodiff operation on burn-flex
//!   (forward and backward through time on host buffers), the layer of TimeGAN's networks.
//!
//! On burn-flex, where many small tensor operations cost more than their arithmetic, the GRU
//! layers, CTGAN's output activation and the span-wise cross-entropies run as single autodiff
//! nodes with hand-written backward passes (private modules `host` and `span_ops`); other
//! backends run the same maths as tensor operations, and tests compare the two.
//!
//! Everything takes a runtime [`burn::prelude::Device`]: the same code runs on burn-flex (CPU)
//! and burn-wgpu.
#![warn(missing_docs)]

pub mod activation;
pub mod config;
pub mod critic_step;
pub mod ctgan;
mod dense;
pub mod error;
pub mod exp;
pub mod gru;
mod host;
mod span_ops;
pub mod tabddpm;
pub mod timegan;
pub mod tvae;
pub mod tvae_step;

pub use config::{
    ADAM_EPSILON, Budget, CopulaConfig, CtganConfig, FlowConfig, ModelConfig, Schedule, Solver,
    TabDdpmConfig, TvaeConfig,
};
pub use error::{ModelError, ModelResult};
pub use timegan::TimeGanConfig;

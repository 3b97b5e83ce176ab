//! Run options: device, seed, checkpoints, progress.

use std::path::PathBuf;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which burn device to train and sample on, chosen once at the top of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeviceChoice {
    /// burn-flex, the pure-Rust CPU backend. Runs are bit-for-bit reproducible for a seed.
    #[default]
    Cpu,
    /// burn-wgpu on wgpu's default adapter (Vulkan/Metal/DX12; lavapipe on a machine without a
    /// GPU, which works but is slow).
    Wgpu,
}

impl DeviceChoice {
    /// The plain (non-autodiff) device. Training uses `device().autodiff()`.
    pub fn device(self) -> Device {
        match self {
            Self::Cpu => Device::flex(),
            Self::Wgpu => Device::wgpu(DeviceKind::DefaultDevice),
        }
    }
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cpu => "cpu",
            Self::Wgpu => "wgpu",
        })
    }
}

/// How to run [`crate::fit`].
#[derive(Clone, Debug, PartialEq)]
pub struct TrainOptions {
    /// Device to train on.
    pub device: DeviceChoice,
    /// Seed of the weight init, and (mixed with the epoch number) of every epoch's device and
    /// host RNGs.
    pub seed: u64,
    /// Write a checkpoint every this many epochs (into `checkpoint_dir`). A checkpoint is also
    /// written when `max_epochs_this_run` stops a run early.
    pub checkpoint_every: Option<usize>,
    /// Where checkpoints go: `checkpoint_dir/epoch-N/`.
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the newest checkpoint in `checkpoint_dir`, if there is one.
    pub resume: bool,
    /// Show a progress bar (epoch, losses, rows/s) on stderr.
    pub progress: bool,
    /// Stop after this many epochs in this invocation (the run can be resumed later).
    pub max_epochs_this_run: Option<usize>,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Cpu,
            seed: 0,
            checkpoint_every: None,
            checkpoint_dir: None,
            resume: false,
            progress: false,
            max_epochs_this_run: None,
        }
    }
}

/// The seed of epoch `epoch` of a run seeded with `seed` (SplitMix64 of both), so each epoch's
/// random stream is fixed whatever happened before it: that is what makes resume exact.
pub fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    splitmix(seed ^ splitmix(epoch as u64 ^ 0x5EED_0000_0000_0000))
}

pub(crate) fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

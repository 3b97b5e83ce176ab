//! Run options: device, seed, checkpoints, progress.

use std::path::PathBuf;

use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{TrainError, TrainResult};

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
    /// Seed of the weight init, and (mixed with the block number) of every training block's
    /// device and host RNGs.
    pub seed: u64,
    /// Write a checkpoint every this many training blocks (epochs for CTGAN and TVAE) into
    /// `checkpoint_dir`. A checkpoint is also written when `max_blocks_this_run` stops a run
    /// early.
    pub checkpoint_every: Option<usize>,
    /// Where checkpoints go: `checkpoint_dir/block-N/`.
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the newest checkpoint in `checkpoint_dir`, if there is one.
    pub resume: bool,
    /// Show a progress bar (epoch, losses, rows/s) on stderr.
    pub progress: bool,
    /// Stop after this many blocks in this invocation (the run can be resumed later).
    pub max_blocks_this_run: Option<usize>,
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
            max_blocks_this_run: None,
        }
    }
}

impl TrainOptions {
    /// Checks the options before anything is allocated.
    ///
    /// # Errors
    /// A zero count, or checkpointing or resuming without a checkpoint directory.
    pub fn check(&self) -> TrainResult<()> {
        if self.checkpoint_every == Some(0) {
            return Err(TrainError::ZeroOption {
                name: "checkpoint_every",
            });
        }
        if self.checkpoint_every.is_some() && self.checkpoint_dir.is_none() {
            return Err(TrainError::CheckpointWithoutDir);
        }
        if self.resume && self.checkpoint_dir.is_none() {
            return Err(TrainError::ResumeWithoutDir);
        }
        if self.max_blocks_this_run == Some(0) {
            return Err(TrainError::ZeroOption {
                name: "max_blocks_this_run",
            });
        }
        Ok(())
    }
}

pub use synthkit_data::seed::{block_seed, splitmix};

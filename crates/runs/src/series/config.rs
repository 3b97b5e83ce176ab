//! The TOML configuration of a TimeGAN run, and loading its sequences.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use synthkit_data::sequence::{LongFormat, SequenceSet, read_long};
use synthkit_models::TimeGanConfig;
use synthkit_train::DeviceChoice;
use synthkit_train::series_metrics::{
    ClassifierOptions, DISCRIMINATIVE_ITERATIONS, PREDICTIVE_ITERATIONS,
};

use crate::config::read_toml;
use crate::error::{RunError, RunResult, WithContext};

/// The whole configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// Data files and columns.
    pub data: SeriesData,
    /// TimeGAN hyperparameters (defaults: the reference's).
    #[serde(default)]
    pub model: TimeGanConfig,
    /// Seed, device, output.
    #[serde(default)]
    pub train: SeriesTrain,
    /// Evaluation settings.
    #[serde(default)]
    pub eval: SeriesEval,
}

/// `[data]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesData {
    /// Long-format training file.
    pub train: PathBuf,
    /// Long-format held-out file (needed by `eval`'s augmentation benchmark).
    #[serde(default)]
    pub test: Option<PathBuf>,
    /// Sequence id column.
    pub id: String,
    /// Step column.
    pub time: String,
    /// Feature columns (default: every other numeric column).
    #[serde(default)]
    pub features: Vec<String>,
    /// Label column of labelled data.
    #[serde(default)]
    pub target: Option<String>,
    /// The rare label (needed for augmentation).
    #[serde(default)]
    pub positive: Option<String>,
    /// Window length (default: the full sequence).
    #[serde(default)]
    pub window: Option<usize>,
    /// Window stride (default 1).
    #[serde(default)]
    pub stride: Option<usize>,
    /// Rejoin sequences with consecutive integer ids (chunks of one long series, as
    /// `timegan_stock`) before cutting windows, so windows span chunk borders. Default false.
    #[serde(default)]
    pub join_consecutive: bool,
    /// Keep only this many sequences of the `positive` label from the training file: the
    /// scarce-failure setting in which augmentation is meant to help. The choice is fixed
    /// (seeded by [`RARE_TRAIN_SEED`], independent of `[train] seed`) and made before windowing;
    /// fit and eval see the same subset, and the held-out file is untouched. Default: all.
    #[serde(default)]
    pub rare_train: Option<usize>,
}

/// Seed of the `rare_train` choice.
pub const RARE_TRAIN_SEED: u64 = 2019;

impl SeriesData {
    fn format(&self) -> LongFormat {
        LongFormat {
            id: self.id.clone(),
            time: self.time.clone(),
            features: self.features.clone(),
            target: self.target.clone(),
        }
    }

    /// The training sequences, with `rare_train` applied, cut into windows.
    ///
    /// # Errors
    /// An unreadable file, a bad `rare_train` count, a window longer than the sequences.
    pub fn load_train(&self) -> RunResult<SequenceSet> {
        self.load_keeping(&self.train, self.rare_train)
    }

    /// The sequences of `path` (the held-out file), cut into windows as the training ones.
    ///
    /// # Errors
    /// An unreadable file, a window longer than the sequences.
    pub fn load(&self, path: &Path) -> RunResult<SequenceSet> {
        self.load_keeping(path, None)
    }

    fn load_keeping(&self, path: &Path, rare: Option<usize>) -> RunResult<SequenceSet> {
        let mut set = read_long(path, &self.format())
            .with_context(|| format!("reading sequences from `{}`", path.display()))?;
        if let Some(n) = rare {
            let Some(positive) = &self.positive else {
                return Err(RunError::RareTrainWithoutLabel);
            };
            let available = set.indices_of(positive)?.len();
            let labels = set.labels.as_ref().expect("indices_of checked the labels");
            let is_rare: Vec<bool> = labels.iter().map(|l| l == positive).collect();
            let keep =
                synthkit_data::split::keep_rare(&is_rare, n, RARE_TRAIN_SEED).ok_or_else(|| {
                    RunError::RareTrainCount {
                        asked: n,
                        path: path.to_path_buf(),
                        available,
                        unit: "sequences",
                        positive: positive.clone(),
                    }
                })?;
            tracing::info!(kept = n, of = available, label = %positive, "rare_train: scarce rare class");
            set = set.select(&keep);
        }
        let w = self.window.unwrap_or(set.seq_len);
        let stride = self.stride.unwrap_or(1);
        Ok(if self.join_consecutive {
            set.windows_joined(w, stride)?
        } else {
            set.windows(w, stride)?
        })
    }
}

/// `[train]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeriesTrain {
    /// `cpu` or `wgpu`. Default cpu.
    pub device: DeviceChoice,
    /// Seed. Default 42.
    pub seed: u64,
    /// Run directory. Default `runs/<config stem>`.
    pub out: Option<PathBuf>,
    /// Write a checkpoint (into `<out>/checkpoints`) every this many blocks of 100 iterations
    /// of a phase (0 = never). Default 5. The newest 3 are kept.
    pub checkpoint_every: usize,
}

impl Default for SeriesTrain {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Cpu,
            seed: 42,
            out: None,
            checkpoint_every: 5,
        }
    }
}

/// `[eval]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeriesEval {
    /// Repeats of every score (seeds 0..repeats). Default 10 (`metric_iteration`).
    pub repeats: usize,
    /// Discriminative-score iterations. Default 2000 (reference).
    pub discriminative_iterations: usize,
    /// Predictive-score iterations. Default 5000 (reference).
    pub predictive_iterations: usize,
    /// Lags of the autocorrelation fidelity. Default 5.
    pub max_lag: usize,
    /// Synthetic rare sequences added = `augment_ratio × (majority − minority)` training
    /// sequences. Default 1 (balance the classes, imbalanced-learn's `auto`).
    pub augment_ratio: f64,
    /// σ of the jitter baseline (on min-max scaled data). Default 0.03.
    pub jitter_sigma: f64,
    /// Crop ratio of the window-slicing baseline. Default 0.9.
    pub slice_ratio: f64,
    /// k of the flattened SMOTE baseline. Default 5.
    pub smote_k: usize,
    /// The downstream sequence classifier.
    pub classifier: ClassifierOptions,
}

impl Default for SeriesEval {
    fn default() -> Self {
        Self {
            repeats: 10,
            discriminative_iterations: DISCRIMINATIVE_ITERATIONS,
            predictive_iterations: PREDICTIVE_ITERATIONS,
            max_lag: 5,
            augment_ratio: 1.0,
            jitter_sigma: 0.03,
            slice_ratio: 0.9,
            smote_k: 5,
            classifier: ClassifierOptions::default(),
        }
    }
}

impl SeriesConfig {
    /// Reads and checks a config file.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML or an unknown key, an invalid `[model]` setting, a rare
    /// label without its column, zero `[eval] repeats`.
    pub fn load(path: &Path) -> RunResult<Self> {
        let cfg: SeriesConfig = read_toml(path)?;
        cfg.model
            .check()
            .with_context(|| format!("config `{}`, section [model]", path.display()))?;
        if cfg.data.positive.is_some() && cfg.data.target.is_none() {
            return Err(RunError::PositiveWithoutTarget {
                path: path.to_path_buf(),
                column: "label",
            });
        }
        if cfg.eval.repeats == 0 {
            return Err(RunError::InvalidSetting {
                path: path.to_path_buf(),
                reason: "[eval] repeats must be at least 1".into(),
            });
        }
        Ok(cfg)
    }

    /// The run directory: `[train] out`, or `runs/<config stem>`.
    pub fn out_dir(&self, config_path: &Path) -> PathBuf {
        crate::run_dir::out_dir(self.train.out.as_deref(), config_path)
    }
}

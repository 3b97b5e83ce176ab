//! The TOML run configuration of a tabular model: one file per experiment in `configs/`. Every
//! section is a serde struct with defaults and `deny_unknown_fields`, so a typo is an error
//! naming the key.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use synthkit_data::TransformerParams;
use synthkit_data::schema::SchemaOptions;
use synthkit_models::ModelConfig;
use synthkit_train::DeviceChoice;

use crate::error::{RunError, RunResult, WithContext};

/// A whole run configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Where the data is and how its columns are typed.
    pub data: DataSection,
    /// The reversible transform's parameters (defaults: CTGAN's).
    #[serde(default)]
    pub transform: TransformerParams,
    /// The model and its hyper-parameters (defaults: the paper's).
    pub model: ModelConfig,
    /// Device, seed, output directory, checkpoints.
    #[serde(default)]
    pub train: TrainSection,
}

/// The `[data]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// Training table (CSV or Parquet), relative to the working directory.
    pub train: PathBuf,
    /// Held-out test table, used by `eval`.
    #[serde(default)]
    pub test: Option<PathBuf>,
    /// The classification target column.
    #[serde(default)]
    pub target: Option<String>,
    /// The rare (positive) class of the target, as text.
    #[serde(default)]
    pub positive: Option<String>,
    /// Columns to treat as categorical (others are inferred).
    #[serde(default)]
    pub categorical: Vec<String>,
    /// Columns to treat as continuous.
    #[serde(default)]
    pub continuous: Vec<String>,
    /// Columns to treat as integer.
    #[serde(default)]
    pub integer: Vec<String>,
    /// Columns to treat as boolean.
    #[serde(default)]
    pub boolean: Vec<String>,
    /// Columns to treat as datetime.
    #[serde(default)]
    pub datetime: Vec<String>,
    /// Columns to leave out.
    #[serde(default)]
    pub drop: Vec<String>,
    /// An integer column with at most this many distinct values is inferred categorical (10).
    #[serde(default)]
    pub integer_categorical_max: Option<usize>,
}

impl DataSection {
    /// The column-typing options of this section.
    pub fn schema_options(&self) -> SchemaOptions {
        SchemaOptions {
            categorical: self.categorical.clone(),
            continuous: self.continuous.clone(),
            integer: self.integer.clone(),
            boolean: self.boolean.clone(),
            datetime: self.datetime.clone(),
            drop: self.drop.clone(),
            target: self.target.clone(),
            integer_categorical_max: self.integer_categorical_max,
        }
    }
}

/// The `[train]` section.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSection {
    /// `cpu` (burn-flex) or `wgpu` (GPU through Vulkan/Metal/DX12). Default `cpu`.
    pub device: DeviceChoice,
    /// Seed of every random draw (transform, batches, noise). Default 42.
    pub seed: u64,
    /// Directory the fitted model is written to. Default `runs/<config file stem>`.
    pub out: Option<PathBuf>,
    /// Write a checkpoint every this many training blocks (0 = never). Default 50.
    pub checkpoint_every: usize,
}

impl Default for TrainSection {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Cpu,
            seed: 42,
            out: None,
            checkpoint_every: 50,
        }
    }
}

impl RunConfig {
    /// Reads and validates a config file.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML or an unknown key ([`RunError::InvalidConfig`]), an
    /// invalid `[transform]` or `[model]` setting, or a rare class without its target column.
    pub fn load(path: &Path) -> RunResult<Self> {
        let cfg: RunConfig = read_toml(path)?;
        let section =
            |s: &'static str| move || format!("config `{}`, section [{s}]", path.display());
        cfg.transform.check().with_context(section("transform"))?;
        cfg.model.check().with_context(section("model"))?;
        if cfg.data.positive.is_some() && cfg.data.target.is_none() {
            return Err(RunError::PositiveWithoutTarget {
                path: path.to_path_buf(),
                column: "target",
            });
        }
        Ok(cfg)
    }

    /// The run directory: `[train] out`, or `runs/<config stem>`.
    pub fn out_dir(&self, config_path: &Path) -> PathBuf {
        crate::run_dir::out_dir(self.train.out.as_deref(), config_path)
    }
}

/// Reads a TOML config file into `T`: an unreadable file is [`RunError::ReadConfig`], a parse
/// error (invalid TOML, unknown or mistyped key) [`RunError::InvalidConfig`].
pub(crate) fn read_toml<T: DeserializeOwned>(path: &Path) -> RunResult<T> {
    let text = std::fs::read_to_string(path).map_err(|source| RunError::ReadConfig {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| RunError::InvalidConfig {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

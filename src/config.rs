//! The TOML run configuration: one file per experiment in `configs/`. Every section is a serde
//! struct with defaults and `deny_unknown_fields`, so a typo is an error naming the key.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use synthkit_data::TransformerParams;
use synthkit_data::schema::SchemaOptions;
use synthkit_models::ModelConfig;
use synthkit_train::DeviceChoice;

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
    /// Write a checkpoint every this many epochs (0 = never). Default 50.
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
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file `{}`", path.display()))?;
        let cfg: RunConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config `{}` is invalid: {e}", path.display()))?;
        cfg.transform
            .check()
            .with_context(|| format!("config `{}`, section [transform]", path.display()))?;
        cfg.model
            .check()
            .with_context(|| format!("config `{}`, section [model]", path.display()))?;
        if cfg.data.positive.is_some() && cfg.data.target.is_none() {
            bail!(
                "config `{}`: [data] sets `positive` but no `target`; name the target column",
                path.display()
            );
        }
        Ok(cfg)
    }

    /// The output directory: `[train] out`, or `runs/<config stem>`.
    pub fn out_dir(&self, config_path: &Path) -> PathBuf {
        self.train.out.clone().unwrap_or_else(|| {
            let stem = config_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            PathBuf::from("runs").join(stem.unwrap_or_else(|| "run".into()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped config loads and validates (paths relative to the repository root).
    #[test]
    fn shipped_configs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("configs");
        let mut tabddpm = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("bench-") {
                crate::bench::BenchConfig::load(&path)
                    .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
                continue;
            }
            if name.ends_with("-timegan.toml") {
                crate::series::SeriesConfig::load(&path)
                    .unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
                continue;
            }
            let cfg =
                RunConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
            if let ModelConfig::TabDdpm(_) = cfg.model {
                tabddpm += 1;
                assert_eq!(
                    cfg.transform.continuous,
                    synthkit_data::ContinuousEncoding::Quantile,
                    "{}",
                    path.display()
                );
            }
        }
        assert_eq!(tabddpm, 4);
    }
}

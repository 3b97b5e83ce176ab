//! The TOML run configuration of a tabular model: one file per experiment in `configs/`. Every
//! section is a serde struct with defaults and `deny_unknown_fields`, so a typo is an error
//! naming the key.

use std::path::{Path, PathBuf};

use polars::prelude::DataFrame;
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
    /// Keep only this many rows of the `positive` class from the training file (and every
    /// other row): the scarce-rare-class setting, where augmentation is meant to help. The
    /// choice is fixed by `rare_train_seed` (not by `[train] seed`), so fit and eval see the
    /// same subset; the test file is untouched. Default: all.
    #[serde(default)]
    pub rare_train: Option<usize>,
    /// Seed of the `rare_train` choice. Default 2019 (the series' choice seed).
    #[serde(default = "default_rare_seed")]
    pub rare_train_seed: u64,
}

fn default_rare_seed() -> u64 {
    crate::series::RARE_TRAIN_SEED
}

impl DataSection {
    /// The training table, with `rare_train` applied.
    ///
    /// # Errors
    /// An unreadable file; `rare_train` without `target` and `positive`, or asking for more
    /// rare rows than there are (or none).
    pub fn read_train(&self) -> RunResult<DataFrame> {
        let df = synthkit_data::io::read_table(&self.train)?;
        let Some(n) = self.rare_train else {
            return Ok(df);
        };
        let (Some(target), Some(positive)) = (&self.target, &self.positive) else {
            return Err(RunError::RareTrainWithoutLabel);
        };
        let labels = synthkit_data::transform::values::label_values(
            synthkit_data::transform::values::column(&df, target)?,
        )?;
        let is_rare: Vec<bool> = labels
            .iter()
            .map(|l| l.as_deref() == Some(positive.as_str()))
            .collect();
        let available = is_rare.iter().filter(|&&r| r).count();
        let keep = synthkit_data::split::keep_rare(&is_rare, n, self.rare_train_seed).ok_or_else(
            || RunError::RareTrainCount {
                asked: n,
                path: self.train.clone(),
                available,
                unit: "rows",
                positive: positive.clone(),
            },
        )?;
        tracing::info!(kept = n, of = available, class = %positive, "rare_train: scarce rare class");
        Ok(synthkit_data::split::take_rows(&df, &keep)?)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// `rare_train` on the shipped ai4i training split (7,000 rows, 237 failures): every
    /// majority row and exactly N failures, the same N on every read; too many is an error that
    /// names the count there is.
    #[test]
    fn rare_train_keeps_n_rare_rows_and_every_other_row() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let cfg = |n: Option<usize>| DataSection {
            train: root.join("datasets/ai4i_machine_failure/train.csv"),
            test: None,
            target: Some("Machine failure".into()),
            positive: Some("1".into()),
            categorical: vec![],
            continuous: vec![],
            integer: vec![],
            boolean: vec![],
            datetime: vec![],
            drop: vec![],
            integer_categorical_max: None,
            rare_train: n,
            rare_train_seed: 2019,
        };
        let failures = |df: &DataFrame| {
            synthkit_data::schema::class_counts(df, "Machine failure")
                .unwrap()
                .into_iter()
                .find(|(c, _)| c == "1")
                .map_or(0, |(_, n)| n)
        };
        let full = cfg(None).read_train().unwrap();
        assert_eq!((full.height(), failures(&full)), (7000, 237));
        let few = cfg(Some(50)).read_train().unwrap();
        assert_eq!((few.height(), failures(&few)), (7000 - 237 + 50, 50));
        assert!(few.equals(&cfg(Some(50)).read_train().unwrap()));
        let e = cfg(Some(300)).read_train().unwrap_err().to_string();
        assert!(
            e.contains("237 rows labelled `1`") && e.contains("choose 1 to 237"),
            "{e}"
        );
        let mut no_label = cfg(Some(5));
        no_label.positive = None;
        assert!(matches!(
            no_label.read_train().unwrap_err(),
            RunError::RareTrainWithoutLabel
        ));
    }
}

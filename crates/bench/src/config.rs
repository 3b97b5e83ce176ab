//! The bench configuration (`configs/bench-*.toml`): the data sets, the generator run configs of
//! each, and the settings every cell shares.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use synthkit_eval::classifier::ClassifierSpec;
use synthkit_eval::oversample::Oversampler;
use synthkit_eval::utility::UtilityConfig;
use synthkit_train::DeviceChoice;

use crate::error::{BenchError, BenchResult, WithContext};

/// A bench configuration (`configs/bench-*.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchConfig {
    /// Output directory. Default `benches/runs/<config file stem>`.
    #[serde(default)]
    pub out: Option<PathBuf>,
    /// Repetitions: sampling, oversampling and classifier seeds `0..seeds`. Default 3.
    #[serde(default = "default_seeds")]
    pub seeds: u64,
    /// Train every epoch-counted generator (CTGAN, TVAE) for at most this many epochs: a config
    /// with more is cut to this (shortened schedules for smoke runs or large data on few cores;
    /// the reports say so), one with fewer keeps its own. Step-counted (TabDDPM) and closed-form
    /// (the copula) generators keep their schedules.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Device for every generator, overriding their configs' `[train] device`.
    #[serde(default)]
    pub device: Option<DeviceChoice>,
    /// What the utility comparison runs; every key defaults to `synthkit eval`'s choice.
    #[serde(default)]
    pub utility: UtilitySection,
    /// The data sets, each with the generator configs to train and compare on it.
    pub datasets: Vec<BenchDataset>,
}

fn default_seeds() -> u64 {
    3
}

/// The `[utility]` section of a bench config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UtilitySection {
    /// Augmentation ratios k. Default 0.5, 1, 2, 3, 5.
    pub ratios: Option<Vec<f64>>,
    /// Oversampling baselines. Default: random, SMOTE, SMOTE-NC, Borderline-SMOTE, ADASYN.
    pub baselines: Option<Vec<Oversampler>>,
    /// Also run each baseline at imblearn's `auto` (balance the classes). Default true.
    pub baselines_auto: Option<bool>,
    /// Downstream classifiers. Default boosted trees and logistic regression.
    pub classifiers: Option<Vec<ClassifierSpec>>,
}

/// One data set of the matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchDataset {
    /// Name of the data set's output directory and report.
    pub name: String,
    /// Run configs (`configs/*.toml`), one per generator; they must name the same data.
    pub generators: Vec<PathBuf>,
}

/// The command-line switches of `bench`.
#[derive(Clone, Debug, Default)]
pub struct BenchFlags {
    /// Override the config's `out`.
    pub out: Option<PathBuf>,
    /// Only these data sets (by name); all when empty.
    pub only: Vec<String>,
    /// No progress bars.
    pub quiet: bool,
}

impl BenchConfig {
    /// Reads and validates a bench config.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML or an unknown key, zero seeds or epochs, no data sets,
    /// a badly named, repeated or empty data set, an invalid `[utility]` setting.
    pub fn load(path: &Path) -> BenchResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        let cfg: BenchConfig = toml::from_str(&text).map_err(|e| BenchError::InvalidConfig {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let invalid = |reason: String| {
            Err(BenchError::InvalidSetting {
                path: path.to_path_buf(),
                reason,
            })
        };
        if cfg.seeds == 0 {
            return invalid("`seeds` must be at least 1 (3 is the default)".into());
        }
        if cfg.epochs == Some(0) {
            return invalid("`epochs` must be at least 1, or left out".into());
        }
        if cfg.datasets.is_empty() {
            return invalid(
                "no data sets; add a [[datasets]] table with `name` and `generators`".into(),
            );
        }
        for (i, d) in cfg.datasets.iter().enumerate() {
            if d.name.is_empty()
                || !d
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return invalid(format!(
                    "data set #{} has name `{}`; use letters, digits, `-`, `_` or `.`",
                    i + 1,
                    d.name
                ));
            }
            if cfg.datasets[..i].iter().any(|o| o.name == d.name) {
                return invalid(format!("data set `{}` is listed twice", d.name));
            }
            if d.generators.is_empty() {
                return invalid(format!(
                    "data set `{}` has no generators; list run configs such as \"configs/{}.toml\"",
                    d.name, d.name
                ));
            }
        }
        cfg.utility_config("x", "x")
            .check()
            .with_context(|| format!("bench config `{}`, section [utility]", path.display()))?;
        Ok(cfg)
    }

    /// The results directory: `--out`, the config's `out`, or `benches/runs/<config stem>`.
    pub fn out_dir(&self, config_path: &Path, flags: &BenchFlags) -> PathBuf {
        flags.out.clone().or(self.out.clone()).unwrap_or_else(|| {
            let stem = config_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "bench".into());
            PathBuf::from("benches/runs").join(stem)
        })
    }

    /// The utility comparison of a data set with this rare class: the config's `[utility]` over
    /// its seeds, `synthkit eval`'s defaults for the rest.
    pub fn utility_config(&self, target: &str, positive: &str) -> UtilityConfig {
        let d = UtilityConfig::new(target, positive);
        let u = &self.utility;
        UtilityConfig {
            seeds: (0..self.seeds).collect(),
            ratios: u.ratios.clone().unwrap_or(d.ratios.clone()),
            baselines: u.baselines.clone().unwrap_or(d.baselines.clone()),
            baselines_auto: u.baselines_auto.unwrap_or(d.baselines_auto),
            classifiers: u.classifiers.clone().unwrap_or(d.classifiers.clone()),
            ..d
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use synthkit_models::ModelConfig;
    use synthkit_runs::RunConfig;
    use synthkit_runs::series::SeriesConfig;

    use super::BenchConfig;

    /// Every shipped config loads and validates (paths relative to the repository root).
    #[test]
    fn shipped_configs_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
        let mut tabddpm = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with("bench-") {
                BenchConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
                continue;
            }
            if name.ends_with("-timegan.toml") {
                SeriesConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
                continue;
            }
            let cfg =
                RunConfig::load(&path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
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

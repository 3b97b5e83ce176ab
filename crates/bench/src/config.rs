//! The bench configuration (`configs/bench-*.toml`): the data sets and their generators, the
//! scarcity levels and replicates, the training budget, and the arms every replicate compares.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use synthkit_eval::classifier::{ClassifierSpec, GbtParams};
use synthkit_eval::curate::CurationConfig;
use synthkit_eval::oversample::Oversampler;
use synthkit_train::DeviceChoice;

use crate::error::{BenchError, BenchResult, WithContext};
use crate::plan::Level;

/// A bench configuration (`configs/bench-*.toml`); see the crate docs for the protocol.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchConfig {
    /// Output directory. Default `benches/runs/<config file stem>`.
    #[serde(default)]
    pub out: Option<PathBuf>,
    /// Replicates per scarcity level: each keeps its own rare rows (below "all"), cuts its own
    /// validation part and trains every generator with its own seed. Default 5.
    #[serde(default = "default_replicates")]
    pub replicates: usize,
    /// Rare training rows kept per level (`"all"`: every one). Default
    /// `[25, 50, 100, 200, "all"]`; levels at or above a data set's rare rows are skipped (the
    /// report says so).
    #[serde(default = "default_scarcity")]
    pub scarcity: Vec<Level>,
    /// Share of each reduced training split held out (stratified) to choose on. Default 0.25.
    #[serde(default = "default_validation")]
    pub validation_fraction: f64,
    /// An equal training budget for every generator: this many passes over its training rows
    /// (epoch-counted models train `epochs` epochs, step-counted ones
    /// `ceil(epochs · rows / batch_size)` steps; the copula is fitted in closed form). Left out,
    /// every generator keeps its config's schedule (the papers' defaults). The report says which.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Device for every generator, overriding their configs' `[train] device`.
    #[serde(default)]
    pub device: Option<DeviceChoice>,
    /// Downstream classifiers; the first one makes every choice. Default: the boosted trees.
    #[serde(default = "default_classifiers")]
    pub classifiers: Vec<ClassifierSpec>,
    /// The arms compared on every replicate.
    #[serde(default)]
    pub arms: ArmsSection,
    /// The curation filter of the filtered arms.
    #[serde(default)]
    pub curation: CurationConfig,
    /// Drop generated rows that copy a real training row before they are used. Default true.
    #[serde(default = "yes")]
    pub drop_copies: bool,
    /// Rare rows each generator samples per row the largest ratio needs (the filter drops some;
    /// the rest is spare). Default 2.
    #[serde(default = "default_pool_factor")]
    pub pool_factor: f64,
    /// Unconditional rows sampled per generator fit for TSTR, fidelity, detection and privacy
    /// (at most the fit part's rows). Default 5000.
    #[serde(default = "default_full_rows")]
    pub full_rows: usize,
    /// How far, in units of the validation part's sampling error (`√(AP (1 − AP) / rare)` of
    /// the real rows' PR-AUC), the best generator arm must beat the real rows on validation for
    /// `augment` to add rows. Default 1 (pre-registered in
    /// `benches/results/preregistered/decline-margin.md`); 0 takes the plain maximum. Only the
    /// reports depend on it: changing it never invalidates finished cells.
    #[serde(default = "default_decline_margin")]
    pub decline_margin: f64,
    /// `committee (scarce)` keeps the best committee without the margin while a replicate's
    /// training rows hold at most this many rare rows, and declines as `committee (margin)`
    /// above. Default 1000 (the bound pre-registered in
    /// `benches/results/preregistered/committee-scarce.md`). Only the reports depend on it.
    #[serde(default = "default_force_below_rare_rows")]
    pub force_below_rare_rows: usize,
    /// The data sets, each with the generator configs to train and compare on it.
    pub datasets: Vec<BenchDataset>,
}

/// The `[arms]` section: which arms every replicate trains a classifier for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ArmsSection {
    /// Added rows per real rare row, for the oversamplers and the generators. Default
    /// `[0.1, 0.25, 0.5, 1, 2, 5]`.
    pub ratios: Vec<f64>,
    /// The SMOTE-family oversamplers. Default: random, SMOTE, SMOTE-NC, Borderline-SMOTE,
    /// ADASYN with imbalanced-learn's defaults.
    pub oversamplers: Vec<Oversampler>,
    /// Also each oversampler at imbalanced-learn's `auto` (balance the classes). Default true.
    pub oversample_auto: bool,
    /// A curated arm next to each plain generator arm. Default true.
    pub filter: bool,
    /// Sample weights below 1 of generated rows, each an arm next to the plain one (and with
    /// the filter when `filter`). Default `[0.5]`.
    pub weights: Vec<f64>,
    /// An arm from the condition-rejected pool for generators that generate the class (CTGAN,
    /// TVAE). Default true.
    pub reject: bool,
    /// Arms drawing equally from every generator. Default true.
    pub ensemble: bool,
    /// Committee arms: per variant ratio, one classifier per generator (trained as its
    /// one-generator arm, plain, filtered, and at each weight) with their probabilities
    /// averaged; with them their controls, ensembles without generated rows: one classifier per
    /// oversampler at each variant ratio, and as many classifiers as generators on bootstrap
    /// resamples of the real rows. Default false (left out of the stamp when false, so finished
    /// benches resume).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub committee: bool,
    /// The ratios at which the filter, weight, reject, ensemble and committee arms run.
    /// Default: every ratio.
    pub variant_ratios: Option<Vec<f64>>,
    /// A train-on-synthetic arm per generator (test stage only). Default true.
    pub tstr: bool,
}

impl Default for ArmsSection {
    fn default() -> Self {
        ArmsSection {
            ratios: vec![0.1, 0.25, 0.5, 1.0, 2.0, 5.0],
            oversamplers: Oversampler::defaults(),
            oversample_auto: true,
            filter: true,
            weights: vec![0.5],
            reject: true,
            ensemble: true,
            committee: false,
            variant_ratios: None,
            tstr: true,
        }
    }
}

impl ArmsSection {
    /// The ratios of the variant arms.
    pub fn variant_ratios(&self) -> &[f64] {
        self.variant_ratios.as_deref().unwrap_or(&self.ratios)
    }

    /// The largest ratio any arm uses.
    pub fn max_ratio(&self) -> f64 {
        self.ratios
            .iter()
            .chain(self.variant_ratios())
            .copied()
            .fold(0.0, f64::max)
    }
}

fn default_replicates() -> usize {
    5
}

fn default_scarcity() -> Vec<Level> {
    vec![
        Level::Count(25),
        Level::Count(50),
        Level::Count(100),
        Level::Count(200),
        Level::All,
    ]
}

pub(crate) fn default_validation() -> f64 {
    0.25
}

pub(crate) fn default_classifiers() -> Vec<ClassifierSpec> {
    vec![ClassifierSpec::GradientBoosting(GbtParams::default())]
}

pub(crate) fn yes() -> bool {
    true
}

pub(crate) fn default_pool_factor() -> f64 {
    2.0
}

pub(crate) fn default_decline_margin() -> f64 {
    1.0
}

/// The bound of the bench's `committee (scarce)` method.
pub const SCARCE_RARE_ROWS: usize = 1000;

fn default_force_below_rare_rows() -> usize {
    SCARCE_RARE_ROWS
}

fn default_full_rows() -> usize {
    5000
}

/// A generator of a data set: its run config, at every level of the data set or only at some.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GeneratorEntry {
    /// A run config (`configs/*.toml`), trained at every level.
    Config(PathBuf),
    /// A run config with a name of its own in the reports, or trained only at the levels
    /// listed (e.g. a slow model at `"all"` only).
    Table {
        /// The run config.
        config: PathBuf,
        /// Its name in the reports (default: its model kind, or the config's file stem when
        /// two generators of a data set share a kind).
        #[serde(default)]
        name: Option<String>,
        /// The levels it trains at (default: every level of the data set).
        #[serde(default)]
        scarcity: Option<Vec<Level>>,
    },
}

impl GeneratorEntry {
    /// Its run config.
    pub fn path(&self) -> &Path {
        match self {
            GeneratorEntry::Config(p) | GeneratorEntry::Table { config: p, .. } => p,
        }
    }

    /// The levels it is limited to, if any.
    pub fn levels(&self) -> Option<&[Level]> {
        match self {
            GeneratorEntry::Config(_) => None,
            GeneratorEntry::Table { scarcity, .. } => scarcity.as_deref(),
        }
    }

    /// The name it was given, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            GeneratorEntry::Config(_) => None,
            GeneratorEntry::Table { name, .. } => name.as_deref(),
        }
    }
}

impl From<PathBuf> for GeneratorEntry {
    fn from(p: PathBuf) -> Self {
        GeneratorEntry::Config(p)
    }
}

/// One data set of the bench.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchDataset {
    /// Name of the data set's output directory and report.
    pub name: String,
    /// Run configs (`configs/*.toml`), one per generator, each a path or
    /// `{ config = "…", name = "…", scarcity = ["all"] }`; they must name the same data.
    pub generators: Vec<GeneratorEntry>,
    /// This data set's scarcity levels, instead of the bench's.
    #[serde(default)]
    pub scarcity: Option<Vec<Level>>,
    /// This data set's replicates per level, instead of the bench's.
    #[serde(default)]
    pub replicates: Option<usize>,
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
    /// Run no cell: assemble the reports from the replicates that have finished (for results
    /// while a long bench still runs).
    pub assemble_only: bool,
}

impl BenchConfig {
    /// Reads and validates a bench config.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML or an unknown key, a setting out of range, no data
    /// sets, a badly named, repeated or empty data set, an invalid curation setting.
    pub fn load(path: &Path) -> BenchResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        let cfg: BenchConfig = toml::from_str(&text).map_err(|e| BenchError::InvalidConfig {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        cfg.check_settings()
            .map_err(|reason| BenchError::InvalidSetting {
                path: path.to_path_buf(),
                reason,
            })?;
        cfg.curation
            .check()
            .with_context(|| format!("bench config `{}`, section [curation]", path.display()))?;
        Ok(cfg)
    }

    /// The settings' ranges, as a message naming the key and the fix.
    pub(crate) fn check_settings(&self) -> Result<(), String> {
        if self.replicates == 0 {
            return Err("`replicates` must be at least 1 (5 is the default)".into());
        }
        if self.scarcity.is_empty() {
            return Err("`scarcity` is empty; list levels such as [25, 50, \"all\"]".into());
        }
        if !(self.validation_fraction > 0.0 && self.validation_fraction < 0.9) {
            return Err(format!(
                "`validation_fraction` is {}; use a share in (0, 0.9), e.g. 0.25",
                self.validation_fraction
            ));
        }
        if self.epochs == Some(0) {
            return Err("`epochs` must be at least 1, or left out (paper schedules)".into());
        }
        if self.classifiers.is_empty() {
            return Err("`classifiers` is empty; give at least one (the first chooses)".into());
        }
        let a = &self.arms;
        if a.ratios.is_empty()
            || a.ratios
                .iter()
                .chain(a.variant_ratios())
                .any(|r| !(r.is_finite() && *r > 0.0))
        {
            return Err(
                "[arms] ratios must be finite and > 0, e.g. [0.1, 0.25, 0.5, 1, 2, 5]".into(),
            );
        }
        if a.weights.iter().any(|w| !(*w > 0.0 && *w <= 1.0)) {
            return Err("[arms] weights must be in (0, 1], e.g. [0.5]".into());
        }
        if !(self.pool_factor >= 1.0 && self.pool_factor.is_finite()) {
            return Err(format!(
                "`pool_factor` is {}; use at least 1 (2 is the default)",
                self.pool_factor
            ));
        }
        if !(self.decline_margin >= 0.0 && self.decline_margin.is_finite()) {
            return Err(format!(
                "`decline_margin` is {}; use a finite number ≥ 0 (1 is the default, 0 the plain \
                 maximum)",
                self.decline_margin
            ));
        }
        if self.full_rows < 2 {
            return Err("`full_rows` must be at least 2 (5000 is the default)".into());
        }
        if self.datasets.is_empty() {
            return Err(
                "no data sets; add a [[datasets]] table with `name` and `generators`".into(),
            );
        }
        for (i, d) in self.datasets.iter().enumerate() {
            if d.name.is_empty()
                || !d
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                return Err(format!(
                    "data set #{} has name `{}`; use letters, digits, `-`, `_` or `.`",
                    i + 1,
                    d.name
                ));
            }
            if self.datasets[..i].iter().any(|o| o.name == d.name) {
                return Err(format!("data set `{}` is listed twice", d.name));
            }
            if d.generators.is_empty() {
                return Err(format!(
                    "data set `{}` has no generators; list run configs such as \"configs/{}.toml\"",
                    d.name, d.name
                ));
            }
            if d.replicates == Some(0) || d.scarcity.as_ref().is_some_and(Vec::is_empty) {
                return Err(format!(
                    "data set `{}`: `replicates` must be at least 1 and `scarcity` not empty",
                    d.name
                ));
            }
        }
        Ok(())
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

    /// The scarcity levels of data set `d`.
    pub fn levels(&self, d: &BenchDataset) -> Vec<Level> {
        d.scarcity.clone().unwrap_or_else(|| self.scarcity.clone())
    }

    /// The replicates per level of data set `d`.
    pub fn replicates_of(&self, d: &BenchDataset) -> usize {
        d.replicates.unwrap_or(self.replicates)
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use synthkit_models::ModelConfig;
    use synthkit_runs::RunConfig;
    use synthkit_runs::series::SeriesConfig;

    use super::*;

    /// Every shipped config loads and validates (paths relative to the repository root); every
    /// TabDDPM config uses TabDDPM's quantile encoding.
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
            if name.starts_with("augment-") {
                crate::AugmentConfig::load(&path)
                    .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
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
        // Per shared tabular set: the base config, T = 100 and a reference-tuned preset; and
        // T = 100 for C-MAPSS read as a table (configs/cmapss_rows-*.toml).
        assert_eq!(tabddpm, 4 * 3 + 1);
    }

    #[test]
    fn defaults_and_bad_settings() {
        let ok = |extra: &str| {
            toml::from_str::<BenchConfig>(&format!(
                "{extra}\n[[datasets]]\nname = \"a\"\ngenerators = [\"x.toml\"]\n"
            ))
            .map_err(|e| e.to_string())
            .and_then(|c| c.check_settings().map(|()| c))
        };
        let c = ok("").unwrap();
        assert_eq!(c.replicates, 5);
        assert_eq!(c.scarcity.len(), 5);
        assert_eq!(c.arms.max_ratio(), 5.0);
        assert!(ok("replicates = 0").unwrap_err().contains("replicates"));
        assert!(
            ok("validation_fraction = 1.5")
                .unwrap_err()
                .contains("validation_fraction")
        );
        assert!(ok("epochs = 0").unwrap_err().contains("epochs"));
        assert!(
            ok("[arms]\nweights = [2.0]")
                .unwrap_err()
                .contains("weights")
        );
        assert!(ok("scarcity = [\"most\"]").unwrap_err().contains("most"));
        assert!(ok("seeds = 3").unwrap_err().contains("seeds"));
    }
}

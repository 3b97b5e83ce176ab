//! What the cells of a bench write: one JSON file per finished cell, and
//! `bench.resolved.toml`, the settings every cell of a data set shares.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use synthkit_eval::fidelity::{DetectionScore, FidelityReport};
use synthkit_eval::privacy::PrivacyReport;
use synthkit_train::ConditionReport;

use crate::config::BenchConfig;

/// One generator's fidelity, detection and privacy on a replicate
/// (`<replicate>/cells/quality-<generator>.json`), from its unconditional rows.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QualityCell {
    /// Column shapes and pair trends, overall and on the rare class (vs real test rows).
    pub fidelity: FidelityReport,
    /// The fit part vs synthetic, cross-validated (0.5 = indistinguishable).
    pub detection: DetectionScore,
    /// Distances to the fit part's rows (holdout: the real test rows).
    pub privacy: PrivacyReport,
}

/// What one generator sampled on a replicate (`<replicate>/cells/sample-<generator>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleCell {
    /// Rare rows generated with the condition forced, and how the condition was met.
    pub forced: ConditionReport,
    /// Seconds they took.
    pub seconds_forced: f64,
    /// Rare rows generated with the condition rejected (generators that generate the class).
    pub rejected: Option<ConditionReport>,
    /// Why there is no rejected pool although the generator can reject (its acceptance was too
    /// low to fill it).
    pub reject_failed: Option<String>,
    /// Seconds the rejected pool took.
    pub seconds_rejected: f64,
    /// Unconditional rows.
    pub rows_full: usize,
    /// Seconds they took.
    pub seconds_full: f64,
}

/// What `bench.resolved.toml` records: the settings every cell of a data set shares; a resumed
/// bench must match it.
#[derive(Clone, Debug, Serialize)]
pub struct ResolvedDataset {
    /// The real training table.
    pub train: PathBuf,
    /// The real test table.
    pub test: PathBuf,
    /// The bench settings (without the data set list).
    pub bench: BenchSettings,
}

/// The settings of a bench config that shape every cell.
#[derive(Clone, Debug, Serialize)]
pub struct BenchSettings {
    /// See [`BenchConfig::validation_fraction`].
    pub validation_fraction: f64,
    /// See [`BenchConfig::epochs`].
    pub epochs: Option<usize>,
    /// See [`BenchConfig::classifiers`].
    pub classifiers: Vec<synthkit_eval::classifier::ClassifierSpec>,
    /// See [`BenchConfig::arms`].
    pub arms: crate::config::ArmsSection,
    /// See [`BenchConfig::curation`].
    pub curation: synthkit_eval::curate::CurationConfig,
    /// See [`BenchConfig::drop_copies`].
    pub drop_copies: bool,
    /// See [`BenchConfig::pool_factor`].
    pub pool_factor: f64,
    /// See [`BenchConfig::full_rows`].
    pub full_rows: usize,
}

impl BenchSettings {
    /// The settings of `cfg`.
    pub fn of(cfg: &BenchConfig) -> Self {
        BenchSettings {
            validation_fraction: cfg.validation_fraction,
            epochs: cfg.epochs,
            classifiers: cfg.classifiers.clone(),
            arms: cfg.arms.clone(),
            curation: cfg.curation.clone(),
            drop_copies: cfg.drop_copies,
            pool_factor: cfg.pool_factor,
            full_rows: cfg.full_rows,
        }
    }
}

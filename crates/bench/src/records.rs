//! What the cells of a bench write (one JSON file per finished cell in `<data set>/cells/`), and
//! `bench.resolved.toml`, the settings every cell of a data set shares.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use synthkit_eval::fidelity::{DetectionScore, FidelityReport};
use synthkit_eval::privacy::PrivacyReport;
use synthkit_eval::utility::UtilityConfig;

/// What a bench cell wrote about one generator's fidelity, privacy and sampling
/// (`cells/quality-<generator>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QualityCell {
    /// Column shapes and pair trends, overall and on the rare class (vs real test rows).
    pub fidelity: FidelityReport,
    /// Real train vs synthetic, cross-validated (0.5 = indistinguishable).
    pub detection: DetectionScore,
    /// Distances to the training rows.
    pub privacy: PrivacyReport,
}

/// Sampling sizes and timings of one generator and seed
/// (`cells/samples-<generator>-seed<s>.json`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SampleCell {
    /// Rows of the unconditional sample (as many as the real training rows).
    pub rows_full: usize,
    /// Rows of the rare-class sample.
    pub rows_rare: usize,
    /// Seconds the unconditional sample took.
    pub seconds_full: f64,
    /// Seconds the rare-class sample took.
    pub seconds_rare: f64,
}

/// What `bench.resolved.toml` records: the settings every cell of a data set shares; a resumed
/// bench must match it.
#[derive(Clone, Debug, Serialize)]
pub struct ResolvedDataset {
    /// The real training table.
    pub train: PathBuf,
    /// The real test table.
    pub test: PathBuf,
    /// Seeds `0..seeds`.
    pub seeds: u64,
    /// The bench's epochs cap.
    pub epochs: Option<usize>,
    /// The utility comparison.
    pub utility: UtilityConfig,
}

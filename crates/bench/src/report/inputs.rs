//! What a data set's report is drawn from: its assembled results, and the reference replicate's
//! generators (fit record, losses, quality, rows) for the training, marginal and pair-trend
//! sections.

use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_runs::FitRecord;
use synthkit_train::BlockLosses;

use crate::dataset::DatasetResults;
use crate::plan::Replicate;
use crate::records::QualityCell;

/// One generator on the reference replicate.
pub struct GeneratorReport {
    /// Its name in the bench (model kind, or config stem).
    pub name: String,
    /// `ctgan`, `tvae`, ...
    pub kind: String,
    /// Sizes and timings of its fit (`fit.json`).
    pub fit: FitRecord,
    /// Loss history, one record per training block (`losses.csv`).
    pub losses: Vec<BlockLosses>,
    /// Fidelity, detection, privacy of its unconditional rows.
    pub quality: QualityCell,
    /// Rows of its unconditional sample.
    pub sample_rows: usize,
    /// Seconds the unconditional sample took.
    pub sample_seconds: f64,
    /// Its unconditional rows.
    pub full: DataFrame,
    /// Its rare-class rows (condition forced).
    pub rare: DataFrame,
}

/// Everything the report of one data set shows.
pub struct DatasetReport {
    /// The data set's name.
    pub name: String,
    /// Target column.
    pub target: String,
    /// Its rare class.
    pub positive: String,
    /// The assembled results of every level.
    pub results: DatasetResults,
    /// The replicate the training, marginal and pair-trend sections show (replicate 0 of the
    /// last level, `all` by default).
    pub reference: Replicate,
    /// The generators on the reference replicate.
    pub generators: Vec<GeneratorReport>,
    /// Real test rows.
    pub test: DataFrame,
    /// Column types.
    pub schema: Schema,
}

//! What a data set's report is drawn from: the assembled results of its cells.

use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_eval::utility::UtilityReport;
use synthkit_runs::FitRecord;
use synthkit_train::BlockLosses;

use crate::records::QualityCell;

/// One generator's results on a data set.
pub struct GeneratorReport {
    /// Its name in the bench (model kind, or config stem).
    pub name: String,
    /// `ctgan`, `tvae`, ...
    pub kind: String,
    /// Sizes and timings of its fit (`fit.json`).
    pub fit: FitRecord,
    /// Loss history, one record per training block (`losses.csv`).
    pub losses: Vec<BlockLosses>,
    /// Fidelity, detection, privacy (seed 0).
    pub quality: QualityCell,
    /// Rows of the seed-0 unconditional sample.
    pub sample_rows: usize,
    /// Seconds the seed-0 unconditional sample took.
    pub sample_seconds: f64,
    /// Seed-0 unconditional sample.
    pub full: DataFrame,
    /// Seed-0 rare-class sample.
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
    /// The bench's epoch override, if any (then the report is a smoke run).
    pub epochs_override: Option<usize>,
    /// All classifier runs, summarised.
    pub utility: UtilityReport,
    /// The generators.
    pub generators: Vec<GeneratorReport>,
    /// Real test rows.
    pub test: DataFrame,
    /// Column types.
    pub schema: Schema,
}

//! `synthkit sample`: rows from the fitted tabular model of a run directory, streamed to a file.

use std::path::Path;

use synthkit_data::io::write_table_stream;
use synthkit_train::{DeviceChoice, FittedModel};

use crate::error::{RunError, RunResult};
use crate::run_dir::load_model;

/// What to sample from a run and where to write it.
#[derive(Clone, Debug)]
pub struct SampleRequest<'a> {
    /// The run directory (or its `model/`).
    pub run: &'a Path,
    /// Number of rows.
    pub rows: usize,
    /// Only rows with this `(column, value)`, exactly `rows` of them.
    pub condition: Option<(&'a str, &'a str)>,
    /// Seed of the sampling noise.
    pub seed: u64,
    /// Output file (`.csv` or `.parquet`).
    pub out: &'a Path,
    /// Overwrite `out` if it exists.
    pub force: bool,
    /// Where to run the model.
    pub device: DeviceChoice,
}

/// Samples `req.rows` rows (of one class with a condition) from the run's model and writes them
/// to `req.out`; returns the number of rows written.
///
/// # Errors
/// An existing output without `force`, a run without a model, a condition the model cannot
/// honour, an unwritable output.
pub fn sample_to_file(req: &SampleRequest<'_>) -> RunResult<usize> {
    if req.out.exists() && !req.force {
        return Err(RunError::OutputExists {
            path: req.out.to_path_buf(),
        });
    }
    let (model, _) = load_model::<FittedModel>(req.run, req.device)?;
    // Streamed: the rows are decoded and written frame by frame while the network generates
    // the next ones, so a million rows never sit in memory at once.
    let rows = write_table_stream(req.out, req.force, |sink| {
        model
            .sample_stream(req.rows, req.seed, req.condition, sink)
            .map(|_| ())
            .map_err(RunError::from)
    })?;
    tracing::info!(rows, out = %req.out.display(), "samples written");
    Ok(rows)
}

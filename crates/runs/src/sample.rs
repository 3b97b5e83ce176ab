//! `synthkit sample`: rows from the fitted tabular model of a run directory, written to a file.

use std::path::Path;

use synthkit_data::io::write_table;
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
    let df = match req.condition {
        None => model.sample(req.rows, req.seed)?,
        Some((column, value)) => model.sample_where(column, value, req.rows, req.seed)?,
    };
    write_table(&df, req.out, req.force)?;
    tracing::info!(rows = df.height(), out = %req.out.display(), "samples written");
    Ok(df.height())
}

//! `fit.json`: the record of one tabular fit (sizes and timings), written by [`crate::fit()`] and
//! read back by the bench report through this one type.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::RunResult;
use crate::json::{read_json, write_json};

/// The file name of the record in a run directory.
pub const FIT_RECORD: &str = "fit.json";

/// Timings and sizes of one `synthkit fit`, stored as `<run>/fit.json`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FitRecord {
    /// Training rows.
    pub rows: usize,
    /// Width of the encoded matrix.
    pub encoded_dim: usize,
    /// Width of the condition vector.
    pub cond_dim: usize,
    /// Reading and typing the training table, seconds.
    pub load_seconds: f64,
    /// Transformer (mixture) fit, seconds.
    pub transformer_fit_seconds: f64,
    /// Transformer fit per column, `(column, seconds)`.
    pub transformer_fit_seconds_per_column: Vec<(String, f64)>,
    /// Encoding the training table, seconds.
    pub transform_seconds: f64,
    /// Training, seconds (this run; a resumed fit counts only its own part).
    pub train_seconds: f64,
    /// Training blocks in the loss history (epochs for CTGAN and TVAE).
    pub epochs: usize,
    /// Optimiser steps of a step-counted model (TabDDPM), for seconds per 1000 steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<usize>,
    /// Device name (`cpu`, `wgpu`).
    pub device: String,
}

impl FitRecord {
    /// Writes the record into the run directory `run`.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, run: &Path) -> RunResult<()> {
        write_json(&run.join(FIT_RECORD), self)
    }

    /// Reads the record of the run directory `run`.
    ///
    /// # Errors
    /// The file is missing or damaged.
    pub fn read(run: &Path) -> RunResult<Self> {
        read_json(&run.join(FIT_RECORD))
    }

    /// Training seconds per 1000 optimiser steps, for models that count steps (TabDDPM); `None`
    /// for the others.
    pub fn seconds_per_1000_steps(&self) -> Option<f64> {
        match self.steps {
            Some(s) if s > 0 => Some(self.train_seconds / s as f64 * 1000.0),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_reads_back_what_it_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let rec = FitRecord {
            rows: 10,
            transformer_fit_seconds_per_column: vec![("a".into(), 0.5)],
            train_seconds: 45.0,
            epochs: 2,
            steps: Some(200),
            device: "cpu".into(),
            ..FitRecord::default()
        };
        rec.write(tmp.path()).unwrap();
        let text = std::fs::read_to_string(tmp.path().join(FIT_RECORD)).unwrap();
        assert!(text.contains("\"transformer_fit_seconds_per_column\": [\n    [\n      \"a\""));
        assert_eq!(FitRecord::read(tmp.path()).unwrap(), rec);
        assert_eq!(rec.seconds_per_1000_steps(), Some(225.0));
        let no_steps = FitRecord { steps: None, ..rec };
        no_steps.write(tmp.path()).unwrap();
        let text = std::fs::read_to_string(tmp.path().join(FIT_RECORD)).unwrap();
        assert!(!text.contains("steps\""), "{text}");
        assert_eq!(FitRecord::read(tmp.path()).unwrap(), no_steps);
    }
}

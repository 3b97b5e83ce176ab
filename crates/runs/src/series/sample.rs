//! `synthkit series sample`: whole sequences from a run's TimeGAN, written in long format.

use std::path::Path;

use synthkit_data::io::write_table;
use synthkit_data::sequence::LongFormat;
use synthkit_train::{DeviceChoice, FittedTimeGan};

use crate::error::{RunError, RunResult};
use crate::run_dir::load_model;

/// What to sample from a TimeGAN run and where to write it.
#[derive(Clone, Debug)]
pub struct SequenceRequest<'a> {
    /// The run directory (or its `model/`).
    pub run: &'a Path,
    /// Number of sequences.
    pub sequences: usize,
    /// Only sequences of this label, exactly `sequences` of them.
    pub label: Option<&'a str>,
    /// Seed of the noise.
    pub seed: u64,
    /// Output file (`.csv` or `.parquet`), long format.
    pub out: &'a Path,
    /// Overwrite `out` if it exists.
    pub force: bool,
}

/// Samples the requested sequences on the CPU and writes them in long format (columns `seq_id`,
/// `t`, the features, and `label` for labelled models); returns the number of sequences.
///
/// # Errors
/// An existing output without `force`, a run without a TimeGAN, an unknown label.
pub fn sample_sequences(req: &SequenceRequest<'_>) -> RunResult<usize> {
    if req.out.exists() && !req.force {
        return Err(RunError::OutputExists {
            path: req.out.to_path_buf(),
        });
    }
    let (model, _) = load_model::<FittedTimeGan>(req.run, DeviceChoice::Cpu)?;
    let set = match req.label {
        None => model.sample(req.sequences, req.seed)?,
        Some(l) => model.sample_where(l, req.sequences, req.seed)?,
    };
    // Column names of the training config are not stored with the model: use generic ones.
    let format = LongFormat {
        id: "seq_id".into(),
        time: "t".into(),
        features: vec![],
        target: set.labels.as_ref().map(|_| "label".to_string()),
    };
    let df = set.to_long(&format)?;
    write_table(&df, req.out, req.force)?;
    tracing::info!(sequences = set.len(), out = %req.out.display(), "sequences written");
    Ok(set.len())
}

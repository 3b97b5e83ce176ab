//! The error type at the boundary of the train crate.

use std::path::PathBuf;

use synthkit_data::DataError;
use synthkit_models::ModelError;
use thiserror::Error;

/// What can go wrong while training, checkpointing, saving, loading or sampling.
#[derive(Debug, Error)]
pub enum TrainError {
    /// Invalid hyperparameters.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A data error (bad condition, inverse transform failure, ...).
    #[error(transparent)]
    Data(#[from] DataError),
    /// A loss became NaN or infinite: training stops rather than return a garbage model.
    #[error(
        "training diverged at epoch {epoch}: the {loss} loss is {value}. Lower the learning rate(s) (try dividing them by 10), check the data for extreme or broken values, or try another seed"
    )]
    NonFinite {
        /// Epoch (0-based) in which the loss went non-finite.
        epoch: usize,
        /// Which loss.
        loss: String,
        /// Its value.
        value: f64,
    },
    /// Sampling produced NaN or infinite values (TabDDPM's `FoundNANsError`).
    #[error(
        "{model} generated {count} non-finite values; the model is broken (train longer or with a lower learning rate, or retrain with another seed)"
    )]
    NonFiniteSample {
        /// Which model.
        model: &'static str,
        /// How many values.
        count: usize,
    },
    /// The training matrix does not match the transformer.
    #[error(
        "the training matrix has {got} columns but the transformer's layout has {expected}; encode the training table with this same transformer"
    )]
    ShapeMismatch {
        /// Layout width.
        expected: usize,
        /// Matrix width.
        got: usize,
    },
    /// No training rows.
    #[error("the training matrix has no rows; a model needs data to learn from")]
    EmptyData,
    /// File-system error.
    #[error("I/O error on `{path}`: {source}")]
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// burn could not read or write a weights file.
    #[error(
        "cannot read or write the weights file `{path}`: {reason}. The file may be truncated or written by another synthkit version; retrain or restore it from a backup"
    )]
    Record {
        /// The file.
        path: PathBuf,
        /// burn's message.
        reason: String,
    },
    /// The target model directory already exists.
    #[error(
        "`{path}` already exists; choose another output directory or save with overwrite = true"
    )]
    Exists {
        /// The directory.
        path: PathBuf,
    },
    /// A directory that should hold a model or checkpoint does not.
    #[error("`{path}` is not a usable synthkit model or checkpoint: {reason}")]
    BadModelDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A checkpoint does not match the current run.
    #[error(
        "cannot resume from `{path}`: {reason}. Resume with the same model config and data, or start over without resume (or with another checkpoint_dir)"
    )]
    CheckpointMismatch {
        /// The checkpoint directory.
        path: PathBuf,
        /// What differs.
        reason: String,
    },
    /// The options are inconsistent.
    #[error("invalid training options: {0}")]
    Options(String),
    /// The model cannot honour the requested condition.
    #[error("cannot sample with `{column} = {value}`: {reason}")]
    Unconditionable {
        /// Column.
        column: String,
        /// Value.
        value: String,
        /// Why, with a fix.
        reason: String,
    },
}

impl TrainError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn record(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        Self::Record {
            path: path.into(),
            reason: e.to_string(),
        }
    }
}

/// Result alias of the train crate.
pub type TrainResult<T> = Result<T, TrainError>;

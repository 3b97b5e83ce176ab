//! The error type at the boundary of the train crate.

use std::path::PathBuf;

use synthkit_data::DataError;
use synthkit_data::sequence::SequenceError;
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
    /// A time-series error (unlabelled set, unknown label, ...).
    #[error(transparent)]
    Sequence(#[from] SequenceError),
    /// A loss became NaN or infinite: training stops rather than return a garbage model.
    #[error(
        "training diverged in block {block}: the {loss} loss is {value}. Lower the learning rate(s) (try dividing them by 10), check the data for extreme or broken values, or try another seed"
    )]
    NonFinite {
        /// Training block (0-based; an epoch for CTGAN and TVAE) in which the loss went
        /// non-finite.
        block: usize,
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
    /// `resume` without a checkpoint directory.
    #[error("resume needs a checkpoint directory to resume from; set checkpoint_dir")]
    ResumeWithoutDir,
    /// `checkpoint_every` without a checkpoint directory.
    #[error("checkpoint_every needs a checkpoint directory to write into; set checkpoint_dir")]
    CheckpointWithoutDir,
    /// A count option that must be positive is 0.
    #[error("{name} must be at least 1, got 0")]
    ZeroOption {
        /// The option.
        name: &'static str,
    },
    /// The data was encoded in a way the model cannot train on.
    #[error("{model} cannot train on this encoding: {reason}")]
    WrongEncoding {
        /// The model.
        model: &'static str,
        /// What is wrong, with the fix.
        reason: &'static str,
    },
    /// Every column is the label: nothing is left to generate.
    #[error(
        "{model} needs at least one column besides the target to generate; add feature columns or drop the class conditioning"
    )]
    NothingToGenerate {
        /// The model.
        model: &'static str,
    },
    /// A tensor could not be read back from the device.
    #[error("reading {what} back from the device failed: {reason}")]
    DeviceRead {
        /// What was being read.
        what: &'static str,
        /// The backend's message.
        reason: String,
    },
    /// TimeGAN needs sequences of at least two steps.
    #[error(
        "sequences of {steps} step(s) are too short: TimeGAN's supervisor predicts the next step, so it needs at least 2"
    )]
    SequenceTooShort {
        /// Steps per sequence.
        steps: usize,
    },
    /// Real and synthetic sequences of different shapes.
    #[error(
        "real sequences are {real_steps} steps × {real_features} features but synthetic ones {syn_steps} × {syn_features}; sample from a model trained on this data"
    )]
    SequenceShapes {
        /// Steps of a real sequence.
        real_steps: usize,
        /// Features of a real sequence.
        real_features: usize,
        /// Steps of a synthetic sequence.
        syn_steps: usize,
        /// Features of a synthetic sequence.
        syn_features: usize,
    },
    /// Too few sequences for a score.
    #[error(
        "{what} needs at least {needed} real and {needed} synthetic sequences; got {real} and {synthetic}"
    )]
    TooFewSequences {
        /// The score.
        what: &'static str,
        /// The minimum of each.
        needed: usize,
        /// Real sequences given.
        real: usize,
        /// Synthetic sequences given.
        synthetic: usize,
    },
    /// Rejection sampling kept fewer adhering rows than asked within its draw budget.
    #[error(
        "condition = \"reject\": only {accepted} of {drawn} generated rows had `{column} = {value}` (acceptance {rate:.2} %), fewer than the {needed} asked for. The model rarely generates that class: use condition = \"force\", train longer, or ask for fewer rows"
    )]
    RejectExhausted {
        /// Column.
        column: String,
        /// Value.
        value: String,
        /// Rows kept.
        accepted: usize,
        /// Rows generated.
        drawn: usize,
        /// Rows asked for.
        needed: usize,
        /// Acceptance in percent.
        rate: f64,
    },
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

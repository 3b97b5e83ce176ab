//! The error type at the boundary of the runs crate: each variant names the user's problem (a
//! file, a config key, a run directory) and how to fix it.

use std::path::PathBuf;

use synthkit_data::DataError;
use synthkit_data::sequence::SequenceError;
use synthkit_models::ModelError;
use synthkit_train::TrainError;
use thiserror::Error;

/// What can go wrong while loading a run config, fitting, saving, loading or sampling a model in
/// a run directory.
#[derive(Debug, Error)]
pub enum RunError {
    /// A config file cannot be read.
    #[error("cannot read config file `{path}`")]
    ReadConfig {
        /// The config file.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
    /// A config file is not valid TOML, or has an unknown, missing or mistyped key.
    #[error("config `{path}` is invalid: {reason}")]
    InvalidConfig {
        /// The config file.
        path: PathBuf,
        /// The parser's message, naming the key and line.
        reason: String,
    },
    /// `[data]` names a rare class but not the column it belongs to.
    #[error("config `{path}`: [data] sets `positive` but no `target`; name the {column} column")]
    PositiveWithoutTarget {
        /// The config file.
        path: PathBuf,
        /// What the column is called in this kind of config (`target`, `label`).
        column: &'static str,
    },
    /// A config setting is out of its range.
    #[error("config `{path}`: {reason}")]
    InvalidSetting {
        /// The config file.
        path: PathBuf,
        /// The key, what is wrong and the fix.
        reason: String,
    },
    /// `[data] rare_train` without a rare label to keep a few of.
    #[error("[data] rare_train needs `target` and `positive`: which label is rare?")]
    RareTrainWithoutLabel,
    /// `[data] rare_train` asks for more rare rows or sequences than the file has, or for none.
    #[error(
        "[data] rare_train = {asked}, but `{path}` has {available} {unit} labelled `{positive}`; choose 1 to {available}"
    )]
    RareTrainCount {
        /// The configured count.
        asked: usize,
        /// The training file.
        path: PathBuf,
        /// Rows or sequences of the rare label in it.
        available: usize,
        /// `rows` or `sequences`.
        unit: &'static str,
        /// The rare label.
        positive: String,
    },
    /// A run directory that does not exist.
    #[error("`{path}` does not exist; train a model first with `{fit_command} --config …`")]
    NoRun {
        /// The directory.
        path: PathBuf,
        /// The command that trains a model there.
        fit_command: &'static str,
    },
    /// A directory without a trained model in it or in its `model/`.
    #[error("`{path}` holds no trained {model} (no model.json); train one with `{fit_command}`")]
    NoModel {
        /// The directory.
        path: PathBuf,
        /// Which kind of model was looked for.
        model: &'static str,
        /// The command that trains one.
        fit_command: &'static str,
    },
    /// A model directory whose model cannot be loaded.
    #[error("cannot load the model in `{path}`")]
    LoadModel {
        /// The model directory.
        path: PathBuf,
        /// Why (a damaged or foreign file, another format version); boxed to keep the error
        /// small.
        #[source]
        source: Box<TrainError>,
    },
    /// A fit into a run directory that already holds a model, without `--force`.
    #[error(
        "`{path}` already holds a trained model; pass --force to replace it, or choose another `--out`"
    )]
    ModelExists {
        /// The model directory.
        path: PathBuf,
    },
    /// A fresh fit over the checkpoints of an earlier run, without `--resume` or `--force`.
    #[error(
        "`{path}` holds checkpoints of an earlier run: pass --resume to continue it, or --force to start over (which deletes them)"
    )]
    StaleCheckpoints {
        /// The checkpoint directory.
        path: PathBuf,
    },
    /// An output file that exists, without `--force`.
    #[error("`{path}` exists; pass --force to overwrite it")]
    OutputExists {
        /// The file.
        path: PathBuf,
    },
    /// A directory cannot be created.
    #[error("cannot create `{path}`")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A directory (or a stale file) cannot be removed.
    #[error("cannot remove `{path}`")]
    RemoveDir {
        /// The directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A file cannot be read.
    #[error("reading `{path}`")]
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file of a run does not parse (damaged, or written by another version).
    #[error("parsing `{path}`")]
    ParseJson {
        /// The file.
        path: PathBuf,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A record cannot be serialised (an internal error).
    #[error("serialising {what}")]
    Serialize {
        /// What was being serialised.
        what: &'static str,
        /// The serialiser's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading, typing or transforming a table failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Reading or windowing sequences failed.
    #[error(transparent)]
    Sequence(#[from] SequenceError),
    /// Invalid model hyperparameters.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training, saving or sampling failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// An error with what was being done when it happened (`config …, section [model]`).
    #[error("{what}")]
    Context {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: Box<RunError>,
    },
}

impl RunError {
    /// This error with `what` was being done when it happened.
    pub fn context(self, what: impl Into<String>) -> Self {
        Self::Context {
            what: what.into(),
            source: Box::new(self),
        }
    }
}

/// [`RunError::context`] on the error of a `Result`.
pub trait WithContext<T> {
    /// Wraps the error, if any, in a [`RunError::Context`] saying what was being done.
    fn with_context(self, what: impl FnOnce() -> String) -> RunResult<T>;
}

impl<T, E: Into<RunError>> WithContext<T> for Result<T, E> {
    fn with_context(self, what: impl FnOnce() -> String) -> RunResult<T> {
        self.map_err(|e| e.into().context(what()))
    }
}

/// Result alias of the runs crate.
pub type RunResult<T> = Result<T, RunError>;

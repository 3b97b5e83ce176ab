//! The error type at the boundary of the bench crate: each variant names the user's problem (a
//! bench config key, a data set, a results directory) and how to fix it.

use std::path::PathBuf;

use synthkit_data::DataError;
use synthkit_data::sequence::SequenceError;
use synthkit_eval::EvalError;
use synthkit_models::ModelError;
use synthkit_runs::RunError;
use synthkit_train::TrainError;
use thiserror::Error;

/// What can go wrong while running a bench, assembling its reports, or evaluating a model.
#[derive(Debug, Error)]
pub enum BenchError {
    /// A bench config file cannot be read.
    #[error("cannot read bench config `{path}`")]
    ReadConfig {
        /// The bench config.
        path: PathBuf,
        /// Why it cannot be read.
        #[source]
        source: std::io::Error,
    },
    /// A bench config is not valid TOML, or has an unknown, missing or mistyped key.
    #[error("bench config `{path}` is invalid: {reason}")]
    InvalidConfig {
        /// The bench config.
        path: PathBuf,
        /// The parser's message, naming the key and line.
        reason: String,
    },
    /// A bench config setting is out of its range.
    #[error("bench config `{path}`: {reason}")]
    InvalidSetting {
        /// The bench config.
        path: PathBuf,
        /// The key, what is wrong and the fix.
        reason: String,
    },
    /// `--only` names a data set the bench config does not have.
    #[error("--only `{name}`: no such data set in the bench config (it has: {known})")]
    UnknownDataset {
        /// The name given.
        name: String,
        /// The config's data sets, comma-separated.
        known: String,
    },
    /// Two generators of a data set get the same name.
    #[error("generator `{name}` ({path}) appears twice in data set `{dataset}`")]
    DuplicateGenerator {
        /// The generator's name.
        name: String,
        /// Its run config.
        path: PathBuf,
        /// The data set.
        dataset: String,
    },
    /// A generator's run config lacks the rare class or the held-out table.
    #[error(
        "`{path}` must set `target` and `positive` in [data] (and `test` for the bench): the rare class is what is augmented, and the bench scores on real held-out rows"
    )]
    NoRareClass {
        /// The run config.
        path: PathBuf,
    },
    /// The generators of one data set name different data.
    #[error(
        "`{path}` names other data than `{first}` ([data] train, test, target and positive must agree within a data set)"
    )]
    MixedData {
        /// The run config that differs.
        path: PathBuf,
        /// The data set's first run config.
        first: PathBuf,
    },
    /// A results directory made with other settings.
    #[error(
        "`{dir}` holds bench results made with other settings (see `{stamp}`); delete that directory or choose another `out` to start afresh"
    )]
    SettingsChanged {
        /// The data set's results directory.
        dir: PathBuf,
        /// The settings file that differs.
        stamp: PathBuf,
    },
    /// A data set's stored summary rows do not parse.
    #[error("`{path}` is damaged; delete it and rerun the bench with `--only {dataset}`")]
    DamagedRows {
        /// The rows file.
        path: PathBuf,
        /// Its data set.
        dataset: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// A generator's loss history cannot be read.
    #[error("reading the loss history of `{run}`")]
    ReadLosses {
        /// The generator's run directory.
        run: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// plotters failed to draw a plot.
    #[error("drawing a plot: {reason}")]
    Plot {
        /// plotters' message.
        reason: String,
    },
    /// `synthkit eval` on a config without a rare class.
    #[error("eval needs `target` and `positive` in [data]: the rare class to augment")]
    EvalWithoutRareClass,
    /// `synthkit eval` on a config without a held-out table.
    #[error("eval needs `test` in [data]: a real held-out table")]
    EvalWithoutTest,
    /// A TimeGAN evaluated on data of another shape than it was trained on.
    #[error(
        "the model was trained on {model_steps} steps × {model_features:?} but the config's data are {data_steps} steps × {data_features:?}; evaluate with the config it was trained with"
    )]
    SeriesShapeMismatch {
        /// Steps per sequence of the model.
        model_steps: usize,
        /// Features of the model.
        model_features: Vec<String>,
        /// Steps per sequence of the config's data.
        data_steps: usize,
        /// Features of the config's data.
        data_features: Vec<String>,
    },
    /// The held-out sequences have no labels.
    #[error("the test file has no labels; set `target` in [data]")]
    UnlabelledTest,
    /// The held-out sequences have none of the rare label.
    #[error("the test file has no `{positive}` sequence; the augmentation benchmark needs some")]
    NoRareTestSequence {
        /// The rare label.
        positive: String,
    },
    /// A run config, run directory, fit or model load failed.
    #[error(transparent)]
    Run(#[from] RunError),
    /// Reading, typing or writing a table failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Reading or windowing sequences failed.
    #[error(transparent)]
    Sequence(#[from] SequenceError),
    /// Invalid model hyperparameters.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training or sampling failed.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// An evaluation (classifiers, fidelity, privacy) failed.
    #[error(transparent)]
    Eval(#[from] EvalError),
    /// The bench's plan cannot be carried out on this data (a scarcity level beyond the rare
    /// rows there are, too few rare rows to split).
    #[error("{reason}")]
    Plan {
        /// What is wrong, with the fix.
        reason: String,
    },
    /// An error with what was being done when it happened (`bench data set …`).
    #[error("{what}")]
    Context {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: Box<BenchError>,
    },
}

impl BenchError {
    /// This error with `what` was being done when it happened.
    pub fn context(self, what: impl Into<String>) -> Self {
        Self::Context {
            what: what.into(),
            source: Box::new(self),
        }
    }
}

/// [`BenchError::context`] on the error of a `Result`.
pub trait WithContext<T> {
    /// Wraps the error, if any, in a [`BenchError::Context`] saying what was being done.
    fn with_context(self, what: impl FnOnce() -> String) -> BenchResult<T>;
}

impl<T, E: Into<BenchError>> WithContext<T> for Result<T, E> {
    fn with_context(self, what: impl FnOnce() -> String) -> BenchResult<T> {
        self.map_err(|e| e.into().context(what()))
    }
}

/// Result alias of the bench crate.
pub type BenchResult<T> = Result<T, BenchError>;

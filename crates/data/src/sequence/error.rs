//! What can be wrong with a long-format time-series table.

use crate::error::DataError;

/// What can be wrong with a long-format time-series table.
#[derive(Debug, thiserror::Error)]
pub enum SequenceError {
    /// Reading the file or a column failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Sequences of different lengths.
    #[error(
        "sequence `{id}` has {len} steps but sequence `{first_id}` has {expected}; every sequence must have the same length. Cut long series into windows (`window` and `stride` in [data]) after padding or trimming the input to equal lengths"
    )]
    UnequalLength {
        /// The offending sequence.
        id: String,
        /// Its length.
        len: usize,
        /// The first sequence.
        first_id: String,
        /// The first sequence's length.
        expected: usize,
    },
    /// The step column does not increase within a sequence.
    #[error(
        "sequence `{id}`: step {step} at row {row} does not come after step {previous}; rows of a sequence must be in strictly increasing step order (sort the file by id, then step, and remove duplicate steps)"
    )]
    StepsOutOfOrder {
        /// The sequence.
        id: String,
        /// 0-based row of the table.
        row: usize,
        /// The step found there.
        step: f64,
        /// The step before it.
        previous: f64,
    },
    /// A missing value (empty cell) in an id, step or feature column.
    #[error(
        "column `{column}` has a missing value at row {row}; time-series features must be complete: impute or drop the affected sequences first"
    )]
    Missing {
        /// The column.
        column: String,
        /// 0-based row.
        row: usize,
    },
    /// The label changes within one sequence.
    #[error(
        "sequence `{id}` has more than one value of the label column `{column}` (`{a}` and `{b}`); a label belongs to the whole sequence, so repeat the same value on each of its rows"
    )]
    LabelNotConstant {
        /// The sequence.
        id: String,
        /// The label column.
        column: String,
        /// One value.
        a: String,
        /// Another value.
        b: String,
    },
    /// A window longer than the sequences, or zero length / stride.
    #[error(
        "cannot cut windows of length {window} with stride {stride} from sequences of length {seq_len}; use 1 ≤ window ≤ {seq_len} and stride ≥ 1"
    )]
    BadWindow {
        /// Requested window length.
        window: usize,
        /// Requested stride.
        stride: usize,
        /// The sequences' length.
        seq_len: usize,
    },
    /// The feature list is empty or names the id / step / label column.
    #[error("invalid feature list: {0}")]
    BadFeatures(String),
    /// A label asked for does not occur.
    #[error("label `{label}` does not occur; labels present: {present}")]
    UnknownLabel {
        /// The label asked for.
        label: String,
        /// The labels that exist.
        present: String,
    },
    /// An operation needs labels but the set has none.
    #[error("the sequences have no label; set `target` in [data] to the label column")]
    Unlabelled,
}

/// Result alias of this module.
pub type SequenceResult<T> = Result<T, SequenceError>;

//! The error type of the evaluation crate: every variant names the problem and how to fix it
//! (STYLE.md §2.4).

use thiserror::Error;

/// Everything that can go wrong while evaluating synthetic data.
#[derive(Debug, Error)]
pub enum EvalError {
    /// A column the evaluation needs is not in the table.
    #[error(
        "column `{column}` is not in the {table} table; check the schema/target name or add the column to the table"
    )]
    MissingColumn {
        /// The column that was looked up.
        column: String,
        /// Which table (train, test, synthetic, ...).
        table: String,
    },
    /// A class has no rows where at least one is needed.
    #[error(
        "{what} has no rows of class {class}; a binary metric or resampler needs both classes, so pass data that contains the {class} class"
    )]
    EmptyClass {
        /// What was being computed.
        what: String,
        /// The class that is empty (`positive` or `negative`).
        class: String,
    },
    /// A value is NaN or infinite where a finite number is needed.
    #[error(
        "column `{column}` has {count} non-finite value(s) (NaN or ±inf); replace them with nulls (missing) or finite numbers before evaluating"
    )]
    NonFinite {
        /// The column or input that holds them.
        column: String,
        /// How many there are.
        count: usize,
    },
    /// Two inputs that must have the same length or width do not.
    #[error("{what}: expected {expected}, got {got}; pass inputs of matching shape")]
    ShapeMismatch {
        /// What was compared.
        what: String,
        /// The expected size.
        expected: usize,
        /// The size found.
        got: usize,
    },
    /// A parameter is out of its valid range.
    #[error("invalid value for `{field}`: {reason}")]
    InvalidValue {
        /// The parameter.
        field: String,
        /// Why it is invalid, with the valid range.
        reason: String,
    },
    /// A table is empty where rows are needed.
    #[error("the {table} table has no rows; pass a non-empty table")]
    EmptyTable {
        /// Which table.
        table: String,
    },
    /// Too few rows to draw a sample without replacement.
    #[error(
        "{what}: need {needed} rows but only {available} are available; sample more rows from the generator or lower the ratio"
    )]
    NotEnoughRows {
        /// What was being drawn.
        what: String,
        /// Rows needed.
        needed: usize,
        /// Rows available.
        available: usize,
    },
    /// A column's type cannot be used the way the schema says.
    #[error(
        "column `{column}` has dtype {dtype}, which cannot be read as {expected}; fix the schema kind or cast the column"
    )]
    WrongDtype {
        /// The column.
        column: String,
        /// Its dtype.
        dtype: String,
        /// What the schema asked for.
        expected: String,
    },
    /// A downstream classifier failed to fit.
    #[error(
        "classifier {classifier} failed to fit: {reason}; check the features for constant or degenerate columns, or change the classifier settings"
    )]
    Classifier {
        /// The classifier.
        classifier: String,
        /// The underlying error.
        reason: String,
    },
    /// Neighbour search failed.
    #[error(
        "nearest-neighbour search failed: {0}; check that the features are finite and that k is smaller than the number of rows"
    )]
    Neighbours(String),
    /// Polars failed on an operation the evaluation needs.
    #[error("polars error: {0}; check the table's column types against the schema")]
    Polars(#[from] polars::prelude::PolarsError),
    /// A data-crate operation failed (selecting rows, typing a table).
    #[error(transparent)]
    Data(#[from] synthkit_data::DataError),
}

/// Result alias of this crate.
pub type EvalResult<T> = Result<T, EvalError>;

/// Return early with an [`EvalError`] unless a condition holds.
macro_rules! ensure {
    ($cond:expr, $err:expr) => {
        // `match` rather than `if !cond`: float comparisons stay readable (clippy
        // neg_cmp_op_on_partial_ord).
        match $cond {
            true => {}
            false => return Err($err),
        }
    };
}
pub(crate) use ensure;

//! Errors of the data crate. Each message names the file, column or value at fault and says how
//! to fix it.

use std::path::PathBuf;

/// What can go wrong while loading, typing, encoding or splitting a table.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The input file does not exist.
    #[error(
        "data file `{path}` does not exist; check the path in the config (paths are relative to the directory you run synthkit from)"
    )]
    FileNotFound {
        /// The missing path.
        path: PathBuf,
    },
    /// The file extension is not one we read.
    #[error("cannot read `{path}`: unsupported extension (expected .csv or .parquet)")]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
    },
    /// polars could not parse the file.
    #[error(
        "cannot parse `{path}`: {reason}. Check that it is a comma-separated file with a header row (CSV) or a valid Parquet file"
    )]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// The table has no rows.
    #[error("`{what}` has no rows; a model needs data to learn from")]
    Empty {
        /// What was empty.
        what: String,
    },
    /// A configured column is not in the table.
    #[error(
        "column `{column}` is not in {what}; available columns: {available}. Fix the name in the config"
    )]
    ColumnNotFound {
        /// The missing column.
        column: String,
        /// Where it was looked up.
        what: String,
        /// The columns that do exist.
        available: String,
    },
    /// A column has no value at all.
    #[error(
        "column `{column}` has only missing values; drop it (add it to `drop` in [data]) or fill it"
    )]
    AllMissing {
        /// The column.
        column: String,
    },
    /// A column has one distinct value.
    #[error(
        "column `{column}` is constant (every value is {value}); it carries no information: drop it (add it to `drop` in [data])"
    )]
    Constant {
        /// The column.
        column: String,
        /// Its only value.
        value: String,
    },
    /// A numeric column holds NaN or infinity.
    #[error(
        "column `{column}` has {count} non-finite value(s) (NaN or ±inf), first at row {first_row}; write missing values as empty cells and remove infinities"
    )]
    NonFinite {
        /// The column.
        column: String,
        /// How many.
        count: usize,
        /// 0-based row of the first one.
        first_row: usize,
    },
    /// A categorical column has too many distinct values.
    #[error(
        "column `{column}` has {count} categories, more than the limit of {limit}; if it is really numeric declare it in `continuous` (or `integer`), if it is an identifier add it to `drop`, or raise `max_categories` in [data]"
    )]
    TooManyCategories {
        /// The column.
        column: String,
        /// Its number of distinct values.
        count: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A column's dtype cannot be encoded as the requested kind.
    #[error("column `{column}` cannot be treated as {kind}: {reason}")]
    KindMismatch {
        /// The column.
        column: String,
        /// The requested kind.
        kind: String,
        /// Why not.
        reason: String,
    },
    /// The target class asked for does not occur.
    #[error(
        "class `{value}` of `{column}` has no rows in {what}; classes present: {present}. Fix `positive` (or the condition) in the config"
    )]
    EmptyClass {
        /// The target column.
        column: String,
        /// The class asked for.
        value: String,
        /// Where.
        what: String,
        /// The classes that do occur.
        present: String,
    },
    /// A condition names a column that cannot be conditioned on.
    #[error("cannot condition on `{column}`: {reason}")]
    BadCondition {
        /// The column.
        column: String,
        /// Why not.
        reason: String,
    },
    /// A column has missing values that the fitted transformer never saw.
    #[error(
        "column `{column}` has missing values, but had none when the transformer was fitted; refit on data that shows them"
    )]
    UnseenMissing {
        /// The column.
        column: String,
    },
    /// A discrete column has a value the fitted transformer never saw.
    #[error(
        "column `{column}` has the value `{value}` (row {row}), unseen when the transformer was fitted; known values: {known}"
    )]
    UnseenCategory {
        /// The column.
        column: String,
        /// The value.
        value: String,
        /// 0-based row.
        row: usize,
        /// The values the transformer knows.
        known: String,
    },
    /// A label that should parse as a boolean does not.
    #[error("column `{column}`: `{value}` is not a boolean label (true or false)")]
    NotBoolean {
        /// The column.
        column: String,
        /// The label.
        value: String,
    },
    /// A matrix of the wrong width for the transformer.
    #[error("the matrix has {got} columns, the transformer's layout has {expected}")]
    WidthMismatch {
        /// Matrix width.
        got: usize,
        /// Layout width.
        expected: usize,
    },
    /// A column is declared with two kinds.
    #[error("column `{column}` is declared both {first} and {second} in [data]; keep one")]
    DeclaredTwice {
        /// The column.
        column: String,
        /// One kind.
        first: String,
        /// The other.
        second: String,
    },
    /// The target is also dropped.
    #[error("the target `{column}` is also listed in `drop`; remove it from one of them")]
    TargetDropped {
        /// The target column.
        column: String,
    },
    /// Every column was dropped.
    #[error("no column is left to model (all were dropped); remove some from `drop`")]
    NothingToModel,
    /// An internal invariant broke (a bug, not a data problem).
    #[error("internal error: {what}; please report it")]
    Internal {
        /// What broke.
        what: String,
    },
    /// An invalid parameter.
    #[error("invalid parameter `{name}`: {reason}")]
    Param {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// A mixture fit failed.
    #[error("fitting the mode mixture of column `{column}` failed: {source}")]
    Mixture {
        /// The column.
        column: String,
        /// The cause.
        #[source]
        source: crate::transform::bgm::BgmError,
    },
    /// A polars operation failed.
    #[error("polars: {0}")]
    Polars(#[from] polars::prelude::PolarsError),
    /// An I/O error.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// Result alias of the data crate.
pub type DataResult<T> = Result<T, DataError>;

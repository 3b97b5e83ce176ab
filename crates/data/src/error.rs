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
    #[error("{what} has no rows; a model needs data to learn from")]
    Empty {
        /// What was empty (in words, e.g. "the training table").
        what: String,
    },
    /// The file has no content at all (not even a header line).
    #[error(
        "`{path}` is empty: no header line and no rows. A CSV file needs a header line naming the columns, then one line per row"
    )]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// The file has a header (or a Parquet schema) but no data rows.
    #[error(
        "`{path}` has no rows, only a header line; a model needs data to learn from: check that the file is complete"
    )]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// A CSV header holds one column whose name contains another delimiter.
    #[error(
        "`{path}` has one column whose name contains {delimiter} (`{header}`): is the file {kind}-separated? synthkit reads comma-separated files; save it again with commas between the values (e.g. pandas: `read_csv(path, sep={sep}).to_csv(new_path, index=False)`)"
    )]
    WrongDelimiter {
        /// The file.
        path: PathBuf,
        /// How the delimiter reads in prose, e.g. "`;`" or "a tab".
        delimiter: &'static str,
        /// Its name, e.g. "semicolon", "tab".
        kind: &'static str,
        /// The delimiter as a Python string literal, e.g. `';'`.
        sep: &'static str,
        /// The header line (shortened).
        header: String,
    },
    /// A CSV header has the same column name twice.
    #[error(
        "`{path}` names two columns `{name}` (columns {first} and {second} of the header line); give every column its own name: synthkit writes the header back as it reads it, so it does not rename either"
    )]
    DuplicateColumn {
        /// The file.
        path: PathBuf,
        /// The repeated name.
        name: String,
        /// 1-based position of its first occurrence.
        first: usize,
        /// 1-based position of its second occurrence.
        second: usize,
    },
    /// A CSV header has an empty column name.
    #[error("`{path}`: column {position} of the header line (line 1) has no name; {fix}")]
    UnnamedColumn {
        /// The file.
        path: PathBuf,
        /// 1-based position in the header.
        position: usize,
        /// How to fix it (depends on where it is).
        fix: String,
    },
    /// A quoted CSV value is never closed.
    #[error(
        "cannot parse `{path}`: line {line} opens a quoted value that is never closed: {excerpt}. Close the quote; if the `\"` belongs to the value, enclose the whole value in quotes and double the `\"` (`\"\"`)"
    )]
    UnterminatedQuote {
        /// The file.
        path: PathBuf,
        /// 1-based line where the quote opens.
        line: usize,
        /// A short excerpt of that line, in backticks.
        excerpt: String,
    },
    /// A CSV row has more fields than the header.
    #[error(
        "cannot parse `{path}`: line {line} has {fields} fields but the header line has {expected}{others}{quoted}. Each line needs exactly one value per column (an empty value is a missing one): remove the extra fields, or enclose a value that contains a comma in quotes (`\"a, b\"`)"
    )]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based line where the record starts.
        line: usize,
        /// Its number of fields.
        fields: usize,
        /// The header's number of fields.
        expected: usize,
        /// ", and N more lines do too" or empty.
        others: String,
        /// A note when the record spans lines through a quoted value, or empty.
        quoted: String,
    },
    /// A configured column is not in the table, but a near match is.
    #[error(
        "column `{column}` is not in {what}, but `{found}` is: {how}. Fix the name in the config or the file's header"
    )]
    ColumnNearMatch {
        /// The configured name.
        column: String,
        /// Where it was looked up.
        what: String,
        /// The table's column that nearly matches.
        found: String,
        /// How the two differ.
        how: String,
    },
    /// A column that is numeric but for a few text cells (or is declared numeric).
    #[error("column `{column}` {what}, but {cells}. {fix}")]
    TextInNumericColumn {
        /// The column.
        column: String,
        /// "is declared continuous in [data]", "is declared integer in [data]" or "holds
        /// numbers".
        what: &'static str,
        /// How many values are not numbers, and the first of them with their row and line: "1
        /// of its 7000 values is not a number: `n/a` at row 99 (line 101 of a CSV file)".
        cells: String,
        /// What to do.
        fix: String,
    },
    /// A numeric column holds values too large to model.
    #[error(
        "column `{column}` has {count} value(s) too large to model (beyond ±{limit:e}), first `{value:e}` at row {first_row} (line {line} of a CSV file); fitting squares the values, which would overflow. Rescale the column (e.g. use another unit), or, if such a value stands for \"unknown\", leave the cell empty (a missing value)"
    )]
    TooLarge {
        /// The column.
        column: String,
        /// How many.
        count: usize,
        /// The first one.
        value: f64,
        /// 0-based row of the first one.
        first_row: usize,
        /// Its line in a CSV file with a header line.
        line: usize,
        /// The largest magnitude accepted.
        limit: f64,
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
        "column `{column}` has {count} non-finite value(s) (NaN or ±inf), first at row {first_row} (line {line} of a CSV file); write missing values as empty cells and remove infinities"
    )]
    NonFinite {
        /// The column.
        column: String,
        /// How many.
        count: usize,
        /// 0-based row of the first one.
        first_row: usize,
        /// Its line in a CSV file with a header line (`first_row + 2`).
        line: usize,
    },
    /// A categorical column has too many distinct values.
    #[error(
        "column `{column}` has {count} categories, more than the limit of {limit}; if it is really numeric declare it in `continuous` (or `integer`), if it is an identifier add it to `drop`, or raise `max_categories` in [transform]"
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
    // The cause is the error's `source()`: a chain printer (anyhow's `{:#}`) prints it once,
    // after this sentence.
    #[error("fitting the mode mixture of column `{column}` failed")]
    Mixture {
        /// The column.
        column: String,
        /// The cause.
        #[source]
        source: crate::transform::bgm::BgmError,
    },
    /// A polars operation failed. (The message is printed here, so it is not also the
    /// error's `source()`: a chain printer would print it twice.)
    #[error("polars: {0}")]
    Polars(polars::prelude::PolarsError),
    /// An I/O error. (The cause is printed in the message, not also returned as `source()`.)
    #[error("`{path}`: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        error: std::io::Error,
    },
}

impl From<polars::prelude::PolarsError> for DataError {
    fn from(e: polars::prelude::PolarsError) -> Self {
        DataError::Polars(e)
    }
}

/// Result alias of the data crate.
pub type DataResult<T> = Result<T, DataError>;

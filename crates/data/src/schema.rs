//! Column kinds and the table schema: what each column is, inferred from the data and
//! overridable from the config.

use polars::prelude::{DataFrame, Series};
use serde::{Deserialize, Serialize};

use crate::error::{DataError, DataResult};
use crate::transform::values::{self, ValueType};

/// The statistical kind of a column; it decides how the column is encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Real-valued: mode-specific normalisation.
    Continuous,
    /// Integer-valued with many distinct values: encoded as continuous, decoded by rounding.
    Integer,
    /// A finite set of labels: one-hot.
    Categorical,
    /// `true`/`false`: one-hot over two labels, decoded as a boolean column.
    Boolean,
    /// A date or timestamp: encoded as continuous on its integer time stamp.
    Datetime,
}

impl ColumnKind {
    /// Whether the column is one-hot encoded (and so can be conditioned on).
    pub fn is_discrete(self) -> bool {
        matches!(self, ColumnKind::Categorical | ColumnKind::Boolean)
    }
}

/// One column of a schema.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnSpec {
    /// The column's name in the source table.
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
}

/// The columns a model learns, in source order, and the classification target if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// The columns, in source order.
    pub columns: Vec<ColumnSpec>,
    /// The target column (always discrete), if one is configured.
    pub target: Option<String>,
}

impl Schema {
    /// The spec of the column named `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnSpec> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// How to type the columns of a table: explicit kinds from the config win; the rest is inferred.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemaOptions {
    /// Columns to treat as categorical.
    pub categorical: Vec<String>,
    /// Columns to treat as continuous.
    pub continuous: Vec<String>,
    /// Columns to treat as integer.
    pub integer: Vec<String>,
    /// Columns to treat as boolean.
    pub boolean: Vec<String>,
    /// Columns to treat as datetime.
    pub datetime: Vec<String>,
    /// Columns to leave out.
    pub drop: Vec<String>,
    /// The classification target (made categorical unless declared boolean).
    pub target: Option<String>,
    /// An integer column with at most this many distinct values is inferred as categorical.
    /// `None` means the default, 10.
    pub integer_categorical_max: Option<usize>,
}

/// Default of [`SchemaOptions::integer_categorical_max`].
pub const INTEGER_CATEGORICAL_MAX: usize = 10;

impl Schema {
    /// Types every column of `df` not in `opts.drop`.
    ///
    /// Inference: text → categorical; booleans → boolean; dates and timestamps → datetime;
    /// floats → continuous; integers → categorical when they have at most
    /// `integer_categorical_max` distinct values, otherwise integer. Every column the options
    /// name must exist in `df` (else [`DataError::ColumnNotFound`], or
    /// [`DataError::ColumnNearMatch`] when a column matches it but for spaces or case) and be
    /// named only once.
    ///
    /// A text column whose values are numbers but for a few cells (at most 5 %, or fewer than
    /// half that share at most 3 distinct texts, such as a missing-value marker) with more
    /// distinct numbers than `integer_categorical_max` is refused with
    /// [`DataError::TextInNumericColumn`], which names the first such cells with their row and
    /// CSV line: typing it categorical would train on a numeric column as hundreds of labels. A
    /// column declared `continuous` or `integer` with any such cell gets the same error.
    pub fn infer(df: &DataFrame, opts: &SchemaOptions) -> DataResult<Schema> {
        let names: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let available = || {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut declared: Vec<(&str, ColumnKind)> = Vec::new();
        for (list, kind) in [
            (&opts.categorical, ColumnKind::Categorical),
            (&opts.continuous, ColumnKind::Continuous),
            (&opts.integer, ColumnKind::Integer),
            (&opts.boolean, ColumnKind::Boolean),
            (&opts.datetime, ColumnKind::Datetime),
        ] {
            for c in list {
                if let Some((_, k)) = declared.iter().find(|(n, _)| n == c)
                    && *k != kind
                {
                    return Err(DataError::DeclaredTwice {
                        column: c.to_string(),
                        first: format!("{k:?}").to_lowercase(),
                        second: format!("{kind:?}").to_lowercase(),
                    });
                }
                declared.push((c, kind));
            }
        }
        for c in declared
            .iter()
            .map(|(c, _)| *c)
            .chain(opts.drop.iter().map(String::as_str))
        {
            if !names.iter().any(|n| n == c) {
                return Err(not_found(c, "the training table", &names, available()));
            }
        }
        if let Some(t) = &opts.target {
            if !names.iter().any(|n| n == t) {
                return Err(not_found(
                    t,
                    "the training table (it is the configured target)",
                    &names,
                    available(),
                ));
            }
            if opts.drop.contains(t) {
                return Err(DataError::TargetDropped { column: t.clone() });
            }
            if let Some((_, k)) = declared.iter().find(|(n, _)| n == t)
                && !k.is_discrete()
            {
                return Err(DataError::KindMismatch {
                    column: t.clone(),
                    kind: format!("{k:?}").to_lowercase(),
                    reason: "it is the classification target, which must be categorical or boolean"
                        .into(),
                });
            }
        }
        let threshold = opts
            .integer_categorical_max
            .unwrap_or(INTEGER_CATEGORICAL_MAX);
        let mut columns = Vec::new();
        for name in &names {
            if opts.drop.contains(name) {
                continue;
            }
            let kind = if let Some((_, k)) = declared.iter().find(|(n, _)| n == name) {
                if matches!(k, ColumnKind::Continuous | ColumnKind::Integer)
                    && values::value_type(df, name)? == ValueType::Str
                {
                    let cells = TextCells::of(values::column(df, name)?, 0)?;
                    if cells.n_bad > 0 {
                        let what = if *k == ColumnKind::Integer {
                            "is declared integer in [data]"
                        } else {
                            "is declared continuous in [data]"
                        };
                        return Err(cells.error(
                            name,
                            what,
                            "Make those cells empty (synthkit reads an empty cell as a missing \
                             value) or correct them; if the column really holds text, declare \
                             it in `categorical` instead"
                                .into(),
                        ));
                    }
                }
                *k
            } else if opts.target.as_deref() == Some(name.as_str()) {
                ColumnKind::Categorical
            } else {
                let s = values::column(df, name)?;
                match values::value_type(df, name)? {
                    ValueType::Str => {
                        let cells = TextCells::of(s, threshold + 1)?;
                        if cells.mostly_numbers(threshold) {
                            return Err(cells.error(
                                name,
                                "holds numbers",
                                format!(
                                    "So it would be read as text (categorical, one category per \
                                     distinct value). If those cells mean \"unknown\", make them \
                                     empty (synthkit reads an empty cell as a missing value), or \
                                     correct them: the column is then read as numeric (to say so \
                                     explicitly, declare it with `continuous = [{name:?}]` or \
                                     `integer = [{name:?}]` in [data]). If the column really is \
                                     categorical, declare it in `categorical` in [data]"
                                ),
                            ));
                        }
                        ColumnKind::Categorical
                    }
                    ValueType::Bool => ColumnKind::Boolean,
                    ValueType::Float => ColumnKind::Continuous,
                    t if t.is_temporal() => ColumnKind::Datetime,
                    _ => {
                        if s.n_unique()? <= threshold + usize::from(s.null_count() > 0) {
                            ColumnKind::Categorical
                        } else {
                            ColumnKind::Integer
                        }
                    }
                }
            };
            columns.push(ColumnSpec {
                name: name.clone(),
                kind,
            });
        }
        if columns.is_empty() {
            return Err(DataError::NothingToModel);
        }
        Ok(Schema {
            columns,
            target: opts.target.clone(),
        })
    }
}

/// A [`DataError::ColumnNotFound`] for `column`, or a [`DataError::ColumnNearMatch`] when a
/// column of the table matches it but for spaces around it or upper/lower case.
fn not_found(column: &str, what: &str, names: &[String], available: String) -> DataError {
    let fold = |s: &str| s.trim().to_lowercase();
    let near = names
        .iter()
        .find(|n| n.trim() == column.trim())
        .or_else(|| names.iter().find(|n| fold(n) == fold(column)));
    let Some(found) = near else {
        return DataError::ColumnNotFound {
            column: column.to_string(),
            what: what.to_string(),
            available,
        };
    };
    let mut how = Vec::new();
    if found.trim() != found.as_str() {
        how.push(
            "the file's header has spaces around the name, and synthkit keeps them as part of it \
             (are there spaces after the commas of the header line?)",
        );
    }
    if column.trim() != column {
        how.push("the config has spaces around the name");
    }
    if found.trim() != column.trim() {
        how.push("the two differ in upper/lower case (names are matched exactly)");
    }
    DataError::ColumnNearMatch {
        column: column.to_string(),
        what: what.to_string(),
        found: found.clone(),
        how: how.join("; "),
    }
}

/// The cells of a text column that are not numbers, to tell a numeric column with a few stray
/// text cells (a typo, a missing-value marker such as `n/a`) from a categorical one.
struct TextCells {
    /// Present (non-missing) values.
    present: usize,
    /// Values that do not parse as numbers.
    n_bad: usize,
    /// Rows and texts of the first three of them.
    bad: Vec<(usize, String)>,
    /// Distinct texts among `bad`.
    bad_distinct: usize,
    /// Distinct numbers among the rest, counted up to the `count_up_to` given to [`Self::of`].
    numbers_distinct: usize,
}

impl TextCells {
    fn of(s: &Series, count_up_to: usize) -> DataResult<Self> {
        let mut cells = TextCells {
            present: 0,
            n_bad: 0,
            bad: Vec::new(),
            bad_distinct: 0,
            numbers_distinct: 0,
        };
        let mut numbers = std::collections::HashSet::new();
        let mut texts = std::collections::HashSet::new();
        let as_text = s.cast(&polars::prelude::DataType::String)?;
        for (row, v) in as_text.str()?.iter().enumerate() {
            let Some(v) = v else { continue };
            cells.present += 1;
            match v.trim().parse::<f64>() {
                Ok(x) => {
                    if numbers.len() < count_up_to {
                        numbers.insert(x.to_bits());
                    }
                }
                Err(_) => {
                    if texts.len() <= 3 {
                        texts.insert(v.to_string());
                    }
                    cells.n_bad += 1;
                    if cells.bad.len() < 3 {
                        cells.bad.push((row, v.to_string()));
                    }
                }
            }
        }
        cells.bad_distinct = texts.len();
        cells.numbers_distinct = numbers.len();
        Ok(cells)
    }

    /// Whether this is a numeric column but for a few text cells: more than `threshold`
    /// distinct numbers (so as numbers it would not be categorical), and the text cells are at
    /// most 5 % of the values, or fewer than half of them and at most 3 distinct texts (a
    /// missing-value marker).
    fn mostly_numbers(&self, threshold: usize) -> bool {
        let n_bad = self.n_bad;
        n_bad > 0
            && self.numbers_distinct > threshold
            && (n_bad * 20 <= self.present || (n_bad * 2 < self.present && self.bad_distinct <= 3))
    }

    fn error(&self, column: &str, what: &'static str, fix: String) -> DataError {
        let shown: Vec<String> = self
            .bad
            .iter()
            .map(|(row, text)| {
                let text: String = if text.chars().count() > 40 {
                    text.chars().take(40).collect::<String>() + "…"
                } else {
                    text.clone()
                };
                format!("`{text}` at row {row} (line {} of a CSV file)", row + 2)
            })
            .collect();
        let more = match self.n_bad.saturating_sub(shown.len()) {
            0 => String::new(),
            k => format!(" and {k} more"),
        };
        DataError::TextInNumericColumn {
            column: column.to_string(),
            what,
            cells: format!(
                "{} of its {} values {} not a number: {}{more}",
                self.n_bad,
                self.present,
                if self.n_bad == 1 { "is" } else { "are" },
                shown.join(", ")
            ),
            fix,
        }
    }
}

/// Row counts of each label of a discrete column, sorted by label; missing is
/// [`crate::transform::discrete::MISSING_LABEL`].
pub fn class_counts(df: &DataFrame, column: &str) -> DataResult<Vec<(String, usize)>> {
    let labels = values::label_values(values::column(df, column)?)?;
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    for l in labels {
        let key = l.unwrap_or_else(|| crate::transform::discrete::MISSING_LABEL.to_string());
        *counts.entry(key).or_default() += 1;
    }
    Ok(counts.into_iter().collect())
}

/// Errors with [`DataError::EmptyClass`] unless `column` has at least one row equal to `value`.
/// `what` names the table in the message (e.g. "the training file `x.csv`").
pub fn ensure_class_present(
    df: &DataFrame,
    column: &str,
    value: &str,
    what: &str,
) -> DataResult<usize> {
    let counts = class_counts(df, column)?;
    match counts.iter().find(|(l, _)| l == value) {
        Some((_, n)) => Ok(*n),
        None => Err(DataError::EmptyClass {
            column: column.into(),
            value: value.into(),
            what: what.into(),
            present: counts
                .iter()
                .map(|(l, n)| format!("`{l}` ({n} rows)"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

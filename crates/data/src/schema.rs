//! Column kinds and the table schema: what each column is, inferred from the data and
//! overridable from the config.

use polars::prelude::DataFrame;
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
    /// name must exist in `df` (else [`DataError::ColumnNotFound`]) and be named only once.
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
                return Err(DataError::ColumnNotFound {
                    column: c.to_string(),
                    what: "the training table".into(),
                    available: available(),
                });
            }
        }
        if let Some(t) = &opts.target {
            if !names.iter().any(|n| n == t) {
                return Err(DataError::ColumnNotFound {
                    column: t.clone(),
                    what: "the training table (it is the configured target)".into(),
                    available: available(),
                });
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
                *k
            } else if opts.target.as_deref() == Some(name.as_str()) {
                ColumnKind::Categorical
            } else {
                let s = values::column(df, name)?;
                match values::value_type(df, name)? {
                    ValueType::Str => ColumnKind::Categorical,
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

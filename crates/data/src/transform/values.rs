//! Moving column values between polars and plain Rust vectors, remembering the source dtype so
//! that the inverse transform gives back a column of the same kind.

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, DataResult};

/// The storage type a column had in the source table, restored by the inverse transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    /// Floating point.
    Float,
    /// Signed or unsigned integer.
    Int,
    /// Text.
    Str,
    /// Boolean.
    Bool,
    /// A calendar date (days since the epoch).
    Date,
    /// A timestamp in milliseconds since the epoch.
    DatetimeMs,
    /// A timestamp in microseconds since the epoch.
    DatetimeUs,
    /// A timestamp in nanoseconds since the epoch.
    DatetimeNs,
}

impl ValueType {
    /// The value type of a polars dtype, or `None` for dtypes we do not model (lists, structs…).
    pub fn of(dtype: &DataType) -> Option<Self> {
        Some(match dtype {
            DataType::Float32 | DataType::Float64 => ValueType::Float,
            d if d.is_integer() => ValueType::Int,
            DataType::String | DataType::Categorical(..) | DataType::Enum(..) => ValueType::Str,
            DataType::Boolean => ValueType::Bool,
            DataType::Date => ValueType::Date,
            DataType::Datetime(TimeUnit::Milliseconds, _) => ValueType::DatetimeMs,
            DataType::Datetime(TimeUnit::Microseconds, _) => ValueType::DatetimeUs,
            DataType::Datetime(TimeUnit::Nanoseconds, _) => ValueType::DatetimeNs,
            _ => return None,
        })
    }

    /// Whether values of this type are numbers on a line (so can be encoded as continuous).
    pub fn is_numeric(self) -> bool {
        !matches!(self, ValueType::Str | ValueType::Bool)
    }

    /// Whether this is a date or timestamp.
    pub fn is_temporal(self) -> bool {
        matches!(
            self,
            ValueType::Date | ValueType::DatetimeMs | ValueType::DatetimeUs | ValueType::DatetimeNs
        )
    }
}

/// The value type of column `name` of `df`, with a clear error for unsupported dtypes.
pub fn value_type(df: &DataFrame, name: &str) -> DataResult<ValueType> {
    let s = column(df, name)?;
    ValueType::of(s.dtype()).ok_or_else(|| DataError::KindMismatch {
        column: name.to_string(),
        kind: "a table column".into(),
        reason: format!(
            "dtype {} is not supported; use numbers, text, booleans or dates",
            s.dtype()
        ),
    })
}

/// Column `name` of `df` as a series, or a `ColumnNotFound` error listing what exists.
pub fn column<'a>(df: &'a DataFrame, name: &str) -> DataResult<&'a Series> {
    df.column(name)
        .map(|c| c.as_materialized_series())
        .map_err(|_| DataError::ColumnNotFound {
            column: name.to_string(),
            what: "the table".into(),
            available: df
                .get_column_names()
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The largest magnitude a numeric value may have: fitting squares the values (variances,
/// mixture moments), and the squares must stay far from `f64`'s limit (≈ 1.8e308) even summed
/// over many rows.
pub const MAX_MAGNITUDE: f64 = 1e100;

/// Numeric values of a column (temporal columns as their integer time stamp); missing → `None`.
/// NaN and ±inf are rejected with a `NonFinite` error, values beyond ±[`MAX_MAGNITUDE`] with a
/// `TooLarge` one.
pub fn numeric_values(s: &Series) -> DataResult<Vec<Option<f64>>> {
    let physical = s.to_physical_repr();
    let cast = physical.cast(&DataType::Float64)?;
    let values: Vec<Option<f64>> = cast.f64()?.iter().collect();
    let mut bad = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some_and(|x| !x.is_finite()));
    if let Some((first_row, _)) = bad.next() {
        return Err(DataError::NonFinite {
            column: s.name().to_string(),
            count: 1 + bad.count(),
            first_row,
            line: first_row + 2,
        });
    }
    let mut huge = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| x.abs() > MAX_MAGNITUDE).map(|x| (i, x)));
    if let Some((first_row, value)) = huge.next() {
        return Err(DataError::TooLarge {
            column: s.name().to_string(),
            count: 1 + huge.count(),
            value,
            first_row,
            line: first_row + 2,
            limit: MAX_MAGNITUDE,
        });
    }
    Ok(values)
}

/// Values of a column as text labels (numbers and booleans printed); missing → `None`.
pub fn label_values(s: &Series) -> DataResult<Vec<Option<String>>> {
    if matches!(s.dtype(), DataType::Float32 | DataType::Float64) {
        // Reject NaN/inf before they become the label "NaN".
        numeric_values(s)?;
    }
    let cast = s.cast(&DataType::String)?;
    Ok(cast.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

/// Builds a series of type `ty` from numeric values (rounded for integer and temporal types).
pub fn numeric_series(name: &str, ty: ValueType, values: &[Option<f64>]) -> DataResult<Series> {
    let name: PlSmallStr = name.into();
    let ints = || {
        values
            .iter()
            .map(|v| v.map(|x| x.round() as i64))
            .collect::<Vec<_>>()
    };
    Ok(match ty {
        ValueType::Float => Series::new(name, values),
        ValueType::Int => Series::new(name, ints()),
        ValueType::Date => Series::new(
            name,
            values
                .iter()
                .map(|v| v.map(|x| x.round() as i32))
                .collect::<Vec<_>>(),
        )
        .cast(&DataType::Date)?,
        ValueType::DatetimeMs | ValueType::DatetimeUs | ValueType::DatetimeNs => {
            let unit = match ty {
                ValueType::DatetimeMs => TimeUnit::Milliseconds,
                ValueType::DatetimeUs => TimeUnit::Microseconds,
                _ => TimeUnit::Nanoseconds,
            };
            Series::new(name, ints()).cast(&DataType::Datetime(unit, None))?
        }
        ValueType::Str | ValueType::Bool => {
            return Err(DataError::Internal {
                what: format!("column `{name}` of type {ty:?} cannot be rebuilt from numbers"),
            });
        }
    })
}

/// Builds a series of type `ty` from text labels (parsed back for numeric and boolean types).
pub fn label_series(name: &str, ty: ValueType, labels: &[Option<&str>]) -> DataResult<Series> {
    let s = Series::new(name.into(), labels);
    let target = match ty {
        ValueType::Str => return Ok(s),
        ValueType::Bool => {
            let parsed = labels
                .iter()
                .map(|l| match l {
                    None => Ok(None),
                    Some("true") => Ok(Some(true)),
                    Some("false") => Ok(Some(false)),
                    Some(other) => Err(DataError::NotBoolean {
                        column: name.to_string(),
                        value: other.to_string(),
                    }),
                })
                .collect::<DataResult<Vec<_>>>()?;
            return Ok(Series::new(name.into(), parsed));
        }
        ValueType::Float => DataType::Float64,
        ValueType::Int => DataType::Int64,
        ValueType::Date => DataType::Date,
        ValueType::DatetimeMs => DataType::Datetime(TimeUnit::Milliseconds, None),
        ValueType::DatetimeUs => DataType::Datetime(TimeUnit::Microseconds, None),
        ValueType::DatetimeNs => DataType::Datetime(TimeUnit::Nanoseconds, None),
    };
    Ok(s.strict_cast(&target)?)
}

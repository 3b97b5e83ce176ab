//! The long format of a time-series table (one row per sequence and step): reading it into a
//! [`SequenceSet`] with every check, and writing a set back.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::{SequenceError, SequenceResult, SequenceSet};
use crate::error::DataError;
use crate::io::read_table;
use crate::transform::values;

/// Which columns of a long table are what.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LongFormat {
    /// Sequence id column.
    pub id: String,
    /// Step (time) column; numeric, strictly increasing within a sequence.
    pub time: String,
    /// Feature columns. Empty: every other numeric column except id, time and target.
    pub features: Vec<String>,
    /// Optional label column (constant within a sequence).
    pub target: Option<String>,
}

/// Reads a long-format CSV or Parquet file (see [`SequenceSet::from_long`]).
pub fn read_long(path: &Path, format: &LongFormat) -> SequenceResult<SequenceSet> {
    let df = read_table(path)?;
    SequenceSet::from_long(&df, format)
}

impl SequenceSet {
    /// Builds the set from a long table. Sequences keep the order of their first row; within a
    /// sequence, rows keep table order and the step column must strictly increase.
    ///
    /// # Errors
    /// Unknown columns, missing or non-finite values, unequal lengths, steps out of order, a
    /// label that changes within a sequence.
    pub fn from_long(df: &DataFrame, format: &LongFormat) -> SequenceResult<Self> {
        let features = if format.features.is_empty() {
            df.columns()
                .iter()
                .filter(|c| {
                    let n = c.name().as_str();
                    n != format.id
                        && n != format.time
                        && Some(n) != format.target.as_deref()
                        && c.dtype().is_primitive_numeric()
                })
                .map(|c| c.name().to_string())
                .collect()
        } else {
            format.features.clone()
        };
        if features.is_empty() {
            return Err(SequenceError::BadFeatures(
                "no numeric feature column; list them in `features`".into(),
            ));
        }
        for f in &features {
            if *f == format.id || *f == format.time || Some(f) == format.target.as_ref() {
                return Err(SequenceError::BadFeatures(format!(
                    "`{f}` is the id, step or label column; remove it from `features`"
                )));
            }
        }
        let ids = values::label_values(values::column(df, &format.id)?)?;
        let steps = values::numeric_values(values::column(df, &format.time)?)?;
        let labels = match &format.target {
            Some(t) => Some(values::label_values(values::column(df, t)?)?),
            None => None,
        };
        let cols = features
            .iter()
            .map(|f| {
                let c = values::column(df, f)?;
                if !c.dtype().is_primitive_numeric() {
                    return Err(SequenceError::Data(DataError::KindMismatch {
                        column: f.to_string(),
                        kind: "a time-series feature".into(),
                        reason: format!("dtype {} is not numeric", c.dtype()),
                    }));
                }
                Ok(values::numeric_values(c)?)
            })
            .collect::<SequenceResult<Vec<_>>>()?;

        // Group rows by id, in order of first appearance.
        let mut order: Vec<String> = Vec::new();
        let mut rows_of: HashMap<String, Vec<usize>> = HashMap::new();
        for (r, id) in ids.into_iter().enumerate() {
            let id = id.ok_or_else(|| SequenceError::Missing {
                column: format.id.clone(),
                row: r,
            })?;
            rows_of
                .entry(id.clone())
                .or_insert_with(|| {
                    order.push(id);
                    Vec::new()
                })
                .push(r);
        }
        if order.is_empty() {
            return Err(SequenceError::Data(DataError::Empty {
                what: "the time-series table".into(),
            }));
        }
        let seq_len = rows_of[&order[0]].len();
        let nf = features.len();
        let mut vals = Vec::with_capacity(order.len() * seq_len * nf);
        let mut seq_labels = Vec::with_capacity(order.len());
        for id in &order {
            let rows = &rows_of[id];
            if rows.len() != seq_len {
                return Err(SequenceError::UnequalLength {
                    id: id.clone(),
                    len: rows.len(),
                    first_id: order[0].clone(),
                    expected: seq_len,
                });
            }
            let mut prev: Option<f64> = None;
            for &r in rows {
                let s = steps[r].ok_or_else(|| SequenceError::Missing {
                    column: format.time.clone(),
                    row: r,
                })?;
                if let Some(p) = prev
                    && s <= p
                {
                    return Err(SequenceError::StepsOutOfOrder {
                        id: id.clone(),
                        row: r,
                        step: s,
                        previous: p,
                    });
                }
                prev = Some(s);
                for (f, col) in cols.iter().enumerate() {
                    let v = col[r].ok_or_else(|| SequenceError::Missing {
                        column: features[f].clone(),
                        row: r,
                    })?;
                    vals.push(v as f32);
                }
            }
            if let (Some(labels), Some(col)) = (&labels, &format.target) {
                let first = labels[rows[0]]
                    .clone()
                    .ok_or_else(|| SequenceError::Missing {
                        column: col.clone(),
                        row: rows[0],
                    })?;
                for &r in rows {
                    match &labels[r] {
                        None => {
                            return Err(SequenceError::Missing {
                                column: col.clone(),
                                row: r,
                            });
                        }
                        Some(l) if *l != first => {
                            return Err(SequenceError::LabelNotConstant {
                                id: id.clone(),
                                column: col.clone(),
                                a: first,
                                b: l.clone(),
                            });
                        }
                        _ => {}
                    }
                }
                seq_labels.push(first);
            }
        }
        Ok(Self {
            features,
            seq_len,
            ids: order,
            labels: labels.map(|_| seq_labels),
            values: vals,
        })
    }

    /// The set as a long table: `id`, `time` (0 … seq_len−1), the features (f64), and the label
    /// column when the set is labelled and `format.target` names one.
    ///
    /// # Errors
    /// Only if polars fails to build the frame.
    pub fn to_long(&self, format: &LongFormat) -> SequenceResult<DataFrame> {
        let n = self.len() * self.seq_len;
        let nf = self.n_features();
        let mut ids = Vec::with_capacity(n);
        let mut steps = Vec::with_capacity(n);
        for id in &self.ids {
            for t in 0..self.seq_len {
                ids.push(id.as_str());
                steps.push(t as i64);
            }
        }
        let mut columns: Vec<Column> = vec![
            Series::new(format.id.as_str().into(), ids).into(),
            Series::new(format.time.as_str().into(), steps).into(),
        ];
        for (f, name) in self.features.iter().enumerate() {
            let v: Vec<f64> = (0..n).map(|r| self.values[r * nf + f] as f64).collect();
            columns.push(Series::new(name.as_str().into(), v).into());
        }
        if let (Some(labels), Some(t)) = (&self.labels, &format.target) {
            let v: Vec<&str> = labels
                .iter()
                .flat_map(|l| std::iter::repeat_n(l.as_str(), self.seq_len))
                .collect();
            columns.push(Series::new(t.as_str().into(), v).into());
        }
        Ok(DataFrame::new(n, columns).map_err(DataError::from)?)
    }
}

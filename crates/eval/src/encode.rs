//! A numeric encoding of a table for the downstream classifiers and the oversamplers.
//!
//! Fitted on real train only (no test leakage): categorical and boolean columns are one-hot
//! encoded over the train categories plus a `<missing>` slot (unseen test categories encode as
//! all zeros, as sklearn `OneHotEncoder(handle_unknown='ignore')`); numeric columns (continuous,
//! integer, datetime) are standardised with the train mean and population standard deviation
//! (sklearn `StandardScaler`), missing values are imputed with the mean (0 after scaling,
//! sklearn `SimpleImputer(strategy='mean')`) and, when the column had missing values in train, a
//! 0/1 missing indicator is appended (`SimpleImputer(add_indicator=True)`).

use polars::prelude::{DataFrame, DataType};
use serde::{Deserialize, Serialize};
use synthkit_data::schema::{ColumnKind, Schema};

use crate::error::{EvalError, EvalResult, ensure};

/// The name of the one-hot slot for a missing categorical value.
pub const MISSING_CATEGORY: &str = "<missing>";

/// A dense row-major `f64` feature matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Features {
    /// Number of rows.
    pub n_rows: usize,
    /// Number of columns.
    pub n_cols: usize,
    /// `n_rows × n_cols` values, row by row.
    pub data: Vec<f64>,
}

impl Features {
    /// Errors with [`EvalError::NonFinite`] if any value is NaN or infinite.
    pub fn ensure_finite(&self) -> EvalResult<()> {
        let bad = self.data.iter().filter(|v| !v.is_finite()).count();
        ensure!(
            bad == 0,
            EvalError::NonFinite {
                column: "features".into(),
                count: bad
            }
        );
        Ok(())
    }

    /// A matrix from row-major values; errors when the length is not `n_rows × n_cols`.
    pub fn new(n_rows: usize, n_cols: usize, data: Vec<f64>) -> EvalResult<Self> {
        ensure!(
            data.len() == n_rows * n_cols,
            EvalError::ShapeMismatch {
                what: format!("feature values for {n_rows} rows × {n_cols} columns"),
                expected: n_rows * n_cols,
                got: data.len(),
            }
        );
        Ok(Features {
            n_rows,
            n_cols,
            data,
        })
    }

    /// An empty matrix with `n_cols` columns.
    pub fn empty(n_cols: usize) -> Self {
        Features {
            n_rows: 0,
            n_cols,
            data: Vec::new(),
        }
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.n_cols..(i + 1) * self.n_cols]
    }

    /// The rows at `idx`, in that order.
    pub fn select_rows(&self, idx: &[usize]) -> Features {
        let mut data = Vec::with_capacity(idx.len() * self.n_cols);
        for &i in idx {
            data.extend_from_slice(self.row(i));
        }
        Features {
            n_rows: idx.len(),
            n_cols: self.n_cols,
            data,
        }
    }

    /// This matrix with `other`'s rows appended.
    pub fn vstack(&self, other: &Features) -> EvalResult<Features> {
        ensure!(
            self.n_cols == other.n_cols,
            EvalError::ShapeMismatch {
                what: "columns of stacked feature matrices".into(),
                expected: self.n_cols,
                got: other.n_cols,
            }
        );
        let mut data = self.data.clone();
        data.extend_from_slice(&other.data);
        Ok(Features {
            n_rows: self.n_rows + other.n_rows,
            n_cols: self.n_cols,
            data,
        })
    }

    /// The values column by column (the layout forust-ml's `Matrix` reads).
    pub fn to_column_major(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.data.len()];
        for i in 0..self.n_rows {
            for j in 0..self.n_cols {
                out[j * self.n_rows + i] = self.data[i * self.n_cols + j];
            }
        }
        out
    }

    /// An ndarray copy (for linfa).
    pub fn to_ndarray(&self) -> ndarray::Array2<f64> {
        ndarray::Array2::from_shape_vec((self.n_rows, self.n_cols), self.data.clone())
            .expect("Features invariant: data.len() == n_rows * n_cols")
    }
}

/// What a run of output columns holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BlockKind {
    /// One standardised numeric column: `(x − mean) / std`, missing → 0.
    Numeric {
        /// Train mean.
        mean: f64,
        /// Train population standard deviation (1 when the column is constant).
        std: f64,
    },
    /// A 0/1 indicator of a missing value in the numeric column.
    MissingIndicator,
    /// One-hot over `categories` (train categories sorted, then [`MISSING_CATEGORY`]).
    OneHot {
        /// The category of each output column.
        categories: Vec<String>,
    },
}

/// A run of consecutive output columns that come from one source column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureBlock {
    /// The source column.
    pub column: String,
    /// First output column.
    pub start: usize,
    /// Number of output columns.
    pub width: usize,
    /// How the source column is encoded.
    pub kind: BlockKind,
}

/// A fitted, immutable encoder from a table to [`Features`]; see the module docs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureEncoder {
    blocks: Vec<FeatureBlock>,
    n_features: usize,
}

/// Read a column as `f64` values (`None` = missing). Temporal columns give their integer time
/// stamp, booleans 0/1.
pub fn read_numeric(df: &DataFrame, name: &str, table: &str) -> EvalResult<Vec<Option<f64>>> {
    let col = df.column(name).map_err(|_| EvalError::MissingColumn {
        column: name.into(),
        table: table.into(),
    })?;
    let dt = col.dtype().clone();
    let cast = if dt.is_temporal() {
        col.to_physical_repr().cast(&DataType::Float64)?
    } else if dt.is_primitive_numeric() || dt.is_bool() {
        col.cast(&DataType::Float64)?
    } else {
        return Err(EvalError::WrongDtype {
            column: name.into(),
            dtype: dt.to_string(),
            expected: "a number".into(),
        });
    };
    let values: Vec<Option<f64>> = cast.f64()?.iter().collect();
    let bad = values
        .iter()
        .filter(|v| v.is_some_and(|x| !x.is_finite()))
        .count();
    ensure!(
        bad == 0,
        EvalError::NonFinite {
            column: name.into(),
            count: bad
        }
    );
    Ok(values)
}

/// Read a column as strings (`None` = missing).
pub fn read_strings(df: &DataFrame, name: &str, table: &str) -> EvalResult<Vec<Option<String>>> {
    let col = df.column(name).map_err(|_| EvalError::MissingColumn {
        column: name.into(),
        table: table.into(),
    })?;
    let cast = col.cast(&DataType::String)?;
    Ok(cast.str()?.iter().map(|o| o.map(str::to_owned)).collect())
}

/// The binary target: `true` where the column, read as a string, equals `positive`
/// (meta.json's convention). Errors on missing target values.
pub fn binary_target(
    df: &DataFrame,
    target: &str,
    positive: &str,
    table: &str,
) -> EvalResult<Vec<bool>> {
    let values = read_strings(df, target, table)?;
    let missing = values.iter().filter(|v| v.is_none()).count();
    ensure!(
        missing == 0,
        EvalError::InvalidValue {
            field: format!("{table}.{target}"),
            reason: format!("{missing} row(s) have no target value; drop them or fill the target"),
        }
    );
    Ok(values
        .into_iter()
        .map(|v| v.as_deref() == Some(positive))
        .collect())
}

fn is_numeric_kind(kind: ColumnKind) -> bool {
    !kind.is_discrete()
}

impl FeatureEncoder {
    /// Fit on the real train table: every schema column except the target.
    pub fn fit(train: &DataFrame, schema: &Schema) -> EvalResult<Self> {
        ensure!(
            train.height() > 0,
            EvalError::EmptyTable {
                table: "train".into()
            }
        );
        let mut blocks = Vec::new();
        let mut start = 0;
        for spec in &schema.columns {
            if schema.target.as_deref() == Some(spec.name.as_str()) {
                continue;
            }
            if is_numeric_kind(spec.kind) {
                let v = read_numeric(train, &spec.name, "train")?;
                let present: Vec<f64> = v.iter().flatten().copied().collect();
                let n = present.len() as f64;
                let (mean, std) = if present.is_empty() {
                    (0.0, 1.0)
                } else {
                    let mean = present.iter().sum::<f64>() / n;
                    let var = present.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
                    // StandardScaler leaves constant columns unscaled.
                    (mean, if var > 0.0 { var.sqrt() } else { 1.0 })
                };
                blocks.push(FeatureBlock {
                    column: spec.name.clone(),
                    start,
                    width: 1,
                    kind: BlockKind::Numeric { mean, std },
                });
                start += 1;
                if present.len() < v.len() {
                    blocks.push(FeatureBlock {
                        column: spec.name.clone(),
                        start,
                        width: 1,
                        kind: BlockKind::MissingIndicator,
                    });
                    start += 1;
                }
            } else {
                let v = read_strings(train, &spec.name, "train")?;
                let mut cats: Vec<String> = v.into_iter().flatten().collect();
                cats.sort();
                cats.dedup();
                cats.push(MISSING_CATEGORY.into());
                let width = cats.len();
                blocks.push(FeatureBlock {
                    column: spec.name.clone(),
                    start,
                    width,
                    kind: BlockKind::OneHot { categories: cats },
                });
                start += width;
            }
        }
        ensure!(
            !blocks.is_empty(),
            EvalError::InvalidValue {
                field: "schema.columns".into(),
                reason: "no feature columns besides the target; add feature columns to the schema"
                    .into(),
            }
        );
        Ok(FeatureEncoder {
            blocks,
            n_features: start,
        })
    }

    /// Number of output columns.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// The output layout, in order.
    pub fn blocks(&self) -> &[FeatureBlock] {
        &self.blocks
    }

    /// A readable name for every output column (`col`, `col=<missing>`, `col=value`).
    pub fn feature_names(&self) -> Vec<String> {
        let mut names = Vec::with_capacity(self.n_features);
        for b in &self.blocks {
            match &b.kind {
                BlockKind::Numeric { .. } => names.push(b.column.clone()),
                BlockKind::MissingIndicator => names.push(format!("{}=<missing>", b.column)),
                BlockKind::OneHot { categories } => {
                    names.extend(categories.iter().map(|c| format!("{}={c}", b.column)))
                }
            }
        }
        names
    }

    /// Encode a table (train, test or synthetic) with the fitted layout.
    pub fn transform(&self, df: &DataFrame, table: &str) -> EvalResult<Features> {
        let n = df.height();
        let d = self.n_features;
        let mut data = vec![0.0; n * d];
        let mut i = 0;
        while i < self.blocks.len() {
            let b = &self.blocks[i];
            match &b.kind {
                BlockKind::Numeric { mean, std } => {
                    let v = read_numeric(df, &b.column, table)?;
                    let indicator = self
                        .blocks
                        .get(i + 1)
                        .filter(|nb| nb.kind == BlockKind::MissingIndicator)
                        .map(|nb| nb.start);
                    for (r, x) in v.iter().enumerate() {
                        match x {
                            Some(x) => data[r * d + b.start] = (x - mean) / std,
                            None => {
                                if let Some(col) = indicator {
                                    data[r * d + col] = 1.0;
                                }
                            }
                        }
                    }
                    if indicator.is_some() {
                        i += 1;
                    }
                }
                BlockKind::MissingIndicator => {
                    unreachable!("a missing indicator always follows its numeric block")
                }
                BlockKind::OneHot { categories } => {
                    let v = read_strings(df, &b.column, table)?;
                    for (r, x) in v.iter().enumerate() {
                        let key = x.as_deref().unwrap_or(MISSING_CATEGORY);
                        // Categories are sorted except the trailing missing slot.
                        let hit = if x.is_none() {
                            Some(categories.len() - 1)
                        } else {
                            categories[..categories.len() - 1]
                                .binary_search_by(|c| c.as_str().cmp(key))
                                .ok()
                        };
                        if let Some(k) = hit {
                            data[r * d + b.start + k] = 1.0;
                        }
                    }
                }
            }
            i += 1;
        }
        Ok(Features {
            n_rows: n,
            n_cols: d,
            data,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::df;
    use synthkit_data::schema::ColumnSpec;

    fn schema() -> Schema {
        Schema {
            columns: vec![
                ColumnSpec {
                    name: "x".into(),
                    kind: ColumnKind::Continuous,
                },
                ColumnSpec {
                    name: "c".into(),
                    kind: ColumnKind::Categorical,
                },
                ColumnSpec {
                    name: "y".into(),
                    kind: ColumnKind::Categorical,
                },
            ],
            target: Some("y".into()),
        }
    }

    #[test]
    fn encodes_by_hand() {
        let train = df!(
            "x" => [Some(1.0), Some(3.0), None, Some(2.0)],
            "c" => [Some("b"), Some("a"), Some("b"), None],
            "y" => ["0", "1", "0", "0"],
        )
        .unwrap();
        let enc = FeatureEncoder::fit(&train, &schema()).unwrap();
        // x (mean 2, std sqrt(2/3)), x missing, c=a, c=b, c=<missing>
        assert_eq!(enc.n_features(), 5);
        assert_eq!(
            enc.feature_names(),
            ["x", "x=<missing>", "c=a", "c=b", "c=<missing>"]
        );
        let test = df!(
            "x" => [None, Some(2.0 + (2.0f64 / 3.0).sqrt())],
            "c" => [Some("zzz"), None],
            "y" => ["1", "0"],
        )
        .unwrap();
        let f = enc.transform(&test, "test").unwrap();
        // Unknown category "zzz" → all zeros; missing x → 0 with the indicator set.
        assert_eq!(f.row(0), &[0.0, 1.0, 0.0, 0.0, 0.0]);
        let r1 = f.row(1);
        assert!((r1[0] - 1.0).abs() < 1e-12);
        assert_eq!(&r1[1..], &[0.0, 0.0, 0.0, 1.0]);
        assert_eq!(
            binary_target(&test, "y", "1", "test").unwrap(),
            vec![true, false]
        );
    }

    #[test]
    fn errors_name_the_column() {
        let train = df!("x" => [1.0, f64::NAN], "c" => ["a", "b"], "y" => ["0", "1"]).unwrap();
        let e = FeatureEncoder::fit(&train, &schema()).unwrap_err();
        assert!(matches!(e, EvalError::NonFinite { count: 1, .. }), "{e}");
        let train = df!("x" => [1.0, 2.0], "y" => ["0", "1"]).unwrap();
        let e = FeatureEncoder::fit(&train, &schema()).unwrap_err();
        assert!(e.to_string().contains("`c`"), "{e}");
        let train = df!("x" => ["a", "b"], "c" => ["a", "b"], "y" => ["0", "1"]).unwrap();
        let e = FeatureEncoder::fit(&train, &schema()).unwrap_err();
        assert!(matches!(e, EvalError::WrongDtype { .. }), "{e}");
    }
}

//! Time series in long format: one row per (sequence, step), as in `datasets/cmapss_fd001_failure`
//! and `datasets/timegan_stock` (see `datasets/README.md`).
//!
//! - [`read_long`] / [`SequenceSet::from_long`] check the table (equal lengths, steps in order,
//!   no missing values, one label per sequence) and return an error naming the sequence, row and
//!   fix instead of panicking;
//! - [`MinMaxScaler`]: TimeGAN's per-feature min-max scaling to [0, 1] (reference
//!   `jsyoon0823/TimeGAN` `data_loading.py` `MinMaxScaler`, `timegan.py` L40–60), reversible;
//! - [`SequenceSet::windows`]: sliding windows of a length and stride (the paper cuts the stock
//!   series into stride-1 windows of 24, `data_loading.py` L105);
//! - [`SequenceSet::stratified_split`] by whole sequence, and [`SequenceSet::to_long`] back to a
//!   long table.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use polars::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::error::DataError;
use crate::io::read_table;
use crate::transform::values;

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

/// Equal-length multivariate sequences held as one `[n, seq_len, n_features]` row-major array.
#[derive(Clone, Debug, PartialEq)]
pub struct SequenceSet {
    /// Feature names, in the order of the last axis.
    pub features: Vec<String>,
    /// Steps per sequence.
    pub seq_len: usize,
    /// Sequence ids, as text.
    pub ids: Vec<String>,
    /// One label per sequence, as text, when the set is labelled.
    pub labels: Option<Vec<String>>,
    /// Values, `[n, seq_len, n_features]` row-major.
    pub values: Vec<f32>,
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

    /// Number of sequences.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no sequence.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.features.len()
    }

    /// Values of sequence `i`, `[seq_len, n_features]` row-major.
    pub fn sequence(&self, i: usize) -> &[f32] {
        let w = self.seq_len * self.n_features();
        &self.values[i * w..(i + 1) * w]
    }

    /// The distinct labels, sorted, with their counts.
    pub fn class_counts(&self) -> SequenceResult<BTreeMap<String, usize>> {
        let labels = self.labels.as_ref().ok_or(SequenceError::Unlabelled)?;
        let mut m = BTreeMap::new();
        for l in labels {
            *m.entry(l.clone()).or_insert(0) += 1;
        }
        Ok(m)
    }

    /// Indices of the sequences labelled `label`.
    pub fn indices_of(&self, label: &str) -> SequenceResult<Vec<usize>> {
        let labels = self.labels.as_ref().ok_or(SequenceError::Unlabelled)?;
        let idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        if idx.is_empty() {
            return Err(SequenceError::UnknownLabel {
                label: label.into(),
                present: self
                    .class_counts()?
                    .into_keys()
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        Ok(idx)
    }

    /// The sequences at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> Self {
        let mut values = Vec::with_capacity(idx.len() * self.seq_len * self.n_features());
        for &i in idx {
            values.extend_from_slice(self.sequence(i));
        }
        Self {
            features: self.features.clone(),
            seq_len: self.seq_len,
            ids: idx.iter().map(|&i| self.ids[i].clone()).collect(),
            labels: self
                .labels
                .as_ref()
                .map(|l| idx.iter().map(|&i| l[i].clone()).collect()),
            values,
        }
    }

    /// `self` followed by `other` (same features and length).
    ///
    /// # Errors
    /// Different features or lengths, or one set labelled and the other not.
    pub fn concat(&self, other: &Self) -> SequenceResult<Self> {
        if self.features != other.features || self.seq_len != other.seq_len {
            return Err(SequenceError::BadFeatures(format!(
                "cannot stack sequences of features {:?} × {} steps with {:?} × {} steps",
                self.features, self.seq_len, other.features, other.seq_len
            )));
        }
        let labels = match (&self.labels, &other.labels) {
            (Some(a), Some(b)) => Some(a.iter().chain(b).cloned().collect()),
            (None, None) => None,
            _ => return Err(SequenceError::Unlabelled),
        };
        Ok(Self {
            features: self.features.clone(),
            seq_len: self.seq_len,
            ids: self.ids.iter().chain(&other.ids).cloned().collect(),
            labels,
            values: self.values.iter().chain(&other.values).copied().collect(),
        })
    }

    /// Sliding windows of `window` steps every `stride` steps, cut from each sequence. A window
    /// keeps its sequence's label; its id is `<id>/<start step index>`. A window of the full
    /// length with any stride returns the set unchanged (ids included).
    ///
    /// # Errors
    /// [`SequenceError::BadWindow`] for a zero length or stride or a window longer than the
    /// sequences.
    pub fn windows(&self, window: usize, stride: usize) -> SequenceResult<Self> {
        if window == 0 || stride == 0 || window > self.seq_len {
            return Err(SequenceError::BadWindow {
                window,
                stride,
                seq_len: self.seq_len,
            });
        }
        if window == self.seq_len {
            return Ok(self.clone());
        }
        let nf = self.n_features();
        let mut out = Self {
            features: self.features.clone(),
            seq_len: window,
            ids: Vec::new(),
            labels: self.labels.as_ref().map(|_| Vec::new()),
            values: Vec::new(),
        };
        for i in 0..self.len() {
            let s = self.sequence(i);
            let mut start = 0;
            while start + window <= self.seq_len {
                out.values
                    .extend_from_slice(&s[start * nf..(start + window) * nf]);
                out.ids.push(format!("{}/{start}", self.ids[i]));
                if let (Some(o), Some(l)) = (&mut out.labels, &self.labels) {
                    o.push(l[i].clone());
                }
                start += stride;
            }
        }
        Ok(out)
    }

    /// Like [`SequenceSet::windows`], but first rejoins sequences whose integer ids are
    /// consecutive (and whose labels agree) into one longer series, so that windows also span
    /// the borders between them. This is for a long series stored as consecutive chunks
    /// (`timegan_stock`: sequence k covers source rows 24k … 24k+23): the TimeGAN paper cuts the
    /// whole series into stride-1 windows. Window ids are `<first id of the run>+<start>`.
    ///
    /// # Errors
    /// [`SequenceError::BadWindow`], or ids that are not integers.
    pub fn windows_joined(&self, window: usize, stride: usize) -> SequenceResult<Self> {
        if window == 0 || stride == 0 || window > self.seq_len {
            return Err(SequenceError::BadWindow {
                window,
                stride,
                seq_len: self.seq_len,
            });
        }
        let mut order: Vec<(i64, usize)> = self
            .ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                id.parse::<i64>().map(|v| (v, i)).map_err(|_| {
                    SequenceError::BadFeatures(format!(
                        "sequence id `{id}` is not an integer; joining consecutive sequences needs integer ids (drop `join_consecutive`)"
                    ))
                })
            })
            .collect::<SequenceResult<_>>()?;
        order.sort_unstable();
        let nf = self.n_features();
        let label = |i: usize| self.labels.as_ref().map(|l| l[i].as_str());
        let mut out = Self {
            features: self.features.clone(),
            seq_len: window,
            ids: Vec::new(),
            labels: self.labels.as_ref().map(|_| Vec::new()),
            values: Vec::new(),
        };
        let mut k = 0;
        while k < order.len() {
            let mut end = k + 1;
            while end < order.len()
                && order[end].0 == order[end - 1].0 + 1
                && label(order[end].1) == label(order[k].1)
            {
                end += 1;
            }
            let run: Vec<f32> = order[k..end]
                .iter()
                .flat_map(|&(_, i)| self.sequence(i).iter().copied())
                .collect();
            let steps = run.len() / nf;
            let mut start = 0;
            while start + window <= steps {
                out.values
                    .extend_from_slice(&run[start * nf..(start + window) * nf]);
                out.ids.push(format!("{}+{start}", order[k].0));
                if let (Some(o), Some(l)) = (&mut out.labels, label(order[k].1)) {
                    o.push(l.to_string());
                }
                start += stride;
            }
            k = end;
        }
        Ok(out)
    }

    /// Splits by whole sequence into (train, test), `test_fraction` of each label in test
    /// (at least one sequence of a label with two or more), shuffled by `seed`; an unlabelled set
    /// is split as one class. Order within each part follows the original order.
    ///
    /// # Errors
    /// A fraction outside (0, 1).
    pub fn stratified_split(&self, test_fraction: f64, seed: u64) -> SequenceResult<(Self, Self)> {
        if !(test_fraction > 0.0 && test_fraction < 1.0) {
            return Err(SequenceError::Data(DataError::Param {
                name: "test_fraction",
                reason: format!("{test_fraction} is not strictly between 0 and 1"),
            }));
        }
        let mut groups = BTreeMap::<&str, Vec<usize>>::new();
        for i in 0..self.len() {
            let k = self.labels.as_ref().map_or("", |l| l[i].as_str());
            groups.entry(k).or_default().push(i);
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let (mut train, mut test) = (Vec::new(), Vec::new());
        for (_, mut ids) in groups {
            ids.shuffle(&mut rng);
            let mut k = (ids.len() as f64 * test_fraction).round() as usize;
            if ids.len() >= 2 {
                k = k.clamp(1, ids.len() - 1);
            }
            test.extend_from_slice(&ids[..k]);
            train.extend_from_slice(&ids[k..]);
        }
        train.sort_unstable();
        test.sort_unstable();
        Ok((self.select(&train), self.select(&test)))
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

/// Per-feature min-max scaling to [0, 1], as TimeGAN's reference: `(x − min) / (max − min + 1e-7)`
/// (`timegan.py` L40–60), inverted by `x · (max − min + 1e-7) + min`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MinMaxScaler {
    /// Per-feature minimum over every step of every training sequence.
    pub min: Vec<f32>,
    /// Per-feature maximum.
    pub max: Vec<f32>,
}

/// The reference's ε in the denominator of the min-max scaling.
pub const MINMAX_EPS: f32 = 1e-7;

impl MinMaxScaler {
    /// Fits the per-feature minimum and maximum of `set`.
    pub fn fit(set: &SequenceSet) -> Self {
        let nf = set.n_features();
        let mut min = vec![f32::INFINITY; nf];
        let mut max = vec![f32::NEG_INFINITY; nf];
        for row in set.values.chunks_exact(nf) {
            for f in 0..nf {
                min[f] = min[f].min(row[f]);
                max[f] = max[f].max(row[f]);
            }
        }
        Self { min, max }
    }

    fn range(&self, f: usize) -> f32 {
        self.max[f] - self.min[f] + MINMAX_EPS
    }

    /// Scaled copy of `set` (values outside the training range fall outside [0, 1]).
    pub fn transform(&self, set: &SequenceSet) -> SequenceSet {
        let nf = set.n_features();
        let mut out = set.clone();
        for (i, v) in out.values.iter_mut().enumerate() {
            let f = i % nf;
            *v = (*v - self.min[f]) / self.range(f);
        }
        out
    }

    /// Inverse of [`MinMaxScaler::transform`].
    pub fn inverse(&self, set: &SequenceSet) -> SequenceSet {
        let nf = set.n_features();
        let mut out = set.clone();
        for (i, v) in out.values.iter_mut().enumerate() {
            let f = i % nf;
            *v = *v * self.range(f) + self.min[f];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmapss_format() -> LongFormat {
        LongFormat {
            id: "seq_id".into(),
            time: "t".into(),
            features: vec![],
            target: Some("failure_within_window".into()),
        }
    }

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    fn cmapss_head(rows: usize) -> DataFrame {
        let df = read_table(&root().join("datasets/cmapss_fd001_failure/train.csv")).unwrap();
        df.head(Some(rows))
    }

    #[test]
    fn loads_the_shipped_cmapss_table() {
        let set = read_long(
            &root().join("datasets/cmapss_fd001_failure/train.csv"),
            &cmapss_format(),
        )
        .unwrap();
        assert_eq!(set.len(), 584);
        assert_eq!(set.seq_len, 24);
        assert_eq!(set.n_features(), 16);
        assert_eq!(set.features[0], "setting1");
        let counts = set.class_counts().unwrap();
        assert_eq!(counts.len(), 2);
        // positive_rate_train 0.119863 × 584 = 70.
        assert_eq!(counts["1"], 70);
        assert_eq!(set.values.len(), 584 * 24 * 16);
        // First row of the file: s2 (third feature) = 641.82.
        assert!((set.values[2] - 641.82).abs() < 1e-3);
    }

    #[test]
    fn unequal_lengths_are_reported_with_the_sequence() {
        // Drop the last row of the first sequence.
        let df = cmapss_head(48);
        let keep: Vec<bool> = (0..48).map(|i| i != 23).collect();
        let mask = BooleanChunked::from_slice("m".into(), &keep);
        let df = df.filter(&mask).unwrap();
        let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
        assert!(
            matches!(
                e,
                SequenceError::UnequalLength {
                    len: 24,
                    expected: 23,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("same length"), "{e}");
    }

    #[test]
    fn steps_out_of_order_are_reported_with_the_row() {
        let df = cmapss_head(24);
        let mut t: Vec<i64> = (0..24).collect();
        t.swap(5, 6);
        let mut df = df.clone();
        df.replace("t", Series::new("t".into(), t).into()).unwrap();
        let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
        match &e {
            SequenceError::StepsOutOfOrder { row, .. } => assert_eq!(*row, 6),
            other => panic!("wrong error {other}"),
        }
        assert!(e.to_string().contains("increasing step order"), "{e}");
    }

    #[test]
    fn missing_feature_values_and_labels_are_errors() {
        let mut df = cmapss_head(24);
        let s2: Vec<Option<f64>> = (0..24)
            .map(|i| if i == 3 { None } else { Some(1.0) })
            .collect();
        df.replace("s2", Series::new("s2".into(), s2).into())
            .unwrap();
        let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
        assert!(
            matches!(&e, SequenceError::Missing { column, row: 3 } if column == "s2"),
            "{e}"
        );
        let mut df = cmapss_head(24);
        let y: Vec<i64> = (0..24).map(|i| i64::from(i == 10)).collect();
        df.replace(
            "failure_within_window",
            Series::new("failure_within_window".into(), y).into(),
        )
        .unwrap();
        let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
        assert!(matches!(e, SequenceError::LabelNotConstant { .. }), "{e}");
        let e = SequenceSet::from_long(
            &cmapss_head(24),
            &LongFormat {
                id: "engine".into(),
                ..cmapss_format()
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("`engine`"), "{e}");
        let e = SequenceSet::from_long(
            &cmapss_head(24),
            &LongFormat {
                features: vec!["t".into()],
                ..cmapss_format()
            },
        )
        .unwrap_err();
        assert!(matches!(e, SequenceError::BadFeatures(_)), "{e}");
    }

    #[test]
    fn scaler_round_trips_and_maps_to_unit_interval() {
        let set = SequenceSet::from_long(&cmapss_head(240), &cmapss_format()).unwrap();
        let sc = MinMaxScaler::fit(&set);
        let scaled = sc.transform(&set);
        assert!(
            scaled
                .values
                .iter()
                .all(|v| (-1e-6..=1.0 + 1e-6).contains(v))
        );
        for f in 0..set.n_features() {
            let col: Vec<f32> = scaled.values.iter().skip(f).step_by(16).copied().collect();
            let lo = col.iter().copied().fold(f32::INFINITY, f32::min);
            assert!(lo.abs() < 1e-6, "feature {f} min {lo}");
        }
        let back = sc.inverse(&scaled);
        for (a, b) in back.values.iter().zip(&set.values) {
            assert!((a - b).abs() <= 1e-3 * b.abs().max(1.0), "{a} vs {b}");
        }
        let json = serde_json::to_string(&sc).unwrap();
        assert_eq!(serde_json::from_str::<MinMaxScaler>(&json).unwrap(), sc);
    }

    #[test]
    fn windows_have_the_right_count_content_and_labels() {
        let set = SequenceSet::from_long(&cmapss_head(48), &cmapss_format()).unwrap();
        let w = set.windows(10, 3).unwrap();
        // starts 0,3,…,12 → 5 windows per sequence.
        assert_eq!(w.len(), 10);
        assert_eq!(w.seq_len, 10);
        assert_eq!(w.ids[1], format!("{}/3", set.ids[0]));
        assert_eq!(w.sequence(1), &set.sequence(0)[3 * 16..13 * 16]);
        assert_eq!(
            w.labels.as_ref().unwrap()[7],
            set.labels.as_ref().unwrap()[1]
        );
        assert_eq!(set.windows(24, 1).unwrap(), set);
        assert!(matches!(
            set.windows(25, 1),
            Err(SequenceError::BadWindow { .. })
        ));
        assert!(matches!(
            set.windows(5, 0),
            Err(SequenceError::BadWindow { .. })
        ));
    }

    #[test]
    fn joined_windows_span_consecutive_chunks() {
        let fmt = LongFormat {
            id: "seq_id".into(),
            time: "t".into(),
            features: vec![],
            target: None,
        };
        let set = read_long(&root().join("datasets/timegan_stock/train.csv"), &fmt).unwrap();
        // Ids 0 and 1 are consecutive chunks of one series when both are in train.
        let a = set.ids.iter().position(|i| i == "0");
        let b = set.ids.iter().position(|i| i == "1");
        let w = set.windows_joined(24, 1).unwrap();
        assert!(w.len() > set.len());
        if let (Some(a), Some(b)) = (a, b) {
            // The window starting one step into chunk 0 ends with the first step of chunk 1.
            let i = w.ids.iter().position(|x| x == "0+1").unwrap();
            assert_eq!(&w.sequence(i)[23 * 6..], &set.sequence(b)[..6]);
            assert_eq!(&w.sequence(i)[..6], &set.sequence(a)[6..12]);
        }
        // Every chunk alone still yields its own window: at least as many windows as chunks.
        let exact = set.windows_joined(24, 24).unwrap();
        assert_eq!(exact.len(), set.len());
        let mut bad = set.clone();
        bad.ids[0] = "x".into();
        assert!(bad.windows_joined(24, 1).is_err());
    }

    #[test]
    fn split_is_by_sequence_and_stratified_and_long_round_trips() {
        let set = read_long(
            &root().join("datasets/cmapss_fd001_failure/train.csv"),
            &cmapss_format(),
        )
        .unwrap();
        let (tr, te) = set.stratified_split(0.25, 1).unwrap();
        assert_eq!(tr.len() + te.len(), set.len());
        let c = te.class_counts().unwrap();
        assert_eq!(c["1"], 18); // round(70 × 0.25)
        assert!(tr.ids.iter().all(|i| !te.ids.contains(i)));
        let fmt = cmapss_format();
        let df = te.to_long(&fmt).unwrap();
        assert_eq!(df.height(), te.len() * 24);
        let back = SequenceSet::from_long(&df, &fmt).unwrap();
        assert_eq!(back.ids, te.ids);
        assert_eq!(back.labels, te.labels);
        assert_eq!(back.values, te.values);
    }
}

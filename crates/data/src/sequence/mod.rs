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

mod error;
mod long;
mod scaler;

use std::collections::BTreeMap;

pub use error::{SequenceError, SequenceResult};
pub use long::{LongFormat, read_long};
pub use scaler::{MINMAX_EPS, MinMaxScaler};

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

impl SequenceSet {
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
        let labels = (0..self.len()).map(|i| self.labels.as_ref().map_or("", |l| l[i].as_str()));
        let (train, test) = crate::split::stratified_indices(labels, test_fraction, seed)?;
        Ok((self.select(&train), self.select(&test)))
    }
}

#[cfg(test)]
mod tests;

//! TimeGAN's per-feature min-max scaling.

use serde::{Deserialize, Serialize};

use super::SequenceSet;

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

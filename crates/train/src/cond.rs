//! Condition vectors at sampling time, from a small table saved with the model (so a loaded
//! model samples exactly like the freshly trained one, without the training data).

use rand::Rng;
use serde::{Deserialize, Serialize};
use synthkit_data::{Layout, Matrix};

/// One discrete column's place and training counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CondColumn {
    /// First position of the column's categories in the condition vector.
    pub cond_start: usize,
    /// First column of the column's one-hot span in the encoded matrix.
    pub span_start: usize,
    /// Training rows per category.
    pub counts: Vec<usize>,
}

/// The discrete columns of a fitted model and their empirical category counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CondTable {
    /// Width of the condition vector.
    pub cond_dim: usize,
    /// One entry per condition block, in [`Layout::cond_blocks`] order.
    pub columns: Vec<CondColumn>,
}

impl CondTable {
    /// Counts each category of each discrete column in the encoded training matrix.
    pub fn from_matrix(data: &Matrix, layout: &Layout) -> Self {
        let columns = layout
            .cond_blocks()
            .iter()
            .map(|b| {
                let mut counts = vec![0usize; b.span.dim];
                for r in 0..data.rows() {
                    counts[argmax(&data.row(r)[b.span.start..b.span.end()])] += 1;
                }
                CondColumn {
                    cond_start: b.cond_start,
                    span_start: b.span.start,
                    counts,
                }
            })
            .collect();
        Self {
            cond_dim: layout.cond_dim(),
            columns,
        }
    }

    /// Whether there is any discrete column.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// `n` conditions for unconditional generation: a discrete column uniformly, then a category
    /// with its empirical training frequency (so generated marginals follow the data; the
    /// reference reuses the log-frequency table here, see `REFERENCES.md` §1.1).
    pub fn sample_original(&self, n: usize, rng: &mut impl Rng) -> Option<Matrix> {
        if self.columns.is_empty() {
            return None;
        }
        let mut m = Matrix::zeros(n, self.cond_dim);
        for i in 0..n {
            let c = &self.columns[rng.random_range(0..self.columns.len())];
            let total: usize = c.counts.iter().sum();
            let mut u = rng.random_range(0..total.max(1));
            let mut cat = 0;
            for (k, &cnt) in c.counts.iter().enumerate() {
                if u < cnt {
                    cat = k;
                    break;
                }
                u -= cnt;
            }
            m.set(i, c.cond_start + cat, 1.0);
        }
        Some(m)
    }

    /// `n` copies of the condition `block = category`.
    pub fn fixed(&self, block: usize, category: usize, n: usize) -> Matrix {
        let mut m = Matrix::zeros(n, self.cond_dim);
        let pos = self.columns[block].cond_start + category;
        for i in 0..n {
            m.set(i, pos, 1.0);
        }
        m
    }

    /// Sets the one-hot span of column `block` to `category` in every row of `m` (an encoded,
    /// activated matrix). This is what makes `sample_where`'s guarantee hold by construction.
    pub fn force(&self, m: &mut Matrix, block: usize, category: usize) {
        let c = &self.columns[block];
        let k = c.counts.len();
        for r in 0..m.rows() {
            let row = &mut m.row_mut(r)[c.span_start..c.span_start + k];
            row.iter_mut().for_each(|x| *x = 0.0);
            row[category] = 1.0;
        }
    }
}

pub(crate) fn argmax(xs: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}

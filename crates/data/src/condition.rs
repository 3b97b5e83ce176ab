//! Condition vectors at sampling time: a small table of the discrete columns (their place in
//! the condition vector and in the encoded matrix, and their training counts), saved with a
//! model so that a loaded model samples exactly like the freshly trained one, without the
//! training data. The training-time sampler ([`crate::sampler::ConditionalSampler`]) builds on
//! the same table.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::matrix::{Matrix, argmax};

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

/// The discrete columns of an encoded training matrix and their empirical category counts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionTable {
    /// Width of the condition vector.
    pub cond_dim: usize,
    /// One entry per condition block, in [`Layout::cond_blocks`] order.
    pub columns: Vec<CondColumn>,
}

/// A category drawn with probability proportional to its count: one uniform integer draw in
/// `0..Σcounts` (the last category when every count is 0).
pub fn draw_by_count(counts: &[usize], rng: &mut impl Rng) -> usize {
    let total: usize = counts.iter().sum();
    let mut u = rng.random_range(0..total.max(1));
    for (k, &c) in counts.iter().enumerate() {
        if u < c {
            return k;
        }
        u -= c;
    }
    counts.len() - 1
}

impl ConditionTable {
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

    /// Position in the condition vector of `block = category`.
    pub fn position(&self, block: usize, category: usize) -> usize {
        self.columns[block].cond_start + category
    }

    /// `n` conditions for unconditional generation: a discrete column uniformly, then a category
    /// with its empirical training frequency (so generated marginals follow the data; the
    /// reference reuses the log-frequency table here, see `REFERENCES.md` §1.1). `None` without
    /// discrete columns.
    pub fn sample_original(&self, n: usize, rng: &mut impl Rng) -> Option<Matrix> {
        if self.columns.is_empty() {
            return None;
        }
        let mut m = Matrix::zeros(n, self.cond_dim);
        for i in 0..n {
            let c = &self.columns[rng.random_range(0..self.columns.len())];
            let cat = draw_by_count(&c.counts, rng);
            m.set(i, c.cond_start + cat, 1.0);
        }
        Some(m)
    }

    /// `n` copies of the condition `block = category`.
    pub fn fixed(&self, block: usize, category: usize, n: usize) -> Matrix {
        let mut m = Matrix::zeros(n, self.cond_dim);
        let pos = self.position(block, category);
        for i in 0..n {
            m.set(i, pos, 1.0);
        }
        m
    }

    /// The category of column `block` in each row of `m` (an encoded, activated matrix).
    pub fn categories(&self, m: &Matrix, block: usize) -> Vec<usize> {
        let c = &self.columns[block];
        let k = c.counts.len();
        (0..m.rows())
            .map(|r| argmax(&m.row(r)[c.span_start..c.span_start + k]))
            .collect()
    }

    /// Sets the one-hot span of column `block` to `category` in every row of `m` (an encoded,
    /// activated matrix): `condition = "force"`, which makes every row carry the class asked for
    /// whatever the network generated there.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Activation;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    /// A continuous column, then two discrete columns with known category counts.
    fn fixture() -> (Matrix, Layout) {
        let layout = Layout::new(vec![
            (
                "x".into(),
                false,
                vec![(1, Activation::Tanh), (2, Activation::Softmax)],
            ),
            ("a".into(), true, vec![(3, Activation::Softmax)]),
            ("b".into(), true, vec![(2, Activation::Softmax)]),
        ]);
        // a: categories 0,1,2 with 60/30/10 rows; b: 80/20.
        let mut m = Matrix::zeros(100, layout.dim());
        for r in 0..100 {
            m.set(r, 1, 1.0);
            let a = if r < 60 {
                0
            } else if r < 90 {
                1
            } else {
                2
            };
            m.set(r, 3 + a, 1.0);
            m.set(r, 6 + usize::from(r >= 80), 1.0);
        }
        (m, layout)
    }

    #[test]
    fn counts_offsets_fixed_force_and_categories() {
        let (m, layout) = fixture();
        let t = ConditionTable::from_matrix(&m, &layout);
        assert_eq!(t.cond_dim, 5);
        assert_eq!(t.columns[0].counts, vec![60, 30, 10]);
        assert_eq!(t.columns[1].counts, vec![80, 20]);
        // Each column at its own offset (sdv-dev/CTGAN #169, #273 put every column at 0).
        assert_eq!(t.position(1, 1), 4);
        let f = t.fixed(1, 1, 3);
        assert!((0..3).all(|r| f.row(r) == [0.0, 0.0, 0.0, 0.0, 1.0]));
        assert_eq!(&t.categories(&m, 0)[58..62], &[0, 0, 1, 1]);
        let mut g = m.clone();
        t.force(&mut g, 0, 2);
        assert!(t.categories(&g, 0).iter().all(|&c| c == 2));
        assert_eq!(t.categories(&g, 1), t.categories(&m, 1));
    }

    #[test]
    fn draw_by_count_never_picks_an_empty_category() {
        let mut rng = StdRng::seed_from_u64(1);
        assert!((0..1000).all(|_| draw_by_count(&[0, 5, 0, 3], &mut rng) % 2 == 1));
        assert_eq!(draw_by_count(&[0, 0], &mut rng), 1);
    }
}

//! The conditional sampler of CTGAN's training-by-sampling (Xu et al. 2019, arXiv:1907.00503
//! §4.3): pick a discrete column uniformly, a category of it with probability ∝ log(1 + count),
//! and a real row that has that category; the one-hot of the pick is the condition vector.
//!
//! Every discrete column's category is written at that column's own offset in the condition
//! vector ([`CondBlock::cond_start`]); the reference implementation offsets every column as if it
//! were the first (sdv-dev/CTGAN issues #169, #273), which this module's tests guard against.

use rand::Rng;

use crate::condition::ConditionTable;
use crate::layout::{CondBlock, Layout};
use crate::matrix::{Matrix, argmax};

/// A batch of training conditions.
#[derive(Clone, Debug, PartialEq)]
pub struct CondBatch {
    /// One-hot condition vectors, `[batch, cond_dim]`.
    pub cond: Matrix,
    /// One-hot of the chosen discrete column, `[batch, n_blocks]`.
    pub mask: Matrix,
    /// The chosen discrete column per row (index into [`Layout::cond_blocks`]).
    pub blocks: Vec<usize>,
    /// The chosen category per row (index within its column).
    pub categories: Vec<usize>,
}

/// Training-by-sampling over the discrete columns of an encoded matrix.
#[derive(Clone, Debug)]
pub struct ConditionalSampler {
    blocks: Vec<CondBlock>,
    cond_dim: usize,
    /// Row ids per (block, category).
    rows: Vec<Vec<Vec<u32>>>,
    /// Cumulative training-time category probabilities per block (log-frequency or frequency).
    train_cdf: Vec<Vec<f64>>,
    /// The same columns' counts and offsets, as a fitted model keeps them for sampling.
    table: ConditionTable,
    n_rows: usize,
}

impl ConditionalSampler {
    /// Indexes the rows of `data` (encoded with `layout`) by the category of each discrete
    /// column. With `log_frequency` (CTGAN's default) categories are drawn ∝ log(1 + count)
    /// during training, otherwise ∝ count.
    pub fn new(data: &Matrix, layout: &Layout, log_frequency: bool) -> Self {
        let blocks = layout.cond_blocks().to_vec();
        let mut rows: Vec<Vec<Vec<u32>>> = blocks
            .iter()
            .map(|b| vec![Vec::new(); b.span.dim])
            .collect();
        for r in 0..data.rows() {
            let row = data.row(r);
            for (bi, b) in blocks.iter().enumerate() {
                let cat = argmax(&row[b.span.start..b.span.end()]);
                rows[bi][cat].push(r as u32);
            }
        }
        let cdf = |weight: &dyn Fn(usize) -> f64| -> Vec<Vec<f64>> {
            rows.iter()
                .map(|cats| {
                    let w: Vec<f64> = cats.iter().map(|ids| weight(ids.len())).collect();
                    let total: f64 = w.iter().sum();
                    let mut acc = 0.0;
                    w.iter()
                        .map(|x| {
                            acc += x / total;
                            acc
                        })
                        .collect()
                })
                .collect()
        };
        let train_cdf = if log_frequency {
            cdf(&|c| (c as f64 + 1.0).ln())
        } else {
            cdf(&|c| c as f64)
        };
        Self {
            blocks,
            cond_dim: layout.cond_dim(),
            rows,
            train_cdf,
            table: ConditionTable::from_matrix(data, layout),
            n_rows: data.rows(),
        }
    }

    /// Width of the condition vector (0 when there is no discrete column).
    pub fn cond_dim(&self) -> usize {
        self.cond_dim
    }

    /// Number of discrete columns.
    pub fn n_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Training probabilities of each category of block `b` (for tests and reports).
    pub fn train_probabilities(&self, b: usize) -> Vec<f64> {
        let mut prev = 0.0;
        self.train_cdf[b]
            .iter()
            .map(|&c| {
                let p = c - prev;
                prev = c;
                p
            })
            .collect()
    }

    /// Draws `batch` training conditions, or `None` when there is no discrete column.
    pub fn sample_train(&self, batch: usize, rng: &mut impl Rng) -> Option<CondBatch> {
        self.draw(batch, &self.train_cdf, rng)
    }

    /// The `(block, category)` pairs of `batch` training conditions, without building the
    /// one-hot matrices (the training loop builds those on the device from
    /// [`ConditionalSampler::cond_position`]). Consumes `rng` exactly as
    /// [`ConditionalSampler::sample_train`] does and returns the same pairs, so the two are
    /// interchangeable; `None` when there is no discrete column.
    pub fn sample_train_pairs(
        &self,
        batch: usize,
        rng: &mut impl Rng,
    ) -> Option<(Vec<usize>, Vec<usize>)> {
        self.draw_pairs(batch, &self.train_cdf, rng)
    }

    /// Position in the condition vector of `block = category`.
    pub fn cond_position(&self, block: usize, category: usize) -> usize {
        self.blocks[block].cond_start + category
    }

    /// The discrete columns' offsets and training counts: what sampling needs (conditions for
    /// unconditional generation, fixed conditions), kept with a fitted model.
    pub fn table(&self) -> &ConditionTable {
        &self.table
    }

    fn draw(&self, batch: usize, cdfs: &[Vec<f64>], rng: &mut impl Rng) -> Option<CondBatch> {
        let (blocks, categories) = self.draw_pairs(batch, cdfs, rng)?;
        let mut cond = Matrix::zeros(batch, self.cond_dim);
        let mut mask = Matrix::zeros(batch, self.blocks.len());
        for (i, (&b, &cat)) in blocks.iter().zip(&categories).enumerate() {
            cond.set(i, self.cond_position(b, cat), 1.0);
            mask.set(i, b, 1.0);
        }
        Some(CondBatch {
            cond,
            mask,
            blocks,
            categories,
        })
    }

    /// A column uniformly, then a category from that column's CDF, `batch` times: two draws of
    /// `rng` per row, in row order.
    fn draw_pairs(
        &self,
        batch: usize,
        cdfs: &[Vec<f64>],
        rng: &mut impl Rng,
    ) -> Option<(Vec<usize>, Vec<usize>)> {
        if self.blocks.is_empty() {
            return None;
        }
        let nb = self.blocks.len();
        let mut blocks = Vec::with_capacity(batch);
        let mut categories = Vec::with_capacity(batch);
        for _ in 0..batch {
            let b = rng.random_range(0..nb);
            let u: f64 = rng.random();
            let cdf = &cdfs[b];
            let cat = cdf.partition_point(|&c| c <= u).min(cdf.len() - 1);
            // Never pick a category with no rows (possible only through rounding at u ≈ 1).
            let cat = if self.rows[b][cat].is_empty() {
                (0..cdf.len())
                    .rev()
                    .find(|&c| !self.rows[b][c].is_empty())
                    .unwrap_or(cat)
            } else {
                cat
            };
            blocks.push(b);
            categories.push(cat);
        }
        Some((blocks, categories))
    }

    /// One real row per `(block, category)` pair, uniformly among the rows that have it. With
    /// no discrete column (empty slices), pass the number of rows wanted to
    /// [`ConditionalSampler::sample_any_rows`] instead.
    pub fn sample_rows(
        &self,
        blocks: &[usize],
        categories: &[usize],
        rng: &mut impl Rng,
    ) -> Vec<usize> {
        blocks
            .iter()
            .zip(categories)
            .map(|(&b, &c)| {
                let ids = &self.rows[b][c];
                ids[rng.random_range(0..ids.len())] as usize
            })
            .collect()
    }

    /// `n` row ids drawn uniformly with replacement.
    pub fn sample_any_rows(&self, n: usize, rng: &mut impl Rng) -> Vec<usize> {
        (0..n).map(|_| rng.random_range(0..self.n_rows)).collect()
    }

    /// Number of training rows with `block = category`.
    pub fn count(&self, block: usize, category: usize) -> usize {
        self.rows[block][category].len()
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
        // a: counts [600, 300, 100]; b: counts [950, 50].
        let n = 1000;
        let mut m = Matrix::zeros(n, layout.dim());
        for r in 0..n {
            m.set(r, 1, 1.0);
            let a = if r < 600 {
                0
            } else if r < 900 {
                1
            } else {
                2
            };
            m.set(r, 3 + a, 1.0);
            let b = if r % 20 == 0 { 1 } else { 0 };
            m.set(r, 6 + b, 1.0);
        }
        (m, layout)
    }

    #[test]
    fn every_column_writes_at_its_own_offset_and_rows_match() {
        let (m, layout) = fixture();
        let s = ConditionalSampler::new(&m, &layout, true);
        assert_eq!(s.cond_dim(), 5);
        let mut rng = StdRng::seed_from_u64(1);
        let batch = s.sample_train(2000, &mut rng).unwrap();
        let rows = s.sample_rows(&batch.blocks, &batch.categories, &mut rng);
        for (i, &row) in rows.iter().enumerate() {
            let (b, c) = (batch.blocks[i], batch.categories[i]);
            let pos = layout.cond_blocks()[b].cond_start + c;
            let ones: Vec<usize> = (0..5).filter(|&j| batch.cond.get(i, j) == 1.0).collect();
            assert_eq!(ones, vec![pos], "row {i}: block {b} category {c}");
            assert_eq!(batch.mask.get(i, b), 1.0);
            // The real row drawn for this condition has that category.
            let span = layout.cond_blocks()[b].span;
            assert_eq!(m.get(row, span.start + c), 1.0);
        }
        // A fixed condition on the second discrete column sets the bit after the first block.
        let f = s.table().fixed(1, 1, 3);
        assert_eq!(f.row(0), &[0.0, 0.0, 0.0, 0.0, 1.0]);
    }

    /// Draw counts follow the log-frequency law. With N draws, the count of a (block, category)
    /// cell is Binomial(N, p/2) (a block is picked with probability 1/2); the test allows 5
    /// standard deviations, so a correct sampler fails it with probability < 1e-5 per cell.
    #[test]
    fn draws_follow_log_frequency_within_sampling_error() {
        let (m, layout) = fixture();
        let s = ConditionalSampler::new(&m, &layout, true);
        let n = 200_000;
        let mut rng = StdRng::seed_from_u64(7);
        let batch = s.sample_train(n, &mut rng).unwrap();
        let mut counts = [vec![0usize; 3], vec![0usize; 2]];
        for (b, c) in batch.blocks.iter().zip(&batch.categories) {
            counts[*b][*c] += 1;
        }
        for (b, cats) in [vec![600.0f64, 300.0, 100.0], vec![950.0, 50.0]]
            .iter()
            .enumerate()
        {
            let w: Vec<f64> = cats.iter().map(|c| (c + 1.0f64).ln()).collect();
            let total: f64 = w.iter().sum();
            for (c, wc) in w.iter().enumerate() {
                let p = 0.5 * wc / total;
                let expected = n as f64 * p;
                let sd = (n as f64 * p * (1.0 - p)).sqrt();
                let got = counts[b][c] as f64;
                assert!(
                    (got - expected).abs() < 5.0 * sd,
                    "block {b} cat {c}: {got} vs {expected} ± {sd}"
                );
            }
        }
        // And log-frequency lifts the 5 % category far above its share (CTGAN's test: a
        // 95 % majority falls under 65 %).
        let majority = counts[1][0] as f64 / (counts[1][0] + counts[1][1]) as f64;
        assert!(majority < 0.65, "{majority}");
    }

    #[test]
    fn pairs_are_the_conditions_of_sample_train() {
        let (m, layout) = fixture();
        let s = ConditionalSampler::new(&m, &layout, true);
        let (mut r1, mut r2) = (StdRng::seed_from_u64(5), StdRng::seed_from_u64(5));
        let batch = s.sample_train(300, &mut r1).unwrap();
        let (blocks, cats) = s.sample_train_pairs(300, &mut r2).unwrap();
        assert_eq!((&batch.blocks, &batch.categories), (&blocks, &cats));
        for (i, (&b, &c)) in blocks.iter().zip(&cats).enumerate() {
            assert_eq!(batch.cond.get(i, s.cond_position(b, c)), 1.0);
        }
        // Both left the RNG in the same state.
        assert_eq!(r1.random::<u64>(), r2.random::<u64>());
    }

    #[test]
    fn original_conditions_follow_the_data_frequencies() {
        let (m, layout) = fixture();
        let s = ConditionalSampler::new(&m, &layout, true);
        let n = 100_000;
        let cond = s
            .table()
            .sample_original(n, &mut StdRng::seed_from_u64(3))
            .unwrap();
        let b1: f64 = (0..n).map(|i| f64::from(cond.get(i, 4))).sum();
        let b_any: f64 = (0..n)
            .map(|i| f64::from(cond.get(i, 3) + cond.get(i, 4)))
            .sum();
        let share = b1 / b_any; // expected 0.05 among draws of column b
        let sd = (0.05 * 0.95 / b_any).sqrt();
        assert!((share - 0.05).abs() < 5.0 * sd, "{share}");
    }

    #[test]
    fn no_discrete_column_means_no_condition() {
        let layout = Layout::new(vec![(
            "x".into(),
            false,
            vec![(1, Activation::Tanh), (1, Activation::Softmax)],
        )]);
        let m = Matrix::zeros(10, 2);
        let s = ConditionalSampler::new(&m, &layout, true);
        assert_eq!(s.cond_dim(), 0);
        assert!(s.sample_train(4, &mut StdRng::seed_from_u64(0)).is_none());
        assert_eq!(s.sample_any_rows(5, &mut StdRng::seed_from_u64(0)).len(), 5);
    }
}

//! Oversampling baselines, implemented against imbalanced-learn 0.14's definitions and defaults
//! (REFERENCES.md §3: `imblearn/over_sampling/_random_over_sampler.py`, `_smote/base.py`,
//! `_smote/filter.py`, `_adasyn.py`).
//!
//! All work on encoded [`Features`] (standardised numerics + one-hot, see
//! [`crate::encode`]), the space a `Pipeline(encoder, sampler, classifier)` resamples in, and
//! generate rows of the rare (`true`) class only. Neighbours come from a KD-tree
//! (`linfa-nn`), Euclidean distance, a sample never being its own neighbour.
//!
//! Given the training data, the synthetic rows are i.i.d. draws (random base row, random
//! neighbour among its k, uniform step), which is what the distributional tests against imblearn
//! rely on.

use linfa_nn::{KdTree, NearestNeighbour, distance::L2Dist};
use ndarray::Array2;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use serde::{Deserialize, Serialize};

use crate::encode::{BlockKind, FeatureBlock, Features};
use crate::error::{EvalError, EvalResult, ensure};

/// How many synthetic rare-class rows to make.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SamplingTarget {
    /// imblearn `sampling_strategy='auto'`: up to the majority count, i.e.
    /// `n_negative − n_positive` rows (0 when the positive class is not the minority).
    Auto,
    /// Exactly this many rows (ADASYN may differ by rounding, as in imblearn).
    Count(usize),
}

/// An oversampling method with its imblearn parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Oversampler {
    /// `RandomOverSampler(shrinkage=None)`: copies of rare rows drawn with replacement.
    Random,
    /// `SMOTE(k_neighbors=5)`: `x + u·(x_nn − x)`, `u ~ U[0,1)`, `x_nn` one of the k nearest
    /// rare neighbours of a uniformly drawn rare row `x`.
    Smote {
        /// k. Default 5.
        #[serde(default = "five")]
        k_neighbors: usize,
    },
    /// `SMOTENC(k_neighbors=5)`: SMOTE on the numeric columns; in the distance each one-hot
    /// entry is `median_std / √2`, where `median_std` is the median over numeric columns of the
    /// rare class's standard deviation (so two differing categories add `median_std` to the
    /// distance); each categorical column takes the most frequent category among the k
    /// neighbours, ties broken at random. Missing indicators are interpolated like numerics but
    /// left out of `median_std` (imblearn has no missing values).
    SmoteNc {
        /// k. Default 5.
        #[serde(default = "five")]
        k_neighbors: usize,
    },
    /// `BorderlineSMOTE(kind='borderline-1', k_neighbors=5, m_neighbors=10)`: SMOTE from the
    /// rare rows "in danger" only: `m/2 ≤ m' < m`, `m'` = majority rows among the `m`
    /// nearest neighbours in the whole training set. Makes no rows when none is in danger.
    BorderlineSmote {
        /// k (rare neighbours for interpolation). Default 5.
        #[serde(default = "five")]
        k_neighbors: usize,
        /// m (neighbours in the whole set for the danger test). Default 10.
        #[serde(default = "ten")]
        m_neighbors: usize,
    },
    /// `ADASYN(n_neighbors=5)`: rare row `i` gets `rint(r_i / Σr · n)` rows, `r_i` = share of
    /// majority rows among its `n_neighbors` nearest in the whole set; SMOTE steps towards its
    /// rare neighbours.
    Adasyn {
        /// Neighbours for both the ratio and the interpolation. Default 5.
        #[serde(default = "five")]
        n_neighbors: usize,
    },
}

fn five() -> usize {
    5
}

fn ten() -> usize {
    10
}

impl Oversampler {
    /// All five baselines with imblearn's defaults.
    pub fn defaults() -> Vec<Oversampler> {
        vec![
            Oversampler::Random,
            Oversampler::Smote { k_neighbors: 5 },
            Oversampler::SmoteNc { k_neighbors: 5 },
            Oversampler::BorderlineSmote {
                k_neighbors: 5,
                m_neighbors: 10,
            },
            Oversampler::Adasyn { n_neighbors: 5 },
        ]
    }

    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            Oversampler::Random => "random",
            Oversampler::Smote { .. } => "smote",
            Oversampler::SmoteNc { .. } => "smote_nc",
            Oversampler::BorderlineSmote { .. } => "borderline_smote",
            Oversampler::Adasyn { .. } => "adasyn",
        }
    }

    /// Generate synthetic rare-class rows from training features `x` with labels `y`
    /// (`true` = rare class). `layout` is the encoder's block list (SMOTE-NC needs it).
    /// Returns only the new rows.
    pub fn generate(
        &self,
        x: &Features,
        y: &[bool],
        layout: &[FeatureBlock],
        target: SamplingTarget,
        seed: u64,
    ) -> EvalResult<Features> {
        ensure!(
            x.n_rows == y.len(),
            EvalError::ShapeMismatch {
                what: "labels vs feature rows".into(),
                expected: x.n_rows,
                got: y.len(),
            }
        );
        x.ensure_finite()?;
        let minority: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
        let n_pos = minority.len();
        ensure!(
            n_pos > 0,
            EvalError::EmptyClass {
                what: format!("{} input", self.name()),
                class: "positive".into()
            }
        );
        let n = match target {
            SamplingTarget::Auto => (y.len() - n_pos).saturating_sub(n_pos),
            SamplingTarget::Count(c) => c,
        };
        if n == 0 {
            return Ok(Features::empty(x.n_cols));
        }
        let mut rng = StdRng::seed_from_u64(seed);
        let x_min = x.select_rows(&minority);
        match *self {
            Oversampler::Random => {
                let idx: Vec<usize> = (0..n).map(|_| rng.random_range(0..n_pos)).collect();
                Ok(x_min.select_rows(&idx))
            }
            Oversampler::Smote { k_neighbors } => {
                check_k("k_neighbors", k_neighbors, n_pos)?;
                let all: Vec<usize> = (0..n_pos).collect();
                let nns = neighbours(&x_min, &all, k_neighbors)?;
                Ok(smote_samples(&x_min, &all, &nns, n, &mut rng))
            }
            Oversampler::SmoteNc { k_neighbors } => {
                check_k("k_neighbors", k_neighbors, n_pos)?;
                smote_nc(&x_min, layout, k_neighbors, n, &mut rng)
            }
            Oversampler::BorderlineSmote {
                k_neighbors,
                m_neighbors,
            } => {
                check_k("m_neighbors", m_neighbors, y.len())?;
                let m_nns = neighbours(x, &minority, m_neighbors)?;
                let danger: Vec<usize> = m_nns
                    .iter()
                    .enumerate()
                    .filter(|(_, nn)| {
                        let n_maj = nn.iter().filter(|&&j| !y[j]).count();
                        2 * n_maj >= m_neighbors && n_maj < m_neighbors
                    })
                    .map(|(i, _)| i)
                    .collect();
                if danger.is_empty() {
                    return Ok(Features::empty(x.n_cols));
                }
                check_k("k_neighbors", k_neighbors, n_pos)?;
                let nns = neighbours(&x_min, &danger, k_neighbors)?;
                Ok(smote_samples(&x_min, &danger, &nns, n, &mut rng))
            }
            Oversampler::Adasyn { n_neighbors } => {
                check_k("n_neighbors", n_neighbors, n_pos)?;
                let all_nns = neighbours(x, &minority, n_neighbors)?;
                let ratio: Vec<f64> = all_nns
                    .iter()
                    .map(|nn| nn.iter().filter(|&&j| !y[j]).count() as f64 / n_neighbors as f64)
                    .collect();
                let total: f64 = ratio.iter().sum();
                ensure!(
                    total > 0.0,
                    EvalError::InvalidValue {
                        field: "adasyn".into(),
                        reason: "no rare row has a majority neighbour, so ADASYN has nothing to \
                                 weight (imblearn raises too); use SMOTE for this data"
                            .into(),
                    }
                );
                // np.rint rounds half to even.
                let counts: Vec<usize> = ratio
                    .iter()
                    .map(|r| (r / total * n as f64).round_ties_even() as usize)
                    .collect();
                let all: Vec<usize> = (0..n_pos).collect();
                let nns = neighbours(&x_min, &all, n_neighbors)?;
                let total_rows: usize = counts.iter().sum();
                let mut data = Vec::with_capacity(total_rows * x.n_cols);
                for (i, &c) in counts.iter().enumerate() {
                    for _ in 0..c {
                        let nb = nns[i][rng.random_range(0..n_neighbors)];
                        let step: f64 = rng.random();
                        interpolate(x_min.row(i), x_min.row(nb), step, &mut data);
                    }
                }
                Features::new(total_rows, x.n_cols, data)
            }
        }
    }

    /// Training set plus the generated rows: `(x ∪ new, y ∪ true…)`.
    pub fn resample(
        &self,
        x: &Features,
        y: &[bool],
        layout: &[FeatureBlock],
        target: SamplingTarget,
        seed: u64,
    ) -> EvalResult<(Features, Vec<bool>)> {
        let new = self.generate(x, y, layout, target, seed)?;
        let mut labels = y.to_vec();
        labels.resize(y.len() + new.n_rows, true);
        Ok((x.vstack(&new)?, labels))
    }
}

fn check_k(field: &str, k: usize, n: usize) -> EvalResult<()> {
    ensure!(
        k >= 1 && k < n,
        EvalError::InvalidValue {
            field: field.into(),
            reason: format!(
                "{k} neighbours need at least {} rows but there are {n}; lower {field} or add rows",
                k + 1
            ),
        }
    );
    Ok(())
}

fn interpolate(a: &[f64], b: &[f64], step: f64, out: &mut Vec<f64>) {
    out.extend(a.iter().zip(b).map(|(&p, &q)| p + step * (q - p)));
}

/// For each query (an index into `points`), its `k` nearest other rows of `points` (KD-tree,
/// Euclidean), nearest first. Like imblearn, ask for `k + 1` and drop the point itself (or, if
/// exact duplicates push it out, the first hit, which is then at distance 0 too).
pub(crate) fn neighbours(
    points: &Features,
    queries: &[usize],
    k: usize,
) -> EvalResult<Vec<Vec<usize>>> {
    let arr = points.to_ndarray();
    neighbours_arr(&arr, queries, k)
}

fn neighbours_arr(arr: &Array2<f64>, queries: &[usize], k: usize) -> EvalResult<Vec<Vec<usize>>> {
    let index = KdTree::new()
        .from_batch(arr, L2Dist)
        .map_err(|e| EvalError::Neighbours(e.to_string()))?;
    queries
        .iter()
        .map(|&q| {
            let hits = index
                .k_nearest(arr.row(q), k + 1)
                .map_err(|e| EvalError::Neighbours(e.to_string()))?;
            let mut idx: Vec<usize> = hits.into_iter().map(|(_, i)| i).collect();
            match idx.iter().position(|&i| i == q) {
                Some(p) => idx.remove(p),
                None => idx.remove(0),
            };
            idx.truncate(k);
            Ok(idx)
        })
        .collect()
}

/// imblearn `BaseSMOTE._make_samples`: `n` rows, each from a uniformly drawn `(base, neighbour)`
/// pair and a uniform step. `base[i]` indexes `x`, `nns[i]` are its neighbours.
fn smote_samples(
    x: &Features,
    base: &[usize],
    nns: &[Vec<usize>],
    n: usize,
    rng: &mut StdRng,
) -> Features {
    let mut data = Vec::with_capacity(n * x.n_cols);
    for _ in 0..n {
        let r = rng.random_range(0..base.len());
        let nb = nns[r][rng.random_range(0..nns[r].len())];
        let step: f64 = rng.random();
        interpolate(x.row(base[r]), x.row(nb), step, &mut data);
    }
    Features {
        n_rows: n,
        n_cols: x.n_cols,
        data,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        0.5 * (v[m - 1] + v[m])
    }
}

/// SMOTE-NC (imblearn `SMOTENC._fit_resample` + `_generate_samples`) on the rare rows `x_min`.
fn smote_nc(
    x_min: &Features,
    layout: &[FeatureBlock],
    k: usize,
    n: usize,
    rng: &mut StdRng,
) -> EvalResult<Features> {
    let width: usize = layout.iter().map(|b| b.width).sum();
    ensure!(
        width == x_min.n_cols,
        EvalError::ShapeMismatch {
            what: "SMOTE-NC layout width vs feature columns".into(),
            expected: x_min.n_cols,
            got: width,
        }
    );
    let numeric: Vec<usize> = layout
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::Numeric { .. }))
        .map(|b| b.start)
        .collect();
    let onehot: Vec<&FeatureBlock> = layout
        .iter()
        .filter(|b| matches!(b.kind, BlockKind::OneHot { .. }))
        .collect();
    ensure!(
        !numeric.is_empty(),
        EvalError::InvalidValue {
            field: "smote_nc".into(),
            reason: "SMOTE-NC needs numeric columns and there are none; use random oversampling \
                     (imblearn's SMOTEN is not implemented)"
                .into(),
        }
    );
    ensure!(
        !onehot.is_empty(),
        EvalError::InvalidValue {
            field: "smote_nc".into(),
            reason: "SMOTE-NC needs categorical columns and there are none; use SMOTE".into(),
        }
    );
    let m = x_min.n_rows as f64;
    let stds: Vec<f64> = numeric
        .iter()
        .map(|&j| {
            let mean = (0..x_min.n_rows).map(|i| x_min.row(i)[j]).sum::<f64>() / m;
            ((0..x_min.n_rows)
                .map(|i| (x_min.row(i)[j] - mean).powi(2))
                .sum::<f64>()
                / m)
                .sqrt()
        })
        .collect();
    let med = median(stds);
    // Distance space: one-hot entries scaled to med/√2.
    let mut space = x_min.to_ndarray();
    let scale = med / std::f64::consts::SQRT_2;
    for b in &onehot {
        space
            .slice_mut(ndarray::s![.., b.start..b.start + b.width])
            .mapv_inplace(|v| v * scale);
    }
    let all: Vec<usize> = (0..x_min.n_rows).collect();
    let nns = neighbours_arr(&space, &all, k)?;
    let mut data = Vec::with_capacity(n * x_min.n_cols);
    let mut votes = Vec::new();
    let mut best = Vec::new();
    for _ in 0..n {
        let r = rng.random_range(0..all.len());
        let nb = nns[r][rng.random_range(0..k)];
        let step: f64 = rng.random();
        let start = data.len();
        interpolate(x_min.row(r), x_min.row(nb), step, &mut data);
        let row = &mut data[start..];
        for b in &onehot {
            votes.clear();
            votes.resize(b.width, 0.0);
            for &j in &nns[r] {
                for (v, s) in votes
                    .iter_mut()
                    .zip(&x_min.row(j)[b.start..b.start + b.width])
                {
                    *v += s;
                }
            }
            let max = votes.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            best.clear();
            best.extend((0..b.width).filter(|&c| (votes[c] - max).abs() <= 1e-8));
            let pick = *best.choose(rng).expect("a maximum always exists");
            for c in 0..b.width {
                row[b.start + c] = if c == pick { 1.0 } else { 0.0 };
            }
        }
    }
    Features::new(n, x_min.n_cols, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout_numeric(d: usize) -> Vec<FeatureBlock> {
        (0..d)
            .map(|j| FeatureBlock {
                column: format!("x{j}"),
                start: j,
                width: 1,
                kind: BlockKind::Numeric {
                    mean: 0.0,
                    std: 1.0,
                },
            })
            .collect()
    }

    /// Is `p` on the segment `a`–`b` (within 1e-9)?
    fn on_segment(p: &[f64], a: &[f64], b: &[f64]) -> bool {
        let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
        let dd: f64 = d.iter().map(|v| v * v).sum();
        if dd == 0.0 {
            return p.iter().zip(a).all(|(x, y)| (x - y).abs() < 1e-9);
        }
        let t = p
            .iter()
            .zip(a)
            .zip(&d)
            .map(|((p, a), d)| (p - a) * d)
            .sum::<f64>()
            / dd;
        (-1e-9..=1.0 + 1e-9).contains(&t)
            && p.iter()
                .zip(a)
                .zip(&d)
                .all(|((p, a), d)| (p - (a + t * d)).abs() < 1e-9)
    }

    /// 6 rare points on a 2-D grid and 14 majority points far away, so the k=2 nearest rare
    /// neighbours are known by hand.
    fn toy() -> (Features, Vec<bool>) {
        let rare = [
            [0.0, 0.0],
            [1.0, 0.0],
            [0.0, 1.0],
            [10.0, 10.0],
            [11.0, 10.0],
            [10.0, 11.0],
        ];
        let mut data: Vec<f64> = rare.iter().flatten().copied().collect();
        let mut y = vec![true; 6];
        for i in 0..14 {
            data.extend([100.0 + i as f64, -50.0]);
            y.push(false);
        }
        (Features::new(20, 2, data).unwrap(), y)
    }

    #[test]
    fn smote_points_lie_between_a_rare_row_and_one_of_its_k_neighbours() {
        let (x, y) = toy();
        let layout = layout_numeric(2);
        let sm = Oversampler::Smote { k_neighbors: 2 };
        let new = sm
            .generate(&x, &y, &layout, SamplingTarget::Auto, 3)
            .unwrap();
        assert_eq!(new.n_rows, 14 - 6, "auto = majority − minority");
        // Each cluster of 3 is a triangle: a point's 2 nearest rare neighbours are the other two.
        for i in 0..new.n_rows {
            let p = new.row(i);
            let cluster: Vec<usize> = if p[0] < 5.0 {
                vec![0, 1, 2]
            } else {
                vec![3, 4, 5]
            };
            let ok = cluster.iter().any(|&a| {
                cluster
                    .iter()
                    .any(|&b| a != b && on_segment(p, x.row(a), x.row(b)))
            });
            assert!(ok, "row {p:?} is not on a segment inside its cluster");
        }
        let new = sm
            .generate(&x, &y, &layout, SamplingTarget::Count(37), 3)
            .unwrap();
        assert_eq!(new.n_rows, 37);
        // Same seed → same rows; another seed → different rows.
        assert_eq!(
            new,
            sm.generate(&x, &y, &layout, SamplingTarget::Count(37), 3)
                .unwrap()
        );
        assert_ne!(
            new,
            sm.generate(&x, &y, &layout, SamplingTarget::Count(37), 4)
                .unwrap()
        );
    }

    #[test]
    fn random_oversampling_copies_rare_rows() {
        let (x, y) = toy();
        let new = Oversampler::Random
            .generate(&x, &y, &layout_numeric(2), SamplingTarget::Count(50), 1)
            .unwrap();
        assert_eq!(new.n_rows, 50);
        for i in 0..50 {
            assert!((0..6).any(|j| x.row(j) == new.row(i)));
        }
        let (xr, yr) = Oversampler::Random
            .resample(&x, &y, &layout_numeric(2), SamplingTarget::Auto, 1)
            .unwrap();
        assert_eq!((xr.n_rows, yr.iter().filter(|&&t| t).count()), (28, 14));
    }

    #[test]
    fn smote_nc_votes_categories_among_neighbours() {
        // Columns: one numeric, one categorical with 3 one-hot slots (a, b, <missing>).
        // Rare rows 0..=3 sit at x = 0, 0.1, 0.2, 0.3 with categories a, a, a, b; rare row 4
        // at x = 50 with category b; one majority row with a missing category.
        let layout = vec![
            FeatureBlock {
                column: "x".into(),
                start: 0,
                width: 1,
                kind: BlockKind::Numeric {
                    mean: 0.0,
                    std: 1.0,
                },
            },
            FeatureBlock {
                column: "c".into(),
                start: 1,
                width: 3,
                kind: BlockKind::OneHot {
                    categories: vec!["a".into(), "b".into(), "<missing>".into()],
                },
            },
        ];
        let rows = [
            [0.0, 1.0, 0.0, 0.0],
            [0.1, 1.0, 0.0, 0.0],
            [0.2, 1.0, 0.0, 0.0],
            [0.3, 0.0, 1.0, 0.0],
            [50.0, 0.0, 1.0, 0.0],
            [-9.0, 0.0, 0.0, 1.0],
        ];
        let y = [true, true, true, true, true, false];
        let x = Features::new(6, 4, rows.iter().flatten().copied().collect()).unwrap();
        let new = Oversampler::SmoteNc { k_neighbors: 3 }
            .generate(&x, &y, &layout, SamplingTarget::Count(400), 0)
            .unwrap();
        // In the distance space a differing category costs median_std ≈ 19.9 (the std of the
        // numeric column), so the k = 3 neighbours of each dense row are the other dense rows
        // (votes a, a, b or a, a, a) and those of row 4 are rows 3, 2, 1 (b, a, a): every
        // synthetic row gets category a.
        let mut from_far = 0;
        for i in 0..new.n_rows {
            let r = new.row(i);
            assert_eq!(&r[1..], &[1.0, 0.0, 0.0], "row {r:?}");
            if r[0] > 0.3 + 1e-12 {
                from_far += 1;
            }
        }
        // x > 0.3 only when the base row is row 4, drawn with probability 1/5:
        // Binomial(400, 0.2) = 80 ± 8, accepted within ±4σ.
        assert!((48..=112).contains(&from_far), "{from_far}");
    }

    #[test]
    fn borderline_uses_only_rows_in_danger() {
        // Rare row 0 sits inside the majority cloud (all 4 neighbours majority: noise, skipped),
        // rare rows 1, 2 sit at the edge (2 of 4 neighbours majority: danger), rare rows 3, 4
        // are far from the majority (safe). m = 4, k = 1.
        let pts = [
            [0.0, 0.0],   // rare, noise
            [5.0, 0.0],   // rare, danger
            [5.0, 0.2],   // rare, danger
            [30.0, 30.0], // rare, safe
            [30.0, 30.2], // rare, safe
            [0.1, 0.0],
            [-0.1, 0.0],
            [0.0, 0.1],
            [0.0, -0.1],
            [4.6, 0.1],
            [4.5, 0.1],
        ];
        let y: Vec<bool> = (0..11).map(|i| i < 5).collect();
        let x = Features::new(11, 2, pts.iter().flatten().copied().collect()).unwrap();
        let bl = Oversampler::BorderlineSmote {
            k_neighbors: 1,
            m_neighbors: 4,
        };
        let new = bl
            .generate(&x, &y, &layout_numeric(2), SamplingTarget::Count(30), 0)
            .unwrap();
        assert_eq!(new.n_rows, 30);
        for i in 0..30 {
            // Row 1's nearest rare neighbour is row 2 and vice versa: all on that segment.
            assert!(
                on_segment(new.row(i), x.row(1), x.row(2)),
                "{:?}",
                new.row(i)
            );
        }
    }

    #[test]
    fn adasyn_weights_rows_by_majority_neighbours() {
        // Rare rows 0, 1, 2; two majority rows right next to row 0 and one far away. With
        // n_neighbors = 2, row 0's neighbours are both majority (ratio 1) and rows 1, 2 see
        // only rare rows (ratio 0).
        let pts = [
            [0.0, 0.0],
            [3.0, 0.0],
            [3.0, 1.0],
            [-0.1, 0.0],
            [0.0, -0.1],
            [50.0, 50.0],
        ];
        let y = [true, true, true, false, false, false];
        let x = Features::new(6, 2, pts.iter().flatten().copied().collect()).unwrap();
        let new = Oversampler::Adasyn { n_neighbors: 2 }
            .generate(&x, &y, &layout_numeric(2), SamplingTarget::Count(10), 0)
            .unwrap();
        // ratio = [1, 0, 0] → all 10 rows from base row 0, towards its rare neighbours 1 or 2.
        assert_eq!(new.n_rows, 10);
        for i in 0..10 {
            let p = new.row(i);
            assert!(on_segment(p, x.row(0), x.row(1)) || on_segment(p, x.row(0), x.row(2)));
        }
    }

    #[test]
    fn invalid_settings_are_errors() {
        let (x, y) = toy();
        let e = Oversampler::Smote { k_neighbors: 6 }
            .generate(&x, &y, &layout_numeric(2), SamplingTarget::Auto, 0)
            .unwrap_err();
        assert!(e.to_string().contains("k_neighbors"), "{e}");
        let e = Oversampler::SmoteNc { k_neighbors: 2 }
            .generate(&x, &y, &layout_numeric(2), SamplingTarget::Auto, 0)
            .unwrap_err();
        assert!(e.to_string().contains("categorical"), "{e}");
        let e = Oversampler::Smote { k_neighbors: 2 }
            .generate(
                &x,
                &[false; 20],
                &layout_numeric(2),
                SamplingTarget::Auto,
                0,
            )
            .unwrap_err();
        assert!(matches!(e, EvalError::EmptyClass { .. }), "{e}");
    }
}

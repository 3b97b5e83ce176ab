//! The Gaussian copula: the statistical generator every bench should have next to the networks
//! (SDV's maintainers recommend its `GaussianCopulaSynthesizer` first). No burn, no schedule:
//! fitted in closed form in a fraction of a second.
//!
//! On the quantile-normal encoding (`[transform] continuous = "quantile"`) every source column
//! becomes one *normal score*:
//! - a continuous column's encoded value is already `Φ⁻¹(F(x))`;
//! - a categorical column (and a continuous column's missing indicator) is mapped, per row, to
//!   `Φ⁻¹(u)` for `u` uniform in its category's interval of the cumulative frequencies (the
//!   frequency-interval encoding of SDV's RDT `FrequencyEncoder`), so its score is standard
//!   normal and its inverse (`u = Φ(z)`, the interval holding `u`) returns the category.
//!
//! Per class of the target (class-conditional, the default) the scores get a mean and a
//! covariance shrunk towards its diagonal (`Σ = (1 − λ) S + λ diag(S)`, `λ = d / (n + d)` by
//! default, so a class of 25 rows still gives a well-conditioned Σ), and rows are drawn as
//! `μ + L ε`, `L L' = Σ`. The target is the label input: a row drawn from class `c`'s copula
//! carries `c` by construction.

use std::path::Path;

use burn::prelude::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};
use synthkit_data::transform::quantile::{normal_cdf, normal_ppf};
use synthkit_data::{Activation, DataTransformer, Layout, Matrix, argmax, draw_by_count};
use synthkit_models::CopulaConfig;

use crate::error::{TrainError, TrainResult};
use crate::options::{TrainOptions, splitmix};
use crate::synthesizer::{Conditioning, SampleContext, Sampler, Synthesizer, Trained};

/// The Gaussian copula with its config.
pub(crate) struct Copula<'a>(pub &'a CopulaConfig);

const WEIGHTS: &str = "copula.json";

/// One normal score: where it lives in the encoded matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
enum Score {
    /// A quantile-normal value at this column of the matrix.
    Normal { col: usize },
    /// A one-hot span (a category, or a `[present, missing]` indicator).
    Interval { start: usize, width: usize },
}

/// The copula of one class (or of all rows).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct ClassCopula {
    /// Rows it was fitted on.
    rows: usize,
    /// Mean of the scores.
    mean: Vec<f64>,
    /// Lower Cholesky factor of the shrunk covariance, row-major `d × d`.
    chol: Vec<f64>,
    /// Per interval score: the cumulative frequencies of its categories (last = 1); empty for
    /// normal scores.
    cdf: Vec<Vec<f64>>,
}

/// A fitted copula: the scores, and one copula per class (one in all when unconditional).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct CopulaModel {
    scores: Vec<Score>,
    /// The target's one-hot span when it is the label.
    label: Option<(usize, usize)>,
    /// Per class of the label (index = category), or one entry.
    classes: Vec<Option<ClassCopula>>,
    /// Width of the encoded layout.
    dim: usize,
}

impl Synthesizer for Copula<'_> {
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()> {
        if transformer
            .layout()
            .spans()
            .any(|s| s.activation == Activation::Tanh)
        {
            return Err(TrainError::WrongEncoding {
                model: "copula",
                reason: "it reads normal scores of continuous columns; set [transform] continuous = \"quantile\"",
            });
        }
        Ok(())
    }

    fn fit(
        &self,
        transformer: &DataTransformer,
        train: &Matrix,
        opts: &TrainOptions,
        _device: &Device,
        _base: &Device,
    ) -> TrainResult<Trained> {
        let model = fit_copula(self.0, transformer, train, opts.seed)?;
        Ok(Trained {
            sampler: Box::new(CopulaSampler(model)),
            losses: Vec::new(),
        })
    }

    fn load(
        &self,
        _transformer: &DataTransformer,
        _conditioned: bool,
        dir: &Path,
        _device: &Device,
    ) -> TrainResult<Box<dyn Sampler>> {
        let p = dir.join(WEIGHTS);
        let bytes = std::fs::read(&p).map_err(|e| TrainError::io(&p, e))?;
        let model: CopulaModel =
            serde_json::from_slice(&bytes).map_err(|e| TrainError::record(&p, e))?;
        Ok(Box::new(CopulaSampler(model)))
    }
}

/// The scores of `layout`, leaving out the label's span.
fn scores_of(layout: &Layout, label: Option<(usize, usize)>) -> Vec<Score> {
    let mut out = Vec::new();
    for s in layout.spans() {
        if label.is_some_and(|(start, _)| start == s.start) {
            continue;
        }
        match s.activation {
            Activation::Linear => out.push(Score::Normal { col: s.start }),
            Activation::Softmax => out.push(Score::Interval {
                start: s.start,
                width: s.dim,
            }),
            Activation::Tanh => unreachable!("checked by check_encoding"),
        }
    }
    out
}

fn fit_copula(
    cfg: &CopulaConfig,
    transformer: &DataTransformer,
    train: &Matrix,
    seed: u64,
) -> TrainResult<CopulaModel> {
    let layout = transformer.layout();
    let label = match (cfg.class_conditional, transformer.target()) {
        (true, Some(t)) => layout
            .cond_block_of(t)
            .map(|b| layout.cond_blocks()[b].span)
            .map(|s| (s.start, s.dim)),
        _ => None,
    };
    let scores = scores_of(layout, label);
    if scores.is_empty() {
        return Err(TrainError::NothingToGenerate { model: "copula" });
    }
    let groups: Vec<Vec<usize>> = match label {
        Some((start, width)) => {
            let mut g = vec![Vec::new(); width];
            for r in 0..train.rows() {
                g[argmax(&train.row(r)[start..start + width])].push(r);
            }
            g
        }
        None => vec![(0..train.rows()).collect()],
    };
    let mut rng = StdRng::seed_from_u64(splitmix(seed ^ 0xC0FA_1A00));
    let classes = groups
        .iter()
        .map(|rows| (!rows.is_empty()).then(|| fit_class(cfg, &scores, train, rows, &mut rng)))
        .collect();
    Ok(CopulaModel {
        scores,
        label,
        classes,
        dim: layout.dim(),
    })
}

fn fit_class(
    cfg: &CopulaConfig,
    scores: &[Score],
    train: &Matrix,
    rows: &[usize],
    rng: &mut StdRng,
) -> ClassCopula {
    let d = scores.len();
    let n = rows.len();
    // Cumulative frequencies of each interval score within the class.
    let cdf: Vec<Vec<f64>> = scores
        .iter()
        .map(|s| match s {
            Score::Normal { .. } => Vec::new(),
            Score::Interval { start, width } => {
                let mut counts = vec![0usize; *width];
                for &r in rows {
                    counts[argmax(&train.row(r)[*start..start + width])] += 1;
                }
                let mut acc = 0.0;
                counts
                    .iter()
                    .map(|&c| {
                        acc += c as f64 / n as f64;
                        acc
                    })
                    .collect()
            }
        })
        .collect();
    // The score matrix, n × d.
    let mut z = vec![0.0f64; n * d];
    for (i, &r) in rows.iter().enumerate() {
        let row = train.row(r);
        for (j, s) in scores.iter().enumerate() {
            z[i * d + j] = match s {
                Score::Normal { col } => f64::from(row[*col]),
                Score::Interval { start, width } => {
                    let k = argmax(&row[*start..start + width]);
                    let lo = if k == 0 { 0.0 } else { cdf[j][k - 1] };
                    let hi = cdf[j][k];
                    normal_ppf(lo + rng.random::<f64>() * (hi - lo))
                }
            };
        }
    }
    let mean: Vec<f64> = (0..d)
        .map(|j| (0..n).map(|i| z[i * d + j]).sum::<f64>() / n as f64)
        .collect();
    let mut cov = vec![0.0f64; d * d];
    if n > 1 {
        for i in 0..n {
            for a in 0..d {
                let da = z[i * d + a] - mean[a];
                for b in 0..=a {
                    cov[a * d + b] += da * (z[i * d + b] - mean[b]);
                }
            }
        }
        for a in 0..d {
            for b in 0..=a {
                cov[a * d + b] /= (n - 1) as f64;
                cov[b * d + a] = cov[a * d + b];
            }
        }
    }
    let lambda = cfg
        .shrinkage
        .unwrap_or(d as f64 / (n + d) as f64)
        .clamp(0.0, 1.0);
    for a in 0..d {
        for b in 0..d {
            if a != b {
                cov[a * d + b] *= 1.0 - lambda;
            }
        }
        cov[a * d + a] += 1e-6;
    }
    ClassCopula {
        rows: n,
        mean,
        chol: cholesky(&cov, d),
        cdf,
    }
}

/// Lower Cholesky factor of a symmetric positive definite `d × d` matrix (row-major). Shrinkage
/// and the 1e-6 ridge keep the pivots positive; a pivot that is not (round-off) is floored at
/// 1e-12.
fn cholesky(a: &[f64], d: usize) -> Vec<f64> {
    let mut l = vec![0.0f64; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                l[i * d + i] = (a[i * d + i] - s).max(1e-12).sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    l
}

/// The fitted copula as a sampler.
#[derive(Debug)]
struct CopulaSampler(CopulaModel);

impl Sampler for CopulaSampler {
    fn conditioning(&self) -> Conditioning {
        if self.0.label.is_some() {
            Conditioning::Label
        } else {
            Conditioning::None
        }
    }

    fn weights_file(&self) -> &'static str {
        WEIGHTS
    }

    fn save(&self, path: &Path) -> TrainResult<()> {
        crate::persist::write_json(path, &self.0)
    }

    /// Labels first (the condition's class, or drawn by the target's training counts), then
    /// each row's normal draws, all from the host RNG.
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix> {
        let m = &self.0;
        let labels: Vec<usize> = match (m.label, condition) {
            (None, _) => vec![0; n],
            (Some(_), Some((_, k))) => vec![k; n],
            (Some(_), None) => {
                let b = ctx
                    .target_block
                    .expect("a label is the target's condition block");
                let counts = &ctx.table.columns[b].counts;
                (0..n).map(|_| draw_by_count(counts, ctx.rng)).collect()
            }
        };
        let d = m.scores.len();
        let mut out = Matrix::zeros(n, m.dim);
        let mut eps = vec![0.0f64; d];
        for (r, &c) in labels.iter().enumerate() {
            // A class never seen in training has no copula: fall back to the largest class.
            let cc = m.classes[c.min(m.classes.len() - 1)]
                .as_ref()
                .or_else(|| m.classes.iter().flatten().max_by_key(|c| c.rows))
                .expect("at least one class has rows");
            for e in eps.iter_mut() {
                *e = StandardNormal.sample(ctx.rng);
            }
            let row = out.row_mut(r);
            if let Some((start, _)) = m.label {
                row[start + c] = 1.0;
            }
            for (j, s) in m.scores.iter().enumerate() {
                let z: f64 = cc.mean[j] + (0..=j).map(|k| cc.chol[j * d + k] * eps[k]).sum::<f64>();
                match s {
                    Score::Normal { col } => row[*col] = z as f32,
                    Score::Interval { start, width } => {
                        let u = normal_cdf(z);
                        let k = cc.cdf[j].partition_point(|&c| c < u).min(width - 1);
                        row[start + k] = 1.0;
                    }
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reproduces_the_matrix() {
        let a = [4.0, 2.0, 0.6, 2.0, 2.0, 0.5, 0.6, 0.5, 3.0];
        let l = cholesky(&a, 3);
        for i in 0..3 {
            for j in 0..3 {
                let v: f64 = (0..3).map(|k| l[i * 3 + k] * l[j * 3 + k]).sum();
                assert!((v - a[i * 3 + j]).abs() < 1e-12, "{i},{j}");
            }
        }
        assert_eq!(l[1], 0.0);
    }
}

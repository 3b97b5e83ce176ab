//! Time-series fidelity and oversampling baselines, on [`SequenceSet`]s (plain Rust, no burn).
//!
//! - [`marginal_fidelity`]: per feature, the two-sample Kolmogorov–Smirnov statistic between all
//!   real and all synthetic values (every step pooled), reported as SDMetrics' KSComplement
//!   `1 − KS` (1 = identical marginals);
//! - [`autocorrelation`] / [`autocorrelation_fidelity`]: per feature, the autocorrelation at lags
//!   1…k pooled over sequences (centred and normalised by the set's own mean and variance of that
//!   feature), and the mean absolute difference between real and synthetic (0 = identical);
//! - oversampling baselines for a rare class of sequences: [`jitter`] (additive Gaussian noise,
//!   Um et al. 2017), [`window_slice`] (random crop re-stretched to full length by linear
//!   interpolation, Le Guennec et al. 2016) and [`smote_flat`] (SMOTE on flattened windows,
//!   Chawla et al. 2002, k = 5).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Serialize};
use synthkit_data::sequence::SequenceSet;

use crate::error::{EvalError, EvalResult};
use crate::fidelity::ks_statistic;

/// Marginal fidelity of one feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureFidelity {
    /// Feature name.
    pub feature: String,
    /// `1 − KS statistic` between real and synthetic values.
    pub ks_complement: f64,
    /// Mean absolute difference of the autocorrelations at lags 1…k.
    pub acf_abs_diff: f64,
}

fn check_same(real: &SequenceSet, synth: &SequenceSet) -> EvalResult<()> {
    if real.features != synth.features {
        return Err(EvalError::ShapeMismatch {
            what: "features of real and synthetic sequences".into(),
            expected: real.n_features(),
            got: synth.n_features(),
        });
    }
    if real.is_empty() || synth.is_empty() {
        return Err(EvalError::EmptyTable {
            table: if real.is_empty() { "real" } else { "synthetic" }.into(),
        });
    }
    Ok(())
}

fn feature_values(set: &SequenceSet, f: usize) -> Vec<f64> {
    set.values
        .iter()
        .skip(f)
        .step_by(set.n_features())
        .map(|v| *v as f64)
        .collect()
}

/// Per-feature `1 − KS` between real and synthetic values (all steps pooled).
///
/// # Errors
/// Different features, or an empty set.
pub fn marginal_fidelity(real: &SequenceSet, synth: &SequenceSet) -> EvalResult<Vec<f64>> {
    check_same(real, synth)?;
    Ok((0..real.n_features())
        .map(|f| 1.0 - ks_statistic(&feature_values(real, f), &feature_values(synth, f)))
        .collect())
}

/// Autocorrelation of every feature at lags `1..=max_lag`, pooled over the sequences of `set`:
/// `Σ (x_t − m)(x_{t+l} − m) / (count_l · var)` with the set's mean `m` and variance `var` of the
/// feature. `result[f][l − 1]`. A constant feature has autocorrelation 0.
pub fn autocorrelation(set: &SequenceSet, max_lag: usize) -> Vec<Vec<f64>> {
    let nf = set.n_features();
    let t = set.seq_len;
    (0..nf)
        .map(|f| {
            let vals = feature_values(set, f);
            let n = vals.len().max(1) as f64;
            let m = vals.iter().sum::<f64>() / n;
            let var = vals.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n;
            (1..=max_lag)
                .map(|l| {
                    if l >= t || var <= 0.0 {
                        return 0.0;
                    }
                    let mut s = 0.0;
                    let mut c = 0usize;
                    for seq in vals.chunks_exact(t) {
                        for i in 0..t - l {
                            s += (seq[i] - m) * (seq[i + l] - m);
                            c += 1;
                        }
                    }
                    s / (c as f64 * var)
                })
                .collect()
        })
        .collect()
}

/// Per-feature mean |ACF_real − ACF_synth| over lags `1..=max_lag`.
///
/// # Errors
/// Different features, or an empty set.
pub fn autocorrelation_fidelity(
    real: &SequenceSet,
    synth: &SequenceSet,
    max_lag: usize,
) -> EvalResult<Vec<f64>> {
    check_same(real, synth)?;
    if max_lag == 0 {
        return Err(EvalError::InvalidValue {
            field: "max_lag".into(),
            reason: "must be at least 1".into(),
        });
    }
    let a = autocorrelation(real, max_lag);
    let b = autocorrelation(synth, max_lag);
    Ok(a.iter()
        .zip(&b)
        .map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()).sum::<f64>() / max_lag as f64)
        .collect())
}

/// Both fidelity measures per feature.
///
/// # Errors
/// As [`marginal_fidelity`].
pub fn series_fidelity(
    real: &SequenceSet,
    synth: &SequenceSet,
    max_lag: usize,
) -> EvalResult<Vec<FeatureFidelity>> {
    let ks = marginal_fidelity(real, synth)?;
    let acf = autocorrelation_fidelity(real, synth, max_lag)?;
    Ok(real
        .features
        .iter()
        .zip(ks.into_iter().zip(acf))
        .map(|(f, (k, a))| FeatureFidelity {
            feature: f.clone(),
            ks_complement: k,
            acf_abs_diff: a,
        })
        .collect())
}

fn out_set(
    like: &SequenceSet,
    values: Vec<f32>,
    n: usize,
    label: Option<&str>,
    tag: &str,
) -> SequenceSet {
    SequenceSet {
        features: like.features.clone(),
        seq_len: like.seq_len,
        ids: (0..n).map(|i| format!("{tag}-{i}")).collect(),
        labels: label.map(|l| vec![l.to_string(); n]),
        values,
    }
}

fn check_source(minority: &SequenceSet) -> EvalResult<()> {
    if minority.is_empty() {
        return Err(EvalError::EmptyClass {
            what: "time-series oversampling".into(),
            class: "positive".into(),
        });
    }
    Ok(())
}

/// `n` copies of random `minority` sequences with N(0, σ²) noise added to every value (use on
/// min-max scaled data; σ = 0.03 is the usual choice). Labelled `label`.
///
/// # Errors
/// An empty source set or a negative σ.
pub fn jitter(
    minority: &SequenceSet,
    n: usize,
    sigma: f64,
    label: Option<&str>,
    seed: u64,
) -> EvalResult<SequenceSet> {
    check_source(minority)?;
    let normal = Normal::new(0.0, sigma).map_err(|e| EvalError::InvalidValue {
        field: "sigma".into(),
        reason: e.to_string(),
    })?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * minority.seq_len * minority.n_features());
    for _ in 0..n {
        let s = minority.sequence(rng.random_range(0..minority.len()));
        values.extend(s.iter().map(|v| v + normal.sample(&mut rng) as f32));
    }
    Ok(out_set(minority, values, n, label, "jitter"))
}

/// `n` window slices: a random crop of `ratio · seq_len` steps of a random minority sequence,
/// stretched back to `seq_len` steps by linear interpolation.
///
/// # Errors
/// An empty source set or a ratio outside (0, 1].
pub fn window_slice(
    minority: &SequenceSet,
    n: usize,
    ratio: f64,
    label: Option<&str>,
    seed: u64,
) -> EvalResult<SequenceSet> {
    check_source(minority)?;
    if !(ratio > 0.0 && ratio <= 1.0) {
        return Err(EvalError::InvalidValue {
            field: "ratio".into(),
            reason: format!("{ratio} is not in (0, 1]"),
        });
    }
    let (t, nf) = (minority.seq_len, minority.n_features());
    let w = ((t as f64 * ratio).round() as usize).clamp(2.min(t), t);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * t * nf);
    for _ in 0..n {
        let s = minority.sequence(rng.random_range(0..minority.len()));
        let start = rng.random_range(0..=t - w);
        for i in 0..t {
            let pos = if t == 1 {
                0.0
            } else {
                start as f64 + i as f64 * (w - 1) as f64 / (t - 1) as f64
            };
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(start + w - 1);
            let frac = (pos - lo as f64) as f32;
            for f in 0..nf {
                values.push(s[lo * nf + f] * (1.0 - frac) + s[hi * nf + f] * frac);
            }
        }
    }
    Ok(out_set(minority, values, n, label, "slice"))
}

/// SMOTE on flattened sequences: each new sequence interpolates, at one uniform λ for all of its
/// values, between a random minority sequence and one of its `k` nearest minority neighbours
/// (Euclidean distance on the flattened values).
///
/// # Errors
/// Fewer than 2 minority sequences, or k = 0.
pub fn smote_flat(
    minority: &SequenceSet,
    n: usize,
    k: usize,
    label: Option<&str>,
    seed: u64,
) -> EvalResult<SequenceSet> {
    check_source(minority)?;
    if minority.len() < 2 || k == 0 {
        return Err(EvalError::InvalidValue {
            field: "k".into(),
            reason: format!(
                "SMOTE needs k ≥ 1 and at least 2 minority sequences (k = {k}, {} sequences)",
                minority.len()
            ),
        });
    }
    let m = minority.len();
    let k = k.min(m - 1);
    let neighbours: Vec<Vec<usize>> = (0..m)
        .map(|i| {
            let a = minority.sequence(i);
            let mut d: Vec<(f64, usize)> = (0..m)
                .filter(|&j| j != i)
                .map(|j| {
                    let b = minority.sequence(j);
                    let dist: f64 = a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum();
                    (dist, j)
                })
                .collect();
            d.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            d.into_iter().take(k).map(|(_, j)| j).collect()
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut values = Vec::with_capacity(n * minority.seq_len * minority.n_features());
    for _ in 0..n {
        let i = rng.random_range(0..m);
        let j = neighbours[i][rng.random_range(0..k)];
        let lam: f32 = rng.random();
        let (a, b) = (minority.sequence(i), minority.sequence(j));
        values.extend(a.iter().zip(b).map(|(x, y)| x + lam * (y - x)));
    }
    Ok(out_set(minority, values, n, label, "smote"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use synthkit_data::sequence::{LongFormat, read_long};

    fn stock() -> SequenceSet {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        read_long(
            &root.join("datasets/timegan_stock/train.csv"),
            &LongFormat {
                id: "seq_id".into(),
                time: "t".into(),
                features: vec![],
                target: None,
            },
        )
        .unwrap()
    }

    #[test]
    fn identical_sets_are_perfect_and_shuffled_steps_lose_autocorrelation() {
        let real = stock();
        let fid = series_fidelity(&real, &real, 5).unwrap();
        assert_eq!(fid.len(), 6);
        for f in &fid {
            assert_eq!(f.ks_complement, 1.0);
            assert_eq!(f.acf_abs_diff, 0.0);
        }
        // Prices are strongly autocorrelated.
        let acf = autocorrelation(&real, 3);
        assert!(acf[0][0] > 0.8, "{:?}", acf[0]);
        // Reversing the order of the steps' values within the pooled array destroys the
        // within-sequence structure but keeps the marginals.
        let mut shuffled = real.clone();
        let mut rng = StdRng::seed_from_u64(0);
        let nf = real.n_features();
        let rows = shuffled.values.len() / nf;
        for r in (1..rows).rev() {
            let j = rng.random_range(0..=r);
            for f in 0..nf {
                shuffled.values.swap(r * nf + f, j * nf + f);
            }
        }
        let fid = series_fidelity(&real, &shuffled, 5).unwrap();
        for f in &fid {
            assert!((f.ks_complement - 1.0).abs() < 1e-12);
            assert!(f.acf_abs_diff > 0.3, "{f:?}");
        }
        // A shifted copy keeps the autocorrelation but not the marginals.
        let mut shifted = real.clone();
        for v in &mut shifted.values {
            *v += 1e9;
        }
        let ks = marginal_fidelity(&real, &shifted).unwrap();
        assert!(ks.iter().all(|k| *k < 0.5), "{ks:?}");
    }

    #[test]
    fn oversamplers_return_n_labelled_sequences_near_the_source() {
        let real = stock().select(&(0..10).collect::<Vec<_>>());
        for set in [
            jitter(&real, 25, 0.0, Some("1"), 0).unwrap(),
            window_slice(&real, 25, 1.0, Some("1"), 0).unwrap(),
        ] {
            assert_eq!(set.len(), 25);
            assert_eq!(set.labels.as_ref().unwrap().len(), 25);
            // σ = 0 and ratio 1 are exact copies of source sequences.
            for i in 0..set.len() {
                assert!((0..real.len()).any(|j| real.sequence(j) == set.sequence(i)));
            }
        }
        let sm = smote_flat(&real, 40, 5, None, 3).unwrap();
        assert_eq!(sm.len(), 40);
        assert_eq!(sm.labels, None);
        // Interpolations stay inside the per-value hull of the source.
        for i in 0..sm.len() {
            for (p, v) in sm.sequence(i).iter().enumerate() {
                let lo = (0..real.len())
                    .map(|j| real.sequence(j)[p])
                    .fold(f32::INFINITY, f32::min);
                let hi = (0..real.len())
                    .map(|j| real.sequence(j)[p])
                    .fold(f32::NEG_INFINITY, f32::max);
                assert!(*v >= lo - 1e-3 && *v <= hi + 1e-3);
            }
        }
        // A 50 % slice of a linear ramp is a ramp of half the slope.
        let ramp = SequenceSet {
            features: vec!["x".into()],
            seq_len: 5,
            ids: vec!["r".into()],
            labels: None,
            values: vec![0.0, 1.0, 2.0, 3.0, 4.0],
        };
        let s = window_slice(&ramp, 1, 0.6, None, 0).unwrap();
        let d: Vec<f32> = s.values.windows(2).map(|w| w[1] - w[0]).collect();
        assert!(d.iter().all(|x| (x - 0.5).abs() < 1e-6), "{:?}", s.values);
        assert!(smote_flat(&real.select(&[0]), 3, 5, None, 0).is_err());
        assert!(jitter(&real.select(&[]), 3, 0.1, None, 0).is_err());
    }
}

//! Mode-specific normalisation of one continuous column (CTGAN, Xu et al. 2019,
//! arXiv:1907.00503 §4.2): a variational Gaussian mixture with a Dirichlet-process prior finds
//! the column's modes; each value becomes a scalar α (its offset from a mode in units of 4σ,
//! clipped to ±0.99) and a one-hot β of a mode *sampled* from the value's posterior over modes.
//!
//! synthkit extension: a column with missing values gets one more slot at the end of β, the
//! missing indicator (α = 0 there). It round-trips: a row whose β argmax is that slot decodes to
//! missing. SDV's CTGAN refuses such columns instead.
//!
//! Round trip: every value that some kept mode covers within ±0.99·4σ decodes to itself (to the
//! column's grid, see [`Rounding`]); values no mode covers are outliers, clipped to that bound
//! and decoded inside the observed range.

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::bgm::{Bgm, BgmParams};
use crate::error::{DataError, DataResult};
use crate::matrix::argmax;

/// Values are expressed in units of this many standard deviations of their mode (CTGAN's
/// `STD_MULTIPLIER`, so that α is roughly within ±1).
pub const STD_MULTIPLIER: f64 = 4.0;
/// The encoded scalar is clipped to ±this (CTGAN data transformer).
pub const ALPHA_CLIP: f64 = 0.99;
/// Added to each mode's posterior before renormalising and sampling (CTGAN data transformer).
const POSTERIOR_EPS: f64 = 1e-6;

/// The fitted encoder of one continuous column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ContinuousEncoder {
    /// The full mixture (all components), used for the posterior.
    bgm: Bgm,
    /// Indices into the mixture of the kept modes (weight above the threshold).
    kept: Vec<usize>,
    /// Whether the column had missing values (adds the missing slot to β).
    has_missing: bool,
    /// Smallest observed value: decoded values are clipped to `[min, max]`.
    min: f64,
    /// Largest observed value.
    max: f64,
    /// The grid the observed values lie on, restored by rounding on decode (`None`: no grid).
    rounding: Option<Rounding>,
}

/// A grid that every observed value of a column lies on. Decoded values are rounded to it, so
/// values printed with 1 decimal come back with 1 decimal, integers as integers and daily
/// timestamps as whole days (the encoded scalar is an `f32`, whose precision alone would not).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Rounding {
    /// Values have at most this many decimals (0..=6).
    Decimals(u32),
    /// Values are whole multiples of this integer step (e.g. one day in milliseconds).
    Multiple(f64),
}

impl Rounding {
    /// The coarsest candidate grid (`steps` are integer steps tried first, coarsest first; then
    /// 0 to 6 decimals) that holds every value, or `None`.
    pub fn detect(values: &[f64], steps: &[f64]) -> Option<Rounding> {
        let on_grid = |r: Rounding| {
            values
                .iter()
                .all(|&x| (r.apply(x) - x).abs() <= 1e-9 * x.abs().max(1.0))
        };
        steps
            .iter()
            .map(|&s| Rounding::Multiple(s))
            .chain((0..=6u32).map(Rounding::Decimals))
            .find(|&r| on_grid(r))
    }

    /// Rounds `x` to the grid.
    pub fn apply(self, x: f64) -> f64 {
        match self {
            Rounding::Decimals(d) => {
                let scale = 10f64.powi(d as i32);
                (x * scale).round() / scale
            }
            Rounding::Multiple(s) => (x / s).round() * s,
        }
    }
}

impl ContinuousEncoder {
    /// Fits the mixture on the non-missing values and keeps modes with weight above
    /// `weight_threshold` (CTGAN: 0.005). `grid_steps` are integer steps (coarsest first) the
    /// values may lie on, besides decimal grids (see [`Rounding::detect`]).
    pub fn fit(
        column: &str,
        values: &[Option<f64>],
        params: &BgmParams,
        weight_threshold: f64,
        grid_steps: &[f64],
    ) -> DataResult<Self> {
        let present: Vec<f64> = values.iter().flatten().copied().collect();
        let has_missing = present.len() < values.len();
        let (min, max) = present
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        let bgm = params.fit(&present).map_err(|source| DataError::Mixture {
            column: column.to_string(),
            source,
        })?;
        let mut kept: Vec<usize> = (0..bgm.weights.len())
            .filter(|&k| bgm.weights[k] > weight_threshold)
            .collect();
        if kept.is_empty() {
            // Cannot happen for a proper fit (weights sum to 1 over ≤ 10 components), but never
            // leave a column without a mode.
            let best = (0..bgm.weights.len())
                .max_by(|&a, &b| bgm.weights[a].total_cmp(&bgm.weights[b]))
                .unwrap_or(0);
            kept.push(best);
        }
        let rounding = Rounding::detect(&present, grid_steps);
        Ok(Self {
            bgm,
            kept,
            has_missing,
            min,
            max,
            rounding,
        })
    }

    /// Width of the mode block β (kept modes, plus the missing slot if any).
    pub fn n_modes(&self) -> usize {
        self.kept.len() + usize::from(self.has_missing)
    }

    /// Number of kept mixture modes (without the missing slot).
    pub fn n_kept(&self) -> usize {
        self.kept.len()
    }

    /// Whether the column has a missing slot.
    pub fn has_missing(&self) -> bool {
        self.has_missing
    }

    /// Means and standard deviations of the kept modes.
    pub fn modes(&self) -> Vec<(f64, f64)> {
        self.kept
            .iter()
            .map(|&k| (self.bgm.means[k], self.bgm.stds[k]))
            .collect()
    }

    /// The grid decoded values are rounded to, if the observed values lie on one.
    pub fn rounding(&self) -> Option<Rounding> {
        self.rounding
    }

    /// Observed range `[min, max]`.
    pub fn range(&self) -> (f64, f64) {
        (self.min, self.max)
    }

    /// Whether some kept mode represents `x` without clipping α (else `x` is an outlier whose
    /// decoded value is clipped into the observed range).
    pub fn representable(&self, x: f64) -> bool {
        self.kept.iter().any(|&k| {
            (x - self.bgm.means[k]).abs() <= ALPHA_CLIP * STD_MULTIPLIER * self.bgm.stds[k]
        })
    }

    /// Encodes one value into `out` (`1 + n_modes` wide: α then β), sampling the mode from the
    /// value's posterior over the kept modes (CTGAN), restricted to the modes that can represent
    /// it without clipping (our refinement: the reference can sample, with the 1e-6 floor it adds
    /// to every mode, a mode 40σ away and lose the value to the ±0.99 clip).
    pub fn encode(&self, value: Option<f64>, out: &mut [f32], rng: &mut impl Rng) {
        out.fill(0.0);
        let Some(x) = value else {
            // Missing: α = 0 and the last slot of β.
            out[1 + self.kept.len()] = 1.0;
            return;
        };
        let mut post = [0.0f64; 64];
        let all = &mut post[..self.bgm.weights.len()];
        self.bgm.predict_proba(x, all);
        let mut probs = [0.0f64; 64];
        let mut total = 0.0;
        // Sample among the modes that can represent x without clipping α; only when none can
        // (an outlier) fall back to all kept modes, and α is clipped.
        for restrict in [true, false] {
            for (i, &k) in self.kept.iter().enumerate() {
                let fits =
                    (x - self.bgm.means[k]).abs() <= ALPHA_CLIP * STD_MULTIPLIER * self.bgm.stds[k];
                probs[i] = if fits || !restrict {
                    all[k] + POSTERIOR_EPS
                } else {
                    0.0
                };
                total += probs[i];
            }
            if total > 0.0 {
                break;
            }
        }
        let u = rng.random::<f64>() * total;
        let mut acc = 0.0;
        let mut mode = self.kept.len() - 1;
        for (i, p) in probs[..self.kept.len()].iter().enumerate() {
            acc += p;
            if u < acc {
                mode = i;
                break;
            }
        }
        let k = self.kept[mode];
        let alpha = (x - self.bgm.means[k]) / (STD_MULTIPLIER * self.bgm.stds[k]);
        out[0] = alpha.clamp(-ALPHA_CLIP, ALPHA_CLIP) as f32;
        out[1 + mode] = 1.0;
    }

    /// Decodes α and the mode block β (argmax) back to a value, or `None` for the missing slot.
    /// α is clipped to ±1 and the value to the observed range, then rounded to the column's
    /// grid ([`Rounding`]).
    pub fn decode(&self, alpha: f32, beta: &[f32]) -> Option<f64> {
        let mode = argmax(beta);
        if mode >= self.kept.len() {
            return None;
        }
        let k = self.kept[mode];
        let alpha = f64::from(alpha).clamp(-1.0, 1.0);
        let x = (alpha * STD_MULTIPLIER * self.bgm.stds[k] + self.bgm.means[k])
            .clamp(self.min, self.max);
        Some(
            self.rounding
                .map_or(x, |r| r.apply(x).clamp(self.min, self.max)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grids_are_detected() {
        let d = |v: &[f64]| Rounding::detect(v, &[]);
        assert_eq!(d(&[1.0, 2.0, 300.0]), Some(Rounding::Decimals(0)));
        assert_eq!(d(&[298.1, 300.2]), Some(Rounding::Decimals(1)));
        assert_eq!(d(&[0.0195, 1.5]), Some(Rounding::Decimals(4)));
        assert_eq!(d(&[std::f64::consts::PI]), None);
        let day = 86_400_000.0;
        assert_eq!(
            Rounding::detect(&[3.0 * day, 7.0 * day], &[day, 1000.0]),
            Some(Rounding::Multiple(day))
        );
        assert_eq!(
            Rounding::detect(&[3.0 * day + 1000.0], &[day, 1000.0]),
            Some(Rounding::Multiple(1000.0))
        );
        assert_eq!(Rounding::Decimals(1).apply(298.09999), 298.1);
    }
}

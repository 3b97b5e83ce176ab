//! Quantile-normal encoding of a continuous column, as TabDDPM preprocesses numeric features
//! (`yandex-research/tab-ddpm` `lib/data.py` L217–222: scikit-learn's
//! `QuantileTransformer(output_distribution='normal', n_quantiles=max(min(N // 30, 1000), 10),
//! subsample=1e9)`).
//!
//! Fitting keeps `n_quantiles` empirical quantiles of the observed values (NumPy's linear
//! percentile, made non-decreasing). A value is mapped to its empirical CDF by interpolation,
//! averaging the interpolations from the left and from the right so that a value repeated
//! across several quantiles lands in the middle of its plateau, and then through Φ⁻¹; values
//! within 1e-7 of the end quantiles map to the clip bound Φ⁻¹(1e-7) ≈ −5.2 (resp. +5.2). Decoding
//! applies Φ and interpolates back. This is scikit-learn's algorithm step for step
//! (`sklearn/preprocessing/_data.py`, `QuantileTransformer._transform_col`), checked against it
//! by `tests/quantile_golden.rs`.
//!
//! On top of the reference, decoding clips to the observed range and rounds to the column's grid
//! ([`Rounding`]), and a column with missing values gets a two-slot indicator `[present,
//! missing]` that the model generates like any categorical block (the reference drops such rows).

use serde::{Deserialize, Serialize};

use super::continuous::Rounding;

/// scikit-learn's `BOUNDS_THRESHOLD`: CDF values this close to 0 or 1 are put on the bounds.
pub const BOUNDS_THRESHOLD: f64 = 1e-7;

/// The number of quantiles TabDDPM fits for `n_rows` training rows:
/// `max(min(n_rows / 30, 1000), 10)` (`lib/data.py` L219).
pub fn tabddpm_n_quantiles(n_rows: usize) -> usize {
    (n_rows / 30).clamp(10, 1000)
}

/// The fitted quantile-normal encoder of one continuous column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuantileEncoder {
    /// The empirical quantiles at `references`, non-decreasing.
    quantiles: Vec<f64>,
    /// `linspace(0, 1, n)`.
    references: Vec<f64>,
    /// Whether the column had missing values (adds the `[present, missing]` block).
    has_missing: bool,
    /// Smallest observed value.
    min: f64,
    /// Largest observed value.
    max: f64,
    /// The grid the observed values lie on, restored by rounding on decode.
    rounding: Option<Rounding>,
}

impl QuantileEncoder {
    /// Fits `n_quantiles` quantiles (at most the number of observed values) of the non-missing
    /// `values`. `grid_steps` as in [`Rounding::detect`]. Needs at least one present value.
    pub fn fit(values: &[Option<f64>], n_quantiles: usize, grid_steps: &[f64]) -> Self {
        let mut present: Vec<f64> = values.iter().flatten().copied().collect();
        let has_missing = present.len() < values.len();
        present.sort_by(f64::total_cmp);
        // scikit-learn caps the quantile count by the number of rows, missing ones included.
        let nq = n_quantiles.min(values.len()).max(1);
        let references: Vec<f64> = if nq == 1 {
            vec![0.0]
        } else {
            (0..nq).map(|i| i as f64 / (nq - 1) as f64).collect()
        };
        let mut quantiles: Vec<f64> = references
            .iter()
            .map(|&p| linear_percentile(&present, p))
            .collect();
        // scikit-learn: `np.maximum.accumulate` (percentile can be non-monotone by rounding).
        let mut running = f64::NEG_INFINITY;
        for q in quantiles.iter_mut() {
            running = running.max(*q);
            *q = running;
        }
        let rounding = Rounding::detect(&present, grid_steps);
        Self {
            quantiles,
            references,
            has_missing,
            min: present.first().copied().unwrap_or(0.0),
            max: present.last().copied().unwrap_or(0.0),
            rounding,
        }
    }

    /// The fitted quantiles.
    pub fn quantiles(&self) -> &[f64] {
        &self.quantiles
    }

    /// Whether the column has a `[present, missing]` indicator block.
    pub fn has_missing(&self) -> bool {
        self.has_missing
    }

    /// Observed range `[min, max]`.
    pub fn range(&self) -> (f64, f64) {
        (self.min, self.max)
    }

    /// The grid decoded values are rounded to, if any.
    pub fn rounding(&self) -> Option<Rounding> {
        self.rounding
    }

    /// The forward map x → z (scikit-learn's `transform`), without the missing handling.
    pub fn to_normal(&self, x: f64) -> f64 {
        let q = &self.quantiles;
        let r = &self.references;
        let n = q.len();
        let (lo, hi) = (q[0], q[n - 1]);
        let p = if x - BOUNDS_THRESHOLD < lo {
            0.0
        } else if x + BOUNDS_THRESHOLD > hi {
            1.0
        } else {
            // 0.5 · (interp(x, q, r) − interp(−x, −q[::-1], −r[::-1]))
            let right = interp(x, n, |i| q[i], |i| r[i]);
            let left = interp(-x, n, |i| -q[n - 1 - i], |i| -r[n - 1 - i]);
            0.5 * (right - left)
        };
        let bound = normal_clip();
        normal_ppf(p).clamp(-bound, bound)
    }

    /// The inverse map z → x (scikit-learn's `inverse_transform`), then clipped to the observed
    /// range and rounded to the column's grid.
    pub fn from_normal(&self, z: f64) -> f64 {
        let x = self.inverse_raw(z).clamp(self.min, self.max);
        self.rounding
            .map_or(x, |g| g.apply(x).clamp(self.min, self.max))
    }

    /// scikit-learn's `inverse_transform` alone: Φ, then interpolation from the references back
    /// to the quantiles.
    pub fn inverse_raw(&self, z: f64) -> f64 {
        let q = &self.quantiles;
        let r = &self.references;
        let n = q.len();
        let p = normal_cdf(z);
        if p - BOUNDS_THRESHOLD < 0.0 {
            q[0]
        } else if p + BOUNDS_THRESHOLD > 1.0 {
            q[n - 1]
        } else {
            interp(p, n, |i| r[i], |i| q[i])
        }
    }

    /// Encodes one value into `out` (1 wide, or 3 with the missing indicator: z, present,
    /// missing). A missing value has z = 0.
    pub fn encode(&self, value: Option<f64>, out: &mut [f32]) {
        out.fill(0.0);
        match value {
            Some(x) => {
                out[0] = self.to_normal(x) as f32;
                if self.has_missing {
                    out[1] = 1.0;
                }
            }
            None => {
                // Only reachable when the column had missing values at fit time.
                if self.has_missing {
                    out[2] = 1.0;
                }
            }
        }
    }

    /// Decodes z and the indicator (empty when the column has none; read by argmax) back to a
    /// value, or `None` when the indicator says missing.
    pub fn decode(&self, z: f32, indicator: &[f32]) -> Option<f64> {
        if indicator.len() == 2 && indicator[1] > indicator[0] {
            return None;
        }
        // The matrix holds z as f32: a value at (or beyond) the f32-rounded clip bound is the bound
        // itself, so the end quantiles come back exactly (Φ of the rounded bound misses the
        // 1e-7 threshold by a hair).
        let bound = normal_clip();
        let edge = f64::from(bound as f32);
        let z = match f64::from(z) {
            z if z.is_nan() => 0.0,
            z if z >= edge => bound,
            z if z <= -edge => -bound,
            z => z,
        };
        Some(self.from_normal(z))
    }
}

/// NumPy's default (`linear`) percentile of sorted data at fraction `p` ∈ [0, 1].
fn linear_percentile(sorted: &[f64], p: f64) -> f64 {
    let n = sorted.len();
    if n == 0 {
        return 0.0;
    }
    let pos = p * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(n - 1);
    let t = pos - lo as f64;
    let (a, b) = (sorted[lo], sorted[hi]);
    // NumPy's `_lerp`: a + (b − a)·t, evaluated from the nearer end.
    let d = b - a;
    if t >= 0.5 {
        b - d * (1.0 - t)
    } else {
        a + d * t
    }
}

/// `np.interp(x, xp, fp)` for non-decreasing `xp` of length `n` (≥ 1): the last `j` with
/// `xp[j] ≤ x`, linear between `j` and `j + 1`, constant outside.
fn interp(x: f64, n: usize, xp: impl Fn(usize) -> f64, fp: impl Fn(usize) -> f64) -> f64 {
    if n == 1 || x < xp(0) {
        return fp(0);
    }
    if x >= xp(n - 1) {
        return fp(n - 1);
    }
    // Binary search for the last j with xp[j] ≤ x (j < n − 1 here).
    let (mut lo, mut hi) = (0usize, n - 1);
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if xp(mid) <= x {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let (x0, x1) = (xp(lo), xp(lo + 1));
    let (y0, y1) = (fp(lo), fp(lo + 1));
    if x1 == x0 {
        return y0;
    }
    y0 + (x - x0) * (y1 - y0) / (x1 - x0)
}

/// |z| bound of the encoded value: Φ⁻¹(1 − (1e-7 − ε)) ≈ 5.1993 (scikit-learn's clip).
pub fn normal_clip() -> f64 {
    -normal_ppf(BOUNDS_THRESHOLD - f64::EPSILON)
}

/// The standard normal CDF Φ(z) = ½·erfc(−z/√2).
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// The complementary error function, to about 1e-14 absolute: the Maclaurin series of erf for
/// |x| ≤ 3 and the Laplace continued fraction of erfc beyond.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x.abs() <= 3.0 {
        // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
        let x2 = x * x;
        let mut term = x; // (−1)^n x^(2n+1) / n!
        let mut sum = x;
        let mut k = 0u32;
        loop {
            k += 1;
            term *= -x2 / f64::from(k);
            let add = term / f64::from(2 * k + 1);
            sum += add;
            if add.abs() < 1e-17 * sum.abs().max(1e-300) || k > 200 {
                break;
            }
        }
        1.0 - sum * std::f64::consts::FRAC_2_SQRT_PI
    } else if x > 0.0 {
        // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
        let mut f = x;
        for k in (1..=80).rev() {
            f = x + (f64::from(k) / 2.0) / f;
        }
        (-x * x).exp() / (f * std::f64::consts::PI.sqrt())
    } else {
        2.0 - erfc(-x)
    }
}

/// The standard normal quantile Φ⁻¹(p): Acklam's rational approximation (relative error
/// 1.15e-9) refined by one Halley step on [`normal_cdf`]. `p` outside (0, 1) gives ±∞.
pub fn normal_ppf(p: f64) -> f64 {
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.02425;
    let x = if p < P_LOW {
        let q = (-2.0 * p.ln()).sqrt();
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = (-2.0 * (1.0 - p).ln()).sqrt();
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step: e = Φ(x) − p, u = e·√(2π)·e^{x²/2}.
    let e = normal_cdf(x) - p;
    let u = e * (2.0 * std::f64::consts::PI).sqrt() * (x * x / 2.0).exp();
    x - u / (1.0 + x * u / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_functions_match_known_values() {
        // scipy.stats.norm: ppf(0.975) = 1.959963984540054, cdf(1) = 0.8413447460685429,
        // cdf(-6) = 9.865876450376946e-10, erfc(0.5) = 0.4795001221869535.
        assert!((normal_ppf(0.975) - 1.959_963_984_540_054).abs() < 1e-12);
        assert!((normal_cdf(1.0) - 0.841_344_746_068_542_9).abs() < 1e-14);
        assert!((normal_cdf(-6.0) / 9.865_876_450_376_946e-10 - 1.0).abs() < 1e-9);
        assert!((erfc(0.5) - 0.479_500_122_186_953_5).abs() < 1e-14);
        assert!((normal_clip() - 5.199_337_582_605_575).abs() < 1e-9);
        for &p in &[1e-9, 1e-4, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0 - 1e-6] {
            assert!(
                (normal_cdf(normal_ppf(p)) / p - 1.0).abs() < 1e-10,
                "round trip at {p}"
            );
        }
    }

    #[test]
    fn ties_land_mid_plateau_and_round_trip() {
        let vals: Vec<Option<f64>> = [1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
            .iter()
            .map(|&x| Some(x))
            .collect();
        let e = QuantileEncoder::fit(&vals, 10, &[1.0]);
        for v in vals.iter().flatten() {
            let z = e.to_normal(*v);
            assert_eq!(e.from_normal(z), *v, "value {v} (z = {z})");
        }
        // The ends map to the clip bounds.
        assert!((e.to_normal(1.0) + normal_clip()).abs() < 1e-12);
        assert!((e.to_normal(7.0) - normal_clip()).abs() < 1e-12);
        // The plateau of 2.0 (references 1/9..4/9) maps to its middle, CDF 2.5/9.
        assert!((normal_cdf(e.to_normal(2.0)) - 2.5 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn missing_values_get_an_indicator() {
        let e = QuantileEncoder::fit(&[Some(1.0), None, Some(3.0)], 10, &[]);
        assert!(e.has_missing());
        let mut out = [9.0f32; 3];
        e.encode(None, &mut out);
        assert_eq!(out, [0.0, 0.0, 1.0]);
        assert_eq!(e.decode(out[0], &out[1..]), None);
        e.encode(Some(3.0), &mut out);
        assert_eq!(out[1..], [1.0, 0.0]);
        assert_eq!(e.decode(out[0], &out[1..]), Some(3.0));
        // The ends survive the f32 matrix exactly, and values beyond the bound decode to them.
        let e = QuantileEncoder::fit(
            &(0..100)
                .map(|i| Some(f64::from(i) * 5.3 + 0.005))
                .collect::<Vec<_>>(),
            10,
            &[],
        );
        let (lo, hi) = e.range();
        assert_eq!(e.decode(e.to_normal(hi) as f32, &[]), Some(hi));
        assert_eq!(e.decode(e.to_normal(lo) as f32, &[]), Some(lo));
        assert_eq!(e.decode(40.0, &[]), Some(hi));
        assert_eq!(e.decode(f32::NEG_INFINITY, &[]), Some(lo));
    }
}

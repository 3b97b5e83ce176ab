//! Small summary statistics for repeated runs: mean ± standard deviation and exact paired tests
//! (sign test; Wilcoxon signed-rank as scipy `wilcoxon(zero_method='wilcox', method='exact')`).

use serde::{Deserialize, Serialize};

/// Mean and sample standard deviation (ddof = 1; 0 for a single value) of repeated runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (ddof = 1).
    pub std: f64,
}

impl MeanStd {
    /// Summarise `v` (NaN for an empty slice).
    pub fn of(v: &[f64]) -> Self {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = if v.len() > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        MeanStd { mean, std }
    }
}

/// Differences below this are ties.
pub const TIE_EPS: f64 = 1e-12;

/// Two-sided exact sign test of paired differences (ties dropped): `p = min(1, 2 P(X ≤ min(W, L)))`,
/// `X ~ Binomial(W + L, 1/2)`. 1 when every pair is tied.
pub fn sign_test_p(diffs: &[f64]) -> f64 {
    let wins = diffs.iter().filter(|&&d| d > TIE_EPS).count();
    let losses = diffs.iter().filter(|&&d| d < -TIE_EPS).count();
    let n = wins + losses;
    if n == 0 {
        return 1.0;
    }
    let k = wins.min(losses);
    let mut tail = 0.0;
    let mut c = 1.0; // C(n, i)
    for i in 0..=k {
        if i > 0 {
            c = c * (n - i + 1) as f64 / i as f64;
        }
        tail += c;
    }
    (2.0 * tail / 2f64.powi(n as i32)).min(1.0)
}

/// Two-sided exact Wilcoxon signed-rank p-value of paired differences: zeros dropped, tied
/// absolute values get average ranks, and the null distribution of `W+` is enumerated over all
/// `2^n` sign patterns of those ranks. 1 when every pair is tied. With 5 seeds the smallest
/// attainable p is 0.0625.
pub fn wilcoxon_p(diffs: &[f64]) -> f64 {
    let d: Vec<f64> = diffs
        .iter()
        .copied()
        .filter(|x| x.abs() > TIE_EPS)
        .collect();
    let n = d.len();
    if n == 0 {
        return 1.0;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs()));
    // Doubled ranks are integers even with ties (average of consecutive ranks).
    let mut rank2 = vec![0usize; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && (d[order[j + 1]].abs() - d[order[i]].abs()).abs() <= TIE_EPS {
            j += 1;
        }
        // ranks i+1..=j+1, average (i+j+2)/2, doubled: i+j+2.
        for &o in &order[i..=j] {
            rank2[o] = i + j + 2;
        }
        i = j + 1;
    }
    let w_plus: usize = (0..n).filter(|&k| d[k] > 0.0).map(|k| rank2[k]).sum();
    let total: usize = rank2.iter().sum();
    // counts[s] = number of sign patterns with doubled W+ = s.
    let mut counts = vec![0f64; total + 1];
    counts[0] = 1.0;
    for &r in &rank2 {
        for s in (r..=total).rev() {
            counts[s] += counts[s - r];
        }
    }
    let all = 2f64.powi(n as i32);
    let le: f64 = counts[..=w_plus].iter().sum::<f64>() / all;
    let ge: f64 = counts[w_plus..].iter().sum::<f64>() / all;
    (2.0 * le.min(ge)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_std_by_hand() {
        let m = MeanStd::of(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(m.mean, 2.5);
        assert!((m.std - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert_eq!(MeanStd::of(&[7.0]).std, 0.0);
    }

    #[test]
    fn sign_test_by_hand() {
        // 5 wins of 5: 2 / 32.
        assert!((sign_test_p(&[0.1, 0.2, 0.3, 0.1, 0.5]) - 0.0625).abs() < 1e-12);
        // 4 wins, 1 loss: 2 · 6/32.
        assert!((sign_test_p(&[0.1, 0.2, -0.3, 0.1, 0.5]) - 0.375).abs() < 1e-12);
        // Ties dropped: 3 wins of 3 → 2/8.
        assert!((sign_test_p(&[0.1, 0.0, 0.2, 0.3, 0.0]) - 0.25).abs() < 1e-12);
        assert_eq!(sign_test_p(&[0.0, 0.0]), 1.0);
    }

    #[test]
    fn wilcoxon_matches_scipy_exact() {
        // scipy.stats.wilcoxon([1, 2, 3, 4, 5]) → statistic 0, p = 0.0625 (exact).
        assert!((wilcoxon_p(&[1.0, 2.0, 3.0, 4.0, 5.0]) - 0.0625).abs() < 1e-12);
        // scipy.stats.wilcoxon([1, -2, 3, 4, 5]) → W- = 2: P(W+ ≥ 13) = 3/32, p = 0.1875.
        assert!((wilcoxon_p(&[1.0, -2.0, 3.0, 4.0, 5.0]) - 0.1875).abs() < 1e-12);
        // Symmetric: p = 1 when W+ sits at the centre ([1, -1]: P(W+ ≤ 1.5)... doubled ranks 3, 3).
        assert_eq!(wilcoxon_p(&[1.0, -1.0]), 1.0);
        assert_eq!(wilcoxon_p(&[]), 1.0);
    }
}

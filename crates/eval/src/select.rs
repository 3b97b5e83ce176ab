//! Choosing an arm on validation data and comparing arms over replicates.
//!
//! [`pick`] chooses among the arms a stage evaluated by one classifier's validation PR-AUC; the
//! caller then reports the chosen arm's *test* score, never the best test score. [`Paired`]
//! summarises the per-replicate differences of two arms' test scores: mean, sample standard
//! deviation, a 95 % t-interval, wins/losses and exact sign and Wilcoxon tests.

use serde::{Deserialize, Serialize};

use crate::arms::{ArmRun, ArmSpec};
use crate::stats::{TIE_EPS, sign_test_p, wilcoxon_p};

/// The run with the highest PR-AUC among those of classifier `classifier` whose arm passes
/// `candidate`; on a tie the earlier run (callers list arms simplest first: real before any
/// augmentation, small ratios before large ones). `None` when no run qualifies.
pub fn pick<'a>(
    runs: &'a [ArmRun],
    classifier: &str,
    candidate: impl Fn(&ArmSpec) -> bool,
) -> Option<&'a ArmRun> {
    let mut best: Option<&ArmRun> = None;
    for r in runs
        .iter()
        .filter(|r| r.classifier == classifier && candidate(&r.arm))
    {
        if best.is_none_or(|b| r.metrics.pr_auc > b.metrics.pr_auc + TIE_EPS) {
            best = Some(r);
        }
    }
    best
}

/// The sampling error of a validation PR-AUC `ap` over `rare` rare rows, `√(AP (1 − AP) / rare)`
/// (the binomial error; `rare` of 0 counts as 1).
pub fn validation_noise(ap: f64, rare: usize) -> f64 {
    (ap * (1.0 - ap) / rare.max(1) as f64).sqrt()
}

/// The `augment` decision among `runs` of `classifier`: the best augmentation arm when its PR-AUC
/// beats the real rows' by more than `margin` × [`validation_noise`] over `rare` rare rows,
/// otherwise the real rows (a margin of 0 keeps the plain maximum, real rows winning ties).
/// `None` when the real arm did not run.
pub fn pick_augment<'a>(
    runs: &'a [ArmRun],
    classifier: &str,
    rare: usize,
    margin: f64,
) -> Option<&'a ArmRun> {
    pick_augment_among(runs, classifier, rare, margin, ArmSpec::is_augment)
}

/// [`pick_augment`] with the augmentation arms restricted to those passing `candidate`.
pub fn pick_augment_among<'a>(
    runs: &'a [ArmRun],
    classifier: &str,
    rare: usize,
    margin: f64,
    candidate: impl Fn(&ArmSpec) -> bool,
) -> Option<&'a ArmRun> {
    pick_over_real(runs, classifier, rare, margin, |a| {
        a.is_augment() && candidate(a)
    })
}

/// The best arm other than the real rows passing `candidate` when it beats the real rows by
/// [`pick_augment`]'s margin, the real rows otherwise.
pub fn pick_over_real<'a>(
    runs: &'a [ArmRun],
    classifier: &str,
    rare: usize,
    margin: f64,
    candidate: impl Fn(&ArmSpec) -> bool,
) -> Option<&'a ArmRun> {
    let real = pick(runs, classifier, |a| *a == ArmSpec::Real)?;
    let Some(best) = pick(runs, classifier, |a| *a != ArmSpec::Real && candidate(a)) else {
        return Some(real);
    };
    let ap = real.metrics.pr_auc;
    let needed = (margin * validation_noise(ap, rare)).max(TIE_EPS);
    Some(if best.metrics.pr_auc > ap + needed {
        best
    } else {
        real
    })
}

/// Two-sided 97.5 % quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// `t_{0.975, df}` (the normal 1.96 above 30... interpolated towards it: 2.042 at 30, 1.96 at ∞).
pub fn t975(df: usize) -> f64 {
    match df {
        0 => f64::NAN,
        1..=30 => T975[df - 1],
        _ => 1.96 + (2.042 - 1.96) * 30.0 / df as f64,
    }
}

/// Paired differences `a − b` over replicates, summarised.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    /// The differences, in replicate order.
    pub diffs: Vec<f64>,
    /// Mean difference.
    pub mean: f64,
    /// Sample standard deviation (ddof 1; 0 for one pair).
    pub sd: f64,
    /// 95 % t-interval of the mean, `mean ± t_{0.975, n−1} · sd / √n` (NaN for one pair).
    pub ci95: [f64; 2],
    /// Pairs where `a` is better / worse / tied (|d| ≤ 1e-12).
    pub wins: usize,
    /// See `wins`.
    pub losses: usize,
    /// See `wins`.
    pub ties: usize,
    /// Exact two-sided sign test.
    pub sign_p: f64,
    /// Exact two-sided Wilcoxon signed-rank test.
    pub wilcoxon_p: f64,
}

impl Paired {
    /// Summarises `diffs` (at least one).
    pub fn of(diffs: Vec<f64>) -> Self {
        let n = diffs.len();
        let mean = diffs.iter().sum::<f64>() / n as f64;
        let sd = if n > 1 {
            (diffs.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
        } else {
            0.0
        };
        let half = t975(n.saturating_sub(1)) * sd / (n as f64).sqrt();
        Paired {
            mean,
            sd,
            ci95: [mean - half, mean + half],
            wins: diffs.iter().filter(|&&d| d > TIE_EPS).count(),
            losses: diffs.iter().filter(|&&d| d < -TIE_EPS).count(),
            ties: diffs.iter().filter(|&&d| d.abs() <= TIE_EPS).count(),
            sign_p: sign_test_p(&diffs),
            wilcoxon_p: wilcoxon_p(&diffs),
            diffs,
        }
    }

    /// Number of pairs.
    pub fn n(&self) -> usize {
        self.diffs.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::ClassificationMetrics;

    fn run(arm: ArmSpec, pr: f64) -> ArmRun {
        ArmRun {
            arm,
            classifier: "gbt".into(),
            n_real: 10,
            n_added: 0,
            metrics: ClassificationMetrics {
                minority_f1: 0.0,
                macro_f1: 0.0,
                roc_auc: 0.5,
                pr_auc: pr,
                recall_at_precision: 0.0,
            },
        }
    }

    #[test]
    fn pick_takes_the_best_and_the_earlier_on_ties() {
        let smote = |r| ArmSpec::Oversample {
            method: crate::oversample::Oversampler::Smote { k_neighbors: 5 },
            ratio: Some(r),
        };
        let runs = vec![
            run(ArmSpec::Real, 0.7),
            run(smote(1.0), 0.7),
            run(smote(2.0), 0.6),
        ];
        assert_eq!(pick(&runs, "gbt", |_| true).unwrap().arm, ArmSpec::Real);
        assert_eq!(
            pick(&runs, "gbt", ArmSpec::is_oversample).unwrap().arm,
            smote(1.0)
        );
        assert!(pick(&runs, "logistic", |_| true).is_none());
    }

    #[test]
    fn augment_needs_the_margin_to_leave_the_real_rows() {
        let gen_arm = ArmSpec::Augment {
            source: crate::arms::Source::Generator("tvae".into()),
            ratio: 1.0,
            filter: false,
            weight: 1.0,
            condition: crate::arms::Conditioned::Force,
        };
        // AP 0.5 over 25 rare rows: s = 0.1.
        let runs = vec![run(ArmSpec::Real, 0.5), run(gen_arm.clone(), 0.58)];
        assert!((validation_noise(0.5, 25) - 0.1).abs() < 1e-12);
        assert_eq!(
            pick_augment(&runs, "gbt", 25, 1.0).unwrap().arm,
            ArmSpec::Real
        );
        assert_eq!(pick_augment(&runs, "gbt", 25, 0.5).unwrap().arm, gen_arm);
        assert_eq!(pick_augment(&runs, "gbt", 25, 0.0).unwrap().arm, gen_arm);
        // A generator arm below the real rows never wins, whatever the margin.
        let worse = vec![run(ArmSpec::Real, 0.5), run(gen_arm, 0.45)];
        assert_eq!(
            pick_augment(&worse, "gbt", 25, 0.0).unwrap().arm,
            ArmSpec::Real
        );
        assert_eq!(
            pick_augment(&[run(ArmSpec::Real, 0.5)], "gbt", 25, 1.0)
                .unwrap()
                .arm,
            ArmSpec::Real
        );
        assert!(pick_augment(&[], "gbt", 25, 1.0).is_none());
    }

    /// Against scipy: `stats.t.interval(0.95, 4, loc=mean, scale=sem)` for
    /// d = [0.01, 0.03, -0.02, 0.04, 0.02]: mean 0.016, sd 0.02302, interval ±0.02858.
    #[test]
    fn paired_interval_matches_the_t_distribution() {
        let p = Paired::of(vec![0.01, 0.03, -0.02, 0.04, 0.02]);
        assert!((p.mean - 0.016).abs() < 1e-12);
        assert!((p.sd - 0.023021728866442676).abs() < 1e-12);
        let half = 2.776 * p.sd / 5f64.sqrt();
        assert!((p.ci95[1] - p.mean - half).abs() < 1e-12);
        assert!((half - 0.02858).abs() < 1e-4);
        assert_eq!((p.wins, p.losses, p.ties), (4, 1, 0));
        assert_eq!(t975(4), 2.776);
        assert!(t975(1000) > 1.96 && t975(1000) < 1.97);
    }
}

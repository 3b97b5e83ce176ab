//! How numbers and arms are written in the report's tables.

use synthkit_eval::arms::ArmSpec;
use synthkit_eval::select::Paired;
use synthkit_runs::FitRecord;

use crate::assemble::Estimate;

/// `mean ± sd` to 3 decimals, `mean (1 replicate)` when there is no spread to show (a single
/// replicate has no interval), or `n/a`.
pub fn est(e: &Estimate) -> String {
    if e.mean.is_nan() {
        "n/a".into()
    } else if e.ci95.is_nan() {
        format!("{:.3} (1 replicate)", e.mean)
    } else {
        format!("{:.3} ± {:.3}", e.mean, e.sd)
    }
}

/// An optional estimate.
pub fn opt_est(e: Option<&Estimate>) -> String {
    e.map_or("n/a".into(), est)
}

/// A value to 3 decimals, or `n/a`.
pub fn opt(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.3}"))
}

/// A paired difference: `+0.012 [−0.004, +0.028]`, its 95 % interval, and wins/losses.
pub fn paired(p: Option<&Paired>) -> String {
    match p {
        None => String::new(),
        Some(p) if p.n() < 2 => format!("{:+.3} ({}/{})", p.mean, p.wins, p.losses),
        Some(p) => format!(
            "{:+.3} [{:+.3}, {:+.3}] ({}/{})",
            p.mean, p.ci95[0], p.ci95[1], p.wins, p.losses
        ),
    }
}

/// An arm as the tables name it (`real only`, `TSTR ctgan`, `ctgan ×2 filtered w0.5`,
/// `smote auto`).
pub fn arm_name(arm: &ArmSpec) -> String {
    match arm {
        ArmSpec::Real => "real only".into(),
        ArmSpec::Tstr { generator } => format!("TSTR {generator}"),
        ArmSpec::Oversample {
            method,
            ratio: Some(r),
        } => format!("{} ×{r}", method.name()),
        ArmSpec::Oversample {
            method,
            ratio: None,
        } => format!("{} auto", method.name()),
        ArmSpec::Augment { .. }
        | ArmSpec::Committee { .. }
        | ArmSpec::OversampleCommittee { .. } => arm.label().replace('@', " ×").replace('+', " "),
        ArmSpec::BaggedReal { .. } => arm.label(),
    }
}

/// Training seconds per 1000 optimiser steps, for models that count steps (TabDDPM, flow);
/// "n/a" for the others.
pub fn per_1000_steps(fit: &FitRecord) -> String {
    fit.seconds_per_1000_steps()
        .map_or("n/a".into(), |s| format!("{s:.1}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_counted_models_report_seconds_per_1000_steps() {
        let fit = FitRecord {
            train_seconds: 45.0,
            epochs: 2,
            steps: Some(200),
            ..FitRecord::default()
        };
        assert_eq!(per_1000_steps(&fit), "225.0");
        let epochs_only = FitRecord { steps: None, ..fit };
        assert_eq!(per_1000_steps(&epochs_only), "n/a");
    }

    #[test]
    fn paired_differences_show_their_interval_and_wins() {
        let p = Paired::of(vec![0.01, 0.03, -0.02, 0.04, 0.02]);
        assert_eq!(paired(Some(&p)), "+0.016 [-0.013, +0.045] (4/1)");
        assert_eq!(paired(None), "");
    }

    #[test]
    fn one_replicate_shows_no_spread() {
        assert_eq!(est(&Estimate::of(&[0.5])), "0.500 (1 replicate)");
        assert_eq!(est(&Estimate::of(&[0.5, 0.7])), "0.600 ± 0.141");
    }
}

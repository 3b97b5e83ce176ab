//! How numbers and arms are written in the report's tables.

use synthkit_eval::stats::MeanStd;
use synthkit_eval::utility::{Arm, UtilityReport};
use synthkit_runs::FitRecord;

/// `mean ± std` to 4 decimals, or `n/a`.
pub fn ms(m: &MeanStd) -> String {
    if m.mean.is_nan() {
        "n/a".into()
    } else {
        format!("{:.4} ± {:.4}", m.mean, m.std)
    }
}

/// A value to 3 decimals, or `n/a`.
pub fn opt(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.3}"))
}

/// An arm as the tables name it (`real only`, `TSTR ctgan`, `ctgan ×2`, `SMOTE auto`).
pub fn arm_name(arm: &Arm) -> String {
    match arm {
        Arm::Real => "real only".into(),
        Arm::Tstr { generator } => format!("TSTR {generator}"),
        Arm::Augment { generator, ratio } => format!("{generator} ×{ratio}"),
        Arm::Oversample {
            method,
            ratio: Some(r),
        } => format!("{} ×{r}", method.name()),
        Arm::Oversample {
            method,
            ratio: None,
        } => format!("{} auto", method.name()),
    }
}

/// The names of the bench's classifiers, the headline's first.
pub fn classifiers(u: &UtilityReport) -> Vec<String> {
    u.config
        .classifiers
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

/// Training seconds per 1000 optimiser steps, for models that count steps (TabDDPM, whose
/// "epoch" is a block of steps); "n/a" for the others.
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
}

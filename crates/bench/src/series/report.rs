//! The JSON report of a TimeGAN evaluation (`eval.json`).

use std::collections::BTreeMap;

use serde::Serialize;
use synthkit_eval::metrics::ClassificationMetrics;
use synthkit_eval::series::FeatureFidelity;
use synthkit_eval::stats::MeanStd;
use synthkit_train::series_metrics::ClassifierOptions;

/// Scores of one repeat.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ScoreRun {
    pub(crate) seed: u64,
    pub(crate) discriminative: f64,
    pub(crate) predictive: f64,
}

/// The discriminative and predictive scores over the repeats.
#[derive(Serialize)]
pub(crate) struct Scores {
    /// Paper protocol: TimeGAN samples as many sequences as the real training set.
    pub(crate) runs: Vec<ScoreRun>,
    pub(crate) discriminative: MeanStd,
    pub(crate) predictive: MeanStd,
    /// Reference: the predictive score of the real training sequences themselves (TRTR).
    pub(crate) predictive_real: MeanStd,
    /// Reference: the discriminative score of real training vs real test sequences (how far
    /// apart two real samples already are); null without a test file.
    pub(crate) discriminative_real_vs_test: Option<MeanStd>,
    pub(crate) discriminative_iterations: usize,
    pub(crate) predictive_iterations: usize,
    pub(crate) batch_size: usize,
}

/// One training set of the augmentation benchmark and its classifier metrics per repeat.
#[derive(Serialize)]
pub(crate) struct AugmentMethod {
    pub(crate) method: String,
    pub(crate) added_sequences: usize,
    /// Per repeat: minority_f1, macro_f1, roc_auc, pr_auc, recall_at_precision.
    pub(crate) runs: Vec<ClassificationMetrics>,
    pub(crate) mean: BTreeMap<String, MeanStd>,
}

/// The augmentation benchmark: a sequence classifier trained on real sequences alone or plus
/// rare-class sequences from TimeGAN or a baseline, scored on the real test sequences.
#[derive(Serialize)]
pub(crate) struct Augmentation {
    pub(crate) positive: String,
    pub(crate) train_sequences: usize,
    pub(crate) train_positive: usize,
    pub(crate) test_sequences: usize,
    pub(crate) test_positive: usize,
    pub(crate) classifier: ClassifierOptions,
    pub(crate) methods: Vec<AugmentMethod>,
}

/// The whole report.
#[derive(Serialize)]
pub(crate) struct SeriesReport {
    pub(crate) config: String,
    pub(crate) model: String,
    pub(crate) sequences_train: usize,
    pub(crate) seq_len: usize,
    pub(crate) features: Vec<String>,
    pub(crate) iterations_per_phase: usize,
    pub(crate) seconds_per_iteration: BTreeMap<String, f64>,
    pub(crate) scores: Scores,
    pub(crate) fidelity: Vec<FeatureFidelity>,
    pub(crate) fidelity_mean_ks_complement: f64,
    pub(crate) fidelity_mean_acf_abs_diff: f64,
    pub(crate) augmentation: Option<Augmentation>,
    pub(crate) eval_seconds: f64,
}

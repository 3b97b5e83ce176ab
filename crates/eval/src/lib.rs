//! # synthkit-eval
//!
//! Does synthetic data help, measured on real held-out rows? This crate answers with numbers:
//!
//! - [`metrics`]: minority F1, macro F1, ROC-AUC, PR-AUC (average precision) and recall at a
//!   fixed precision, as scikit-learn defines them;
//! - [`encode`]: a numeric encoding of a table fitted on real train (one-hot + standardised
//!   numerics with mean imputation and missing indicators);
//! - [`classifier`]: the downstream classifiers (forust-ml boosted trees, logistic regression),
//!   both taking sample weights;
//! - [`logistic`]: the weighted L2 logistic regression (linfa-logistic's L-BFGS solver with a
//!   weight per row);
//! - [`oversample`]: the baselines (random, SMOTE, SMOTE-NC, Borderline-SMOTE, ADASYN) after
//!   imbalanced-learn;
//! - [`utility`]: the TRTR / TSTR / augmentation-vs-baselines runner over seeds, with paired
//!   comparisons against SMOTE (`synthkit eval`);
//! - [`arms`]: the arms of an augmentation experiment (real, oversamplers, generators and their
//!   ensemble at each ratio, curated or weighted) evaluated on one stage, validation or test;
//! - [`curate`]: the curation filter of generated rare rows (a cross-fitted judge classifier and
//!   the real rare class's support);
//! - [`select`]: choosing an arm on validation data, and paired comparisons over replicates;
//! - [`fidelity`]: SDMetrics column shapes and pair trends, overall and for the rare class,
//!   and the detection score;
//! - [`privacy`]: DCR, exact copies, NNDR, overfitting protection, membership inference;
//! - [`stats`]: mean ± std and exact paired tests;
//! - [`series`]: time-series marginal and autocorrelation fidelity, and the jitter /
//!   window-slicing / flattened-SMOTE oversampling baselines for rare sequences.
//!
//! The crate does not depend on burn: generators are run elsewhere and their rows are passed in
//! as polars `DataFrame`s.
#![warn(missing_docs)]

pub mod arms;
pub mod classifier;
pub mod curate;
pub mod encode;
pub mod error;
pub mod fidelity;
pub mod logistic;
pub mod metrics;
pub mod oversample;
pub mod privacy;
pub mod select;
pub mod series;
pub mod stats;
pub mod utility;

pub use error::{EvalError, EvalResult};

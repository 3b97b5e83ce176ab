//! The utility runner: does training on synthetic rows, or augmenting the rare class with them,
//! beat SMOTE on real held-out data?
//!
//! Arms, all scored on the real test set with the same classifiers and settings:
//! - `real` (TRTR): real train only, no oversampling;
//! - `tstr`: a synthetic table with both classes, as large as real train (one frame per seed,
//!   or `n_train` rows drawn from a pool with the seed);
//! - `augment`: real train + `round(ratio × n_rare_train)` synthetic rare rows, for each ratio of
//!   the sweep (default 0.5, 1, 2, 3, 5);
//! - `oversample`: real train + the same number of rows from each baseline of
//!   [`Oversampler::defaults`], and each baseline at imblearn's `'auto'` size.
//!
//! Every arm is repeated over the seeds (the seed drives the synthetic subsample, the
//! oversampler and the classifier), summarised as mean ± std, and compared with SMOTE of the
//! same size seed by seed (paired differences, wins/losses, sign and Wilcoxon tests).

use polars::prelude::{DataFrame, IdxCa, IdxSize};
use rand::{SeedableRng, rngs::StdRng, seq::index::sample};
use serde::{Deserialize, Serialize};
use synthkit_data::schema::Schema;

use crate::classifier::ClassifierSpec;
use crate::encode::{FeatureEncoder, Features, binary_target};
use crate::error::{EvalError, EvalResult, ensure};
use crate::metrics::{ClassificationMetrics, MetricOptions};
use crate::oversample::{Oversampler, SamplingTarget};
use crate::stats::{MeanStd, sign_test_p, wilcoxon_p};

/// Settings of a utility run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UtilityConfig {
    /// The binary target column.
    pub target: String,
    /// The rare class's value of the target, compared as a string (meta.json `positive`).
    pub positive: String,
    /// Downstream classifiers. Default: boosted trees and logistic regression.
    pub classifiers: Vec<ClassifierSpec>,
    /// Seeds, one repetition each. Default 0..5.
    pub seeds: Vec<u64>,
    /// Augmentation ratios k (synthetic rare rows = k × real rare rows). Default 0.5, 1, 2, 3, 5.
    pub ratios: Vec<f64>,
    /// Oversampling baselines run at every ratio. Default: all five with imblearn defaults.
    pub baselines: Vec<Oversampler>,
    /// Also run each baseline at imblearn's `sampling_strategy='auto'`. Default true.
    pub baselines_auto: bool,
    /// Decision threshold and precision floor of the metrics.
    pub metrics: MetricOptions,
}

impl Default for UtilityConfig {
    fn default() -> Self {
        UtilityConfig {
            target: String::new(),
            positive: String::new(),
            classifiers: ClassifierSpec::defaults(),
            seeds: (0..5).collect(),
            ratios: vec![0.5, 1.0, 2.0, 3.0, 5.0],
            baselines: Oversampler::defaults(),
            baselines_auto: true,
            metrics: MetricOptions::default(),
        }
    }
}

impl UtilityConfig {
    /// Defaults for a target column and its rare value.
    pub fn new(target: &str, positive: &str) -> Self {
        UtilityConfig {
            target: target.into(),
            positive: positive.into(),
            ..Default::default()
        }
    }

    /// Check the settings before any work.
    pub fn check(&self) -> EvalResult<()> {
        let invalid = |field: &str, reason: &str| EvalError::InvalidValue {
            field: field.into(),
            reason: reason.into(),
        };
        ensure!(
            !self.target.is_empty(),
            invalid("target", "empty; name the target column")
        );
        ensure!(
            !self.seeds.is_empty(),
            invalid("seeds", "empty; give at least one seed")
        );
        ensure!(
            !self.classifiers.is_empty(),
            invalid("classifiers", "empty; give at least one classifier")
        );
        ensure!(
            self.ratios.iter().all(|r| r.is_finite() && *r > 0.0),
            invalid(
                "ratios",
                "every ratio must be finite and > 0, e.g. [0.5, 1, 2, 3, 5]"
            )
        );
        Ok(())
    }
}

/// Synthetic rows from one generator.
#[derive(Clone, Copy, Debug)]
pub enum SyntheticSource<'a> {
    /// One frame per seed, in the order of [`UtilityConfig::seeds`].
    PerSeed(&'a [DataFrame]),
    /// One pool; each seed draws the rows it needs without replacement.
    Pool(&'a DataFrame),
}

/// What one generator contributes to a run.
#[derive(Clone, Debug)]
pub struct GeneratorRows<'a> {
    /// The generator's name in the report (e.g. `ctgan`).
    pub name: String,
    /// Full synthetic tables (both classes) for TSTR, if any.
    pub full: Option<SyntheticSource<'a>>,
    /// Synthetic rows for augmentation; rows whose target is not the rare class are ignored.
    pub rare: Option<SyntheticSource<'a>>,
}

/// One arm of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arm", rename_all = "snake_case")]
pub enum Arm {
    /// Train on real train only (TRTR).
    Real,
    /// Train on synthetic data only.
    Tstr {
        /// The generator.
        generator: String,
    },
    /// Real train + synthetic rare rows.
    Augment {
        /// The generator.
        generator: String,
        /// Synthetic rare rows per real rare row.
        ratio: f64,
    },
    /// Real train + oversampled rare rows.
    Oversample {
        /// The oversampler.
        method: Oversampler,
        /// Rows per real rare row; `None` = imblearn's `'auto'` (up to the majority count).
        ratio: Option<f64>,
    },
}

impl Arm {
    /// A readable label (`real`, `tstr:ctgan`, `augment:ctgan@2`, `smote@auto`).
    pub fn label(&self) -> String {
        match self {
            Arm::Real => "real".into(),
            Arm::Tstr { generator } => format!("tstr:{generator}"),
            Arm::Augment { generator, ratio } => format!("augment:{generator}@{ratio}"),
            Arm::Oversample {
                method,
                ratio: Some(r),
            } => format!("{}@{r}", method.name()),
            Arm::Oversample {
                method,
                ratio: None,
            } => format!("{}@auto", method.name()),
        }
    }
}

/// One fitted classifier of one arm and seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    /// The arm.
    pub arm: Arm,
    /// The classifier (`gbt`, `logistic`).
    pub classifier: String,
    /// The seed.
    pub seed: u64,
    /// Training rows.
    pub n_train_rows: usize,
    /// Of which synthetic or oversampled.
    pub n_synthetic: usize,
    /// Metrics on real test.
    pub metrics: ClassificationMetrics,
}

/// Mean ± std over seeds of one arm and classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    /// The arm.
    pub arm: Arm,
    /// The classifier.
    pub classifier: String,
    /// Number of seeds.
    pub n_seeds: usize,
    /// Mean number of synthetic rows.
    pub n_synthetic: f64,
    /// Minority-class F1.
    pub minority_f1: MeanStd,
    /// Macro F1.
    pub macro_f1: MeanStd,
    /// ROC-AUC.
    pub roc_auc: MeanStd,
    /// PR-AUC (average precision).
    pub pr_auc: MeanStd,
    /// Recall at the precision floor.
    pub recall_at_precision: MeanStd,
}

/// An arm against SMOTE of the same size, seed by seed, on one metric.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedComparison {
    /// The arm.
    pub arm: Arm,
    /// The SMOTE arm it is compared with.
    pub against: Arm,
    /// The classifier.
    pub classifier: String,
    /// The metric (`pr_auc`, ...).
    pub metric: String,
    /// `arm − against` per seed, in seed order.
    pub diffs: Vec<f64>,
    /// Mean ± std of the differences.
    pub diff: MeanStd,
    /// Seeds where the arm is better / worse / tied (|d| ≤ 1e-12).
    pub wins: usize,
    /// See `wins`.
    pub losses: usize,
    /// See `wins`.
    pub ties: usize,
    /// Exact two-sided sign test.
    pub sign_test_p: f64,
    /// Exact two-sided Wilcoxon signed-rank test (≥ 0.0625 with 5 seeds: report it, do not
    /// over-read it).
    pub wilcoxon_p: f64,
}

/// The augmentation ratio with the best mean PR-AUC for one generator and classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BestRatio {
    /// The generator.
    pub generator: String,
    /// The classifier.
    pub classifier: String,
    /// The ratio.
    pub ratio: f64,
    /// Its PR-AUC.
    pub pr_auc: MeanStd,
}

/// Everything a utility run measured; serialisable to JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UtilityReport {
    /// The settings.
    pub config: UtilityConfig,
    /// Real train rows / rare rows among them.
    pub n_train: usize,
    /// See `n_train`.
    pub n_train_rare: usize,
    /// Real test rows / rare rows among them.
    pub n_test: usize,
    /// See `n_test`.
    pub n_test_rare: usize,
    /// Every (arm, classifier, seed).
    pub runs: Vec<RunResult>,
    /// Mean ± std per (arm, classifier).
    pub summary: Vec<ArmSummary>,
    /// Paired comparisons with SMOTE of the same size.
    pub vs_smote: Vec<PairedComparison>,
    /// Best augmentation ratio per generator and classifier.
    pub best_ratio: Vec<BestRatio>,
}

fn take_rows(df: &DataFrame, idx: &[usize]) -> EvalResult<DataFrame> {
    let ca = IdxCa::from_vec("idx".into(), idx.iter().map(|&i| i as IdxSize).collect());
    Ok(df.take(&ca)?)
}

/// Seed of the draw of synthetic rows, kept apart from the oversampler/classifier seed.
fn draw_seed(seed: u64, salt: u64) -> u64 {
    seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt
}

struct Prepared {
    x: Features,
    y: Vec<bool>,
}

struct Runner<'a> {
    cfg: &'a UtilityConfig,
    enc: FeatureEncoder,
    train: Prepared,
    test: Prepared,
    runs: Vec<RunResult>,
}

impl Runner<'_> {
    fn fit_all(
        &mut self,
        arm: &Arm,
        seed: u64,
        x: &Features,
        y: &[bool],
        n_syn: usize,
    ) -> EvalResult<()> {
        for spec in &self.cfg.classifiers {
            let model = spec.fit(x, y, seed)?;
            let p = model.predict_proba(&self.test.x)?;
            let metrics = ClassificationMetrics::compute(&self.test.y, &p, &self.cfg.metrics)?;
            self.runs.push(RunResult {
                arm: arm.clone(),
                classifier: spec.name().into(),
                seed,
                n_train_rows: x.n_rows,
                n_synthetic: n_syn,
                metrics,
            });
        }
        Ok(())
    }

    /// The frame of `src` for seed number `i`, restricted to rare rows if `rare_only`, with
    /// `n` rows drawn without replacement (all of them when `n` is `None`).
    fn synthetic_rows(
        &self,
        src: SyntheticSource<'_>,
        i: usize,
        seed: u64,
        rare_only: bool,
        n: Option<usize>,
        what: &str,
    ) -> EvalResult<(Features, Vec<bool>)> {
        let df = match src {
            SyntheticSource::PerSeed(frames) => {
                ensure!(
                    frames.len() == self.cfg.seeds.len(),
                    EvalError::ShapeMismatch {
                        what: format!("{what}: synthetic frames vs seeds"),
                        expected: self.cfg.seeds.len(),
                        got: frames.len(),
                    }
                );
                &frames[i]
            }
            SyntheticSource::Pool(df) => df,
        };
        let table = format!("synthetic ({what})");
        let y = binary_target(df, &self.cfg.target, &self.cfg.positive, &table)?;
        let mut idx: Vec<usize> = (0..y.len()).filter(|&r| !rare_only || y[r]).collect();
        if let Some(n) = n {
            ensure!(
                idx.len() >= n,
                EvalError::NotEnoughRows {
                    what: table,
                    needed: n,
                    available: idx.len()
                }
            );
            let mut rng = StdRng::seed_from_u64(draw_seed(seed, rare_only as u64));
            idx = sample(&mut rng, idx.len(), n)
                .into_iter()
                .map(|k| idx[k])
                .collect();
        }
        let sub = take_rows(df, &idx)?;
        let x = self.enc.transform(&sub, &table)?;
        let y = idx.iter().map(|&r| y[r]).collect();
        Ok((x, y))
    }
}

/// Run the utility comparison: real train/test with the schema, synthetic rows per generator.
pub fn run_utility(
    train: &DataFrame,
    test: &DataFrame,
    schema: &Schema,
    generators: &[GeneratorRows<'_>],
    cfg: &UtilityConfig,
) -> EvalResult<UtilityReport> {
    cfg.check()?;
    ensure!(
        test.height() > 0,
        EvalError::EmptyTable {
            table: "test".into()
        }
    );
    let mut schema = schema.clone();
    schema.target = Some(cfg.target.clone());
    let enc = FeatureEncoder::fit(train, &schema)?;
    let prep = |df: &DataFrame, table: &str| -> EvalResult<Prepared> {
        Ok(Prepared {
            x: enc.transform(df, table)?,
            y: binary_target(df, &cfg.target, &cfg.positive, table)?,
        })
    };
    let train_p = prep(train, "train")?;
    let test_p = prep(test, "test")?;
    let n_rare = train_p.y.iter().filter(|&&t| t).count();
    ensure!(
        n_rare > 0,
        EvalError::EmptyClass {
            what: format!("train (target `{}` = `{}`)", cfg.target, cfg.positive),
            class: "positive".into(),
        }
    );
    let n_test_rare = test_p.y.iter().filter(|&&t| t).count();
    let mut r = Runner {
        cfg,
        enc,
        train: train_p,
        test: test_p,
        runs: Vec::new(),
    };
    let n_rows = |ratio: f64| (ratio * n_rare as f64).round() as usize;

    for (i, &seed) in cfg.seeds.iter().enumerate() {
        let (x, y) = (r.train.x.clone(), r.train.y.clone());
        r.fit_all(&Arm::Real, seed, &x, &y, 0)?;
        for g in generators {
            if let Some(src) = g.full {
                let n = match src {
                    SyntheticSource::PerSeed(_) => None,
                    SyntheticSource::Pool(df) => Some(df.height().min(x.n_rows)),
                };
                let (xs, ys) =
                    r.synthetic_rows(src, i, seed, false, n, &format!("{} tstr", g.name))?;
                let arm = Arm::Tstr {
                    generator: g.name.clone(),
                };
                r.fit_all(&arm, seed, &xs, &ys, xs.n_rows)?;
            }
            if let Some(src) = g.rare {
                for &ratio in &cfg.ratios {
                    let what = format!("{} augment@{ratio}", g.name);
                    let (xs, _) =
                        r.synthetic_rows(src, i, seed, true, Some(n_rows(ratio)), &what)?;
                    let xa = x.vstack(&xs)?;
                    let mut ya = y.clone();
                    ya.resize(xa.n_rows, true);
                    let arm = Arm::Augment {
                        generator: g.name.clone(),
                        ratio,
                    };
                    r.fit_all(&arm, seed, &xa, &ya, xs.n_rows)?;
                }
            }
        }
        let mut sizes: Vec<Option<f64>> = cfg.ratios.iter().map(|&k| Some(k)).collect();
        if cfg.baselines_auto {
            sizes.push(None);
        }
        for method in &cfg.baselines {
            for &ratio in &sizes {
                let target = match ratio {
                    Some(k) => SamplingTarget::Count(n_rows(k)),
                    None => SamplingTarget::Auto,
                };
                let new = method.generate(&x, &y, r.enc.blocks(), target, seed)?;
                let xa = x.vstack(&new)?;
                let mut ya = y.clone();
                ya.resize(xa.n_rows, true);
                r.fit_all(
                    &Arm::Oversample {
                        method: *method,
                        ratio,
                    },
                    seed,
                    &xa,
                    &ya,
                    new.n_rows,
                )?;
            }
        }
    }

    let names: Vec<String> = generators.iter().map(|g| g.name.clone()).collect();
    let counts = RowCounts {
        n_train: r.train.y.len(),
        n_train_rare: n_rare,
        n_test: r.test.y.len(),
        n_test_rare,
    };
    Ok(UtilityReport::from_runs(cfg, counts, r.runs, &names))
}

/// Row counts of the real tables a utility run used.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    /// Rows of real train.
    pub n_train: usize,
    /// Rare-class rows of real train.
    pub n_train_rare: usize,
    /// Rows of real test.
    pub n_test: usize,
    /// Rare-class rows of real test.
    pub n_test_rare: usize,
}

impl UtilityReport {
    /// Assembles a report from runs made piecewise (e.g. one seed or one generator at a time by
    /// `synthkit bench`): summaries, paired comparisons with SMOTE and best ratios are computed
    /// over all of `runs`. A run repeated with the same (arm, classifier, seed), as the real arm
    /// is when every piece trains it, is kept once.
    pub fn from_runs(
        cfg: &UtilityConfig,
        counts: RowCounts,
        runs: Vec<RunResult>,
        generators: &[String],
    ) -> UtilityReport {
        let mut kept: Vec<RunResult> = Vec::with_capacity(runs.len());
        for run in runs {
            if !kept
                .iter()
                .any(|k| k.arm == run.arm && k.classifier == run.classifier && k.seed == run.seed)
            {
                kept.push(run);
            }
        }
        let summary = summarise(&kept);
        let vs_smote = compare_with_smote(&kept, cfg);
        let best_ratio = best_ratios(&summary, generators, cfg);
        UtilityReport {
            config: cfg.clone(),
            n_train: counts.n_train,
            n_train_rare: counts.n_train_rare,
            n_test: counts.n_test,
            n_test_rare: counts.n_test_rare,
            runs: kept,
            summary,
            vs_smote,
            best_ratio,
        }
    }
}

/// Group runs by (arm, classifier) in first-seen order.
fn groups(runs: &[RunResult]) -> Vec<(Arm, String, Vec<&RunResult>)> {
    let mut out: Vec<(Arm, String, Vec<&RunResult>)> = Vec::new();
    for run in runs {
        match out
            .iter_mut()
            .find(|(a, c, _)| *a == run.arm && *c == run.classifier)
        {
            Some(g) => g.2.push(run),
            None => out.push((run.arm.clone(), run.classifier.clone(), vec![run])),
        }
    }
    out
}

fn summarise(runs: &[RunResult]) -> Vec<ArmSummary> {
    groups(runs)
        .into_iter()
        .map(|(arm, classifier, rs)| {
            let col = |f: fn(&ClassificationMetrics) -> f64| {
                MeanStd::of(&rs.iter().map(|r| f(&r.metrics)).collect::<Vec<_>>())
            };
            ArmSummary {
                arm,
                classifier,
                n_seeds: rs.len(),
                n_synthetic: rs.iter().map(|r| r.n_synthetic as f64).sum::<f64>() / rs.len() as f64,
                minority_f1: col(|m| m.minority_f1),
                macro_f1: col(|m| m.macro_f1),
                roc_auc: col(|m| m.roc_auc),
                pr_auc: col(|m| m.pr_auc),
                recall_at_precision: col(|m| m.recall_at_precision),
            }
        })
        .collect()
}

/// The SMOTE arm an arm is compared with: same ratio (augment and other baselines), or SMOTE at
/// 'auto' for the real and TSTR arms.
fn smote_partner(arm: &Arm, cfg: &UtilityConfig) -> Option<Arm> {
    let smote = cfg
        .baselines
        .iter()
        .find(|m| matches!(m, Oversampler::Smote { .. }))?;
    match arm {
        Arm::Augment { ratio, .. } => Some(Arm::Oversample {
            method: *smote,
            ratio: Some(*ratio),
        }),
        Arm::Oversample { method, ratio } if method != smote => Some(Arm::Oversample {
            method: *smote,
            ratio: *ratio,
        }),
        Arm::Real | Arm::Tstr { .. } if cfg.baselines_auto => Some(Arm::Oversample {
            method: *smote,
            ratio: None,
        }),
        _ => None,
    }
}

fn compare_with_smote(runs: &[RunResult], cfg: &UtilityConfig) -> Vec<PairedComparison> {
    let gs = groups(runs);
    let mut out = Vec::new();
    for (arm, classifier, rs) in &gs {
        let Some(partner) = smote_partner(arm, cfg) else {
            continue;
        };
        let Some((_, _, base)) = gs.iter().find(|(a, c, _)| *a == partner && c == classifier)
        else {
            continue;
        };
        for (k, (name, _)) in rs[0].metrics.named().iter().enumerate() {
            let diffs: Vec<f64> = rs
                .iter()
                .filter_map(|r| {
                    let b = base.iter().find(|b| b.seed == r.seed)?;
                    Some(r.metrics.named()[k].1 - b.metrics.named()[k].1)
                })
                .collect();
            if diffs.is_empty() {
                continue;
            }
            let eps = crate::stats::TIE_EPS;
            out.push(PairedComparison {
                arm: arm.clone(),
                against: partner.clone(),
                classifier: classifier.clone(),
                metric: (*name).into(),
                diff: MeanStd::of(&diffs),
                wins: diffs.iter().filter(|&&d| d > eps).count(),
                losses: diffs.iter().filter(|&&d| d < -eps).count(),
                ties: diffs.iter().filter(|&&d| d.abs() <= eps).count(),
                sign_test_p: sign_test_p(&diffs),
                wilcoxon_p: wilcoxon_p(&diffs),
                diffs,
            });
        }
    }
    out
}

fn best_ratios(
    summary: &[ArmSummary],
    generators: &[String],
    cfg: &UtilityConfig,
) -> Vec<BestRatio> {
    let mut out = Vec::new();
    for g in generators {
        for spec in &cfg.classifiers {
            let best = summary
                .iter()
                .filter_map(|s| match &s.arm {
                    Arm::Augment { generator, ratio }
                        if generator == g && s.classifier == spec.name() =>
                    {
                        Some((*ratio, s.pr_auc))
                    }
                    _ => None,
                })
                .max_by(|a, b| a.1.mean.total_cmp(&b.1.mean));
            if let Some((ratio, pr_auc)) = best {
                out.push(BestRatio {
                    generator: g.clone(),
                    classifier: spec.name().into(),
                    ratio,
                    pr_auc,
                });
            }
        }
    }
    out
}

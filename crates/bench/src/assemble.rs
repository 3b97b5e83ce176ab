//! From stage reports to the verdict: choices made on validation, scored on test, compared over
//! replicates.
//!
//! Per replicate, every *method* picks one arm by the primary classifier's validation PR-AUC:
//! - `real only`: the real rows (nothing to pick);
//! - `best oversampler`: the best SMOTE-family arm (any method, any ratio or `auto`);
//! - `plain generator`: the best *plain* generator arm (one generator, its rows as sampled: no
//!   filter, weight 1, condition forced), the practice the curated, weighted and pooled arms
//!   must beat;
//! - one method per generator: its best augmentation arm (ratio, filter, weight, condition);
//! - `ensemble`: the best arm drawing from every generator;
//! - `augment`: what `synthkit augment` does: the best of *all* augmentation arms when it beats
//!   the real rows on validation by more than `decline_margin` sampling errors of their
//!   PR-AUC, the real rows otherwise ([`pick_augment`]);
//! - `augment (no margin)`: the same without the margin (the best of all augmentation arms and
//!   the real rows), kept to show what the margin changes;
//! - `augment (curated, weighted)`: `augment` among the curated arms with a weight below 1
//!   only (a smaller menu, so less winner's curse; pre-registered in
//!   `benches/results/preregistered/curated-weighted.md`);
//! - when the stages ran committee arms (one classifier per generator, probabilities averaged):
//!   `committee`, the best of them, and `committee (margin)`, the best of them when it beats the
//!   real rows by `augment`'s margin, the real rows otherwise; `committee (scarce)`,
//!   `committee`'s pick while the replicate's training rows hold at most
//!   `force_below_rare_rows` rare rows (validation too small to resolve the gain) and
//!   `committee (margin)`'s above (pre-registered in
//!   `benches/results/preregistered/committee-scarce.md`); and their controls without
//!   generated rows: `oversampler committee` (the best one-classifier-per-oversampler arm) and
//!   `bagged real` (classifiers on bootstrap resamples of the real rows, averaged).
//!
//! The method's result on the replicate is its picked arm's *test* score. The best arm on test
//! is kept too, labelled an oracle, and never headlines. Methods are compared with `real only`
//! with `best oversampler` and with `plain generator`, replicate by replicate ([`Paired`]).

use serde::{Deserialize, Serialize};
use synthkit_eval::arms::{ArmRun, ArmSpec, Conditioned, Source, StageReport};
use synthkit_eval::metrics::ClassificationMetrics;
use synthkit_eval::select::{Paired, pick, pick_augment, pick_augment_among, pick_over_real};
use synthkit_eval::stats::MeanStd;

use crate::plan::{Level, Replicate};

/// The name of the method that keeps the real rows.
pub const REAL: &str = "real only";
/// The method that picks the best SMOTE-family arm.
pub const OVERSAMPLER: &str = "best oversampler";
/// The method that picks among the plain single-generator arms.
pub const PLAIN: &str = "plain generator";
/// The method that picks among every generator arm and the real rows.
pub const AUGMENT: &str = "augment";
/// `augment` without the noise margin: the plain maximum over the generator arms and the real
/// rows.
pub const AUGMENT_NO_MARGIN: &str = "augment (no margin)";
/// `augment` among the curated, down-weighted arms only.
pub const AUGMENT_CURATED: &str = "augment (curated, weighted)";
/// The method that picks among the committee arms.
pub const COMMITTEE: &str = "committee";
/// `committee` with `augment`'s margin over the real rows.
pub const COMMITTEE_MARGIN: &str = "committee (margin)";
/// `committee` up to a number of rare training rows, `committee (margin)` above.
pub const COMMITTEE_SCARCE: &str = "committee (scarce)";
/// The best committee of oversamplers.
pub const OVERSAMPLER_COMMITTEE: &str = "oversampler committee";
/// The real rows, bagged.
pub const BAGGED_REAL: &str = "bagged real";
/// The method that picks among the ensemble's arms.
pub const ENSEMBLE: &str = "ensemble";
/// The best arm on test: an oracle, for orientation only.
pub const ORACLE: &str = "best on test (oracle)";

/// What one method picked on one replicate, and how it scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pick {
    /// The arm.
    pub arm: ArmSpec,
    /// Its validation PR-AUC (the oracle's is its test PR-AUC's validation counterpart).
    pub validation_pr_auc: f64,
    /// Its test metrics.
    pub test: ClassificationMetrics,
}

/// Every method's pick on one replicate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReplicatePicks {
    /// The replicate.
    pub replicate: Replicate,
    /// `(method, pick)`, in method order.
    pub picks: Vec<(String, Pick)>,
}

/// The methods' names for these generators, in report order (the committee's when `committee`).
pub fn methods(generators: &[String], ensemble: bool, committee: bool) -> Vec<String> {
    let mut m = vec![REAL.to_string(), OVERSAMPLER.to_string(), PLAIN.to_string()];
    m.extend(generators.iter().cloned());
    if ensemble {
        m.push(ENSEMBLE.to_string());
    }
    m.push(AUGMENT.to_string());
    m.push(AUGMENT_NO_MARGIN.to_string());
    m.push(AUGMENT_CURATED.to_string());
    if committee {
        m.push(COMMITTEE.to_string());
        m.push(COMMITTEE_MARGIN.to_string());
        m.push(COMMITTEE_SCARCE.to_string());
        m.push(OVERSAMPLER_COMMITTEE.to_string());
        m.push(BAGGED_REAL.to_string());
    }
    m
}

fn test_run<'a>(test: &'a StageReport, arm: &ArmSpec, classifier: &str) -> Option<&'a ArmRun> {
    test.runs
        .iter()
        .find(|r| &r.arm == arm && r.classifier == classifier)
}

/// How the methods that may decline decide on one replicate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Decline {
    /// `augment`'s noise margin, in sampling errors of the real rows' validation PR-AUC.
    pub margin: f64,
    /// `committee (scarce)` keeps the best committee without the margin while the replicate's
    /// training rows hold at most this many rare rows.
    pub force_below_rare_rows: usize,
    /// The replicate's rare training rows (its validation part included).
    pub rare_train: usize,
}

impl Decline {
    /// Whether `committee (scarce)` keeps the committee without the margin here.
    pub fn scarce(&self) -> bool {
        self.rare_train <= self.force_below_rare_rows
    }

    /// The best `candidate` arm on validation, kept without the margin when [`Self::scarce`]
    /// (and there is one), else kept only when it beats the real rows by the margin (the real
    /// rows otherwise): `committee (scarce)` with the committee arms, and `synthkit augment`'s
    /// choice with either mode's candidates.
    pub fn pick<'a>(
        &self,
        validation: &'a StageReport,
        classifier: &str,
        candidate: impl Fn(&ArmSpec) -> bool,
    ) -> Option<&'a ArmRun> {
        let kept = if self.scarce() {
            pick(&validation.runs, classifier, &candidate)
        } else {
            None
        };
        kept.or_else(|| {
            pick_over_real(
                &validation.runs,
                classifier,
                validation.n_eval_rare,
                self.margin,
                candidate,
            )
        })
    }
}

/// Every method's pick on one replicate, by `classifier`'s validation PR-AUC (`augment` and the
/// committees that may decline as `decline` says); methods without a candidate arm (a generator
/// absent from the stage) are left out.
pub fn picks(
    replicate: Replicate,
    validation: &StageReport,
    test: &StageReport,
    generators: &[String],
    ensemble: bool,
    classifier: &str,
    decline: Decline,
) -> ReplicatePicks {
    let margin = decline.margin;
    let from_generator = |g: &str| {
        let g = g.to_string();
        move |a: &ArmSpec| matches!(a, ArmSpec::Augment { source: Source::Generator(s), .. } if *s == g)
    };
    let mut out = Vec::new();
    let committee = validation.runs.iter().any(|r| r.arm.is_committee());
    for m in methods(generators, ensemble, committee) {
        let chosen = match m.as_str() {
            REAL => pick(&validation.runs, classifier, |a| *a == ArmSpec::Real),
            OVERSAMPLER => pick(&validation.runs, classifier, ArmSpec::is_oversample),
            ENSEMBLE => pick(&validation.runs, classifier, |a| {
                matches!(
                    a,
                    ArmSpec::Augment {
                        source: Source::Ensemble,
                        ..
                    }
                )
            }),
            PLAIN => pick(&validation.runs, classifier, |a| {
                matches!(
                    a,
                    ArmSpec::Augment {
                        source: Source::Generator(_),
                        filter: false,
                        condition: Conditioned::Force,
                        weight,
                        ..
                    } if *weight == 1.0
                )
            }),
            AUGMENT => pick_augment(&validation.runs, classifier, validation.n_eval_rare, margin),
            AUGMENT_CURATED => pick_augment_among(
                &validation.runs,
                classifier,
                validation.n_eval_rare,
                margin,
                |a| matches!(a, ArmSpec::Augment { filter: true, weight, .. } if *weight < 1.0),
            ),
            COMMITTEE => pick(&validation.runs, classifier, ArmSpec::is_committee),
            OVERSAMPLER_COMMITTEE => pick(
                &validation.runs,
                classifier,
                ArmSpec::is_oversample_committee,
            ),
            BAGGED_REAL => pick(&validation.runs, classifier, ArmSpec::is_bagged_real),
            COMMITTEE_MARGIN => pick_over_real(
                &validation.runs,
                classifier,
                validation.n_eval_rare,
                margin,
                ArmSpec::is_committee,
            ),
            COMMITTEE_SCARCE => decline.pick(validation, classifier, ArmSpec::is_committee),
            AUGMENT_NO_MARGIN => pick(&validation.runs, classifier, |a| {
                *a == ArmSpec::Real || a.is_augment()
            }),
            g => pick(&validation.runs, classifier, from_generator(g)),
        };
        let Some(chosen) = chosen else { continue };
        if let Some(t) = test_run(test, &chosen.arm, classifier) {
            out.push((
                m,
                Pick {
                    arm: chosen.arm.clone(),
                    validation_pr_auc: chosen.metrics.pr_auc,
                    test: t.metrics,
                },
            ));
        }
    }
    if let Some(best) = pick(&test.runs, classifier, |a| {
        !matches!(a, ArmSpec::Tstr { .. })
    }) {
        let val =
            test_run(validation, &best.arm, classifier).map_or(f64::NAN, |r| r.metrics.pr_auc);
        out.push((
            ORACLE.to_string(),
            Pick {
                arm: best.arm.clone(),
                validation_pr_auc: val,
                test: best.metrics,
            },
        ));
    }
    ReplicatePicks {
        replicate,
        picks: out,
    }
}

/// A mean with its 95 % t-interval half-width over replicates.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    /// Mean over replicates.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// Half-width of the 95 % t-interval of the mean.
    pub ci95: f64,
}

impl Estimate {
    /// Of `v` (at least one value).
    pub fn of(v: &[f64]) -> Self {
        let ms = MeanStd::of(v);
        let n = v.len();
        Estimate {
            mean: ms.mean,
            sd: ms.std,
            ci95: if n > 1 {
                synthkit_eval::select::t975(n - 1) * ms.std / (n as f64).sqrt()
            } else {
                f64::NAN
            },
        }
    }
}

/// One method over the replicates of a level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MethodSummary {
    /// The method.
    pub method: String,
    /// Replicates it picked on.
    pub n: usize,
    /// Test PR-AUC of its picks.
    pub pr_auc: Estimate,
    /// Test recall at the precision floor of its picks.
    pub recall_at_precision: Estimate,
    /// Test PR-AUC minus the real rows', replicate by replicate.
    pub vs_real: Option<Paired>,
    /// Test PR-AUC minus the best oversampler's, replicate by replicate.
    pub vs_oversampler: Option<Paired>,
    /// Test PR-AUC minus the best plain generator arm's, replicate by replicate.
    #[serde(default)]
    pub vs_plain: Option<Paired>,
    /// How often each arm was picked, most frequent first: `(arm label, count)`.
    pub chosen: Vec<(String, usize)>,
}

/// One arm at fixed settings over the replicates of a level (test scores).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    /// The arm.
    pub arm: ArmSpec,
    /// Replicates.
    pub n: usize,
    /// Rows added (mean).
    pub n_added: f64,
    /// Validation PR-AUC.
    pub validation_pr_auc: Estimate,
    /// Test PR-AUC.
    pub pr_auc: Estimate,
    /// Test recall at the precision floor.
    pub recall_at_precision: Estimate,
}

/// Everything a level measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelSummary {
    /// The level.
    pub level: Level,
    /// Rare rows in the reduced training split.
    pub rare_train: usize,
    /// Replicates assembled.
    pub replicates: usize,
    /// Per method (the oracle last).
    pub methods: Vec<MethodSummary>,
    /// Per arm, in arm order.
    pub arms: Vec<ArmSummary>,
}

fn paired(a: &[(usize, f64)], b: &[(usize, f64)]) -> Option<Paired> {
    let d: Vec<f64> = a
        .iter()
        .filter_map(|(r, x)| b.iter().find(|(s, _)| s == r).map(|(_, y)| x - y))
        .collect();
    (!d.is_empty()).then(|| Paired::of(d))
}

/// Summarises the replicates of one level: `stages` holds each replicate's (validation, test)
/// reports and `picks` its [`picks`].
pub fn summarise_level(
    level: Level,
    rare_train: usize,
    stages: &[(&StageReport, &StageReport)],
    picks: &[ReplicatePicks],
    classifier: &str,
) -> LevelSummary {
    let of_method = |m: &str| -> Vec<(usize, &Pick)> {
        picks
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.picks.iter().find(|(n, _)| n == m).map(|(_, k)| (i, k)))
            .collect()
    };
    let scores = |m: &str| -> Vec<(usize, f64)> {
        of_method(m)
            .into_iter()
            .map(|(i, p)| (i, p.test.pr_auc))
            .collect()
    };
    let real = scores(REAL);
    let over = scores(OVERSAMPLER);
    let plain = scores(PLAIN);
    let mut names: Vec<String> = Vec::new();
    for p in picks {
        for (n, _) in &p.picks {
            if !names.contains(n) {
                names.push(n.clone());
            }
        }
    }
    // The oracle last.
    if let Some(i) = names.iter().position(|n| n == ORACLE) {
        let o = names.remove(i);
        names.push(o);
    }
    let methods = names
        .iter()
        .map(|m| {
            let ps = of_method(m);
            let pr: Vec<f64> = ps.iter().map(|(_, p)| p.test.pr_auc).collect();
            let rec: Vec<f64> = ps.iter().map(|(_, p)| p.test.recall_at_precision).collect();
            let mut chosen: Vec<(String, usize)> = Vec::new();
            for (_, p) in &ps {
                let l = p.arm.label();
                match chosen.iter_mut().find(|(a, _)| *a == l) {
                    Some(c) => c.1 += 1,
                    None => chosen.push((l, 1)),
                }
            }
            chosen.sort_by_key(|c| std::cmp::Reverse(c.1));
            let mine = scores(m);
            MethodSummary {
                method: m.clone(),
                n: ps.len(),
                pr_auc: Estimate::of(&pr),
                recall_at_precision: Estimate::of(&rec),
                vs_real: (m != REAL).then(|| paired(&mine, &real)).flatten(),
                vs_oversampler: (m != OVERSAMPLER).then(|| paired(&mine, &over)).flatten(),
                vs_plain: (m != PLAIN).then(|| paired(&mine, &plain)).flatten(),
                chosen,
            }
        })
        .collect();
    // Per arm, in the order of the first replicate's test stage.
    let mut arms = Vec::new();
    if let Some((_, first_test)) = stages.first() {
        for run in first_test
            .runs
            .iter()
            .filter(|r| r.classifier == classifier)
        {
            let mut val = Vec::new();
            let mut test = Vec::new();
            let mut rec = Vec::new();
            let mut added = Vec::new();
            for (v, t) in stages {
                if let Some(tr) = test_run(t, &run.arm, classifier) {
                    test.push(tr.metrics.pr_auc);
                    rec.push(tr.metrics.recall_at_precision);
                    added.push(tr.n_added as f64);
                    if let Some(vr) = test_run(v, &run.arm, classifier) {
                        val.push(vr.metrics.pr_auc);
                    }
                }
            }
            arms.push(ArmSummary {
                arm: run.arm.clone(),
                n: test.len(),
                n_added: added.iter().sum::<f64>() / added.len().max(1) as f64,
                validation_pr_auc: Estimate::of(&val),
                pr_auc: Estimate::of(&test),
                recall_at_precision: Estimate::of(&rec),
            });
        }
    }
    LevelSummary {
        level,
        rare_train,
        replicates: stages.len(),
        methods,
        arms,
    }
}

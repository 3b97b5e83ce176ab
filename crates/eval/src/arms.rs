//! The arms of an augmentation experiment and their evaluation on one *stage*: a classifier is
//! trained on the stage's real training rows (plus whatever the arm adds) and scored on the
//! stage's evaluation rows.
//!
//! The same arms run on two stages of a replicate: **validation** (train on the fit part of the
//! training split, score on the validation part carved from it) to *choose*, and **test** (train
//! on the whole training split, score on the real test split) to *report*. Nothing here decides
//! which stage is which; the caller passes the tables (see `synthkit-bench`).
//!
//! Arms:
//! - [`ArmSpec::Real`]: the real rows alone;
//! - [`ArmSpec::Oversample`]: the real rows plus rows of a SMOTE-family oversampler, `ratio × n`
//!   of them (`n` = the stage's real rare rows), or imblearn's `auto`;
//! - [`ArmSpec::Augment`]: the real rows plus `ratio × n` generated rare rows from one generator
//!   or an equal mix of all ([`Source::Ensemble`]), optionally curated ([`crate::curate`]) and
//!   weighted below 1, from the pool generated with the condition forced or rejected;
//! - [`ArmSpec::Committee`]: one classifier per generator, each trained on the real rows plus
//!   that generator's rows as the matching one-generator augment arm adds them, their predicted
//!   probabilities averaged (the downstream ensemble of DGE, arXiv 2305.09235, over our
//!   generators instead of one generator's seeds);
//! - its two controls, ensembles without generated rows: [`ArmSpec::OversampleCommittee`] (one
//!   classifier per SMOTE-family method at a ratio, averaged) and [`ArmSpec::BaggedReal`]
//!   (classifiers on stratified bootstrap resamples of the real rows, averaged);
//! - [`ArmSpec::Tstr`]: a generator's unconditional rows alone (train on synthetic, test on real).
//!
//! Generated rows that are exact copies of a real training row of the stage are dropped first
//! (counted in [`PoolStats`]). Each pool is shuffled once per stage and every ratio takes a prefix
//! of it, so a larger ratio adds rows to a smaller one's instead of drawing anew.

use std::collections::HashMap;

use polars::prelude::DataFrame;
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};
use synthkit_data::schema::Schema;
use synthkit_data::split::take_rows;

use crate::classifier::ClassifierSpec;
use crate::curate::{CurationConfig, CurationCounts, Curator, Verdict};
use crate::encode::{FeatureEncoder, Features, binary_target};
use crate::error::{EvalError, EvalResult, ensure};
use crate::metrics::{ClassificationMetrics, MetricOptions};
use crate::oversample::{Oversampler, SamplingTarget};
use crate::privacy::exact_copy_mask;

/// Where an augmentation arm's generated rows come from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// One generator, by name.
    Generator(String),
    /// An equal mix of every generator's rows.
    Ensemble,
}

impl Source {
    /// `ctgan`, or `ensemble`.
    pub fn name(&self) -> &str {
        match self {
            Source::Generator(g) => g,
            Source::Ensemble => "ensemble",
        }
    }
}

/// How the generated rare rows were conditioned (see `synthkit_train::ConditionMode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Conditioned {
    /// Generated under the condition, then overwritten with it.
    #[default]
    Force,
    /// Generated under the condition; rows that generated another class dropped.
    Reject,
}

/// One way of training the downstream classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "arm", rename_all = "snake_case")]
pub enum ArmSpec {
    /// The real rows only.
    Real,
    /// Real rows plus oversampled rare rows.
    Oversample {
        /// The oversampler.
        method: Oversampler,
        /// Rows per real rare row; `None` = imblearn's `auto` (up to the majority count).
        ratio: Option<f64>,
    },
    /// Real rows plus generated rare rows.
    Augment {
        /// The generator, or the ensemble.
        source: Source,
        /// Generated rows per real rare row.
        ratio: f64,
        /// Curated by [`crate::curate::Curator`] first.
        filter: bool,
        /// Sample weight of each generated row (real rows weigh 1).
        weight: f64,
        /// Which pool: condition forced or rejected.
        condition: Conditioned,
    },
    /// The mean predicted probability of one classifier per generator, each trained as the
    /// one-generator [`ArmSpec::Augment`] arm with these settings.
    Committee {
        /// Generated rows per real rare row, for each member.
        ratio: f64,
        /// Each member's rows curated first.
        filter: bool,
        /// Sample weight of each generated row.
        weight: f64,
        /// Which pool.
        condition: Conditioned,
    },
    /// The committee's control without generated rows: the mean predicted probability of one
    /// classifier per oversampler, each trained as that oversampler's arm at `ratio`.
    OversampleCommittee {
        /// The oversamplers.
        methods: Vec<Oversampler>,
        /// Rows per real rare row; `None` = `auto`.
        ratio: Option<f64>,
    },
    /// The committee's control without added rows: the mean predicted probability of
    /// `members` classifiers, each trained on a bootstrap resample of the real rows drawn within
    /// each class (so every member sees as many rare rows as the real rows hold).
    BaggedReal {
        /// Classifiers averaged.
        members: usize,
    },
    /// A generator's unconditional rows only (skipped when they lack a class).
    Tstr {
        /// The generator.
        generator: String,
    },
}

impl ArmSpec {
    /// A short readable label: `real`, `smote@2`, `smote@auto`, `ctgan@0.5`,
    /// `ensemble@1+filter+w0.5+reject`, `tstr:tvae`.
    pub fn label(&self) -> String {
        match self {
            ArmSpec::Real => "real".into(),
            ArmSpec::Oversample { method, ratio } => match ratio {
                Some(r) => format!("{}@{r}", method.name()),
                None => format!("{}@auto", method.name()),
            },
            ArmSpec::Augment {
                source,
                ratio,
                filter,
                weight,
                condition,
            } => variant_label(source.name(), *ratio, *filter, *weight, *condition),
            ArmSpec::Committee {
                ratio,
                filter,
                weight,
                condition,
            } => variant_label("committee", *ratio, *filter, *weight, *condition),
            ArmSpec::OversampleCommittee { ratio, .. } => match ratio {
                Some(r) => format!("oversampler-committee@{r}"),
                None => "oversampler-committee@auto".into(),
            },
            ArmSpec::BaggedReal { members } => format!("real-bagged×{members}"),
            ArmSpec::Tstr { generator } => format!("tstr:{generator}"),
        }
    }

    /// The one-generator augment arm of `generator` with this committee arm's settings (`None`
    /// for other arms).
    pub fn committee_member(&self, generator: &str) -> Option<ArmSpec> {
        match self {
            ArmSpec::Committee {
                ratio,
                filter,
                weight,
                condition,
            } => Some(ArmSpec::Augment {
                source: Source::Generator(generator.to_string()),
                ratio: *ratio,
                filter: *filter,
                weight: *weight,
                condition: *condition,
            }),
            _ => None,
        }
    }

    /// Whether the arm adds generated rows (augment) to the real ones.
    pub fn is_augment(&self) -> bool {
        matches!(self, ArmSpec::Augment { .. })
    }

    /// Whether the arm is a committee of per-generator classifiers.
    pub fn is_committee(&self) -> bool {
        matches!(self, ArmSpec::Committee { .. })
    }

    /// Whether the arm is a committee of SMOTE-family classifiers (a committee's control).
    pub fn is_oversample_committee(&self) -> bool {
        matches!(self, ArmSpec::OversampleCommittee { .. })
    }

    /// Whether the arm bags the real rows (a committee's control).
    pub fn is_bagged_real(&self) -> bool {
        matches!(self, ArmSpec::BaggedReal { .. })
    }

    /// Whether the arm averages several classifiers (a committee or one of its controls).
    pub fn is_averaged(&self) -> bool {
        matches!(
            self,
            ArmSpec::Committee { .. }
                | ArmSpec::OversampleCommittee { .. }
                | ArmSpec::BaggedReal { .. }
        )
    }

    /// Whether the arm is a SMOTE-family oversampler.
    pub fn is_oversample(&self) -> bool {
        matches!(self, ArmSpec::Oversample { .. })
    }
}

/// `name@ratio`, then `+filter`, `+w<weight>` (a weight other than 1) and `+reject` as they apply.
fn variant_label(
    name: &str,
    ratio: f64,
    filter: bool,
    weight: f64,
    condition: Conditioned,
) -> String {
    let mut s = format!("{name}@{ratio}");
    if filter {
        s.push_str("+filter");
    }
    if weight != 1.0 {
        s.push_str(&format!("+w{weight}"));
    }
    if condition == Conditioned::Reject {
        s.push_str("+reject");
    }
    s
}

/// One generator's sampled rows for a stage (decoded tables; their target column says the
/// class).
#[derive(Clone, Copy, Debug)]
pub struct GeneratorPool<'a> {
    /// The generator's name.
    pub name: &'a str,
    /// Rare-class rows generated with the condition forced.
    pub forced: &'a DataFrame,
    /// Rare-class rows generated with the condition rejected, when the generator can.
    pub rejected: Option<&'a DataFrame>,
    /// Unconditional rows (both classes), for TSTR.
    pub full: Option<&'a DataFrame>,
}

/// The real tables of a stage.
#[derive(Clone, Copy, Debug)]
pub struct Stage<'a> {
    /// Real training rows of the stage.
    pub train: &'a DataFrame,
    /// Rows the classifiers are scored on.
    pub eval: &'a DataFrame,
}

/// Settings shared by every arm of a stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageConfig {
    /// The binary target column.
    pub target: String,
    /// Its rare value.
    pub positive: String,
    /// Downstream classifiers.
    pub classifiers: Vec<ClassifierSpec>,
    /// Curation filter settings.
    pub curation: CurationConfig,
    /// Drop generated rows that copy a real training row. Default true.
    pub drop_copies: bool,
    /// Threshold and precision floor of the metrics.
    pub metrics: MetricOptions,
}

/// What happened to one generator's pool on a stage.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PoolStats {
    /// The generator.
    pub generator: String,
    /// Which pool.
    pub condition: Conditioned,
    /// Rows in the pool.
    pub rows: usize,
    /// Rows not of the rare class (a reject pool has none; a forced pool none by construction).
    pub not_rare: usize,
    /// Exact copies of a real training row (dropped when `drop_copies`).
    pub copies: usize,
    /// Verdicts of the curation filter on the rows left.
    pub curation: CurationCounts,
    /// Share of the rows the judge classifier passes (judged adherence).
    pub judge_pass_rate: f64,
}

/// One classifier trained for one arm on a stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArmRun {
    /// The arm.
    pub arm: ArmSpec,
    /// The classifier (`gbt`, `logistic`).
    pub classifier: String,
    /// Real training rows.
    pub n_real: usize,
    /// Rows added (oversampled or generated; for a committee, summed over its members); for
    /// TSTR, the synthetic training rows.
    pub n_added: usize,
    /// Metrics on the stage's evaluation rows.
    pub metrics: ClassificationMetrics,
}

/// Everything one stage measured.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct StageReport {
    /// Real training rows / rare rows among them.
    pub n_train: usize,
    /// See `n_train`.
    pub n_train_rare: usize,
    /// Evaluation rows / rare rows among them.
    pub n_eval: usize,
    /// See `n_eval`.
    pub n_eval_rare: usize,
    /// Share of the real rare rows the judge passes out of fold (what a perfect generator's
    /// `judge_pass_rate` would be); `None` when no curation ran.
    pub real_judge_pass_rate: Option<f64>,
    /// Per generator pool.
    pub pools: Vec<PoolStats>,
    /// Per arm and classifier.
    pub runs: Vec<ArmRun>,
}

/// A pool ready for drawing: encoded rows in the stage's encoding, in a shuffled order, with
/// the curation verdicts.
struct ReadyPool {
    name: String,
    condition: Conditioned,
    /// Index of the generator in the pools given, and the pool's rows kept (rare, no copy).
    source: (usize, Vec<usize>),
    x: Features,
    order: Vec<usize>,
    verdicts: Vec<Verdict>,
}

impl ReadyPool {
    /// The first `n` rows of the shuffled order (only those kept by the filter with `filter`).
    fn draw(&self, n: usize, filter: bool) -> Vec<usize> {
        self.order
            .iter()
            .copied()
            .filter(|&i| !filter || self.verdicts[i] == Verdict::Keep)
            .take(n)
            .collect()
    }
}

fn seed_of(seed: u64, salt: &str) -> u64 {
    salt.bytes().fold(seed ^ 0x9E37_79B9_7F4A_7C15, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The curation filter fitted on a stage's real rows (when asked for) and every pool ready for
/// drawing: its rare rows that copy no real row, in the stage's encoding, in an order shuffled by
/// `seed`, with their verdicts; and what happened to each pool.
#[allow(clippy::too_many_arguments)]
fn prepare_pools(
    train: &DataFrame,
    schema: &Schema,
    enc: &FeatureEncoder,
    x: &Features,
    y: &[bool],
    pools: &[GeneratorPool<'_>],
    with_curator: bool,
    cfg: &StageConfig,
    seed: u64,
) -> EvalResult<(Option<Curator>, Vec<ReadyPool>, Vec<PoolStats>)> {
    let curator = if with_curator {
        Some(Curator::fit(x, y, &cfg.curation, seed)?)
    } else {
        None
    };
    let mut ready: Vec<ReadyPool> = Vec::new();
    let mut stats = Vec::new();
    for (gi, p) in pools.iter().enumerate() {
        let mut parts = vec![(Conditioned::Force, p.forced)];
        if let Some(r) = p.rejected {
            parts.push((Conditioned::Reject, r));
        }
        for (condition, df) in parts {
            let label = format!("{} ({:?}) pool", p.name, condition);
            let is_rare = binary_target(df, &cfg.target, &cfg.positive, &label)?;
            let copies = if cfg.drop_copies {
                exact_copy_mask(train, df, schema)?
            } else {
                vec![false; df.height()]
            };
            let keep: Vec<usize> = (0..df.height())
                .filter(|&i| is_rare[i] && !copies[i])
                .collect();
            let xp = enc.transform(&take_rows(df, &keep)?, &label)?;
            let curator = curator.as_ref().expect("pools imply a curator");
            let verdicts = curator.verdicts(&xp)?;
            let mut order: Vec<usize> = (0..xp.n_rows).collect();
            order.shuffle(&mut StdRng::seed_from_u64(seed_of(seed, &label)));
            stats.push(PoolStats {
                generator: p.name.to_string(),
                condition,
                rows: df.height(),
                not_rare: is_rare.iter().filter(|&&t| !t).count(),
                copies: copies.iter().filter(|&&c| c).count(),
                curation: CurationCounts::of(&verdicts),
                judge_pass_rate: curator.judge_pass_rate(&xp)?,
            });
            ready.push(ReadyPool {
                name: p.name.to_string(),
                condition,
                source: (gi, keep),
                x: xp,
                order,
                verdicts,
            });
        }
    }
    Ok((curator, ready, stats))
}

/// The rows an augment arm adds: `(pool, rows of its encoded matrix)`, `n` in all, an equal
/// quota from each pool the arm draws on (the last ones get the remainder), each a prefix of its
/// shuffled order (kept rows only when filtered).
fn augment_rows(
    ready: &[ReadyPool],
    arm: &ArmSpec,
    n: usize,
) -> EvalResult<Vec<(usize, Vec<usize>)>> {
    let ArmSpec::Augment {
        source,
        filter,
        condition,
        ..
    } = arm
    else {
        return Ok(Vec::new());
    };
    let chosen: Vec<usize> = (0..ready.len())
        .filter(|&i| {
            let p = &ready[i];
            p.condition == *condition
                && match source {
                    Source::Generator(g) => &p.name == g,
                    Source::Ensemble => true,
                }
        })
        .collect();
    ensure!(
        !chosen.is_empty(),
        EvalError::InvalidValue {
            field: "arms".into(),
            reason: format!(
                "arm `{}` has no generated rows: no {:?} pool of `{}`",
                arm.label(),
                condition,
                source.name()
            ),
        }
    );
    let k = chosen.len();
    Ok(chosen
        .iter()
        .enumerate()
        .map(|(j, &p)| {
            let quota = n / k + usize::from(j < n % k);
            (p, ready[p].draw(quota, *filter))
        })
        .collect())
}

/// The generated rows arm `arm` adds to the real rows `train` (decoded, as the pools hold
/// them), and the weight they get: for an augment arm one part, named after its source; for a
/// committee one per member (the generators whose pool of the arm's condition is usable, in the
/// committee's order), each its one-generator arm's. They are the rows [`evaluate_stage`] trains
/// on for that arm (each member) with the same tables and `seed`: copies dropped, curated when
/// filtered, the same shuffles; the pools are prepared once. What `synthkit augment` writes.
///
/// # Errors
/// An arm that adds no generated rows, a generator without a pool, a committee without a usable
/// pool, an empty class, an unreadable pool.
pub fn draw_generated(
    train: &DataFrame,
    schema: &Schema,
    pools: &[GeneratorPool<'_>],
    arm: &ArmSpec,
    cfg: &StageConfig,
    seed: u64,
) -> EvalResult<(Vec<(String, DataFrame)>, f64)> {
    let (ArmSpec::Augment { weight, .. } | ArmSpec::Committee { weight, .. }) = arm else {
        return Err(EvalError::InvalidValue {
            field: "arm".into(),
            reason: format!("`{}` adds no generated rows", arm.label()),
        });
    };
    let drawn = Drawer::new(train, schema, pools, cfg, seed)?;
    let parts = match arm {
        ArmSpec::Augment { source, .. } => vec![(source.name().to_string(), drawn.rows(arm)?)],
        ArmSpec::Committee { condition, .. } => {
            let names = committee_names(&drawn.ready, *condition);
            ensure!(
                !names.is_empty(),
                EvalError::InvalidValue {
                    field: "arms".into(),
                    reason: format!("committee arm `{}` has no generator pools", arm.label()),
                }
            );
            names
                .into_iter()
                .map(|g| {
                    let member = arm.committee_member(g).expect("a committee arm");
                    Ok((g.to_string(), drawn.rows(&member)?))
                })
                .collect::<EvalResult<_>>()?
        }
        _ => unreachable!("checked above"),
    };
    Ok((parts, *weight))
}

/// The generators of a committee over `ready` pools of `condition`, in the pools' order.
fn committee_names(ready: &[ReadyPool], condition: Conditioned) -> Vec<&str> {
    let mut names: Vec<&str> = Vec::new();
    for p in ready.iter().filter(|p| p.condition == condition) {
        if !names.contains(&p.name.as_str()) {
            names.push(&p.name);
        }
    }
    names
}

/// Pools prepared against the real rows once, to draw one or several augment arms' rows from.
struct Drawer<'a> {
    pools: &'a [GeneratorPool<'a>],
    ready: Vec<ReadyPool>,
    n_rare: usize,
    empty: DataFrame,
}

impl<'a> Drawer<'a> {
    fn new(
        train: &DataFrame,
        schema: &Schema,
        pools: &'a [GeneratorPool<'a>],
        cfg: &StageConfig,
        seed: u64,
    ) -> EvalResult<Self> {
        let mut schema = schema.clone();
        schema.target = Some(cfg.target.clone());
        let enc = FeatureEncoder::fit(train, &schema)?;
        let x = enc.transform(train, "train")?;
        let y = binary_target(train, &cfg.target, &cfg.positive, "train")?;
        let n_rare = y.iter().filter(|&&t| t).count();
        ensure!(
            n_rare > 0,
            EvalError::EmptyClass {
                what: "the real training rows".into(),
                class: "positive".into(),
            }
        );
        let (_, ready, _) = prepare_pools(train, &schema, &enc, &x, &y, pools, true, cfg, seed)?;
        Ok(Drawer {
            pools,
            ready,
            n_rare,
            empty: take_rows(train, &[])?,
        })
    }

    /// The rows augment arm `arm` adds.
    fn rows(&self, arm: &ArmSpec) -> EvalResult<DataFrame> {
        let ArmSpec::Augment { ratio, .. } = arm else {
            return Err(EvalError::InvalidValue {
                field: "arm".into(),
                reason: format!("`{}` adds no generated rows", arm.label()),
            });
        };
        let n = (ratio * self.n_rare as f64).round() as usize;
        let mut out: Option<DataFrame> = None;
        for (p, idx) in augment_rows(&self.ready, arm, n)? {
            let (gi, keep) = &self.ready[p].source;
            let df = match self.ready[p].condition {
                Conditioned::Force => self.pools[*gi].forced,
                Conditioned::Reject => self.pools[*gi]
                    .rejected
                    .expect("a reject pool was prepared"),
            };
            let rows: Vec<usize> = idx.iter().map(|&i| keep[i]).collect();
            let part = take_rows(df, &rows)?;
            match &mut out {
                Some(acc) => {
                    acc.vstack_mut(&part)?;
                }
                None => out = Some(part),
            }
        }
        Ok(out.unwrap_or_else(|| self.empty.clone()))
    }
}

/// Each classifier's mean probability over the member arms `member_arms`, and the rows they add
/// summed: a member that ran as an arm of its own (in `cache`, by label) is reused, the others are
/// trained with `added_rows` and `fit_predict` and cached.
#[allow(clippy::type_complexity)]
fn average_members(
    member_arms: &[ArmSpec],
    cache: &mut HashMap<String, (usize, Vec<Vec<f64>>)>,
    added_rows: &dyn Fn(&ArmSpec) -> EvalResult<(Option<Features>, f64)>,
    fit_predict: &dyn Fn(Option<&Features>, f64) -> EvalResult<Vec<Vec<f64>>>,
) -> EvalResult<(usize, Vec<Vec<f64>>)> {
    let keys: Vec<String> = member_arms.iter().map(ArmSpec::label).collect();
    for (member, key) in member_arms.iter().zip(&keys) {
        if !cache.contains_key(key) {
            let (rows, weight) = added_rows(member)?;
            let n = rows.as_ref().map_or(0, |r| r.n_rows);
            cache.insert(key.clone(), (n, fit_predict(rows.as_ref(), weight)?));
        }
    }
    let n_added = keys.iter().map(|k| cache[k].0).sum();
    let probs: Vec<&[Vec<f64>]> = keys.iter().map(|k| cache[k].1.as_slice()).collect();
    Ok((n_added, mean_probabilities(&probs)))
}

/// Each classifier's mean, row by row, over `members` (each member: one probability vector per
/// classifier), summed in the members' order.
fn mean_probabilities(members: &[&[Vec<f64>]]) -> Vec<Vec<f64>> {
    let Some((first, rest)) = members.split_first() else {
        return Vec::new();
    };
    let mut sum = first.to_vec();
    for probs in rest {
        for (acc, p) in sum.iter_mut().zip(probs.iter()) {
            acc.iter_mut().zip(p).for_each(|(a, v)| *a += v);
        }
    }
    let k = members.len() as f64;
    for acc in &mut sum {
        acc.iter_mut().for_each(|a| *a /= k);
    }
    sum
}

/// Trains and scores every arm of `arms` with every classifier on one stage.
///
/// `pools` holds each generator's rows; an augment arm naming a generator without a pool (or a
/// reject arm on a generator without a reject pool) is an error. `seed` drives the oversamplers,
/// the pool shuffles, the curation folds and the classifiers.
///
/// # Errors
/// Invalid settings, an empty class in the stage's tables, a generator without a pool, or a
/// classifier failure.
pub fn evaluate_stage(
    stage: Stage<'_>,
    schema: &Schema,
    pools: &[GeneratorPool<'_>],
    arms: &[ArmSpec],
    cfg: &StageConfig,
    seed: u64,
) -> EvalResult<StageReport> {
    ensure!(
        !cfg.classifiers.is_empty(),
        EvalError::InvalidValue {
            field: "classifiers".into(),
            reason: "empty; give at least one classifier".into(),
        }
    );
    let mut schema = schema.clone();
    schema.target = Some(cfg.target.clone());
    let enc = FeatureEncoder::fit(stage.train, &schema)?;
    let x = enc.transform(stage.train, "train")?;
    let y = binary_target(stage.train, &cfg.target, &cfg.positive, "train")?;
    let xe = enc.transform(stage.eval, "evaluation")?;
    let ye = binary_target(stage.eval, &cfg.target, &cfg.positive, "evaluation")?;
    let n_rare = y.iter().filter(|&&t| t).count();
    for (what, v) in [("training", &y), ("evaluation", &ye)] {
        ensure!(
            v.iter().any(|&t| t),
            EvalError::EmptyClass {
                what: format!("the stage's {what} rows"),
                class: "positive".into(),
            }
        );
    }
    let needs_curator = arms.iter().any(|a| {
        matches!(
            a,
            ArmSpec::Augment { filter: true, .. } | ArmSpec::Committee { filter: true, .. }
        )
    }) || !pools.is_empty();
    let (curator, ready, stats) = prepare_pools(
        stage.train,
        &schema,
        &enc,
        &x,
        &y,
        pools,
        needs_curator,
        cfg,
        seed,
    )?;

    let mut runs = Vec::new();
    let n_of = |ratio: f64| (ratio * n_rare as f64).round() as usize;
    // The rows an arm adds to the real ones and their weight (`None`: the real rows alone).
    let added_rows = |arm: &ArmSpec| -> EvalResult<(Option<Features>, f64)> {
        Ok(match arm {
            ArmSpec::Oversample { method, ratio } => {
                let target = match ratio {
                    Some(k) => SamplingTarget::Count(n_of(*k)),
                    None => SamplingTarget::Auto,
                };
                (
                    Some(method.generate(&x, &y, enc.blocks(), target, seed)?),
                    1.0,
                )
            }
            ArmSpec::Augment { ratio, weight, .. } => {
                let picked = augment_rows(&ready, arm, n_of(*ratio))?;
                let mut rows = Features::empty(x.n_cols);
                for (p, idx) in picked {
                    rows = rows.vstack(&ready[p].x.select_rows(&idx))?;
                }
                (Some(rows), *weight)
            }
            _ => (None, 1.0),
        })
    };
    // Each classifier's probabilities on the evaluation rows, trained on the real rows plus
    // `added` at `weight`.
    let fit_predict = |added: Option<&Features>, weight: f64| -> EvalResult<Vec<Vec<f64>>> {
        let (xa, ya, w) = match added {
            None => (x.clone(), y.clone(), None),
            Some(new) => {
                let xa = x.vstack(new)?;
                let mut ya = y.clone();
                ya.resize(xa.n_rows, true);
                let w = (weight != 1.0).then(|| {
                    let mut w = vec![1.0; y.len()];
                    w.resize(xa.n_rows, weight);
                    w
                });
                (xa, ya, w)
            }
        };
        cfg.classifiers
            .iter()
            .map(|spec| {
                spec.fit_weighted(&xa, &ya, w.as_deref(), seed)?
                    .predict_proba(&xe)
            })
            .collect()
    };
    // One-generator augment arms' probabilities and added rows, by label, for the committees.
    let committees = arms.iter().any(ArmSpec::is_averaged);
    let mut members: HashMap<String, (usize, Vec<Vec<f64>>)> = HashMap::new();
    for arm in arms {
        let (n_added, probs) = match arm {
            ArmSpec::Tstr { generator } => {
                let full = pools
                    .iter()
                    .find(|p| p.name == generator)
                    .and_then(|p| p.full)
                    .ok_or_else(|| EvalError::InvalidValue {
                        field: "arms".into(),
                        reason: format!("TSTR arm of `{generator}` has no unconditional rows"),
                    })?;
                let xs = enc.transform(full, &format!("{generator} unconditional"))?;
                let ys = binary_target(full, &cfg.target, &cfg.positive, "synthetic")?;
                // A generator whose unconditional rows lack a class has no TSTR score: a
                // finding its fidelity report shows, not a reason to lose the stage.
                if ys.iter().all(|&t| t) || !ys.iter().any(|&t| t) {
                    continue;
                }
                for spec in &cfg.classifiers {
                    let model = spec.fit(&xs, &ys, seed)?;
                    let p = model.predict_proba(&xe)?;
                    runs.push(ArmRun {
                        arm: arm.clone(),
                        classifier: spec.name().into(),
                        n_real: 0,
                        n_added: xs.n_rows,
                        metrics: ClassificationMetrics::compute(&ye, &p, &cfg.metrics)?,
                    });
                }
                continue;
            }
            ArmSpec::Committee { condition, .. } => {
                let names = committee_names(&ready, *condition);
                ensure!(
                    !names.is_empty(),
                    EvalError::InvalidValue {
                        field: "arms".into(),
                        reason: format!("committee arm `{}` has no generator pools", arm.label()),
                    }
                );
                let member_arms: Vec<ArmSpec> = names
                    .iter()
                    .map(|g| arm.committee_member(g).expect("a committee arm"))
                    .collect();
                average_members(&member_arms, &mut members, &added_rows, &fit_predict)?
            }
            ArmSpec::OversampleCommittee { methods, ratio } => {
                ensure!(
                    !methods.is_empty(),
                    EvalError::InvalidValue {
                        field: "arms".into(),
                        reason: format!("`{}` names no oversampler", arm.label()),
                    }
                );
                let member_arms: Vec<ArmSpec> = methods
                    .iter()
                    .map(|&method| ArmSpec::Oversample {
                        method,
                        ratio: *ratio,
                    })
                    .collect();
                average_members(&member_arms, &mut members, &added_rows, &fit_predict)?
            }
            ArmSpec::BaggedReal { members: k } => {
                ensure!(
                    *k > 0,
                    EvalError::InvalidValue {
                        field: "arms".into(),
                        reason: "a bagged arm needs at least one member".into(),
                    }
                );
                let rare: Vec<usize> = (0..y.len()).filter(|&i| y[i]).collect();
                let common: Vec<usize> = (0..y.len()).filter(|&i| !y[i]).collect();
                let mut bags: Vec<Vec<Vec<f64>>> = Vec::with_capacity(*k);
                for b in 0..*k {
                    let mut rng = StdRng::seed_from_u64(seed_of(seed, &format!("bag {b}")));
                    let mut idx: Vec<usize> = Vec::with_capacity(y.len());
                    for class in [&rare, &common] {
                        idx.extend(
                            (0..class.len()).map(|_| class[rng.random_range(0..class.len())]),
                        );
                    }
                    let xb = x.select_rows(&idx);
                    let yb: Vec<bool> = idx.iter().map(|&i| y[i]).collect();
                    bags.push(
                        cfg.classifiers
                            .iter()
                            .map(|spec| spec.fit_weighted(&xb, &yb, None, seed)?.predict_proba(&xe))
                            .collect::<EvalResult<_>>()?,
                    );
                }
                let probs: Vec<&[Vec<f64>]> = bags.iter().map(Vec::as_slice).collect();
                (0, mean_probabilities(&probs))
            }
            _ => {
                let (rows, weight) = added_rows(arm)?;
                let n = rows.as_ref().map_or(0, |r| r.n_rows);
                let probs = fit_predict(rows.as_ref(), weight)?;
                if committees && (arm.is_augment() || arm.is_oversample()) {
                    members.insert(arm.label(), (n, probs.clone()));
                }
                (n, probs)
            }
        };
        for (spec, p) in cfg.classifiers.iter().zip(&probs) {
            runs.push(ArmRun {
                arm: arm.clone(),
                classifier: spec.name().into(),
                n_real: x.n_rows,
                n_added,
                metrics: ClassificationMetrics::compute(&ye, p, &cfg.metrics)?,
            });
        }
    }
    Ok(StageReport {
        n_train: y.len(),
        n_train_rare: n_rare,
        n_eval: ye.len(),
        n_eval_rare: ye.iter().filter(|&&t| t).count(),
        real_judge_pass_rate: curator.as_ref().map(Curator::real_pass_rate),
        pools: stats,
        runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_what_the_arm_is() {
        assert_eq!(ArmSpec::Real.label(), "real");
        assert_eq!(
            ArmSpec::Oversample {
                method: Oversampler::Smote { k_neighbors: 5 },
                ratio: None
            }
            .label(),
            "smote@auto"
        );
        assert_eq!(
            ArmSpec::Augment {
                source: Source::Ensemble,
                ratio: 0.5,
                filter: true,
                weight: 0.5,
                condition: Conditioned::Reject,
            }
            .label(),
            "ensemble@0.5+filter+w0.5+reject"
        );
    }
}

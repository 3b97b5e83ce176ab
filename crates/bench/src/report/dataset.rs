//! The report of one data set, one function per section: the protocol, the verdict per scarcity
//! level, the scarcity curves, every method per level, the generators, the ratio curves and
//! every arm of the largest level, then the reference replicate's training, marginals and pair
//! trends.

use synthkit_eval::arms::{ArmSpec, Conditioned};

use super::blocks::{Block, header};
use super::format::{arm_name, est, opt, opt_est, paired, per_1000_steps};
use super::inputs::DatasetReport;
use super::plots::{Axes, Curve, LossSeries, curve_plot, heatmap, loss_plot, marginal_plot};
use crate::assemble::{
    AUGMENT, AUGMENT_NO_MARGIN, BAGGED_REAL, COMMITTEE, COMMITTEE_MARGIN, LevelSummary,
    MethodSummary, ORACLE, OVERSAMPLER, OVERSAMPLER_COMMITTEE, PLAIN, REAL,
};
use crate::dataset::{DatasetResults, LevelResult};
use crate::error::BenchResult;
use crate::plan::Level;

/// Every block of the report of `rep`, in order.
pub fn dataset_blocks(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let r = &rep.results;
    let mut b = vec![Block::Heading(1, format!("synthkit bench: {}", rep.name))];
    b.extend(setting(r));
    b.extend(verdict(r));
    b.extend(scarcity_curves(r)?);
    b.extend(methods(r));
    b.extend(generators(r));
    b.extend(ratio_curves(r)?);
    b.extend(every_arm(r));
    b.extend(training(rep)?);
    b.extend(marginals(rep)?);
    b.extend(pair_trends(rep)?);
    Ok(b)
}

fn level_name(l: &Level) -> String {
    match l {
        Level::Count(n) => n.to_string(),
        Level::All => "all".into(),
    }
}

fn method<'a>(s: &'a LevelSummary, name: &str) -> Option<&'a MethodSummary> {
    s.methods.iter().find(|m| m.method == name)
}

/// The protocol, in one paragraph.
fn setting(r: &DatasetResults) -> Vec<Block> {
    let budget = match r.epochs {
        Some(e) => format!(
            "every generator trained for the same budget of **{e} passes over its training rows** \
             (epoch-counted models {e} epochs, step-counted models the steps that visit as many \
             rows; the copula is fitted in closed form)"
        ),
        None => "every generator trained with its config's schedule (the papers' defaults: \
                 the same budget for a model whatever the level)"
            .into(),
    };
    let gens = r
        .generators
        .iter()
        .map(|g| format!("{} ({})", g.name, g.schedule))
        .collect::<Vec<_>>()
        .join(", ");
    let mut b = vec![
        Block::Heading(2, "Protocol".into()),
        Block::Para(format!(
            "Rare class `{}` = `{}`. Real train: {} rows ({} rare); real test: {} rows ({} rare). \
             Each scarcity level keeps every majority training row and N rare rows; {} replicates \
             per level, each with its own rare rows, its own stratified validation part ({:.0} % of \
             the reduced training split) and its own generator training seeds. Generators ({gens}) \
             train on the fit part; {budget}. Every choice (ratio, generator or ensemble, filter, \
             weight, condition mode, oversampler, augment or not) is made on the validation part \
             with the {} classifier's PR-AUC; the chosen arm is then trained on the whole reduced \
             training split and scored on the real test split. Means ± standard deviations and \
             paired differences are over replicates; the intervals are 95 % t-intervals.",
            r.target,
            r.positive,
            r.n_train,
            r.n_train_rare,
            r.n_test,
            r.n_test_rare,
            r.replicates,
            100.0 * r.validation_fraction,
            r.classifier
        )),
    ];
    for (l, why) in &r.skipped {
        b.push(Block::Para(format!(
            "Level {} was skipped: {why}.",
            level_name(l)
        )));
    }
    b
}

/// The headline: per level, real only, the best oversampler and `augment`, all chosen on
/// validation, and augment's paired differences with both.
fn verdict(r: &DatasetResults) -> Vec<Block> {
    let mut rows = Vec::new();
    for l in &r.levels {
        let s = &l.summary;
        let pr = |m: &str| method(s, m).map_or("n/a".into(), |m| est(&m.pr_auc));
        let aug = method(s, AUGMENT);
        let declined = aug.map_or(0, |m| {
            m.chosen
                .iter()
                .filter(|(a, _)| a == "real")
                .map(|(_, n)| *n)
                .sum::<usize>()
        });
        rows.push(vec![
            level_name(&s.level),
            s.rare_train.to_string(),
            pr(REAL),
            pr(OVERSAMPLER),
            pr(PLAIN),
            pr(AUGMENT),
            pr(AUGMENT_NO_MARGIN),
            paired(aug.and_then(|m| m.vs_real.as_ref())),
            paired(aug.and_then(|m| m.vs_oversampler.as_ref())),
            paired(aug.and_then(|m| m.vs_plain.as_ref())),
            format!("{declined}/{}", s.replicates),
        ]);
    }
    vec![
        Block::Heading(
            2,
            format!(
                "Does augmentation beat real-only and SMOTE? ({}, PR-AUC on real test)",
                r.classifier
            ),
        ),
        Block::Para(format!(
            "Each column is a choice made on validation and scored on test: `best oversampler` \
             picks the best SMOTE-family arm (method and ratio), `plain generator` the best \
             generator arm as sampled (one generator, any ratio; no filter, weight 1, condition \
             forced), `augment` the best of every generator arm (generator or ensemble, ratio, \
             filter, weight, condition mode) when it beats the real rows on validation by more \
             than {} sampling error(s) of their PR-AUC (√(AP (1 − AP) / rare validation rows)), \
             and the real rows otherwise (`declined`); `augment (no margin)` takes the best of \
             the generator arms and the real rows without that margin. Δ is augment − the \
             other, replicate by replicate: mean [95 % interval] (wins/losses).",
            r.decline_margin
        )),
        Block::Table(
            header(&[
                "rare rows kept",
                "rare in split",
                "real only",
                "best oversampler",
                "plain generator",
                "augment",
                "augment (no margin)",
                "Δ vs real only",
                "Δ vs best oversampler",
                "Δ vs plain generator",
                "declined",
            ]),
            rows,
        ),
    ]
}

/// The x of a level on the scarcity axis: N, or the training split's rare rows for `all`.
fn level_x(r: &DatasetResults, l: &LevelResult) -> f64 {
    match l.summary.level {
        Level::Count(n) => n as f64,
        Level::All => r.n_train_rare as f64,
    }
}

/// PR-AUC and recall at the precision floor against the rare rows kept, per method.
fn scarcity_curves(r: &DatasetResults) -> BenchResult<Vec<Block>> {
    let mut names: Vec<String> = Vec::new();
    for l in &r.levels {
        for m in &l.summary.methods {
            if m.method != ORACLE && !names.contains(&m.method) {
                names.push(m.method.clone());
            }
        }
    }
    let curves = |metric: fn(&MethodSummary) -> crate::assemble::Estimate| -> Vec<Curve> {
        names
            .iter()
            .map(|n| Curve {
                name: n.clone(),
                bold: n == AUGMENT,
                points: r
                    .levels
                    .iter()
                    .filter_map(|l| {
                        method(&l.summary, n).map(|m| {
                            let e = metric(m);
                            (level_x(r, l), e.mean, e.ci95)
                        })
                    })
                    .collect(),
            })
            .collect()
    };
    let title_pr = format!(
        "{}: PR-AUC vs rare training rows ({})",
        r.name, r.classifier
    );
    let title_rec = format!(
        "{}: recall at precision ≥ 0.5 vs rare training rows ({})",
        r.name, r.classifier
    );
    Ok(vec![
        Block::Heading(2, "Scarcity curves".into()),
        Block::Para(
            "Each method's choice (made on validation) scored on the real test rows, against the \
             rare training rows kept (log scale; the rightmost point keeps them all). Bars: 95 % \
             t-intervals over replicates."
                .into(),
        ),
        Block::Plot {
            file: "scarcity-pr-auc.svg".into(),
            title: "PR-AUC against the rare training rows".into(),
            svg: curve_plot(
                &Axes {
                    title: &title_pr,
                    x_desc: "rare training rows kept",
                    y_desc: "PR-AUC on real test",
                    log_x: true,
                    baseline: None,
                },
                &curves(|m| m.pr_auc),
            )?,
        },
        Block::Plot {
            file: "scarcity-recall.svg".into(),
            title: "Recall at precision ≥ 0.5 against the rare training rows".into(),
            svg: curve_plot(
                &Axes {
                    title: &title_rec,
                    x_desc: "rare training rows kept",
                    y_desc: "recall at precision ≥ 0.5",
                    log_x: true,
                    baseline: None,
                },
                &curves(|m| m.recall_at_precision),
            )?,
        },
    ])
}

/// Every method of every level.
fn methods(r: &DatasetResults) -> Vec<Block> {
    let mut b = vec![
        Block::Heading(2, "Every method, per level".into()),
        Block::Para(format!(
            "A generator's row is its best arm on validation (ratio, filter, weight, condition \
             mode), scored on test. `{ORACLE}` is the best arm on *test*: an oracle for \
             orientation, not a result. `chosen`: the arms picked, with how many replicates \
             picked each."
        )),
    ];
    let committee = r
        .levels
        .iter()
        .any(|l| l.summary.methods.iter().any(|m| m.method == COMMITTEE));
    if committee {
        b.push(Block::Para(format!(
            "`{COMMITTEE}` is the best committee arm on validation: one classifier per \
             generator, each trained on the real rows plus that generator's rows (as its \
             one-generator arm at the committee's ratio, filter and weight), their predicted \
             probabilities averaged. `{COMMITTEE_MARGIN}` keeps it only when it beats the real \
             rows on validation by {} sampling error(s), as `augment` does. Their controls \
             average as many classifiers without generated rows: `{OVERSAMPLER_COMMITTEE}` one \
             per SMOTE-family method (its best ratio on validation), `{BAGGED_REAL}` one per \
             bootstrap resample of the real rows drawn within each class.",
            r.decline_margin
        )));
    }
    for l in &r.levels {
        let s = &l.summary;
        let rows = s
            .methods
            .iter()
            .map(|m| {
                vec![
                    m.method.clone(),
                    est(&m.pr_auc),
                    est(&m.recall_at_precision),
                    paired(m.vs_real.as_ref()),
                    paired(m.vs_oversampler.as_ref()),
                    paired(m.vs_plain.as_ref()),
                    m.chosen
                        .iter()
                        .take(3)
                        .map(|(a, n)| format!("{a} ({n})"))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            })
            .collect();
        b.push(Block::Heading(
            3,
            format!(
                "{} rare rows kept ({} replicate{})",
                level_name(&s.level),
                s.replicates,
                if s.replicates == 1 { "" } else { "s" }
            ),
        ));
        b.push(Block::Table(
            header(&[
                "method",
                "PR-AUC",
                "recall @ precision",
                "Δ vs real only",
                "Δ vs best oversampler",
                "Δ vs plain generator",
                "chosen",
            ]),
            rows,
        ));
    }
    b
}

/// Per generator and level: training and sampling, adherence, curation, fidelity, detection,
/// copies, TSTR.
fn generators(r: &DatasetResults) -> Vec<Block> {
    let mut b = vec![
        Block::Heading(2, "Generators".into()),
        Block::Para(
            "Means over the replicates of each level. `raw adherence`: the share of rare rows \
             generated under the condition whose generated class matched it before `force` \
             overwrote it (models that generate the class column; TabDDPM, the flow and the \
             copula take the class as an input). `judge passes`: the share of forced rare rows \
             a classifier of the real training rows does not contradict (the curation filter's \
             judge), next to the same share for real rare rows out of fold. `copies`: generated \
             rare rows identical to a real training row (dropped before use). Fidelity (1 − KS or \
             TV, correlations and contingencies) and detection (ROC-AUC, 0.5 is ideal) of the \
             unconditional rows against the real test and fit rows. TSTR: PR-AUC of the \
             classifier trained on the unconditional rows alone."
                .into(),
        ),
    ];
    for l in &r.levels {
        let rows = l
            .generators
            .iter()
            .map(|g| {
                vec![
                    g.name.clone(),
                    format!("{:.1}", g.train_seconds.mean),
                    g.steps
                        .map(|s| format!("{:.1}", g.train_seconds.mean / s * 1000.0))
                        .unwrap_or_else(|| {
                            if g.blocks > 0.0 {
                                format!("{:.3} / epoch", g.train_seconds.mean / g.blocks)
                            } else {
                                "closed form".into()
                            }
                        }),
                    format!("{:.0}", g.rows_per_second),
                    opt_est(g.raw_adherence.as_ref()),
                    format!(
                        "{:.2} (real {:.2})",
                        g.judge_pass_rate.mean, g.real_judge_pass_rate.mean
                    ),
                    format!("{:.1}", g.copies),
                    opt_est(g.fidelity.as_ref()),
                    if g.no_rare_rows > 0 {
                        format!(
                            "{} ({} without rare rows)",
                            opt_est(g.fidelity_rare.as_ref()),
                            g.no_rare_rows
                        )
                    } else {
                        opt_est(g.fidelity_rare.as_ref())
                    },
                    est(&g.detection_auc),
                    opt_est(g.tstr_pr_auc.as_ref()),
                ]
            })
            .collect();
        b.push(Block::Heading(
            3,
            format!("{} rare rows kept", level_name(&l.summary.level)),
        ));
        b.push(Block::Table(
            header(&[
                "generator",
                "train s",
                "s / 1000 steps (or / epoch)",
                "rare rows / s",
                "raw adherence",
                "judge passes",
                "copies",
                "fidelity",
                "rare-class fidelity",
                "detection AUC",
                "TSTR PR-AUC",
            ]),
            rows,
        ));
    }
    b
}

/// The plain arms of the largest level against the ratio: each generator, each oversampler.
fn ratio_curves(r: &DatasetResults) -> BenchResult<Vec<Block>> {
    let Some(l) = r.levels.last() else {
        return Ok(Vec::new());
    };
    let s = &l.summary;
    let real = s
        .arms
        .iter()
        .find(|a| a.arm == ArmSpec::Real)
        .map(|a| a.pr_auc.mean);
    let mut curves: Vec<Curve> = Vec::new();
    let mut push = |name: String, bold: bool, x: f64, e: &crate::assemble::Estimate| match curves
        .iter_mut()
        .find(|c| c.name == name)
    {
        Some(c) => c.points.push((x, e.mean, e.ci95)),
        None => curves.push(Curve {
            name,
            bold,
            points: vec![(x, e.mean, e.ci95)],
        }),
    };
    for a in &s.arms {
        match &a.arm {
            ArmSpec::Augment {
                source,
                ratio,
                filter: false,
                weight,
                condition: Conditioned::Force,
            } if *weight == 1.0 => push(source.name().to_string(), true, *ratio, &a.pr_auc),
            ArmSpec::Oversample {
                method,
                ratio: Some(k),
            } => push(method.name().to_string(), false, *k, &a.pr_auc),
            _ => {}
        }
    }
    for c in &mut curves {
        c.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let title = format!(
        "{}: PR-AUC vs ratio at {} rare rows ({})",
        r.name,
        level_name(&s.level),
        r.classifier
    );
    Ok(vec![
        Block::Heading(2, "Ratio curves".into()),
        Block::Para(format!(
            "At fixed settings (no choice): the plain arms of level {} against k, the rows added \
             per real rare row, on the test split; bars are 95 % t-intervals over replicates, the \
             dashed line is real only.",
            level_name(&s.level)
        )),
        Block::Plot {
            file: "ratio-pr-auc.svg".into(),
            title: format!("PR-AUC against the ratio at level {}", level_name(&s.level)),
            svg: curve_plot(
                &Axes {
                    title: &title,
                    x_desc: "k (rows added per real rare row)",
                    y_desc: "PR-AUC on real test",
                    log_x: true,
                    baseline: real.map(|y| ("real only", y)),
                },
                &curves,
            )?,
        },
    ])
}

/// Every arm of every level at fixed settings: validation and test PR-AUC.
fn every_arm(r: &DatasetResults) -> Vec<Block> {
    let mut b = vec![
        Block::Heading(2, "Every arm".into()),
        Block::Para(
            "Every arm at fixed settings, mean ± sd over replicates: rows added, validation \
             PR-AUC (what the choices read), test PR-AUC and recall at precision ≥ 0.5 (what they \
             report)."
                .into(),
        ),
    ];
    for l in &r.levels {
        let rows = l
            .summary
            .arms
            .iter()
            .map(|a| {
                vec![
                    arm_name(&a.arm),
                    format!("{:.0}", a.n_added),
                    est(&a.validation_pr_auc),
                    est(&a.pr_auc),
                    est(&a.recall_at_precision),
                ]
            })
            .collect();
        b.push(Block::Heading(
            3,
            format!("{} rare rows kept", level_name(&l.summary.level)),
        ));
        b.push(Block::Table(
            header(&[
                "arm",
                "rows added",
                "validation PR-AUC",
                "test PR-AUC",
                "test recall @ precision",
            ]),
            rows,
        ));
    }
    b
}

/// Training of the reference replicate: device, schedule, timings and sampling speed per
/// generator, and the loss plots.
fn training(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut rows = Vec::new();
    for g in &rep.generators {
        let per_epoch = if g.fit.epochs > 0 && g.fit.steps.is_none() {
            format!("{:.3}", g.fit.train_seconds / g.fit.epochs as f64)
        } else {
            "n/a".into()
        };
        rows.push(vec![
            g.name.clone(),
            g.kind.clone(),
            g.fit.device.clone(),
            format!("{}", g.fit.rows),
            format!("{}", g.fit.epochs),
            format!("{:.3}", g.fit.transformer_fit_seconds),
            format!("{:.1}", g.fit.train_seconds),
            per_epoch,
            per_1000_steps(&g.fit),
            format!(
                "{:.0}",
                g.sample_rows as f64 / g.sample_seconds.max(f64::EPSILON)
            ),
        ]);
    }
    let mut b = vec![
        Block::Heading(2, format!("Training (replicate {})", rep.reference.key())),
        Block::Table(
            header(&[
                "generator",
                "model",
                "device",
                "training rows",
                "blocks",
                "transformer fit s",
                "train s",
                "s / epoch",
                "s / 1000 steps",
                "unconditional rows / s",
            ]),
            rows,
        ),
    ];
    for g in &rep.generators {
        if !g.losses.is_empty() {
            b.push(Block::Plot {
                file: format!("losses-{}.svg", g.name),
                title: format!("Loss history of {}", g.name),
                svg: loss_plot(&g.name, &LossSeries::from_blocks(&g.losses))?,
            });
        }
    }
    Ok(b)
}

/// A column name as a file-name part: anything but ASCII letters and digits becomes `_`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// One plot per column but the target: its marginal, real vs synthetic, per class.
fn marginals(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut b = vec![
        Block::Heading(
            2,
            format!(
                "Marginals, real vs synthetic, per class (replicate {})",
                rep.reference.key()
            ),
        ),
        Block::Para(format!(
            "Left: the rare class (`{}` = `{}`): real test rows against each generator's forced \
             rare rows. Right: the other class: real test rows against the generator's \
             unconditional rows of that class. Continuous columns as histograms (share of rows per \
             bin, 30 bins over the real range; outliers in the edge bins), categorical columns as \
             shares of the 12 commonest real categories.",
            rep.target, rep.positive
        )),
    ];
    for col in &rep.schema.columns {
        if col.name == rep.target {
            continue;
        }
        b.push(Block::Plot {
            file: format!("marginal-{}.svg", slug(&col.name)),
            title: format!("Marginal of `{}`", col.name),
            svg: marginal_plot(rep, &col.name, col.kind.is_discrete())?,
        });
    }
    Ok(b)
}

/// One heatmap per generator: 1 − pair-trend score for every pair of columns, and the overall
/// fidelity and privacy numbers of the reference replicate.
fn pair_trends(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let rows = rep
        .generators
        .iter()
        .map(|g| {
            let f = &g.quality.fidelity;
            let p = &g.quality.privacy;
            vec![
                g.name.clone(),
                opt(f.overall.shapes_mean),
                opt(f.overall.trends_mean),
                opt(f.rare_class.shapes_mean),
                opt(f.rare_class.trends_mean),
                opt(p.dcr_median_ratio),
                format!("{}", p.exact_copies),
                format!("{:.3}", p.mia_auc),
            ]
        })
        .collect();
    let mut b = vec![
        Block::Heading(
            2,
            format!(
                "Pair trends and privacy (replicate {})",
                rep.reference.key()
            ),
        ),
        Block::Para(
            "Column shapes and pair trends, overall and for the rare class alone; DCR ratio: \
             median distance of synthetic rows to the closest fit-part row over the same for real \
             test rows (≈ 1: no closer than fresh real data); MIA: membership-inference ROC-AUC \
             (0.5 = no signal). Heatmaps: 1 − pair-trend score for every pair of columns (0 = the \
             synthetic pair behaves as the real one)."
                .into(),
        ),
        Block::Table(
            header(&[
                "generator",
                "shapes",
                "trends",
                "rare shapes",
                "rare trends",
                "DCR ratio",
                "exact copies",
                "MIA AUC",
            ]),
            rows,
        ),
    ];
    for g in &rep.generators {
        b.push(Block::Plot {
            file: format!("pairs-{}.svg", g.name),
            title: format!("Pair-trend differences of {}", g.name),
            svg: heatmap(g)?,
        });
    }
    Ok(b)
}

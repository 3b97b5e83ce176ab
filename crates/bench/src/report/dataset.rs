//! The report of one data set, section by section: the setting, the headline (does
//! augmentation beat SMOTE?), the ratio curves, every arm, fidelity/detection/privacy,
//! training, marginals and pair trends.

use synthkit_eval::utility::{Arm, ArmSummary, PairedComparison};

use super::blocks::{Block, header};
use super::format::{arm_name, classifiers, ms, opt, per_1000_steps};
use super::inputs::DatasetReport;
use super::plots::{LossSeries, heatmap, loss_plot, marginal_plot, ratio_plot};
use crate::error::BenchResult;

/// Every block of the data set's report, in order.
pub fn dataset_blocks(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut b = setting(rep);
    b.extend(headline(rep));
    b.extend(ratio_curves(rep)?);
    b.extend(every_arm(rep));
    b.extend(quality(rep));
    b.extend(training(rep)?);
    b.extend(marginals(rep)?);
    b.extend(pair_trends(rep)?);
    Ok(b)
}

/// The title and the setting: the rare class, the row counts, the seeds and the schedules.
fn setting(rep: &DatasetReport) -> Vec<Block> {
    let u = &rep.utility;
    let epochs = match rep.epochs_override {
        Some(e) => format!(
            "every generator trained for **at most {e} epochs** instead of its config's (a \
             shortened schedule: not the paper's, compare with care)"
        ),
        None => "every generator trained with its config's epochs (paper defaults)".into(),
    };
    vec![
        Block::Heading(1, format!("synthkit bench: {}", rep.name)),
        Block::Para(format!(
            "Rare class `{}` = `{}`. Real train: {} rows ({} rare); real test: {} rows ({} rare). \
             Seeds {:?}; {}. Every number below is scored on the real test rows; mean ± sample \
             standard deviation over the seeds.",
            rep.target,
            rep.positive,
            u.n_train,
            u.n_train_rare,
            u.n_test,
            u.n_test_rare,
            u.config.seeds,
            epochs
        )),
    ]
}

/// One row of the headline table: the arm's PR-AUC, ROC-AUC and minority F1, then its paired
/// comparison with SMOTE when it has one (blank cells otherwise).
fn headline_row(name: String, s: &ArmSummary, vs_smote: Option<&PairedComparison>) -> Vec<String> {
    let mut row = vec![name, ms(&s.pr_auc), ms(&s.roc_auc), ms(&s.minority_f1)];
    row.extend(match vs_smote {
        Some(c) => [
            format!("{:+.4}", c.diff.mean),
            format!("{}/{}", c.wins, c.losses),
            format!("{:.3}", c.wilcoxon_p),
        ],
        None => Default::default(),
    });
    row
}

/// Does augmentation beat SMOTE? Per generator with the first classifier: real only, TSTR, the
/// best ratio and its paired comparison with SMOTE; then the best baseline.
fn headline(rep: &DatasetReport) -> Vec<Block> {
    let u = &rep.utility;
    let head_clf = classifiers(u).first().cloned().unwrap_or_default();
    let mut b = vec![
        Block::Heading(
            2,
            format!("Does augmentation beat SMOTE? ({head_clf}, PR-AUC)"),
        ),
        Block::Para(
            "Per generator: the real-only arm, training on synthetic rows only (TSTR), the best \
             augmentation ratio, and the paired comparison with SMOTE at that ratio (Δ = arm − SMOTE \
             per seed; wins/losses over seeds; Wilcoxon signed-rank p)."
                .into(),
        ),
    ];
    let find = |arm: &Arm, clf: &str| -> Option<&ArmSummary> {
        u.summary
            .iter()
            .find(|s| &s.arm == arm && s.classifier == clf)
    };
    let mut rows = Vec::new();
    if let Some(s) = find(&Arm::Real, &head_clf) {
        rows.push(headline_row("real only".into(), s, None));
    }
    for g in &rep.generators {
        if let Some(s) = find(
            &Arm::Tstr {
                generator: g.name.clone(),
            },
            &head_clf,
        ) {
            rows.push(headline_row(format!("TSTR {}", g.name), s, None));
        }
        if let Some(best) = u
            .best_ratio
            .iter()
            .find(|r| r.generator == g.name && r.classifier == head_clf)
        {
            let arm = Arm::Augment {
                generator: g.name.clone(),
                ratio: best.ratio,
            };
            if let Some(s) = find(&arm, &head_clf) {
                let cmp = u
                    .vs_smote
                    .iter()
                    .find(|c| c.arm == arm && c.classifier == head_clf && c.metric == "pr_auc");
                rows.push(headline_row(
                    format!("{} ×{} (best ratio)", g.name, best.ratio),
                    s,
                    cmp,
                ));
            }
        }
    }
    // The best SMOTE-family arm, for orientation.
    if let Some(s) = u
        .summary
        .iter()
        .filter(|s| matches!(s.arm, Arm::Oversample { .. }) && s.classifier == head_clf)
        .max_by(|a, b| a.pr_auc.mean.total_cmp(&b.pr_auc.mean))
    {
        rows.push(headline_row(
            format!("{} (best baseline)", arm_name(&s.arm)),
            s,
            None,
        ));
    }
    b.push(Block::Table(
        header(&[
            "arm",
            "PR-AUC",
            "ROC-AUC",
            "minority F1",
            "Δ PR-AUC vs SMOTE",
            "wins/losses",
            "Wilcoxon p",
        ]),
        rows,
    ));
    b
}

/// PR-AUC against the augmentation ratio, one plot per classifier.
fn ratio_curves(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut b = vec![
        Block::Heading(2, "Augmentation-ratio curves".into()),
        Block::Para(
            "PR-AUC against k, the synthetic (or oversampled) rare rows added per real rare row. \
             Bars: ± one standard deviation over seeds. The dashed line is real only."
                .into(),
        ),
    ];
    for clf in classifiers(&rep.utility) {
        b.push(Block::Plot {
            file: format!("ratio-{clf}.svg"),
            title: format!("PR-AUC vs augmentation ratio ({clf})"),
            svg: ratio_plot(rep, &clf)?,
        });
    }
    Ok(b)
}

/// Every arm with every classifier and every metric.
fn every_arm(rep: &DatasetReport) -> Vec<Block> {
    let mut rows = Vec::new();
    for s in &rep.utility.summary {
        rows.push(vec![
            arm_name(&s.arm),
            s.classifier.clone(),
            format!("{:.0}", s.n_synthetic),
            ms(&s.pr_auc),
            ms(&s.roc_auc),
            ms(&s.minority_f1),
            ms(&s.macro_f1),
            ms(&s.recall_at_precision),
        ]);
    }
    vec![
        Block::Heading(2, "Every arm".into()),
        Block::Table(
            header(&[
                "arm",
                "classifier",
                "rows added",
                "PR-AUC",
                "ROC-AUC",
                "minority F1",
                "macro F1",
                "recall @ precision",
            ]),
            rows,
        ),
    ]
}

/// Fidelity (overall and on the rare class), detection and privacy per generator.
fn quality(rep: &DatasetReport) -> Vec<Block> {
    let mut rows = Vec::new();
    for g in &rep.generators {
        let f = &g.quality.fidelity;
        let p = &g.quality.privacy;
        rows.push(vec![
            g.name.clone(),
            opt(f.overall.shapes_mean),
            opt(f.overall.trends_mean),
            opt(f.overall.overall),
            opt(f.rare_class.shapes_mean),
            opt(f.rare_class.trends_mean),
            opt(f.rare_class.overall),
            format!("{:.3}", g.quality.detection.auc),
            opt(p.dcr_median_ratio),
            format!("{}", p.exact_copies),
            format!("{:.3}", p.mia_auc),
        ]);
    }
    vec![
        Block::Heading(2, "Fidelity, detection and privacy".into()),
        Block::Para(
            "Column shapes (1 − KS or 1 − TV) and pair trends (correlation or contingency \
             similarity) against the real test rows, overall and for the rare class alone (the \
             conditional samples against the real rare rows). Detection: ROC-AUC of a classifier \
             telling real train from synthetic rows (0.5 is ideal). DCR ratio: median distance of \
             synthetic rows to the closest train row over the same for real holdout rows (≈ 1: no \
             closer than fresh real data). MIA: membership-inference ROC-AUC (0.5 = no signal)."
                .into(),
        ),
        Block::Table(
            header(&[
                "generator",
                "shapes",
                "trends",
                "overall",
                "rare shapes",
                "rare trends",
                "rare overall",
                "detection AUC",
                "DCR ratio",
                "exact copies",
                "MIA AUC",
            ]),
            rows,
        ),
    ]
}

/// Training: device, schedule, timings and sampling speed per generator, and the loss plots.
fn training(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut rows = Vec::new();
    for g in &rep.generators {
        let per_epoch = if g.fit.epochs > 0 {
            format!("{:.3}", g.fit.train_seconds / g.fit.epochs as f64)
        } else {
            "n/a".into()
        };
        rows.push(vec![
            g.name.clone(),
            g.kind.clone(),
            g.fit.device.clone(),
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
        Block::Heading(2, "Training".into()),
        Block::Table(
            header(&[
                "generator",
                "model",
                "device",
                "epochs",
                "transformer fit s",
                "train s",
                "s / epoch",
                "s / 1000 steps",
                "sampled rows / s",
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
        Block::Heading(2, "Marginals, real vs synthetic, per class".into()),
        Block::Para(format!(
            "Left: the rare class (`{}` = `{}`): real test rows against each generator's conditional \
             samples. Right: the other class: real test rows against the generator's unconditional \
             samples of that class. Continuous columns as histograms (share of rows per bin, 30 \
             bins over the real range; outliers in the edge bins), categorical columns as shares of \
             the 12 commonest real categories.",
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

/// One heatmap per generator: 1 − pair-trend score for every pair of columns.
fn pair_trends(rep: &DatasetReport) -> BenchResult<Vec<Block>> {
    let mut b = vec![
        Block::Heading(2, "Pair-trend differences".into()),
        Block::Para(
            "1 − pair-trend score for every pair of columns (0 = the synthetic pair behaves as the \
             real one; correlation similarity for numeric pairs, contingency similarity otherwise), \
             overall rows against the real test rows."
                .into(),
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

//! The cross-data-set summary: each data set's rows (one per generator) and `summary.md`.

use synthkit_eval::utility::Arm;

use super::blocks::{Block, header, to_markdown};
use super::format::{arm_name, classifiers, opt, per_1000_steps};
use super::inputs::DatasetReport;

/// One data set's rows of the cross-data-set summary, one per generator (none when the bench
/// ran no classifier).
pub fn summary_rows(rep: &DatasetReport) -> Vec<Vec<String>> {
    let u = &rep.utility;
    let Some(clf) = classifiers(u).first().cloned() else {
        return Vec::new();
    };
    let pr = |arm: &Arm| {
        u.summary
            .iter()
            .find(|s| &s.arm == arm && s.classifier == clf)
            .map(|s| s.pr_auc)
    };
    let real = pr(&Arm::Real).map_or("n/a".into(), |m| format!("{:.3}", m.mean));
    let best_base = u
        .summary
        .iter()
        .filter(|s| matches!(s.arm, Arm::Oversample { .. }) && s.classifier == clf)
        .max_by(|a, b| a.pr_auc.mean.total_cmp(&b.pr_auc.mean))
        .map_or("n/a".into(), |s| {
            format!("{:.3} ({})", s.pr_auc.mean, arm_name(&s.arm))
        });
    let mut rows = Vec::new();
    for g in &rep.generators {
        let tstr = pr(&Arm::Tstr {
            generator: g.name.clone(),
        })
        .map_or("n/a".into(), |m| format!("{:.3}", m.mean));
        let best = u
            .best_ratio
            .iter()
            .find(|r| r.generator == g.name && r.classifier == clf);
        let (aug, vs) = match best {
            Some(b) => {
                let arm = Arm::Augment {
                    generator: g.name.clone(),
                    ratio: b.ratio,
                };
                let cmp = u
                    .vs_smote
                    .iter()
                    .find(|c| c.arm == arm && c.classifier == clf && c.metric == "pr_auc");
                (
                    format!("{:.3} ± {:.3} (×{})", b.pr_auc.mean, b.pr_auc.std, b.ratio),
                    cmp.map_or("n/a".into(), |c| {
                        format!(
                            "{:+.3} ({}/{}, p={:.2})",
                            c.diff.mean, c.wins, c.losses, c.wilcoxon_p
                        )
                    }),
                )
            }
            None => ("n/a".into(), "n/a".into()),
        };
        let f = &g.quality.fidelity;
        let per_epoch = match (g.fit.epochs, g.fit.steps) {
            (0, _) => "n/a".into(),
            (e, None) => format!("{:.2}", g.fit.train_seconds / e as f64),
            (e, Some(_)) => format!(
                "{:.2} ({} per 1000 steps)",
                g.fit.train_seconds / e as f64,
                per_1000_steps(&g.fit)
            ),
        };
        rows.push(vec![
            rep.name.clone(),
            g.name.clone(),
            real.clone(),
            aug,
            vs,
            best_base.clone(),
            tstr,
            opt(f.overall.overall),
            opt(f.rare_class.overall),
            format!("{:.3}", g.quality.detection.auc),
            opt(g.quality.privacy.dcr_median_ratio),
            per_epoch,
        ]);
    }
    rows
}

/// The cross-data-set summary from the data sets' [`summary_rows`], in order.
pub fn summary_markdown(rows: Vec<Vec<String>>) -> String {
    let blocks = [
        Block::Heading(1, "synthkit bench summary".into()),
        Block::Para(
            "PR-AUC on the real test set with the first classifier of the bench (gradient \
             boosting by default), mean over seeds. `best aug` is the generator's best \
             augmentation ratio; `vs SMOTE` is the paired difference with SMOTE at that ratio \
             (wins/losses over seeds, Wilcoxon p). Fidelity against real test rows; detection \
             AUC 0.5 is ideal; DCR ratio ≈ 1 means no closer to train than fresh real rows."
                .into(),
        ),
        Block::Table(
            header(&[
                "data set",
                "generator",
                "real only",
                "best aug",
                "vs SMOTE",
                "best baseline",
                "TSTR",
                "fidelity",
                "rare fidelity",
                "detection AUC",
                "DCR ratio",
                "s / epoch",
            ]),
            rows,
        ),
    ];
    to_markdown(&blocks)
}

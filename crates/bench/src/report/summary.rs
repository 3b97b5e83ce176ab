//! The cross-data-set summary: each data set's rows (one per scarcity level) and `summary.md`,
//! with the count of data sets on which `augment` beats both real-only and the best oversampler
//! at 100 rare rows or fewer.

use super::blocks::{Block, header, to_markdown};
use super::format::{est, paired};
use crate::assemble::{AUGMENT, MethodSummary, OVERSAMPLER, REAL};
use crate::dataset::DatasetResults;
use crate::plan::Level;
use synthkit_eval::select::Paired;

/// Column of a row holding whether augment beat both (`yes`/`no`), and the one of its level.
const BEATS_COLUMN: usize = 8;
const LEVEL_COLUMN: usize = 1;

/// Whether a paired comparison is a win: a positive mean difference with more wins than losses.
pub fn beats(p: Option<&Paired>) -> bool {
    p.is_some_and(|p| p.mean > 0.0 && p.wins > p.losses)
}

/// One data set's rows of the summary, one per level.
pub fn summary_rows(r: &DatasetResults) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for l in &r.levels {
        let s = &l.summary;
        let m = |name: &str| s.methods.iter().find(|m| m.method == name);
        let pr = |x: Option<&MethodSummary>| x.map_or("n/a".into(), |m| est(&m.pr_auc));
        let aug = m(AUGMENT);
        let best_gen = s
            .methods
            .iter()
            .filter(|x| r.generators.iter().any(|g| g.name == x.method))
            .max_by(|a, b| a.pr_auc.mean.total_cmp(&b.pr_auc.mean));
        let both = beats(aug.and_then(|a| a.vs_real.as_ref()))
            && beats(aug.and_then(|a| a.vs_oversampler.as_ref()));
        rows.push(vec![
            r.name.clone(),
            match s.level {
                Level::Count(n) => n.to_string(),
                Level::All => format!("all ({})", r.n_train_rare),
            },
            pr(m(REAL)),
            pr(m(OVERSAMPLER)),
            pr(aug),
            paired(aug.and_then(|a| a.vs_real.as_ref())),
            paired(aug.and_then(|a| a.vs_oversampler.as_ref())),
            best_gen.map_or("n/a".into(), |g| format!("{} {}", g.method, est(&g.pr_auc))),
            if both { "yes" } else { "no" }.into(),
        ]);
    }
    rows
}

/// The cross-data-set summary from the data sets' [`summary_rows`], in order.
pub fn summary_markdown(rows: Vec<Vec<String>>) -> String {
    let scarce = |level: &str| level.parse::<usize>().is_ok_and(|n| n <= 100);
    let mut sets: Vec<(&str, bool)> = Vec::new();
    for row in &rows {
        if !scarce(&row[LEVEL_COLUMN]) {
            continue;
        }
        let win = row[BEATS_COLUMN] == "yes";
        match sets.iter_mut().find(|(n, _)| *n == row[0]) {
            Some(s) => s.1 &= win,
            None => sets.push((&row[0], win)),
        }
    }
    let won = sets.iter().filter(|(_, w)| *w).count();
    let verdict = if sets.is_empty() {
        "No data set ran a level of 100 rare rows or fewer.".to_string()
    } else {
        format!(
            "At every level of 100 rare training rows or fewer, `augment` beat both real-only \
             and the best oversampler (positive mean difference, more wins than losses over the \
             replicates, against each) on **{won} of {} data sets**{}.",
            sets.len(),
            if won == sets.len() {
                String::new()
            } else {
                format!(
                    " (not on: {})",
                    sets.iter()
                        .filter(|(_, w)| !*w)
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        )
    };
    let blocks = [
        Block::Heading(1, "synthkit bench summary".into()),
        Block::Para(
            "PR-AUC on the real test split with the bench's first classifier, mean ± sd over \
             replicates (each its own rare rows, validation part and generator seeds). Every \
             column is a choice made on the validation part: `best oversampler` the best \
             SMOTE-family arm, `augment` the best generator arm or the real rows, `best \
             generator` the generator whose own choice scored best on test (for orientation). Δ: \
             augment − the other, mean [95 % interval] (wins/losses)."
                .into(),
        ),
        Block::Para(verdict),
        Block::Table(
            header(&[
                "data set",
                "rare rows",
                "real only",
                "best oversampler",
                "augment",
                "Δ vs real only",
                "Δ vs best oversampler",
                "best generator",
                "augment beats both",
            ]),
            rows,
        ),
    ];
    to_markdown(&blocks)
}

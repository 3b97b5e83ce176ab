//! The cross-data-set summary: each data set's rows (one per scarcity level) and `summary.md`,
//! with the count of data sets on which `augment` beats both real-only and the best oversampler
//! at 100 rare rows or fewer.

use super::blocks::{Block, header, to_markdown};
use super::format::{est, paired};
use crate::assemble::{AUGMENT, AUGMENT_NO_MARGIN, MethodSummary, OVERSAMPLER, PLAIN, REAL};
use crate::dataset::DatasetResults;
use crate::plan::Level;
use synthkit_eval::select::Paired;

/// Column of a row holding whether augment beat real-only and the best oversampler (`yes`/`no`),
/// the one holding whether it beat the best oversampler and the plain generator, and the one of
/// its level.
const BEATS_COLUMN: usize = 10;
const BEATS_PLAIN_COLUMN: usize = 11;
const BELOW_REAL_COLUMN: usize = 12;
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
        let vs_over = beats(aug.and_then(|a| a.vs_oversampler.as_ref()));
        let both = beats(aug.and_then(|a| a.vs_real.as_ref())) && vs_over;
        let practice = vs_over && beats(aug.and_then(|a| a.vs_plain.as_ref()));
        rows.push(vec![
            r.name.clone(),
            match s.level {
                Level::Count(n) => n.to_string(),
                Level::All => format!("all ({})", r.n_train_rare),
            },
            m(REAL).map_or(0, |m| m.n).to_string(),
            pr(m(REAL)),
            pr(m(OVERSAMPLER)),
            pr(m(PLAIN)),
            pr(aug),
            paired(aug.and_then(|a| a.vs_real.as_ref())),
            paired(aug.and_then(|a| a.vs_oversampler.as_ref())),
            paired(aug.and_then(|a| a.vs_plain.as_ref())),
            if both { "yes" } else { "no" }.into(),
            if practice { "yes" } else { "no" }.into(),
            if aug
                .and_then(|a| a.vs_real.as_ref())
                .is_some_and(|p| p.ci95[1] < 0.0)
            {
                "yes"
            } else {
                "no"
            }
            .into(),
            pr(m(AUGMENT_NO_MARGIN)),
            paired(m(AUGMENT_NO_MARGIN).and_then(|a| a.vs_real.as_ref())),
        ]);
    }
    rows
}

/// Per data set (in order of first appearance), whether `column` says `yes` on every row whose
/// level passes `level`; data sets without such a row are left out.
fn every_level(
    rows: &[Vec<String>],
    column: usize,
    level: impl Fn(&str) -> bool,
) -> Vec<(&str, bool)> {
    let mut sets: Vec<(&str, bool)> = Vec::new();
    // A row cached by an older binary may be shorter: it counts as "no", never as a panic.
    for row in rows
        .iter()
        .filter(|r| r.get(LEVEL_COLUMN).is_some_and(|l| level(l)))
    {
        let yes = row.get(column).is_some_and(|c| c == "yes");
        match sets.iter_mut().find(|(n, _)| *n == row[0].as_str()) {
            Some(s) => s.1 &= yes,
            None => sets.push((&row[0], yes)),
        }
    }
    sets
}

/// `n of m data sets (not on: …)` for [`every_level`]'s result.
fn count(sets: &[(&str, bool)]) -> String {
    let won = sets.iter().filter(|(_, w)| *w).count();
    let not: Vec<&str> = sets.iter().filter(|(_, w)| !*w).map(|(n, _)| *n).collect();
    format!(
        "**{won} of {} data sets**{}",
        sets.len(),
        if not.is_empty() {
            String::new()
        } else {
            format!(" (not on: {})", not.join(", "))
        }
    )
}

/// The cross-data-set summary from the data sets' [`summary_rows`], in order.
pub fn summary_markdown(rows: Vec<Vec<String>>) -> String {
    let scarce = |level: &str| level.parse::<usize>().is_ok_and(|n| n <= 100);
    let both = every_level(&rows, BEATS_COLUMN, scarce);
    let practice = every_level(&rows, BEATS_PLAIN_COLUMN, scarce);
    let full = every_level(&rows, BELOW_REAL_COLUMN, |l| l.starts_with("all"));
    let mut verdict = if both.is_empty() {
        "No data set ran a level of 100 rare rows or fewer.".to_string()
    } else {
        format!(
            "At every level of 100 rare training rows or fewer, `augment` beat both real-only \
             and the best oversampler (positive mean difference, more wins than losses over the \
             replicates, against each) on {}; it beat both the best oversampler and the best \
             plain generator arm on {}.",
            count(&both),
            count(&practice)
        )
    };
    if !full.is_empty() {
        let below: Vec<&str> = full.iter().filter(|(_, b)| *b).map(|(n, _)| *n).collect();
        verdict.push_str(&format!(
            " With every rare row kept, `augment` was below real-only beyond noise (the 95 % \
             interval of the paired difference entirely below 0) on {} of {} data sets{}.",
            below.len(),
            full.len(),
            if below.is_empty() {
                String::new()
            } else {
                format!(" ({})", below.join(", "))
            }
        ));
    }
    let blocks = [
        Block::Heading(1, "synthkit bench summary".into()),
        Block::Para(
            "PR-AUC on the real test split with the bench's first classifier, mean ± sd over \
             replicates (each its own rare rows, validation part and generator seeds). Every \
             column is a choice made on the validation part: `best oversampler` the best \
             SMOTE-family arm, `plain generator` the best generator arm as sampled (no filter, \
             weight 1), `augment` the best generator arm of any kind when it beats the real rows \
             on validation by more than the noise margin (the bench's `decline_margin` sampling \
             errors of their PR-AUC), the real rows otherwise; `augment (no margin)` the best \
             generator arm or the real rows without it. Δ: augment − the other, mean [95 % \
             interval] (wins/losses)."
                .into(),
        ),
        Block::Para(verdict),
        Block::Table(
            header(&[
                "data set",
                "rare rows",
                "replicates",
                "real only",
                "best oversampler",
                "plain generator",
                "augment",
                "Δ vs real only",
                "Δ vs best oversampler",
                "Δ vs plain generator",
                "beats real and oversampler",
                "beats oversampler and plain",
                "below real beyond noise",
                "augment (no margin)",
                "Δ no margin vs real only",
            ]),
            rows,
        ),
    ];
    to_markdown(&blocks)
}

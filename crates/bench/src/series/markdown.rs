//! The Markdown summary of a TimeGAN evaluation (`eval.md`, next to `eval.json`).

use synthkit_eval::stats::MeanStd;

use super::report::SeriesReport;

fn ms(m: &MeanStd) -> String {
    format!("{:.3} ± {:.3}", m.mean, m.std)
}

/// The report as Markdown: scores, fidelity per feature and the augmentation table.
pub(crate) fn markdown(r: &SeriesReport) -> String {
    let mut s = format!(
        "# TimeGAN evaluation: `{}`\n\n{} training sequences × {} steps × {} features; {} iterations per phase; seconds/iteration {}.\n\n",
        r.config,
        r.sequences_train,
        r.seq_len,
        r.features.len(),
        r.iterations_per_phase,
        r.seconds_per_iteration
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let sc = &r.scores;
    s += &format!(
        "## Scores ({} repeats; discriminative {} it., predictive {} it., batch {})\n\n| score (lower is better) | TimeGAN | reference |\n|---|---|---|\n| discriminative | {} | real train vs real test: {} |\n| predictive (MAE) | {} | real (TRTR): {} |\n\n",
        sc.runs.len(),
        sc.discriminative_iterations,
        sc.predictive_iterations,
        sc.batch_size,
        ms(&sc.discriminative),
        sc.discriminative_real_vs_test
            .as_ref()
            .map_or("n/a".into(), ms),
        ms(&sc.predictive),
        ms(&sc.predictive_real),
    );
    s += &format!(
        "## Fidelity (one synthetic set the size of the training set)\n\nmean KSComplement {:.3}, mean |ΔACF| (lags 1–k) {:.3}\n\n| feature | KSComplement | mean abs ACF diff |\n|---|---|---|\n",
        r.fidelity_mean_ks_complement, r.fidelity_mean_acf_abs_diff
    );
    for f in &r.fidelity {
        s += &format!(
            "| {} | {:.3} | {:.3} |\n",
            f.feature, f.ks_complement, f.acf_abs_diff
        );
    }
    if let Some(a) = &r.augmentation {
        s += &format!(
            "\n## Augmentation (GRU classifier, {} repeats; train {} sequences / {} `{}`, test {} / {})\n\n| training set | added | PR-AUC | ROC-AUC | minority F1 | macro F1 |\n|---|---|---|---|---|---|\n",
            a.methods[0].runs.len(),
            a.train_sequences,
            a.train_positive,
            a.positive,
            a.test_sequences,
            a.test_positive
        );
        for m in &a.methods {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                m.method,
                m.added_sequences,
                ms(&m.mean["pr_auc"]),
                ms(&m.mean["roc_auc"]),
                ms(&m.mean["minority_f1"]),
                ms(&m.mean["macro_f1"])
            );
        }
    }
    s
}

//! A whole bench: the data sets of a config (or those `--only` names) run one after the other,
//! then `summary.md` across every data set that has finished.

use std::path::Path;

use synthkit_data::io::write_atomic;
use synthkit_runs::RunError;

use crate::config::{BenchConfig, BenchDataset, BenchFlags};
use crate::dataset::run_dataset;
use crate::error::{BenchError, BenchResult, WithContext};
use crate::report;

/// Runs the whole bench of `cfg` (read from `config_path`) and writes `<out>/summary.md`;
/// returns the summary's Markdown.
///
/// # Errors
/// `--only` naming an unknown data set, or a data set that fails (named in the error).
pub fn bench(cfg: &BenchConfig, config_path: &Path, flags: &BenchFlags) -> BenchResult<String> {
    let out = cfg.out_dir(config_path, flags);
    for name in &flags.only {
        if !cfg.datasets.iter().any(|d| &d.name == name) {
            return Err(BenchError::UnknownDataset {
                name: name.clone(),
                known: cfg
                    .datasets
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
    }
    let rows = finished_summary_rows(cfg, &out, &flags.only, |d| {
        let results = run_dataset(cfg, d, &out.join(&d.name), flags)
            .with_context(|| format!("bench data set `{}`", d.name))?;
        Ok(report::summary_rows(&results))
    })?;
    let md = report::summary_markdown(rows);
    write_atomic(&out.join("summary.md"), true, |f| {
        std::io::Write::write_all(f, md.as_bytes())
    })?;
    tracing::info!(out = %out.display(), "bench finished");
    Ok(md)
}

/// Runs the data sets `only` names (all when empty) through `run`, which returns a data set's
/// summary rows, stores each one's rows in `<out>/<name>/summary-rows.json`, then returns the
/// rows of every data set of the config that has finished, in this run, an earlier one or a
/// concurrent one, in config order: so a bench run with `--only` keeps the other data sets in
/// `summary.md`.
fn finished_summary_rows(
    cfg: &BenchConfig,
    out: &Path,
    only: &[String],
    mut run: impl FnMut(&BenchDataset) -> BenchResult<Vec<Vec<String>>>,
) -> BenchResult<Vec<Vec<String>>> {
    let path_of = |d: &BenchDataset| out.join(&d.name).join("summary-rows.json");
    for d in &cfg.datasets {
        if !only.is_empty() && !only.contains(&d.name) {
            continue;
        }
        let mine = run(d)?;
        let json = serde_json::to_string_pretty(&mine).map_err(|e| RunError::Serialize {
            what: "summary rows",
            source: Box::new(e),
        })?;
        write_atomic(&path_of(d), true, |f| {
            std::io::Write::write_all(f, json.as_bytes())
        })?;
    }
    // Read back after the runs: a data set that another bench process finished meanwhile counts.
    let mut rows = Vec::new();
    for d in &cfg.datasets {
        let path = path_of(d);
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|source| RunError::ReadFile {
            path: path.clone(),
            source,
        })?;
        let theirs: Vec<Vec<String>> =
            serde_json::from_str(&text).map_err(|source| BenchError::DamagedRows {
                path: path.clone(),
                dataset: d.name.clone(),
                source,
            })?;
        rows.extend(theirs);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_only_run_keeps_the_other_finished_data_sets_in_the_summary() {
        let tmp = tempfile::tempdir().unwrap();
        let cfg: BenchConfig = toml::from_str(
            "[[datasets]]\nname = \"a\"\ngenerators = []\n\
             [[datasets]]\nname = \"b\"\ngenerators = []\n\
             [[datasets]]\nname = \"c\"\ngenerators = []\n",
        )
        .unwrap();
        let row = |d: &BenchDataset, v: &str| Ok(vec![vec![d.name.clone(), v.to_string()]]);
        let names = |rows: Vec<Vec<String>>| -> Vec<String> { rows.concat() };
        // `c` never finishes here; `a` and `b` do.
        let only = ["a".to_string(), "b".to_string()];
        let first = finished_summary_rows(&cfg, tmp.path(), &only, |d| row(d, "1")).unwrap();
        assert_eq!(names(first), ["a", "1", "b", "1"]);
        // Rerunning `b` alone updates its rows and keeps `a`'s, in config order.
        let second =
            finished_summary_rows(&cfg, tmp.path(), &["b".into()], |d| row(d, "2")).unwrap();
        assert_eq!(names(second), ["a", "1", "b", "2"]);
        // A data set that another bench process finishes while this one runs is listed too.
        let third = finished_summary_rows(&cfg, tmp.path(), &["a".into()], |d| {
            std::fs::create_dir_all(tmp.path().join("c")).unwrap();
            std::fs::write(tmp.path().join("c/summary-rows.json"), r#"[["c","9"]]"#).unwrap();
            row(d, "3")
        })
        .unwrap();
        assert_eq!(names(third), ["a", "3", "b", "2", "c", "9"]);
        // A damaged rows file is an error that names the fix.
        std::fs::write(tmp.path().join("a/summary-rows.json"), "{").unwrap();
        let err =
            finished_summary_rows(&cfg, tmp.path(), &["b".into()], |d| row(d, "3")).unwrap_err();
        assert!(format!("{err:#}").contains("--only a"), "{err:#}");
    }
}

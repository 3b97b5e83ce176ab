//! One data set of a bench: its settings stamped, its cells run (resumably, with progress), and
//! its results assembled into `utility.json` and the report.
//!
//! Layout of `<out>/<dataset>/`:
//! - `bench.resolved.toml`: the settings all cells share; a resumed bench must match it;
//! - `models/<generator>/`: a `synthkit fit` run directory (model, checkpoints, fit.json), and
//!   `models/<generator>.resolved.toml`, its config (a resumed bench must match it too);
//! - `samples/<generator>-seed<s>-{full,rare}.parquet`: the synthetic rows every cell reads;
//! - `cells/*.json`: one file per finished cell (classifier runs, fidelity, privacy);
//! - `utility.json`, `report.md`, `report.html`, `plots/*.svg`: assembled at the end;
//! - `summary-rows.json`: the data set's rows of `<out>/summary.md`.

use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use synthkit_data::Schema;
use synthkit_data::io::read_table;
use synthkit_data::schema::ensure_class_present;
use synthkit_eval::utility::{RowCounts, RunResult, UtilityReport};
use synthkit_runs::json::{read_json, write_json};
use synthkit_runs::{FitRecord, RunConfig, RunError};
use synthkit_train::parse_losses_csv;

use crate::cells::{Cell, CellInputs, Layout, all_cells};
use crate::config::{BenchConfig, BenchDataset, BenchFlags};
use crate::error::{BenchError, BenchResult, WithContext};
use crate::generators::{Generator, load_generators};
use crate::records::{QualityCell, ResolvedDataset, SampleCell};
use crate::report::{self, DatasetReport, GeneratorReport};
use crate::stamp::check_stamp;

/// Runs the cells of data set `d` into `dir` and writes its report; returns what the report
/// shows.
///
/// # Errors
/// Invalid generator configs, results made with other settings, unreadable data, an absent rare
/// class, a failed cell.
pub fn run_dataset(
    cfg: &BenchConfig,
    d: &BenchDataset,
    dir: &Path,
    flags: &BenchFlags,
) -> BenchResult<DatasetReport> {
    let gens = load_generators(d, cfg)?;
    let data = &gens[0].config.data;
    let target = data.target.clone().expect("checked");
    let positive = data.positive.clone().expect("checked");
    let test_path = data.test.clone().expect("checked");
    let ucfg = cfg.utility_config(&target, &positive);
    let resolved = ResolvedDataset {
        train: data.train.clone(),
        test: test_path.clone(),
        seeds: cfg.seeds,
        epochs: cfg.epochs,
        utility: ucfg.clone(),
    };
    stamp_settings(dir, &resolved, &gens)?;
    for sub in ["models", "samples", "cells", "plots"] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).map_err(|source| RunError::CreateDir { path, source })?;
    }

    let train = read_table(&data.train)?;
    let test = read_table(&test_path)?;
    let schema = Schema::infer(&train, &data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", data.train.display()))?;
    let n_rare = ensure_class_present(&train, &target, &positive, "the training file")?;
    let n_test_rare = ensure_class_present(&test, &target, &positive, "the test file")?;
    let max_ratio = ucfg.ratios.iter().copied().fold(0.0, f64::max);
    let counts = RowCounts {
        n_train: train.height(),
        n_train_rare: n_rare,
        n_test: test.height(),
        n_test_rare,
    };

    let cells = all_cells(gens.len(), cfg.seeds);
    let inputs = CellInputs {
        layout: Layout { dir, gens: &gens },
        train: &train,
        test: &test,
        schema: &schema,
        target: &target,
        positive: &positive,
        rare_rows: (max_ratio * n_rare as f64).ceil() as usize,
        utility: &ucfg,
        quiet: flags.quiet,
    };
    let bar = progress_bar(&d.name, cells.len(), flags.quiet);
    for cell in &cells {
        let label = inputs.layout.label(cell);
        bar.set_message(label.clone());
        let t0 = Instant::now();
        if inputs.run(cell, &bar)? {
            tracing::debug!(cell = %label, seconds = t0.elapsed().as_secs_f64(), "cell done");
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let layout = &inputs.layout;
    let mut runs: Vec<RunResult> = Vec::new();
    for cell in &cells {
        if matches!(cell, Cell::Utility(..) | Cell::Baselines(_)) {
            let file = layout.cell_file(cell).expect("a cell file");
            let v: Vec<RunResult> = read_json(&file)?;
            runs.extend(v);
        }
    }
    let names: Vec<String> = gens.iter().map(|g| g.name.clone()).collect();
    let utility = UtilityReport::from_runs(&ucfg, counts, runs, &names);
    write_json(&dir.join("utility.json"), &utility)?;

    let mut generators = Vec::new();
    for (gi, g) in gens.iter().enumerate() {
        generators.push(generator_report(layout, gi, g)?);
    }
    let rep = DatasetReport {
        name: d.name.clone(),
        target,
        positive,
        epochs_override: cfg.epochs,
        utility,
        generators,
        test,
        schema,
    };
    report::write_dataset_report(&rep, dir)?;
    Ok(rep)
}

/// Stamps the settings of a data set's results: the shared settings in `bench.resolved.toml`,
/// each generator's in `models/<name>.resolved.toml`. A resumed bench must run the cells it
/// already has with the same settings; a generator added to the config later only adds its own
/// cells.
fn stamp_settings(dir: &Path, resolved: &ResolvedDataset, gens: &[Generator]) -> BenchResult<()> {
    check_stamp(
        &dir.join("bench.resolved.toml"),
        &to_toml(resolved, "the bench settings")?,
        dir,
        |old| Some(old.to_string()),
    )?;
    for g in gens {
        // Compared after a round trip through today's `RunConfig`, so that a key added since
        // (with its default) does not invalidate finished cells.
        check_stamp(
            &dir.join("models").join(format!("{}.resolved.toml", g.name)),
            &to_toml(&g.config, "a generator config")?,
            dir,
            |old| {
                toml::from_str::<RunConfig>(old)
                    .ok()
                    .and_then(|c| toml::to_string_pretty(&c).ok())
            },
        )?;
    }
    Ok(())
}

/// `value` as pretty TOML.
fn to_toml<T: serde::Serialize>(value: &T, what: &'static str) -> BenchResult<String> {
    toml::to_string_pretty(value).map_err(|e| {
        RunError::Serialize {
            what,
            source: Box::new(e),
        }
        .into()
    })
}

/// The progress bar of a data set's cells (hidden when `quiet`).
fn progress_bar(name: &str, cells: usize, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::new(cells as u64);
    b.set_style(
        ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} cells  {msg}",
        )
        .expect("valid template"),
    );
    b.set_prefix(name.to_string());
    b
}

/// What the report shows of generator `gi`: its fit record and loss history, its quality cell,
/// its seed-0 samples and their timing.
fn generator_report(layout: &Layout<'_>, gi: usize, g: &Generator) -> BenchResult<GeneratorReport> {
    let run = layout.model_run(gi);
    let quality: QualityCell = read_json(&layout.cell_file(&Cell::Quality(gi)).expect("a file"))?;
    let fit = FitRecord::read(&run)?;
    let losses_path = run.join("model").join("losses.csv");
    let losses_text =
        std::fs::read_to_string(&losses_path).map_err(|source| BenchError::ReadLosses {
            run: run.clone(),
            source,
        })?;
    let sampling: SampleCell =
        read_json(&layout.cell_file(&Cell::Samples(gi, 0)).expect("a file"))?;
    Ok(GeneratorReport {
        name: g.name.clone(),
        kind: g.config.model.kind().to_string(),
        fit,
        losses: parse_losses_csv(&losses_text),
        quality,
        sample_rows: sampling.rows_full,
        sample_seconds: sampling.seconds_full,
        full: read_table(&layout.sample_path(gi, 0, "full"))?,
        rare: read_table(&layout.sample_path(gi, 0, "rare"))?,
    })
}

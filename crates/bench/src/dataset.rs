//! One data set of a bench: its settings stamped, its replicates planned, its cells run
//! (resumably, with progress), and its results assembled into `results.json` and the report.
//!
//! Layout of `<out>/<dataset>/`: `bench.resolved.toml` and `models/<generator>.resolved.toml`
//! (the settings every cell was made with; a resumed bench must match them), one directory per
//! replicate (see [`crate::cells`]), `results.json`, `report.md`, `report.html`, `plots/*.svg`,
//! and `summary-rows.json` (the data set's rows of `<out>/summary.md`).

use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use synthkit_data::Schema;
use synthkit_data::io::read_table;
use synthkit_data::schema::ensure_class_present;
use synthkit_eval::arms::{ArmSpec, Conditioned, StageReport};
use synthkit_eval::encode::binary_target;
use synthkit_runs::json::{read_json, write_json};
use synthkit_runs::{FitRecord, RunConfig, RunError};
use synthkit_train::parse_losses_csv;

use crate::assemble::{Decline, Estimate, LevelSummary, ReplicatePicks, picks, summarise_level};
use crate::cells::{Cell, CellInputs, Layout, StageKind, all_cells};
use crate::config::{BenchConfig, BenchDataset, BenchFlags};
use crate::error::{BenchError, BenchResult, WithContext};
use crate::generators::{Generator, load_generators};
use crate::plan::{Level, Replicate, Split};
use crate::records::{BenchSettings, QualityCell, ResolvedDataset, SampleCell};
use crate::report::{self, DatasetReport, GeneratorReport};
use crate::stamp::check_stamp;

/// A generator as the results name it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratorInfo {
    /// Its name in the bench.
    pub name: String,
    /// Its model kind.
    pub kind: String,
    /// Its training length as configured (before any equal budget).
    pub schedule: String,
}

/// One generator over the replicates of a level: means of what its cells measured.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GeneratorStats {
    /// The generator.
    pub name: String,
    /// Training seconds per fit.
    pub train_seconds: Estimate,
    /// Training blocks per fit (epochs, or blocks of steps).
    pub blocks: f64,
    /// Optimiser steps per fit, for step-counted models.
    pub steps: Option<f64>,
    /// Forced rare rows generated per second.
    pub rows_per_second: f64,
    /// Share of the forced rows that generated the class themselves (models that generate the
    /// class column; `None` for label-conditioned models).
    pub raw_adherence: Option<Estimate>,
    /// Replicates on which the rejected pool could not be filled.
    pub reject_failures: usize,
    /// Share of the forced pool the judge classifier (fitted on the real rows) passes, test
    /// stage; next to `real_judge_pass_rate`, the same share for real rare rows.
    pub judge_pass_rate: Estimate,
    /// See `judge_pass_rate`.
    pub real_judge_pass_rate: Estimate,
    /// Exact copies of a real training row in the forced pool (dropped), per replicate.
    pub copies: f64,
    /// Column-shape and pair-trend score against the real test rows (0–1), overall.
    pub fidelity: Option<Estimate>,
    /// The same on the rare class alone; `None` where a sample had no rare row.
    pub fidelity_rare: Option<Estimate>,
    /// Replicates whose unconditional sample had no rare row.
    pub no_rare_rows: usize,
    /// Detection ROC-AUC, fit part against synthetic (0.5 is ideal).
    pub detection_auc: Estimate,
    /// Exact copies of a fit-part row among the unconditional rows.
    pub exact_copies: f64,
    /// Median distance to the closest fit-part row over the same for real test rows.
    pub dcr_ratio: Option<Estimate>,
    /// Train on synthetic, test on real: PR-AUC of the first classifier.
    pub tstr_pr_auc: Option<Estimate>,
}

/// One level of a data set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LevelResult {
    /// The methods and arms over the replicates.
    pub summary: LevelSummary,
    /// Every replicate's picks.
    pub picks: Vec<ReplicatePicks>,
    /// Per generator.
    pub generators: Vec<GeneratorStats>,
}

/// Everything a data set's bench measured (`results.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DatasetResults {
    /// The data set.
    pub name: String,
    /// Target column.
    pub target: String,
    /// Its rare class.
    pub positive: String,
    /// Real training rows / rare among them.
    pub n_train: usize,
    /// See `n_train`.
    pub n_train_rare: usize,
    /// Real test rows / rare among them.
    pub n_test: usize,
    /// See `n_test`.
    pub n_test_rare: usize,
    /// Replicates per level.
    pub replicates: usize,
    /// Share of each reduced training split held out to choose on.
    pub validation_fraction: f64,
    /// The equal budget, if any (passes over the training rows).
    pub epochs: Option<usize>,
    /// `augment`'s noise margin (see [`crate::config::BenchConfig::decline_margin`]).
    #[serde(default = "crate::config::default_decline_margin")]
    pub decline_margin: f64,
    /// `committee (scarce)`'s bound (see [`crate::config::BenchConfig::force_below_rare_rows`]).
    #[serde(default)]
    pub force_below_rare_rows: usize,
    /// The classifier that chooses (and whose scores are reported first).
    pub classifier: String,
    /// The generators.
    pub generators: Vec<GeneratorInfo>,
    /// Levels skipped, with why.
    pub skipped: Vec<(Level, String)>,
    /// The levels, in config order.
    pub levels: Vec<LevelResult>,
}

/// The replicates of data set `d` with `n_rare` rare training rows; levels that keep all (or
/// more than all) of them are skipped with a reason, `All` always runs.
fn plan(cfg: &BenchConfig, d: &BenchDataset, n_rare: usize) -> (Vec<Level>, Vec<(Level, String)>) {
    let mut levels = Vec::new();
    let mut skipped = Vec::new();
    for level in cfg.levels(d) {
        match level {
            Level::Count(n) if n >= n_rare => skipped.push((
                level,
                format!(
                    "the training split has only {n_rare} rare rows (level \"all\" keeps them all)"
                ),
            )),
            l if levels.contains(&l) => {}
            l => levels.push(l),
        }
    }
    (levels, skipped)
}

/// Runs the cells of data set `d` into `dir` and writes its report; returns its results.
///
/// # Errors
/// Invalid generator configs, results made with other settings, unreadable data, an absent rare
/// class, a failed cell.
pub fn run_dataset(
    cfg: &BenchConfig,
    d: &BenchDataset,
    dir: &Path,
    flags: &BenchFlags,
) -> BenchResult<DatasetResults> {
    let gens = load_generators(d, cfg, true)?;
    let data = gens[0].config.data.clone();
    let target = data.target.clone().expect("checked");
    let positive = data.positive.clone().expect("checked");
    let test_path = data.test.clone().expect("checked");
    stamp_settings(
        dir,
        &ResolvedDataset {
            train: data.train.clone(),
            test: test_path.clone(),
            bench: BenchSettings::of(cfg),
        },
        &gens,
    )?;
    let train = read_table(&data.train)?;
    let test = read_table(&test_path)?;
    let schema = Schema::infer(&train, &data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", data.train.display()))?;
    let n_rare = ensure_class_present(&train, &target, &positive, "the training file")?;
    let n_test_rare = ensure_class_present(&test, &target, &positive, "the test file")?;
    let is_rare = binary_target(&train, &target, &positive, "train")?;

    let (levels, skipped) = plan(cfg, d, n_rare);
    let n_reps = cfg.replicates_of(d);
    // Replicate by replicate across the levels, so that a bench stopped early has the same
    // number of finished replicates at every level.
    let reps: Vec<Replicate> = (0..n_reps)
        .flat_map(|r| levels.iter().map(move |&level| Replicate { level, r }))
        .collect();
    for rep in &reps {
        for sub in ["models", "samples", "cells"] {
            let path = dir.join(rep.key()).join(sub);
            std::fs::create_dir_all(&path)
                .map_err(|source| RunError::CreateDir { path, source })?;
        }
    }
    let cells = all_cells(&gens, &reps);
    let finished = |rep: &Replicate, layout: &Layout<'_>| {
        cells
            .iter()
            .filter(|c| cell_replicate(c) == rep)
            .all(|c| layout.done_file(c).exists())
    };
    let inputs = CellInputs {
        layout: Layout { dir, gens: &gens },
        cfg,
        train: &train,
        is_rare: &is_rare,
        test: Some(&test),
        schema: &schema,
        target: &target,
        positive: &positive,
        quiet: flags.quiet,
    };
    let bar = progress_bar(&d.name, cells.len(), flags.quiet || flags.assemble_only);
    for cell in cells.iter().filter(|_| !flags.assemble_only) {
        let label = inputs.layout.label(cell);
        bar.set_message(label.clone());
        let t0 = Instant::now();
        if inputs
            .run(cell, &bar)
            .with_context(|| format!("cell `{label}`"))?
        {
            tracing::info!(cell = %label, seconds = t0.elapsed().as_secs_f64(), "cell done");
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    let classifier = cfg.classifiers[0].name().to_string();
    let layout = &inputs.layout;
    let done: Vec<Replicate> = reps
        .iter()
        .filter(|r| finished(r, layout))
        .copied()
        .collect();
    if done.is_empty() {
        return Err(BenchError::Plan {
            reason: format!(
                "no replicate of data set `{}` has finished yet; run the bench without \
                 --assemble-only",
                d.name
            ),
        });
    }
    let mut level_results = Vec::new();
    for &level in &levels {
        let level_reps: Vec<Replicate> =
            done.iter().filter(|r| r.level == level).copied().collect();
        if level_reps.is_empty() {
            continue;
        }
        let active = gens.iter().filter(|g| g.active(level)).count();
        level_results.push(assemble_level(
            layout,
            &gens,
            &level_reps,
            cfg.arms.ensemble && active > 1,
            &classifier,
            Decline {
                margin: cfg.decline_margin,
                force_below_rare_rows: cfg.force_below_rare_rows,
                rare_train: 0,
            },
        )?);
    }
    let results = DatasetResults {
        name: d.name.clone(),
        target: target.clone(),
        positive: positive.clone(),
        n_train: train.height(),
        n_train_rare: n_rare,
        n_test: test.height(),
        n_test_rare,
        replicates: n_reps,
        validation_fraction: cfg.validation_fraction,
        epochs: cfg.epochs,
        decline_margin: cfg.decline_margin,
        force_below_rare_rows: cfg.force_below_rare_rows,
        classifier,
        generators: gens
            .iter()
            .map(|g| GeneratorInfo {
                name: g.name.clone(),
                kind: g.config.model.kind().to_string(),
                schedule: g.config.model.budget().to_string(),
            })
            .collect(),
        skipped,
        levels: level_results,
    };
    write_json(&dir.join("results.json"), &results)?;
    let reference = done
        .iter()
        .filter(|r| r.r == 0)
        .max_by_key(|r| r.level)
        .or(done.first())
        .copied()
        .expect("at least one replicate");
    let generators = gens
        .iter()
        .enumerate()
        .filter(|(_, generator)| generator.active(reference.level))
        .map(|(g, generator)| generator_report(layout, g, generator, &reference))
        .collect::<BenchResult<Vec<_>>>()?;
    let rep = DatasetReport {
        name: d.name.clone(),
        target: results.target.clone(),
        positive: results.positive.clone(),
        results: results.clone(),
        reference,
        generators,
        test,
        schema,
    };
    report::write_dataset_report(&rep, dir)?;
    Ok(results)
}

/// The replicate a cell belongs to.
fn cell_replicate(c: &Cell) -> &Replicate {
    match c {
        Cell::Split(r)
        | Cell::Fit(_, r)
        | Cell::Sample(_, r)
        | Cell::Quality(_, r)
        | Cell::Stage(_, r) => r,
    }
}

/// The level's stages, picks and per-generator statistics.
fn assemble_level(
    layout: &Layout<'_>,
    gens: &[Generator],
    reps: &[Replicate],
    ensemble: bool,
    classifier: &str,
    decline: Decline,
) -> BenchResult<LevelResult> {
    let level = reps[0].level;
    let names: Vec<String> = gens
        .iter()
        .filter(|g| g.active(level))
        .map(|g| g.name.clone())
        .collect();
    let mut stages: Vec<(StageReport, StageReport)> = Vec::new();
    let mut all_picks = Vec::new();
    let mut first_rare = None;
    for rep in reps {
        let v: StageReport =
            read_json(&layout.done_file(&Cell::Stage(StageKind::Validation, *rep)))?;
        let t: StageReport = read_json(&layout.done_file(&Cell::Stage(StageKind::Test, *rep)))?;
        let split: Split = read_json(&layout.rep_dir(rep).join("split.json"))?;
        let decline = Decline {
            rare_train: split.rare[0],
            ..decline
        };
        all_picks.push(picks(*rep, &v, &t, &names, ensemble, classifier, decline));
        stages.push((v, t));
        first_rare.get_or_insert(split.rare[0]);
    }
    let pairs: Vec<(&StageReport, &StageReport)> = stages.iter().map(|(v, t)| (v, t)).collect();
    let summary = summarise_level(
        reps[0].level,
        first_rare.expect("a level has replicates"),
        &pairs,
        &all_picks,
        classifier,
    );
    let mut generators = Vec::new();
    for (g, generator) in gens.iter().enumerate() {
        if generator.active(level) {
            generators.push(generator_stats(
                layout, g, generator, reps, &stages, classifier,
            )?);
        }
    }
    Ok(LevelResult {
        summary,
        picks: all_picks,
        generators,
    })
}

fn estimate_of(v: &[f64]) -> Option<Estimate> {
    (!v.is_empty()).then(|| Estimate::of(v))
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// One generator over the replicates of a level.
fn generator_stats(
    layout: &Layout<'_>,
    g: usize,
    generator: &Generator,
    reps: &[Replicate],
    stages: &[(StageReport, StageReport)],
    classifier: &str,
) -> BenchResult<GeneratorStats> {
    let (mut secs, mut blocks, mut steps, mut rps) = (vec![], vec![], vec![], vec![]);
    let (mut adherence, mut reject_failures) = (vec![], 0);
    let (mut fid, mut fid_rare, mut no_rare, mut det, mut copies_full, mut dcr) =
        (vec![], vec![], 0, vec![], vec![], vec![]);
    for rep in reps {
        let fit = FitRecord::read(&layout.model_run(g, rep))?;
        secs.push(fit.train_seconds);
        blocks.push(fit.epochs as f64);
        if let Some(s) = fit.steps {
            steps.push(s as f64);
        }
        let s: SampleCell = read_json(&layout.done_file(&Cell::Sample(g, *rep)))?;
        rps.push(s.forced.generated as f64 / s.seconds_forced.max(1e-9));
        if let Some(a) = s.forced.adherence() {
            adherence.push(a);
        }
        reject_failures += usize::from(s.reject_failed.is_some());
        let q: QualityCell = read_json(&layout.done_file(&Cell::Quality(g, *rep)))?;
        if let Some(o) = q.fidelity.overall.overall {
            fid.push(o);
        }
        match q.fidelity.rare_class.overall {
            Some(r) => fid_rare.push(r),
            None => no_rare += 1,
        }
        det.push(q.detection.auc);
        copies_full.push(q.privacy.exact_copies as f64);
        if let Some(r) = q.privacy.dcr_median_ratio {
            dcr.push(r);
        }
    }
    let (mut judge, mut real_judge, mut pool_copies, mut tstr) = (vec![], vec![], vec![], vec![]);
    for (_, test) in stages {
        if let Some(p) = test
            .pools
            .iter()
            .find(|p| p.generator == generator.name && p.condition == Conditioned::Force)
        {
            judge.push(p.judge_pass_rate);
            pool_copies.push(p.copies as f64);
        }
        if let Some(r) = test.real_judge_pass_rate {
            real_judge.push(r);
        }
        if let Some(r) = test.runs.iter().find(|r| {
            r.classifier == classifier
                && r.arm
                    == ArmSpec::Tstr {
                        generator: generator.name.clone(),
                    }
        }) {
            tstr.push(r.metrics.pr_auc);
        }
    }
    Ok(GeneratorStats {
        name: generator.name.clone(),
        train_seconds: Estimate::of(&secs),
        blocks: mean(&blocks),
        steps: (!steps.is_empty()).then(|| mean(&steps)),
        rows_per_second: mean(&rps),
        raw_adherence: estimate_of(&adherence),
        reject_failures,
        judge_pass_rate: Estimate::of(&judge),
        real_judge_pass_rate: Estimate::of(&real_judge),
        copies: mean(&pool_copies),
        fidelity: estimate_of(&fid),
        fidelity_rare: estimate_of(&fid_rare),
        no_rare_rows: no_rare,
        detection_auc: Estimate::of(&det),
        exact_copies: mean(&copies_full),
        dcr_ratio: estimate_of(&dcr),
        tstr_pr_auc: estimate_of(&tstr),
    })
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

/// What the report shows of generator `g` on the reference replicate: its fit record and loss
/// history, its quality cell, its rows.
fn generator_report(
    layout: &Layout<'_>,
    g: usize,
    generator: &Generator,
    rep: &Replicate,
) -> BenchResult<GeneratorReport> {
    let run = layout.model_run(g, rep);
    let quality: QualityCell = read_json(&layout.done_file(&Cell::Quality(g, *rep)))?;
    let fit = FitRecord::read(&run)?;
    let losses_path = run.join("model").join("losses.csv");
    let losses = match std::fs::read_to_string(&losses_path) {
        Ok(text) => parse_losses_csv(&text),
        Err(_) if fit.epochs == 0 => Vec::new(),
        Err(source) => {
            return Err(BenchError::ReadLosses {
                run: run.clone(),
                source,
            });
        }
    };
    let sampling: SampleCell = read_json(&layout.done_file(&Cell::Sample(g, *rep)))?;
    Ok(GeneratorReport {
        name: generator.name.clone(),
        kind: generator.config.model.kind().to_string(),
        fit,
        losses,
        quality,
        sample_rows: sampling.rows_full,
        sample_seconds: sampling.seconds_full,
        full: read_table(&layout.sample_path(g, rep, "full"))?,
        rare: read_table(&layout.sample_path(g, rep, "forced"))?,
    })
}

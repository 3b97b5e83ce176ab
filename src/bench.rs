//! `synthkit bench`: the matrix data sets × generators × baselines × ratios × seeds, run cell by
//! cell so that a killed bench resumes where it stopped, then one report per data set.
//!
//! Layout of `<out>/<dataset>/`:
//! - `bench.resolved.toml`: the settings all cells share; a resumed bench must match it;
//! - `models/<generator>/`: a `synthkit fit` run directory (model, checkpoints, fit.json), and
//!   `models/<generator>.resolved.toml`, its config (a resumed bench must match it too);
//! - `samples/<generator>-seed<s>-{full,rare}.parquet`: the synthetic rows every cell reads;
//! - `cells/*.json`: one file per finished cell (classifier runs, fidelity, privacy);
//! - `utility.json`, `report.md`, `report.html`, `plots/*.svg`: assembled at the end;
//! - `summary-rows.json`: the data set's rows of `<out>/summary.md`, which lists every data set
//!   of the config that has finished, also those a later `--only` run leaves out.
//!
//! Each cell is written atomically when it finishes; a cell whose file exists is skipped.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_atomic, write_table};
use synthkit_data::schema::ensure_class_present;
use synthkit_eval::classifier::ClassifierSpec;
use synthkit_eval::fidelity::{DetectionScore, FidelityReport, detection, fidelity_report};
use synthkit_eval::oversample::Oversampler;
use synthkit_eval::privacy::{PrivacyOptions, PrivacyReport, privacy_report};
use synthkit_eval::utility::{
    GeneratorRows, RowCounts, RunResult, SyntheticSource, UtilityConfig, UtilityReport, run_utility,
};
use synthkit_train::{DeviceChoice, FittedModel};

use crate::config::RunConfig;
use crate::report::{self, DatasetReport, GeneratorReport};

/// A bench configuration (`configs/bench-*.toml`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchConfig {
    /// Output directory. Default `benches/runs/<config file stem>`.
    #[serde(default)]
    pub out: Option<PathBuf>,
    /// Repetitions: sampling, oversampling and classifier seeds `0..seeds`. Default 3.
    #[serde(default = "default_seeds")]
    pub seeds: u64,
    /// Train every generator for at most this many epochs: a config with more is cut to this
    /// (shortened schedules for smoke runs or large data on few cores; the reports say so), one
    /// with fewer keeps its own. TabDDPM counts epochs of 100 steps, so its 10-epoch base
    /// schedule stays whole under `epochs = 50`.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Device for every generator, overriding their configs' `[train] device`.
    #[serde(default)]
    pub device: Option<DeviceChoice>,
    /// What the utility comparison runs; every key defaults to `synthkit eval`'s choice.
    #[serde(default)]
    pub utility: UtilitySection,
    /// The data sets, each with the generator configs to train and compare on it.
    pub datasets: Vec<BenchDataset>,
}

fn default_seeds() -> u64 {
    3
}

/// The `[utility]` section of a bench config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UtilitySection {
    /// Augmentation ratios k. Default 0.5, 1, 2, 3, 5.
    pub ratios: Option<Vec<f64>>,
    /// Oversampling baselines. Default: random, SMOTE, SMOTE-NC, Borderline-SMOTE, ADASYN.
    pub baselines: Option<Vec<Oversampler>>,
    /// Also run each baseline at imblearn's `auto` (balance the classes). Default true.
    pub baselines_auto: Option<bool>,
    /// Downstream classifiers. Default boosted trees and logistic regression.
    pub classifiers: Option<Vec<ClassifierSpec>>,
}

/// One data set of the matrix.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchDataset {
    /// Name of the data set's output directory and report.
    pub name: String,
    /// Run configs (`configs/*.toml`), one per generator; they must name the same data.
    pub generators: Vec<PathBuf>,
}

/// Command-line switches of `bench`.
pub struct BenchFlags {
    /// Override the config's `out`.
    pub out: Option<PathBuf>,
    /// Only these data sets (by name); all when empty.
    pub only: Vec<String>,
    /// No progress bars.
    pub quiet: bool,
}

impl BenchConfig {
    /// Reads and validates a bench config.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read bench config `{}`", path.display()))?;
        let cfg: BenchConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("bench config `{}` is invalid: {e}", path.display()))?;
        let at = || format!("bench config `{}`", path.display());
        if cfg.seeds == 0 {
            bail!("{}: `seeds` must be at least 1 (3 is the default)", at());
        }
        if cfg.epochs == Some(0) {
            bail!("{}: `epochs` must be at least 1, or left out", at());
        }
        if cfg.datasets.is_empty() {
            bail!(
                "{}: no data sets; add a [[datasets]] table with `name` and `generators`",
                at()
            );
        }
        for (i, d) in cfg.datasets.iter().enumerate() {
            if d.name.is_empty()
                || !d
                    .name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            {
                bail!(
                    "{}: data set #{} has name `{}`; use letters, digits, `-`, `_` or `.`",
                    at(),
                    i + 1,
                    d.name
                );
            }
            if cfg.datasets[..i].iter().any(|o| o.name == d.name) {
                bail!("{}: data set `{}` is listed twice", at(), d.name);
            }
            if d.generators.is_empty() {
                bail!(
                    "{}: data set `{}` has no generators; list run configs such as \"configs/{}.toml\"",
                    at(),
                    d.name,
                    d.name
                );
            }
        }
        cfg.utility_config("x", "x")
            .check()
            .with_context(|| format!("{}, section [utility]", at()))?;
        Ok(cfg)
    }

    fn utility_config(&self, target: &str, positive: &str) -> UtilityConfig {
        let d = UtilityConfig::new(target, positive);
        let u = &self.utility;
        UtilityConfig {
            seeds: (0..self.seeds).collect(),
            ratios: u.ratios.clone().unwrap_or(d.ratios.clone()),
            baselines: u.baselines.clone().unwrap_or(d.baselines.clone()),
            baselines_auto: u.baselines_auto.unwrap_or(d.baselines_auto),
            classifiers: u.classifiers.clone().unwrap_or(d.classifiers.clone()),
            ..d
        }
    }
}

/// One generator of a data set, with its config resolved.
struct Generator {
    name: String,
    config: RunConfig,
}

/// What a bench cell wrote about one generator's fidelity, privacy and sampling.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QualityCell {
    /// Column shapes and pair trends, overall and on the rare class (vs real test rows).
    pub fidelity: FidelityReport,
    /// Real train vs synthetic, cross-validated (0.5 = indistinguishable).
    pub detection: DetectionScore,
    /// Distances to the training rows.
    pub privacy: PrivacyReport,
}

/// Sampling timings of one seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct SampleCell {
    rows_full: usize,
    rows_rare: usize,
    seconds_full: f64,
    seconds_rare: f64,
}

/// The fit summary `synthkit fit` writes (`fit.json`), the fields the report shows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct FitInfo {
    /// Transformer (mixture) fit, seconds.
    #[serde(default)]
    pub transformer_fit_seconds: f64,
    /// Training, seconds (this run; a resumed fit counts only its own part).
    #[serde(default)]
    pub train_seconds: f64,
    /// Epochs in the loss history.
    #[serde(default)]
    pub epochs: usize,
    /// Optimiser steps, for models that count steps (TabDDPM).
    #[serde(default)]
    pub steps: Option<usize>,
    /// Device name.
    #[serde(default)]
    pub device: String,
}

/// Runs the whole bench.
pub fn bench(cfg: &BenchConfig, config_path: &Path, flags: &BenchFlags) -> Result<()> {
    let out = flags.out.clone().or(cfg.out.clone()).unwrap_or_else(|| {
        let stem = config_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "bench".into());
        PathBuf::from("benches/runs").join(stem)
    });
    for name in &flags.only {
        if !cfg.datasets.iter().any(|d| &d.name == name) {
            bail!(
                "--only `{name}`: no such data set in the bench config (it has: {})",
                cfg.datasets
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let rows = finished_summary_rows(cfg, &out, &flags.only, |d| {
        let rep = run_dataset(cfg, d, &out.join(&d.name), flags)
            .with_context(|| format!("bench data set `{}`", d.name))?;
        Ok(report::summary_rows(&rep))
    })?;
    let md = report::summary_markdown(rows);
    write_atomic(&out.join("summary.md"), true, |f| {
        std::io::Write::write_all(f, md.as_bytes())
    })?;
    println!("{md}");
    tracing::info!(out = %out.display(), "bench finished");
    Ok(())
}

fn load_generators(d: &BenchDataset, cfg: &BenchConfig) -> Result<Vec<Generator>> {
    let mut loaded = Vec::new();
    for path in &d.generators {
        let mut config = RunConfig::load(path)?;
        if let (Some(cap), synthkit_models::Budget::Epochs(e)) = (cfg.epochs, config.model.budget())
            && cap < e
        {
            config
                .model
                .set_budget(synthkit_models::Budget::Epochs(cap))
                .context("bench `epochs`")?;
        }
        if let Some(dev) = cfg.device {
            config.train.device = dev;
        }
        loaded.push((path, config));
    }
    // A generator is named after its model kind, or after its config file when a data set has
    // two generators of one kind.
    let mut gens: Vec<Generator> = Vec::new();
    for (path, config) in &loaded {
        let kind = config.model.kind();
        let same_kind = loaded
            .iter()
            .filter(|(_, c)| c.model.kind() == kind)
            .count();
        let name = if same_kind > 1 {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| kind.to_string())
        } else {
            kind.to_string()
        };
        if gens.iter().any(|g| g.name == name) {
            bail!(
                "generator `{name}` ({}) appears twice in data set `{}`",
                path.display(),
                d.name
            );
        }
        gens.push(Generator {
            name,
            config: config.clone(),
        });
    }
    let first = &gens[0].config.data;
    if first.target.is_none() || first.positive.is_none() || first.test.is_none() {
        bail!(
            "`{}` must set `target`, `positive` and `test` in [data]: the bench augments the rare \
             class and scores on real held-out rows",
            d.generators[0].display()
        );
    };
    for (g, path) in gens.iter().zip(&d.generators).skip(1) {
        let o = &g.config.data;
        if o.train != first.train
            || o.test != first.test
            || o.target != first.target
            || o.positive != first.positive
        {
            bail!(
                "`{}` names other data than `{}` ([data] train, test, target and positive must \
                 agree within a data set)",
                path.display(),
                d.generators[0].display()
            );
        }
    }
    Ok(gens)
}

/// The cells of one data set, in the order they run.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Fit(usize),
    Samples(usize, u64),
    Utility(usize, u64),
    Baselines(u64),
    Quality(usize),
}

fn run_dataset(
    cfg: &BenchConfig,
    d: &BenchDataset,
    dir: &Path,
    flags: &BenchFlags,
) -> Result<DatasetReport> {
    let gens = load_generators(d, cfg)?;
    let data = &gens[0].config.data;
    let target = data.target.clone().expect("checked");
    let positive = data.positive.clone().expect("checked");
    let test_path = data.test.clone().expect("checked");
    let ucfg = cfg.utility_config(&target, &positive);

    // A resumed bench must run the cells it already has with the same settings: the shared
    // settings in `bench.resolved.toml`, each generator's in `models/<name>.resolved.toml`. A
    // generator added to the config later only adds its own cells.
    let resolved = ResolvedDataset {
        train: data.train.clone(),
        test: test_path.clone(),
        seeds: cfg.seeds,
        epochs: cfg.epochs,
        utility: ucfg.clone(),
    };
    check_stamp(
        &dir.join("bench.resolved.toml"),
        &toml::to_string_pretty(&resolved).context("serialising the bench settings")?,
        dir,
        |old| Some(old.to_string()),
    )?;
    for g in &gens {
        // Compared after a round trip through today's `RunConfig`, so that a key added since
        // (with its default) does not invalidate finished cells.
        check_stamp(
            &dir.join("models").join(format!("{}.resolved.toml", g.name)),
            &toml::to_string_pretty(&g.config).context("serialising a generator config")?,
            dir,
            |old| {
                toml::from_str::<RunConfig>(old)
                    .ok()
                    .and_then(|c| toml::to_string_pretty(&c).ok())
            },
        )?;
    }
    for sub in ["models", "samples", "cells", "plots"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("creating `{}`", dir.join(sub).display()))?;
    }

    let train = read_table(&data.train)?;
    let test = read_table(&test_path)?;
    let schema = Schema::infer(&train, &data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", data.train.display()))?;
    let n_rare = ensure_class_present(&train, &target, &positive, "the training file")?;
    let n_test_rare = ensure_class_present(&test, &target, &positive, "the test file")?;
    let max_ratio = ucfg.ratios.iter().copied().fold(0.0, f64::max);
    let rare_rows = (max_ratio * n_rare as f64).ceil() as usize;

    let mut cells = Vec::new();
    for gi in 0..gens.len() {
        cells.push(Cell::Fit(gi));
        for s in 0..cfg.seeds {
            cells.push(Cell::Samples(gi, s));
        }
    }
    for gi in 0..gens.len() {
        cells.push(Cell::Quality(gi));
        for s in 0..cfg.seeds {
            cells.push(Cell::Utility(gi, s));
        }
    }
    for s in 0..cfg.seeds {
        cells.push(Cell::Baselines(s));
    }

    let bar = if flags.quiet {
        ProgressBar::hidden()
    } else {
        let b = ProgressBar::new(cells.len() as u64);
        b.set_style(
            ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {bar:30} {pos}/{len} cells  {msg}",
            )
            .expect("valid template"),
        );
        b.set_prefix(d.name.clone());
        b
    };
    let sample_path = |gi: usize, s: u64, part: &str| {
        dir.join("samples")
            .join(format!("{}-seed{s}-{part}.parquet", gens[gi].name))
    };
    let model_run = |gi: usize| dir.join("models").join(&gens[gi].name);
    let device = |gi: usize| gens[gi].config.train.device;
    let counts = RowCounts {
        n_train: train.height(),
        n_train_rare: n_rare,
        n_test: test.height(),
        n_test_rare,
    };

    for cell in &cells {
        let label = cell_label(cell, &gens);
        bar.set_message(label.clone());
        let t0 = Instant::now();
        let did = match cell {
            Cell::Fit(gi) => {
                let run = model_run(*gi);
                if run.join("model").join("model.json").exists() && run.join("fit.json").exists() {
                    false
                } else {
                    let resume =
                        synthkit_train::newest_checkpoint(&run.join("checkpoints"))?.is_some();
                    bar.suspend(|| {
                        crate::fit::fit(
                            &gens[*gi].config,
                            &run,
                            &crate::fit::FitFlags {
                                resume,
                                force: false,
                                quiet: flags.quiet,
                            },
                        )
                    })?;
                    true
                }
            }
            Cell::Samples(gi, s) => {
                let (pf, pr) = (sample_path(*gi, *s, "full"), sample_path(*gi, *s, "rare"));
                let json = dir
                    .join("cells")
                    .join(format!("samples-{}-seed{s}.json", gens[*gi].name));
                if json.exists() && pf.exists() && pr.exists() {
                    false
                } else {
                    let model = load_model(&model_run(*gi), device(*gi))?;
                    let t = Instant::now();
                    let full = model.sample(train.height(), *s)?;
                    let seconds_full = t.elapsed().as_secs_f64();
                    let t = Instant::now();
                    let rare = model.sample_where(&target, &positive, rare_rows, *s)?;
                    let seconds_rare = t.elapsed().as_secs_f64();
                    write_table(&full, &pf, true)?;
                    write_table(&rare, &pr, true)?;
                    write_json(
                        &json,
                        &SampleCell {
                            rows_full: full.height(),
                            rows_rare: rare.height(),
                            seconds_full,
                            seconds_rare,
                        },
                    )?;
                    true
                }
            }
            Cell::Utility(gi, s) => {
                let json = dir
                    .join("cells")
                    .join(format!("utility-{}-seed{s}.json", gens[*gi].name));
                if json.exists() {
                    false
                } else {
                    let full = [read_table(&sample_path(*gi, *s, "full"))?];
                    let rare = [read_table(&sample_path(*gi, *s, "rare"))?];
                    let c = UtilityConfig {
                        seeds: vec![*s],
                        baselines: vec![],
                        baselines_auto: false,
                        ..ucfg.clone()
                    };
                    let g = [GeneratorRows {
                        name: gens[*gi].name.clone(),
                        full: Some(SyntheticSource::PerSeed(&full)),
                        rare: Some(SyntheticSource::PerSeed(&rare)),
                    }];
                    let rep = run_utility(&train, &test, &schema, &g, &c)?;
                    write_json(&json, &rep.runs)?;
                    true
                }
            }
            Cell::Baselines(s) => {
                let json = dir.join("cells").join(format!("baselines-seed{s}.json"));
                if json.exists() {
                    false
                } else {
                    let c = UtilityConfig {
                        seeds: vec![*s],
                        ..ucfg.clone()
                    };
                    let rep = run_utility(&train, &test, &schema, &[], &c)?;
                    write_json(&json, &rep.runs)?;
                    true
                }
            }
            Cell::Quality(gi) => {
                let json = dir
                    .join("cells")
                    .join(format!("quality-{}.json", gens[*gi].name));
                if json.exists() {
                    false
                } else {
                    let full = read_table(&sample_path(*gi, 0, "full"))?;
                    let fidelity = fidelity_report(&test, &full, &schema, &target, &positive)?;
                    let spec = ucfg.classifiers[0].clone();
                    let detection = detection(&train, &full, &schema, &spec, 3, 0)?;
                    let privacy =
                        privacy_report(&train, &test, &full, &schema, &PrivacyOptions::default())?;
                    write_json(
                        &json,
                        &QualityCell {
                            fidelity,
                            detection,
                            privacy,
                        },
                    )?;
                    true
                }
            }
        };
        if did {
            tracing::debug!(cell = %label, seconds = t0.elapsed().as_secs_f64(), "cell done");
        }
        bar.inc(1);
    }
    bar.finish_and_clear();

    // Assemble.
    let mut runs: Vec<RunResult> = Vec::new();
    for cell in &cells {
        let file = match cell {
            Cell::Utility(gi, s) => format!("utility-{}-seed{s}.json", gens[*gi].name),
            Cell::Baselines(s) => format!("baselines-seed{s}.json"),
            _ => continue,
        };
        let v: Vec<RunResult> = read_json(&dir.join("cells").join(file))?;
        runs.extend(v);
    }
    let names: Vec<String> = gens.iter().map(|g| g.name.clone()).collect();
    let utility = UtilityReport::from_runs(&ucfg, counts, runs, &names);
    write_json(&dir.join("utility.json"), &utility)?;

    let mut generators = Vec::new();
    for (gi, g) in gens.iter().enumerate() {
        let run = model_run(gi);
        let quality: QualityCell =
            read_json(&dir.join("cells").join(format!("quality-{}.json", g.name)))?;
        let fit: FitInfo = read_json(&run.join("fit.json"))?;
        let losses_text = std::fs::read_to_string(run.join("model").join("losses.csv"))
            .with_context(|| format!("reading the loss history of `{}`", run.display()))?;
        let sampling: SampleCell = read_json(
            &dir.join("cells")
                .join(format!("samples-{}-seed0.json", g.name)),
        )?;
        generators.push(GeneratorReport {
            name: g.name.clone(),
            kind: g.config.model.kind().to_string(),
            fit,
            losses: report::parse_losses(&losses_text),
            quality,
            sample_rows: sampling.rows_full,
            sample_seconds: sampling.seconds_full,
            full: read_table(&sample_path(gi, 0, "full"))?,
            rare: read_table(&sample_path(gi, 0, "rare"))?,
        });
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

/// Runs the data sets `only` names (all when empty) through `run`, which returns a data set's
/// summary rows, stores each one's rows in `<out>/<name>/summary-rows.json`, then returns the
/// rows of every data set of the config that has finished, in this run, an earlier one or a
/// concurrent one, in config order: so a bench run with `--only` keeps the other data sets in
/// `summary.md`.
fn finished_summary_rows(
    cfg: &BenchConfig,
    out: &Path,
    only: &[String],
    mut run: impl FnMut(&BenchDataset) -> Result<Vec<Vec<String>>>,
) -> Result<Vec<Vec<String>>> {
    let path_of = |d: &BenchDataset| out.join(&d.name).join("summary-rows.json");
    for d in &cfg.datasets {
        if !only.is_empty() && !only.contains(&d.name) {
            continue;
        }
        let mine = run(d)?;
        let json = serde_json::to_string_pretty(&mine).context("serialising summary rows")?;
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
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading `{}`", path.display()))?;
        let theirs: Vec<Vec<String>> = serde_json::from_str(&text).with_context(|| {
            format!(
                "`{}` is damaged; delete it and rerun the bench with `--only {}`",
                path.display(),
                d.name
            )
        })?;
        rows.extend(theirs);
    }
    Ok(rows)
}

/// What `bench.resolved.toml` records: the settings every cell of a data set shares.
#[derive(Serialize)]
struct ResolvedDataset {
    train: PathBuf,
    test: PathBuf,
    seeds: u64,
    epochs: Option<usize>,
    utility: UtilityConfig,
}

/// Writes `text` to `path` the first time; later, refuses to go on if the stored text, after
/// `normalise`, differs.
fn check_stamp(
    path: &Path,
    text: &str,
    dir: &Path,
    normalise: impl Fn(&str) -> Option<String>,
) -> Result<()> {
    if path.exists() {
        let old = std::fs::read_to_string(path)
            .with_context(|| format!("reading `{}`", path.display()))?;
        if normalise(&old).as_deref() != Some(text) {
            bail!(
                "`{}` holds bench results made with other settings (see `{}`); delete that \
                 directory or choose another `out` to start afresh",
                dir.display(),
                path.display()
            );
        }
        return Ok(());
    }
    write_atomic(path, false, |f| {
        std::io::Write::write_all(f, text.as_bytes())
    })?;
    Ok(())
}

fn cell_label(cell: &Cell, gens: &[Generator]) -> String {
    match cell {
        Cell::Fit(gi) => format!("fit {}", gens[*gi].name),
        Cell::Samples(gi, s) => format!("sample {} seed {s}", gens[*gi].name),
        Cell::Utility(gi, s) => format!("utility {} seed {s}", gens[*gi].name),
        Cell::Baselines(s) => format!("baselines seed {s}"),
        Cell::Quality(gi) => format!("fidelity/privacy {}", gens[*gi].name),
    }
}

fn load_model(run: &Path, device: DeviceChoice) -> Result<FittedModel> {
    let dir = crate::fit::model_dir(run)?;
    FittedModel::load(&dir, device)
        .with_context(|| format!("cannot load the model in `{}`", dir.display()))
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let json = serde_json::to_string_pretty(value)?;
    write_atomic(path, true, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    Ok(())
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing `{}`", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_epochs_cut_longer_schedules_and_keep_shorter_ones() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let d = BenchDataset {
            name: "ai4i".into(),
            generators: vec![
                root.join("configs/ai4i.toml"),         // CTGAN, 300 epochs
                root.join("configs/ai4i-tabddpm.toml"), // TabDDPM, 1000 steps = 10 epochs
            ],
        };
        let epochs = |cap: Option<usize>| -> Vec<synthkit_models::Budget> {
            let cfg = BenchConfig {
                out: None,
                seeds: 1,
                epochs: cap,
                device: None,
                utility: UtilitySection::default(),
                datasets: vec![d.clone()],
            };
            load_generators(&d, &cfg)
                .unwrap()
                .iter()
                .map(|g| g.config.model.budget())
                .collect()
        };
        use synthkit_models::Budget::{Epochs, Steps};
        assert_eq!(epochs(None), vec![Epochs(300), Steps(1000)]);
        assert_eq!(epochs(Some(50)), vec![Epochs(50), Steps(1000)]);
        assert_eq!(epochs(Some(5)), vec![Epochs(5), Steps(1000)]);
    }

    #[test]
    fn an_only_run_keeps_the_other_finished_data_sets_in_the_summary() {
        let tmp = tempfile::tempdir().unwrap();
        let set = |name: &str| BenchDataset {
            name: name.into(),
            generators: Vec::new(),
        };
        let cfg = BenchConfig {
            out: None,
            seeds: 1,
            epochs: None,
            device: None,
            utility: UtilitySection::default(),
            datasets: vec![set("a"), set("b"), set("c")],
        };
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

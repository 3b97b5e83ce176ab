//! `synthkit augment`: the one command a user runs to get an augmented training set.
//!
//! On the user's training table alone (the test table is never read): a stratified validation
//! part is held out, every generator of the config is trained on the rest (the fit part), each
//! samples its rare rows, and every arm of the bench's grid is scored on the validation part.
//! The choice is the bench's `augment` method: the best generator arm (generator or ensemble,
//! ratio, curation filter, weight, condition mode) when it beats the real rows alone on
//! validation by more than `decline_margin` sampling errors of their PR-AUC, *the real rows
//! alone* otherwise. The output is the
//! whole real training table plus the chosen arm's generated rows (drawn as the arm drew them on
//! the real rows, with copies of real rows dropped and the filter applied), with two columns
//! saying which rows are synthetic and their sample weight; when the real rows win on
//! validation, only the real rows are written (unless `--force-augment`), and the report says
//! that augmenting is not recommended. Every seed derives from `seed`, so the choice and the rows
//! are reproducible.

use std::path::{Path, PathBuf};

use polars::prelude::{NamedFrom, Series};
use serde::{Deserialize, Serialize};
use synthkit_data::io::{read_table, write_atomic, write_table};
use synthkit_data::schema::ensure_class_present;
use synthkit_data::{DataError, Schema};
use synthkit_eval::arms::{ArmSpec, GeneratorPool, StageReport, draw_augment};
use synthkit_eval::classifier::ClassifierSpec;
use synthkit_eval::curate::CurationConfig;
use synthkit_eval::encode::binary_target;
use synthkit_eval::select::{pick, pick_augment, validation_noise};
use synthkit_runs::RunError;
use synthkit_runs::json::{read_json, write_json};
use synthkit_train::DeviceChoice;

use crate::cells::{Cell, CellInputs, Layout, StageKind};
use crate::config::{ArmsSection, BenchConfig, BenchDataset, GeneratorEntry};
use crate::error::{BenchError, BenchResult, WithContext};
use crate::generators::load_generators;
use crate::plan::{Level, Replicate, Split};
use crate::report::blocks::{Block, header, to_markdown};
use crate::report::format::arm_name;

/// An augment configuration (`configs/augment-*.toml`): the generators to try, and how to
/// choose among them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AugmentConfig {
    /// Run configs (`configs/*.toml`), one per generator, naming the same training table (the
    /// first one's `[data]` is the data).
    pub generators: Vec<GeneratorEntry>,
    /// Working directory: the split, the models, the samples and the validation scores (reused
    /// by a rerun). Default `runs/augment-<config file stem>`.
    #[serde(default)]
    pub work: Option<PathBuf>,
    /// Seed of the validation split, the generators' training and sampling, the draws. Default 0.
    #[serde(default)]
    pub seed: u64,
    /// Share of the training table held out to choose on. Default 0.25.
    #[serde(default = "crate::config::default_validation")]
    pub validation_fraction: f64,
    /// An equal budget of passes over the training rows for every generator (see the bench);
    /// left out, each generator keeps its config's schedule.
    #[serde(default)]
    pub epochs: Option<usize>,
    /// Device for every generator.
    #[serde(default)]
    pub device: Option<DeviceChoice>,
    /// The classifier that scores the arms. Default: the boosted trees.
    #[serde(default = "crate::config::default_classifiers")]
    pub classifiers: Vec<ClassifierSpec>,
    /// The arms tried (the bench's grid; train-on-synthetic arms are never tried).
    #[serde(default)]
    pub arms: ArmsSection,
    /// The curation filter of the filtered arms.
    #[serde(default)]
    pub curation: CurationConfig,
    /// Drop generated rows that copy a real training row. Default true.
    #[serde(default = "crate::config::yes")]
    pub drop_copies: bool,
    /// Rare rows each generator samples per row the largest ratio needs. Default 2.
    #[serde(default = "crate::config::default_pool_factor")]
    pub pool_factor: f64,
    /// Augment only when the best generator arm beats the real rows on validation by more
    /// than this many sampling errors of their PR-AUC (see the bench's `decline_margin`).
    /// Default 1.
    #[serde(default = "crate::config::default_decline_margin")]
    pub decline_margin: f64,
}

/// The command-line switches of `augment`.
#[derive(Clone, Debug, Default)]
pub struct AugmentFlags {
    /// The augmented table to write (`.csv` or `.parquet`).
    pub out: PathBuf,
    /// Overwrite `out` if it exists.
    pub force: bool,
    /// Write the best generator arm even when the real rows win on validation.
    pub force_augment: bool,
    /// No progress bars.
    pub quiet: bool,
}

/// The names of the two columns `augment` adds.
pub const SYNTHETIC_COLUMN: &str = "synthkit_synthetic";
/// See [`SYNTHETIC_COLUMN`].
pub const WEIGHT_COLUMN: &str = "synthkit_weight";

/// An arm and its validation PR-AUC.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scored {
    /// The arm.
    pub arm: ArmSpec,
    /// Its PR-AUC on the validation part.
    pub validation_pr_auc: f64,
}

/// What `augment` chose and why (`<out>.augment.json`; `<out>.augment.md` says it in words).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AugmentReport {
    /// The training table.
    pub train: PathBuf,
    /// The rows written.
    pub out: PathBuf,
    /// Real rows / rare among them.
    pub rows_real: usize,
    /// See `rows_real`.
    pub rows_real_rare: usize,
    /// Generated rows written.
    pub rows_added: usize,
    /// Their sample weight.
    pub weight: f64,
    /// The arm written (`real` when declined).
    pub chosen: ArmSpec,
    /// Whether augmenting was recommended: the best arm on validation adds generated rows.
    pub recommended: bool,
    /// Whether the best generator arm was written although the real rows won on validation.
    pub forced: bool,
    /// The real rows alone on validation.
    pub real: Scored,
    /// The best generator arm on validation (chosen or not).
    pub best_generator: Option<Scored>,
    /// The best SMOTE-family arm on validation, for comparison.
    pub best_oversampler: Option<Scored>,
    /// The ten best arms on validation.
    pub top: Vec<Scored>,
    /// The validation stage's full report (every arm, every pool).
    pub validation: StageReport,
    /// The validation part's rows / rare among them.
    pub validation_rows: usize,
    /// See `validation_rows`.
    pub validation_rare: usize,
    /// The sampling error of the real rows' validation PR-AUC, `√(AP (1 − AP) / rare)` (the
    /// binomial error over the validation part's rare rows): differences between arms much
    /// smaller than this are noise.
    pub validation_noise: f64,
    /// Augmenting needed the best generator arm to beat the real rows by more than this many
    /// `validation_noise`s.
    pub decline_margin: f64,
}

impl AugmentConfig {
    /// Reads and validates an augment config.
    ///
    /// # Errors
    /// An unreadable file, invalid TOML or an unknown key, a setting out of range.
    pub fn load(path: &Path) -> BenchResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| BenchError::ReadConfig {
            path: path.to_path_buf(),
            source,
        })?;
        let cfg: AugmentConfig = toml::from_str(&text).map_err(|e| BenchError::InvalidConfig {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        cfg.as_bench()
            .check_settings()
            .map_err(|reason| BenchError::InvalidSetting {
                path: path.to_path_buf(),
                reason,
            })?;
        Ok(cfg)
    }

    /// The working directory: the config's `work`, or `runs/augment-<config stem>`.
    pub fn work_dir(&self, config_path: &Path) -> PathBuf {
        self.work.clone().unwrap_or_else(|| {
            let stem = config_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "augment".into());
            PathBuf::from("runs").join(format!("augment-{stem}"))
        })
    }

    /// The same settings as a one-data-set bench (what the cells read).
    fn as_bench(&self) -> BenchConfig {
        BenchConfig {
            out: None,
            replicates: 1,
            scarcity: vec![Level::All],
            validation_fraction: self.validation_fraction,
            epochs: self.epochs,
            device: self.device,
            classifiers: self.classifiers.clone(),
            arms: ArmsSection {
                tstr: false,
                ..self.arms.clone()
            },
            curation: self.curation.clone(),
            drop_copies: self.drop_copies,
            pool_factor: self.pool_factor,
            full_rows: 2,
            decline_margin: self.decline_margin,
            datasets: vec![BenchDataset {
                name: "augment".into(),
                generators: self.generators.clone(),
                scarcity: None,
                replicates: None,
            }],
        }
    }
}

/// Runs `synthkit augment` of `cfg` (read from `config_path`): trains and samples the
/// generators in the working directory (reusing what a previous run left), chooses on the
/// validation part, writes the augmented table and its report; returns the report.
///
/// # Errors
/// An existing output without `force`, invalid generator configs, unreadable data, an absent
/// rare class, a failed fit or sampling.
pub fn augment(
    cfg: &AugmentConfig,
    config_path: &Path,
    flags: &AugmentFlags,
) -> BenchResult<AugmentReport> {
    if flags.out.exists() && !flags.force {
        return Err(RunError::OutputExists {
            path: flags.out.clone(),
        }
        .into());
    }
    let bench = cfg.as_bench();
    let d = &bench.datasets[0];
    let gens = load_generators(d, &bench, false)?;
    let data = gens[0].config.data.clone();
    let target = data.target.clone().ok_or_else(|| BenchError::NoRareClass {
        path: d.generators[0].path().to_path_buf(),
    })?;
    let positive = data
        .positive
        .clone()
        .ok_or_else(|| BenchError::NoRareClass {
            path: d.generators[0].path().to_path_buf(),
        })?;
    let train = data.read_train()?;
    let schema = Schema::infer(&train, &data.schema_options())
        .with_context(|| format!("typing the columns of `{}`", data.train.display()))?;
    ensure_class_present(&train, &target, &positive, "the training file")?;
    let is_rare = binary_target(&train, &target, &positive, "train")?;
    let dir = cfg.work_dir(config_path);
    let rep = Replicate {
        level: Level::All,
        r: cfg.seed as usize,
    };
    for sub in ["models", "samples", "cells"] {
        let path = dir.join(rep.key()).join(sub);
        std::fs::create_dir_all(&path).map_err(|source| RunError::CreateDir { path, source })?;
    }
    let inputs = CellInputs {
        layout: Layout {
            dir: &dir,
            gens: &gens,
        },
        cfg: &bench,
        train: &train,
        is_rare: &is_rare,
        test: None,
        schema: &schema,
        target: &target,
        positive: &positive,
        quiet: flags.quiet,
    };
    let mut cells = vec![Cell::Split(rep)];
    for g in 0..gens.len() {
        cells.push(Cell::Fit(g, rep));
        cells.push(Cell::Sample(g, rep));
    }
    cells.push(Cell::Stage(StageKind::Validation, rep));
    let bar = indicatif::ProgressBar::hidden();
    for cell in &cells {
        let label = inputs.layout.label(cell);
        if inputs
            .run(cell, &bar)
            .with_context(|| format!("augment step `{label}`"))?
        {
            tracing::info!(step = %label, "done");
        }
    }
    let layout = &inputs.layout;
    let split: Split = read_json(&layout.rep_dir(&rep).join("split.json"))?;
    let validation: StageReport =
        read_json(&layout.done_file(&Cell::Stage(StageKind::Validation, rep)))?;
    let clf = bench.classifiers[0].name();
    let scored = |r: &synthkit_eval::arms::ArmRun| Scored {
        arm: r.arm.clone(),
        validation_pr_auc: r.metrics.pr_auc,
    };
    let best = pick_augment(
        &validation.runs,
        clf,
        validation.n_eval_rare,
        cfg.decline_margin,
    )
    .expect("the real arm always runs");
    let real = pick(&validation.runs, clf, |a| *a == ArmSpec::Real).expect("the real arm");
    let best_aug = pick(&validation.runs, clf, ArmSpec::is_augment);
    let recommended = best.arm.is_augment();
    let forced = !recommended && flags.force_augment && best_aug.is_some();
    let chosen = if forced {
        best_aug.expect("checked").arm.clone()
    } else {
        best.arm.clone()
    };

    // The rows: every real row, then the chosen arm's generated rows drawn against them.
    let (mut rows, added, weight) = (train.clone(), 0usize, 1.0f64);
    let (added, weight) = if chosen.is_augment() {
        let rejecting = inputs.rejecting(&rep)?;
        let mut frames = Vec::new();
        for (g, generator) in gens.iter().enumerate() {
            let rejected = if rejecting.contains(&generator.name) {
                Some(read_table(&layout.sample_path(g, &rep, "rejected"))?)
            } else {
                None
            };
            frames.push((
                read_table(&layout.sample_path(g, &rep, "forced"))?,
                rejected,
            ));
        }
        let pools: Vec<GeneratorPool<'_>> = gens
            .iter()
            .zip(&frames)
            .map(|(g, (forced, rejected))| GeneratorPool {
                name: &g.name,
                forced,
                rejected: rejected.as_ref(),
                full: None,
            })
            .collect();
        let (generated, w) = draw_augment(
            &train,
            &schema,
            &pools,
            &chosen,
            &inputs.stage_config(),
            rep.stage_seed(),
        )?;
        let n = generated.height();
        generated
            .select(train.get_column_names().into_iter().cloned())
            .and_then(|g| rows.vstack_mut(&g).map(|_| ()))
            .map_err(DataError::from)?;
        (n, w)
    } else {
        (added, weight)
    };
    let n_real = train.height();
    let marker: Vec<bool> = (0..rows.height()).map(|i| i >= n_real).collect();
    let weights: Vec<f64> = marker
        .iter()
        .map(|&s| if s { weight } else { 1.0 })
        .collect();
    for name in [SYNTHETIC_COLUMN, WEIGHT_COLUMN] {
        if train.column(name).is_ok() {
            return Err(BenchError::Plan {
                reason: format!(
                    "the training table already has a column `{name}`, which augment adds; \
                     rename it"
                ),
            });
        }
    }
    rows.with_column(Series::new(SYNTHETIC_COLUMN.into(), marker).into())
        .map_err(synthkit_data::DataError::from)?;
    rows.with_column(Series::new(WEIGHT_COLUMN.into(), weights).into())
        .map_err(synthkit_data::DataError::from)?;
    write_table(&rows, &flags.out, flags.force)?;

    let mut top: Vec<Scored> = validation
        .runs
        .iter()
        .filter(|r| r.classifier == clf)
        .map(scored)
        .collect();
    top.sort_by(|a, b| b.validation_pr_auc.total_cmp(&a.validation_pr_auc));
    top.truncate(10);
    let report = AugmentReport {
        train: data.train.clone(),
        out: flags.out.clone(),
        rows_real: n_real,
        rows_real_rare: split.rare[0],
        rows_added: added,
        weight,
        chosen,
        recommended,
        forced,
        real: scored(real),
        best_generator: best_aug.map(scored),
        best_oversampler: pick(&validation.runs, clf, ArmSpec::is_oversample).map(scored),
        top,
        validation_rows: split.validation.len(),
        validation_rare: split.rare[2],
        validation_noise: validation_noise(real.metrics.pr_auc, validation.n_eval_rare),
        decline_margin: cfg.decline_margin,
        validation,
    };
    let base = flags.out.with_extension("augment");
    write_json(&base.with_extension("augment.json"), &report)?;
    let md = report.markdown();
    write_atomic(&base.with_extension("augment.md"), true, |f| {
        std::io::Write::write_all(f, md.as_bytes())
    })?;
    Ok(report)
}

impl AugmentReport {
    /// Why the real rows were kept: no generator arm beat them on validation, or none by the
    /// margin.
    fn why_declined(&self) -> String {
        let needed = self.decline_margin * self.validation_noise;
        let best = self
            .best_generator
            .as_ref()
            .map_or(f64::NEG_INFINITY, |s| s.validation_pr_auc);
        let real = self.real.validation_pr_auc;
        if best > real {
            format!(
                "the best generator arm scored {best:.3} PR-AUC on the validation part against \
                 {real:.3} for the real rows alone, less than the margin of {} sampling \
                 error(s) ({needed:.3}) above them, a gain that noise alone explains",
                self.decline_margin
            )
        } else {
            format!(
                "no generator arm beat the real rows alone ({real:.3} PR-AUC on the validation \
                 part)"
            )
        }
    }

    /// How far to trust the choice: the validation noise, and a better oversampler.
    fn caveats(&self) -> String {
        let best_gen = self.best_generator.as_ref().map(|s| s.validation_pr_auc);
        let chosen = if self.chosen.is_augment() {
            best_gen
        } else {
            Some(self.real.validation_pr_auc)
        };
        let gap = chosen.map_or(0.0, |c| (c - self.real.validation_pr_auc).abs());
        let mut text = format!(
            "With {} rare rows in the validation part, a PR-AUC there has a sampling error of \
             about ±{:.3} (√(AP (1 − AP) / rare rows)); {}. How often this choice pays on real \
             test data is what `synthkit bench` measures (its `augment` method is this choice).",
            self.validation_rare,
            self.validation_noise,
            if gap < self.validation_noise {
                format!(
                    "the chosen arm and the real rows differ by {gap:.3}, within that noise, so \
                     the choice is close to a coin toss"
                )
            } else {
                format!("the chosen arm and the real rows differ by {gap:.3}")
            }
        );
        if let (Some(o), Some(g)) = (&self.best_oversampler, best_gen)
            && o.validation_pr_auc > g.max(self.real.validation_pr_auc)
        {
            text.push_str(&format!(
                " A SMOTE-family oversampler, `{}`, scored higher on validation ({:.4}) than \
                 every generator arm and the real rows: consider it instead.",
                arm_name(&o.arm),
                o.validation_pr_auc
            ));
        }
        text
    }

    /// What was chosen and why, in words.
    pub fn markdown(&self) -> String {
        let verdict = match (self.recommended, self.forced) {
            (true, _) => format!(
                "**Augmenting is recommended**: `{}` scored {:.3} PR-AUC on the validation part \
                 against {:.3} for the real rows alone. `{}` holds the {} real rows and {} \
                 generated rows (`{SYNTHETIC_COLUMN}` = true, sample weight {} in \
                 `{WEIGHT_COLUMN}`: pass it to the classifier).",
                arm_name(&self.chosen),
                self.best_generator
                    .as_ref()
                    .map_or(f64::NAN, |s| s.validation_pr_auc),
                self.real.validation_pr_auc,
                self.out.display(),
                self.rows_real,
                self.rows_added,
                self.weight
            ),
            (false, true) => format!(
                "**Augmenting is not recommended**: {}. Written anyway (--force-augment): the \
                 best generator arm, `{}`, {} generated rows with weight {}.",
                self.why_declined(),
                arm_name(&self.chosen),
                self.rows_added,
                self.weight
            ),
            (false, false) => format!(
                "**Augmenting is not recommended**: {}, so `{}` holds the {} real rows only. \
                 Pass --force-augment to write the best generator arm anyway.",
                self.why_declined(),
                self.out.display(),
                self.rows_real
            ),
        };
        let rows = self
            .top
            .iter()
            .map(|s| vec![arm_name(&s.arm), format!("{:.4}", s.validation_pr_auc)])
            .collect();
        let pools = self
            .validation
            .pools
            .iter()
            .map(|p| {
                vec![
                    format!("{} ({:?})", p.generator, p.condition),
                    p.rows.to_string(),
                    p.copies.to_string(),
                    p.curation.judged_majority.to_string(),
                    p.curation.outside_support.to_string(),
                    format!("{:.2}", p.judge_pass_rate),
                ]
            })
            .collect();
        let blocks = vec![
            Block::Heading(1, "synthkit augment".into()),
            Block::Para(verdict),
            Block::Para(format!(
                "Chosen on a stratified validation part of `{}` ({} rows, {} rare), held out \
                 from the generators' training; the real rows alone scored {:.4}{}. The test \
                 table was not read.",
                self.train.display(),
                self.validation_rows,
                self.validation_rare,
                self.real.validation_pr_auc,
                self.best_oversampler
                    .as_ref()
                    .map_or(String::new(), |o| format!(
                        ", the best SMOTE-family arm (`{}`) {:.4}",
                        arm_name(&o.arm),
                        o.validation_pr_auc
                    ))
            )),
            Block::Para(self.caveats()),
            Block::Heading(2, "The best arms on validation".into()),
            Block::Table(header(&["arm", "validation PR-AUC"]), rows),
            Block::Heading(2, "Generated rows".into()),
            Block::Para(
                "Per pool: rows generated, exact copies of a real row (dropped), rows the \
                 curation judge calls majority and rows outside the rare class's support \
                 (dropped by filtered arms), and the share the judge passes."
                    .into(),
            ),
            Block::Table(
                header(&[
                    "pool",
                    "rows",
                    "copies",
                    "judged majority",
                    "outside support",
                    "judge passes",
                ]),
                pools,
            ),
        ];
        to_markdown(&blocks)
    }
}

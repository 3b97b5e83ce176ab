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
//!
//! With `mode = "committee"` the candidates are the bench's committee arms instead (one
//! classifier per generator, each trained on the real rows plus that generator's rows, predicted
//! probabilities averaged): the output holds the real rows once and each member's generated
//! rows, named in a third column, `synthkit_member`; the user trains one classifier per member
//! and averages. While the training table holds at most `force_below_rare_rows` rare rows
//! (default 1000) it keeps the best committee without a margin (a validation part that small
//! cannot resolve the committee's gain: the bench's `committee` method, which beat the best
//! oversampler and the best plain generator arm on three of four sets with 25–200 rare rows);
//! above, it declines as the single mode does (the bench's `committee (margin)`, because the
//! committee that never declines lost to the real rows on adult's full data). Together: the
//! bench's `committee (scarce)`, pre-registered and tested at the bound in
//! `benches/results/preregistered/committee-scarce.md`. `--force-augment` writes the best
//! committee whatever its margin.

use std::path::{Path, PathBuf};

use polars::prelude::{NamedFrom, Series};
use serde::{Deserialize, Serialize};
use synthkit_data::io::{write_atomic, write_table};
use synthkit_data::schema::ensure_class_present;
use synthkit_data::{DataError, Schema};
use synthkit_eval::arms::{ArmSpec, GeneratorPool, StageReport, draw_generated};
use synthkit_eval::classifier::ClassifierSpec;
use synthkit_eval::curate::CurationConfig;
use synthkit_eval::encode::binary_target;
use synthkit_eval::select::{pick, validation_noise};
use synthkit_runs::RunError;
use synthkit_runs::json::{read_json, write_json};
use synthkit_train::DeviceChoice;

use crate::assemble::Decline;
use crate::cells::{Cell, CellInputs, Layout, PoolTables, StageKind};
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
    /// Augment only when the best candidate (generator arm, or committee) beats the real rows
    /// on validation by more than this many sampling errors of their PR-AUC (see the bench's
    /// `decline_margin`). Default 1.
    #[serde(default = "crate::config::default_decline_margin")]
    pub decline_margin: f64,
    /// One augmented training set (`single`, the default) or a committee (`committee`).
    #[serde(default)]
    pub mode: AugmentMode,
    /// Committee mode: keep the best committee without the margin while the training table
    /// holds at most this many rare rows (a validation part that small cannot resolve the
    /// committee's gain; the bench's `committee (scarce)` method). Default
    /// [`COMMITTEE_FORCE_BELOW_RARE_ROWS`]; 0 never forces. Not a key of the single mode.
    #[serde(default)]
    pub force_below_rare_rows: Option<usize>,
}

/// Committee mode's default `force_below_rare_rows`: the bench's bound, kept after the
/// pre-registered test at 1000 rare rows (`benches/results/preregistered/committee-scarce.md`:
/// the committee kept without the margin was not below the real rows beyond noise on adult or
/// bank_marketing there).
pub const COMMITTEE_FORCE_BELOW_RARE_ROWS: usize = crate::config::SCARCE_RARE_ROWS;

/// What `augment` builds from the generated rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AugmentMode {
    /// One training set: the real rows plus the best arm's generated rows (one generator or a
    /// pooled ensemble), for one classifier.
    #[default]
    Single,
    /// One training set per generator (the real rows plus that generator's rows, as its
    /// one-generator arm adds them with the best committee arm's ratio, filter and weight), for
    /// one classifier each, whose predicted probabilities are averaged.
    Committee,
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
/// The column a committee's output adds: the member (generator) a generated row belongs to,
/// empty (null) on the real rows, which every member trains on.
pub const MEMBER_COLUMN: &str = "synthkit_member";

/// A committee member's rows in the output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MemberRows {
    /// The generator.
    pub generator: String,
    /// Its generated rows written.
    pub rows: usize,
}

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
    /// `single` or `committee`.
    pub mode: AugmentMode,
    /// A committee's members and their rows (empty otherwise).
    pub members: Vec<MemberRows>,
    /// Whether augmenting was recommended: the rule chose a candidate over the real rows.
    pub recommended: bool,
    /// Whether the best candidate was written although the rule kept the real rows.
    pub forced: bool,
    /// Whether the committee was kept without the margin because the training table holds at
    /// most `force_below_rare_rows` rare rows.
    #[serde(default)]
    pub scarce: bool,
    /// See `scarce` (0: never).
    #[serde(default)]
    pub force_below_rare_rows: usize,
    /// The real rows alone on validation.
    pub real: Scored,
    /// The best generator arm on validation (chosen or not).
    pub best_generator: Option<Scored>,
    /// The best committee arm on validation (committee mode).
    pub best_committee: Option<Scored>,
    /// The best SMOTE-family arm on validation, for comparison.
    pub best_oversampler: Option<Scored>,
    /// The best committee of SMOTE-family classifiers on validation (committee mode), for
    /// comparison: averaging without generated rows.
    pub oversampler_committee: Option<Scored>,
    /// The bagged real rows on validation (committee mode), for comparison.
    pub bagged_real: Option<Scored>,
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
    /// Augmenting needed the best candidate to beat the real rows by more than this many
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
            .and_then(|()| cfg.check_mode())
            .map_err(|reason| BenchError::InvalidSetting {
                path: path.to_path_buf(),
                reason,
            })?;
        Ok(cfg)
    }

    /// The keys that only one mode has.
    fn check_mode(&self) -> Result<(), String> {
        if self.mode == AugmentMode::Single && self.force_below_rare_rows.is_some() {
            return Err(
                "`force_below_rare_rows` keeps a committee without the margin; it is a key of \
                 `mode = \"committee\"` only (remove it, or set that mode). The single mode \
                 always declines by `decline_margin`; pass --force-augment to write its best \
                 arm anyway"
                    .into(),
            );
        }
        Ok(())
    }

    /// The bound below which committee mode keeps the committee without the margin (0 in the
    /// single mode).
    pub fn force_below(&self) -> usize {
        match self.mode {
            AugmentMode::Single => 0,
            AugmentMode::Committee => self
                .force_below_rare_rows
                .unwrap_or(COMMITTEE_FORCE_BELOW_RARE_ROWS),
        }
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
                committee: self.mode == AugmentMode::Committee,
                ..self.arms.clone()
            },
            curation: self.curation.clone(),
            drop_copies: self.drop_copies,
            pool_factor: self.pool_factor,
            full_rows: 2,
            decline_margin: self.decline_margin,
            force_below_rare_rows: self.force_below(),
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
    let stage = Cell::Stage(StageKind::Validation, rep);
    let mut validation: StageReport = read_json(&layout.done_file(&stage))?;
    let rejecting = inputs.rejecting(&rep)?;
    if !scored_as_now(
        &validation,
        &inputs.stage_arms(StageKind::Validation, &rep, &rejecting),
        &bench,
    ) {
        // A rerun with other arms or classifiers (another mode, menu or classifier): the models
        // and samples stand, the validation scores are made again.
        tracing::info!("validation scores made with other arms or classifiers; scoring again");
        let path = layout.done_file(&stage);
        std::fs::remove_file(&path).map_err(|source| RunError::RemoveDir { path, source })?;
        inputs
            .run(&stage, &bar)
            .with_context(|| format!("augment step `{}`", layout.label(&stage)))?;
        validation = read_json(&layout.done_file(&stage))?;
    }
    let clf = bench.classifiers[0].name();
    let scored = |r: &synthkit_eval::arms::ArmRun| Scored {
        arm: r.arm.clone(),
        validation_pr_auc: r.metrics.pr_auc,
    };
    let best_generator = pick(&validation.runs, clf, ArmSpec::is_augment);
    let best_committee = pick(&validation.runs, clf, ArmSpec::is_committee);
    let (candidate, best_candidate): (fn(&ArmSpec) -> bool, _) = match cfg.mode {
        AugmentMode::Single => (ArmSpec::is_augment, best_generator),
        AugmentMode::Committee => (ArmSpec::is_committee, best_committee),
    };
    let real = pick(&validation.runs, clf, |a| *a == ArmSpec::Real).expect("the real arm");
    // The bench's rule: in committee mode with few rare rows the best committee without the
    // margin (`committee (scarce)`; the single mode's bound is 0), the margin otherwise.
    let decline = Decline {
        margin: cfg.decline_margin,
        force_below_rare_rows: cfg.force_below(),
        rare_train: split.rare[0],
    };
    let scarce = decline.scarce() && best_candidate.is_some();
    let by_rule = decline
        .pick(&validation, clf, candidate)
        .expect("the real arm always runs");
    let recommended = by_rule.arm != ArmSpec::Real;
    let forced = !recommended && flags.force_augment && best_candidate.is_some();
    let chosen = if forced {
        best_candidate.expect("checked").arm.clone()
    } else {
        by_rule.arm.clone()
    };

    // The rows: every real row, then the chosen arm's generated rows drawn against them (a
    // committee's member by member).
    let mut rows = train.clone();
    let mut member_of: Vec<Option<String>> = vec![None; train.height()];
    let mut members = Vec::new();
    let mut weight = 1.0;
    if chosen != ArmSpec::Real {
        let tables = inputs.pool_tables(&rep, &rejecting, false)?;
        let pools: Vec<GeneratorPool<'_>> = tables.iter().map(PoolTables::pool).collect();
        let (drawn, w) = draw_generated(
            &train,
            &schema,
            &pools,
            &chosen,
            &inputs.stage_config(),
            rep.stage_seed(),
        )?;
        weight = w;
        for (generator, generated) in drawn {
            generated
                .select(train.get_column_names().into_iter().cloned())
                .and_then(|g| rows.vstack_mut(&g).map(|_| ()))
                .map_err(DataError::from)?;
            member_of.extend(std::iter::repeat_n(
                Some(generator.clone()),
                generated.height(),
            ));
            if chosen.is_committee() {
                members.push(MemberRows {
                    generator,
                    rows: generated.height(),
                });
            }
        }
    }
    let added = rows.height() - train.height();
    let n_real = train.height();
    let marker: Vec<bool> = (0..rows.height()).map(|i| i >= n_real).collect();
    let weights: Vec<f64> = marker
        .iter()
        .map(|&s| if s { weight } else { 1.0 })
        .collect();
    for name in [SYNTHETIC_COLUMN, WEIGHT_COLUMN, MEMBER_COLUMN] {
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
    if cfg.mode == AugmentMode::Committee {
        rows.with_column(Series::new(MEMBER_COLUMN.into(), member_of).into())
            .map_err(synthkit_data::DataError::from)?;
    }
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
        mode: cfg.mode,
        members,
        recommended,
        forced,
        scarce,
        force_below_rare_rows: cfg.force_below(),
        real: scored(real),
        best_generator: best_generator.map(scored),
        best_committee: best_committee.map(scored),
        best_oversampler: pick(&validation.runs, clf, ArmSpec::is_oversample).map(scored),
        oversampler_committee: pick(&validation.runs, clf, ArmSpec::is_oversample_committee)
            .map(scored),
        bagged_real: pick(&validation.runs, clf, ArmSpec::is_bagged_real).map(scored),
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

/// Whether `validation` scored exactly the arms `arms` with the classifiers of `bench`.
fn scored_as_now(validation: &StageReport, arms: &[ArmSpec], bench: &BenchConfig) -> bool {
    let mut ran: Vec<(String, String)> = validation
        .runs
        .iter()
        .map(|r| (r.arm.label(), r.classifier.clone()))
        .collect();
    let mut wanted: Vec<(String, String)> = arms
        .iter()
        .flat_map(|a| {
            bench
                .classifiers
                .iter()
                .map(move |c| (a.label(), c.name().to_string()))
        })
        .collect();
    ran.sort();
    ran.dedup();
    wanted.sort();
    wanted.dedup();
    ran == wanted
}

impl AugmentReport {
    /// The best candidate on validation: the best generator arm, or in committee mode the best
    /// committee arm.
    pub fn candidate(&self) -> Option<&Scored> {
        match self.mode {
            AugmentMode::Single => self.best_generator.as_ref(),
            AugmentMode::Committee => self.best_committee.as_ref(),
        }
    }

    /// `generator arm` or `committee`, as the report names the candidates.
    fn kind(&self) -> &'static str {
        match self.mode {
            AugmentMode::Single => "generator arm",
            AugmentMode::Committee => "committee",
        }
    }

    /// Why the real rows were kept: no candidate beat them on validation, or none by the
    /// margin.
    fn why_declined(&self) -> String {
        let needed = self.decline_margin * self.validation_noise;
        let best = self
            .candidate()
            .map_or(f64::NEG_INFINITY, |s| s.validation_pr_auc);
        let real = self.real.validation_pr_auc;
        if best > real {
            format!(
                "the best {} scored {best:.3} PR-AUC on the validation part against {real:.3} \
                 for the real rows alone, less than the margin of {} sampling error(s) \
                 ({needed:.3}) above them, a gain that noise alone explains",
                self.kind(),
                self.decline_margin
            )
        } else {
            format!(
                "no {} beat the real rows alone ({real:.3} PR-AUC on the validation part)",
                self.kind()
            )
        }
    }

    /// How far to trust the choice: the validation noise, and a better oversampler (or
    /// committee of oversamplers).
    fn caveats(&self) -> String {
        let cand = self.candidate().map(|s| s.validation_pr_auc);
        let chosen = if self.chosen == ArmSpec::Real {
            Some(self.real.validation_pr_auc)
        } else {
            cand
        };
        let gap = chosen.map_or(0.0, |c| (c - self.real.validation_pr_auc).abs());
        let mut text = format!(
            "With {} rare rows in the validation part, a PR-AUC there has a sampling error of \
             about ±{:.3} (√(AP (1 − AP) / rare rows)); {}. How often this choice pays on real \
             test data is what `synthkit bench` measures (its `{}` method is this choice).",
            self.validation_rare,
            self.validation_noise,
            if gap < self.validation_noise {
                format!(
                    "the chosen arm and the real rows differ by {gap:.3}, within that noise, so \
                     the choice is close to a coin toss"
                )
            } else {
                format!("the chosen arm and the real rows differ by {gap:.3}")
            },
            match (self.mode, self.forced, self.force_below_rare_rows) {
                (AugmentMode::Single, _, _) => "augment",
                (AugmentMode::Committee, true, _) => "committee",
                (AugmentMode::Committee, false, 0) => "committee (margin)",
                (AugmentMode::Committee, false, _) => "committee (scarce)",
            }
        );
        let rival = match self.mode {
            AugmentMode::Single => self.best_oversampler.as_ref(),
            AugmentMode::Committee => self.oversampler_committee.as_ref(),
        };
        if let (Some(o), Some(c)) = (rival, cand)
            && o.validation_pr_auc >= c.max(self.real.validation_pr_auc)
        {
            text.push_str(&match self.mode {
                AugmentMode::Single => format!(
                    " A SMOTE-family oversampler, `{}`, scored higher on validation ({:.4}) than \
                     every generator arm and the real rows: consider it instead.",
                    arm_name(&o.arm),
                    o.validation_pr_auc
                ),
                AugmentMode::Committee => format!(
                    " A committee of SMOTE-family classifiers, `{}`, scored as high or higher on \
                     validation ({:.4}): averaging without generated rows; in the bench most of \
                     the committee's gain over a single oversampler came from the averaging \
                     (benches/results/preregistered/committee-results.md). Consider it instead.",
                    arm_name(&o.arm),
                    o.validation_pr_auc
                ),
            });
        }
        text
    }

    /// The verdict: what was written and why.
    fn verdict(&self) -> String {
        let cand = self.candidate().map_or(f64::NAN, |s| s.validation_pr_auc);
        let real = self.real.validation_pr_auc;
        let how = match self.mode {
            AugmentMode::Single => format!(
                "`{}` holds the {} real rows and {} generated rows (`{SYNTHETIC_COLUMN}` = true, \
                 sample weight {} in `{WEIGHT_COLUMN}`: pass it to the classifier).",
                self.out.display(),
                self.rows_real,
                self.rows_added,
                self.weight
            ),
            AugmentMode::Committee => format!(
                "`{}` holds the {} real rows (`{MEMBER_COLUMN}` empty: every member trains on \
                 them) and {} generated rows, each member's named in `{MEMBER_COLUMN}` \
                 ({}; `{SYNTHETIC_COLUMN}` = true, sample weight {} in `{WEIGHT_COLUMN}`). \
                 Train one classifier per member on the real rows plus that member's rows, with \
                 the weights, and average their predicted probabilities: that is what the \
                 validation score measured.",
                self.out.display(),
                self.rows_real,
                self.rows_added,
                self.members
                    .iter()
                    .map(|m| format!("{} {}", m.generator, m.rows))
                    .collect::<Vec<_>>()
                    .join(", "),
                self.weight
            ),
        };
        match (self.recommended, self.forced) {
            (true, _) if self.scarce => format!(
                "**Augmenting is recommended** without the validation margin: the training table \
                 holds {} rare rows, at most `force_below_rare_rows` = {}, too few for the \
                 validation part to resolve the committee's gain (the bench's `committee (scarce)` \
                 rule: benches/results/preregistered/committee-scarce.md; with 25–200 rare rows \
                 the committee beat the best SMOTE-family arm and the best plain generator arm \
                 on three of four sets, committee-results.md there, but lost to SMOTE and on \
                 average to the real rows on a fifth set, C-MAPSS: measure it on your data with \
                 `synthkit bench`). `{}` scored {cand:.3} \
                 PR-AUC on the validation part against {real:.3} for the real rows alone. {how}",
                self.rows_real_rare,
                self.force_below_rare_rows,
                arm_name(&self.chosen),
            ),
            (true, _) => format!(
                "**Augmenting is recommended**: `{}` scored {cand:.3} PR-AUC on the validation \
                 part against {real:.3} for the real rows alone. {how}",
                arm_name(&self.chosen),
            ),
            (false, true) => format!(
                "**Augmenting is not recommended**: {}. Written anyway (--force-augment): the \
                 best {}, `{}`. {how}",
                self.why_declined(),
                self.kind(),
                arm_name(&self.chosen),
            ),
            (false, false) => format!(
                "**Augmenting is not recommended**: {}, so `{}` holds the {} real rows only. \
                 Pass --force-augment to write the best {} anyway{}.",
                self.why_declined(),
                self.out.display(),
                self.rows_real,
                self.kind(),
                match self.mode {
                    AugmentMode::Single => "",
                    AugmentMode::Committee =>
                        " (the bench's `committee` rule, which beat the best oversampler and the \
                         best plain generator arm with 25–200 rare training rows on three of four \
                         sets but lost to the real rows on adult's full data: \
                         benches/results/preregistered/committee-full-results.md), or set \
                         `force_below_rare_rows` at or above the training table's rare rows",
                }
            ),
        }
    }

    /// `, the best SMOTE-family arm (`smote@1`) 0.6123, …`: the validation scores of the
    /// alternatives the report names (in committee mode the best single generator arm and the
    /// committee's controls too).
    fn comparisons(&self) -> String {
        let mut named = vec![("the best SMOTE-family arm", &self.best_oversampler)];
        if self.mode == AugmentMode::Committee {
            named.extend([
                ("the best single generator arm", &self.best_generator),
                (
                    "the best committee of oversamplers",
                    &self.oversampler_committee,
                ),
                ("the bagged real rows", &self.bagged_real),
            ]);
        }
        named
            .into_iter()
            .filter_map(|(what, s)| {
                s.as_ref().map(|s| {
                    format!(
                        ", {what} (`{}`) {:.4}",
                        arm_name(&s.arm),
                        s.validation_pr_auc
                    )
                })
            })
            .collect()
    }

    /// What was chosen and why, in words.
    pub fn markdown(&self) -> String {
        let verdict = self.verdict();
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
                self.comparisons()
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

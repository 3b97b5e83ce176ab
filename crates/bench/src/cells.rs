//! The cells of one data set's bench and running one. Every replicate has a split, then per
//! generator a fit, its samples and its quality scores, then its two stages (validation and
//! test). Each cell writes its files atomically when it finishes; a cell whose files exist is
//! skipped, so a killed bench resumes where it stopped.
//!
//! Layout of `<out>/<data set>/<replicate>/` (`N25-r0`, `all-r3`, …):
//! - `split.json` and `train.parquet`, `fit.parquet`, `validation.parquet`: the replicate's rows;
//! - `models/<generator>/`: a `synthkit fit` run directory trained on `fit.parquet`;
//! - `samples/<generator>-{forced,rejected,full}.parquet`: its generated rows;
//! - `cells/sample-<generator>.json`, `cells/quality-<generator>.json`,
//!   `cells/stage-{validation,test}.json`: what the cells measured.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_table};
use synthkit_data::split::take_rows;
use synthkit_eval::arms::{
    ArmSpec, GeneratorPool, Stage, StageConfig, StageReport, evaluate_stage,
};
use synthkit_eval::fidelity::{detection, fidelity_report};
use synthkit_eval::privacy::{PrivacyOptions, privacy_report};
use synthkit_runs::json::{read_json, write_json};
use synthkit_runs::{FitSwitches, load_model};
use synthkit_train::{ConditionMode, FittedModel, TrainError};

use crate::config::BenchConfig;
use crate::error::BenchResult;
use crate::generators::Generator;
use crate::grid::{arms, can_reject};
use crate::plan::{Replicate, Split};
use crate::records::{QualityCell, SampleCell};

fn no_test() -> crate::error::BenchError {
    crate::error::BenchError::Plan {
        reason: "this cell needs the real test table, which augment does not read".into(),
    }
}

/// Which stage of a replicate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StageKind {
    /// Train on the fit part, score on the validation part: to choose.
    Validation,
    /// Train on the whole reduced training split, score on the real test split: to report.
    Test,
}

impl StageKind {
    fn name(self) -> &'static str {
        match self {
            StageKind::Validation => "validation",
            StageKind::Test => "test",
        }
    }
}

/// One cell of a data set's bench.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// The replicate's rows.
    Split(Replicate),
    /// Fit generator `g` on the replicate's fit part (resuming from its checkpoints).
    Fit(usize, Replicate),
    /// Sample generator `g`: forced and rejected rare rows, unconditional rows.
    Sample(usize, Replicate),
    /// Fidelity, detection and privacy of generator `g`'s unconditional rows.
    Quality(usize, Replicate),
    /// One stage of the replicate: every arm with every classifier.
    Stage(StageKind, Replicate),
}

/// Every cell of the replicates `reps` with the generators `gens` (each at its levels), in the
/// order they run.
pub fn all_cells(gens: &[Generator], reps: &[Replicate]) -> Vec<Cell> {
    let mut cells = Vec::new();
    for rep in reps {
        cells.push(Cell::Split(*rep));
        for (g, generator) in gens.iter().enumerate() {
            if !generator.active(rep.level) {
                continue;
            }
            cells.push(Cell::Fit(g, *rep));
            cells.push(Cell::Sample(g, *rep));
            cells.push(Cell::Quality(g, *rep));
        }
        cells.push(Cell::Stage(StageKind::Validation, *rep));
        cells.push(Cell::Stage(StageKind::Test, *rep));
    }
    cells
}

/// Where a data set's results live.
pub struct Layout<'a> {
    /// `<out>/<data set>`.
    pub dir: &'a Path,
    /// The data set's generators.
    pub gens: &'a [Generator],
}

impl Layout<'_> {
    /// `<dir>/<replicate>`.
    pub fn rep_dir(&self, rep: &Replicate) -> PathBuf {
        self.dir.join(rep.key())
    }

    /// The run directory of generator `g` on `rep`.
    pub fn model_run(&self, g: usize, rep: &Replicate) -> PathBuf {
        self.rep_dir(rep).join("models").join(&self.gens[g].name)
    }

    /// Generator `g`'s rows on `rep`; `part` is `forced`, `rejected` or `full`.
    pub fn sample_path(&self, g: usize, rep: &Replicate, part: &str) -> PathBuf {
        self.rep_dir(rep)
            .join("samples")
            .join(format!("{}-{part}.parquet", self.gens[g].name))
    }

    /// A file under `<replicate>/cells/`.
    pub fn cell_path(&self, rep: &Replicate, file: &str) -> PathBuf {
        self.rep_dir(rep).join("cells").join(file)
    }

    /// The file that marks a cell done.
    pub fn done_file(&self, cell: &Cell) -> PathBuf {
        match cell {
            Cell::Split(r) => self.rep_dir(r).join("split.json"),
            Cell::Fit(g, r) => self.model_run(*g, r).join("fit.json"),
            Cell::Sample(g, r) => self.cell_path(r, &format!("sample-{}.json", self.gens[*g].name)),
            Cell::Quality(g, r) => {
                self.cell_path(r, &format!("quality-{}.json", self.gens[*g].name))
            }
            Cell::Stage(k, r) => self.cell_path(r, &format!("stage-{}.json", k.name())),
        }
    }

    /// The cell as the progress bar shows it.
    pub fn label(&self, cell: &Cell) -> String {
        let name = |g: &usize| &self.gens[*g].name;
        match cell {
            Cell::Split(r) => format!("{} split", r.key()),
            Cell::Fit(g, r) => format!("{} fit {}", r.key(), name(g)),
            Cell::Sample(g, r) => format!("{} sample {}", r.key(), name(g)),
            Cell::Quality(g, r) => format!("{} fidelity {}", r.key(), name(g)),
            Cell::Stage(k, r) => format!("{} {} stage", r.key(), k.name()),
        }
    }

    /// The replicate's tables: (reduced training split, fit part, validation part).
    pub fn tables(&self, rep: &Replicate) -> BenchResult<(DataFrame, DataFrame, DataFrame)> {
        let d = self.rep_dir(rep);
        Ok((
            read_table(&d.join("train.parquet"))?,
            read_table(&d.join("fit.parquet"))?,
            read_table(&d.join("validation.parquet"))?,
        ))
    }
}

/// What every cell of a data set reads.
pub struct CellInputs<'a> {
    /// Where the results go.
    pub layout: Layout<'a>,
    /// The bench settings.
    pub cfg: &'a BenchConfig,
    /// The full real training table.
    pub train: &'a DataFrame,
    /// Which of its rows are rare.
    pub is_rare: &'a [bool],
    /// The real test table (`None` for `synthkit augment`, which has only the validation
    /// stage and no quality cells).
    pub test: Option<&'a DataFrame>,
    /// Their column types.
    pub schema: &'a Schema,
    /// Target column.
    pub target: &'a str,
    /// Its rare class.
    pub positive: &'a str,
    /// Hide the fits' progress bars.
    pub quiet: bool,
}

impl CellInputs<'_> {
    /// The settings shared by both stages.
    pub fn stage_config(&self) -> StageConfig {
        StageConfig {
            target: self.target.into(),
            positive: self.positive.into(),
            classifiers: self.cfg.classifiers.clone(),
            curation: self.cfg.curation.clone(),
            drop_copies: self.cfg.drop_copies,
            metrics: Default::default(),
        }
    }

    /// Runs `cell` unless it is done (a fit runs with `bar` suspended, so its own progress bar
    /// shows). Returns whether it ran.
    ///
    /// # Errors
    /// The split, fit, sampling or evaluation failed, or a file cannot be written.
    pub fn run(&self, cell: &Cell, bar: &ProgressBar) -> BenchResult<bool> {
        let l = &self.layout;
        if l.done_file(cell).exists() {
            return Ok(false);
        }
        match cell {
            Cell::Split(rep) => self.split(rep)?,
            Cell::Fit(g, rep) => {
                let run = l.model_run(*g, rep);
                let resume = synthkit_train::newest_checkpoint(&run.join("checkpoints"))?.is_some();
                let fit_path = l.rep_dir(rep).join("fit.parquet");
                let split: Split = read_json(&l.rep_dir(rep).join("split.json"))?;
                let generator = &l.gens[*g];
                let mut config = generator.budgeted(self.cfg.epochs, split.fit.len())?;
                config.data.train = fit_path;
                config.data.rare_train = None;
                // A category with a row or two can be missing from a fit part.
                config.transform.keep_constant = true;
                config.train.seed = rep.train_seed(generator.config.train.seed);
                let switches = FitSwitches {
                    resume,
                    force: false,
                    quiet: self.quiet,
                };
                bar.suspend(|| synthkit_runs::fit(&config, &run, &switches))?;
            }
            Cell::Sample(g, rep) => self.sample(*g, rep)?,
            Cell::Quality(g, rep) => {
                let test = self.test.ok_or_else(no_test)?;
                let (_, fit, _) = l.tables(rep)?;
                let full = read_table(&l.sample_path(*g, rep, "full"))?;
                let fidelity =
                    fidelity_report(test, &full, self.schema, self.target, self.positive)?;
                let detection = detection(
                    &fit,
                    &full,
                    self.schema,
                    &self.cfg.classifiers[0],
                    3,
                    rep.stage_seed(),
                )?;
                let privacy =
                    privacy_report(&fit, test, &full, self.schema, &PrivacyOptions::default())?;
                write_json(
                    &l.done_file(cell),
                    &QualityCell {
                        fidelity,
                        detection,
                        privacy,
                    },
                )?;
            }
            Cell::Stage(kind, rep) => {
                let report = self.stage(*kind, rep)?;
                write_json(&l.done_file(cell), &report)?;
            }
        }
        Ok(true)
    }

    fn split(&self, rep: &Replicate) -> BenchResult<()> {
        let l = &self.layout;
        let split = Split::make(self.is_rare, rep, self.cfg.validation_fraction)?;
        let d = l.rep_dir(rep);
        for (name, rows) in [
            ("train", &split.train),
            ("fit", &split.fit),
            ("validation", &split.validation),
        ] {
            write_table(
                &take_rows(self.train, rows)?,
                &d.join(format!("{name}.parquet")),
                true,
            )?;
        }
        write_json(&d.join("split.json"), &split)?;
        Ok(())
    }

    fn sample(&self, g: usize, rep: &Replicate) -> BenchResult<()> {
        let l = &self.layout;
        let split: Split = read_json(&l.rep_dir(rep).join("split.json"))?;
        let generator = &l.gens[g];
        let (model, _) =
            load_model::<FittedModel>(&l.model_run(g, rep), generator.config.train.device)?;
        // The test stage adds up to max_ratio × the reduced split's rare rows.
        let n_pool = ((self.cfg.pool_factor * self.cfg.arms.max_ratio() * split.rare[0] as f64)
            .ceil() as usize)
            .max(1);
        let seed = rep.sample_seed();
        let t = Instant::now();
        let (forced, forced_rep) = model.sample_where_with(
            self.target,
            self.positive,
            n_pool,
            seed,
            ConditionMode::Force,
        )?;
        let seconds_forced = t.elapsed().as_secs_f64();
        write_table(&forced, &l.sample_path(g, rep, "forced"), true)?;
        let (mut rejected, mut reject_failed, mut seconds_rejected) = (None, None, 0.0);
        if self.cfg.arms.reject && can_reject(&generator.config.model) {
            let t = Instant::now();
            match model.sample_where_with(
                self.target,
                self.positive,
                n_pool,
                seed,
                ConditionMode::Reject,
            ) {
                Ok((rows, r)) => {
                    write_table(&rows, &l.sample_path(g, rep, "rejected"), true)?;
                    rejected = Some(r);
                }
                Err(e @ TrainError::RejectExhausted { .. }) => reject_failed = Some(e.to_string()),
                Err(e) => return Err(e.into()),
            }
            seconds_rejected = t.elapsed().as_secs_f64();
        }
        let n_full = self.cfg.full_rows.min(split.fit.len());
        let t = Instant::now();
        let full = model.sample(n_full, seed ^ 0xF011)?;
        let seconds_full = t.elapsed().as_secs_f64();
        write_table(&full, &l.sample_path(g, rep, "full"), true)?;
        write_json(
            &l.done_file(&Cell::Sample(g, *rep)),
            &SampleCell {
                forced: forced_rep,
                seconds_forced,
                rejected,
                reject_failed,
                seconds_rejected,
                rows_full: full.height(),
                seconds_full,
            },
        )?;
        Ok(())
    }

    /// The generators with a rejected pool on `rep`.
    pub fn rejecting(&self, rep: &Replicate) -> BenchResult<Vec<String>> {
        let l = &self.layout;
        let mut out = Vec::new();
        for (g, generator) in l.gens.iter().enumerate() {
            if !generator.active(rep.level) {
                continue;
            }
            let s: SampleCell = read_json(&l.done_file(&Cell::Sample(g, *rep)))?;
            if s.rejected.is_some() {
                out.push(generator.name.clone());
            }
        }
        Ok(out)
    }

    /// The arms stage `kind` of `rep` evaluates under the current settings, given the
    /// generators with a rejected pool there ([`Self::rejecting`]).
    pub fn stage_arms(
        &self,
        kind: StageKind,
        rep: &Replicate,
        rejecting: &[String],
    ) -> Vec<ArmSpec> {
        let active: Vec<Generator> = self
            .layout
            .gens
            .iter()
            .filter(|g| g.active(rep.level))
            .cloned()
            .collect();
        arms(&self.cfg.arms, &active, rejecting, kind == StageKind::Test)
    }

    /// The sampled tables of the generators active on `rep`, in their order: the forced pool,
    /// the rejected one for those in `rejecting`, the unconditional rows when `full`.
    ///
    /// # Errors
    /// An unreadable sample file.
    pub fn pool_tables(
        &self,
        rep: &Replicate,
        rejecting: &[String],
        full: bool,
    ) -> BenchResult<Vec<PoolTables>> {
        let l = &self.layout;
        let mut out = Vec::new();
        for (g, generator) in l.gens.iter().enumerate() {
            if !generator.active(rep.level) {
                continue;
            }
            let read = |part| read_table(&l.sample_path(g, rep, part));
            out.push(PoolTables {
                name: generator.name.clone(),
                forced: read("forced")?,
                rejected: if rejecting.contains(&generator.name) {
                    Some(read("rejected")?)
                } else {
                    None
                },
                full: if full { Some(read("full")?) } else { None },
            });
        }
        Ok(out)
    }

    fn stage(&self, kind: StageKind, rep: &Replicate) -> BenchResult<StageReport> {
        let l = &self.layout;
        let (train, fit, validation) = l.tables(rep)?;
        let stage = match kind {
            StageKind::Validation => Stage {
                train: &fit,
                eval: &validation,
            },
            StageKind::Test => Stage {
                train: &train,
                eval: self.test.ok_or_else(no_test)?,
            },
        };
        let rejecting = self.rejecting(rep)?;
        let tables = self.pool_tables(rep, &rejecting, true)?;
        let pools: Vec<GeneratorPool<'_>> = tables.iter().map(PoolTables::pool).collect();
        let arms = self.stage_arms(kind, rep, &rejecting);
        Ok(evaluate_stage(
            stage,
            self.schema,
            &pools,
            &arms,
            &self.stage_config(),
            rep.stage_seed(),
        )?)
    }
}

/// One generator's sampled tables on a replicate (see [`CellInputs::pool_tables`]).
#[derive(Debug)]
pub struct PoolTables {
    /// The generator.
    pub name: String,
    /// Rare rows generated with the condition forced.
    pub forced: DataFrame,
    /// Rare rows generated with the condition rejected, when read.
    pub rejected: Option<DataFrame>,
    /// Unconditional rows, when read.
    pub full: Option<DataFrame>,
}

impl PoolTables {
    /// The tables as a pool of the evaluation crate.
    pub fn pool(&self) -> GeneratorPool<'_> {
        GeneratorPool {
            name: &self.name,
            forced: &self.forced,
            rejected: self.rejected.as_ref(),
            full: self.full.as_ref(),
        }
    }
}

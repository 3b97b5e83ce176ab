//! The cells of one data set's matrix, in the order they run, and running one: a fit, the
//! samples of one generator and seed, one utility comparison, the baselines of one seed, one
//! generator's fidelity and privacy. Each cell writes its file atomically when it finishes; a
//! cell whose file exists is skipped.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::ProgressBar;
use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_data::io::{read_table, write_table};
use synthkit_eval::fidelity::{detection, fidelity_report};
use synthkit_eval::privacy::{PrivacyOptions, privacy_report};
use synthkit_eval::utility::{GeneratorRows, SyntheticSource, UtilityConfig, run_utility};
use synthkit_runs::json::write_json;
use synthkit_runs::{FitSwitches, load_model};
use synthkit_train::FittedModel;

use crate::error::BenchResult;
use crate::generators::Generator;
use crate::records::{QualityCell, SampleCell};

/// One cell of a data set's matrix.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Fit generator `g` (resuming from its checkpoints).
    Fit(usize),
    /// Sample generator `g` with seed `s`: as many rows as the training set, and the rare rows
    /// the largest ratio needs.
    Samples(usize, u64),
    /// The utility comparison of generator `g`'s seed-`s` rows.
    Utility(usize, u64),
    /// The baselines (and real only) of seed `s`.
    Baselines(u64),
    /// Fidelity, detection and privacy of generator `g`'s seed-0 rows.
    Quality(usize),
}

/// Every cell of a data set with `generators` generators over `seeds` seeds, in the order they
/// run: fits and samples first, then quality and utility per generator, then the baselines.
pub fn all_cells(generators: usize, seeds: u64) -> Vec<Cell> {
    let mut cells = Vec::new();
    for gi in 0..generators {
        cells.push(Cell::Fit(gi));
        for s in 0..seeds {
            cells.push(Cell::Samples(gi, s));
        }
    }
    for gi in 0..generators {
        cells.push(Cell::Quality(gi));
        for s in 0..seeds {
            cells.push(Cell::Utility(gi, s));
        }
    }
    for s in 0..seeds {
        cells.push(Cell::Baselines(s));
    }
    cells
}

/// The directory layout of one data set's results and the cells' file names.
pub struct Layout<'a> {
    /// `<out>/<data set>`.
    pub dir: &'a Path,
    /// The data set's generators.
    pub gens: &'a [Generator],
}

impl Layout<'_> {
    /// The run directory of generator `gi`: `models/<name>`.
    pub fn model_run(&self, gi: usize) -> PathBuf {
        self.dir.join("models").join(&self.gens[gi].name)
    }

    /// The samples of generator `gi` and seed `s`; `part` is `full` or `rare`.
    pub fn sample_path(&self, gi: usize, s: u64, part: &str) -> PathBuf {
        self.dir
            .join("samples")
            .join(format!("{}-seed{s}-{part}.parquet", self.gens[gi].name))
    }

    /// The file a cell writes under `cells/` (none for a fit, which writes a run directory).
    pub fn cell_file(&self, cell: &Cell) -> Option<PathBuf> {
        let name = |gi: &usize| &self.gens[*gi].name;
        let file = match cell {
            Cell::Fit(_) => return None,
            Cell::Samples(gi, s) => format!("samples-{}-seed{s}.json", name(gi)),
            Cell::Utility(gi, s) => format!("utility-{}-seed{s}.json", name(gi)),
            Cell::Baselines(s) => format!("baselines-seed{s}.json"),
            Cell::Quality(gi) => format!("quality-{}.json", name(gi)),
        };
        Some(self.dir.join("cells").join(file))
    }

    /// The cell as the progress bar shows it.
    pub fn label(&self, cell: &Cell) -> String {
        let name = |gi: &usize| &self.gens[*gi].name;
        match cell {
            Cell::Fit(gi) => format!("fit {}", name(gi)),
            Cell::Samples(gi, s) => format!("sample {} seed {s}", name(gi)),
            Cell::Utility(gi, s) => format!("utility {} seed {s}", name(gi)),
            Cell::Baselines(s) => format!("baselines seed {s}"),
            Cell::Quality(gi) => format!("fidelity/privacy {}", name(gi)),
        }
    }
}

/// What every cell of a data set reads: the real tables, the comparison's settings.
pub struct CellInputs<'a> {
    /// Where the results go.
    pub layout: Layout<'a>,
    /// Real training rows.
    pub train: &'a DataFrame,
    /// Real test rows.
    pub test: &'a DataFrame,
    /// Their column types.
    pub schema: &'a Schema,
    /// Target column.
    pub target: &'a str,
    /// Its rare class.
    pub positive: &'a str,
    /// Rare rows each sample cell draws (for the largest ratio).
    pub rare_rows: usize,
    /// The data set's utility comparison over all seeds.
    pub utility: &'a UtilityConfig,
    /// Hide the fits' progress bars.
    pub quiet: bool,
}

impl CellInputs<'_> {
    /// Runs `cell` unless its results exist (a fit runs with `bar` suspended, so that its own
    /// progress bar shows). Returns whether the cell ran.
    ///
    /// # Errors
    /// The fit, sampling or evaluation of the cell failed, or its file cannot be written.
    pub fn run(&self, cell: &Cell, bar: &ProgressBar) -> BenchResult<bool> {
        let l = &self.layout;
        if let Cell::Fit(gi) = cell {
            let run = l.model_run(*gi);
            if run.join("model").join("model.json").exists() && run.join("fit.json").exists() {
                return Ok(false);
            }
            let resume = synthkit_train::newest_checkpoint(&run.join("checkpoints"))?.is_some();
            let switches = FitSwitches {
                resume,
                force: false,
                quiet: self.quiet,
            };
            let config = &l.gens[*gi].config;
            bar.suspend(|| synthkit_runs::fit(config, &run, &switches))?;
            return Ok(true);
        }
        let json = l.cell_file(cell).expect("only a fit has no cell file");
        match cell {
            Cell::Fit(_) => unreachable!("handled above"),
            Cell::Samples(gi, s) => {
                let (pf, pr) = (
                    l.sample_path(*gi, *s, "full"),
                    l.sample_path(*gi, *s, "rare"),
                );
                if json.exists() && pf.exists() && pr.exists() {
                    return Ok(false);
                }
                let device = l.gens[*gi].config.train.device;
                let (model, _) = load_model::<FittedModel>(&l.model_run(*gi), device)?;
                let t = Instant::now();
                let full = model.sample(self.train.height(), *s)?;
                let seconds_full = t.elapsed().as_secs_f64();
                let t = Instant::now();
                let rare = model.sample_where(self.target, self.positive, self.rare_rows, *s)?;
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
            }
            Cell::Utility(gi, s) => {
                if json.exists() {
                    return Ok(false);
                }
                let full = [read_table(&l.sample_path(*gi, *s, "full"))?];
                let rare = [read_table(&l.sample_path(*gi, *s, "rare"))?];
                let c = UtilityConfig {
                    seeds: vec![*s],
                    baselines: vec![],
                    baselines_auto: false,
                    ..self.utility.clone()
                };
                let g = [GeneratorRows {
                    name: l.gens[*gi].name.clone(),
                    full: Some(SyntheticSource::PerSeed(&full)),
                    rare: Some(SyntheticSource::PerSeed(&rare)),
                }];
                let rep = run_utility(self.train, self.test, self.schema, &g, &c)?;
                write_json(&json, &rep.runs)?;
            }
            Cell::Baselines(s) => {
                if json.exists() {
                    return Ok(false);
                }
                let c = UtilityConfig {
                    seeds: vec![*s],
                    ..self.utility.clone()
                };
                let rep = run_utility(self.train, self.test, self.schema, &[], &c)?;
                write_json(&json, &rep.runs)?;
            }
            Cell::Quality(gi) => {
                if json.exists() {
                    return Ok(false);
                }
                let full = read_table(&l.sample_path(*gi, 0, "full"))?;
                let fidelity =
                    fidelity_report(self.test, &full, self.schema, self.target, self.positive)?;
                let spec = self.utility.classifiers[0].clone();
                let detection = detection(self.train, &full, self.schema, &spec, 3, 0)?;
                let privacy = privacy_report(
                    self.train,
                    self.test,
                    &full,
                    self.schema,
                    &PrivacyOptions::default(),
                )?;
                write_json(
                    &json,
                    &QualityCell {
                        fidelity,
                        detection,
                        privacy,
                    },
                )?;
            }
        }
        Ok(true)
    }
}

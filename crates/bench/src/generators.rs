//! The generators of one data set: their run configs loaded, named, and checked to describe the
//! same data; and each one's training budget on a replicate's rows.

use std::path::Path;

use synthkit_models::Budget;
use synthkit_runs::RunConfig;

use crate::config::{BenchConfig, BenchDataset};
use crate::error::{BenchError, BenchResult, WithContext};
use crate::plan::Level;

/// One generator of a data set, with its config resolved.
#[derive(Clone, Debug)]
pub struct Generator {
    /// Its name in the bench: its model kind, or its config's file stem when a data set has two
    /// generators of one kind.
    pub name: String,
    /// Its run config, with the bench's `device` applied.
    pub config: RunConfig,
    /// The levels it trains at (`None`: every level).
    pub levels: Option<Vec<Level>>,
}

impl Generator {
    /// Whether it trains at `level`.
    pub fn active(&self, level: Level) -> bool {
        self.levels.as_ref().is_none_or(|l| l.contains(&level))
    }

    /// Its config for training on `rows` rows under the bench's equal budget `epochs`: `epochs`
    /// passes over the rows for every generator (epoch-counted models train `epochs` epochs,
    /// step-counted ones `ceil(epochs · rows / min(batch, rows))` steps; a closed-form model
    /// is left as it is). `None` keeps the config's own schedule.
    ///
    /// # Errors
    /// The budget makes an invalid config.
    pub fn budgeted(&self, epochs: Option<usize>, rows: usize) -> BenchResult<RunConfig> {
        let mut config = self.config.clone();
        let Some(e) = epochs else {
            return Ok(config);
        };
        let budget = match config.model.budget() {
            Budget::Epochs(_) => Budget::Epochs(e),
            Budget::Steps(_) => {
                let batch = config.model.batch_size().clamp(1, rows.max(1));
                Budget::Steps((e * rows).div_ceil(batch).max(1))
            }
            Budget::Closed => return Ok(config),
        };
        config
            .model
            .set_budget(budget)
            .with_context(|| "the bench's `epochs`".to_string())?;
        Ok(config)
    }
}

/// Loads the generators of `d`; the bench's `device` replaces every config's. `needs_test`:
/// the first config must name a test table (the bench; `augment` never reads one).
///
/// # Errors
/// An invalid run config, two generators of one name, a first config without rare class (or
/// test table when `needs_test`), configs naming different data.
pub fn load_generators(
    d: &BenchDataset,
    cfg: &BenchConfig,
    needs_test: bool,
) -> BenchResult<Vec<Generator>> {
    // (config path, config, levels, given name)
    type Loaded<'a> = (&'a Path, RunConfig, Option<Vec<Level>>, Option<&'a str>);
    let mut loaded: Vec<Loaded<'_>> = Vec::new();
    for entry in &d.generators {
        let path = entry.path();
        let mut config = RunConfig::load(path)?;
        if let Some(dev) = cfg.device {
            config.train.device = dev;
        }
        loaded.push((
            path,
            config,
            entry.levels().map(<[Level]>::to_vec),
            entry.name(),
        ));
    }
    let mut gens: Vec<Generator> = Vec::new();
    for (path, config, levels, given) in &loaded {
        let kind = config.model.kind();
        let same_kind = loaded
            .iter()
            .filter(|(_, c, _, _)| c.model.kind() == kind)
            .count();
        let name = if let Some(n) = given {
            n.to_string()
        } else if same_kind > 1 {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| kind.to_string())
        } else {
            kind.to_string()
        };
        if gens.iter().any(|g| g.name == name) {
            return Err(BenchError::DuplicateGenerator {
                name,
                path: path.to_path_buf(),
                dataset: d.name.clone(),
            });
        }
        gens.push(Generator {
            name,
            config: config.clone(),
            levels: levels.clone(),
        });
    }
    let first = &gens[0].config.data;
    if first.target.is_none() || first.positive.is_none() || (needs_test && first.test.is_none()) {
        return Err(BenchError::NoRareClass {
            path: d.generators[0].path().to_path_buf(),
        });
    }
    for (g, entry) in gens.iter().zip(&d.generators).skip(1) {
        let o = &g.config.data;
        if o.train != first.train
            || o.test != first.test
            || o.target != first.target
            || o.positive != first.positive
        {
            return Err(BenchError::MixedData {
                path: entry.path().to_path_buf(),
                first: d.generators[0].path().to_path_buf(),
            });
        }
    }
    Ok(gens)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use synthkit_models::Budget::{self, Closed, Epochs, Steps};

    use super::*;

    /// Without `epochs` every generator keeps its paper schedule; with it, each trains that
    /// many passes over its rows: CTGAN `epochs` epochs, TabDDPM (batch 4096) the steps that
    /// visit as many rows, the copula stays closed-form.
    #[test]
    fn an_equal_budget_is_the_same_passes_over_the_rows_for_every_generator() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let d = BenchDataset {
            name: "ai4i".into(),
            generators: vec![
                root.join("configs/ai4i.toml").into(), // CTGAN, 300 epochs
                root.join("configs/ai4i-tabddpm.toml").into(), // TabDDPM, 1000 steps
                root.join("configs/ai4i-copula.toml").into(), // closed form
            ],
            scarcity: None,
            replicates: None,
        };
        let cfg: BenchConfig =
            toml::from_str("[[datasets]]\nname = \"ai4i\"\ngenerators = [\"x\"]\n").unwrap();
        let gens = load_generators(&d, &cfg, true).unwrap();
        let budgets = |epochs: Option<usize>, rows: usize| -> Vec<Budget> {
            gens.iter()
                .map(|g| g.budgeted(epochs, rows).unwrap().model.budget())
                .collect()
        };
        assert_eq!(budgets(None, 5250), vec![Epochs(300), Steps(1000), Closed]);
        // 50 passes over 5250 rows with batches of 4096: ceil(262500 / 4096) = 65 steps.
        assert_eq!(budgets(Some(50), 5250), vec![Epochs(50), Steps(65), Closed]);
        // Fewer rows than a batch: one batch is all the rows, so a step is a pass.
        assert_eq!(budgets(Some(50), 1000), vec![Epochs(50), Steps(50), Closed]);
    }
}

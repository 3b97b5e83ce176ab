//! The generators of one data set: their run configs loaded, capped by the bench's `epochs`,
//! named, and checked to describe the same data.

use std::path::PathBuf;

use synthkit_models::Budget;
use synthkit_runs::RunConfig;

use crate::config::{BenchConfig, BenchDataset};
use crate::error::{BenchError, BenchResult, WithContext};

/// One generator of a data set, with its config resolved.
#[derive(Clone, Debug)]
pub struct Generator {
    /// Its name in the bench: its model kind, or its config's file stem when a data set has two
    /// generators of one kind.
    pub name: String,
    /// Its run config, with the bench's `epochs` cap and `device` applied.
    pub config: RunConfig,
}

/// Loads the generators of `d`. The bench's `epochs` cap shortens epoch-counted models (CTGAN,
/// TVAE) that train longer and leaves step-counted (TabDDPM) and closed-form (copula) models
/// as their configs say; the bench's `device` replaces every config's.
///
/// # Errors
/// An invalid run config, two generators of one name, a first config without rare class or
/// test table, configs naming different data.
pub fn load_generators(d: &BenchDataset, cfg: &BenchConfig) -> BenchResult<Vec<Generator>> {
    let mut loaded: Vec<(&PathBuf, RunConfig)> = Vec::new();
    for path in &d.generators {
        let mut config = RunConfig::load(path)?;
        if let (Some(cap), Budget::Epochs(e)) = (cfg.epochs, config.model.budget())
            && cap < e
        {
            config
                .model
                .set_budget(Budget::Epochs(cap))
                .with_context(|| "bench `epochs`".to_string())?;
        }
        if let Some(dev) = cfg.device {
            config.train.device = dev;
        }
        loaded.push((path, config));
    }
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
            return Err(BenchError::DuplicateGenerator {
                name,
                path: path.to_path_buf(),
                dataset: d.name.clone(),
            });
        }
        gens.push(Generator {
            name,
            config: config.clone(),
        });
    }
    let first = &gens[0].config.data;
    if first.target.is_none() || first.positive.is_none() || first.test.is_none() {
        return Err(BenchError::NoRareClass {
            path: d.generators[0].clone(),
        });
    }
    for (g, path) in gens.iter().zip(&d.generators).skip(1) {
        let o = &g.config.data;
        if o.train != first.train
            || o.test != first.test
            || o.target != first.target
            || o.positive != first.positive
        {
            return Err(BenchError::MixedData {
                path: path.clone(),
                first: d.generators[0].clone(),
            });
        }
    }
    Ok(gens)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use synthkit_models::Budget::{self, Epochs, Steps};

    use super::*;
    use crate::config::UtilitySection;

    #[test]
    fn bench_epochs_cut_longer_schedules_and_keep_shorter_ones() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let d = BenchDataset {
            name: "ai4i".into(),
            generators: vec![
                root.join("configs/ai4i.toml"),         // CTGAN, 300 epochs
                root.join("configs/ai4i-tabddpm.toml"), // TabDDPM, 1000 steps
            ],
        };
        let budgets = |cap: Option<usize>| -> Vec<Budget> {
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
        assert_eq!(budgets(None), vec![Epochs(300), Steps(1000)]);
        assert_eq!(budgets(Some(50)), vec![Epochs(50), Steps(1000)]);
        assert_eq!(budgets(Some(5)), vec![Epochs(5), Steps(1000)]);
        assert_eq!(budgets(Some(500)), vec![Epochs(300), Steps(1000)]);
    }
}

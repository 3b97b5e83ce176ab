//! `synthkit fit`: load, type, transform, train, save a tabular model into a run directory.

use std::path::Path;
use std::time::Instant;

use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_data::io::write_atomic;
use synthkit_data::schema::ensure_class_present;
use synthkit_models::Budget;
use synthkit_train::{DeviceChoice, FittedModel, TrainOptions};

use crate::config::RunConfig;
use crate::error::{RunError, RunResult, WithContext};
use crate::record::FitRecord;

/// The switches of a fit that are not part of its config (`--resume`, `--force`, `--quiet`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FitSwitches {
    /// Continue from the newest checkpoint in `<run>/checkpoints`.
    pub resume: bool,
    /// Replace an existing trained model in the run directory (and start over, deleting an
    /// earlier run's checkpoints, unless `resume`).
    pub force: bool,
    /// Hide the progress bars.
    pub quiet: bool,
}

/// Checks the checkpoint directory of a run before training starts. Resuming uses it as it
/// is. A fresh run refuses to start over checkpoints of an earlier run (that would silently
/// drop its progress, or leave a later `--resume` picking up a checkpoint of another run)
/// unless `force`, which removes them.
///
/// # Errors
/// [`RunError::StaleCheckpoints`] for a fresh run over old checkpoints without `force`; an
/// unreadable or unremovable directory.
pub fn prepare_checkpoints(dir: &Path, resume: bool, force: bool) -> RunResult<()> {
    let has_any = synthkit_train::newest_checkpoint(dir)
        .with_context(|| format!("reading `{}`", dir.display()))?
        .is_some();
    if resume || !has_any {
        return Ok(());
    }
    if !force {
        return Err(RunError::StaleCheckpoints {
            path: dir.to_path_buf(),
        });
    }
    std::fs::remove_dir_all(dir).map_err(|source| RunError::RemoveDir {
        path: dir.to_path_buf(),
        source,
    })?;
    tracing::info!(dir = %dir.display(), "removed the checkpoints of the earlier run (--force)");
    Ok(())
}

/// Refuses to fit into `out` if it already holds a trained model, unless `force`.
///
/// # Errors
/// [`RunError::ModelExists`].
pub(crate) fn refuse_existing_model(out: &Path, force: bool) -> RunResult<()> {
    let model_path = out.join("model");
    if model_path.exists() && !force {
        return Err(RunError::ModelExists { path: model_path });
    }
    Ok(())
}

/// Creates the run directory `out` and checks its checkpoints ([`prepare_checkpoints`]).
pub(crate) fn prepare_run_dir(out: &Path, switches: &FitSwitches) -> RunResult<()> {
    std::fs::create_dir_all(out).map_err(|source| RunError::CreateDir {
        path: out.to_path_buf(),
        source,
    })?;
    prepare_checkpoints(&out.join("checkpoints"), switches.resume, switches.force)
}

/// The training options of a run in `out` on `device` with `seed`, checkpointing every
/// `checkpoint_every` blocks (0 = never).
pub(crate) fn train_options(
    device: DeviceChoice,
    seed: u64,
    checkpoint_every: usize,
    out: &Path,
    switches: &FitSwitches,
) -> TrainOptions {
    TrainOptions {
        device,
        seed,
        checkpoint_every: (checkpoint_every > 0).then_some(checkpoint_every),
        checkpoint_dir: Some(out.join("checkpoints")),
        resume: switches.resume,
        progress: !switches.quiet,
        max_blocks_this_run: None,
    }
}

/// Writes the config a run was trained with to `<out>/config.resolved.toml`.
pub(crate) fn write_resolved<T: serde::Serialize>(out: &Path, cfg: &T) -> RunResult<()> {
    let resolved = toml::to_string_pretty(cfg).map_err(|e| RunError::Serialize {
        what: "the resolved config",
        source: Box::new(e),
    })?;
    write_atomic(&out.join("config.resolved.toml"), true, |f| {
        std::io::Write::write_all(f, resolved.as_bytes())
    })?;
    Ok(())
}

/// Where the training table of a fit came from, as its error messages name it.
#[derive(Clone, Copy, Debug)]
pub enum TrainTable<'a> {
    /// A file read from `[data] train` (`synthkit fit`).
    File(&'a Path),
    /// A table handed over in memory, described in words (e.g. `the DataFrame passed to
    /// fit()`).
    Frame(&'a str),
}

impl TrainTable<'_> {
    /// The table as the context of an error names it (`` `datasets/x/train.csv` ``).
    fn name(&self) -> String {
        match self {
            Self::File(p) => format!("`{}`", p.display()),
            Self::Frame(what) => (*what).to_string(),
        }
    }

    /// The table as a missing-class error names it (`` the training file `…` ``).
    fn whole(&self) -> String {
        match self {
            Self::File(p) => format!("the training file `{}`", p.display()),
            Self::Frame(what) => (*what).to_string(),
        }
    }
}

/// Types the columns of the training table `df`, checks the rare class, fits the transform and
/// trains `cfg`'s model with `opts`: the in-memory part of [`fit`], which writes nothing but the
/// checkpoints `opts` asks for. `cfg.data.train` and `rare_train` are not read (the table is
/// `df`); its column typing, target and positive class are. The record's `load_seconds` counts
/// typing and the class check only.
///
/// # Errors
/// Untypable data, an absent rare class, a transform or training failure; messages name the
/// table as `table` says.
pub fn fit_model(
    cfg: &RunConfig,
    df: &DataFrame,
    table: TrainTable<'_>,
    opts: &TrainOptions,
) -> RunResult<(FittedModel, FitRecord)> {
    let t0 = Instant::now();
    let schema = Schema::infer(df, &cfg.data.schema_options())
        .with_context(|| format!("typing the columns of {}", table.name()))?;
    if let (Some(target), Some(positive)) = (&cfg.data.target, &cfg.data.positive) {
        let n = ensure_class_present(df, target, positive, &table.whole())?;
        tracing::info!(target = %target, positive = %positive, rows = n, "rare class");
    }
    let load_seconds = t0.elapsed().as_secs_f64();

    let t1 = Instant::now();
    let transformer = cfg
        .transform
        .fit(df, &schema)
        .with_context(|| format!("fitting the transform of {}", table.name()))?;
    let transformer_fit_seconds = t1.elapsed().as_secs_f64();
    tracing::info!(
        seconds = transformer_fit_seconds,
        dim = transformer.layout().dim(),
        "transformer fitted"
    );

    let t2 = Instant::now();
    let matrix = transformer.transform(df, cfg.train.seed)?;
    let transform_seconds = t2.elapsed().as_secs_f64();

    let t3 = Instant::now();
    let per_column: Vec<(String, f64)> = transformer
        .columns()
        .iter()
        .zip(transformer.fit_seconds())
        .map(|(c, s)| (c.name.clone(), *s))
        .collect();
    let (rows, encoded_dim, cond_dim) = (
        matrix.rows(),
        transformer.layout().dim(),
        transformer.layout().cond_dim(),
    );
    let model = synthkit_train::fit(&cfg.model, transformer, &matrix, opts)?;
    let train_seconds = t3.elapsed().as_secs_f64();
    let record = FitRecord {
        rows,
        encoded_dim,
        cond_dim,
        load_seconds,
        transformer_fit_seconds,
        transformer_fit_seconds_per_column: per_column,
        transform_seconds,
        train_seconds,
        epochs: model.losses().len(),
        steps: match cfg.model.budget() {
            Budget::Steps(s) => Some(s),
            _ => None,
        },
        device: cfg.train.device.to_string(),
    };
    Ok((model, record))
}

/// [`fit`] on a table already in memory: the model in `<out>/model`, the resolved config,
/// checkpoints and `<out>/fit.json`, whose record is returned. `cfg.data.train` and
/// `rare_train` are not read (see [`fit_model`]); `table` names `df` in error messages.
///
/// # Errors
/// As [`fit`], but for reading the file.
pub fn fit_frame(
    cfg: &RunConfig,
    df: &DataFrame,
    table: TrainTable<'_>,
    out: &Path,
    switches: &FitSwitches,
) -> RunResult<FitRecord> {
    refuse_existing_model(out, switches.force)?;
    prepare_run_dir(out, switches)?;
    fit_into(cfg, df, table, out, switches, 0.0)
}

/// The run-directory part of [`fit`] and [`fit_frame`], after the directory is checked:
/// train, save the model, the resolved config and `fit.json` (`read_seconds`, the time taken
/// to read the table, is added to the record's `load_seconds`).
fn fit_into(
    cfg: &RunConfig,
    df: &DataFrame,
    table: TrainTable<'_>,
    out: &Path,
    switches: &FitSwitches,
    read_seconds: f64,
) -> RunResult<FitRecord> {
    let t = &cfg.train;
    let opts = train_options(t.device, t.seed, t.checkpoint_every, out, switches);
    let (model, mut record) = fit_model(cfg, df, table, &opts)?;
    record.load_seconds += read_seconds;

    let model_path = out.join("model");
    model.save(&model_path, switches.force)?;
    write_resolved(out, cfg)?;
    record.write(out)?;
    tracing::info!(
        model = %model_path.display(),
        transformer_s = format!("{:.2}", record.transformer_fit_seconds),
        train_s = format!("{:.1}", record.train_seconds),
        "model saved"
    );
    Ok(record)
}

/// Runs the whole fit of `cfg` into the run directory `out`: the model in `<out>/model`, the
/// resolved config, checkpoints, and `<out>/fit.json`, whose record is returned.
///
/// # Errors
/// An existing model without `force`, checkpoints of an earlier run, unreadable or untypable
/// data, an absent rare class, a transform or training failure.
pub fn fit(cfg: &RunConfig, out: &Path, switches: &FitSwitches) -> RunResult<FitRecord> {
    refuse_existing_model(out, switches.force)?;
    prepare_run_dir(out, switches)?;

    let t0 = Instant::now();
    let df = cfg.data.read_train()?;
    let read_seconds = t0.elapsed().as_secs_f64();
    fit_into(
        cfg,
        &df,
        TrainTable::File(&cfg.data.train),
        out,
        switches,
        read_seconds,
    )
}

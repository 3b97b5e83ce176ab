//! Run directories: where a run goes when the config does not say (`runs/<config stem>`), where
//! its model is (`<run>/model`), and loading that model, for tabular models and TimeGAN alike.

use std::path::{Path, PathBuf};

use synthkit_train::{DeviceChoice, FittedModel, FittedTimeGan, TrainResult};

use crate::error::{RunError, RunResult};

/// The run directory of a config: `configured` (its `[train] out`), or `runs/<config stem>`.
pub fn out_dir(configured: Option<&Path>, config_path: &Path) -> PathBuf {
    configured.map(Path::to_path_buf).unwrap_or_else(|| {
        let stem = config_path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned());
        PathBuf::from("runs").join(stem.unwrap_or_else(|| "run".into()))
    })
}

/// A fitted model that lives in a run directory's `model/`.
pub trait RunModel: Sized {
    /// What the model is called in messages (`model`, `TimeGAN`).
    const NAME: &'static str;
    /// The command that trains one (`synthkit fit`).
    const FIT_COMMAND: &'static str;

    /// Loads the model saved in `dir` onto `device`.
    ///
    /// # Errors
    /// A missing, damaged or foreign model file.
    fn load_from(dir: &Path, device: DeviceChoice) -> TrainResult<Self>;
}

impl RunModel for FittedModel {
    const NAME: &'static str = "model";
    const FIT_COMMAND: &'static str = "synthkit fit";

    fn load_from(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        FittedModel::load(dir, device)
    }
}

impl RunModel for FittedTimeGan {
    const NAME: &'static str = "TimeGAN";
    const FIT_COMMAND: &'static str = "synthkit series fit";

    fn load_from(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        FittedTimeGan::load(dir, device)
    }
}

/// The model directory inside a run directory (`<run>/model`), or `dir` itself if it holds a
/// model.
///
/// # Errors
/// [`RunError::NoRun`] if `dir` does not exist, [`RunError::NoModel`] if neither it nor its
/// `model/` holds a `model.json`; both name the command that trains one.
pub fn model_dir<M: RunModel>(dir: &Path) -> RunResult<PathBuf> {
    for d in [dir.join("model"), dir.to_path_buf()] {
        if d.join("model.json").exists() {
            return Ok(d);
        }
    }
    if !dir.exists() {
        return Err(RunError::NoRun {
            path: dir.to_path_buf(),
            fit_command: M::FIT_COMMAND,
        });
    }
    Err(RunError::NoModel {
        path: dir.to_path_buf(),
        model: M::NAME,
        fit_command: M::FIT_COMMAND,
    })
}

/// Loads the fitted model of the run directory `run` (or of the model directory `run`) onto
/// `device`; returns it with the model directory it came from.
///
/// # Errors
/// No model there ([`model_dir`]), or one that cannot be loaded ([`RunError::LoadModel`]).
pub fn load_model<M: RunModel>(run: &Path, device: DeviceChoice) -> RunResult<(M, PathBuf)> {
    let dir = model_dir::<M>(run)?;
    match M::load_from(&dir, device) {
        Ok(m) => Ok((m, dir)),
        Err(source) => Err(RunError::LoadModel {
            path: dir,
            source: Box::new(source),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_without_a_model_names_the_command_that_trains_one() {
        let tmp = tempfile::tempdir().unwrap();
        let absent = tmp.path().join("absent");
        let err = model_dir::<FittedModel>(&absent).unwrap_err().to_string();
        assert!(err.contains("does not exist") && err.contains("`synthkit fit --config"));
        let err = model_dir::<FittedTimeGan>(tmp.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("no trained TimeGAN") && err.contains("`synthkit series fit`"));
        std::fs::create_dir_all(tmp.path().join("model")).unwrap();
        std::fs::write(tmp.path().join("model/model.json"), "{}").unwrap();
        assert_eq!(
            model_dir::<FittedModel>(tmp.path()).unwrap(),
            tmp.path().join("model")
        );
    }

    #[test]
    fn the_run_directory_defaults_to_runs_and_the_config_stem() {
        let cfg = Path::new("configs/ai4i-tvae.toml");
        assert_eq!(out_dir(None, cfg), PathBuf::from("runs/ai4i-tvae"));
        assert_eq!(out_dir(Some(Path::new("x")), cfg), PathBuf::from("x"));
    }
}

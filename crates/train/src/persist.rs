//! Saving and loading: weights files (burn records) and model directories written atomically
//! (every model's `save` goes through [`write_model_dir`]).

use std::path::{Path, PathBuf};

use burn::prelude::*;

use crate::error::{TrainError, TrainResult};
use crate::options::splitmix;

/// Writes `module`'s weights to `path` (a burn `ModuleRecord`).
pub(crate) fn save_weights<M: Module + Clone>(module: &M, path: &Path) -> TrainResult<()> {
    module
        .clone()
        .into_record()
        .save(path)
        .map_err(|e| TrainError::record(path, e))
}

/// Returns `module` with the weights stored at `path` (written by [`save_weights`]).
pub(crate) fn load_weights<M: Module + Clone>(module: &M, path: &Path) -> TrainResult<M> {
    let rec = burn::store::ModuleRecord::load(path).map_err(|e| TrainError::record(path, e))?;
    module
        .clone()
        .try_load_record(rec)
        .map_err(|e| TrainError::record(path, e))
}

/// SplitMix64 chained over `seed` and the bits of `values`: the data fingerprint that
/// checkpoints are checked against.
pub(crate) fn hash_f32s<'a>(seed: u64, values: impl IntoIterator<Item = &'a f32>) -> u64 {
    values
        .into_iter()
        .fold(splitmix(seed), |h, x| splitmix(h ^ u64::from(x.to_bits())))
}

fn unique() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Writes a model directory: `write` fills a temporary sibling directory, which is then renamed
/// to `dir`, so a crash never leaves a half-written model. An existing `dir` is refused unless
/// `overwrite`, in which case it is replaced (moved aside, the new one renamed in, the old one
/// removed).
///
/// # Errors
/// [`TrainError::Exists`], or what `write` and the file system return.
pub(crate) fn write_model_dir(
    dir: &Path,
    overwrite: bool,
    write: impl FnOnce(&Path) -> TrainResult<()>,
) -> TrainResult<()> {
    if dir.exists() && !overwrite {
        return Err(TrainError::Exists {
            path: dir.to_path_buf(),
        });
    }
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| TrainError::io(&parent, e))?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let tmp = parent.join(format!(".{name}.tmp-{}-{}", std::process::id(), unique()));
    std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    let res = write(&tmp).and_then(|()| {
        if dir.exists() {
            let old = parent.join(format!(".{name}.old-{}-{}", std::process::id(), unique()));
            std::fs::rename(dir, &old).map_err(|e| TrainError::io(dir, e))?;
            std::fs::rename(&tmp, dir).map_err(|e| TrainError::io(dir, e))?;
            std::fs::remove_dir_all(&old).map_err(|e| TrainError::io(&old, e))
        } else {
            std::fs::rename(&tmp, dir).map_err(|e| TrainError::io(dir, e))
        }
    });
    if res.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    res
}

/// Writes `value` as pretty JSON to `path`.
pub(crate) fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> TrainResult<()> {
    let json = serde_json::to_vec_pretty(value).expect("model files serialise");
    std::fs::write(path, json).map_err(|e| TrainError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_dirs_are_refused_replaced_and_never_half_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("m");
        write_model_dir(&dir, false, |d| {
            std::fs::write(d.join("a"), "1").map_err(|e| TrainError::io(d, e))
        })
        .unwrap();
        let e = write_model_dir(&dir, false, |_| Ok(())).unwrap_err();
        assert!(matches!(e, TrainError::Exists { .. }), "{e}");
        // A failing writer leaves the old directory as it was and no temporary behind.
        let e = write_model_dir(&dir, true, |_| Err(TrainError::EmptyData)).unwrap_err();
        assert!(matches!(e, TrainError::EmptyData));
        assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1");
        assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
        write_model_dir(&dir, true, |d| {
            std::fs::write(d.join("b"), "2").map_err(|e| TrainError::io(d, e))
        })
        .unwrap();
        assert!(!dir.join("a").exists() && dir.join("b").exists());
    }
}

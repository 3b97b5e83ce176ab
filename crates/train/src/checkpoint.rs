//! Checkpoint directories: `root/block-N/` holds a model's weights and optimiser states after
//! N training blocks, plus `state.json` (written last, so a directory with it is complete).
//! Written into a temporary sibling and renamed into place, so a crash never leaves a
//! half-written checkpoint that [`newest_checkpoint`] would pick.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{TrainError, TrainResult};

/// The directory of the checkpoint after `blocks` blocks.
fn dir_name(blocks: usize) -> String {
    format!("block-{blocks}")
}

/// Every `block-N` directory under `dir` (complete or not), unordered; none when `dir` does not
/// exist.
pub(crate) fn checkpoint_dirs(dir: &Path) -> TrainResult<Vec<(usize, PathBuf)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| TrainError::io(dir, e))? {
        let entry = entry.map_err(|e| TrainError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(n) = name
            .strip_prefix("block-")
            .and_then(|s| s.parse::<usize>().ok())
        {
            found.push((n, entry.path()));
        }
    }
    Ok(found)
}

/// The newest complete (`state.json` written) `block-N` directory under `dir`, if any.
pub fn newest_checkpoint(dir: &Path) -> TrainResult<Option<(usize, PathBuf)>> {
    Ok(checkpoint_dirs(dir)?
        .into_iter()
        .filter(|(_, p)| p.join("state.json").exists())
        .max_by_key(|(n, _)| *n))
}

/// Writes checkpoint `root/block-{blocks}/`: `save` fills a temporary sibling directory,
/// `state` goes to its `state.json` (last), and the directory is renamed into place.
pub(crate) fn write_checkpoint_dir<S: Serialize>(
    root: &Path,
    blocks: usize,
    state: &S,
    save: impl FnOnce(&Path) -> TrainResult<()>,
) -> TrainResult<()> {
    std::fs::create_dir_all(root).map_err(|e| TrainError::io(root, e))?;
    let final_dir = root.join(dir_name(blocks));
    let tmp = root.join(format!(".{}.tmp-{}", dir_name(blocks), std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    }
    std::fs::create_dir_all(&tmp).map_err(|e| TrainError::io(&tmp, e))?;
    save(&tmp)?;
    let json = serde_json::to_vec_pretty(state).expect("checkpoint state serialises");
    let p = tmp.join("state.json");
    std::fs::write(&p, json).map_err(|e| TrainError::io(&p, e))?;
    if final_dir.exists() {
        std::fs::remove_dir_all(&final_dir).map_err(|e| TrainError::io(&final_dir, e))?;
    }
    std::fs::rename(&tmp, &final_dir).map_err(|e| TrainError::io(&final_dir, e))?;
    tracing::debug!(blocks, dir = %final_dir.display(), "checkpoint written");
    Ok(())
}

/// Reads `dir/state.json` of a checkpoint.
pub(crate) fn read_state<S: serde::de::DeserializeOwned>(dir: &Path) -> TrainResult<S> {
    let p = dir.join("state.json");
    let bytes = std::fs::read(&p).map_err(|e| TrainError::io(&p, e))?;
    serde_json::from_slice(&bytes).map_err(|e| TrainError::BadModelDir {
        path: dir.to_path_buf(),
        reason: format!("state.json: {e}"),
    })
}

/// Removes all but the newest `keep` `block-N` checkpoints under `root`.
pub(crate) fn prune_checkpoints(root: &Path, keep: usize) -> TrainResult<()> {
    let mut found = checkpoint_dirs(root)?;
    found.sort_unstable_by_key(|(n, _)| std::cmp::Reverse(*n));
    for (_, dir) in found.into_iter().skip(keep) {
        std::fs::remove_dir_all(&dir).map_err(|e| TrainError::io(&dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_complete_checkpoint_wins_and_pruning_keeps_the_newest() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("ck");
        assert!(newest_checkpoint(&root).unwrap().is_none());
        for n in [1, 2, 5, 10] {
            write_checkpoint_dir(&root, n, &n, |_| Ok(())).unwrap();
        }
        // A directory without state.json (a crash mid-write) is never picked.
        std::fs::create_dir_all(root.join("block-11")).unwrap();
        let (n, dir) = newest_checkpoint(&root).unwrap().unwrap();
        assert_eq!(
            (n, dir.file_name().unwrap().to_str().unwrap()),
            (10, "block-10")
        );
        assert_eq!(read_state::<usize>(&dir).unwrap(), 10);
        prune_checkpoints(&root, 2).unwrap();
        let mut left: Vec<usize> = checkpoint_dirs(&root)
            .unwrap()
            .iter()
            .map(|d| d.0)
            .collect();
        left.sort_unstable();
        assert_eq!(left, vec![10, 11]);
    }
}

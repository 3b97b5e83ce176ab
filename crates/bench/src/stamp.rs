//! Settings stamps: a file that records the settings a results directory was made with, so that
//! a resumed bench refuses to mix cells made with other settings.

use std::path::Path;

use synthkit_data::io::write_atomic;
use synthkit_runs::RunError;

use crate::error::{BenchError, BenchResult};

/// Writes `text` to `path` the first time; later, refuses to go on if the stored text, after
/// `normalise`, differs.
///
/// # Errors
/// [`BenchError::SettingsChanged`] naming the results directory `dir` and the stamp.
pub fn check_stamp(
    path: &Path,
    text: &str,
    dir: &Path,
    normalise: impl Fn(&str) -> Option<String>,
) -> BenchResult<()> {
    if path.exists() {
        let old = std::fs::read_to_string(path).map_err(|source| RunError::ReadFile {
            path: path.to_path_buf(),
            source,
        })?;
        if normalise(&old).as_deref() != Some(text) {
            return Err(BenchError::SettingsChanged {
                dir: dir.to_path_buf(),
                stamp: path.to_path_buf(),
            });
        }
        return Ok(());
    }
    write_atomic(path, false, |f| {
        std::io::Write::write_all(f, text.as_bytes())
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stamp_is_written_once_and_other_settings_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let stamp = tmp.path().join("bench.resolved.toml");
        let same = |s: &str| Some(s.to_string());
        check_stamp(&stamp, "seeds = 3\n", tmp.path(), same).unwrap();
        check_stamp(&stamp, "seeds = 3\n", tmp.path(), same).unwrap();
        let err = check_stamp(&stamp, "seeds = 2\n", tmp.path(), same).unwrap_err();
        assert!(err.to_string().contains("bench.resolved.toml"), "{err}");
        assert!(err.to_string().contains("start afresh"), "{err}");
    }
}

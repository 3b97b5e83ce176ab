//! The JSON files of a run (`fit.json`, bench cells): written atomically, read back with errors
//! that name the file.

use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;
use synthkit_data::io::write_atomic;

use crate::error::{RunError, RunResult};

/// Writes `value` as pretty JSON to `path`, atomically, replacing an existing file.
///
/// # Errors
/// The file cannot be written.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> RunResult<()> {
    let json = serde_json::to_string_pretty(value).map_err(|e| RunError::Serialize {
        what: "a JSON record",
        source: Box::new(e),
    })?;
    write_atomic(path, true, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    Ok(())
}

/// Reads the JSON file `path` into `T`.
///
/// # Errors
/// [`RunError::ReadFile`] or [`RunError::ParseJson`], naming the file.
pub fn read_json<T: DeserializeOwned>(path: &Path) -> RunResult<T> {
    let text = std::fs::read_to_string(path).map_err(|source| RunError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| RunError::ParseJson {
        path: path.to_path_buf(),
        source,
    })
}

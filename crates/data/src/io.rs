//! Reading tables (CSV, Parquet) through polars, and writing them atomically.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{DataError, DataResult};

/// Number of rows polars looks at to infer column dtypes of a CSV file.
const INFER_SCHEMA_ROWS: usize = 10_000;

/// Reads a CSV (header row, comma-separated, empty cell = missing) or Parquet file.
///
/// The format is chosen by the extension (`.csv`, `.parquet`/`.pq`). Date and timestamp columns in
/// a CSV are recognised (polars' `try_parse_dates`).
pub fn read_table(path: &Path) -> DataResult<DataFrame> {
    if !path.exists() {
        return Err(DataError::FileNotFound {
            path: path.to_path_buf(),
        });
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    let malformed = |e: PolarsError| DataError::Malformed {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let df = match ext.as_str() {
        "csv" => CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(INFER_SCHEMA_ROWS))
            .map_parse_options(|o| o.with_try_parse_dates(true))
            .try_into_reader_with_file_path(Some(path.to_path_buf()))
            .and_then(|r| r.finish())
            .map_err(malformed)?,
        "parquet" | "pq" => {
            let file = File::open(path).map_err(|source| DataError::Io {
                path: path.to_path_buf(),
                source,
            })?;
            ParquetReader::new(file).finish().map_err(malformed)?
        }
        _ => {
            return Err(DataError::UnsupportedFormat {
                path: path.to_path_buf(),
            });
        }
    };
    if df.height() == 0 {
        return Err(DataError::Empty {
            what: format!("`{}`", path.display()),
        });
    }
    Ok(df)
}

/// Writes `df` to `path` (CSV or Parquet by extension) atomically: into a temporary file in the
/// same directory, then renamed over the target. An existing file is refused unless `overwrite`.
pub fn write_table(df: &DataFrame, path: &Path, overwrite: bool) -> DataResult<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "csv" | "parquet" | "pq") {
        return Err(DataError::UnsupportedFormat {
            path: path.to_path_buf(),
        });
    }
    let mut df = df.clone();
    write_atomic(path, overwrite, |file| {
        match ext.as_str() {
            "csv" => CsvWriter::new(file).finish(&mut df),
            _ => ParquetWriter::new(file).finish(&mut df).map(|_| ()),
        }
        .map_err(std::io::Error::other)
    })
}

/// Writes a file atomically with `write`: a temporary file next to `path`, flushed and synced,
/// then renamed. Refuses to replace an existing `path` unless `overwrite`.
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> DataResult<()> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() && !overwrite {
        return Err(DataError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "file exists; pass --force to overwrite it",
            ),
        });
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = File::create(&tmp)?;
        write(&mut file)?;
        file.flush()?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_is_a_clear_error() {
        let e = read_table(Path::new("/nonexistent/x.csv")).unwrap_err();
        assert!(matches!(e, DataError::FileNotFound { .. }));
        assert!(e.to_string().contains("/nonexistent/x.csv"));
    }

    #[test]
    fn atomic_write_refuses_to_overwrite_without_permission() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        write_atomic(&p, false, |f| f.write_all(b"one")).unwrap();
        let e = write_atomic(&p, false, |f| f.write_all(b"two")).unwrap_err();
        assert!(e.to_string().contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "one");
        write_atomic(&p, true, |f| f.write_all(b"two")).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        // No temporary file is left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn csv_and_parquet_round_trip() {
        let df = df!("a" => [1i64, 2, 3], "b" => ["x", "y", "z"]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for name in ["t.csv", "t.parquet"] {
            let p = dir.path().join(name);
            write_table(&df, &p, false).unwrap();
            let back = read_table(&p).unwrap();
            assert!(back.equals(&df), "{name}: {back}");
        }
    }
}

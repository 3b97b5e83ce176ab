//! Reading tables (CSV, Parquet) through polars, and writing them atomically.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use crate::error::{DataError, DataResult};

/// Number of rows polars looks at to infer column dtypes of a CSV file. A value further down
/// that does not fit the inferred dtype makes the read start again with every row looked at.
const INFER_SCHEMA_ROWS: usize = 10_000;

/// Reads a CSV (header row, comma-separated, empty cell = missing) or Parquet file.
///
/// The format is chosen by the extension (`.csv`, `.parquet`/`.pq`). Date and timestamp columns in
/// a CSV are recognised (polars' `try_parse_dates`).
///
/// A CSV is checked before polars parses it, so that each defect is named with its line: an
/// empty file, a header with one column whose name holds `;` or a tab (another delimiter), an
/// empty or repeated column name, a quoted value that is never closed, a line with more fields
/// than the header. Every error names the file.
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
    let df = match ext.as_str() {
        "csv" => read_csv(path)?,
        "parquet" | "pq" => {
            let file = File::open(path).map_err(|error| DataError::Io {
                path: path.to_path_buf(),
                error,
            })?;
            ParquetReader::new(file)
                .finish()
                .map_err(|e| malformed(path, &e))?
        }
        _ => {
            return Err(DataError::UnsupportedFormat {
                path: path.to_path_buf(),
            });
        }
    };
    if df.height() == 0 {
        return Err(DataError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(df)
}

/// A polars error as a [`DataError::Malformed`] of `path`, without polars' advice about its own
/// options (which a synthkit user cannot set) and shortened to one line.
fn malformed(path: &Path, e: &PolarsError) -> DataError {
    let text = e.to_string();
    let mut reason = text.as_str();
    for cut in [
        "\n\nYou might want to try",
        "\n\nConsider setting",
        "\n\nThe current offset",
    ] {
        if let Some(i) = reason.find(cut) {
            reason = &reason[..i];
        }
    }
    DataError::Malformed {
        path: path.to_path_buf(),
        reason: shorten(
            reason
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .trim_end_matches('.'),
            200,
        ),
    }
}

/// `text` cut to at most `max` characters, with `…` where it was cut.
fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        text.chars().take(max).collect::<String>() + "…"
    }
}

fn read_csv(path: &Path) -> DataResult<DataFrame> {
    let bytes = std::fs::read(path).map_err(|error| DataError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    check_csv(path, &scan_csv(&bytes))?;
    let read = |infer: Option<usize>, dates: bool| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(infer)
            .map_parse_options(|o| o.with_try_parse_dates(dates))
            .into_reader_with_file_handle(std::io::Cursor::new(&bytes))
            .finish()
    };
    let typed = |dates: bool| {
        match read(Some(INFER_SCHEMA_ROWS), dates) {
            // A value past the rows polars typed the column on does not fit that type (text in
            // a numeric column, a float in an integer one): read again with every row looked
            // at, so the column gets a type that holds all its values and the typing step can
            // name the offending cell.
            Err(e) if e.to_string().contains("could not parse") => read(None, dates),
            r => r,
        }
        .map_err(|e| malformed(path, &e))
    };
    // Polars tries each of its date and time patterns on every text value it types a column from
    // (half a second on adult's nine text columns): they are looked for only when a text value
    // could match one.
    let df = typed(false)?;
    if text_could_hold_dates(&df) {
        typed(true)
    } else {
        Ok(df)
    }
}

/// Whether a text column of `df` has a value, among the rows polars types columns from, that
/// could be a date, a timestamp or a time: every pattern polars infers them with (polars-time's
/// `patterns.rs`: `%Y-%m-%d`, `%d/%m/%Y %H:%M`, `%Y%m%dT%H%M%S`, `%T`, …) joins two digit fields
/// with `-`, `/`, `.`, `:` or `T`. `9th` or `>50K` cannot be one.
fn text_could_hold_dates(df: &DataFrame) -> bool {
    df.columns().iter().any(|c| {
        c.str().is_ok_and(|s| {
            s.iter().take(INFER_SCHEMA_ROWS).flatten().any(|v| {
                v.as_bytes().windows(3).any(|w| {
                    w[0].is_ascii_digit()
                        && matches!(w[1], b'-' | b'/' | b'.' | b':' | b'T')
                        && w[2].is_ascii_digit()
                })
            })
        })
    })
}

/// What a pass over a CSV file's bytes finds (comma-separated, `"` quotes, `""` inside quotes).
#[derive(Debug, Default)]
struct CsvScan {
    /// Nothing but white space.
    blank: bool,
    /// The fields of the header line, unquoted.
    header: Vec<String>,
    /// The header line as written (shortened).
    header_line: String,
    /// A quoted value still open at the end: (1-based line where it opens, excerpt).
    unterminated: Option<(usize, String)>,
    /// The first record with more fields than the header.
    ragged: Option<Ragged>,
    /// How many records have more fields than the header.
    n_ragged: usize,
}

/// A record with more fields than the header.
#[derive(Debug, Clone, Copy)]
struct Ragged {
    /// 1-based line where it starts.
    line: usize,
    /// Its number of fields.
    fields: usize,
    /// The lines where its quoted value opens and closes, when that spans lines.
    spanned: Option<(usize, usize)>,
}

/// At most 60 characters of the line starting at byte `start`, in backticks.
fn excerpt(bytes: &[u8], start: usize) -> String {
    let end = bytes[start..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| start + i);
    let line = String::from_utf8_lossy(&bytes[start..end]);
    format!("`{}`", shorten(line.trim_end_matches('\r'), 60))
}

/// One pass over the bytes, RFC 4180 style as polars reads them: a `"` opens a quoted value only
/// at the start of a field, `""` inside is a quote, a line break inside quotes belongs to the
/// value. Records that are empty lines are not counted as ragged (polars reads them as a row of
/// missing values).
fn scan_csv(bytes: &[u8]) -> CsvScan {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut scan = CsvScan {
        blank: bytes.iter().all(u8::is_ascii_whitespace),
        ..CsvScan::default()
    };
    if scan.blank {
        return scan;
    }
    let mut line = 1usize;
    let mut line_start = 0usize;
    // The current record.
    let mut record_line = 1usize;
    let mut record_empty = true;
    let mut fields = 1usize;
    let mut in_header = true;
    let mut field = Vec::<u8>::new();
    let mut at_field_start = true;
    let mut in_quotes = false;
    let mut quote_open: Option<(usize, usize)> = None; // (line, byte offset of its line)
    let mut spanned: Option<(usize, usize)> = None;
    let mut i = 0;
    let end_record = |scan: &mut CsvScan,
                      fields: usize,
                      record_line: usize,
                      record_empty: bool,
                      spanned: Option<(usize, usize)>| {
        if !record_empty && !scan.header.is_empty() && fields > scan.header.len() {
            scan.n_ragged += 1;
            if scan.ragged.is_none() {
                scan.ragged = Some(Ragged {
                    line: record_line,
                    fields,
                    spanned,
                });
            }
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        if in_quotes {
            match b {
                b'"' if bytes.get(i + 1) == Some(&b'"') => {
                    field.push(b'"');
                    i += 1;
                }
                b'"' => {
                    in_quotes = false;
                    if let Some((open, _)) = quote_open.take()
                        && open != line
                        && spanned.is_none()
                    {
                        spanned = Some((open, line));
                    }
                }
                b'\n' => {
                    field.push(b);
                    line += 1;
                    line_start = i + 1;
                }
                _ => field.push(b),
            }
            i += 1;
            continue;
        }
        match b {
            b'"' if at_field_start => {
                in_quotes = true;
                quote_open = Some((line, line_start));
                at_field_start = false;
                record_empty = false;
            }
            b',' => {
                fields += 1;
                record_empty = false;
                if in_header {
                    scan.header
                        .push(String::from_utf8_lossy(&field).into_owned());
                }
                field.clear();
                at_field_start = true;
            }
            b'\n' => {
                if in_header {
                    scan.header
                        .push(String::from_utf8_lossy(&field).into_owned());
                    scan.header_line = excerpt(bytes, 0);
                    in_header = false;
                } else {
                    end_record(&mut scan, fields, record_line, record_empty, spanned);
                }
                field.clear();
                fields = 1;
                line += 1;
                line_start = i + 1;
                record_line = line;
                record_empty = true;
                at_field_start = true;
                spanned = None;
            }
            b'\r' => {}
            _ => {
                field.push(b);
                at_field_start = false;
                record_empty = false;
            }
        }
        i += 1;
    }
    if let Some((open, start)) = quote_open.filter(|_| in_quotes) {
        scan.unterminated = Some((open, excerpt(bytes, start)));
    }
    if in_header {
        scan.header
            .push(String::from_utf8_lossy(&field).into_owned());
        scan.header_line = excerpt(bytes, 0);
    } else if !in_quotes {
        end_record(&mut scan, fields, record_line, record_empty, spanned);
    }
    scan
}

/// The defects of a scanned CSV file, as errors naming the file, the line and the fix.
fn check_csv(path: &Path, scan: &CsvScan) -> DataResult<()> {
    let path_buf = || path.to_path_buf();
    if scan.blank {
        return Err(DataError::EmptyFile { path: path_buf() });
    }
    if let [only] = scan.header.as_slice() {
        for (d, delimiter, kind, sep) in [
            (';', "`;`", "semicolon", "';'"),
            ('\t', "a tab", "tab", "'\\t'"),
            ('|', "`|`", "pipe", "'|'"),
        ] {
            if only.contains(d) {
                return Err(DataError::WrongDelimiter {
                    path: path_buf(),
                    delimiter,
                    kind,
                    sep,
                    header: scan.header_line.trim_matches('`').replace('\t', "\\t"),
                });
            }
        }
    }
    let n = scan.header.len();
    for (k, name) in scan.header.iter().enumerate() {
        if name.trim().is_empty() {
            let fix = if k == 0 && n > 1 {
                "name it, or remove the column (an unnamed first column is often the row index pandas writes: save with `to_csv(path, index=False)`)"
            } else if k + 1 == n && n > 1 {
                "name it, or remove the comma at the end of the header line (and the empty last value of each row)"
            } else {
                "give it a name"
            };
            return Err(DataError::UnnamedColumn {
                path: path_buf(),
                position: k + 1,
                fix: fix.into(),
            });
        }
        if let Some(j) = scan.header[..k].iter().position(|h| h == name) {
            return Err(DataError::DuplicateColumn {
                path: path_buf(),
                name: name.clone(),
                first: j + 1,
                second: k + 1,
            });
        }
    }
    if let Some((line, excerpt)) = &scan.unterminated {
        return Err(DataError::UnterminatedQuote {
            path: path_buf(),
            line: *line,
            excerpt: excerpt.clone(),
        });
    }
    if let Some(Ragged {
        line,
        fields,
        spanned,
    }) = scan.ragged
    {
        let others = match scan.n_ragged - 1 {
            0 => String::new(),
            1 => ", and 1 more line has too many fields".into(),
            k => format!(", and {k} more lines have too many fields"),
        };
        let quoted = spanned.map_or(String::new(), |(open, close)| {
            format!(
                " (a quoted value opens on line {open} and closes on line {close}, so lines {open} to {close} read as one row: is a `\"` missing or stray?)"
            )
        });
        return Err(DataError::RaggedRow {
            path: path_buf(),
            line,
            fields,
            expected: n,
            others,
            quoted,
        });
    }
    Ok(())
}

/// Writes `df` to `path` (CSV or Parquet by extension) atomically: into a temporary file in the
/// same directory, then renamed over the target. An existing file is refused unless `overwrite`.
pub fn write_table(df: &DataFrame, path: &Path, overwrite: bool) -> DataResult<()> {
    let ext = table_format(path)?;
    let mut df = df.clone();
    write_atomic(path, overwrite, |file| {
        match ext.as_str() {
            "csv" => CsvWriter::new(file).finish(&mut df),
            _ => ParquetWriter::new(file).finish(&mut df).map(|_| ()),
        }
        .map_err(std::io::Error::other)
    })
}

/// The lower-case extension of a table `path` we can write (`csv`, `parquet`, `pq`).
fn table_format(path: &Path) -> DataResult<String> {
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
    Ok(ext)
}

/// A CSV or Parquet writer that takes a table frame by frame (polars' batched writers).
enum FrameWriter<'f> {
    Csv(polars::io::csv::write::BatchedWriter<&'f mut File>),
    Parquet(Box<polars::io::parquet::write::BatchedWriter<&'f mut File>>),
}

/// Writes the frames `produce` hands to its sink to `path` (CSV or Parquet by the extension),
/// streamed: only the frame being written is held, whatever the total. Atomic and refusing to
/// replace an existing `path` unless `overwrite`, as [`write_atomic`]; the first frame fixes
/// the columns (a CSV header is written even when every frame is empty). Returns the rows
/// written.
///
/// `produce` may call the sink from another thread (it is `Send`). An error of `produce` is
/// returned as it is, and nothing is left at `path`.
///
/// # Errors
/// An unsupported extension, an existing `path` without `overwrite`, a frame whose columns
/// differ from the first one's, an I/O failure (as [`DataError`], converted into `E`), or
/// `produce`'s own error.
pub fn write_table_stream<E: From<DataError>>(
    path: &Path,
    overwrite: bool,
    produce: impl FnOnce(&mut (dyn FnMut(DataFrame) -> DataResult<()> + Send)) -> Result<(), E>,
) -> Result<usize, E> {
    let ext = table_format(path)?;
    let mut failure: Option<E> = None;
    let mut rows = 0usize;
    let written = write_atomic(path, overwrite, |file| {
        let mut writer: Option<FrameWriter<'_>> = None;
        let mut pending = Some(file);
        let polars_err = |e: PolarsError| DataError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::other(e),
        };
        let mut columns: Option<Schema> = None;
        let mut sink = |mut df: DataFrame| -> DataResult<()> {
            match &columns {
                Some(first) if first != df.schema().as_ref() => {
                    return Err(DataError::Io {
                        path: path.to_path_buf(),
                        error: std::io::Error::other(format!(
                            "a frame's columns ({:?}) differ from the first frame's ({:?})",
                            df.get_column_names(),
                            first.iter_names().collect::<Vec<_>>()
                        )),
                    });
                }
                Some(_) => {}
                None => columns = Some(df.schema().as_ref().clone()),
            }
            df.align_chunks_par();
            if writer.is_none() {
                let file = pending.take().expect("one writer per file");
                let schema = df.schema();
                writer = Some(match ext.as_str() {
                    "csv" => {
                        FrameWriter::Csv(CsvWriter::new(file).batched(schema).map_err(polars_err)?)
                    }
                    _ => FrameWriter::Parquet(Box::new(
                        ParquetWriter::new(file)
                            .batched(schema)
                            .map_err(polars_err)?,
                    )),
                });
            }
            rows += df.height();
            match writer.as_mut().expect("set above") {
                FrameWriter::Csv(w) => w.write_batch(&df),
                FrameWriter::Parquet(w) => w.write_batch(&df),
            }
            .map_err(polars_err)
        };
        if let Err(e) = produce(&mut sink) {
            failure = Some(e);
            return Err(std::io::Error::other("the rows could not be produced"));
        }
        match writer {
            Some(FrameWriter::Csv(mut w)) => w.finish().map_err(std::io::Error::other),
            Some(FrameWriter::Parquet(w)) => w.finish().map(|_| ()).map_err(std::io::Error::other),
            None => Err(std::io::Error::other(
                "no frame was produced, not even an empty one",
            )),
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    written?;
    Ok(rows)
}

/// Writes a file atomically with `write`: a temporary file next to `path`, flushed and synced,
/// then renamed. Refuses to replace an existing `path` unless `overwrite`.
pub fn write_atomic(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> DataResult<()> {
    let io = |error| DataError::Io {
        path: path.to_path_buf(),
        error,
    };
    if path.exists() && !overwrite {
        return Err(DataError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::new(
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

    /// Dates and timestamps in a CSV are typed as such, whichever text columns sit beside them;
    /// text with digits that cannot be a date (`7th`), and text without digits, stay text; a
    /// table whose only text cannot hold dates reads the same.
    #[test]
    fn csv_dates_are_recognised_and_other_text_stays_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        let mut text = String::from("day,at,code,word,x\n");
        for i in 0..50 {
            text += &format!(
                "2024-03-{:02},2024-03-01 12:{:02}:00,{i}th,w{},{i}\n",
                i % 28 + 1,
                i % 60,
                ["x", "y"][i % 2]
            );
        }
        std::fs::write(&path, &text).unwrap();
        let df = read_table(&path).unwrap();
        let dtype = |c: &str| df.column(c).unwrap().dtype().clone();
        assert_eq!(dtype("day"), DataType::Date);
        assert!(
            matches!(dtype("at"), DataType::Datetime(..)),
            "{:?}",
            dtype("at")
        );
        assert_eq!(dtype("code"), DataType::String);
        assert_eq!(dtype("word"), DataType::String);
        assert_eq!(dtype("x"), DataType::Int64);
        let plain = dir.path().join("plain.csv");
        let cut: String = text
            .lines()
            .map(|l| l.splitn(3, ',').nth(2).unwrap().to_string() + "\n")
            .collect();
        std::fs::write(&plain, cut).unwrap();
        let p = read_table(&plain).unwrap();
        assert_eq!(p.get_column_names(), ["code", "word", "x"]);
        assert_eq!(p.column("code").unwrap().dtype(), &DataType::String);
        assert_eq!(p, df.select(["code", "word", "x"]).unwrap());
    }

    /// A table streamed in frames is the table written at once (CSV byte for byte, Parquet
    /// read back); an existing file is refused and kept; a failing producer or a frame with
    /// other columns leaves nothing behind.
    #[test]
    fn streamed_tables_are_the_tables_written_at_once() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../datasets/ai4i_machine_failure/train.csv");
        let df = read_table(&path).unwrap().head(Some(1000));
        let dir = tempfile::tempdir().unwrap();
        let frames = |sink: &mut (dyn FnMut(DataFrame) -> DataResult<()> + Send)| {
            for (off, len) in [(0, 400), (400, 0), (400, 600)] {
                sink(df.slice(off, len))?;
            }
            DataResult::Ok(())
        };
        for ext in ["csv", "parquet"] {
            let whole = dir.path().join(format!("whole.{ext}"));
            let streamed = dir.path().join(format!("streamed.{ext}"));
            write_table(&df, &whole, false).unwrap();
            assert_eq!(write_table_stream(&streamed, false, frames).unwrap(), 1000);
            assert!(read_table(&streamed).unwrap().equals_missing(&df), "{ext}");
            if ext == "csv" {
                assert_eq!(
                    std::fs::read(&whole).unwrap(),
                    std::fs::read(&streamed).unwrap()
                );
            }
            let before = std::fs::read(&streamed).unwrap();
            let e = write_table_stream(&streamed, false, frames).unwrap_err();
            assert!(e.to_string().contains("--force"), "{e}");
            assert_eq!(std::fs::read(&streamed).unwrap(), before);
        }
        let failed = dir.path().join("failed.csv");
        let e = write_table_stream(&failed, false, |sink| {
            sink(df.slice(0, 10))?;
            Err(DataError::UnsupportedFormat {
                path: "producer.failed".into(),
            })
        })
        .unwrap_err();
        assert!(e.to_string().contains("producer.failed"), "{e}");
        let other = df.select(["Type"]).unwrap();
        let e = write_table_stream(&failed, false, |sink| {
            sink(df.slice(0, 10))?;
            sink(other.clone())
        })
        .unwrap_err();
        assert!(e.to_string().contains("differ from the first frame"), "{e}");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains("failed"))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
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

//! Broken files meet the reader and the typing as a new user's would: random bytes and random
//! CSV shapes (repeated and empty header names, ragged lines, stray and unclosed quotes, text in
//! numeric columns, huge numbers, empty files) go through `read_table`, `Schema::infer` and
//! `TransformerParams::fit` without a panic, and every failure is an error that says where. Then
//! one test per defect a new user met (issue 22), on the message itself, and every shipped data
//! set still reads and types.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use synthkit_data::io::read_table;
use synthkit_data::{ColumnKind, DataError, Schema, SchemaOptions, TransformerParams};

/// A small, fast transform: the proptests fit many tiny tables.
fn quick_params() -> TransformerParams {
    TransformerParams {
        max_modes: 3,
        max_iter: 5,
        ..TransformerParams::default()
    }
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Reads, types and fits `path` with `opts`; panics (failing the test) on a panic of the code
/// under test or an error that does not say where. Returns the error text, if any.
fn exercise(path: &Path, opts: &SchemaOptions) -> Option<String> {
    let df = match read_table(path) {
        Ok(df) => df,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                msg.contains(&path.display().to_string()),
                "a read error must name the file: {msg}"
            );
            assert!(
                !msg.contains("truncate_ragged_lines"),
                "polars advice: {msg}"
            );
            assert!(
                !msg.contains("You might want to try"),
                "polars advice: {msg}"
            );
            return Some(msg);
        }
    };
    assert!(df.height() > 0, "read_table returned an empty table");
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    // Typing and fitting errors name the column at fault (the caller adds the file: the binary
    // wraps them in "typing the columns of `file`" / "fitting the transform of `file`").
    let names_a_column = |msg: &str| {
        names
            .iter()
            .chain(opts.continuous.iter())
            .chain(opts.target.iter())
            .any(|n| msg.contains(&format!("`{n}`")))
    };
    let schema = match Schema::infer(&df, opts) {
        Ok(s) => s,
        Err(e) => {
            let msg = e.to_string();
            assert!(
                names_a_column(&msg) || matches!(e, DataError::NothingToModel),
                "a typing error must name the column: {msg}"
            );
            return Some(msg);
        }
    };
    match quick_params().fit(&df, &schema) {
        Ok(t) => {
            // A fitted transform also encodes its own table.
            t.transform(&df, 0).unwrap();
            None
        }
        Err(e) => {
            let msg = format!("{e:#}");
            assert!(
                names_a_column(&msg),
                "a fitting error must name the column: {msg}"
            );
            Some(msg)
        }
    }
}

/// One cell of a random CSV.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i64..1000).prop_map(|x| x.to_string()),
        4 => (-1e4f64..1e4).prop_map(|x| format!("{x:.3}")),
        1 => Just(String::new()),
        1 => prop::sample::select(vec![
            "1e308", "-1e308", "1.7976931348623157e308", "1e-320", "inf", "NaN", "-0",
        ])
        .prop_map(str::to_string),
        1 => prop::sample::select(vec!["n/a", "?", "abc", "x y", "NULL", "１２"])
            .prop_map(str::to_string),
        1 => prop::sample::select(vec![
            "\"a, b\"", "\"q\"\"uote\"", "\"open", "mid\"dle", "\"multi\nline\"", "\"\"",
        ])
        .prop_map(str::to_string),
        1 => "[a-c;|\t ]{0,4}",
    ]
}

/// A header name, from a small pool so that repeats happen.
fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(vec!["a", "b", "c", "d", "e", "f"]).prop_map(str::to_string),
        1 => prop::sample::select(vec!["", " ", " a", "a;b", "\"q,r\"", "é"]).prop_map(str::to_string),
    ]
}

/// A random CSV: a header, rows of numeric-looking or text columns with random defects,
/// ragged lines, CRLF or LF, with or without a final line break.
fn csv_text() -> impl Strategy<Value = (String, usize)> {
    (prop::collection::vec(header_name(), 1..6), 0usize..25).prop_flat_map(|(header, n_rows)| {
        let width = header.len();
        let row = prop::collection::vec(cell(), width.saturating_sub(1)..width + 2);
        (
            Just(header),
            prop::collection::vec(row, n_rows),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(header, rows, crlf, final_break)| {
                let nl = if crlf { "\r\n" } else { "\n" };
                let mut text = header.join(",");
                for r in &rows {
                    text.push_str(nl);
                    text.push_str(&r.join(","));
                }
                if final_break {
                    text.push_str(nl);
                }
                (text, header.len())
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "bytes.csv", &bytes);
        exercise(&p, &SchemaOptions::default());
    }

    #[test]
    fn random_csv_shapes_never_panic(
        (text, width) in csv_text(),
        declare in prop::option::of(0usize..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "shape.csv", text.as_bytes());
        exercise(&p, &SchemaOptions::default());
        // The same file with a column declared numeric, as a config would.
        if let Some(k) = declare.filter(|k| *k < width)
            && let Ok(df) = read_table(&p)
        {
            let name = df.get_column_names()[k].to_string();
            exercise(&p, &SchemaOptions { continuous: vec![name], ..SchemaOptions::default() });
        }
    }

    /// A numeric column of many values with a few stray texts is never typed categorical
    /// silently: the error names the column, the first stray text and its line.
    #[test]
    fn stray_text_in_a_numeric_column_is_named(
        values in prop::collection::vec(0.0f64..100.0, 40..120),
        stray in prop::collection::btree_set(0usize..40, 1..3),
        text in prop::sample::select(vec!["n/a", "?", "missing", "12,5"]),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("id,x\n");
        for (i, v) in values.iter().enumerate() {
            if stray.contains(&i) {
                csv.push_str(&format!("{i},\"{text}\"\n"));
            } else {
                csv.push_str(&format!("{i},{v:.4}\n"));
            }
        }
        let p = write(dir.path(), "stray.csv", csv.as_bytes());
        let msg = exercise(&p, &SchemaOptions::default()).expect("an error");
        let first = *stray.iter().next().unwrap();
        prop_assert!(msg.contains("`x`"), "{}", msg);
        prop_assert!(msg.contains(&format!("`{text}` at row {first} (line {}", first + 2)), "{}", msg);
        prop_assert!(msg.contains("empty"), "{}", msg);
    }
}

fn read_err(name: &str, text: &str) -> (String, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), name, text.as_bytes());
    let e = read_table(&p).unwrap_err().to_string();
    assert!(e.contains(&p.display().to_string()), "{e}");
    (e, p, dir)
}

#[test]
fn a_repeated_header_name_is_an_error_naming_both_positions() {
    let (e, ..) = read_err("t.csv", "a,b,c,b\n1,2,3,4\n");
    assert!(e.contains("`b`") && e.contains("columns 2 and 4"), "{e}");
}

#[test]
fn an_unnamed_column_is_an_error_with_the_likely_cause() {
    let (e, ..) = read_err("t.csv", ",a,b\n0,1,2\n1,3,4\n");
    assert!(e.contains("column 1") && e.contains("index=False"), "{e}");
    let (e, ..) = read_err("t.csv", "a,b,\n1,2,\n");
    assert!(
        e.contains("column 3") && e.contains("comma at the end"),
        "{e}"
    );
}

#[test]
fn an_unterminated_quote_names_its_line_with_a_short_excerpt() {
    let mut text = String::from("a,b\n");
    for i in 0..200 {
        if i == 41 {
            text.push_str("\"oops,2\n");
        } else {
            text.push_str(&format!("{i},{i}\n"));
        }
    }
    let (e, ..) = read_err("t.csv", &text);
    assert!(e.contains("line 43") && e.contains("`\"oops,2`"), "{e}");
    assert!(!e.contains('\n'), "one line, not a chunk of the file: {e}");
}

#[test]
fn a_ragged_line_names_the_line_and_the_field_counts() {
    let (e, ..) = read_err("t.csv", "a,b\n1,2\n3,4,5\n6,7\n8,9,10,11\n");
    assert!(
        e.contains("line 3 has 3 fields but the header line has 2"),
        "{e}"
    );
    assert!(e.contains("1 more line"), "{e}");
    assert!(!e.contains("truncate_ragged_lines"), "{e}");
    // A stray quote closed lines later glues lines into one row: said so.
    let (e, ..) = read_err("t.csv", "a,b\n1,\"2\n3,4\n5\",6\n");
    assert!(e.contains("opens on line 2 and closes on line 4"), "{e}");
}

#[test]
fn a_semicolon_or_tab_separated_file_is_recognised() {
    let (e, ..) = read_err("t.csv", "a;b;c\n1;2;3\n");
    assert!(
        e.contains("`;`") && e.contains("semicolon-separated"),
        "{e}"
    );
    let (e, ..) = read_err("t.csv", "a\tb\n1\t2\n");
    assert!(e.contains("a tab") && e.contains("tab-separated"), "{e}");
}

#[test]
fn empty_and_header_only_files_are_named_once() {
    let (e, p, _d) = read_err("t.csv", "a,b\n");
    assert!(e.contains("has no rows"), "{e}");
    assert!(!e.contains("``"), "doubled backticks: {e}");
    assert_eq!(e.matches(&p.display().to_string()).count(), 1, "{e}");
    let (e, ..) = read_err("t.csv", "");
    assert!(e.contains("is empty"), "{e}");
    let (e, ..) = read_err("t.csv", " \n\n");
    assert!(e.contains("is empty"), "{e}");
}

#[test]
fn a_numeric_value_past_the_inference_window_is_typed_not_refused() {
    // 12,000 integers and then a float and a text: polars types the column on the first 10,000
    // rows; the read starts again over all rows instead of failing.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,y\n");
    for i in 0..12_000 {
        text.push_str(&format!("{i},{}\n", i % 7));
    }
    text.push_str("1.5,3\n");
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let df = read_table(&p).unwrap();
    assert_eq!(df.height(), 12_001);
    text.push_str("n/a,3\n");
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let df = read_table(&p).unwrap();
    let e = Schema::infer(&df, &SchemaOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`x`") && e.contains("`n/a` at row 12001 (line 12003"),
        "{e}"
    );
}

#[test]
fn text_in_a_declared_numeric_column_names_the_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,y\n");
    for i in 0..50 {
        text.push_str(&format!("{},{i}\n", if i == 7 { "oops" } else { "1.5" }));
    }
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let df = read_table(&p).unwrap();
    for (opts, kind) in [
        (
            SchemaOptions {
                continuous: vec!["x".into()],
                ..Default::default()
            },
            "continuous",
        ),
        (
            SchemaOptions {
                integer: vec!["x".into()],
                ..Default::default()
            },
            "integer",
        ),
    ] {
        let e = Schema::infer(&df, &opts).unwrap_err().to_string();
        assert!(
            e.contains(&format!("`x` is declared {kind}"))
                && e.contains("`oops` at row 7 (line 9")
                && e.contains("empty"),
            "{e}"
        );
    }
    // Declared categorical, the same column is fine.
    let s = Schema::infer(
        &df,
        &SchemaOptions {
            categorical: vec!["x".into()],
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(s.column("x").unwrap().kind, ColumnKind::Categorical);
}

#[test]
fn a_categorical_column_of_small_codes_and_a_label_stays_categorical() {
    // 0..5 and "other": as numbers it would be categorical anyway, so nothing is reported.
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("code,v\n");
    for i in 0..100 {
        let code = if i % 25 == 0 {
            "other".to_string()
        } else {
            (i % 5).to_string()
        };
        text.push_str(&format!("{code},{}\n", i as f64 * 0.5));
    }
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let df = read_table(&p).unwrap();
    let s = Schema::infer(&df, &SchemaOptions::default()).unwrap();
    assert_eq!(s.column("code").unwrap().kind, ColumnKind::Categorical);
}

#[test]
fn huge_values_are_one_clear_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("x,y\n");
    for i in 0..60 {
        let x = match i {
            5 => "1e308".to_string(),
            6 => "-1e308".to_string(),
            _ => format!("{}", i as f64 * 0.3),
        };
        text.push_str(&format!("{x},{i}\n"));
    }
    let p = write(dir.path(), "t.csv", text.as_bytes());
    let df = read_table(&p).unwrap();
    let schema = Schema::infer(&df, &SchemaOptions::default()).unwrap();
    let e = quick_params().fit(&df, &schema).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("`x`") && msg.contains("`1e308` at row 5 (line 7") && msg.contains("2 value"),
        "{msg}"
    );
    // No sentence twice (the old message printed the mixture's reason twice).
    let sentences: Vec<&str> = msg.split(['.', ';', ':']).map(str::trim).collect();
    for (i, s) in sentences.iter().enumerate() {
        if s.len() > 10 {
            assert!(!sentences[i + 1..].contains(s), "repeated `{s}` in {msg}");
        }
    }
}

#[test]
fn a_configured_name_that_matches_but_for_spaces_or_case_is_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.csv",
        b"Type , Torque [Nm] ,label\nL,1.5,0\nM,2.5,1\nH,3.5,0\n",
    );
    let df = read_table(&p).unwrap();
    let e = Schema::infer(
        &df,
        &SchemaOptions {
            continuous: vec!["Torque [Nm]".into()],
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("`Torque [Nm]` is not in")
            && e.contains("but ` Torque [Nm] ` is")
            && e.contains("spaces"),
        "{e}"
    );
    let e = Schema::infer(
        &df,
        &SchemaOptions {
            target: Some("LABEL".into()),
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("`label`") && e.contains("upper/lower case"),
        "{e}"
    );
    // A name with no near match still lists what exists.
    let e = Schema::infer(
        &df,
        &SchemaOptions {
            drop: vec!["nothing".into()],
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("available columns"), "{e}");
}

#[test]
fn an_io_error_says_its_cause_once() {
    let e = synthkit_data::io::write_atomic(Path::new("/proc/no/such/x.csv"), false, |_| Ok(()))
        .unwrap_err();
    let chain = {
        let mut parts = vec![e.to_string()];
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            parts.push(s.to_string());
            src = s.source();
        }
        parts.join(": ")
    };
    assert!(chain.contains("/proc/no/such/x.csv"), "{chain}");
    let cause = chain.rsplit(": ").next().unwrap();
    assert_eq!(chain.matches(cause).count(), 1, "{chain}");
}

/// Every shipped CSV still reads (no false alarm from the checks) and types with default
/// options without a numeric column being taken for a text one.
#[test]
fn every_shipped_data_set_reads_and_types() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets");
    let mut n = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        for split in ["train.csv", "test.csv"] {
            let p = dir.join(split);
            if !p.exists() {
                continue;
            }
            let df = read_table(&p).unwrap_or_else(|e| panic!("{e}"));
            Schema::infer(&df, &SchemaOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            n += 1;
        }
    }
    assert!(n >= 10, "found {n} files under {}", root.display());
}

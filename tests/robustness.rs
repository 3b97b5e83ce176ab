//! The binary as a new user meets it (issue 22): each broken file a newcomer's session tripped
//! on stops with one message that names the file, the line or row and column, and the fix;
//! outputs survive a SIGKILL (no partial file at the target path; a killed fit resumes to the
//! very model an uninterrupted run gives); a univariate series evaluates; a generator that never
//! samples the rare class is reported, not fatal.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

mod common;
use common::{AI4I, synthkit};

fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the binary and asserts a clean failure: exit code 2, no panic, every `needle` in
/// stderr, none of `absent`. Returns stderr.
fn fails_with(args: &[&str], needles: &[&str], absent: &[&str]) -> String {
    let out = synthkit(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "args {args:?}\nstderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in:\n{err}");
    }
    for a in absent {
        assert!(!err.contains(a), "did not expect `{a}` in:\n{err}");
    }
    err
}

/// `fit --config cfg` must fail with `needles` (and none of `absent`) in its message.
fn fit_fails_with(cfg: &Path, needles: &[&str], absent: &[&str]) -> String {
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap(), "--quiet"],
        needles,
        absent,
    )
}

/// The header and first `rows` lines of ai4i's training file, with `header` applied to the
/// header and `edit` to each data line (its 0-based index, the text), as `dir/train.csv`.
fn ai4i_variant(
    dir: &Path,
    rows: usize,
    header: impl Fn(&str) -> String,
    edit: impl Fn(usize, &str) -> String,
) -> PathBuf {
    let text = std::fs::read_to_string(AI4I).unwrap();
    let mut lines = text.lines();
    let mut out = vec![header(lines.next().unwrap())];
    out.extend(lines.take(rows).enumerate().map(|(i, l)| edit(i, l)));
    let p = dir.join("train.csv");
    std::fs::write(&p, out.join("\n") + "\n").unwrap();
    p
}

/// `ai4i_variant` with data line `row` (0-based) given field `field` = `value`.
fn with_cell(dir: &Path, rows: usize, cells: &[(usize, usize, &str)]) -> PathBuf {
    ai4i_variant(
        dir,
        rows,
        |h| h.to_string(),
        |i, l| {
            let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
            for (row, field, value) in cells {
                if *row == i {
                    f[*field] = value.to_string();
                }
            }
            f.join(",")
        },
    )
}

/// A config for ai4i-shaped data at `train`, with `data_extra` appended to `[data]`, the model
/// section `model` and `train_extra` appended to `[train]`.
fn config_with(
    dir: &Path,
    train: &Path,
    data_extra: &str,
    model: &str,
    train_extra: &str,
) -> PathBuf {
    let text = format!(
        r#"[data]
train = "{}"
target = "Machine failure"
positive = "1"
categorical = ["Type", "Machine failure"]
{data_extra}

[model]
{model}

[train]
out = "{}"
{train_extra}
"#,
        train.display(),
        dir.join("run").display()
    );
    let p = dir.join("run.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn config(dir: &Path, train: &Path, data_extra: &str) -> PathBuf {
    config_with(dir, train, data_extra, "kind = \"tvae\"\nepochs = 1", "")
}

/// Case 1: a header with one name twice was accepted, the second column renamed by polars.
#[test]
fn a_repeated_column_name_is_an_error_naming_both_positions() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(
        d.path(),
        300,
        |h| h.replace("Torque [Nm]", "Air temperature [K]"),
        |_, l| l.to_string(),
    );
    fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "names two columns `Air temperature [K]`",
            "columns 2 and 5",
            "give every column its own name",
        ],
        &["_duplicated_"],
    );
}

/// Case 2: one stray text cell made a numeric column categorical ("549 categories, more than
/// the limit of 500"); declared numeric, the same cell gave no row.
#[test]
fn a_stray_text_cell_in_a_numeric_column_names_the_row_and_the_fix() {
    let d = tempfile::tempdir().unwrap();
    let p = with_cell(d.path(), 1500, &[(99, 4, "n/a")]);
    fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "column `Torque [Nm]` holds numbers, but 1 of its 1500 values is not a number",
            "`n/a` at row 99 (line 101",
            "make them empty",
            "missing value",
            "continuous = [\"Torque [Nm]\"]",
        ],
        &["categories, more than the limit"],
    );
    fit_fails_with(
        &config(d.path(), &p, "continuous = [\"Torque [Nm]\"]"),
        &[
            "train.csv",
            "column `Torque [Nm]` is declared continuous in [data]",
            "`n/a` at row 99 (line 101",
            "Make those cells empty",
        ],
        &["its values are str"],
    );
}

/// Case 3: an unclosed quote printed a chunk of the file.
#[test]
fn an_unclosed_quote_names_its_line_with_a_short_excerpt() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(
        d.path(),
        300,
        |h| h.to_string(),
        |i, l| {
            if i == 48 {
                format!("\"{l}")
            } else {
                l.to_string()
            }
        },
    );
    let line_51 = std::fs::read_to_string(&p)
        .unwrap()
        .lines()
        .nth(50)
        .unwrap()
        .to_string();
    let err = fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "line 50 opens a quoted value that is never closed",
            "`\"",
            "Close the quote",
        ],
        &[&line_51],
    );
    assert!(err.trim_end().lines().count() <= 2, "{err}");
}

/// Case 4: values near ±1e308 gave a message that said its reason twice.
#[test]
fn huge_values_are_one_clear_message() {
    let d = tempfile::tempdir().unwrap();
    let p = with_cell(d.path(), 300, &[(18, 4, "1e308"), (19, 4, "-1e308")]);
    let err = fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "column `Torque [Nm]` has 2 value(s) too large to model",
            "`1e308` at row 18 (line 20",
            "Rescale the column",
        ],
        &[],
    );
    let sentences: Vec<&str> = err
        .split(['.', ';', ':'])
        .map(str::trim)
        .filter(|s| s.len() > 10)
        .collect();
    for (i, s) in sentences.iter().enumerate() {
        assert!(!sentences[i + 1..].contains(s), "`{s}` twice in {err}");
    }
}

/// Case 5: a header-only file's message doubled its backticks.
#[test]
fn a_header_only_file_is_named_once() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 0, |h| h.to_string(), |_, l| l.to_string());
    let err = fit_fails_with(
        &config(d.path(), &p, ""),
        &["train.csv", "has no rows, only a header line"],
        &["``"],
    );
    assert_eq!(err.matches("train.csv").count(), 1, "{err}");
}

/// Case 6: a ragged line surfaced polars' advice to set an option the user cannot set.
#[test]
fn a_ragged_line_names_the_line_and_the_field_counts() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(
        d.path(),
        300,
        |h| h.to_string(),
        |i, l| match i {
            28 => format!("{l},1,2"),
            40 => format!("{l},3"),
            _ => l.to_string(),
        },
    );
    fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "cannot parse",
            "train.csv",
            "line 30 has 9 fields but the header line has 7",
            "1 more line has too many fields",
            "remove the extra fields",
        ],
        &["truncate_ragged_lines", "Consider setting"],
    );
}

/// Case 7: a semicolon-separated file and a header padded with spaces both said only "column
/// not found".
#[test]
fn a_semicolon_file_and_padded_headers_say_what_the_file_looks_like() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(
        d.path(),
        300,
        |h| h.replace(',', ";"),
        |_, l| l.replace(',', ";"),
    );
    fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "one column whose name contains `;`",
            "is the file semicolon-separated? synthkit reads comma-separated files",
        ],
        &["is not in the training table"],
    );
    let p = ai4i_variant(
        d.path(),
        300,
        |h| h.replace(',', " , "),
        |_, l| l.to_string(),
    );
    fit_fails_with(
        &config(d.path(), &p, ""),
        &[
            "train.csv",
            "column `Type` is not in the training table, but `Type ` is",
            "spaces around the name",
        ],
        &[],
    );
}

/// Case 8: a generator whose unconditional sample has no rare row stopped a bench's whole data
/// set. The real ai4i test rows against "synthetic" rows without a failure (the training rows
/// minus their failures): the overall scores stay, the class-conditional part is marked not
/// available.
#[test]
fn synthetic_rows_without_the_rare_class_are_a_finding_not_an_error() {
    use synthkit_data::io::read_table;
    use synthkit_data::{Schema, SchemaOptions};
    use synthkit_eval::fidelity::fidelity_report;
    let d = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(AI4I).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .take(1500)
        .filter(|l| !l.ends_with(",1"))
        .collect();
    let syn_path = d.path().join("no_failures.csv");
    std::fs::write(&syn_path, kept.join("\n") + "\n").unwrap();
    let real = read_table(Path::new(&AI4I.replace("train.csv", "test.csv"))).unwrap();
    let syn = read_table(&syn_path).unwrap();
    let schema = Schema::infer(
        &real,
        &SchemaOptions {
            target: Some("Machine failure".into()),
            categorical: vec!["Type".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let rep = fidelity_report(&real, &syn, &schema, "Machine failure", "1").unwrap();
    assert!(!rep.rare_class_available());
    let why = rep.rare_class_unavailable.as_deref().unwrap();
    assert!(
        why.contains("synthetic rows have no row of class `1`"),
        "{why}"
    );
    let overall = rep.overall.overall.unwrap();
    assert!(overall > 0.5 && overall <= 1.0, "{overall}");
    assert_eq!(rep.overall.column_shapes.len(), 7);
    assert_eq!(rep.rare_class.overall, None);
    assert_eq!(rep.rare_class.n_synthetic, 0);
    assert!(rep.rare_class.n_real > 0);
}

/// Polls `done` every millisecond for up to `limit`.
fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let t0 = Instant::now();
    while t0.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    false
}

/// A tiny CTGAN config on the first 1,200 ai4i rows, checkpointing every epoch.
fn tiny_ctgan(dir: &Path, epochs: usize) -> PathBuf {
    let p = ai4i_variant(dir, 1200, |h| h.to_string(), |_, l| l.to_string());
    config_with(
        dir,
        &p,
        "",
        &format!(
            "kind = \"ctgan\"\nepochs = {epochs}\nbatch_size = 100\nembedding_dim = 16\n\
             generator_dims = [32]\ndiscriminator_dims = [32]"
        ),
        "seed = 5\ncheckpoint_every = 1",
    )
}

/// SIGKILL while `sample` writes a few hundred thousand rows: the target path never holds a
/// partial file (outputs go through `write_atomic`: a temporary sibling, renamed when
/// complete).
#[cfg(unix)]
#[test]
fn a_killed_sample_leaves_no_partial_output() {
    let d = tempfile::tempdir().unwrap();
    let cfg = tiny_ctgan(d.path(), 1);
    assert_ok(&synthkit(&[
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]));
    let out_dir = d.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("rows.csv");
    let run = d.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args([
            "sample",
            "--model",
            run.to_str().unwrap(),
            "--rows",
            "600000",
            "--out",
            target.to_str().unwrap(),
        ])
        .env("RUST_LOG", "error")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill as soon as the temporary file appears: the rows are being written.
    let writing = wait_for(Duration::from_secs(60), || {
        std::fs::read_dir(&out_dir)
            .unwrap()
            .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".tmp"))
    });
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(writing, "no temporary file appeared");
    assert_eq!(status.code(), None, "killed by the signal, not finished");
    assert!(
        !target.exists(),
        "a partial file was left at the target path"
    );
    // Once run to the end, the file is complete: exactly the rows asked for.
    assert_ok(&synthkit(&[
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--rows",
        "1000",
        "--out",
        target.to_str().unwrap(),
    ]));
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(text.lines().count(), 1001);
}

/// SIGKILL during `fit` (after a few checkpoints), then `fit --resume`: the model samples the
/// very bytes an uninterrupted run's model does.
#[cfg(unix)]
#[test]
fn a_killed_fit_resumes_to_the_uninterrupted_model() {
    let sample = |run: &Path, out: &Path| -> Vec<u8> {
        assert_ok(&synthkit(&[
            "sample",
            "--model",
            run.to_str().unwrap(),
            "--rows",
            "500",
            "--seed",
            "3",
            "--out",
            out.to_str().unwrap(),
        ]));
        std::fs::read(out).unwrap()
    };
    let epochs = 20;
    let whole = tempfile::tempdir().unwrap();
    let cfg = tiny_ctgan(whole.path(), epochs);
    assert_ok(&synthkit(&[
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]));
    let expected = sample(&whole.path().join("run"), &whole.path().join("rows.csv"));

    let killed = tempfile::tempdir().unwrap();
    let cfg = tiny_ctgan(killed.path(), epochs);
    let run = killed.path().join("run");
    let mut child = Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args(["fit", "--config", cfg.to_str().unwrap(), "--quiet"])
        .env("RUST_LOG", "error")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let third = run.join("checkpoints/block-3/state.json");
    let reached = wait_for(Duration::from_secs(60), || third.exists());
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(reached, "no third checkpoint");
    assert_eq!(status.code(), None, "killed by the signal, not finished");
    assert!(
        !run.join("model").exists(),
        "killed before the model was saved"
    );
    let out = synthkit(&[
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
        "--resume",
    ]);
    assert_ok(&out);
    let resumed = sample(&run, &killed.path().join("rows.csv"));
    assert!(resumed == expected, "resumed model samples other rows");
}

/// A univariate series: TimeGAN on the stock set's Close price alone, then `series eval`, whose
/// predictive score forecasts the one feature from its own past.
#[test]
fn a_univariate_series_evaluates_with_a_finite_predictive_score() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("uni.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[data]
train = "datasets/timegan_stock/train.csv"
id = "seq_id"
time = "t"
features = ["Close"]
window = 6
stride = 6

[model]
hidden_dim = 4
num_layers = 2
iterations = 3
batch_size = 16

[train]
seed = 1
out = "{}"

[eval]
repeats = 1
discriminative_iterations = 5
predictive_iterations = 5
"#,
            d.path().join("run").display()
        ),
    )
    .unwrap();
    assert_ok(&synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]));
    let report = d.path().join("eval.json");
    assert_ok(&synthkit(&[
        "series",
        "eval",
        "--config",
        cfg.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]));
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["features"], serde_json::json!(["Close"]));
    let p = r["scores"]["predictive"]["mean"].as_f64().unwrap();
    assert!(p.is_finite() && p >= 0.0, "predictive score {p}");
    let p_real = r["scores"]["predictive_real"]["mean"].as_f64().unwrap();
    assert!(p_real.is_finite(), "{r}");
}

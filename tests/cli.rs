//! The binary, end to end: every kind of bad input gets a non-zero exit and a message that names
//! the file, column or key and the fix (never a panic); a tiny real fit trains, saves, and
//! samples the rare class exactly.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{AI4I, synthkit};

/// Runs the binary and asserts a clean failure: exit code 2, no panic, and every `needle` in
/// stderr.
fn fails_with(args: &[&str], needles: &[&str]) -> String {
    let out = synthkit(args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "args {args:?}\nstderr: {err}");
    assert!(!err.contains("panicked"), "panic: {err}");
    for n in needles {
        assert!(err.contains(n), "expected `{n}` in:\n{err}");
    }
    err
}

/// The first `rows` lines of ai4i's training file with `edit` applied to each data line.
fn ai4i_variant(dir: &Path, rows: usize, edit: impl Fn(usize, &str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(AI4I).unwrap();
    let mut lines = text.lines();
    let mut out = vec![lines.next().unwrap().to_string()];
    out.extend(lines.take(rows).enumerate().map(|(i, l)| edit(i, l)));
    let p = dir.join("train.csv");
    std::fs::write(&p, out.join("\n") + "\n").unwrap();
    p
}

/// A config for ai4i-shaped data at `train`, with `extra` appended to `[data]` and `tail` after.
fn config(dir: &Path, train: &Path, data_extra: &str, tail: &str) -> PathBuf {
    let text = format!(
        r#"[data]
train = "{}"
target = "Machine failure"
positive = "1"
categorical = ["Type", "Machine failure"]
{data_extra}

[model]
kind = "tvae"
epochs = 1

[train]
out = "{}"
{tail}
"#,
        train.display(),
        dir.join("run").display()
    );
    let p = dir.join("run.toml");
    std::fs::write(&p, text).unwrap();
    p
}

fn fit(cfg: &Path) -> Output {
    synthkit(&["fit", "--config", cfg.to_str().unwrap(), "--quiet"])
}

#[test]
fn missing_config_file() {
    fails_with(
        &["fit", "--config", "/nonexistent/x.toml"],
        &["/nonexistent/x.toml"],
    );
}

#[test]
fn missing_data_file() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path(), &d.path().join("absent.csv"), "", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["absent.csv", "does not exist"],
    );
}

#[test]
fn malformed_csv() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 50, |i, l| {
        if i == 10 {
            format!("{l},1,2,3")
        } else {
            l.to_string()
        }
    });
    let cfg = config(d.path(), &p, "", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["train.csv", "cannot parse"],
    );
}

#[test]
fn unknown_column() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path(), Path::new(AI4I), "continuous = [\"Torque\"]", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Torque`", "`Torque [Nm]`"],
    );
}

#[test]
fn target_absent() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 300, |_, l| {
        l.rsplit_once(',').unwrap().0.to_string()
    });
    // Drop the target column from the header too.
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replacen(",Machine failure", "", 1);
    std::fs::write(&p, text).unwrap();
    let cfg = d.path().join("t.toml");
    std::fs::write(
        &cfg,
        format!(
            "[data]\ntrain = \"{}\"\ntarget = \"Machine failure\"\npositive = \"1\"\n[model]\nkind = \"tvae\"\n",
            p.display()
        ),
    )
    .unwrap();
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Machine failure`", "target"],
    );
}

#[test]
fn class_with_zero_rows() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path(), Path::new(AI4I), "", "");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("positive = \"1\"", "positive = \"yes\"");
    std::fs::write(&cfg, text).unwrap();
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`yes`", "no rows", "`0`", "`1`"],
    );
}

#[test]
fn all_missing_column() {
    let d = tempfile::tempdir().unwrap();
    // Blank the tool-wear column (5th field) on every row.
    let p = ai4i_variant(d.path(), 300, |_, l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[5] = "";
        f.join(",")
    });
    let cfg = config(d.path(), &p, "", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Tool wear [min]`", "only missing", "drop"],
    );
}

#[test]
fn constant_column() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 300, |_, l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[1] = "300.5";
        f.join(",")
    });
    let cfg = config(d.path(), &p, "", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Air temperature [K]`", "constant", "drop"],
    );
}

#[test]
fn non_finite_values() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 300, |i, l| {
        let mut f: Vec<String> = l.split(',').map(str::to_string).collect();
        if i == 7 {
            f[4] = "inf".into();
        }
        f.join(",")
    });
    let cfg = config(d.path(), &p, "", "");
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Torque [Nm]`", "non-finite", "row 7"],
    );
}

#[test]
fn unknown_config_key() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(d.path(), Path::new(AI4I), "", "");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("epochs = 1", "epoch = 1");
    std::fs::write(&cfg, text).unwrap();
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["run.toml", "epoch"],
    );
}

#[test]
fn too_many_categories() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(
        d.path(),
        Path::new(AI4I),
        "",
        "[transform]\nmax_categories = 2",
    );
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["`Type`", "3 categories", "max_categories"],
    );
}

#[test]
fn eval_without_a_trained_model_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let cfg = config(
        d.path(),
        Path::new(AI4I),
        "test = \"datasets/ai4i_machine_failure/test.csv\"",
        "",
    );
    fails_with(
        &["eval", "--config", cfg.to_str().unwrap()],
        &["does not exist", "synthkit fit"],
    );
}

/// The whole pipeline on real data, tiny: fit TVAE for one epoch on 1,500 ai4i rows, sample
/// failures directly, refuse to overwrite, and read the samples back with the source dtypes.
#[test]
fn logs_to_a_pipe_are_plain_text() {
    // A long bench's log file (stderr redirected, as here) must read as text: no colour codes.
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 300, |_, l| l.to_string());
    let cfg = config(d.path(), &p, "", "checkpoint_every = 0");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args(["fit", "--config", cfg.to_str().unwrap(), "--quiet"])
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(" INFO ") && err.contains("epoch 1/1"), "{err}");
    assert!(
        !err.contains('\u{1b}'),
        "colour codes in piped logs: {err:?}"
    );
}

#[test]
fn fit_then_sample_the_rare_class_exactly() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 1500, |_, l| l.to_string());
    let cfg = config(d.path(), &p, "", "checkpoint_every = 1");
    let out = fit(&cfg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = d.path().join("run");
    assert!(run.join("model/model.json").exists());
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("fit.json")).unwrap()).unwrap();
    assert!(summary["transformer_fit_seconds"].as_f64().unwrap() > 0.0);

    // A second fit into the same run refuses to replace the model.
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["already holds a trained model", "--force"],
    );
    // With the model gone (a killed run) but its checkpoint there, a fresh fit would drop the
    // progress: refused, naming --resume; --resume finishes from the checkpoint.
    let ck = run.join("checkpoints");
    assert!(ck.join("block-1/state.json").exists());
    std::fs::remove_dir_all(run.join("model")).unwrap();
    fails_with(
        &["fit", "--config", cfg.to_str().unwrap()],
        &["holds checkpoints of an earlier run", "--resume", "--force"],
    );
    let out = synthkit(&[
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
        "--resume",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(run.join("model/model.json").exists());

    let rows = d.path().join("failures.csv");
    let args = [
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--rows",
        "250",
        "--where",
        "Machine failure=1",
        "--seed",
        "3",
        "--out",
        rows.to_str().unwrap(),
    ];
    let out = synthkit(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&rows).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 7);
    let target = header.iter().position(|h| *h == "Machine failure").unwrap();
    let data: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(data.len(), 250);
    assert!(
        data.iter().all(|r| r[target] == "1"),
        "every row is a failure"
    );
    // Integers stay integers (rotational speed), categories stay known labels.
    let rpm = header
        .iter()
        .position(|h| h.starts_with("Rotational"))
        .unwrap();
    assert!(data.iter().all(|r| r[rpm].parse::<i64>().is_ok()));
    assert!(data.iter().all(|r| ["H", "L", "M"].contains(&r[0])));

    // The output exists now: refused without --force, written with it.
    fails_with(&args, &["exists", "--force"]);
    let mut forced = args.to_vec();
    forced.push("--force");
    assert!(synthkit(&forced).status.success());
}

/// `eval` on the tiny model: one seed, the real test file; the report holds the real, TSTR,
/// augmentation and SMOTE arms with metrics in range, and fidelity/privacy sections.
#[test]
fn eval_writes_a_report_with_every_arm() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 1500, |_, l| l.to_string());
    let test = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/datasets/ai4i_machine_failure/test.csv"
    );
    let cfg = config(d.path(), &p, &format!("test = \"{test}\""), "");
    assert!(fit(&cfg).status.success());
    let report = d.path().join("eval.json");
    let out = synthkit(&[
        "eval",
        "--config",
        cfg.to_str().unwrap(),
        "--seeds",
        "1",
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let arms: Vec<String> = r["utility"]["summary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["arm"]["arm"].to_string())
        .collect();
    for arm in ["real", "tstr", "augment", "oversample"] {
        assert!(
            arms.iter().any(|a| a.contains(arm)),
            "{arm} missing from {arms:?}"
        );
    }
    for s in r["utility"]["summary"].as_array().unwrap() {
        let auc = s["roc_auc"]["mean"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc), "{s}");
    }
    assert!(r["fidelity"]["rare_class"]["overall"].as_f64().unwrap() > 0.0);
    assert!(r["privacy"]["exact_copy_rate"].as_f64().is_some());
}

#[test]
fn sample_from_a_missing_model_is_a_clear_error() {
    // The output goes to a fresh directory: a file left at a fixed path would be refused first.
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("x.csv");
    fails_with(
        &[
            "sample",
            "--model",
            "/nonexistent/run",
            "--rows",
            "5",
            "--out",
            out.to_str().unwrap(),
        ],
        &["/nonexistent/run", "synthkit fit"],
    );
}

/// TabDDPM through the binary: the quantile transform from `[transform]`, a few steps, then
/// exactly n rare rows; conditioning on another column is a clean error.
#[test]
fn tabddpm_fit_then_sample_the_rare_class_exactly() {
    let d = tempfile::tempdir().unwrap();
    let p = ai4i_variant(d.path(), 800, |_, l| l.to_string());
    let cfg = d.path().join("ddpm.toml");
    std::fs::write(
        &cfg,
        format!(
            r#"[data]
train = "{}"
target = "Machine failure"
positive = "1"
categorical = ["Type", "Machine failure"]

[transform]
continuous = "quantile"

[model]
kind = "tabddpm"
d_layers = [32, 32]
num_timesteps = 20
batch_size = 256
steps = 6
steps_per_epoch = 3

[train]
out = "{}"
"#,
            p.display(),
            d.path().join("run").display()
        ),
    )
    .unwrap();
    let out = fit(&cfg);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = d.path().join("run");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("fit.json")).unwrap()).unwrap();
    assert_eq!(summary["epochs"].as_u64(), Some(2));
    assert_eq!(summary["steps"].as_u64(), Some(6));
    let rows = d.path().join("failures.csv");
    let out = synthkit(&[
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--rows",
        "123",
        "--where",
        "Machine failure=1",
        "--out",
        rows.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&rows).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let target = header.iter().position(|h| *h == "Machine failure").unwrap();
    let data: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(data.len(), 123);
    assert!(data.iter().all(|r| r[target] == "1"));
    fails_with(
        &[
            "sample",
            "--model",
            run.to_str().unwrap(),
            "--rows",
            "5",
            "--where",
            "Type=L",
            "--out",
            d.path().join("x.csv").to_str().unwrap(),
        ],
        &["Type", "Machine failure"],
    );
}

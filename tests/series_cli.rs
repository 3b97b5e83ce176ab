//! `synthkit series`, end to end on the shipped C-MAPSS sequences: a tiny TimeGAN trains, saves
//! and samples exactly the requested number of failure sequences; bad inputs fail cleanly.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::synthkit;

fn config(dir: &Path, train: &str, data_extra: &str) -> PathBuf {
    let text = format!(
        r#"[data]
train = "{train}"
id = "seq_id"
time = "t"
target = "failure_within_window"
positive = "1"
window = 6
stride = 6
{data_extra}

[model]
hidden_dim = 4
num_layers = 2
iterations = 2
batch_size = 16

[train]
seed = 1
out = "{}"
"#,
        dir.join("run").display()
    );
    let p = dir.join("series.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// `config` with one piece of its text replaced.
fn edited_config(dir: &Path, train: &str, from: &str, to: &str) -> PathBuf {
    let cfg = config(dir, train, "");
    let text = std::fs::read_to_string(&cfg).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(&cfg, text.replace(from, to)).unwrap();
    cfg
}

/// `synthkit series fit --config cfg --quiet` plus `extra` flags.
fn series_fit(cfg: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    synthkit(&args)
}

/// Asserts that a command succeeded, showing its stderr otherwise.
fn assert_ok(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Asserts a clean usage error (exit code 2, no panic) whose message contains `needle`.
fn assert_fails_with(out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(needle) && !err.contains("panicked"), "{err}");
}

const CMAPSS: &str = "datasets/cmapss_fd001_failure/train.csv";

fn sample_rare(run: &Path, out: &Path) -> String {
    let o = synthkit(&[
        "series",
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--sequences",
        "5",
        "--label",
        "1",
        "--seed",
        "3",
        "--out",
        out.to_str().unwrap(),
        "--force",
    ]);
    assert_ok(&o);
    std::fs::read_to_string(out).unwrap()
}

#[test]
fn checkpoints_resume_and_refuse_to_be_dropped_silently() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = edited_config(
        dir.path(),
        CMAPSS,
        "seed = 1",
        "seed = 1\ncheckpoint_every = 1",
    );
    let out = series_fit(&cfg, &[]);
    assert_ok(&out);
    let run = dir.path().join("run");
    // 2 iterations per phase: one block per phase, a checkpoint after each.
    let ck = run.join("checkpoints");
    for n in 1..=3 {
        assert!(
            ck.join(format!("block-{n}/state.json")).exists(),
            "block-{n}"
        );
    }
    let before = sample_rare(&run, &dir.path().join("a.csv"));
    // The model is lost (a killed run): a fresh fit over the checkpoints is refused...
    std::fs::remove_dir_all(run.join("model")).unwrap();
    assert_fails_with(&series_fit(&cfg, &[]), "--resume");
    // ...and --resume continues from the newest one: the same model.
    let out = series_fit(&cfg, &["--resume"]);
    assert_ok(&out);
    assert_eq!(sample_rare(&run, &dir.path().join("b.csv")), before);
    // --force starts over, replacing the model and the checkpoints.
    let out = series_fit(&cfg, &["--force"]);
    assert_ok(&out);
    assert_eq!(sample_rare(&run, &dir.path().join("c.csv")), before);
}

#[test]
fn fit_then_sample_exactly_n_rare_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), CMAPSS, "");
    let out = series_fit(&cfg, &[]);
    assert_ok(&out);
    let run = dir.path().join("run");
    assert!(run.join("model/model.json").exists());
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("fit.json")).unwrap()).unwrap();
    // 584 sequences × 4 windows of 6 steps.
    assert_eq!(fit["sequences"], 584 * 4);
    assert_eq!(fit["seq_len"], 6);
    let csv = dir.path().join("rare.csv");
    let out = synthkit(&[
        "series",
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--sequences",
        "7",
        "--label",
        "1",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_ok(&out);
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("seq_id,t,setting1"), "{header}");
    assert!(header.ends_with(",label"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 7 * 6);
    assert!(rows.iter().all(|r| r.ends_with(",1")));
    // Refit without --force is refused.
    assert_fails_with(&series_fit(&cfg, &[]), "--force");
    // An unknown label is a clean error naming the labels.
    let out = synthkit(&[
        "series",
        "sample",
        "--model",
        run.to_str().unwrap(),
        "--sequences",
        "3",
        "--label",
        "7",
        "--out",
        dir.path().join("x.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("0, 1") && !err.contains("panicked"), "{err}");
}

#[test]
fn rare_train_keeps_a_fixed_handful_of_rare_sequences() {
    // 584 training sequences, 70 of them failures; keep 5 failures. Windows of 6 (4 per
    // sequence) in the config.
    let dir = tempfile::tempdir().unwrap();
    let cfg = edited_config(
        dir.path(),
        CMAPSS,
        "window = 6",
        "window = 6\nrare_train = 5",
    );
    assert_ok(&series_fit(&cfg, &[]));
    let fit: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("run/fit.json")).unwrap())
            .unwrap();
    assert_eq!(fit["sequences"], (584 - 70 + 5) * 4);
    // More than there are, or none, is a clear error naming the count.
    let cfg = edited_config(
        dir.path(),
        CMAPSS,
        "window = 6",
        "window = 6\nrare_train = 71",
    );
    assert_fails_with(
        &series_fit(&cfg, &["--force"]),
        "has 70 sequences labelled `1`",
    );
    let cfg = edited_config(
        dir.path(),
        CMAPSS,
        "window = 6",
        "window = 6\nrare_train = 0",
    );
    assert_fails_with(&series_fit(&cfg, &["--force"]), "choose 1 to 70");
}

#[test]
fn bad_series_inputs_fail_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // A window longer than the sequences.
    let cfg = edited_config(dir.path(), CMAPSS, "window = 6", "window = 30");
    assert_fails_with(&series_fit(&cfg, &[]), "window ≤ 24");
    // A sequence with a step missing.
    let src = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(CMAPSS)).unwrap();
    let mut lines: Vec<&str> = src.lines().take(49).collect();
    lines.remove(5);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let cfg = config(dir.path(), bad.to_str().unwrap(), "");
    assert_fails_with(&series_fit(&cfg, &[]), "same length");
    // A misspelt model key.
    let cfg = edited_config(dir.path(), CMAPSS, "iterations = 2", "iteration = 2");
    assert_fails_with(&series_fit(&cfg, &[]), "iteration");
}

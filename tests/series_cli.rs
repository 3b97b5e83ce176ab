//! `synthkit series`, end to end on the shipped C-MAPSS sequences: a tiny TimeGAN trains, saves
//! and samples exactly the requested number of failure sequences; bad inputs fail cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn synthkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("run synthkit")
}

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

#[test]
fn fit_then_sample_exactly_n_rare_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path(), "datasets/cmapss_fd001_failure/train.csv", "");
    let out = synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("seq_id,t,setting1"), "{header}");
    assert!(header.ends_with(",label"), "{header}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 7 * 6);
    assert!(rows.iter().all(|r| r.ends_with(",1")));
    // Refit without --force is refused.
    let out = synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
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
fn bad_series_inputs_fail_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    // A window longer than the sequences.
    let cfg = config(dir.path(), "datasets/cmapss_fd001_failure/train.csv", "");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("window = 6", "window = 30");
    std::fs::write(&cfg, text).unwrap();
    let out = synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("window ≤ 24"), "{err}");
    // A sequence with a step missing.
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/cmapss_fd001_failure/train.csv"),
    )
    .unwrap();
    let mut lines: Vec<&str> = src.lines().take(49).collect();
    lines.remove(5);
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let cfg = config(dir.path(), bad.to_str().unwrap(), "");
    let out = synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("same length") && !err.contains("panicked"),
        "{err}"
    );
    // A misspelt model key.
    let cfg = config(dir.path(), "datasets/cmapss_fd001_failure/train.csv", "");
    let text = std::fs::read_to_string(&cfg)
        .unwrap()
        .replace("iterations = 2", "iteration = 2");
    std::fs::write(&cfg, text).unwrap();
    let out = synthkit(&[
        "series",
        "fit",
        "--config",
        cfg.to_str().unwrap(),
        "--quiet",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("iteration"), "{err}");
}

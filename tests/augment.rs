//! `synthkit augment` end to end on a slice of the real ai4i data (issue 18): the output holds
//! every real training row unchanged, then the generated rows of the arm that won on the
//! validation part (none when the real rows won), marked and weighted; no generated row copies a
//! real one; the test table is never read (the configs name a file that does not exist); an
//! existing output is refused without `--force` and left as it was; the same seed in a fresh
//! working directory writes the same bytes; `--force-augment` writes generated rows when the
//! real rows won; committee mode writes each generator's member rows, named, after the real rows,
//! and keeps the committee without the margin when the table's rare rows are at most
//! `force_below_rare_rows` (default 1000); a config without a rare class is refused with the fix.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{ROOT, rows_of, synthkit};

fn ok(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "augment failed:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// The first `rows` data lines of ai4i's training file.
fn ai4i_slice(dir: &Path, rows: usize) -> PathBuf {
    let text =
        std::fs::read_to_string(format!("{ROOT}/datasets/ai4i_machine_failure/train.csv")).unwrap();
    let lines: Vec<&str> = text.lines().take(rows + 1).collect();
    let p = dir.join("train.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// A run config of `kind` on `train`, whose test table does not exist; `positive` left out
/// when `rare` is false.
fn generator(dir: &Path, train: &Path, kind: &str, rare: bool) -> PathBuf {
    let transform = if kind == "copula" {
        "[transform]\ncontinuous = \"quantile\"\n"
    } else {
        ""
    };
    let positive = if rare { "positive = \"1\"" } else { "" };
    let text = format!(
        r#"[data]
train = "{}"
test = "{}"
target = "Machine failure"
{positive}
categorical = ["Type", "Machine failure"]

{transform}
[model]
kind = "{kind}"

[train]
checkpoint_every = 0
"#,
        train.display(),
        dir.join("no-such-test.csv").display()
    );
    let p = dir.join(format!("{kind}-{rare}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn augment_config(dir: &Path, name: &str, work: &str, gens: &[PathBuf]) -> PathBuf {
    augment_config_with(dir, name, work, gens, "")
}

/// [`augment_config`] with `extra` top-level keys.
fn augment_config_with(
    dir: &Path,
    name: &str,
    work: &str,
    gens: &[PathBuf],
    extra: &str,
) -> PathBuf {
    let list: Vec<String> = gens
        .iter()
        .map(|g| format!("\"{}\"", g.display()))
        .collect();
    let text = format!(
        r#"seed = 7
{extra}
work = "{}"
epochs = 1
classifiers = [{{ kind = "gradient_boosting", iterations = 30 }}]
generators = [{}]

[arms]
ratios = [0.5, 1.0]
oversamplers = [{{ method = "smote" }}, {{ method = "random" }}]
variant_ratios = [1.0]
"#,
        dir.join(work).display(),
        list.join(", ")
    );
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Checks an augment output against its training table and report; returns the rows added.
fn check_output(out: &Path, train: &Path) -> usize {
    let report = json(&out.with_extension("augment.json"));
    let real = synthkit_data::io::read_table(train).unwrap();
    let got = synthkit_data::io::read_table(out).unwrap();
    let cols: Vec<String> = real
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    let added = report["rows_added"].as_u64().unwrap() as usize;
    assert_eq!(
        report["rows_real"].as_u64().unwrap() as usize,
        real.height()
    );
    assert_eq!(got.height(), real.height() + added);
    let got_rows = rows_of(&got, &cols);
    let real_rows = rows_of(&real, &cols);
    assert_eq!(
        &got_rows[..real.height()],
        &real_rows[..],
        "the real rows come first, unchanged"
    );
    let synthetic: Vec<bool> = got
        .column("synthkit_synthetic")
        .unwrap()
        .as_materialized_series()
        .bool()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let weights: Vec<f64> = got
        .column("synthkit_weight")
        .unwrap()
        .as_materialized_series()
        .f64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap())
        .collect();
    let w = report["weight"].as_f64().unwrap();
    for (i, (&s, &wt)) in synthetic.iter().zip(&weights).enumerate() {
        assert_eq!(s, i >= real.height(), "row {i}");
        assert_eq!(wt, if s { w } else { 1.0 }, "row {i}");
    }
    let real_set: HashSet<&String> = real_rows.iter().collect();
    let copies = got_rows[real.height()..]
        .iter()
        .filter(|r| real_set.contains(r))
        .count();
    assert_eq!(copies, 0, "a generated row copies a real one");
    let recommended = report["recommended"].as_bool().unwrap();
    let forced = report["forced"].as_bool().unwrap();
    assert_eq!(added > 0, recommended || forced, "{report}");
    assert_eq!(report["chosen"]["arm"] == "real", added == 0, "{report}");
    // The decision follows the stated rule: the best generator arm must clear the real rows'
    // validation PR-AUC by the margin in sampling errors, √(AP (1 − AP) / rare).
    let ap = report["real"]["validation_pr_auc"].as_f64().unwrap();
    let rare = report["validation_rare"].as_f64().unwrap();
    let noise = report["validation_noise"].as_f64().unwrap();
    assert!(
        (noise - (ap * (1.0 - ap) / rare).sqrt()).abs() < 1e-12,
        "{report}"
    );
    // The candidates: generator arms, or in committee mode the committees.
    let committee = report["mode"] == "committee";
    let candidate = if committee {
        "best_committee"
    } else {
        "best_generator"
    };
    let best = report[candidate]["validation_pr_auc"]
        .as_f64()
        .unwrap_or(f64::NEG_INFINITY);
    let margin = report["decline_margin"].as_f64().unwrap();
    // In committee mode with at most `force_below_rare_rows` rare training rows the committee is
    // kept without the margin.
    let scarce = report["scarce"].as_bool().unwrap();
    let bound = report["force_below_rare_rows"].as_u64().unwrap();
    let rare_train = report["rows_real_rare"].as_u64().unwrap();
    assert_eq!(
        scarce,
        committee && rare_train <= bound && best.is_finite(),
        "{report}"
    );
    if scarce {
        assert!(recommended && !forced, "{report}");
    } else {
        assert_eq!(recommended, best > ap + margin * noise, "{report}");
    }
    if recommended || forced {
        // The chosen arm is the best candidate among the validation runs.
        let kind = if committee { "committee" } else { "augment" };
        let top = report["validation"]["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["arm"]["arm"] == kind)
            .map(|r| r["metrics"]["pr_auc"].as_f64().unwrap())
            .fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(best, top, "{report}");
        let chosen = report["validation"]["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["arm"] == report["chosen"])
            .unwrap();
        assert_eq!(chosen["metrics"]["pr_auc"].as_f64().unwrap(), top);
    }
    check_members(&got, real.height(), &report);
    let md = std::fs::read_to_string(out.with_extension("augment.md")).unwrap();
    if recommended {
        assert!(md.contains("**Augmenting is recommended**"), "{md}");
    } else {
        assert!(md.contains("**Augmenting is not recommended**"), "{md}");
    }
    added
}

/// A committee's output names each generated row's member (`synthkit_member`: null on the real
/// rows, which every member trains on), one block per member in the report's order and count,
/// every generator of the validation pools a member; other outputs have no such column.
fn check_members(got: &polars::prelude::DataFrame, n_real: usize, report: &serde_json::Value) {
    let Ok(column) = got.column("synthkit_member") else {
        assert!(report["mode"] == "single", "{report}");
        return;
    };
    assert!(report["mode"] == "committee", "{report}");
    let member: Vec<Option<String>> = column
        .as_materialized_series()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect();
    assert!(member[..n_real].iter().all(Option::is_none));
    let mut blocks: Vec<(String, u64)> = Vec::new();
    for m in &member[n_real..] {
        let m = m.clone().expect("a generated row without its member");
        match blocks.last_mut() {
            Some((g, n)) if *g == m => *n += 1,
            _ => blocks.push((m, 1)),
        }
    }
    let reported: Vec<(String, u64)> = report["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["generator"].as_str().unwrap().to_string(),
                m["rows"].as_u64().unwrap(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(blocks, reported, "{report}");
    if report["chosen"]["arm"] == "committee" {
        let mut pools: Vec<&str> = report["validation"]["pools"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["condition"] == report["chosen"]["condition"])
            .map(|p| p["generator"].as_str().unwrap())
            .collect();
        pools.dedup();
        let names: Vec<&str> = report["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["generator"].as_str().unwrap())
            .collect();
        assert_eq!(names, pools, "{report}");
    } else {
        assert!(report["members"].as_array().unwrap().is_empty());
    }
}

#[test]
fn augment_writes_chosen_rows_and_never_reads_test() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let train = ai4i_slice(dir, 3000);
    let gens = [
        generator(dir, &train, "copula", true),
        generator(dir, &train, "tvae", true),
    ];
    let cfg = augment_config(dir, "augment.toml", "work-a", &gens);
    let out = dir.join("augmented.csv");
    let args = |cfg: &Path, out: &Path, extra: &[&str]| {
        let mut a = vec![
            "augment".to_string(),
            "--config".into(),
            cfg.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--quiet".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |a: Vec<String>| synthkit(&a.iter().map(String::as_str).collect::<Vec<_>>());

    let first = run(args(&cfg, &out, &[]));
    ok(&first);
    let added = check_output(&out, &train);
    let report = json(&out.with_extension("augment.json"));
    assert!(
        report["validation_rows"].as_u64().unwrap() > 0
            && report["validation_rare"].as_u64().unwrap() > 0,
        "{report}"
    );
    let bytes = std::fs::read(&out).unwrap();

    // An existing output is refused and left as it was.
    let again = run(args(&cfg, &out, &[]));
    assert_eq!(again.status.code(), Some(2));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains("--force") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), bytes);

    // The same seed in a fresh working directory: the same choice, the same bytes.
    let cfg_b = augment_config(dir, "augment-b.toml", "work-b", &gens);
    let out_b = dir.join("augmented-b.csv");
    ok(&run(args(&cfg_b, &out_b, &[])));
    assert_eq!(std::fs::read(&out_b).unwrap(), bytes, "not reproducible");

    // --force-augment (reusing work-b's models): generated rows either way.
    ok(&run(args(&cfg_b, &out_b, &["--force", "--force-augment"])));
    let forced_added = check_output(&out_b, &train);
    assert!(forced_added > 0);
    if added > 0 {
        assert_eq!(std::fs::read(&out_b).unwrap(), bytes);
    } else {
        assert!(json(&out_b.with_extension("augment.json"))["forced"] == true);
    }

    // The margin decides (reusing work-b's models and validation scores): an unreachable margin
    // always keeps the real rows; a margin of 0 follows the plain maximum. `check_output`
    // checks both decisions against the reported scores.
    for (margin, name) in [("1e6", "huge"), ("0", "zero")] {
        let cfg_m = augment_config_with(
            dir,
            &format!("augment-{name}.toml"),
            "work-b",
            &gens,
            &format!("decline_margin = {margin}"),
        );
        let out_m = dir.join(format!("augmented-{name}.csv"));
        ok(&run(args(&cfg_m, &out_m, &[])));
        let added_m = check_output(&out_m, &train);
        let report_m = json(&out_m.with_extension("augment.json"));
        if name == "huge" {
            assert_eq!(added_m, 0, "{report_m}");
            let md = std::fs::read_to_string(out_m.with_extension("augment.md")).unwrap();
            assert!(md.contains("not recommended"), "{md}");
        }
    }

    // Committee mode (reusing work-b's models; its validation scores, made without committees,
    // are scored again), first with the margin only (`force_below_rare_rows = 0`): the rule
    // decides as above; forced, the best committee is written, the
    // real rows once and then each generator's member rows; reproducible from the working
    // directory; whatever the margin, the forced committee is the same.
    let committee = |name: &str, extra: &str| {
        augment_config_with(
            dir,
            &format!("augment-{name}.toml"),
            "work-b",
            &gens,
            &format!("mode = \"committee\"\n{extra}"),
        )
    };
    let cfg_c = committee("committee", "force_below_rare_rows = 0");
    let out_c = dir.join("committee.csv");
    ok(&run(args(&cfg_c, &out_c, &[])));
    check_output(&out_c, &train);
    let out_cf = dir.join("committee-forced.csv");
    ok(&run(args(&cfg_c, &out_cf, &["--force-augment"])));
    let added_c = check_output(&out_cf, &train);
    let report_c = json(&out_cf.with_extension("augment.json"));
    assert!(added_c > 0, "{report_c}");
    assert_eq!(
        report_c["members"].as_array().unwrap().len(),
        2,
        "{report_c}"
    );
    let md = std::fs::read_to_string(out_cf.with_extension("augment.md")).unwrap();
    assert!(
        md.contains("one classifier per member") && md.contains("committee of oversamplers"),
        "{md}"
    );
    let forced_bytes = std::fs::read(&out_cf).unwrap();
    ok(&run(args(&cfg_c, &out_cf, &["--force", "--force-augment"])));
    assert_eq!(
        std::fs::read(&out_cf).unwrap(),
        forced_bytes,
        "not reproducible"
    );
    let cfg_cm = committee(
        "committee-huge",
        "decline_margin = 1e6\nforce_below_rare_rows = 0",
    );
    let out_cm = dir.join("committee-huge.csv");
    ok(&run(args(&cfg_cm, &out_cm, &[])));
    assert_eq!(check_output(&out_cm, &train), 0);
    ok(&run(args(
        &cfg_cm,
        &out_cm,
        &["--force", "--force-augment"],
    )));
    check_output(&out_cm, &train);
    assert_eq!(std::fs::read(&out_cm).unwrap(), forced_bytes);

    // Few rare rows: with the training table's rare rows at most `force_below_rare_rows`, the
    // best committee is written without the margin (even an unreachable one), the same rows as
    // forced; one rare row fewer in the bound, the margin decides again.
    let out_cs = dir.join("committee-scarce.csv");
    let n_rare = report_c["rows_real_rare"].as_u64().unwrap();
    let cfg_cs = committee(
        "committee-scarce",
        &format!("decline_margin = 1e6\nforce_below_rare_rows = {n_rare}"),
    );
    ok(&run(args(&cfg_cs, &out_cs, &[])));
    assert!(check_output(&out_cs, &train) > 0);
    let report_cs = json(&out_cs.with_extension("augment.json"));
    assert_eq!(report_cs["scarce"], true, "{report_cs}");
    assert_eq!(std::fs::read(&out_cs).unwrap(), forced_bytes);
    let md = std::fs::read_to_string(out_cs.with_extension("augment.md")).unwrap();
    assert!(
        md.contains("without the validation margin") && md.contains("committee (scarce)"),
        "{md}"
    );
    let cfg_cs = committee(
        "committee-not-scarce",
        &format!(
            "decline_margin = 1e6\nforce_below_rare_rows = {}",
            n_rare - 1
        ),
    );
    ok(&run(args(&cfg_cs, &out_cs, &["--force"])));
    assert_eq!(check_output(&out_cs, &train), 0);
    // The default bound is 1000 rare rows: this table's are fewer, so the committee is kept
    // without the margin.
    let cfg_cd = committee("committee-default", "decline_margin = 1e6");
    ok(&run(args(&cfg_cd, &out_cs, &["--force"])));
    assert!(check_output(&out_cs, &train) > 0);
    let report_cd = json(&out_cs.with_extension("augment.json"));
    assert_eq!(report_cd["force_below_rare_rows"], 1000, "{report_cd}");
    assert_eq!(report_cd["scarce"], true, "{report_cd}");
    assert_eq!(std::fs::read(&out_cs).unwrap(), forced_bytes);
    // The single mode has no such key: refused, naming it and the fix.
    let cfg_single = augment_config_with(
        dir,
        "augment-single-scarce.toml",
        "work-b",
        &gens,
        "force_below_rare_rows = 1000",
    );
    let failed = run(args(&cfg_single, &dir.join("single-scarce.csv"), &[]));
    assert_eq!(failed.status.code(), Some(2));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("`force_below_rare_rows`")
            && err.contains("committee")
            && !err.contains("panicked"),
        "{err}"
    );

    // No rare class: refused, naming the key.
    let bad = augment_config(
        dir,
        "augment-bad.toml",
        "work-c",
        &[generator(dir, &train, "copula", false)],
    );
    let out_c = dir.join("c.csv");
    let failed = run(args(&bad, &out_c, &[]));
    assert_eq!(failed.status.code(), Some(2));
    let err = String::from_utf8_lossy(&failed.stderr);
    assert!(
        err.contains("`positive`") && !err.contains("panicked"),
        "{err}"
    );
    assert!(!out_c.exists());
}

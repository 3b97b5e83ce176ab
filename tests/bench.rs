//! `synthkit bench` end to end on a slice of the real ai4i data: every scarcity level and
//! replicate runs, every choice is made on the validation part and scored on test, the split
//! never reaches the test rows, a rerun resumes (finished cells are not redone and a recomputed
//! cell gives the same numbers), changed settings are refused, `--assemble-only` assembles
//! without running, and the HTML report renders in headless Chromium (required where `CI` is
//! set; CI installs Debian's chromium).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{ROOT, rows_of, synthkit};

/// The first `rows` data lines of ai4i's training file.
fn ai4i_slice(dir: &Path, rows: usize) -> PathBuf {
    let text =
        std::fs::read_to_string(format!("{ROOT}/datasets/ai4i_machine_failure/train.csv")).unwrap();
    let lines: Vec<&str> = text.lines().take(rows + 1).collect();
    let p = dir.join("train.csv");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

fn generator(dir: &Path, train: &Path, kind: &str) -> PathBuf {
    let transform = if kind == "copula" {
        "[transform]\ncontinuous = \"quantile\"\n"
    } else {
        ""
    };
    let text = format!(
        r#"[data]
train = "{}"
test = "{ROOT}/datasets/ai4i_machine_failure/test.csv"
target = "Machine failure"
positive = "1"
categorical = ["Type", "Machine failure"]

{transform}
[model]
kind = "{kind}"

[train]
checkpoint_every = 0
"#,
        train.display()
    );
    let p = dir.join(format!("{kind}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn bench_config(dir: &Path, gens: &[PathBuf], replicates: usize) -> PathBuf {
    let list: Vec<String> = gens
        .iter()
        .map(|g| format!("\"{}\"", g.display()))
        .collect();
    let text = format!(
        r#"out = "{}"
replicates = {replicates}
scarcity = [10, "all"]
epochs = 1
classifiers = [{{ kind = "gradient_boosting", iterations = 20 }}]
# Level 10 at or below the bound, "all" (about 50 rare rows) above: committee (scarce) takes
# both branches.
force_below_rare_rows = 20

[arms]
ratios = [0.5, 1.0]
oversamplers = [{{ method = "smote" }}, {{ method = "random" }}]
variant_ratios = [1.0]
committee = true

[[datasets]]
name = "ai4i"
generators = [{}]
"#,
        dir.join("out").display(),
        list.join(", ")
    );
    let p = dir.join(format!("bench-{replicates}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn ok(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn ids(v: &serde_json::Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

/// Every row of a CSV or Parquet table as one string (for comparing rows across files).
fn row_keys(p: &Path) -> HashSet<String> {
    let df = synthkit_data::io::read_table(p).unwrap();
    let cols: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    rows_of(&df, &cols).into_iter().collect()
}

#[test]
fn bench_runs_resumes_and_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let train = ai4i_slice(dir, 1500);
    let gens = [
        generator(dir, &train, "ctgan"),
        generator(dir, &train, "tvae"),
        generator(dir, &train, "copula"),
    ];
    let cfg = bench_config(dir, &gens, 2);
    let cfg_s = cfg.to_str().unwrap();
    ok(&synthkit(&["bench", "--config", cfg_s, "--quiet"]));

    let ds = dir.join("out").join("ai4i");
    for f in [
        "report.md",
        "report.html",
        "results.json",
        "plots/scarcity-pr-auc.svg",
        "plots/scarcity-recall.svg",
        "plots/ratio-pr-auc.svg",
        "plots/losses-ctgan.svg",
        "plots/pairs-tvae.svg",
        "plots/marginal-Torque__Nm_.svg",
        "plots/marginal-Type.svg",
    ] {
        assert!(ds.join(f).exists(), "missing {f}");
    }
    assert!(dir.join("out").join("summary.md").exists());

    let results = json(&ds.join("results.json"));
    let levels = results["levels"].as_array().unwrap();
    assert_eq!(levels.len(), 2);
    for (l, key) in levels.iter().zip(["N10", "all"]) {
        let s = &l["summary"];
        assert_eq!(s["replicates"], 2);
        let methods: Vec<&str> = s["methods"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["method"].as_str().unwrap())
            .collect();
        assert_eq!(
            methods,
            [
                "real only",
                "best oversampler",
                "plain generator",
                "ctgan",
                "tvae",
                "copula",
                "ensemble",
                "augment",
                "augment (no margin)",
                "augment (curated, weighted)",
                "committee",
                "committee (margin)",
                "committee (scarce)",
                "oversampler committee",
                "bagged real",
                "best on test (oracle)"
            ]
        );
        // Every choice is the best arm of its kind on *validation*, recomputed here from the
        // stage files, and its reported score is that arm's *test* score.
        for (r, picks) in l["picks"].as_array().unwrap().iter().enumerate() {
            let rep = ds.join(format!("{key}-r{r}"));
            // `committee (scarce)` is `committee` at or below the bound, `committee (margin)`
            // above it.
            let rare_train = json(&rep.join("split.json"))["rare"][0].as_u64().unwrap();
            assert_eq!(results["force_below_rare_rows"], 20);
            let scarce = rare_train <= 20;
            assert_eq!(
                scarce,
                key == "N10",
                "{key}: {rare_train} rare training rows"
            );
            let val = json(&rep.join("cells/stage-validation.json"));
            let test = json(&rep.join("cells/stage-test.json"));
            let score = |stage: &serde_json::Value, arm: &serde_json::Value| {
                stage["runs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| &x["arm"] == arm)
                    .map(|x| x["metrics"]["pr_auc"].as_f64().unwrap())
            };
            for pair in picks["picks"].as_array().unwrap() {
                let (method, pick) = (pair[0].as_str().unwrap(), &pair[1]);
                let arm = &pick["arm"];
                assert_eq!(
                    score(&test, arm).unwrap(),
                    pick["test"]["pr_auc"].as_f64().unwrap(),
                    "{method}"
                );
                if method == "best on test (oracle)" {
                    continue;
                }
                let candidate = |a: &serde_json::Value| match method {
                    "real only" => a["arm"] == "real",
                    "best oversampler" => a["arm"] == "oversample",
                    "plain generator" => {
                        a["arm"] == "augment"
                            && a["source"]["generator"].is_string()
                            && a["filter"] == false
                            && a["weight"] == 1.0
                            && a["condition"] == "force"
                    }
                    "augment" | "augment (no margin)" => {
                        a["arm"] == "real" || a["arm"] == "augment"
                    }
                    "augment (curated, weighted)" => {
                        a["arm"] == "augment"
                            && a["filter"] == true
                            && a["weight"].as_f64().unwrap() < 1.0
                    }
                    "ensemble" => a["arm"] == "augment" && a["source"] == "ensemble",
                    "committee" | "committee (margin)" | "committee (scarce)" => {
                        a["arm"] == "committee"
                    }
                    "oversampler committee" => a["arm"] == "oversample_committee",
                    "bagged real" => a["arm"] == "bagged_real",
                    g => a["arm"] == "augment" && a["source"]["generator"] == g,
                };
                let best = val["runs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|x| candidate(&x["arm"]))
                    .map(|x| x["metrics"]["pr_auc"].as_f64().unwrap())
                    .fold(f64::NEG_INFINITY, f64::max);
                if matches!(
                    method,
                    "augment" | "augment (curated, weighted)" | "committee (margin)"
                ) || (method == "committee (scarce)" && !scarce)
                {
                    // The default margin: the best of the method's generator arms must beat
                    // the real rows' validation PR-AUC by one sampling error,
                    // √(AP (1 − AP) / rare); otherwise the real rows are kept.
                    let ap = score(&val, &serde_json::json!({"arm": "real"})).unwrap();
                    let rare = val["n_eval_rare"].as_f64().unwrap();
                    let needed = ap + (ap * (1.0 - ap) / rare).sqrt();
                    if best > needed {
                        assert!(
                            arm["arm"] != "real" && candidate(arm),
                            "{method} {key}-r{r}"
                        );
                        assert_eq!(score(&val, arm).unwrap(), best, "{method} {key}-r{r}");
                    } else {
                        assert_eq!(arm["arm"], "real", "{method} {key}-r{r}: {best} ≤ {needed}");
                    }
                    continue;
                }
                assert_eq!(score(&val, arm).unwrap(), best, "{method} on {key}-r{r}");
            }
        }
    }

    // The replicates' rows: exactly the training file's, never a test row; the fit and
    // validation parts partition the reduced split; level N10 keeps 10 rare rows.
    let test_rows = row_keys(Path::new(&format!(
        "{ROOT}/datasets/ai4i_machine_failure/test.csv"
    )));
    let train_rows = row_keys(&train);
    for rep in ["N10-r0", "N10-r1", "all-r0", "all-r1"] {
        let d = ds.join(rep);
        let split = json(&d.join("split.json"));
        let (tr, fit, val) = (
            ids(&split["train"]),
            ids(&split["fit"]),
            ids(&split["validation"]),
        );
        assert!(tr.iter().all(|&i| i < 1500), "{rep}");
        let f: HashSet<u64> = fit.iter().copied().collect();
        assert!(
            val.iter().all(|i| !f.contains(i)),
            "{rep}: fit and validation overlap"
        );
        let mut both: Vec<u64> = fit.iter().chain(&val).copied().collect();
        both.sort_unstable();
        assert_eq!(both, tr, "{rep}");
        for part in ["train", "fit", "validation"] {
            let rows = row_keys(&d.join(format!("{part}.parquet")));
            assert!(rows.is_subset(&train_rows), "{rep}/{part}");
            assert!(
                rows.is_disjoint(&test_rows),
                "{rep}/{part} holds a test row"
            );
        }
        if rep.starts_with("N10") {
            assert_eq!(split["rare"][0], 10);
        }
    }

    // A rerun skips finished cells; a deleted cell is recomputed to the same numbers.
    let cell = ds.join("all-r1/cells/stage-validation.json");
    let kept = ds.join("N10-r0/cells/stage-test.json");
    let kept_mtime = std::fs::metadata(&kept).unwrap().modified().unwrap();
    let before = std::fs::read_to_string(&cell).unwrap();
    std::fs::remove_file(&cell).unwrap();
    ok(&synthkit(&["bench", "--config", cfg_s, "--quiet"]));
    assert_eq!(std::fs::read_to_string(&cell).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&kept).unwrap().modified().unwrap(),
        kept_mtime
    );

    // --assemble-only runs nothing: with a stage deleted, that replicate is left out.
    std::fs::remove_file(&cell).unwrap();
    ok(&synthkit(&[
        "bench",
        "--config",
        cfg_s,
        "--quiet",
        "--assemble-only",
    ]));
    assert!(!cell.exists());
    let partial = json(&ds.join("results.json"));
    assert_eq!(partial["levels"][1]["summary"]["replicates"], 1);
    ok(&synthkit(&["bench", "--config", cfg_s, "--quiet"]));

    // Other settings into the same directory are refused.
    let other = bench_config(dir, &gens, 3);
    let text = std::fs::read_to_string(&other)
        .unwrap()
        .replace("ratios = [0.5, 1.0]", "ratios = [0.5, 2.0]");
    std::fs::write(&other, text).unwrap();
    let out = synthkit(&["bench", "--config", other.to_str().unwrap(), "--quiet"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("bench.resolved.toml"), "{err}");

    // The HTML page is self-contained and renders.
    let html = std::fs::read_to_string(ds.join("report.html")).unwrap();
    assert!(!html.contains("src=\"") && !html.contains("href=\""));
    let figures = html.matches("<figure").count();
    assert_eq!(html.matches("<svg").count(), figures);
    render_in_chromium(&ds.join("report.html"), figures, dir);
}

/// Loads the page in headless Chromium: the DOM it builds holds every figure's SVG, and a
/// screenshot is written and is not blank.
fn render_in_chromium(page: &Path, figures: usize, dir: &Path) {
    let chromium = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| Command::new(c).arg("--version").output().is_ok());
    let Some(chromium) = chromium else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install chromium (scripts/setup.sh with SYNTHKIT_SETUP_BROWSER=1)"
        );
        eprintln!("chromium not installed: report rendering not checked");
        return;
    };
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = format!("--user-data-dir={}", dir.join("chromium").display());
    let dom = Command::new(chromium)
        .args(flags)
        .arg(&profile)
        .args(["--dump-dom", &url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert_eq!(dom.matches("<svg").count(), figures, "DOM:\n{dom:.2000}");
    assert!(dom.contains("synthkit bench: ai4i"));
    let png = dir.join("report.png");
    let shot = Command::new(chromium)
        .args(flags)
        .arg(&profile)
        .arg(format!("--screenshot={}", png.display()))
        .args(["--window-size=1200,2400", &url])
        .output()
        .unwrap();
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&shot.stderr)
    );
    // A blank 1200×2400 page compresses to a few KB; text, tables and plots do not.
    let size = std::fs::metadata(&png).unwrap().len();
    assert!(size > 40_000, "screenshot only {size} bytes");
}

#[test]
fn bad_bench_configs_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let cases: [(&str, &[&str]); 4] = [
        (
            "replicates = 3\ndatasets = []\n",
            &["no data sets", "[[datasets]]"],
        ),
        (
            "[[datasets]]\nname = \"a b\"\ngenerators = [\"configs/ai4i.toml\"]\n",
            &["a b", "letters"],
        ),
        (
            "[[datasets]]\nname = \"x\"\ngenerators = [\"configs/ai4i.toml\", \"configs/thyroid_sick-tvae.toml\"]\n",
            &["other data"],
        ),
        (
            "decline_margin = -1\n[[datasets]]\nname = \"x\"\ngenerators = [\"configs/ai4i.toml\"]\n",
            &["`decline_margin` is -1", "≥ 0"],
        ),
    ];
    for (i, (text, needles)) in cases.iter().enumerate() {
        let p = dir.join(format!("b{i}.toml"));
        std::fs::write(&p, text).unwrap();
        let out = synthkit(&[
            "bench",
            "--config",
            p.to_str().unwrap(),
            "--out",
            dir.join("o").to_str().unwrap(),
            "--quiet",
        ]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        for n in *needles {
            assert!(err.contains(n), "expected `{n}` in: {err}");
        }
    }
}

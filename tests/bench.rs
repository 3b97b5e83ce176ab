//! `synthkit bench` end to end on a slice of the real ai4i data: the matrix runs, every arm is in
//! the assembled report, a rerun resumes (finished cells are not redone and a recomputed cell
//! gives the same numbers), changed settings are refused, and the HTML report renders in
//! headless Chromium (required where `CI` is set; CI installs Debian's chromium).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn synthkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args(args)
        .current_dir(ROOT)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run synthkit")
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

fn generator(dir: &Path, train: &Path, kind: &str) -> PathBuf {
    let text = format!(
        r#"[data]
train = "{}"
test = "{ROOT}/datasets/ai4i_machine_failure/test.csv"
target = "Machine failure"
positive = "1"
categorical = ["Type", "Machine failure"]

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

fn bench_config(dir: &Path, gens: &[PathBuf], seeds: u64) -> PathBuf {
    let list: Vec<String> = gens
        .iter()
        .map(|g| format!("\"{}\"", g.display()))
        .collect();
    let text = format!(
        r#"out = "{}"
seeds = {seeds}
epochs = 1

[utility]
ratios = [1.0, 2.0]
baselines = [{{ method = "smote" }}, {{ method = "random" }}]
baselines_auto = false
classifiers = [{{ kind = "gradient_boosting", iterations = 20 }}, {{ kind = "logistic" }}]

[[datasets]]
name = "ai4i"
generators = [{}]
"#,
        dir.join("out").display(),
        list.join(", ")
    );
    let p = dir.join(format!("bench-{seeds}.toml"));
    std::fs::write(&p, text).unwrap();
    p
}

fn ok(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "bench failed:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bench_runs_resumes_and_renders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let train = ai4i_slice(dir, 1500);
    let gens = [
        generator(dir, &train, "ctgan"),
        generator(dir, &train, "tvae"),
    ];
    let cfg = bench_config(dir, &gens, 2);
    let cfg_s = cfg.to_str().unwrap();
    ok(&synthkit(&["bench", "--config", cfg_s, "--quiet"]));

    let ds = dir.join("out").join("ai4i");
    for f in [
        "report.md",
        "report.html",
        "utility.json",
        "plots/ratio-gbt.svg",
        "plots/ratio-logistic.svg",
        "plots/losses-ctgan.svg",
        "plots/pairs-tvae.svg",
        "plots/marginal-Torque__Nm_.svg",
        "plots/marginal-Type.svg",
    ] {
        assert!(ds.join(f).exists(), "missing {f}");
    }
    assert!(dir.join("out").join("summary.md").exists());

    // Every arm of the matrix, each over both seeds and both classifiers.
    let utility: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(ds.join("utility.json")).unwrap()).unwrap();
    let summary = utility["summary"].as_array().unwrap();
    let label = |s: &serde_json::Value| -> String {
        let a = &s["arm"];
        match a["arm"].as_str().unwrap() {
            "real" => "real".into(),
            "tstr" => format!("tstr:{}", a["generator"].as_str().unwrap()),
            "augment" => format!("{}@{}", a["generator"].as_str().unwrap(), a["ratio"]),
            _ => format!("{}@{}", a["method"]["method"].as_str().unwrap(), a["ratio"]),
        }
    };
    let mut arms: Vec<String> = summary.iter().map(label).collect();
    arms.sort();
    arms.dedup();
    assert_eq!(
        arms,
        [
            "ctgan@1.0",
            "ctgan@2.0",
            "random@1.0",
            "random@2.0",
            "real",
            "smote@1.0",
            "smote@2.0",
            "tstr:ctgan",
            "tstr:tvae",
            "tvae@1.0",
            "tvae@2.0"
        ]
    );
    assert_eq!(summary.len(), 2 * arms.len());
    assert!(summary.iter().all(|s| s["n_seeds"] == 2), "{summary:?}");
    // The real arm is trained by several cells; it is kept once per seed and classifier.
    assert_eq!(
        utility["runs"].as_array().unwrap().len(),
        2 * 2 * arms.len()
    );
    // Augmentation arms are compared with SMOTE at the same ratio.
    assert!(
        utility["vs_smote"].as_array().unwrap().iter().any(|c| {
            c["arm"]["arm"] == "augment" && c["against"]["ratio"] == c["arm"]["ratio"]
        })
    );

    // A rerun skips finished cells; a deleted cell is recomputed to the same numbers.
    let cell = ds.join("cells").join("utility-tvae-seed1.json");
    let kept = ds.join("cells").join("baselines-seed0.json");
    let kept_mtime = std::fs::metadata(&kept).unwrap().modified().unwrap();
    let before = std::fs::read_to_string(&cell).unwrap();
    std::fs::remove_file(&cell).unwrap();
    ok(&synthkit(&["bench", "--config", cfg_s, "--quiet"]));
    assert_eq!(std::fs::read_to_string(&cell).unwrap(), before);
    assert_eq!(
        std::fs::metadata(&kept).unwrap().modified().unwrap(),
        kept_mtime
    );

    // Other settings into the same directory are refused.
    let other = bench_config(dir, &gens, 3);
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
    let cases: [(&str, &[&str]); 3] = [
        (
            "seeds = 3\ndatasets = []\n",
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

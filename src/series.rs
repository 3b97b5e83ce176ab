//! `synthkit series …`: TimeGAN on long-format time series, driven by a TOML config.
//!
//! ```text
//! synthkit series fit    --config configs/cmapss-timegan.toml [--seed N] [--iterations N] [--out DIR] [--resume] [--force] [--quiet]
//! synthkit series sample --model runs/cmapss-timegan --sequences 100 [--label 1] [--seed N] --out seqs.csv [--force]
//! synthkit series eval   --config configs/cmapss-timegan.toml [--model DIR] [--out report.json] [--force]
//! ```
//!
//! `eval` computes the TimeGAN paper's discriminative and predictive scores, per-feature marginal
//! and autocorrelation fidelity, and (for labelled data) the augmentation benchmark: a GRU
//! sequence classifier trained on real training sequences, alone or plus rare-class sequences
//! from TimeGAN or from the jitter / window-slicing / flattened-SMOTE baselines, scored on the
//! real test sequences.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use synthkit_data::io::{write_atomic, write_table};
use synthkit_data::sequence::{LongFormat, MinMaxScaler, SequenceSet, read_long};
use synthkit_eval::metrics::{ClassificationMetrics, MetricOptions};
use synthkit_eval::series::{FeatureFidelity, jitter, series_fidelity, smote_flat, window_slice};
use synthkit_eval::stats::MeanStd;
use synthkit_models::TimeGanConfig;
use synthkit_train::series_metrics::{
    ClassifierOptions, DISCRIMINATIVE_ITERATIONS, POSTHOC_BATCH, PREDICTIVE_ITERATIONS,
    PostHocOptions, SequenceClassifier, discriminative_score, predictive_score,
};
use synthkit_train::{DeviceChoice, FittedTimeGan, TrainOptions, fit_timegan};

/// `synthkit series` and its subcommands.
#[derive(clap::Args, Debug)]
pub struct SeriesArgs {
    #[command(subcommand)]
    command: SeriesCommand,
}

#[derive(clap::Subcommand, Debug)]
enum SeriesCommand {
    /// Train TimeGAN on the config's long-format training file; save it to the run directory.
    Fit(FitArgs),
    /// Sample whole sequences (optionally of one label) to a long-format file.
    Sample(SampleArgs),
    /// Discriminative / predictive scores, fidelity and the augmentation benchmark.
    Eval(EvalArgs),
}

#[derive(clap::Args, Debug)]
struct FitArgs {
    /// The TOML configuration (see configs/*-timegan.toml).
    #[arg(long)]
    config: PathBuf,
    /// Override `[train] seed`.
    #[arg(long)]
    seed: Option<u64>,
    /// Override `[model] iterations` (per phase).
    #[arg(long)]
    iterations: Option<usize>,
    /// Override `[train] out`.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    flags: crate::fit::FitFlags,
}

#[derive(clap::Args, Debug)]
struct SampleArgs {
    /// A run directory written by `synthkit series fit` (or its `model/`).
    #[arg(long)]
    model: PathBuf,
    /// Number of sequences.
    #[arg(long)]
    sequences: usize,
    /// Only sequences of this label (exactly `--sequences` of them, no rejection).
    #[arg(long)]
    label: Option<String>,
    /// Seed of the noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output file (.csv or .parquet), long format.
    #[arg(long)]
    out: PathBuf,
    /// Overwrite `--out`.
    #[arg(long)]
    force: bool,
}

#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// The TOML configuration the model was trained with.
    #[arg(long)]
    config: PathBuf,
    /// The run directory (default `[train] out`).
    #[arg(long)]
    model: Option<PathBuf>,
    /// Report file (default `<run>/eval.json`; a Markdown summary is written next to it).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Overwrite the report.
    #[arg(long)]
    force: bool,
}

/// The whole configuration file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesConfig {
    /// Data files and columns.
    pub data: SeriesData,
    /// TimeGAN hyperparameters (defaults: the reference's).
    #[serde(default)]
    pub model: TimeGanConfig,
    /// Seed, device, output.
    #[serde(default)]
    pub train: SeriesTrain,
    /// Evaluation settings.
    #[serde(default)]
    pub eval: SeriesEval,
}

/// `[data]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesData {
    /// Long-format training file.
    pub train: PathBuf,
    /// Long-format held-out file (needed by `eval`'s augmentation benchmark).
    #[serde(default)]
    pub test: Option<PathBuf>,
    /// Sequence id column.
    pub id: String,
    /// Step column.
    pub time: String,
    /// Feature columns (default: every other numeric column).
    #[serde(default)]
    pub features: Vec<String>,
    /// Label column of labelled data.
    #[serde(default)]
    pub target: Option<String>,
    /// The rare label (needed for augmentation).
    #[serde(default)]
    pub positive: Option<String>,
    /// Window length (default: the full sequence).
    #[serde(default)]
    pub window: Option<usize>,
    /// Window stride (default 1).
    #[serde(default)]
    pub stride: Option<usize>,
    /// Rejoin sequences with consecutive integer ids (chunks of one long series, as
    /// `timegan_stock`) before cutting windows, so windows span chunk borders. Default false.
    #[serde(default)]
    pub join_consecutive: bool,
    /// Keep only this many sequences of the `positive` label from the training file: the
    /// scarce-failure setting in which augmentation is meant to help. The choice is fixed
    /// (seeded by [`RARE_TRAIN_SEED`], independent of `[train] seed`) and made before windowing;
    /// fit and eval see the same subset, and the held-out file is untouched. Default: all.
    #[serde(default)]
    pub rare_train: Option<usize>,
}

/// Seed of the `rare_train` choice.
pub const RARE_TRAIN_SEED: u64 = 2019;

impl SeriesData {
    fn format(&self) -> LongFormat {
        LongFormat {
            id: self.id.clone(),
            time: self.time.clone(),
            features: self.features.clone(),
            target: self.target.clone(),
        }
    }

    /// The training sequences, with `rare_train` applied.
    fn load_train(&self) -> Result<SequenceSet> {
        self.load_keeping(&self.train, self.rare_train)
    }

    fn load(&self, path: &Path) -> Result<SequenceSet> {
        self.load_keeping(path, None)
    }

    fn load_keeping(&self, path: &Path, rare: Option<usize>) -> Result<SequenceSet> {
        let mut set = read_long(path, &self.format())
            .with_context(|| format!("reading sequences from `{}`", path.display()))?;
        if let Some(n) = rare {
            let Some(positive) = &self.positive else {
                bail!("[data] rare_train needs `target` and `positive`: which label is rare?");
            };
            let pos = set.indices_of(positive)?;
            if n == 0 || n > pos.len() {
                bail!(
                    "[data] rare_train = {n}, but `{}` has {} sequences labelled `{positive}`; \
                     choose 1 to {}",
                    path.display(),
                    pos.len(),
                    pos.len()
                );
            }
            let available = pos.len();
            let chosen = synthkit_data::seed::seeded_choice(&pos, n, RARE_TRAIN_SEED);
            let labels = set.labels.as_ref().expect("indices_of checked the labels");
            let mut keep: Vec<usize> = (0..set.len())
                .filter(|&i| &labels[i] != positive)
                .chain(chosen)
                .collect();
            keep.sort_unstable();
            tracing::info!(kept = n, of = available, label = %positive, "rare_train: scarce rare class");
            set = set.select(&keep);
        }
        let w = self.window.unwrap_or(set.seq_len);
        let stride = self.stride.unwrap_or(1);
        Ok(if self.join_consecutive {
            set.windows_joined(w, stride)?
        } else {
            set.windows(w, stride)?
        })
    }
}

/// `[train]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeriesTrain {
    /// `cpu` or `wgpu`. Default cpu.
    pub device: DeviceChoice,
    /// Seed. Default 42.
    pub seed: u64,
    /// Run directory. Default `runs/<config stem>`.
    pub out: Option<PathBuf>,
    /// Write a checkpoint (into `<out>/checkpoints`) every this many blocks of 100 iterations
    /// of a phase (0 = never). Default 5. The newest 3 are kept.
    pub checkpoint_every: usize,
}

impl Default for SeriesTrain {
    fn default() -> Self {
        Self {
            device: DeviceChoice::Cpu,
            seed: 42,
            out: None,
            checkpoint_every: 5,
        }
    }
}

/// `[eval]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeriesEval {
    /// Repeats of every score (seeds 0..repeats). Default 10 (`metric_iteration`).
    pub repeats: usize,
    /// Discriminative-score iterations. Default 2000 (reference).
    pub discriminative_iterations: usize,
    /// Predictive-score iterations. Default 5000 (reference).
    pub predictive_iterations: usize,
    /// Lags of the autocorrelation fidelity. Default 5.
    pub max_lag: usize,
    /// Synthetic rare sequences added = `augment_ratio × (majority − minority)` training
    /// sequences. Default 1 (balance the classes, imbalanced-learn's `auto`).
    pub augment_ratio: f64,
    /// σ of the jitter baseline (on min-max scaled data). Default 0.03.
    pub jitter_sigma: f64,
    /// Crop ratio of the window-slicing baseline. Default 0.9.
    pub slice_ratio: f64,
    /// k of the flattened SMOTE baseline. Default 5.
    pub smote_k: usize,
    /// The downstream sequence classifier.
    pub classifier: ClassifierOptions,
}

impl Default for SeriesEval {
    fn default() -> Self {
        Self {
            repeats: 10,
            discriminative_iterations: DISCRIMINATIVE_ITERATIONS,
            predictive_iterations: PREDICTIVE_ITERATIONS,
            max_lag: 5,
            augment_ratio: 1.0,
            jitter_sigma: 0.03,
            slice_ratio: 0.9,
            smote_k: 5,
            classifier: ClassifierOptions::default(),
        }
    }
}

impl SeriesConfig {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read config file `{}`", path.display()))?;
        let cfg: SeriesConfig = toml::from_str(&text)
            .map_err(|e| anyhow::anyhow!("config `{}` is invalid: {e}", path.display()))?;
        cfg.model
            .check()
            .with_context(|| format!("config `{}`, section [model]", path.display()))?;
        if cfg.data.positive.is_some() && cfg.data.target.is_none() {
            bail!(
                "config `{}`: [data] sets `positive` but no `target`; name the label column",
                path.display()
            );
        }
        if cfg.eval.repeats == 0 {
            bail!(
                "config `{}`: [eval] repeats must be at least 1",
                path.display()
            );
        }
        Ok(cfg)
    }

    fn out_dir(&self, config_path: &Path) -> PathBuf {
        self.train.out.clone().unwrap_or_else(|| {
            let stem = config_path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned());
            PathBuf::from("runs").join(stem.unwrap_or_else(|| "series".into()))
        })
    }
}

/// Runs `synthkit series …`.
pub fn run(args: SeriesArgs) -> Result<()> {
    match args.command {
        SeriesCommand::Fit(a) => fit(&a),
        SeriesCommand::Sample(a) => sample(&a),
        SeriesCommand::Eval(a) => eval(&a),
    }
}

fn model_dir(dir: &Path) -> Result<PathBuf> {
    for d in [dir.join("model"), dir.to_path_buf()] {
        if d.join("model.json").exists() {
            return Ok(d);
        }
    }
    bail!(
        "`{}` holds no trained TimeGAN (no model.json); train one with `synthkit series fit`",
        dir.display()
    )
}

#[derive(Serialize)]
struct FitSummary {
    sequences: usize,
    seq_len: usize,
    features: usize,
    classes: Vec<String>,
    iterations_per_phase: usize,
    train_seconds: f64,
    seconds_per_iteration: BTreeMap<String, f64>,
    device: String,
}

fn fit(a: &FitArgs) -> Result<()> {
    let mut cfg = SeriesConfig::load(&a.config)?;
    if let Some(s) = a.seed {
        cfg.train.seed = s;
    }
    if let Some(i) = a.iterations {
        cfg.model.iterations = i;
        cfg.model.check().context("--iterations")?;
    }
    let out = a.out.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    let model_path = out.join("model");
    if model_path.exists() && !a.flags.force {
        bail!(
            "`{}` already holds a trained model; pass --force to replace it, or choose another `--out`",
            model_path.display()
        );
    }
    let train = cfg.data.load_train()?;
    if let (Some(_), Some(p)) = (&train.labels, &cfg.data.positive) {
        let n = train.indices_of(p)?.len();
        tracing::info!(positive = %p, sequences = n, "rare class");
    }
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create `{}`", out.display()))?;
    crate::fit::prepare_checkpoints(&out.join("checkpoints"), a.flags.resume, a.flags.force)?;
    let opts = TrainOptions {
        device: cfg.train.device,
        seed: cfg.train.seed,
        progress: !a.flags.quiet,
        checkpoint_every: (cfg.train.checkpoint_every > 0).then_some(cfg.train.checkpoint_every),
        checkpoint_dir: Some(out.join("checkpoints")),
        resume: a.flags.resume,
        max_blocks_this_run: None,
    };
    let t0 = Instant::now();
    let model = fit_timegan(&cfg.model, &train, &opts)?;
    let train_seconds = t0.elapsed().as_secs_f64();
    model.save(&model_path, a.flags.force)?;
    let resolved = toml::to_string_pretty(&cfg).context("serialising the resolved config")?;
    write_atomic(&out.join("config.resolved.toml"), true, |f| {
        std::io::Write::write_all(f, resolved.as_bytes())
    })?;
    let summary = FitSummary {
        sequences: train.len(),
        seq_len: train.seq_len,
        features: train.n_features(),
        classes: model.classes().to_vec(),
        iterations_per_phase: cfg.model.iterations,
        train_seconds,
        seconds_per_iteration: model.seconds_per_iteration(),
        device: cfg.train.device.to_string(),
    };
    let json = serde_json::to_string_pretty(&summary)?;
    write_atomic(&out.join("fit.json"), true, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    tracing::info!(model = %model_path.display(), train_s = format!("{train_seconds:.1}"), "model saved");
    Ok(())
}

fn sample(a: &SampleArgs) -> Result<()> {
    if a.sequences == 0 {
        bail!("--sequences must be at least 1");
    }
    if a.out.exists() && !a.force {
        bail!("`{}` exists; pass --force to overwrite it", a.out.display());
    }
    let dir = model_dir(&a.model)?;
    let model = FittedTimeGan::load(&dir, DeviceChoice::Cpu)
        .with_context(|| format!("cannot load the model in `{}`", dir.display()))?;
    let set = match &a.label {
        None => model.sample(a.sequences, a.seed)?,
        Some(l) => model.sample_where(l, a.sequences, a.seed)?,
    };
    // Column names of the training config are not stored with the model: use generic ones.
    let format = LongFormat {
        id: "seq_id".into(),
        time: "t".into(),
        features: vec![],
        target: set.labels.as_ref().map(|_| "label".to_string()),
    };
    let df = set.to_long(&format)?;
    write_table(&df, &a.out, a.force)?;
    tracing::info!(sequences = set.len(), out = %a.out.display(), "sequences written");
    Ok(())
}

/// Scores of one repeat.
#[derive(Clone, Debug, Serialize)]
struct ScoreRun {
    seed: u64,
    discriminative: f64,
    predictive: f64,
}

#[derive(Serialize)]
struct Scores {
    /// Paper protocol: TimeGAN samples as many sequences as the real training set.
    runs: Vec<ScoreRun>,
    discriminative: MeanStd,
    predictive: MeanStd,
    /// Reference: the predictive score of the real training sequences themselves (TRTR).
    predictive_real: MeanStd,
    /// Reference: the discriminative score of real training vs real test sequences (how far
    /// apart two real samples already are); null without a test file.
    discriminative_real_vs_test: Option<MeanStd>,
    discriminative_iterations: usize,
    predictive_iterations: usize,
    batch_size: usize,
}

#[derive(Serialize)]
struct AugmentMethod {
    method: String,
    added_sequences: usize,
    /// Per repeat: minority_f1, macro_f1, roc_auc, pr_auc, recall_at_precision.
    runs: Vec<ClassificationMetrics>,
    mean: BTreeMap<String, MeanStd>,
}

#[derive(Serialize)]
struct Augmentation {
    positive: String,
    train_sequences: usize,
    train_positive: usize,
    test_sequences: usize,
    test_positive: usize,
    classifier: ClassifierOptions,
    methods: Vec<AugmentMethod>,
}

#[derive(Serialize)]
struct SeriesReport {
    config: String,
    model: String,
    sequences_train: usize,
    seq_len: usize,
    features: Vec<String>,
    iterations_per_phase: usize,
    seconds_per_iteration: BTreeMap<String, f64>,
    scores: Scores,
    fidelity: Vec<FeatureFidelity>,
    fidelity_mean_ks_complement: f64,
    fidelity_mean_acf_abs_diff: f64,
    augmentation: Option<Augmentation>,
    eval_seconds: f64,
}

fn summarise(runs: &[ClassificationMetrics]) -> BTreeMap<String, MeanStd> {
    let mut m = BTreeMap::new();
    for (i, (name, _)) in runs[0].named().iter().enumerate() {
        let v: Vec<f64> = runs.iter().map(|r| r.named()[i].1).collect();
        m.insert(name.to_string(), MeanStd::of(&v));
    }
    m
}

fn eval(a: &EvalArgs) -> Result<()> {
    let cfg = SeriesConfig::load(&a.config)?;
    let run = a.model.clone().unwrap_or_else(|| cfg.out_dir(&a.config));
    let out = a.out.clone().unwrap_or_else(|| run.join("eval.json"));
    if out.exists() && !a.force {
        bail!("`{}` exists; pass --force to overwrite it", out.display());
    }
    let t0 = Instant::now();
    let dir = model_dir(&run)?;
    let model = FittedTimeGan::load(&dir, cfg.train.device)
        .with_context(|| format!("cannot load the model in `{}`", dir.display()))?;
    let train = cfg.data.load_train()?;
    let test = match &cfg.data.test {
        Some(p) => Some(cfg.data.load(p)?),
        None => None,
    };
    if train.features != model.features() || train.seq_len != model.seq_len() {
        bail!(
            "the model was trained on {} steps × {:?} but the config's data are {} steps × {:?}; evaluate with the config it was trained with",
            model.seq_len(),
            model.features(),
            train.seq_len,
            train.features
        );
    }
    let scaler = MinMaxScaler::fit(&train);
    let real = scaler.transform(&train);
    let ev = &cfg.eval;
    let device = cfg.train.device;

    // Scores: synthetic sets the size of the real training set, label mix as in training.
    let mut runs = Vec::new();
    let mut pred_real = Vec::new();
    let mut disc_rt = Vec::new();
    for r in 0..ev.repeats as u64 {
        let synth = scaler.transform(&model.sample(real.len(), 1000 + r)?);
        let d_opts = PostHocOptions {
            iterations: ev.discriminative_iterations,
            batch_size: POSTHOC_BATCH,
            seed: r,
            device,
        };
        let p_opts = PostHocOptions {
            iterations: ev.predictive_iterations,
            ..d_opts.clone()
        };
        let d = discriminative_score(&real, &synth, &d_opts)?;
        let p = predictive_score(&real, &synth, &p_opts)?;
        pred_real.push(predictive_score(&real, &real, &p_opts)?);
        if let Some(te) = &test {
            disc_rt.push(discriminative_score(&real, &scaler.transform(te), &d_opts)?);
        }
        tracing::info!(repeat = r, discriminative = d, predictive = p, "scores");
        runs.push(ScoreRun {
            seed: r,
            discriminative: d,
            predictive: p,
        });
    }
    let scores = Scores {
        discriminative: MeanStd::of(&runs.iter().map(|r| r.discriminative).collect::<Vec<_>>()),
        predictive: MeanStd::of(&runs.iter().map(|r| r.predictive).collect::<Vec<_>>()),
        predictive_real: MeanStd::of(&pred_real),
        discriminative_real_vs_test: (!disc_rt.is_empty()).then(|| MeanStd::of(&disc_rt)),
        runs,
        discriminative_iterations: ev.discriminative_iterations,
        predictive_iterations: ev.predictive_iterations,
        batch_size: POSTHOC_BATCH,
    };

    // Fidelity in original units.
    let synth = model.sample(train.len(), 999)?;
    let fidelity = series_fidelity(&train, &synth, ev.max_lag)?;
    let n = fidelity.len() as f64;
    let mean_ks = fidelity.iter().map(|f| f.ks_complement).sum::<f64>() / n;
    let mean_acf = fidelity.iter().map(|f| f.acf_abs_diff).sum::<f64>() / n;

    let augmentation = match (&cfg.data.positive, &test, &train.labels) {
        (Some(pos), Some(te), Some(_)) => {
            Some(augment(&model, &scaler, &real, te, pos, ev, device)?)
        }
        _ => None,
    };

    let report = SeriesReport {
        config: a.config.display().to_string(),
        model: dir.display().to_string(),
        sequences_train: train.len(),
        seq_len: train.seq_len,
        features: train.features.clone(),
        iterations_per_phase: model.config().iterations,
        seconds_per_iteration: model.seconds_per_iteration(),
        scores,
        fidelity,
        fidelity_mean_ks_complement: mean_ks,
        fidelity_mean_acf_abs_diff: mean_acf,
        augmentation,
        eval_seconds: t0.elapsed().as_secs_f64(),
    };
    let json = serde_json::to_string_pretty(&report)?;
    write_atomic(&out, a.force, |f| {
        std::io::Write::write_all(f, json.as_bytes())
    })?;
    let md = out.with_extension("md");
    let text = markdown(&report);
    write_atomic(&md, true, |f| std::io::Write::write_all(f, text.as_bytes()))?;
    tracing::info!(report = %out.display(), markdown = %md.display(), "evaluation written");
    Ok(())
}

fn augment(
    model: &FittedTimeGan,
    scaler: &MinMaxScaler,
    real: &SequenceSet,
    test_raw: &SequenceSet,
    positive: &str,
    ev: &SeriesEval,
    device: DeviceChoice,
) -> Result<Augmentation> {
    let test = scaler.transform(test_raw);
    let pos_idx = real.indices_of(positive)?;
    let n_pos = pos_idx.len();
    let n_neg = real.len() - n_pos;
    let add = ((n_neg.saturating_sub(n_pos)) as f64 * ev.augment_ratio).round() as usize;
    let minority = real.select(&pos_idx);
    let y_test: Vec<bool> = test
        .labels
        .as_ref()
        .context("the test file has no labels; set `target` in [data]")?
        .iter()
        .map(|l| l == positive)
        .collect();
    if !y_test.iter().any(|y| *y) {
        bail!("the test file has no `{positive}` sequence; the augmentation benchmark needs some");
    }
    let names = [
        "real only",
        "real + TimeGAN",
        "real + SMOTE (flattened)",
        "real + jitter",
        "real + window slicing",
    ];
    let mut methods: Vec<AugmentMethod> = names
        .iter()
        .map(|m| AugmentMethod {
            method: m.to_string(),
            added_sequences: if *m == "real only" { 0 } else { add },
            runs: Vec::new(),
            mean: BTreeMap::new(),
        })
        .collect();
    for r in 0..ev.repeats as u64 {
        let extra: Vec<Option<SequenceSet>> = vec![
            None,
            Some(scaler.transform(&model.sample_where(positive, add, 2000 + r)?)),
            Some(smote_flat(&minority, add, ev.smote_k, Some(positive), r)?),
            Some(jitter(&minority, add, ev.jitter_sigma, Some(positive), r)?),
            Some(window_slice(
                &minority,
                add,
                ev.slice_ratio,
                Some(positive),
                r,
            )?),
        ];
        for (m, extra) in methods.iter_mut().zip(extra) {
            let train = match extra {
                None => real.clone(),
                Some(e) => real.concat(&e)?,
            };
            let clf = SequenceClassifier::fit(&train, positive, &ev.classifier, r, device)?;
            let p = clf.predict_proba(&test)?;
            let metrics = ClassificationMetrics::compute(&y_test, &p, &MetricOptions::default())?;
            tracing::info!(method = %m.method, repeat = r, pr_auc = metrics.pr_auc, f1 = metrics.minority_f1, "augmentation");
            m.runs.push(metrics);
        }
    }
    for m in &mut methods {
        m.mean = summarise(&m.runs);
    }
    Ok(Augmentation {
        positive: positive.into(),
        train_sequences: real.len(),
        train_positive: n_pos,
        test_sequences: test.len(),
        test_positive: y_test.iter().filter(|y| **y).count(),
        classifier: ev.classifier.clone(),
        methods,
    })
}

fn ms(m: &MeanStd) -> String {
    format!("{:.3} ± {:.3}", m.mean, m.std)
}

fn markdown(r: &SeriesReport) -> String {
    let mut s = format!(
        "# TimeGAN evaluation: `{}`\n\n{} training sequences × {} steps × {} features; {} iterations per phase; seconds/iteration {}.\n\n",
        r.config,
        r.sequences_train,
        r.seq_len,
        r.features.len(),
        r.iterations_per_phase,
        r.seconds_per_iteration
            .iter()
            .map(|(k, v)| format!("{k} {v:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let sc = &r.scores;
    s += &format!(
        "## Scores ({} repeats; discriminative {} it., predictive {} it., batch {})\n\n| score (lower is better) | TimeGAN | reference |\n|---|---|---|\n| discriminative | {} | real train vs real test: {} |\n| predictive (MAE) | {} | real (TRTR): {} |\n\n",
        sc.runs.len(),
        sc.discriminative_iterations,
        sc.predictive_iterations,
        sc.batch_size,
        ms(&sc.discriminative),
        sc.discriminative_real_vs_test
            .as_ref()
            .map_or("n/a".into(), ms),
        ms(&sc.predictive),
        ms(&sc.predictive_real),
    );
    s += &format!(
        "## Fidelity (one synthetic set the size of the training set)\n\nmean KSComplement {:.3}, mean |ΔACF| (lags 1–k) {:.3}\n\n| feature | KSComplement | mean abs ACF diff |\n|---|---|---|\n",
        r.fidelity_mean_ks_complement, r.fidelity_mean_acf_abs_diff
    );
    for f in &r.fidelity {
        s += &format!(
            "| {} | {:.3} | {:.3} |\n",
            f.feature, f.ks_complement, f.acf_abs_diff
        );
    }
    if let Some(a) = &r.augmentation {
        s += &format!(
            "\n## Augmentation (GRU classifier, {} repeats; train {} sequences / {} `{}`, test {} / {})\n\n| training set | added | PR-AUC | ROC-AUC | minority F1 | macro F1 |\n|---|---|---|---|---|---|\n",
            a.methods[0].runs.len(),
            a.train_sequences,
            a.train_positive,
            a.positive,
            a.test_sequences,
            a.test_positive
        );
        for m in &a.methods {
            s += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                m.method,
                m.added_sequences,
                ms(&m.mean["pr_auc"]),
                ms(&m.mean["roc_auc"]),
                ms(&m.mean["minority_f1"]),
                ms(&m.mean["macro_f1"])
            );
        }
    }
    s
}

//! The bench report of one data set, as Markdown (`report.md`, plots in `plots/*.svg`) and as a
//! self-contained HTML page (`report.html`, the same plots inlined), plus the cross-data-set
//! `summary.md`. Both documents are rendered from one list of [`Block`]s, so they never disagree.
//! Plots are drawn with `plotters`' SVG backend.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;
use polars::prelude::DataFrame;
use synthkit_data::Schema;
use synthkit_data::io::write_atomic;
use synthkit_eval::encode::{binary_target, read_numeric, read_strings};
use synthkit_eval::stats::MeanStd;
use synthkit_eval::utility::{Arm, ArmSummary, PairedComparison, UtilityReport};

use crate::bench::{FitInfo, QualityCell};

/// One generator's results on a data set.
pub struct GeneratorReport {
    /// Its name in the bench (model kind, or config stem).
    pub name: String,
    /// `ctgan`, `tvae`, ...
    pub kind: String,
    /// Timings of its fit.
    pub fit: FitInfo,
    /// Loss history.
    pub losses: Losses,
    /// Fidelity, detection, privacy (seed 0).
    pub quality: QualityCell,
    /// Rows of the seed-0 unconditional sample and the seconds it took.
    pub sample_rows: usize,
    /// See `sample_rows`.
    pub sample_seconds: f64,
    /// Seed-0 unconditional sample.
    pub full: DataFrame,
    /// Seed-0 rare-class sample.
    pub rare: DataFrame,
}

/// Everything the report of one data set shows.
pub struct DatasetReport {
    /// The data set's name.
    pub name: String,
    /// Target column.
    pub target: String,
    /// Its rare class.
    pub positive: String,
    /// The bench's epoch override, if any (then the report is a smoke run).
    pub epochs_override: Option<usize>,
    /// All classifier runs, summarised.
    pub utility: UtilityReport,
    /// The generators.
    pub generators: Vec<GeneratorReport>,
    /// Real test rows.
    pub test: DataFrame,
    /// Column types.
    pub schema: Schema,
}

/// A loss history read back from `losses.csv`.
#[derive(Clone, Debug, Default)]
pub struct Losses {
    /// Loss names.
    pub names: Vec<String>,
    /// Epoch numbers.
    pub epochs: Vec<f64>,
    /// Per name, one value per epoch.
    pub values: Vec<Vec<f64>>,
}

/// Parses `losses.csv` (`epoch,seconds,<name>...`); unparsable lines are skipped.
pub fn parse_losses(text: &str) -> Losses {
    let mut lines = text.lines();
    let Some(header) = lines.next() else {
        return Losses::default();
    };
    let names: Vec<String> = header.split(',').skip(2).map(str::to_string).collect();
    let mut out = Losses {
        values: vec![Vec::new(); names.len()],
        names,
        epochs: Vec::new(),
    };
    for line in lines {
        let f: Vec<f64> = line.split(',').filter_map(|x| x.parse().ok()).collect();
        if f.len() != out.names.len() + 2 {
            continue;
        }
        out.epochs.push(f[0]);
        for (k, v) in f[2..].iter().enumerate() {
            out.values[k].push(*v);
        }
    }
    out
}

/// A piece of a report.
enum Block {
    Heading(u8, String),
    Para(String),
    Table(Vec<String>, Vec<Vec<String>>),
    Plot {
        file: String,
        title: String,
        svg: String,
    },
}

const SERIES: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(255, 127, 14),
    RGBColor(140, 86, 75),
];

fn series_color(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

fn ms(m: &MeanStd) -> String {
    if m.mean.is_nan() {
        "n/a".into()
    } else {
        format!("{:.4} ± {:.4}", m.mean, m.std)
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or("n/a".into(), |v| format!("{v:.3}"))
}

fn arm_name(arm: &Arm) -> String {
    match arm {
        Arm::Real => "real only".into(),
        Arm::Tstr { generator } => format!("TSTR {generator}"),
        Arm::Augment { generator, ratio } => format!("{generator} ×{ratio}"),
        Arm::Oversample {
            method,
            ratio: Some(r),
        } => format!("{} ×{r}", method.name()),
        Arm::Oversample {
            method,
            ratio: None,
        } => format!("{} auto", method.name()),
    }
}

/// Writes `report.md`, `report.html` and `plots/*.svg` of one data set into `dir`.
pub fn write_dataset_report(rep: &DatasetReport, dir: &Path) -> Result<()> {
    let blocks = dataset_blocks(rep)?;
    std::fs::create_dir_all(dir.join("plots"))?;
    for b in &blocks {
        if let Block::Plot { file, svg, .. } = b {
            write_atomic(&dir.join("plots").join(file), true, |f| {
                std::io::Write::write_all(f, svg.as_bytes())
            })?;
        }
    }
    let md = to_markdown(&blocks);
    write_atomic(&dir.join("report.md"), true, |f| {
        std::io::Write::write_all(f, md.as_bytes())
    })?;
    let html = to_html(&format!("synthkit bench: {}", rep.name), &blocks);
    write_atomic(&dir.join("report.html"), true, |f| {
        std::io::Write::write_all(f, html.as_bytes())
    })?;
    Ok(())
}

fn classifiers(u: &UtilityReport) -> Vec<String> {
    u.config
        .classifiers
        .iter()
        .map(|c| c.name().to_string())
        .collect()
}

/// A table header from its column names.
fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_string()).collect()
}

/// One row of the headline table: the arm's PR-AUC, ROC-AUC and minority F1, then its paired
/// comparison with SMOTE when it has one (blank cells otherwise).
fn summary_row(name: String, s: &ArmSummary, vs_smote: Option<&PairedComparison>) -> Vec<String> {
    let mut row = vec![name, ms(&s.pr_auc), ms(&s.roc_auc), ms(&s.minority_f1)];
    row.extend(match vs_smote {
        Some(c) => [
            format!("{:+.4}", c.diff.mean),
            format!("{}/{}", c.wins, c.losses),
            format!("{:.3}", c.wilcoxon_p),
        ],
        None => Default::default(),
    });
    row
}

/// Training seconds per 1000 optimiser steps, for models that count steps (TabDDPM, whose
/// "epoch" is a block of steps); "n/a" for the others.
fn per_1000_steps(fit: &FitInfo) -> String {
    match fit.steps {
        Some(s) if s > 0 => format!("{:.1}", fit.train_seconds / s as f64 * 1000.0),
        _ => "n/a".into(),
    }
}

fn dataset_blocks(rep: &DatasetReport) -> Result<Vec<Block>> {
    let u = &rep.utility;
    let mut b = vec![Block::Heading(1, format!("synthkit bench: {}", rep.name))];
    let epochs = match rep.epochs_override {
        Some(e) => format!(
            "every generator trained for **at most {e} epochs** instead of its config's (a \
             shortened schedule: not the paper's, compare with care)"
        ),
        None => "every generator trained with its config's epochs (paper defaults)".into(),
    };
    b.push(Block::Para(format!(
        "Rare class `{}` = `{}`. Real train: {} rows ({} rare); real test: {} rows ({} rare). \
         Seeds {:?}; {}. Every number below is scored on the real test rows; mean ± sample \
         standard deviation over the seeds.",
        rep.target,
        rep.positive,
        u.n_train,
        u.n_train_rare,
        u.n_test,
        u.n_test_rare,
        u.config.seeds,
        epochs
    )));

    // Headline.
    let head_clf = classifiers(u).first().cloned().unwrap_or_default();
    b.push(Block::Heading(
        2,
        format!("Does augmentation beat SMOTE? ({head_clf}, PR-AUC)"),
    ));
    b.push(Block::Para(
        "Per generator: the real-only arm, training on synthetic rows only (TSTR), the best \
         augmentation ratio, and the paired comparison with SMOTE at that ratio (Δ = arm − SMOTE \
         per seed; wins/losses over seeds; Wilcoxon signed-rank p)."
            .into(),
    ));
    let find = |arm: &Arm, clf: &str| -> Option<&ArmSummary> {
        u.summary
            .iter()
            .find(|s| &s.arm == arm && s.classifier == clf)
    };
    let mut rows = Vec::new();
    if let Some(s) = find(&Arm::Real, &head_clf) {
        rows.push(summary_row("real only".into(), s, None));
    }
    for g in &rep.generators {
        if let Some(s) = find(
            &Arm::Tstr {
                generator: g.name.clone(),
            },
            &head_clf,
        ) {
            rows.push(summary_row(format!("TSTR {}", g.name), s, None));
        }
        if let Some(best) = u
            .best_ratio
            .iter()
            .find(|r| r.generator == g.name && r.classifier == head_clf)
        {
            let arm = Arm::Augment {
                generator: g.name.clone(),
                ratio: best.ratio,
            };
            if let Some(s) = find(&arm, &head_clf) {
                let cmp = u
                    .vs_smote
                    .iter()
                    .find(|c| c.arm == arm && c.classifier == head_clf && c.metric == "pr_auc");
                rows.push(summary_row(
                    format!("{} ×{} (best ratio)", g.name, best.ratio),
                    s,
                    cmp,
                ));
            }
        }
    }
    // The best SMOTE-family arm, for orientation.
    if let Some(s) = u
        .summary
        .iter()
        .filter(|s| matches!(s.arm, Arm::Oversample { .. }) && s.classifier == head_clf)
        .max_by(|a, b| a.pr_auc.mean.total_cmp(&b.pr_auc.mean))
    {
        rows.push(summary_row(
            format!("{} (best baseline)", arm_name(&s.arm)),
            s,
            None,
        ));
    }
    b.push(Block::Table(
        header(&[
            "arm",
            "PR-AUC",
            "ROC-AUC",
            "minority F1",
            "Δ PR-AUC vs SMOTE",
            "wins/losses",
            "Wilcoxon p",
        ]),
        rows,
    ));

    // Ratio curves.
    b.push(Block::Heading(2, "Augmentation-ratio curves".into()));
    b.push(Block::Para(
        "PR-AUC against k, the synthetic (or oversampled) rare rows added per real rare row. \
         Bars: ± one standard deviation over seeds. The dashed line is real only."
            .into(),
    ));
    for clf in classifiers(u) {
        b.push(Block::Plot {
            file: format!("ratio-{clf}.svg"),
            title: format!("PR-AUC vs augmentation ratio ({clf})"),
            svg: ratio_plot(rep, &clf)?,
        });
    }

    // Full table.
    b.push(Block::Heading(2, "Every arm".into()));
    let mut rows = Vec::new();
    for s in &u.summary {
        rows.push(vec![
            arm_name(&s.arm),
            s.classifier.clone(),
            format!("{:.0}", s.n_synthetic),
            ms(&s.pr_auc),
            ms(&s.roc_auc),
            ms(&s.minority_f1),
            ms(&s.macro_f1),
            ms(&s.recall_at_precision),
        ]);
    }
    b.push(Block::Table(
        header(&[
            "arm",
            "classifier",
            "rows added",
            "PR-AUC",
            "ROC-AUC",
            "minority F1",
            "macro F1",
            "recall @ precision",
        ]),
        rows,
    ));

    // Fidelity and privacy.
    b.push(Block::Heading(2, "Fidelity, detection and privacy".into()));
    b.push(Block::Para(
        "Column shapes (1 − KS or 1 − TV) and pair trends (correlation or contingency \
         similarity) against the real test rows, overall and for the rare class alone (the \
         conditional samples against the real rare rows). Detection: ROC-AUC of a classifier \
         telling real train from synthetic rows (0.5 is ideal). DCR ratio: median distance of \
         synthetic rows to the closest train row over the same for real holdout rows (≈ 1: no \
         closer than fresh real data). MIA: membership-inference ROC-AUC (0.5 = no signal)."
            .into(),
    ));
    let mut rows = Vec::new();
    for g in &rep.generators {
        let f = &g.quality.fidelity;
        let p = &g.quality.privacy;
        rows.push(vec![
            g.name.clone(),
            opt(f.overall.shapes_mean),
            opt(f.overall.trends_mean),
            opt(f.overall.overall),
            opt(f.rare_class.shapes_mean),
            opt(f.rare_class.trends_mean),
            opt(f.rare_class.overall),
            format!("{:.3}", g.quality.detection.auc),
            opt(p.dcr_median_ratio),
            format!("{}", p.exact_copies),
            format!("{:.3}", p.mia_auc),
        ]);
    }
    b.push(Block::Table(
        header(&[
            "generator",
            "shapes",
            "trends",
            "overall",
            "rare shapes",
            "rare trends",
            "rare overall",
            "detection AUC",
            "DCR ratio",
            "exact copies",
            "MIA AUC",
        ]),
        rows,
    ));

    // Training.
    b.push(Block::Heading(2, "Training".into()));
    let mut rows = Vec::new();
    for g in &rep.generators {
        let per_epoch = if g.fit.epochs > 0 {
            format!("{:.3}", g.fit.train_seconds / g.fit.epochs as f64)
        } else {
            "n/a".into()
        };
        rows.push(vec![
            g.name.clone(),
            g.kind.clone(),
            g.fit.device.clone(),
            format!("{}", g.fit.epochs),
            format!("{:.3}", g.fit.transformer_fit_seconds),
            format!("{:.1}", g.fit.train_seconds),
            per_epoch,
            per_1000_steps(&g.fit),
            format!(
                "{:.0}",
                g.sample_rows as f64 / g.sample_seconds.max(f64::EPSILON)
            ),
        ]);
    }
    b.push(Block::Table(
        header(&[
            "generator",
            "model",
            "device",
            "epochs",
            "transformer fit s",
            "train s",
            "s / epoch",
            "s / 1000 steps",
            "sampled rows / s",
        ]),
        rows,
    ));
    for g in &rep.generators {
        if !g.losses.epochs.is_empty() {
            b.push(Block::Plot {
                file: format!("losses-{}.svg", g.name),
                title: format!("Loss history of {}", g.name),
                svg: loss_plot(&g.name, &g.losses)?,
            });
        }
    }

    // Marginals.
    b.push(Block::Heading(
        2,
        "Marginals, real vs synthetic, per class".into(),
    ));
    b.push(Block::Para(format!(
        "Left: the rare class (`{}` = `{}`): real test rows against each generator's conditional \
         samples. Right: the other class: real test rows against the generator's unconditional \
         samples of that class. Continuous columns as histograms (share of rows per bin, 30 \
         bins over the real range; outliers in the edge bins), categorical columns as shares of \
         the 12 commonest real categories.",
        rep.target, rep.positive
    )));
    for col in &rep.schema.columns {
        if col.name == rep.target {
            continue;
        }
        b.push(Block::Plot {
            file: format!("marginal-{}.svg", slug(&col.name)),
            title: format!("Marginal of `{}`", col.name),
            svg: marginal_plot(rep, &col.name, col.kind.is_discrete())?,
        });
    }

    // Correlation heatmaps.
    b.push(Block::Heading(2, "Pair-trend differences".into()));
    b.push(Block::Para(
        "1 − pair-trend score for every pair of columns (0 = the synthetic pair behaves as the \
         real one; correlation similarity for numeric pairs, contingency similarity otherwise), \
         overall rows against the real test rows."
            .into(),
    ));
    for g in &rep.generators {
        b.push(Block::Plot {
            file: format!("pairs-{}.svg", g.name),
            title: format!("Pair-trend differences of {}", g.name),
            svg: heatmap(g)?,
        });
    }
    Ok(b)
}

fn slug(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn draw_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a plot: {e}")
}

/// `(ratio, mean, std)` of one arm.
type Point = (f64, f64, f64);

/// A marginal panel: its title, the real shares and each generator's `(name, shares)`.
type Panel = (String, Vec<f64>, Vec<(String, Vec<f64>)>);

/// PR-AUC against ratio: one line per generator and per baseline, real only as a dashed line.
fn ratio_plot(rep: &DatasetReport, clf: &str) -> Result<String> {
    let u = &rep.utility;
    // Series name → (ratio, mean, std).
    let mut series: Vec<(String, Vec<Point>)> = Vec::new();
    let mut push = |name: String, x: f64, m: &MeanStd| {
        if m.mean.is_nan() {
            return;
        }
        match series.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push((x, m.mean, m.std)),
            None => series.push((name, vec![(x, m.mean, m.std)])),
        }
    };
    let mut real = None;
    for s in u.summary.iter().filter(|s| s.classifier == clf) {
        match &s.arm {
            Arm::Real => real = Some(s.pr_auc.mean),
            Arm::Augment { generator, ratio } => push(generator.clone(), *ratio, &s.pr_auc),
            Arm::Oversample {
                method,
                ratio: Some(r),
            } => push(method.name().to_string(), *r, &s.pr_auc),
            _ => {}
        }
    }
    for (_, v) in &mut series {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    let xs = u.config.ratios.iter().copied();
    let x_max = xs.fold(1.0, f64::max) * 1.05;
    let all = series
        .iter()
        .flat_map(|(_, v)| v.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2]))
        .chain(real);
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() {
        let pad = ((hi - lo) * 0.1).max(0.01);
        ((lo - pad).max(0.0), (hi + pad).min(1.0))
    } else {
        (0.0, 1.0)
    };
    let gen_names: Vec<&str> = rep.generators.iter().map(|g| g.name.as_str()).collect();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                format!("{}: PR-AUC vs ratio k ({clf})", rep.name),
                ("sans-serif", 18),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, lo..hi)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("k (rare rows added per real rare row)")
            .y_desc("PR-AUC on real test")
            .draw()
            .map_err(draw_err)?;
        if let Some(r) = real {
            let style = BLACK.stroke_width(1);
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, r), (x_max, r)],
                    6,
                    4,
                    style,
                ))
                .map_err(draw_err)?
                .label("real only")
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
        }
        for (i, (name, pts)) in series.iter().enumerate() {
            let is_gen = gen_names.contains(&name.as_str());
            let color = series_color(i);
            let width = if is_gen { 3 } else { 1 };
            chart
                .draw_series(LineSeries::new(
                    pts.iter().map(|p| (p.0, p.1)),
                    color.stroke_width(width),
                ))
                .map_err(draw_err)?
                .label(if is_gen {
                    format!("{name} (synthetic)")
                } else {
                    name.clone()
                })
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                });
            chart
                .draw_series(pts.iter().map(|p| {
                    ErrorBar::new_vertical(p.0, p.1 - p.2, p.1, p.1 + p.2, color.filled(), 6)
                }))
                .map_err(draw_err)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

fn loss_plot(name: &str, l: &Losses) -> Result<String> {
    let x_max = l.epochs.iter().copied().fold(1.0, f64::max);
    let (lo, hi) = l
        .values
        .iter()
        .flatten()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(*y), b.max(*y))
        });
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))
    } else if lo.is_finite() {
        (lo - 1.0, lo + 1.0)
    } else {
        (0.0, 1.0)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 360)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{name}: mean loss per epoch"), ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..x_max, lo..hi)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .draw()
            .map_err(draw_err)?;
        for (k, n) in l.names.iter().enumerate() {
            let color = series_color(k);
            chart
                .draw_series(LineSeries::new(
                    l.epochs.iter().copied().zip(l.values[k].iter().copied()),
                    color.stroke_width(2),
                ))
                .map_err(draw_err)?
                .label(n.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// Rows of `df` whose target is (`rare`) or is not the positive class.
fn class_mask(df: &DataFrame, rep: &DatasetReport, table: &str) -> Result<Vec<bool>> {
    Ok(binary_target(df, &rep.target, &rep.positive, table)?)
}

const BINS: usize = 30;
const TOP_CATEGORIES: usize = 12;

/// Shares per bin (continuous) or per category (discrete) of the rows of `df` in `mask`.
enum Marginal {
    Num(Vec<f64>),
    Cat(Vec<f64>),
}

fn marginal_plot(rep: &DatasetReport, col: &str, discrete: bool) -> Result<String> {
    let real_y = class_mask(&rep.test, rep, "test")?;
    // Panels: (title, real shares, [(generator, shares)]).
    let mut panels: Vec<Panel> = Vec::new();
    let (axis_names, x_desc): (Vec<String>, String) = if discrete {
        let real = read_strings(&rep.test, col, "test")?;
        let mut freq: HashMap<String, usize> = HashMap::new();
        for v in real.iter() {
            *freq
                .entry(v.clone().unwrap_or_else(|| "<missing>".into()))
                .or_default() += 1;
        }
        let mut cats: Vec<(String, usize)> = freq.into_iter().collect();
        cats.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        cats.truncate(TOP_CATEGORIES);
        (cats.into_iter().map(|c| c.0).collect(), "category".into())
    } else {
        (Vec::new(), col.to_string())
    };
    let edges = if discrete {
        None
    } else {
        let real = read_numeric(&rep.test, col, "test")?;
        let present: Vec<f64> = real.iter().flatten().copied().collect();
        let lo = present.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = present.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            Some((0.0, 1.0))
        } else if hi > lo {
            Some((lo, hi))
        } else {
            Some((lo - 0.5, lo + 0.5))
        }
    };
    let shares = |df: &DataFrame, mask: &[bool], want: bool, table: &str| -> Result<Marginal> {
        if let Some((lo, hi)) = edges {
            let v = read_numeric(df, col, table)?;
            let mut counts = vec![0.0; BINS];
            let mut n = 0.0;
            for (x, m) in v.iter().zip(mask) {
                if let (Some(x), true) = (x, *m == want) {
                    let k = (((x - lo) / (hi - lo)) * BINS as f64).floor();
                    counts[(k.max(0.0) as usize).min(BINS - 1)] += 1.0;
                    n += 1.0;
                }
            }
            Ok(Marginal::Num(
                counts.iter().map(|c| c / f64::max(n, 1.0)).collect(),
            ))
        } else {
            let v = read_strings(df, col, table)?;
            let mut counts = vec![0.0; axis_names.len()];
            let mut n = 0.0;
            for (x, m) in v.iter().zip(mask) {
                if *m != want {
                    continue;
                }
                n += 1.0;
                let label = x.clone().unwrap_or_else(|| "<missing>".into());
                if let Some(k) = axis_names.iter().position(|c| *c == label) {
                    counts[k] += 1.0;
                }
            }
            Ok(Marginal::Cat(
                counts.iter().map(|c| c / f64::max(n, 1.0)).collect(),
            ))
        }
    };
    let vec_of = |m: Marginal| match m {
        Marginal::Num(v) | Marginal::Cat(v) => v,
    };
    for (want, title) in [
        (true, format!("{} = {}", rep.target, rep.positive)),
        (false, "other class".to_string()),
    ] {
        let real = vec_of(shares(&rep.test, &real_y, want, "test")?);
        let mut gens = Vec::new();
        for g in &rep.generators {
            let df = if want { &g.rare } else { &g.full };
            let table = format!("{} synthetic", g.name);
            let y = class_mask(df, rep, &table)?;
            gens.push((g.name.clone(), vec_of(shares(df, &y, want, &table)?)));
        }
        panels.push((title, real, gens));
    }

    let n_x = if discrete { axis_names.len() } else { BINS };
    let y_max = panels
        .iter()
        .flat_map(|p| p.1.iter().chain(p.2.iter().flat_map(|g| g.1.iter())))
        .copied()
        .fold(0.0, f64::max)
        .max(1e-3)
        * 1.1;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (960, 340)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let areas = root.split_evenly((1, 2));
        for (area, (title, real, gens)) in areas.iter().zip(&panels) {
            let (x0, x1) = match edges {
                Some((lo, hi)) => (lo, hi),
                None => (-0.5, n_x as f64 - 0.5),
            };
            let mut chart = ChartBuilder::on(area)
                .caption(format!("{col} | {title}"), ("sans-serif", 14))
                .margin(8)
                .x_label_area_size(if discrete { 70 } else { 36 })
                .y_label_area_size(50)
                .build_cartesian_2d(x0..x1, 0.0..y_max)
                .map_err(draw_err)?;
            let names = axis_names.clone();
            let fmt = move |x: &f64| -> String {
                if discrete {
                    let k = x.round();
                    if (x - k).abs() < 1e-6 && k >= 0.0 {
                        names
                            .get(k as usize)
                            .map(|s| s.chars().take(12).collect())
                            .unwrap_or_default()
                    } else {
                        String::new()
                    }
                } else {
                    format!("{x:.4}")
                        .trim_end_matches('0')
                        .trim_end_matches('.')
                        .to_string()
                }
            };
            let mut mesh = chart.configure_mesh();
            mesh.y_desc("share of rows")
                .x_desc(x_desc.clone())
                .x_label_formatter(&fmt)
                .disable_x_mesh();
            if discrete {
                mesh.x_labels(n_x.max(1) + 1).x_label_style(
                    ("sans-serif", 11)
                        .into_font()
                        .transform(FontTransform::Rotate90),
                );
            } else {
                mesh.x_labels(6);
            }
            mesh.draw().map_err(draw_err)?;
            let bin_x = |k: usize| match edges {
                Some((lo, hi)) => lo + (k as f64 + 0.5) * (hi - lo) / BINS as f64,
                None => k as f64,
            };
            if discrete {
                let groups = gens.len() + 1;
                let w = 0.8 / groups as f64;
                let mut all: Vec<(String, RGBColor, &Vec<f64>)> =
                    vec![("real".into(), RGBColor(0, 0, 0), real)];
                for (i, (n, v)) in gens.iter().enumerate() {
                    all.push((n.clone(), series_color(i), v));
                }
                for (j, (n, color, v)) in all.iter().enumerate() {
                    let color = *color;
                    chart
                        .draw_series(v.iter().enumerate().map(|(k, h)| {
                            let left = k as f64 - 0.4 + j as f64 * w;
                            Rectangle::new([(left, 0.0), (left + w, *h)], color.filled())
                        }))
                        .map_err(draw_err)?
                        .label(n.clone())
                        .legend(move |(x, y)| {
                            Rectangle::new([(x, y - 4), (x + 12, y + 4)], color.filled())
                        });
                }
            } else {
                chart
                    .draw_series(LineSeries::new(
                        real.iter().enumerate().map(|(k, h)| (bin_x(k), *h)),
                        BLACK.stroke_width(2),
                    ))
                    .map_err(draw_err)?
                    .label("real")
                    .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
                for (i, (n, v)) in gens.iter().enumerate() {
                    let color = series_color(i);
                    chart
                        .draw_series(LineSeries::new(
                            v.iter().enumerate().map(|(k, h)| (bin_x(k), *h)),
                            color.stroke_width(2),
                        ))
                        .map_err(draw_err)?
                        .label(n.clone())
                        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
                }
            }
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .label_font(("sans-serif", 11))
                .draw()
                .map_err(draw_err)?;
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

/// 1 − pair-trend score for every column pair, white (0) to red (≥ 0.5), grey when undefined.
fn heatmap(g: &GeneratorReport) -> Result<String> {
    let f = &g.quality.fidelity.overall;
    let names: Vec<String> = f.column_shapes.iter().map(|c| c.column.clone()).collect();
    let n = names.len().max(1);
    let mut cell: HashMap<(usize, usize), Option<f64>> = HashMap::new();
    for p in &f.pair_trends {
        let (Some(i), Some(j)) = (
            names.iter().position(|c| *c == p.left),
            names.iter().position(|c| *c == p.right),
        ) else {
            continue;
        };
        let v = p.score.map(|s| 1.0 - s);
        cell.insert((i, j), v);
        cell.insert((j, i), v);
    }
    let size = (200 + 28 * n as u32).clamp(420, 900);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (size + 120, size)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let (left, right) = root.split_horizontally(size);
        let labels = names.clone();
        let fmt = move |x: &f64| -> String {
            let k = x.round();
            if (x - k).abs() < 1e-6 && k >= 0.0 {
                labels
                    .get(k as usize)
                    .map(|s| s.chars().take(14).collect())
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        let mut chart = ChartBuilder::on(&left)
            .caption(
                format!("{}: 1 − pair-trend score", g.name),
                ("sans-serif", 16),
            )
            .margin(8)
            .x_label_area_size(110)
            .y_label_area_size(110)
            .build_cartesian_2d(-0.5..n as f64 - 0.5, -0.5..n as f64 - 0.5)
            .map_err(draw_err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(n + 1)
            .y_labels(n + 1)
            .x_label_formatter(&fmt)
            .y_label_formatter(&fmt)
            .x_label_style(
                ("sans-serif", 11)
                    .into_font()
                    .transform(FontTransform::Rotate90),
            )
            .y_label_style(("sans-serif", 11))
            .draw()
            .map_err(draw_err)?;
        let color_of = |v: Option<f64>| match v {
            None => RGBColor(200, 200, 200),
            Some(v) => {
                let t = (v / 0.5).clamp(0.0, 1.0);
                let c = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
                RGBColor(c(255.0, 180.0), c(255.0, 0.0), c(255.0, 0.0))
            }
        };
        chart
            .draw_series((0..n).flat_map(|i| {
                let cell = &cell;
                (0..n).filter(move |j| *j != i).map(move |j| {
                    let v = cell.get(&(i, j)).copied().flatten();
                    Rectangle::new(
                        [
                            (i as f64 - 0.5, j as f64 - 0.5),
                            (i as f64 + 0.5, j as f64 + 0.5),
                        ],
                        color_of(v).filled(),
                    )
                })
            }))
            .map_err(draw_err)?;
        // Colour scale.
        let mut scale = ChartBuilder::on(&right)
            .margin(20)
            .margin_top(60)
            .y_label_area_size(40)
            .build_cartesian_2d(0.0..1.0, 0.0..0.5)
            .map_err(draw_err)?;
        scale
            .configure_mesh()
            .disable_mesh()
            .disable_x_axis()
            .y_labels(6)
            .draw()
            .map_err(draw_err)?;
        scale
            .draw_series((0..50).map(|k| {
                let y = k as f64 / 100.0;
                Rectangle::new(
                    [(0.0, y), (1.0, y + 0.01)],
                    color_of(Some(y + 0.005)).filled(),
                )
            }))
            .map_err(draw_err)?;
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn to_markdown(blocks: &[Block]) -> String {
    let mut s = String::new();
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(s, "{} {t}\n", "#".repeat(*level as usize));
            }
            Block::Para(t) => {
                let _ = writeln!(s, "{t}\n");
            }
            Block::Table(head, rows) => {
                let _ = writeln!(
                    s,
                    "| {} |",
                    head.iter()
                        .map(|h| md_cell(h))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
                let _ = writeln!(s, "|{}", "---|".repeat(head.len()));
                for r in rows {
                    let _ = writeln!(
                        s,
                        "| {} |",
                        r.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | ")
                    );
                }
                s.push('\n');
            }
            Block::Plot { file, title, .. } => {
                let _ = writeln!(s, "![{title}](plots/{file})\n");
            }
        }
    }
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Inline Markdown of our own paragraphs: `code` and **bold** only.
fn inline_html(s: &str) -> String {
    let mut out = String::new();
    let mut code = false;
    let mut bold = false;
    let mut rest = esc(s);
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("**") {
            out.push_str(if bold { "</strong>" } else { "<strong>" });
            bold = !bold;
            rest = r.to_string();
        } else if let Some(r) = rest.strip_prefix('`') {
            out.push_str(if code { "</code>" } else { "<code>" });
            code = !code;
            rest = r.to_string();
        } else {
            let c = rest.chars().next().expect("non-empty");
            out.push(c);
            rest = rest[c.len_utf8()..].to_string();
        }
    }
    out
}

fn to_html(title: &str, blocks: &[Block]) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n\
         <style>\nbody{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\n\
         table{{border-collapse:collapse;margin:1em 0;font-size:13px}}\n\
         th,td{{border:1px solid #ccc;padding:3px 8px;text-align:right}}\n\
         th{{background:#f0f0f0}} td:first-child,th:first-child{{text-align:left}}\n\
         figure{{margin:1.5em 0}} figcaption{{font-weight:bold;margin-bottom:.3em}}\n\
         code{{background:#f4f4f4;padding:0 3px}}\n</style>\n</head>\n<body>\n",
        esc(title)
    );
    for b in blocks {
        match b {
            Block::Heading(level, t) => {
                let _ = writeln!(s, "<h{level}>{}</h{level}>", inline_html(t));
            }
            Block::Para(t) => {
                let _ = writeln!(s, "<p>{}</p>", inline_html(t));
            }
            Block::Table(head, rows) => {
                s.push_str("<table>\n<tr>");
                for h in head {
                    let _ = write!(s, "<th>{}</th>", esc(h));
                }
                s.push_str("</tr>\n");
                for r in rows {
                    s.push_str("<tr>");
                    for c in r {
                        let _ = write!(s, "<td>{}</td>", esc(c));
                    }
                    s.push_str("</tr>\n");
                }
                s.push_str("</table>\n");
            }
            Block::Plot { file, title, svg } => {
                let body = svg
                    .find("<svg")
                    .map_or(svg.as_str(), |i| &svg[i..])
                    .to_string();
                let _ = writeln!(
                    s,
                    "<figure id=\"{}\">\n<figcaption>{}</figcaption>\n{}\n</figure>",
                    esc(file.trim_end_matches(".svg")),
                    inline_html(title),
                    body
                );
            }
        }
    }
    s.push_str("</body>\n</html>\n");
    s
}

/// One data set's rows of the cross-data-set summary, one per generator (none when the bench
/// ran no classifier).
pub fn summary_rows(rep: &DatasetReport) -> Vec<Vec<String>> {
    let u = &rep.utility;
    let Some(clf) = classifiers(u).first().cloned() else {
        return Vec::new();
    };
    let pr = |arm: &Arm| {
        u.summary
            .iter()
            .find(|s| &s.arm == arm && s.classifier == clf)
            .map(|s| s.pr_auc)
    };
    let real = pr(&Arm::Real).map_or("n/a".into(), |m| format!("{:.3}", m.mean));
    let best_base = u
        .summary
        .iter()
        .filter(|s| matches!(s.arm, Arm::Oversample { .. }) && s.classifier == clf)
        .max_by(|a, b| a.pr_auc.mean.total_cmp(&b.pr_auc.mean))
        .map_or("n/a".into(), |s| {
            format!("{:.3} ({})", s.pr_auc.mean, arm_name(&s.arm))
        });
    let mut rows = Vec::new();
    for g in &rep.generators {
        let tstr = pr(&Arm::Tstr {
            generator: g.name.clone(),
        })
        .map_or("n/a".into(), |m| format!("{:.3}", m.mean));
        let best = u
            .best_ratio
            .iter()
            .find(|r| r.generator == g.name && r.classifier == clf);
        let (aug, vs) = match best {
            Some(b) => {
                let arm = Arm::Augment {
                    generator: g.name.clone(),
                    ratio: b.ratio,
                };
                let cmp = u
                    .vs_smote
                    .iter()
                    .find(|c| c.arm == arm && c.classifier == clf && c.metric == "pr_auc");
                (
                    format!("{:.3} ± {:.3} (×{})", b.pr_auc.mean, b.pr_auc.std, b.ratio),
                    cmp.map_or("n/a".into(), |c| {
                        format!(
                            "{:+.3} ({}/{}, p={:.2})",
                            c.diff.mean, c.wins, c.losses, c.wilcoxon_p
                        )
                    }),
                )
            }
            None => ("n/a".into(), "n/a".into()),
        };
        let f = &g.quality.fidelity;
        let per_epoch = match (g.fit.epochs, g.fit.steps) {
            (0, _) => "n/a".into(),
            (e, None) => format!("{:.2}", g.fit.train_seconds / e as f64),
            (e, Some(_)) => format!(
                "{:.2} ({} per 1000 steps)",
                g.fit.train_seconds / e as f64,
                per_1000_steps(&g.fit)
            ),
        };
        rows.push(vec![
            rep.name.clone(),
            g.name.clone(),
            real.clone(),
            aug,
            vs,
            best_base.clone(),
            tstr,
            opt(f.overall.overall),
            opt(f.rare_class.overall),
            format!("{:.3}", g.quality.detection.auc),
            opt(g.quality.privacy.dcr_median_ratio),
            per_epoch,
        ]);
    }
    rows
}

/// The cross-data-set summary from the data sets' [`summary_rows`], in order.
pub fn summary_markdown(rows: Vec<Vec<String>>) -> String {
    let blocks = [
        Block::Heading(1, "synthkit bench summary".into()),
        Block::Para(
            "PR-AUC on the real test set with the first classifier of the bench (gradient \
             boosting by default), mean over seeds. `best aug` is the generator's best \
             augmentation ratio; `vs SMOTE` is the paired difference with SMOTE at that ratio \
             (wins/losses over seeds, Wilcoxon p). Fidelity against real test rows; detection \
             AUC 0.5 is ideal; DCR ratio ≈ 1 means no closer to train than fresh real rows."
                .into(),
        ),
        Block::Table(
            header(&[
                "data set",
                "generator",
                "real only",
                "best aug",
                "vs SMOTE",
                "best baseline",
                "TSTR",
                "fidelity",
                "rare fidelity",
                "detection AUC",
                "DCR ratio",
                "s / epoch",
            ]),
            rows,
        ),
    ];
    to_markdown(&blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losses_parse_back_from_the_train_crate_format() {
        let l = parse_losses("epoch,seconds,generator,critic\n0,0.5,1.5,-2\n1,0.4,1.25,-1\n");
        assert_eq!(l.names, vec!["generator", "critic"]);
        assert_eq!(l.epochs, vec![0.0, 1.0]);
        assert_eq!(l.values[1], vec![-2.0, -1.0]);
    }

    #[test]
    fn step_counted_models_report_seconds_per_1000_steps() {
        let fit = FitInfo {
            train_seconds: 45.0,
            epochs: 2,
            steps: Some(200),
            ..FitInfo::default()
        };
        assert_eq!(per_1000_steps(&fit), "225.0");
        let epochs_only = FitInfo { steps: None, ..fit };
        assert_eq!(per_1000_steps(&epochs_only), "n/a");
    }

    #[test]
    fn markdown_and_html_render_the_same_blocks() {
        let blocks = vec![
            Block::Heading(2, "A <b> & c".into()),
            Block::Para("rare `income` = **x**".into()),
            Block::Table(vec!["a|b".into()], vec![vec!["1<2".into()]]),
            Block::Plot {
                file: "p.svg".into(),
                title: "t".into(),
                svg: "<?xml version=\"1.0\"?><svg></svg>".into(),
            },
        ];
        let md = to_markdown(&blocks);
        assert!(md.contains("## A <b> & c"));
        assert!(md.contains("| a\\|b |"));
        assert!(md.contains("![t](plots/p.svg)"));
        let html = to_html("x", &blocks);
        assert!(html.contains("<h2>A &lt;b&gt; &amp; c</h2>"));
        assert!(html.contains("<code>income</code> = <strong>x</strong>"));
        assert!(html.contains("<td>1&lt;2</td>"));
        assert!(html.contains("<svg></svg>") && !html.contains("<?xml"));
    }
}

//! PR-AUC against the augmentation ratio.

use plotters::prelude::*;
use synthkit_eval::stats::MeanStd;
use synthkit_eval::utility::Arm;

use super::{draw_err, series_color};
use crate::error::BenchResult;
use crate::report::DatasetReport;

/// `(ratio, mean, std)` of one arm.
type Point = (f64, f64, f64);
/// PR-AUC against ratio: one line per generator and per baseline, real only as a dashed line.
pub fn ratio_plot(rep: &DatasetReport, clf: &str) -> BenchResult<String> {
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

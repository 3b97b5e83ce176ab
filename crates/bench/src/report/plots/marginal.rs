//! Marginals, real against synthetic, per class.

use std::collections::HashMap;

use plotters::prelude::*;
use polars::prelude::DataFrame;
use synthkit_eval::encode::{binary_target, read_numeric, read_strings};

use super::{draw_err, series_color};
use crate::error::BenchResult;
use crate::report::DatasetReport;

/// A marginal panel: its title, the real shares and each generator's `(name, shares)`.
type Panel = (String, Vec<f64>, Vec<(String, Vec<f64>)>);
/// Rows of `df` whose target is (`rare`) or is not the positive class.
fn class_mask(df: &DataFrame, rep: &DatasetReport, table: &str) -> BenchResult<Vec<bool>> {
    Ok(binary_target(df, &rep.target, &rep.positive, table)?)
}

const BINS: usize = 30;
const TOP_CATEGORIES: usize = 12;

/// Shares per bin (continuous) or per category (discrete) of the rows of `df` in `mask`.
enum Marginal {
    Num(Vec<f64>),
    Cat(Vec<f64>),
}

/// Marginals of the column `col` (`discrete` or not): the rare class and the other class, real
/// test rows against each generator's samples of that class.
pub fn marginal_plot(rep: &DatasetReport, col: &str, discrete: bool) -> BenchResult<String> {
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
    let shares =
        |df: &DataFrame, mask: &[bool], want: bool, table: &str| -> BenchResult<Marginal> {
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

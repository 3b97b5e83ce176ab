//! Pair-trend differences as a heatmap.

use std::collections::HashMap;

use plotters::prelude::*;

use super::draw_err;
use crate::error::BenchResult;
use crate::report::GeneratorReport;

/// 1 − pair-trend score for every column pair, white (0) to red (≥ 0.5), grey when undefined.
pub fn heatmap(g: &GeneratorReport) -> BenchResult<String> {
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

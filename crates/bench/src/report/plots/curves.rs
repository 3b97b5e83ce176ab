//! Lines with interval bars: PR-AUC (or recall) against the scarcity level, or against the
//! augmentation ratio.

use plotters::prelude::*;

use super::{draw_err, series_color};
use crate::error::BenchResult;

/// One line: its name, whether to draw it bold, and its `(x, mean, half-width)` points.
pub struct Curve {
    /// Legend name.
    pub name: String,
    /// Drawn bold (the synthetic arms and the augment choice).
    pub bold: bool,
    /// `(x, mean, half-width of the bar)`.
    pub points: Vec<(f64, f64, f64)>,
}

/// The axes of a [`curve_plot`].
pub struct Axes<'a> {
    /// Title.
    pub title: &'a str,
    /// X-axis description.
    pub x_desc: &'a str,
    /// Y-axis description.
    pub y_desc: &'a str,
    /// Logarithmic x axis (scarcity levels).
    pub log_x: bool,
    /// A dashed horizontal reference line `(name, y)`.
    pub baseline: Option<(&'a str, f64)>,
}

/// The curves on one chart, with bars of ± their half-widths.
pub fn curve_plot(axes: &Axes<'_>, curves: &[Curve]) -> BenchResult<String> {
    let xs = curves.iter().flat_map(|c| c.points.iter().map(|p| p.0));
    let (x_lo, x_hi) = xs.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
        (a.min(x), b.max(x))
    });
    let (x_lo, x_hi) = if x_lo.is_finite() {
        (x_lo, x_hi.max(x_lo * 1.0001 + 1e-9))
    } else {
        (0.1, 1.0)
    };
    let ys = curves
        .iter()
        .flat_map(|c| {
            c.points
                .iter()
                .flat_map(|p| [p.1 - p.2.max(0.0), p.1 + p.2.max(0.0)])
        })
        .filter(|y| y.is_finite())
        .chain(axes.baseline.map(|b| b.1));
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
        (a.min(y), b.max(y))
    });
    let (lo, hi) = if lo.is_finite() {
        let pad = ((hi - lo) * 0.1).max(0.01);
        ((lo - pad).max(0.0), (hi + pad).min(1.0))
    } else {
        (0.0, 1.0)
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (860, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        let mut builder = ChartBuilder::on(&root);
        builder
            .caption(axes.title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60);
        macro_rules! draw {
            ($chart:expr) => {{
                let mut chart = $chart;
                chart
                    .configure_mesh()
                    .x_desc(axes.x_desc)
                    .y_desc(axes.y_desc)
                    .draw()
                    .map_err(draw_err)?;
                if let Some((name, y)) = axes.baseline {
                    chart
                        .draw_series(DashedLineSeries::new(
                            vec![(x_lo, y), (x_hi, y)],
                            6,
                            4,
                            BLACK.stroke_width(1),
                        ))
                        .map_err(draw_err)?
                        .label(name)
                        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
                }
                for (i, c) in curves.iter().enumerate() {
                    let color = series_color(i);
                    let width = if c.bold { 3 } else { 1 };
                    chart
                        .draw_series(LineSeries::new(
                            c.points.iter().map(|p| (p.0, p.1)),
                            color.stroke_width(width),
                        ))
                        .map_err(draw_err)?
                        .label(c.name.clone())
                        .legend(move |(x, y)| {
                            PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width))
                        });
                    chart
                        .draw_series(c.points.iter().filter(|p| p.2.is_finite()).map(|p| {
                            ErrorBar::new_vertical(
                                p.0,
                                p.1 - p.2,
                                p.1,
                                p.1 + p.2,
                                color.filled(),
                                6,
                            )
                        }))
                        .map_err(draw_err)?;
                }
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::LowerRight)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(draw_err)?;
            }};
        }
        if axes.log_x {
            draw!(
                builder
                    .build_cartesian_2d((x_lo * 0.8..x_hi * 1.25).log_scale(), lo..hi)
                    .map_err(draw_err)?
            );
        } else {
            let pad = (x_hi - x_lo) * 0.05;
            draw!(
                builder
                    .build_cartesian_2d((x_lo - pad)..(x_hi + pad), lo..hi)
                    .map_err(draw_err)?
            );
        }
        root.present().map_err(draw_err)?;
    }
    Ok(svg)
}

//! The report's plots, drawn with plotters' SVG backend: scarcity and ratio curves, loss
//! histories, marginals per class and pair-trend heatmaps. Each returns an SVG document.

mod curves;
mod losses;
mod marginal;
mod pairs;

pub use curves::{Axes, Curve, curve_plot};
pub use losses::{LossSeries, loss_plot};
pub use marginal::marginal_plot;
pub use pairs::heatmap;

use plotters::style::RGBColor;

use crate::error::BenchError;

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

/// A plotters error as a [`BenchError::Plot`].
fn draw_err<E: std::fmt::Display>(e: E) -> BenchError {
    BenchError::Plot {
        reason: e.to_string(),
    }
}

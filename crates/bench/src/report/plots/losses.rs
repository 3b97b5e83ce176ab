//! A generator's loss history.

use plotters::prelude::*;
use synthkit_train::BlockLosses;

use super::{draw_err, series_color};
use crate::error::BenchResult;

/// A loss history as plot series: the loss names, the block numbers, and per name one value
/// per block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LossSeries {
    /// Loss names.
    pub names: Vec<String>,
    /// Block (epoch) numbers.
    pub epochs: Vec<f64>,
    /// Per name, one value per block.
    pub values: Vec<Vec<f64>>,
}

impl LossSeries {
    /// The series of a loss history as `synthkit_train::parse_losses_csv` reads it.
    pub fn from_blocks(blocks: &[BlockLosses]) -> Self {
        let names: Vec<String> = blocks
            .first()
            .map(|b| b.values.iter().map(|(n, _)| n.clone()).collect())
            .unwrap_or_default();
        let mut out = Self {
            values: vec![Vec::new(); names.len()],
            names,
            epochs: Vec::new(),
        };
        for b in blocks {
            out.epochs.push(b.block as f64);
            for (k, (_, v)) in b.values.iter().enumerate() {
                out.values[k].push(*v);
            }
        }
        out
    }
}

/// The loss history of the generator `name`: one line per loss, against the block.
pub fn loss_plot(name: &str, l: &LossSeries) -> BenchResult<String> {
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

#[cfg(test)]
mod tests {
    use synthkit_train::parse_losses_csv;

    use super::*;

    #[test]
    fn losses_parse_back_from_the_train_crate_format() {
        let l = LossSeries::from_blocks(&parse_losses_csv(
            "epoch,seconds,generator,critic\n0,0.5,1.5,-2\n1,0.4,1.25,-1\n",
        ));
        assert_eq!(l.names, vec!["generator", "critic"]);
        assert_eq!(l.epochs, vec![0.0, 1.0]);
        assert_eq!(l.values[1], vec![-2.0, -1.0]);
    }
}

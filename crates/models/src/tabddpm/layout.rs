//! [`DdpmLayout`]: which encoded columns TabDDPM diffuses as Gaussians, which one-hot blocks as
//! multinomials, and which block (the target) is the label input.

use super::*;
use synthkit_data::argmax;

/// How an encoded table splits into TabDDPM's parts.
#[derive(Clone, Debug, PartialEq)]
pub struct DdpmLayout {
    /// Encoded columns diffused as Gaussians (every `Tanh` or `Linear` span), in order.
    pub num_cols: Vec<usize>,
    /// One-hot spans diffused as multinomials (every `Softmax` span but the label's).
    pub cat_spans: Vec<Span>,
    /// The target's one-hot span when it is the label input (class-conditional model).
    pub label: Option<Span>,
    /// Columns of one-category spans (a column constant in the training data): not diffused,
    /// always 1.
    pub constants: Vec<usize>,
}

impl DdpmLayout {
    /// Splits `layout`. `label_column`, when given, must be a discrete column of the layout; its
    /// span becomes the label input instead of being diffused.
    pub fn new(layout: &Layout, label_column: Option<&str>) -> Self {
        let mut num_cols = Vec::new();
        let mut cat_spans = Vec::new();
        let mut label = None;
        let mut constants = Vec::new();
        for c in layout.columns() {
            let is_label = c.discrete && Some(c.name.as_str()) == label_column;
            for s in &c.spans {
                match s.activation {
                    Activation::Tanh | Activation::Linear => {
                        num_cols.extend(s.start..s.end());
                    }
                    Activation::Softmax if is_label => label = Some(*s),
                    Activation::Softmax if s.dim == 1 => constants.push(s.start),
                    Activation::Softmax => cat_spans.push(*s),
                }
            }
        }
        Self {
            num_cols,
            cat_spans,
            label,
            constants,
        }
    }

    /// Number of Gaussian features.
    pub fn n_num(&self) -> usize {
        self.num_cols.len()
    }

    /// The multinomial blocks.
    pub fn blocks(&self) -> CatBlocks {
        CatBlocks::new(self.cat_spans.iter().map(|s| s.dim).collect())
    }

    /// Width of the one-hot part.
    pub fn n_cat(&self) -> usize {
        self.cat_spans.iter().map(|s| s.dim).sum()
    }

    /// Number of label classes (0 when unconditional).
    pub fn n_classes(&self) -> usize {
        self.label.map_or(0, |s| s.dim)
    }

    /// Width of the denoiser's input and output: numeric features plus one-hot blocks.
    pub fn d_in(&self) -> usize {
        self.n_num() + self.n_cat()
    }

    /// The rows `rows` of an encoded matrix as (numeric `[rows, n_num]`, one-hot
    /// `[rows, n_cat]`, label index per row; empty when unconditional), row-major.
    pub fn split(&self, m: &Matrix, rows: &[usize]) -> (Vec<f32>, Vec<f32>, Vec<usize>) {
        let mut num = Vec::with_capacity(rows.len() * self.n_num());
        let mut cat = Vec::with_capacity(rows.len() * self.n_cat());
        let mut y = Vec::with_capacity(if self.label.is_some() { rows.len() } else { 0 });
        for &r in rows {
            let row = m.row(r);
            num.extend(self.num_cols.iter().map(|&c| row[c]));
            for s in &self.cat_spans {
                cat.extend_from_slice(&row[s.start..s.end()]);
            }
            if let Some(s) = self.label {
                y.push(argmax(&row[s.start..s.end()]));
            }
        }
        (num, cat, y)
    }

    /// Writes the parts back into an encoded matrix of width `dim` (other columns zero).
    pub fn assemble(&self, dim: usize, num: &[f32], cat: &[f32], y: &[usize]) -> Matrix {
        let (nn, nc) = (self.n_num(), self.n_cat());
        let rows = num
            .len()
            .checked_div(nn)
            .or_else(|| cat.len().checked_div(nc))
            .unwrap_or(y.len());
        let mut m = Matrix::zeros(rows, dim);
        for r in 0..rows {
            let row = m.row_mut(r);
            for (i, &c) in self.num_cols.iter().enumerate() {
                row[c] = num[r * nn + i];
            }
            let mut off = r * nc;
            for s in &self.cat_spans {
                row[s.start..s.end()].copy_from_slice(&cat[off..off + s.dim]);
                off += s.dim;
            }
            if let (Some(s), Some(&k)) = (self.label, y.get(r)) {
                row[s.start + k] = 1.0;
            }
            for &c in &self.constants {
                row[c] = 1.0;
            }
        }
        m
    }
}

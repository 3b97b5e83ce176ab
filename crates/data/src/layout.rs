//! The output layout: where each column lives in the encoded matrix and how a generator must
//! activate it. Generator activations, the reconstruction and conditional losses and the
//! conditional sampler all read this one description (CTGAN's `SpanInfo` contract,
//! arXiv:1907.00503 §4.2).

use serde::{Deserialize, Serialize};

/// How the values of one span are produced by a generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// One scalar in `[-1, 1]`: a continuous column's normalised value α.
    Tanh,
    /// A one-hot block: a continuous column's mode indicator β, or a discrete column's category.
    Softmax,
    /// One unbounded scalar: a continuous column's quantile-normal value (TabDDPM's encoding).
    Linear,
}

/// A contiguous block of the encoded matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// First column of the span in the encoded matrix.
    pub start: usize,
    /// Width of the span.
    pub dim: usize,
    /// The activation a generator applies to it.
    pub activation: Activation,
}

impl Span {
    /// One past the last column of the span.
    #[inline]
    pub fn end(&self) -> usize {
        self.start + self.dim
    }
}

/// The spans of one source column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ColumnLayout {
    /// The column's name in the source table.
    pub name: String,
    /// Its spans, in order. A continuous column has `[Tanh(1), Softmax(modes)]`, a discrete one
    /// `[Softmax(categories)]`.
    pub spans: Vec<Span>,
    /// Whether the column is discrete (categorical or boolean), and so conditionable.
    pub discrete: bool,
}

/// A discrete column's place in the condition vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CondBlock {
    /// Index of the column in [`Layout::columns`].
    pub column: usize,
    /// The column's softmax span in the encoded matrix.
    pub span: Span,
    /// First position of this column's categories in the condition vector.
    pub cond_start: usize,
}

/// A column described by name, whether it is discrete, and its spans' `(width, activation)`.
pub type ColumnSpans = (String, bool, Vec<(usize, Activation)>);

/// The whole output layout of a fitted transformer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    columns: Vec<ColumnLayout>,
    blocks: Vec<CondBlock>,
    dim: usize,
    cond_dim: usize,
}

impl Layout {
    /// Builds a layout from per-column span widths: each entry is `(name, discrete, spans)` where
    /// `spans` lists `(dim, activation)`; start offsets are assigned in order.
    pub fn new(columns: Vec<ColumnSpans>) -> Self {
        let mut offset = 0;
        let mut cond_offset = 0;
        let mut out = Vec::with_capacity(columns.len());
        let mut blocks = Vec::new();
        for (ci, (name, discrete, spans)) in columns.into_iter().enumerate() {
            let spans: Vec<Span> = spans
                .into_iter()
                .map(|(dim, activation)| {
                    let s = Span {
                        start: offset,
                        dim,
                        activation,
                    };
                    offset += dim;
                    s
                })
                .collect();
            if discrete {
                let span = spans[0];
                blocks.push(CondBlock {
                    column: ci,
                    span,
                    cond_start: cond_offset,
                });
                cond_offset += span.dim;
            }
            out.push(ColumnLayout {
                name,
                spans,
                discrete,
            });
        }
        Self {
            columns: out,
            blocks,
            dim: offset,
            cond_dim: cond_offset,
        }
    }

    /// Width of the encoded matrix.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The columns, in source order.
    pub fn columns(&self) -> &[ColumnLayout] {
        &self.columns
    }

    /// Every span of every column, in matrix order.
    pub fn spans(&self) -> impl Iterator<Item = &Span> {
        self.columns.iter().flat_map(|c| c.spans.iter())
    }

    /// The discrete columns, each with its place in the condition vector.
    pub fn cond_blocks(&self) -> &[CondBlock] {
        &self.blocks
    }

    /// Width of the condition vector: the total number of categories over all discrete columns.
    pub fn cond_dim(&self) -> usize {
        self.cond_dim
    }

    /// Index into [`Layout::cond_blocks`] of the discrete column named `name`, if any.
    pub fn cond_block_of(&self, name: &str) -> Option<usize> {
        self.blocks
            .iter()
            .position(|b| self.columns[b.column].name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_contiguous_and_cond_blocks_follow_discrete_columns() {
        let l = Layout::new(vec![
            (
                "a".into(),
                false,
                vec![(1, Activation::Tanh), (3, Activation::Softmax)],
            ),
            ("b".into(), true, vec![(4, Activation::Softmax)]),
            ("c".into(), true, vec![(2, Activation::Softmax)]),
        ]);
        assert_eq!(l.dim(), 10);
        assert_eq!(l.cond_dim(), 6);
        let starts: Vec<usize> = l.spans().map(|s| s.start).collect();
        assert_eq!(starts, vec![0, 1, 4, 8]);
        assert_eq!(l.cond_blocks()[1].cond_start, 4);
        assert_eq!(l.cond_blocks()[1].span.start, 8);
        assert_eq!(l.cond_block_of("c"), Some(1));
        assert_eq!(l.cond_block_of("a"), None);
    }
}

//! The reversible table ↔ matrix transform: mode-specific normalisation for continuous columns
//! and one-hot for discrete ones (CTGAN, arXiv:1907.00503 §4.2), with missing values as a
//! first-class value. [`TransformerParams::fit`] returns an immutable [`DataTransformer`] whose
//! [`Layout`] describes the encoded matrix for the models.

pub mod bgm;
pub mod continuous;
pub mod discrete;
pub mod quantile;
pub mod values;

use std::time::Instant;

use polars::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{DataError, DataResult};
use crate::layout::{Activation, ColumnLayout, Layout};
use crate::matrix::Matrix;
use crate::schema::{ColumnKind, Schema};
use bgm::BgmParams;
use continuous::ContinuousEncoder;
use discrete::DiscreteEncoder;
use quantile::QuantileEncoder;
use values::ValueType;

/// Hyper-parameters of the transform. Defaults follow CTGAN's data transformer
/// (`ctgan/data_transformer.py`: `max_clusters=10`, `weight_threshold=0.005`) and RDT's
/// `ClusterBasedNormalizer` (`weight_concentration_prior=0.001`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransformerParams {
    /// Components of the per-column Dirichlet-process mixture. Default 10 (CTGAN).
    pub max_modes: usize,
    /// Modes whose fitted weight is at or below this are dropped. Default 0.005 (CTGAN).
    pub weight_threshold: f64,
    /// Dirichlet-process concentration prior. Default 1e-3 (RDT `ClusterBasedNormalizer`).
    pub weight_concentration_prior: f64,
    /// Variational EM iterations of the mixture. Default 100 (scikit-learn).
    pub max_iter: usize,
    /// A discrete column with more categories than this is refused. Default 500.
    pub max_categories: usize,
    /// Seed of the mixture initialisation. Default 0.
    pub seed: u64,
    /// How continuous columns are encoded. Default `mode` (CTGAN's mode-specific
    /// normalisation); `quantile` is TabDDPM's quantile-normal transform.
    pub continuous: ContinuousEncoding,
    /// Keep a discrete column that has a single category (it is then generated as that
    /// constant) instead of refusing it as carrying no information. Default false; the bench
    /// sets it, since a rare category can be absent from a replicate's fit part.
    pub keep_constant: bool,
}

/// The encoding of continuous columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ContinuousEncoding {
    /// Mode-specific normalisation (CTGAN, arXiv:1907.00503 §4.2): a `Tanh` scalar α and a
    /// `Softmax` mode block β (with a missing slot if the column has missing values).
    #[default]
    Mode,
    /// Quantile transform to a standard normal (TabDDPM, `lib/data.py` L217–222; scikit-learn's
    /// `QuantileTransformer(output_distribution='normal', n_quantiles=max(min(N/30, 1000), 10))`):
    /// a `Linear` scalar, plus a `[present, missing]` `Softmax` block if the column has missing
    /// values. See [`quantile`].
    Quantile,
}

impl Default for TransformerParams {
    fn default() -> Self {
        Self {
            max_modes: 10,
            weight_threshold: 0.005,
            weight_concentration_prior: 1e-3,
            max_iter: 100,
            max_categories: 500,
            seed: 0,
            continuous: ContinuousEncoding::Mode,
            keep_constant: false,
        }
    }
}

impl TransformerParams {
    /// Validates the parameters.
    pub fn check(&self) -> DataResult<()> {
        let bad = |name, reason: &str| {
            Err(DataError::Param {
                name,
                reason: reason.to_string(),
            })
        };
        if !(1..=64).contains(&self.max_modes) {
            return bad("max_modes", "must be between 1 and 64 (CTGAN uses 10)");
        }
        if !(0.0..1.0).contains(&self.weight_threshold) {
            return bad("weight_threshold", "must be in [0, 1) (CTGAN uses 0.005)");
        }
        if !(self.weight_concentration_prior > 0.0 && self.weight_concentration_prior.is_finite()) {
            return bad(
                "weight_concentration_prior",
                "must be a positive number (CTGAN uses 0.001)",
            );
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1 (scikit-learn uses 100)");
        }
        if self.max_categories < 2 {
            return bad("max_categories", "must be at least 2");
        }
        Ok(())
    }

    fn bgm(&self) -> BgmParams {
        BgmParams {
            n_components: self.max_modes,
            weight_concentration_prior: self.weight_concentration_prior,
            max_iter: self.max_iter,
            seed: self.seed,
            ..BgmParams::default()
        }
    }

    /// Fits one encoder per schema column on `df`, in parallel across columns.
    ///
    /// Errors name the column: missing from `df`, all missing, constant, non-finite values, too
    /// many categories, or a dtype that does not fit the column's kind.
    pub fn fit(&self, df: &DataFrame, schema: &Schema) -> DataResult<DataTransformer> {
        self.check()?;
        if df.height() == 0 {
            return Err(DataError::Empty {
                what: "the training table".into(),
            });
        }
        let bgm = self.bgm();
        let n_quantiles = quantile::tabddpm_n_quantiles(df.height());
        let fitted: Vec<(ColumnTransformer, f64)> = schema
            .columns
            .par_iter()
            .map(|spec| {
                let start = Instant::now();
                let col = fit_column(df, &spec.name, spec.kind, &bgm, self, n_quantiles)?;
                Ok((col, start.elapsed().as_secs_f64()))
            })
            .collect::<DataResult<_>>()?;
        let (columns, fit_seconds): (Vec<_>, Vec<_>) = fitted.into_iter().unzip();
        for (c, s) in columns.iter().zip(&fit_seconds) {
            if let Encoder::Continuous(e) = &c.encoder {
                tracing::info!(column = %c.name, modes = e.n_kept(), seconds = s, "mixture fitted");
            }
        }
        let layout = layout_of(&columns);
        Ok(DataTransformer {
            columns,
            layout,
            fit_seconds,
            target: schema.target.clone(),
        })
    }
}

/// How one column is encoded.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Encoder {
    /// Mode-specific normalisation.
    Continuous(Box<ContinuousEncoder>),
    /// Quantile-normal transform (TabDDPM).
    Quantile(Box<QuantileEncoder>),
    /// One-hot.
    Discrete(DiscreteEncoder),
}

/// The fitted transform of one column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ColumnTransformer {
    /// Column name.
    pub name: String,
    /// Column kind.
    pub kind: ColumnKind,
    /// Storage type in the source table, restored on decode.
    pub value_type: ValueType,
    /// The encoder.
    pub encoder: Encoder,
}

fn fit_column(
    df: &DataFrame,
    name: &str,
    kind: ColumnKind,
    bgm: &BgmParams,
    params: &TransformerParams,
    n_quantiles: usize,
) -> DataResult<ColumnTransformer> {
    let s = values::column(df, name)?;
    let value_type = values::value_type(df, name)?;
    let encoder = if kind.is_discrete() {
        let labels = values::label_values(s)?;
        if labels.iter().all(Option::is_none) {
            return Err(DataError::AllMissing {
                column: name.into(),
            });
        }
        let enc = DiscreteEncoder::fit(name, &labels, params.max_categories)?;
        if enc.n_categories() == 1 && !params.keep_constant {
            return Err(DataError::Constant {
                column: name.into(),
                value: format!("`{}`", enc.labels()[0]),
            });
        }
        Encoder::Discrete(enc)
    } else {
        if !value_type.is_numeric() {
            return Err(DataError::KindMismatch {
                column: name.into(),
                kind: format!("{kind:?}").to_lowercase(),
                reason: format!(
                    "its values are {value_type:?}, not numbers; declare it in `categorical`"
                )
                .to_lowercase(),
            });
        }
        let vals = values::numeric_values(s)?;
        let mut present = vals.iter().flatten();
        let Some(&first) = present.next() else {
            return Err(DataError::AllMissing {
                column: name.into(),
            });
        };
        if present.all(|&x| x == first) {
            return Err(DataError::Constant {
                column: name.into(),
                value: first.to_string(),
            });
        }
        match params.continuous {
            ContinuousEncoding::Mode => Encoder::Continuous(Box::new(ContinuousEncoder::fit(
                name,
                &vals,
                bgm,
                params.weight_threshold,
                &grid_steps(value_type),
            )?)),
            ContinuousEncoding::Quantile => Encoder::Quantile(Box::new(QuantileEncoder::fit(
                &vals,
                n_quantiles,
                &grid_steps(value_type),
            ))),
        }
    };
    Ok(ColumnTransformer {
        name: name.to_string(),
        kind,
        value_type,
        encoder,
    })
}

/// Integer grids (coarsest first) that values of a type may lie on: whole days, hours, minutes,
/// seconds for timestamps, whole units for integers and dates.
fn grid_steps(ty: ValueType) -> Vec<f64> {
    let per_second = match ty {
        ValueType::DatetimeMs => 1e3,
        ValueType::DatetimeUs => 1e6,
        ValueType::DatetimeNs => 1e9,
        ValueType::Int | ValueType::Date => return vec![1.0],
        ValueType::Float | ValueType::Str | ValueType::Bool => return Vec::new(),
    };
    [86_400.0, 3_600.0, 60.0, 1.0, 1e-3, 1e-6, 1e-9]
        .iter()
        .map(|s| s * per_second)
        .filter(|&s| s >= 1.0)
        .collect()
}

fn layout_of(columns: &[ColumnTransformer]) -> Layout {
    Layout::new(
        columns
            .iter()
            .map(|c| match &c.encoder {
                Encoder::Continuous(e) => (
                    c.name.clone(),
                    false,
                    vec![(1, Activation::Tanh), (e.n_modes(), Activation::Softmax)],
                ),
                Encoder::Quantile(e) => {
                    let mut spans = vec![(1, Activation::Linear)];
                    if e.has_missing() {
                        spans.push((2, Activation::Softmax));
                    }
                    (c.name.clone(), false, spans)
                }
                Encoder::Discrete(e) => (
                    c.name.clone(),
                    true,
                    vec![(e.n_categories(), Activation::Softmax)],
                ),
            })
            .collect(),
    )
}

/// A fitted, immutable, reversible table ↔ matrix transform.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DataTransformer {
    columns: Vec<ColumnTransformer>,
    layout: Layout,
    fit_seconds: Vec<f64>,
    target: Option<String>,
}

impl DataTransformer {
    /// The layout of the encoded matrix.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The fitted columns, in order.
    pub fn columns(&self) -> &[ColumnTransformer] {
        &self.columns
    }

    /// Seconds spent fitting each column (the mixture fit for continuous ones).
    pub fn fit_seconds(&self) -> &[f64] {
        &self.fit_seconds
    }

    /// The target column, if the schema had one.
    pub fn target(&self) -> Option<&str> {
        self.target.as_deref()
    }

    /// Encodes `df` (which must hold every fitted column; others are ignored). The mode of each
    /// continuous value is sampled from its posterior, so the encoding depends on `seed`.
    pub fn transform(&self, df: &DataFrame, seed: u64) -> DataResult<Matrix> {
        let n = df.height();
        let dim = self.layout.dim();
        let blocks: Vec<(usize, usize, Vec<f32>)> = self
            .columns
            .par_iter()
            .zip(self.layout.columns().par_iter())
            .enumerate()
            .map(|(ci, (col, lay))| {
                let start = lay.spans[0].start;
                let width: usize = lay.spans.iter().map(|s| s.dim).sum();
                let mut buf = vec![0.0f32; n * width];
                let s = values::column(df, &col.name)?;
                match &col.encoder {
                    Encoder::Continuous(e) => {
                        let mut rng = StdRng::seed_from_u64(
                            seed ^ (ci as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
                        );
                        let vals = values::numeric_values(s)?;
                        if !e.has_missing() && vals.iter().any(Option::is_none) {
                            return Err(DataError::UnseenMissing {
                                column: col.name.clone(),
                            });
                        }
                        for (row, v) in vals.iter().enumerate() {
                            e.encode(*v, &mut buf[row * width..(row + 1) * width], &mut rng);
                        }
                    }
                    Encoder::Quantile(e) => {
                        let vals = values::numeric_values(s)?;
                        if !e.has_missing() && vals.iter().any(Option::is_none) {
                            return Err(DataError::UnseenMissing {
                                column: col.name.clone(),
                            });
                        }
                        for (row, v) in vals.iter().enumerate() {
                            e.encode(*v, &mut buf[row * width..(row + 1) * width]);
                        }
                    }
                    Encoder::Discrete(e) => {
                        for (row, l) in values::label_values(s)?.iter().enumerate() {
                            let i = e.index_of(l.as_deref()).ok_or_else(|| {
                                DataError::UnseenCategory {
                                    column: col.name.clone(),
                                    value: l
                                        .as_deref()
                                        .unwrap_or(discrete::MISSING_LABEL)
                                        .to_string(),
                                    row,
                                    known: e.labels().join(", "),
                                }
                            })?;
                            buf[row * width + i] = 1.0;
                        }
                    }
                }
                Ok((start, width, buf))
            })
            .collect::<DataResult<_>>()?;
        let mut m = Matrix::zeros(n, dim);
        for (start, width, buf) in blocks {
            for row in 0..n {
                m.row_mut(row)[start..start + width]
                    .copy_from_slice(&buf[row * width..(row + 1) * width]);
            }
        }
        Ok(m)
    }

    /// Decodes a matrix in this layout back into a table with the fitted columns and their
    /// source dtypes. Softmax blocks are read by argmax, so activated generator output (soft
    /// one-hots) decodes as well as exact one-hots. Rows are decoded in parallel blocks of
    /// [`DECODE_BLOCK`], every column of a block while its rows are in cache (a column at a
    /// time through a frame of 65,536 generated rows missed the cache on every row).
    pub fn inverse_transform(&self, m: &Matrix) -> DataResult<DataFrame> {
        if m.cols() != self.layout.dim() {
            return Err(DataError::WidthMismatch {
                got: m.cols(),
                expected: self.layout.dim(),
            });
        }
        let n = m.rows();
        let blocks: Vec<Vec<Decoded<'_>>> = (0..n.div_ceil(DECODE_BLOCK))
            .into_par_iter()
            .map(|b| {
                let rows = b * DECODE_BLOCK..n.min((b + 1) * DECODE_BLOCK);
                self.columns
                    .iter()
                    .zip(self.layout.columns())
                    .map(|(col, lay)| decode_rows(col, lay, m, rows.clone()))
                    .collect()
            })
            .collect();
        let columns: Vec<Column> = self
            .columns
            .par_iter()
            .enumerate()
            .map(|(c, col)| {
                let series = match &col.encoder {
                    Encoder::Discrete(_) => {
                        let mut labels = Vec::with_capacity(n);
                        for block in &blocks {
                            if let Decoded::Labels(l) = &block[c] {
                                labels.extend_from_slice(l);
                            }
                        }
                        values::label_series(&col.name, col.value_type, &labels)?
                    }
                    Encoder::Continuous(_) | Encoder::Quantile(_) => {
                        let mut vals = Vec::with_capacity(n);
                        for block in &blocks {
                            if let Decoded::Numbers(v) = &block[c] {
                                vals.extend_from_slice(v);
                            }
                        }
                        values::numeric_series(&col.name, col.value_type, &vals)?
                    }
                };
                Ok(series.into())
            })
            .collect::<DataResult<_>>()?;
        Ok(DataFrame::new(n, columns)?)
    }

    /// The condition-vector block and category of `column = value`: the column must be
    /// discrete and the value one seen in training ([`discrete::MISSING_LABEL`] names missing).
    pub fn condition(&self, column: &str, value: &str) -> DataResult<(usize, usize)> {
        let Some(ci) = self.columns.iter().position(|c| c.name == column) else {
            return Err(DataError::BadCondition {
                column: column.into(),
                reason: format!(
                    "no such column; the model knows {}",
                    self.columns
                        .iter()
                        .map(|c| format!("`{}`", c.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        };
        let Encoder::Discrete(e) = &self.columns[ci].encoder else {
            return Err(DataError::BadCondition {
                column: column.into(),
                reason:
                    "it is continuous; only categorical and boolean columns can be conditioned on"
                        .into(),
            });
        };
        let cat = e
            .index_of_text(value)
            .ok_or_else(|| DataError::BadCondition {
                column: column.into(),
                reason: format!(
                    "`{value}` never occurs in training; known values: {}",
                    e.labels().join(", ")
                ),
            })?;
        let block = self
            .layout
            .cond_block_of(column)
            .expect("discrete column has a cond block");
        Ok((block, cat))
    }
}

/// Rows decoded together by [`DataTransformer::inverse_transform`]: a block of an adult frame
/// (156 encoded values a row) is 0.6 MB, within a core's cache.
pub const DECODE_BLOCK: usize = 1024;

/// One column's values decoded from a block of rows.
enum Decoded<'a> {
    Numbers(Vec<Option<f64>>),
    Labels(Vec<Option<&'a str>>),
}

/// The values of column `col` (laid out as `lay`) in `rows` of `m`.
fn decode_rows<'a>(
    col: &'a ColumnTransformer,
    lay: &ColumnLayout,
    m: &Matrix,
    rows: std::ops::Range<usize>,
) -> Decoded<'a> {
    match &col.encoder {
        Encoder::Continuous(e) => {
            let (a, b) = (lay.spans[0], lay.spans[1]);
            Decoded::Numbers(
                rows.map(|r| {
                    let row = m.row(r);
                    e.decode(row[a.start], &row[b.start..b.end()])
                })
                .collect(),
            )
        }
        Encoder::Quantile(e) => {
            let z = lay.spans[0].start;
            let ind = lay.spans.get(1).map(|s| (s.start, s.end()));
            Decoded::Numbers(
                rows.map(|r| {
                    let row = m.row(r);
                    let ind = ind.map_or(&[][..], |(a, b)| &row[a..b]);
                    e.decode(row[z], ind)
                })
                .collect(),
            )
        }
        Encoder::Discrete(e) => {
            let s = lay.spans[0];
            Decoded::Labels(
                rows.map(|r| e.label(crate::matrix::argmax(&m.row(r)[s.start..s.end()])))
                    .collect(),
            )
        }
    }
}

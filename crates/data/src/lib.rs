//! Data for synthkit: reading tables, typing columns, the reversible mode-specific transform
//! (CTGAN, arXiv:1907.00503), the conditional sampler (training-by-sampling) and stratified
//! splits. This crate does not depend on burn.
#![warn(missing_docs)]

pub mod condition;
pub mod error;
pub mod io;
pub mod layout;
pub mod matrix;
pub mod sampler;
pub mod schema;
pub mod seed;
pub mod sequence;
pub mod split;
pub mod transform;

pub use condition::{ConditionTable, draw_by_count};
pub use error::{DataError, DataResult};
pub use layout::{Activation, ColumnLayout, CondBlock, Layout, Span};
pub use matrix::{Matrix, argmax};
pub use schema::{ColumnKind, ColumnSpec, Schema, SchemaOptions};
pub use transform::{ContinuousEncoding, DataTransformer, TransformerParams};

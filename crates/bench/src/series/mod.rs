//! `synthkit series eval`: TimeGAN evaluated on real sequences ([`eval_series`]), written as
//! JSON ([`report`]) and Markdown ([`markdown`]).

mod eval;
mod markdown;
mod report;

pub use eval::eval_series;

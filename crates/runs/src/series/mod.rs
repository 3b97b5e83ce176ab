//! TimeGAN on long-format time series: its TOML config ([`SeriesConfig`], `configs/*-timegan.toml`),
//! the fit into a run directory ([`fit_series`], with its `fit.json` record) and sampling whole
//! sequences ([`sample_sequences`]). The evaluation is in the bench crate.

mod config;
mod fit;
mod sample;

pub use config::{RARE_TRAIN_SEED, SeriesConfig, SeriesData, SeriesEval, SeriesTrain};
pub use fit::{SeriesFitRecord, fit_series};
pub use sample::{SequenceRequest, sample_sequences};

//! # synthkit-bench
//!
//! Does synthetic data help on real held-out rows? The crate behind `synthkit bench`,
//! `synthkit eval` and `synthkit series eval`:
//!
//! - [`config`]: the bench config (data sets × generators, seeds, the `epochs` cap, the
//!   utility comparison) and its checks;
//! - [`generators`]: a data set's generators, their run configs loaded and capped;
//! - [`cells`]: the matrix of one data set cut into resumable cells, and running one;
//! - [`records`]: what the cells write ([`QualityCell`], [`SampleCell`]) and the settings stamp;
//! - [`stamp`]: refusing to mix results made with other settings;
//! - [`dataset`]: one data set run cell by cell and assembled into its report;
//! - [`run`]: the whole bench and `summary.md`;
//! - [`report`]: the Markdown and HTML reports, split by role (blocks, sections, plots,
//!   summary);
//! - [`eval`]: `synthkit eval` of one tabular run;
//! - [`series`]: the TimeGAN evaluation and its Markdown;
//! - [`error`]: [`BenchError`], which names the config key, data set or directory at fault and
//!   the fix.
//!
//! ```no_run
//! # fn main() -> synthkit_bench::BenchResult<()> {
//! use std::path::Path;
//! use synthkit_bench::{BenchConfig, BenchFlags, bench};
//!
//! let path = Path::new("configs/bench-tabular.toml");
//! let cfg = BenchConfig::load(path)?;
//! let summary = bench(&cfg, path, &BenchFlags { only: vec!["ai4i".into()], ..Default::default() })?;
//! println!("{summary}");
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod assemble;
pub mod augment;
pub mod cells;
pub mod config;
pub mod dataset;
pub mod error;
pub mod eval;
pub mod generators;
pub mod grid;
pub mod plan;
pub mod records;
pub mod report;
pub mod run;
pub mod series;
pub mod stamp;

pub use augment::{AugmentConfig, AugmentFlags, AugmentReport, augment};
pub use config::{ArmsSection, BenchConfig, BenchDataset, BenchFlags, GeneratorEntry};
pub use error::{BenchError, BenchResult, WithContext};
pub use eval::{EvalReport, eval};
pub use records::{QualityCell, SampleCell};
pub use run::bench;
pub use series::eval_series;

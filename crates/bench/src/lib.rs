//! # synthkit-bench
//!
//! Does synthetic data help on real held-out rows? The crate behind `synthkit bench`:
//!
//! - [`config`]: the bench config (data sets × generators, seeds, the `epochs` cap, the
//!   utility comparison) and its checks;
//! - [`generators`]: a data set's generators, their run configs loaded and capped;
//! - [`records`]: what the cells write ([`QualityCell`], [`SampleCell`]) and the settings stamp;
//! - [`stamp`]: refusing to mix results made with other settings;
//! - [`report`]: the Markdown and HTML reports, split by role (blocks, sections, plots,
//!   summary);
//! - [`error`]: [`BenchError`], which names the config key, data set or directory at fault and
//!   the fix.
#![warn(missing_docs)]

pub mod config;
pub mod error;
pub mod generators;
pub mod records;
pub mod report;
pub mod stamp;

pub use config::{BenchConfig, BenchDataset, BenchFlags, UtilitySection};
pub use error::{BenchError, BenchResult, WithContext};
pub use records::{QualityCell, SampleCell};

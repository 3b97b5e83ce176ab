//! The bench report of one data set, as Markdown (`report.md`, plots in `plots/*.svg`) and as a
//! self-contained HTML page (`report.html`, the same plots inlined), plus the cross-data-set
//! `summary.md`.
//!
//! - [`inputs`]: what a report is drawn from ([`DatasetReport`], [`GeneratorReport`]);
//! - [`blocks`]: the pieces of a report and their Markdown and HTML renderings;
//! - [`dataset`]: the data set's report, one function per section;
//! - [`plots`]: the SVG plots;
//! - [`summary`]: the summary rows and `summary.md`;
//! - [`format`]: how numbers and arms are written in tables.

pub mod blocks;
pub mod dataset;
pub mod format;
pub mod inputs;
pub mod plots;
pub mod summary;

use std::path::Path;

use synthkit_data::io::write_atomic;
use synthkit_runs::RunError;

pub use inputs::{DatasetReport, GeneratorReport};
pub use summary::{summary_markdown, summary_rows};

use crate::error::BenchResult;
use blocks::{Block, to_html, to_markdown};

/// Writes `report.md`, `report.html` and `plots/*.svg` of one data set into `dir`.
///
/// # Errors
/// A plot that cannot be drawn, a table without the target, an unwritable file.
pub fn write_dataset_report(rep: &DatasetReport, dir: &Path) -> BenchResult<()> {
    let blocks = dataset::dataset_blocks(rep)?;
    let plots = dir.join("plots");
    std::fs::create_dir_all(&plots).map_err(|source| RunError::CreateDir {
        path: plots.clone(),
        source,
    })?;
    for b in &blocks {
        if let Block::Plot { file, svg, .. } = b {
            write_atomic(&plots.join(file), true, |f| {
                std::io::Write::write_all(f, svg.as_bytes())
            })?;
        }
    }
    let md = to_markdown(&blocks);
    write_atomic(&dir.join("report.md"), true, |f| {
        std::io::Write::write_all(f, md.as_bytes())
    })?;
    let html = to_html(&format!("synthkit bench: {}", rep.results.name), &blocks);
    write_atomic(&dir.join("report.html"), true, |f| {
        std::io::Write::write_all(f, html.as_bytes())
    })?;
    Ok(())
}

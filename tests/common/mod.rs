//! Helpers shared by the binary's integration tests (`mod common;` in each test file).

#![allow(dead_code)] // each test file uses its own subset

use std::process::{Command, Output};

/// The repository root: the binary's package directory, where `configs/` and `datasets/` live.
pub const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The shipped AI4I machine-failure training table.
pub const AI4I: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/datasets/ai4i_machine_failure/train.csv"
);

/// Runs the `synthkit` binary from the repository root with warnings-only logging.
pub fn synthkit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_synthkit"))
        .args(args)
        .current_dir(ROOT)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run synthkit")
}

/// Every row of `df` over `cols`, as one string each.
pub fn rows_of(df: &polars::prelude::DataFrame, cols: &[String]) -> Vec<String> {
    let text: Vec<Vec<String>> = cols
        .iter()
        .map(|c| {
            let s = df
                .column(c)
                .unwrap()
                .as_materialized_series()
                .cast(&polars::prelude::DataType::String)
                .unwrap();
            s.str()
                .unwrap()
                .iter()
                .map(|v| v.unwrap_or("").to_string())
                .collect()
        })
        .collect();
    (0..df.height())
        .map(|r| {
            text.iter()
                .map(|c| c[r].as_str())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

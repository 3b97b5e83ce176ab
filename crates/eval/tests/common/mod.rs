//! Shared helpers of the integration tests: the shipped real data sets and golden files.
#![allow(dead_code)]

use std::path::PathBuf;

use polars::prelude::DataFrame;
use synthkit_data::schema::{ColumnKind, ColumnSpec, Schema};

/// `crates/eval/tests/golden/<name>`, parsed.
pub fn golden(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).expect("golden file is JSON")
}

/// A shipped data set: train, test, schema from meta.json, target and positive value.
pub struct RealSet {
    pub train: DataFrame,
    pub test: DataFrame,
    pub schema: Schema,
    pub target: String,
    pub positive: String,
}

pub fn real_set(name: &str) -> RealSet {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets")
        .join(name);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let read = |f: &str| synthkit_data::io::read_table(&dir.join(f)).expect("read csv");
    let train = read("train.csv");
    let test = read("test.csv");
    let categorical: Vec<&str> = meta["categorical"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let target = meta["target"].as_str().unwrap().to_string();
    let columns = train
        .get_column_names()
        .into_iter()
        .map(|n| ColumnSpec {
            name: n.to_string(),
            kind: if categorical.contains(&n.as_str()) {
                ColumnKind::Categorical
            } else {
                ColumnKind::Continuous
            },
        })
        .collect();
    RealSet {
        train,
        test,
        schema: Schema {
            columns,
            target: Some(target.clone()),
        },
        target,
        positive: meta["positive"].as_str().unwrap().to_string(),
    }
}

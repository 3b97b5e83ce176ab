//! Shared fixtures of the benches: UCI adult (`datasets/adult/train.csv`) typed as in
//! `configs/adult.toml`, its fitted transformer and its encoded matrix, built once per process.
// Each bench uses a different part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use polars::prelude::DataFrame;
use synthkit_data::io::read_table;
use synthkit_data::{
    ContinuousEncoding, DataTransformer, Matrix, Schema, SchemaOptions, TransformerParams,
};

/// Adult as the CLI sees it with `configs/adult.toml`.
pub struct Adult {
    pub df: DataFrame,
    pub schema: Schema,
    pub transformer: DataTransformer,
    pub matrix: Matrix,
}

fn names(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

/// The `[data]` section of `configs/adult.toml`.
pub fn adult_schema_options() -> SchemaOptions {
    SchemaOptions {
        categorical: names(&[
            "workclass",
            "education",
            "marital-status",
            "occupation",
            "relationship",
            "race",
            "sex",
            "native-country",
            "income",
        ]),
        continuous: names(&[
            "age",
            "fnlwgt",
            "education-num",
            "capital-gain",
            "capital-loss",
            "hours-per-week",
        ]),
        target: Some("income".into()),
        ..SchemaOptions::default()
    }
}

/// Adult, loaded, typed, transformer fitted (seed 0) and encoded (seed 42), once: continuous
/// columns by CTGAN's mode-specific normalisation.
pub fn adult() -> &'static Adult {
    static ADULT: OnceLock<Adult> = OnceLock::new();
    ADULT.get_or_init(|| load_adult(ContinuousEncoding::Mode))
}

/// Adult as [`adult`], with TabDDPM's quantile-normal transform of the continuous columns.
pub fn adult_quantile() -> &'static Adult {
    static ADULT: OnceLock<Adult> = OnceLock::new();
    ADULT.get_or_init(|| load_adult(ContinuousEncoding::Quantile))
}

fn load_adult(continuous: ContinuousEncoding) -> Adult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/adult/train.csv");
    let df = read_table(&path).expect("datasets/adult/train.csv reads");
    let schema = Schema::infer(&df, &adult_schema_options()).expect("adult schema");
    let transformer = TransformerParams {
        continuous,
        ..TransformerParams::default()
    }
    .fit(&df, &schema)
    .expect("adult transformer fits");
    let matrix = transformer.transform(&df, 42).expect("adult transforms");
    Adult {
        df,
        schema,
        transformer,
        matrix,
    }
}

/// The first `rows` rows of `m`.
pub fn head(m: &Matrix, rows: usize) -> Matrix {
    Matrix::from_vec(rows, m.cols(), m.as_slice()[..rows * m.cols()].to_vec())
}

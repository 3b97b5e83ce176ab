//! Shared fixtures: the first 600 rows of the shipped ai4i training split (16 machine
//! failures), its transformer and encoded matrix.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use polars::prelude::*;
use synthkit_data::ContinuousEncoding;
use synthkit_data::{DataTransformer, Matrix, Schema, SchemaOptions, TransformerParams};
use synthkit_models::{CtganConfig, ModelConfig, TabDdpmConfig, TvaeConfig};

pub const TARGET: &str = "Machine failure";

pub fn ai4i_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/ai4i_machine_failure/train.csv")
}

pub fn fixture() -> &'static (DataFrame, DataTransformer, Matrix) {
    static F: OnceLock<(DataFrame, DataTransformer, Matrix)> = OnceLock::new();
    F.get_or_init(|| {
        let df = synthkit_data::io::read_table(&ai4i_path())
            .expect("ai4i train.csv")
            .head(Some(600));
        let opts = SchemaOptions {
            target: Some(TARGET.into()),
            ..Default::default()
        };
        let schema = Schema::infer(&df, &opts).expect("schema");
        let tr = TransformerParams::default()
            .fit(&df, &schema)
            .expect("transformer");
        let m = tr.transform(&df, 0).expect("transform");
        (df, tr, m)
    })
}

/// The same 600 rows with TabDDPM's quantile-normal transform.
pub fn quantile_fixture() -> &'static (DataFrame, DataTransformer, Matrix) {
    static F: OnceLock<(DataFrame, DataTransformer, Matrix)> = OnceLock::new();
    F.get_or_init(|| {
        let (df, _, _) = fixture();
        let opts = SchemaOptions {
            target: Some(TARGET.into()),
            ..Default::default()
        };
        let schema = Schema::infer(df, &opts).expect("schema");
        let tr = TransformerParams {
            continuous: ContinuousEncoding::Quantile,
            ..Default::default()
        }
        .fit(df, &schema)
        .expect("transformer");
        let m = tr.transform(df, 0).expect("transform");
        (df.clone(), tr, m)
    })
}

/// A tiny TabDDPM: T = 20, 2 × 32 MLP, `epochs` blocks of 5 steps of 128 rows.
pub fn tiny_tabddpm(epochs: usize) -> ModelConfig {
    ModelConfig::TabDdpm(TabDdpmConfig {
        d_layers: vec![32, 32],
        dim_t: 16,
        num_timesteps: 20,
        batch_size: 128,
        steps: 5 * epochs,
        steps_per_block: 5,
        ..Default::default()
    })
}

pub fn tiny_ctgan(epochs: usize) -> ModelConfig {
    ModelConfig::Ctgan(CtganConfig {
        embedding_dim: 16,
        generator_dims: vec![32, 32],
        discriminator_dims: vec![32, 32],
        batch_size: 100,
        pac: 10,
        epochs,
        ..Default::default()
    })
}

pub fn tiny_tvae(epochs: usize) -> ModelConfig {
    ModelConfig::Tvae(TvaeConfig {
        embedding_dim: 16,
        compress_dims: vec![32, 32],
        decompress_dims: vec![32, 32],
        batch_size: 100,
        epochs,
        ..Default::default()
    })
}

/// The values of `column` as strings.
pub fn strings(df: &DataFrame, column: &str) -> Vec<String> {
    let s = df
        .column(column)
        .expect("column")
        .as_materialized_series()
        .cast(&DataType::String)
        .expect("cast");
    s.str()
        .expect("str")
        .iter()
        .map(|v| v.unwrap_or("<null>").to_string())
        .collect()
}

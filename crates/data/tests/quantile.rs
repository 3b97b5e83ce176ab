//! The quantile-normal encoder (TabDDPM's preprocessing) against scikit-learn's
//! `QuantileTransformer(output_distribution='normal')`, and round trips of whole tables with it.
//!
//! The golden numbers in `tests/golden/quantile.json` come from
//! `scripts/golden/quantile_golden.py` (scikit-learn 1.9.1, run once; the tests never run Python):
//! the fitted `quantiles_`, `transform` at every distinct observed value (up to 400) and outside
//! the range, and `inverse_transform` on a z grid, for real columns of the shared data sets.

use std::path::PathBuf;

use polars::prelude::*;
use serde::Deserialize;
use synthkit_data::io::read_table;
use synthkit_data::schema::SchemaOptions;
use synthkit_data::transform::Encoder;
use synthkit_data::transform::quantile::{QuantileEncoder, tabddpm_n_quantiles};
use synthkit_data::{Activation, ContinuousEncoding, Schema, TransformerParams};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/quantile.json");

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets")).join(name)
}

#[derive(Deserialize)]
struct Golden {
    sklearn_version: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    dataset: String,
    column: String,
    n_quantiles: usize,
    quantiles: Vec<f64>,
    probes: Vec<f64>,
    z: Vec<f64>,
    z_probes: Vec<f64>,
    inverse: Vec<f64>,
}

fn column(dataset_name: &str, col: &str) -> Vec<Option<f64>> {
    let df = read_table(&dataset(dataset_name).join("train.csv")).unwrap();
    let s = df
        .column(col)
        .unwrap()
        .as_materialized_series()
        .cast(&DataType::Float64)
        .unwrap();
    s.f64().unwrap().iter().collect()
}

#[test]
fn quantile_encoder_matches_scikit_learn() {
    let golden: Golden = serde_json::from_str(&std::fs::read_to_string(GOLDEN).unwrap()).unwrap();
    assert_eq!(golden.sklearn_version, "1.9.1");
    for case in &golden.cases {
        let vals = column(&case.dataset, &case.column);
        let name = format!("{}/{}", case.dataset, case.column);
        assert_eq!(tabddpm_n_quantiles(vals.len()), case.n_quantiles, "{name}");
        let e = QuantileEncoder::fit(&vals, case.n_quantiles, &[]);
        assert_eq!(e.quantiles().len(), case.quantiles.len(), "{name}");
        for (a, b) in e.quantiles().iter().zip(&case.quantiles) {
            assert!(
                (a - b).abs() <= 1e-9 * b.abs().max(1.0),
                "{name}: quantile {a} vs {b}"
            );
        }
        for (x, z) in case.probes.iter().zip(&case.z) {
            let got = e.to_normal(*x);
            assert!(
                (got - z).abs() < 1e-8,
                "{name}: transform({x}) = {got}, sklearn {z}"
            );
        }
        let scale = case.quantiles.last().unwrap() - case.quantiles[0];
        for (z, x) in case.z_probes.iter().zip(&case.inverse) {
            let got = e.inverse_raw(*z);
            assert!(
                (got - x).abs() <= 1e-9 * scale.max(1.0),
                "{name}: inverse({z}) = {got}, sklearn {x}"
            );
        }
    }
}

fn quantile_round_trip(name: &str, target: &str) {
    let dir = dataset(name);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let strings = |k: &str| -> Vec<String> {
        meta[k].as_array().map_or_else(Vec::new, |a| {
            a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
        })
    };
    let df = read_table(&dir.join("train.csv")).unwrap();
    let schema = Schema::infer(
        &df,
        &SchemaOptions {
            categorical: strings("categorical"),
            continuous: strings("continuous"),
            target: Some(target.into()),
            ..Default::default()
        },
    )
    .unwrap();
    let t = TransformerParams {
        continuous: ContinuousEncoding::Quantile,
        ..Default::default()
    }
    .fit(&df, &schema)
    .unwrap();
    let m = t.transform(&df, 0).unwrap();
    // Every quantile value is finite and within the clip bound; indicators are one-hot.
    let bound = synthkit_data::transform::quantile::normal_clip() as f32;
    for r in 0..m.rows() {
        for s in t.layout().spans() {
            let v = &m.row(r)[s.start..s.end()];
            match s.activation {
                Activation::Linear => assert!(v[0].abs() <= bound + 1e-6, "{}", v[0]),
                Activation::Softmax => assert_eq!(v.iter().sum::<f32>(), 1.0),
                Activation::Tanh => panic!("quantile layout has no tanh span"),
            }
        }
    }
    let back = t.inverse_transform(&m).unwrap();
    let mut inexact = 0;
    for c in t.columns() {
        let a = df.column(&c.name).unwrap().as_materialized_series();
        let b = back.column(&c.name).unwrap().as_materialized_series();
        assert_eq!(
            a.null_count(),
            b.null_count(),
            "missing count of `{}`",
            c.name
        );
        let Encoder::Quantile(e) = &c.encoder else {
            let (a, b) = (
                a.cast(&DataType::String).unwrap(),
                b.cast(&DataType::String).unwrap(),
            );
            assert!(a.equals_missing(&b), "column `{}` differs", c.name);
            continue;
        };
        let (lo, hi) = e.range();
        let a = a.cast(&DataType::Float64).unwrap();
        let b = b.cast(&DataType::Float64).unwrap();
        for (x, y) in a.f64().unwrap().iter().zip(b.f64().unwrap().iter()) {
            match (x, y) {
                (None, None) => {}
                (Some(x), Some(y)) => {
                    // The value travels as an f32 z; decoding is exact up to that precision and
                    // then snapped back to the column's grid.
                    assert!(
                        (x - y).abs() <= 1e-6 * (hi - lo),
                        "`{}`: {x} became {y}",
                        c.name
                    );
                    inexact += usize::from(x != y);
                }
                _ => panic!("`{}`: missingness changed", c.name),
            }
        }
    }
    eprintln!("{name}: {inexact} continuous cells not bit-exact after the round trip");
}

#[test]
fn thyroid_round_trips_with_the_quantile_transform_and_missing_indicators() {
    quantile_round_trip("thyroid_sick", "Class");
}

#[test]
fn ai4i_round_trips_with_the_quantile_transform() {
    quantile_round_trip("ai4i_machine_failure", "Machine failure");
}

#[test]
fn default_transform_is_unchanged_mode_specific() {
    let p: TransformerParams = serde_json::from_str(r#"{"max_modes": 10}"#).unwrap();
    assert_eq!(p.continuous, ContinuousEncoding::Mode);
    let q: TransformerParams = serde_json::from_str(r#"{"continuous": "quantile"}"#).unwrap();
    assert_eq!(q.continuous, ContinuousEncoding::Quantile);
    assert!(serde_json::from_str::<TransformerParams>(r#"{"continuous": "gmm"}"#).is_err());
}

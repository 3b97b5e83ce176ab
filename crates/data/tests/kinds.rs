//! Integers, booleans and datetimes round-trip with their own dtypes; errors name the column.
//! None of the shipped data sets has boolean or datetime columns, so this uses a small frame.

use polars::prelude::*;
use synthkit_data::schema::SchemaOptions;
use synthkit_data::{ColumnKind, DataError, Schema, TransformerParams};

fn frame() -> DataFrame {
    let n = 300;
    let ints: Vec<i64> = (0..n).map(|i| (i * 37 % 101) as i64 - 50).collect();
    let flags: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
    let when: Vec<i64> = (0..n)
        .map(|i| 1_600_000_000_000 + (i as i64 % 50) * 86_400_000)
        .collect();
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| {
            if i % 7 == 0 {
                None
            } else {
                Some((i % 13) as f64 * 0.5)
            }
        })
        .collect();
    let mut df = df!("n" => ints, "flag" => flags, "when" => when, "x" => x).unwrap();
    let when = df
        .column("when")
        .unwrap()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .unwrap();
    df.replace("when", when).unwrap();
    df
}

#[test]
fn integer_boolean_datetime_and_missing_round_trip() {
    let df = frame();
    let schema = Schema::infer(&df, &SchemaOptions::default()).unwrap();
    let kinds: Vec<ColumnKind> = schema.columns.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ColumnKind::Integer,
            ColumnKind::Boolean,
            ColumnKind::Datetime,
            ColumnKind::Continuous
        ]
    );
    let t = TransformerParams::default().fit(&df, &schema).unwrap();
    let back = t.inverse_transform(&t.transform(&df, 9).unwrap()).unwrap();
    for name in ["n", "flag", "when", "x"] {
        let a = df.column(name).unwrap();
        let b = back.column(name).unwrap();
        assert_eq!(a.dtype(), b.dtype(), "{name}");
        assert!(
            a.as_materialized_series()
                .equals_missing(b.as_materialized_series()),
            "{name}:\n{a:?}\n{b:?}"
        );
    }
}

#[test]
fn constant_all_missing_and_nonfinite_columns_are_named() {
    let base = || frame();
    let check = |df: DataFrame, col: &str, what: &str| {
        let schema = Schema::infer(&df, &SchemaOptions::default()).unwrap();
        let e = TransformerParams::default().fit(&df, &schema).unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains(&format!("`{col}`")) && msg.contains(what),
            "{msg}"
        );
        e
    };
    let mut df = base();
    df.with_column(Series::new("c".into(), vec![1.5f64; 300]).into())
        .unwrap();
    assert!(matches!(
        check(df, "c", "constant"),
        DataError::Constant { .. }
    ));
    let mut df = base();
    df.with_column(Series::new("m".into(), vec![None::<f64>; 300]).into())
        .unwrap();
    assert!(matches!(
        check(df, "m", "only missing"),
        DataError::AllMissing { .. }
    ));
    let mut df = base();
    let mut v = vec![1.0f64; 300];
    v[5] = f64::NAN;
    v[9] = 2.0;
    df.with_column(Series::new("nan".into(), v).into()).unwrap();
    assert!(matches!(
        check(df, "nan", "non-finite"),
        DataError::NonFinite { first_row: 5, .. }
    ));
}

#[test]
fn unknown_columns_and_a_continuous_target_are_refused() {
    let df = frame();
    let e = Schema::infer(
        &df,
        &SchemaOptions {
            categorical: vec!["nope".into()],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("`nope`") && e.to_string().contains("`flag`"),
        "{e}"
    );
    let e = Schema::infer(
        &df,
        &SchemaOptions {
            target: Some("x".into()),
            continuous: vec!["x".into()],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("target"), "{e}");
}

#[test]
fn conditions_resolve_to_the_columns_own_block() {
    let df = frame();
    let mut df2 = df.clone();
    df2.with_column(
        Series::new(
            "g".into(),
            (0..300).map(|i| ["a", "b", "c"][i % 3]).collect::<Vec<_>>(),
        )
        .into(),
    )
    .unwrap();
    let schema = Schema::infer(&df2, &SchemaOptions::default()).unwrap();
    let t = TransformerParams::default().fit(&df2, &schema).unwrap();
    assert_eq!(t.condition("flag", "true").unwrap(), (0, 1));
    assert_eq!(t.condition("g", "c").unwrap(), (1, 2));
    assert!(
        t.condition("g", "z")
            .unwrap_err()
            .to_string()
            .contains("never occurs")
    );
    assert!(
        t.condition("x", "1")
            .unwrap_err()
            .to_string()
            .contains("continuous")
    );
}

/// With `keep_constant`, a one-category discrete column is kept (one one-hot slot) and decodes
/// back to its constant; a constant *continuous* column is still refused.
#[test]
fn keep_constant_keeps_a_one_category_column() {
    let mut df = frame();
    df.with_column(Series::new("k".into(), vec!["f"; 300]).into())
        .unwrap();
    let schema = Schema::infer(
        &df,
        &SchemaOptions {
            categorical: vec!["k".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let params = TransformerParams {
        keep_constant: true,
        ..Default::default()
    };
    let tr = params.fit(&df, &schema).unwrap();
    let k = tr
        .layout()
        .columns()
        .iter()
        .find(|c| c.name == "k")
        .unwrap();
    assert_eq!(k.spans[0].dim, 1);
    let back = tr
        .inverse_transform(&tr.transform(&df, 0).unwrap())
        .unwrap();
    assert!(back.column("k").unwrap().equals(df.column("k").unwrap()));
    let mut df = frame();
    df.with_column(Series::new("c".into(), vec![1.5f64; 300]).into())
        .unwrap();
    let schema = Schema::infer(&df, &SchemaOptions::default()).unwrap();
    assert!(matches!(
        params.fit(&df, &schema).unwrap_err(),
        DataError::Constant { .. }
    ));
}

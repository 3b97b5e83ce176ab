//! `inverse_transform(transform(x)) == x` on every shared data set (the time-series sets as
//! long tables): categories exactly,
//! continuous values to the printed precision, integers as integers, missing as missing; and
//! out-of-range values come back inside the observed range.

use std::path::PathBuf;

use polars::prelude::*;
use proptest::prelude::*;
use synthkit_data::io::read_table;
use synthkit_data::schema::SchemaOptions;
use synthkit_data::transform::Encoder;
use synthkit_data::{DataTransformer, Schema, TransformerParams};

fn dataset(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets")).join(name)
}

/// The training table of a shipped data set with the schema its meta.json declares.
fn load(name: &str) -> (DataFrame, Schema) {
    let dir = dataset(name);
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).unwrap()).unwrap();
    let strings = |k: &str| -> Vec<String> {
        meta[k].as_array().map_or_else(Vec::new, |a| {
            a.iter().map(|v| v.as_str().unwrap().to_string()).collect()
        })
    };
    let target = meta["target"].as_str().map(str::to_string);
    // Time-series sets (long format) round-trip as tables too: their features are continuous,
    // the sequence id and step are integers, the label (if any) categorical.
    let opts = if meta["kind"] == "timeseries" {
        SchemaOptions {
            categorical: target.iter().cloned().collect(),
            continuous: strings("features"),
            target,
            ..Default::default()
        }
    } else {
        SchemaOptions {
            categorical: strings("categorical"),
            continuous: strings("continuous"),
            target,
            ..Default::default()
        }
    };
    let df = read_table(&dir.join("train.csv")).unwrap();
    let schema = Schema::infer(&df, &opts).unwrap();
    (df, schema)
}

/// Asserts that `back` equals `df` column by column: discrete and missing exactly; numbers to the
/// precision of the `f32` scalar α (decoded values are also rounded to the column's grid, which
/// makes them exact whenever the grid step exceeds that precision, e.g. 1-decimal columns): |α| ≤ 1 has an ulp of at most
/// 2⁻²³ ≈ 1.2e-7, scaled by 4σ of the mode, and σ ≤ range/2 for any distribution on the range,
/// so the error is at most 2.4e-7 × range (we allow 3e-7 × range); except outliers that no mode covers within ±0.99·4σ, which must come back inside
/// the observed range. Returns the number of such outliers.
fn assert_same(df: &DataFrame, back: &DataFrame, t: &DataTransformer) -> usize {
    let mut outliers = 0;
    assert_eq!(df.height(), back.height());
    for c in t.columns() {
        let a = df.column(&c.name).unwrap().as_materialized_series();
        let b = back.column(&c.name).unwrap().as_materialized_series();
        assert_eq!(
            a.null_count(),
            b.null_count(),
            "missing count of `{}`",
            c.name
        );
        if c.kind.is_discrete() {
            let a = a.cast(&DataType::String).unwrap();
            let b = b.cast(&DataType::String).unwrap();
            assert!(a.equals_missing(&b), "column `{}` differs", c.name);
        } else {
            assert_eq!(
                a.dtype().is_integer(),
                b.dtype().is_integer(),
                "`{}` dtype",
                c.name
            );
            let Encoder::Continuous(e) = &c.encoder else {
                panic!("`{}` is continuous", c.name)
            };
            let (lo, hi) = e.range();
            let f32_tolerance = 3e-7 * (hi - lo);
            let a = a.cast(&DataType::Float64).unwrap();
            let b = b.cast(&DataType::Float64).unwrap();
            for (i, (x, y)) in a
                .f64()
                .unwrap()
                .iter()
                .zip(b.f64().unwrap().iter())
                .enumerate()
            {
                match (x, y) {
                    (None, None) => {}
                    (Some(x), Some(y)) if !e.representable(x) => {
                        outliers += 1;
                        assert!(
                            (lo..=hi).contains(&y),
                            "`{}` row {i}: outlier {x} became {y}",
                            c.name
                        );
                    }
                    (Some(x), Some(y)) => assert!(
                        (x - y).abs() <= 1e-9 * x.abs().max(1.0) + f32_tolerance,
                        "`{}` row {i}: {x} became {y}",
                        c.name
                    ),
                    _ => panic!("`{}` row {i}: missingness changed ({x:?} → {y:?})", c.name),
                }
            }
        }
    }
    outliers
}

fn fit(name: &str) -> (DataFrame, DataTransformer) {
    let (df, schema) = load(name);
    let t = TransformerParams::default().fit(&df, &schema).unwrap();
    let secs: Vec<String> = t
        .columns()
        .iter()
        .zip(t.fit_seconds())
        .filter(|(c, _)| !c.kind.is_discrete())
        .map(|(c, s)| format!("{}={s:.3}s", c.name))
        .collect();
    eprintln!(
        "{name}: layout dim {}, fit per column: {}",
        t.layout().dim(),
        secs.join(" ")
    );
    (df, t)
}

fn round_trip_whole_table(name: &str) {
    let (df, t) = fit(name);
    let m = t.transform(&df, 1).unwrap();
    assert_eq!(m.cols(), t.layout().dim());
    // Every softmax span is an exact one-hot and every tanh value within ±0.99.
    for r in (0..m.rows()).step_by(97) {
        let row = m.row(r);
        for s in t.layout().spans() {
            let v = &row[s.start..s.end()];
            match s.activation {
                synthkit_data::Activation::Tanh => assert!(v[0].abs() <= 0.99),
                synthkit_data::Activation::Softmax => {
                    assert_eq!(v.iter().filter(|&&x| x == 1.0).count(), 1);
                    assert_eq!(v.iter().sum::<f32>(), 1.0);
                }
                synthkit_data::Activation::Linear => panic!("mode encoding has no linear span"),
            }
        }
    }
    let back = t.inverse_transform(&m).unwrap();
    let outliers = assert_same(
        &df.select(t.columns().iter().map(|c| c.name.as_str()))
            .unwrap(),
        &back,
        &t,
    );
    eprintln!("{name}: {outliers} outlier values clipped into range");
    // Outliers are rare: well under 0.1 % of the continuous cells.
    assert!(
        outliers * 1000 < df.height() * t.columns().len(),
        "{outliers} outliers"
    );
}

#[test]
fn adult_round_trips() {
    round_trip_whole_table("adult");
}

#[test]
fn bank_marketing_round_trips() {
    round_trip_whole_table("bank_marketing");
}

#[test]
fn ai4i_round_trips() {
    round_trip_whole_table("ai4i_machine_failure");
}

#[test]
fn cmapss_round_trips_as_a_long_table() {
    round_trip_whole_table("cmapss_fd001_failure");
}

#[test]
fn timegan_stock_round_trips_as_a_long_table() {
    round_trip_whole_table("timegan_stock");
}

#[test]
fn thyroid_round_trips_with_missing_values() {
    let (df, t) = fit("thyroid_sick");
    // thyroid has gaps in continuous (TSH, …) and categorical (sex) columns.
    let tsh = t.columns().iter().find(|c| c.name == "TSH").unwrap();
    match &tsh.encoder {
        synthkit_data::transform::Encoder::Continuous(e) => assert!(e.has_missing()),
        _ => panic!("TSH should be continuous"),
    }
    let m = t.transform(&df, 3).unwrap();
    let back = t.inverse_transform(&m).unwrap();
    let outliers = assert_same(
        &df.select(t.columns().iter().map(|c| c.name.as_str()))
            .unwrap(),
        &back,
        &t,
    );
    eprintln!("thyroid_sick: {outliers} outlier values clipped into range");
}

#[test]
fn out_of_range_values_come_back_inside_the_observed_range() {
    let (df, t) = fit("ai4i_machine_failure");
    let col = "Torque [Nm]";
    let s = df.column(col).unwrap().f64().unwrap();
    let (lo, hi) = (s.min().unwrap(), s.max().unwrap());
    let mut extreme = df.head(Some(2));
    extreme
        .replace(
            col,
            Series::new(col.into(), [lo - 1000.0, hi + 1000.0]).into(),
        )
        .unwrap();
    let back = t
        .inverse_transform(&t.transform(&extreme, 0).unwrap())
        .unwrap();
    let v: Vec<f64> = back
        .column(col)
        .unwrap()
        .f64()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert!(
        v.iter().all(|&x| (lo..=hi).contains(&x)),
        "{v:?} not in [{lo}, {hi}]"
    );
}

#[test]
fn mode_specific_scalar_is_centred_with_quarter_std() {
    // CTGAN's own check (tests/integration/test_data_transformer.py): dividing by 4σ of the
    // sampled mode makes α roughly N(0, 1/4²): |mean| < 0.1 and std in (0.2, 0.3).
    let (df, t) = fit("bank_marketing");
    let m = t.transform(&df, 5).unwrap();
    let lay = t
        .layout()
        .columns()
        .iter()
        .find(|c| c.name == "age")
        .unwrap();
    let a = lay.spans[0].start;
    let n = m.rows() as f64;
    let mean = (0..m.rows()).map(|r| f64::from(m.get(r, a))).sum::<f64>() / n;
    let var = (0..m.rows())
        .map(|r| (f64::from(m.get(r, a)) - mean).powi(2))
        .sum::<f64>()
        / n;
    assert!(mean.abs() < 0.1, "mean {mean}");
    assert!((0.2..0.3).contains(&var.sqrt()), "std {}", var.sqrt());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Any subset of rows of any shipped table, encoded with any seed, decodes to itself.
    #[test]
    fn any_rows_any_seed_round_trip(
        set in 0usize..6,
        seed in any::<u64>(),
        rows in proptest::collection::vec(any::<prop::sample::Index>(), 1..200),
    ) {
        use std::sync::OnceLock;
        static FITTED: OnceLock<Vec<(DataFrame, DataTransformer)>> = OnceLock::new();
        let fitted = FITTED.get_or_init(|| {
            [
                "ai4i_machine_failure",
                "thyroid_sick",
                "bank_marketing",
                "adult",
                "cmapss_fd001_failure",
                "timegan_stock",
            ]
            .iter()
            .map(|n| fit(n))
            .collect()
        });
        let (df, t) = &fitted[set];
        let idx: Vec<IdxSize> = rows.iter().map(|i| i.index(df.height()) as IdxSize).collect();
        let sub = df.take(&IdxCa::from_vec("i".into(), idx)).unwrap();
        let back = t.inverse_transform(&t.transform(&sub, seed).unwrap()).unwrap();
        assert_same(&sub.select(t.columns().iter().map(|c| c.name.as_str())).unwrap(), &back, t);
    }
}

//! Tests of the sequence sets on the shipped C-MAPSS table.

use std::path::Path;

use polars::prelude::*;

use super::*;
use crate::io::read_table;

fn cmapss_format() -> LongFormat {
    LongFormat {
        id: "seq_id".into(),
        time: "t".into(),
        features: vec![],
        target: Some("failure_within_window".into()),
    }
}

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn cmapss_head(rows: usize) -> DataFrame {
    let df = read_table(&root().join("datasets/cmapss_fd001_failure/train.csv")).unwrap();
    df.head(Some(rows))
}

#[test]
fn loads_the_shipped_cmapss_table() {
    let set = read_long(
        &root().join("datasets/cmapss_fd001_failure/train.csv"),
        &cmapss_format(),
    )
    .unwrap();
    assert_eq!(set.len(), 584);
    assert_eq!(set.seq_len, 24);
    assert_eq!(set.n_features(), 16);
    assert_eq!(set.features[0], "setting1");
    let counts = set.class_counts().unwrap();
    assert_eq!(counts.len(), 2);
    // positive_rate_train 0.119863 × 584 = 70.
    assert_eq!(counts["1"], 70);
    assert_eq!(set.values.len(), 584 * 24 * 16);
    // First row of the file: s2 (third feature) = 641.82.
    assert!((set.values[2] - 641.82).abs() < 1e-3);
}

#[test]
fn unequal_lengths_are_reported_with_the_sequence() {
    // Drop the last row of the first sequence.
    let df = cmapss_head(48);
    let keep: Vec<bool> = (0..48).map(|i| i != 23).collect();
    let mask = BooleanChunked::from_slice("m".into(), &keep);
    let df = df.filter(&mask).unwrap();
    let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
    assert!(
        matches!(
            e,
            SequenceError::UnequalLength {
                len: 24,
                expected: 23,
                ..
            }
        ),
        "{e}"
    );
    assert!(e.to_string().contains("same length"), "{e}");
}

#[test]
fn steps_out_of_order_are_reported_with_the_row() {
    let df = cmapss_head(24);
    let mut t: Vec<i64> = (0..24).collect();
    t.swap(5, 6);
    let mut df = df.clone();
    df.replace("t", Series::new("t".into(), t).into()).unwrap();
    let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
    match &e {
        SequenceError::StepsOutOfOrder { row, .. } => assert_eq!(*row, 6),
        other => panic!("wrong error {other}"),
    }
    assert!(e.to_string().contains("increasing step order"), "{e}");
}

#[test]
fn missing_feature_values_and_labels_are_errors() {
    let mut df = cmapss_head(24);
    let s2: Vec<Option<f64>> = (0..24)
        .map(|i| if i == 3 { None } else { Some(1.0) })
        .collect();
    df.replace("s2", Series::new("s2".into(), s2).into())
        .unwrap();
    let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
    assert!(
        matches!(&e, SequenceError::Missing { column, row: 3 } if column == "s2"),
        "{e}"
    );
    let mut df = cmapss_head(24);
    let y: Vec<i64> = (0..24).map(|i| i64::from(i == 10)).collect();
    df.replace(
        "failure_within_window",
        Series::new("failure_within_window".into(), y).into(),
    )
    .unwrap();
    let e = SequenceSet::from_long(&df, &cmapss_format()).unwrap_err();
    assert!(matches!(e, SequenceError::LabelNotConstant { .. }), "{e}");
    let e = SequenceSet::from_long(
        &cmapss_head(24),
        &LongFormat {
            id: "engine".into(),
            ..cmapss_format()
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("`engine`"), "{e}");
    let e = SequenceSet::from_long(
        &cmapss_head(24),
        &LongFormat {
            features: vec!["t".into()],
            ..cmapss_format()
        },
    )
    .unwrap_err();
    assert!(matches!(e, SequenceError::BadFeatures(_)), "{e}");
}

#[test]
fn scaler_round_trips_and_maps_to_unit_interval() {
    let set = SequenceSet::from_long(&cmapss_head(240), &cmapss_format()).unwrap();
    let sc = MinMaxScaler::fit(&set);
    let scaled = sc.transform(&set);
    assert!(
        scaled
            .values
            .iter()
            .all(|v| (-1e-6..=1.0 + 1e-6).contains(v))
    );
    for f in 0..set.n_features() {
        let col: Vec<f32> = scaled.values.iter().skip(f).step_by(16).copied().collect();
        let lo = col.iter().copied().fold(f32::INFINITY, f32::min);
        assert!(lo.abs() < 1e-6, "feature {f} min {lo}");
    }
    let back = sc.inverse(&scaled);
    for (a, b) in back.values.iter().zip(&set.values) {
        assert!((a - b).abs() <= 1e-3 * b.abs().max(1.0), "{a} vs {b}");
    }
    let json = serde_json::to_string(&sc).unwrap();
    assert_eq!(serde_json::from_str::<MinMaxScaler>(&json).unwrap(), sc);
}

#[test]
fn windows_have_the_right_count_content_and_labels() {
    let set = SequenceSet::from_long(&cmapss_head(48), &cmapss_format()).unwrap();
    let w = set.windows(10, 3).unwrap();
    // starts 0,3,…,12 → 5 windows per sequence.
    assert_eq!(w.len(), 10);
    assert_eq!(w.seq_len, 10);
    assert_eq!(w.ids[1], format!("{}/3", set.ids[0]));
    assert_eq!(w.sequence(1), &set.sequence(0)[3 * 16..13 * 16]);
    assert_eq!(
        w.labels.as_ref().unwrap()[7],
        set.labels.as_ref().unwrap()[1]
    );
    assert_eq!(set.windows(24, 1).unwrap(), set);
    assert!(matches!(
        set.windows(25, 1),
        Err(SequenceError::BadWindow { .. })
    ));
    assert!(matches!(
        set.windows(5, 0),
        Err(SequenceError::BadWindow { .. })
    ));
}

#[test]
fn joined_windows_span_consecutive_chunks() {
    let fmt = LongFormat {
        id: "seq_id".into(),
        time: "t".into(),
        features: vec![],
        target: None,
    };
    let set = read_long(&root().join("datasets/timegan_stock/train.csv"), &fmt).unwrap();
    // Ids 0 and 1 are consecutive chunks of one series when both are in train.
    let a = set.ids.iter().position(|i| i == "0");
    let b = set.ids.iter().position(|i| i == "1");
    let w = set.windows_joined(24, 1).unwrap();
    assert!(w.len() > set.len());
    if let (Some(a), Some(b)) = (a, b) {
        // The window starting one step into chunk 0 ends with the first step of chunk 1.
        let i = w.ids.iter().position(|x| x == "0+1").unwrap();
        assert_eq!(&w.sequence(i)[23 * 6..], &set.sequence(b)[..6]);
        assert_eq!(&w.sequence(i)[..6], &set.sequence(a)[6..12]);
    }
    // Every chunk alone still yields its own window: at least as many windows as chunks.
    let exact = set.windows_joined(24, 24).unwrap();
    assert_eq!(exact.len(), set.len());
    let mut bad = set.clone();
    bad.ids[0] = "x".into();
    assert!(bad.windows_joined(24, 1).is_err());
}

#[test]
fn split_is_by_sequence_and_stratified_and_long_round_trips() {
    let set = read_long(
        &root().join("datasets/cmapss_fd001_failure/train.csv"),
        &cmapss_format(),
    )
    .unwrap();
    let (tr, te) = set.stratified_split(0.25, 1).unwrap();
    assert_eq!(tr.len() + te.len(), set.len());
    let c = te.class_counts().unwrap();
    assert_eq!(c["1"], 18); // round(70 × 0.25)
    assert!(tr.ids.iter().all(|i| !te.ids.contains(i)));
    let fmt = cmapss_format();
    let df = te.to_long(&fmt).unwrap();
    assert_eq!(df.height(), te.len() * 24);
    let back = SequenceSet::from_long(&df, &fmt).unwrap();
    assert_eq!(back.ids, te.ids);
    assert_eq!(back.labels, te.labels);
    assert_eq!(back.values, te.values);
}

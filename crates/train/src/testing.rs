//! Fixtures of the crate's unit tests.

use synthkit_data::{Layout, Matrix, Schema, SchemaOptions, TransformerParams};

/// The first `rows` rows of the shipped ai4i training split, encoded with the default
/// transformer, and their layout.
pub(crate) fn ai4i(rows: usize) -> (Layout, Matrix) {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/ai4i_machine_failure/train.csv");
    let df = synthkit_data::io::read_table(&path)
        .expect("ai4i train.csv")
        .head(Some(rows));
    let opts = SchemaOptions {
        target: Some("Machine failure".into()),
        ..Default::default()
    };
    let schema = Schema::infer(&df, &opts).expect("schema");
    let tr = TransformerParams::default()
        .fit(&df, &schema)
        .expect("transformer");
    let m = tr.transform(&df, 0).expect("transform");
    (tr.layout().clone(), m)
}

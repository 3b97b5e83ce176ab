//! Benches of the data side on UCI adult (34,189 rows, 6 continuous and 9 discrete columns):
//! the variational mixture of one column, the whole transformer fit, the encode, and the
//! conditional sampler's draws for one CTGAN batch (500 rows).
//!
//! `cargo bench --profile dev --bench data` (the `bench` profile is release, a second full build
//! of burn). `RAYON_NUM_THREADS=1` gives the serial transformer fit for comparison.

mod common;

use divan::{Bencher, black_box};
use rand::SeedableRng;
use rand::rngs::StdRng;
use synthkit_data::TransformerParams;
use synthkit_data::sampler::ConditionalSampler;
use synthkit_data::transform::bgm::BgmParams;
use synthkit_data::transform::values;

use common::adult;

fn main() {
    divan::main();
}

/// CTGAN's batch size (ctgan.py L160).
const BATCH: usize = 500;

/// The values of one continuous adult column, as the transformer hands them to the mixture.
fn column(name: &str) -> Vec<f64> {
    let s = values::column(&adult().df, name).expect("column exists");
    values::numeric_values(s)
        .expect("numeric")
        .into_iter()
        .flatten()
        .collect()
}

/// One column's Dirichlet-process mixture (10 components, CTGAN's settings): `age` has 72
/// distinct values, `fnlwgt` about 20,000 (the slowest column of adult).
#[divan::bench(args = ["age", "fnlwgt"], sample_count = 10)]
fn mixture_fit(bencher: Bencher, name: &str) {
    let x = column(name);
    let params = BgmParams::default();
    bencher.bench_local(|| params.fit(black_box(&x)).expect("fits"));
}

/// `TransformerParams::fit` on the whole of adult (15 columns, in parallel across columns).
#[divan::bench(sample_count = 10)]
fn transformer_fit(bencher: Bencher) {
    let a = adult();
    let params = TransformerParams::default();
    bencher.bench_local(|| params.fit(black_box(&a.df), &a.schema).expect("fits"));
}

/// `DataTransformer::transform` of the whole of adult (mode sampling per value).
#[divan::bench(sample_count = 10)]
fn transform(bencher: Bencher) {
    let a = adult();
    bencher.bench_local(|| {
        a.transformer
            .transform(black_box(&a.df), 42)
            .expect("encodes")
    });
}

/// Indexing adult's rows by category: done once per training run.
#[divan::bench(sample_count = 10)]
fn sampler_new(bencher: Bencher) {
    let a = adult();
    bencher.bench_local(|| {
        ConditionalSampler::new(black_box(&a.matrix), a.transformer.layout(), true)
    });
}

/// One batch of training conditions (column, category, one-hot and mask), as every CTGAN step
/// draws twice.
#[divan::bench]
fn sampler_conditions(bencher: Bencher) {
    let a = adult();
    let s = ConditionalSampler::new(&a.matrix, a.transformer.layout(), true);
    let mut rng = StdRng::seed_from_u64(1);
    bencher.bench_local(|| s.sample_train(BATCH, &mut rng));
}

/// The real rows that carry a batch of conditions, gathered from the encoded matrix: the host
/// side of one critic step's real batch.
#[divan::bench]
fn sampler_real_batch(bencher: Bencher) {
    let a = adult();
    let s = ConditionalSampler::new(&a.matrix, a.transformer.layout(), true);
    let mut rng = StdRng::seed_from_u64(1);
    let cb = s
        .sample_train(BATCH, &mut rng)
        .expect("adult has discrete columns");
    bencher.bench_local(|| {
        let rows = s.sample_rows(&cb.blocks, &cb.categories, &mut rng);
        a.matrix.select_rows(&rows)
    });
}

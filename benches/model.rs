//! Benches of the models on burn-flex (CPU) with adult's encoded matrix and the paper sizes
//! (CTGAN: generator and critic 256-256, pac 10; TVAE: 128-128; batch 500; TabDDPM: the
//! reference's base MLP 256-256, T = 1000, batch 4096, on the quantile-normal encoding).
//!
//! The training engines are internal, so a training step is measured through the public
//! [`synthkit_train::fit`]: one epoch on the first `500 · steps` rows is `steps` steps plus a
//! fixed cost (network and optimiser set-up, the condition index); the step time is the slope
//! between `steps = 1` and `steps = 5` (TabDDPM: `steps` optimiser steps over the whole
//! table). Sampling measures 100,000 rows through
//! `FittedModel::sample` (device + inverse transform to a polars frame) and `sample_matrix`
//! (device only); TabDDPM, whose every row runs through all 1000 denoising steps, 512 rows.
//!
//! `cargo bench --profile dev --bench model`.

mod common;

use divan::{Bencher, black_box};
use synthkit_data::{DataTransformer, Matrix};
use synthkit_models::{CtganConfig, ModelConfig, TabDdpmConfig, TvaeConfig};
use synthkit_train::{FittedModel, TrainOptions, fit};

use common::{adult, adult_quantile, head};

fn main() {
    divan::main();
}

const BATCH: usize = 500;

fn ctgan(epochs: usize) -> ModelConfig {
    ModelConfig::Ctgan(CtganConfig {
        epochs,
        ..CtganConfig::paper()
    })
}

fn tvae(epochs: usize) -> ModelConfig {
    ModelConfig::Tvae(TvaeConfig {
        epochs,
        ..TvaeConfig::paper()
    })
}

fn opts() -> TrainOptions {
    TrainOptions {
        seed: 42,
        ..TrainOptions::default()
    }
}

/// `fit` of `config` on `m`, with a fresh copy of `transformer` per run.
fn bench_fit_on(bencher: Bencher, config: ModelConfig, transformer: &DataTransformer, m: &Matrix) {
    bencher
        .with_inputs(|| transformer.clone())
        .bench_local_values(|t| fit(&config, t, black_box(m), &opts()).expect("fits"));
}

fn bench_fit(bencher: Bencher, config: ModelConfig, steps: usize) {
    let a = adult();
    bench_fit_on(
        bencher,
        config,
        &a.transformer,
        &head(&a.matrix, BATCH * steps),
    );
}

/// One CTGAN epoch of `steps` steps (one critic and one generator update each).
#[divan::bench(args = [1, 5], sample_count = 10)]
fn ctgan_epoch(bencher: Bencher, steps: usize) {
    bench_fit(bencher, ctgan(1), steps);
}

/// One TVAE epoch of `steps` mini-batches.
#[divan::bench(args = [1, 5], sample_count = 10)]
fn tvae_epoch(bencher: Bencher, steps: usize) {
    bench_fit(bencher, tvae(1), steps);
}

fn fitted(config: ModelConfig) -> FittedModel {
    let a = adult();
    fit(
        &config,
        a.transformer.clone(),
        &head(&a.matrix, BATCH),
        &opts(),
    )
    .expect("fits")
}

const SAMPLE_ROWS: usize = 100_000;

/// 100,000 rows from CTGAN's generator, decoded into a frame.
#[divan::bench(sample_count = 5)]
fn ctgan_sample_100k(bencher: Bencher) {
    let model = fitted(ctgan(1));
    bencher.bench_local(|| model.sample(SAMPLE_ROWS, 7).expect("samples"));
}

/// 100,000 rows from CTGAN's generator, encoded layout only (no inverse transform).
#[divan::bench(sample_count = 5)]
fn ctgan_sample_100k_matrix(bencher: Bencher) {
    let model = fitted(ctgan(1));
    bencher.bench_local(|| model.sample_matrix(SAMPLE_ROWS, 7, None).expect("samples"));
}

/// 100,000 rows from TVAE's decoder, decoded into a frame.
#[divan::bench(sample_count = 5)]
fn tvae_sample_100k(bencher: Bencher) {
    let model = fitted(tvae(1));
    bencher.bench_local(|| model.sample(SAMPLE_ROWS, 7).expect("samples"));
}

/// 100,000 rows from TVAE's decoder, encoded layout only.
#[divan::bench(sample_count = 5)]
fn tvae_sample_100k_matrix(bencher: Bencher) {
    let model = fitted(tvae(1));
    bencher.bench_local(|| model.sample_matrix(SAMPLE_ROWS, 7, None).expect("samples"));
}

fn tabddpm(steps: usize) -> ModelConfig {
    ModelConfig::TabDdpm(TabDdpmConfig {
        steps,
        steps_per_block: steps,
        ..TabDdpmConfig::default()
    })
}

/// `steps` TabDDPM optimiser steps (batch 4096 of adult's 34,189 rows, EMA update included).
#[divan::bench(args = [1, 5], sample_count = 5)]
fn tabddpm_steps(bencher: Bencher, steps: usize) {
    let a = adult_quantile();
    bench_fit_on(bencher, tabddpm(steps), &a.transformer, &a.matrix);
}

/// 512 rows from TabDDPM through all 1000 denoising steps, decoded into a frame (the cost per
/// row does not depend on the weights, so a one-step model serves).
#[divan::bench(sample_count = 3)]
fn tabddpm_sample_512(bencher: Bencher) {
    let a = adult_quantile();
    let model = fit(&tabddpm(1), a.transformer.clone(), &a.matrix, &opts()).expect("fits");
    bencher.bench_local(|| model.sample(512, 7).expect("samples"));
}

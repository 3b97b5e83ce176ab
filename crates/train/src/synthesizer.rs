//! The interface every tabular model implements, and the one place a model config is mapped to
//! its implementation ([`synthesizer_for`]).
//!
//! A model is two pieces: a [`Synthesizer`] (how it trains on an encoded matrix and how it
//! rebuilds its network from saved weights) and the fitted [`Sampler`] it returns (how that
//! network generates encoded rows). Everything else — the transform, condition tables, chunking,
//! seeding, forcing or rejecting conditions, saving and loading the model directory — is shared
//! by [`crate::FittedModel`]. Training runs under the shared [`crate::driver`].
//!
//! To add a model: its config (a `ModelConfig` variant in `synthkit-models`), a module here with
//! its engine and its `Synthesizer`/`Sampler` implementations, and one arm in
//! [`synthesizer_for`].

use std::fmt::Debug;
use std::path::Path;

use burn::prelude::*;
use rand::rngs::StdRng;
use synthkit_data::{ConditionTable, DataTransformer, Matrix};
use synthkit_models::ModelConfig;

use crate::error::TrainResult;
use crate::losses::BlockLosses;
use crate::options::TrainOptions;

/// How a fitted network takes a condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conditioning {
    /// No condition input: only unconditional samples.
    None,
    /// CTGAN's condition vector: a category of any discrete column is an input, and the network
    /// also *generates* that column, so a generated row may disagree with its condition
    /// (measured as adherence; `condition = "force"` overwrites it, `"reject"` drops it).
    Vector,
    /// A class label (TabDDPM): the target's class is an input and is not generated; rows are
    /// drawn from the model's `p(x | y)`. Only the target can be conditioned on.
    Label,
}

/// Where a sampler draws its random numbers and reads its tables.
pub struct SampleContext<'a> {
    /// The fitted transformer's conditions and counts.
    pub table: &'a ConditionTable,
    /// The target's condition block, if the target is discrete.
    pub target_block: Option<usize>,
    /// Host RNG (conditions, labels, and the seeds of host noise), seeded per `sample` call.
    pub rng: &'a mut StdRng,
    /// The device the network lives on (its RNG is seeded per `sample` call).
    pub device: &'a Device,
}

/// A fitted network: generates activated rows in the transformer's encoded layout.
pub trait Sampler: Debug + Send + Sync {
    /// How it can be conditioned.
    fn conditioning(&self) -> Conditioning;
    /// The file its weights are saved in, inside the model directory.
    fn weights_file(&self) -> &'static str;
    /// Saves its weights to `path`.
    fn save(&self, path: &Path) -> TrainResult<()>;
    /// `n` activated rows (at most [`crate::SAMPLE_CHUNK`] per call). `condition` is a
    /// `(condition block, category)` pair: the condition vector of a [`Conditioning::Vector`]
    /// network, or the label of a [`Conditioning::Label`] one (always the target's block); with
    /// `None` conditions or labels are drawn per row with their training frequencies.
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix>;
}

/// What training returns: the sampling network and the loss history.
pub struct Trained {
    /// The network to sample with, on the plain (non-autodiff) device.
    pub sampler: Box<dyn Sampler>,
    /// One record per training block.
    pub losses: Vec<BlockLosses>,
}

/// A model family: trains on an encoded matrix and rebuilds its sampler from saved weights.
pub trait Synthesizer {
    /// Checks that the transformer's encoding suits the model, before anything is allocated.
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()>;
    /// Trains on `train` (encoded by `transformer`) on `device` (autodiff, already seeded with
    /// `opts.seed`) under the shared driver; `base` is the plain device the sampler moves to.
    fn fit(
        &self,
        transformer: &DataTransformer,
        train: &Matrix,
        opts: &TrainOptions,
        device: &Device,
        base: &Device,
    ) -> TrainResult<Trained>;
    /// Rebuilds the sampler from the weights in `dir` (written by [`Sampler::save`]).
    /// `conditioned` is what [`Sampler::conditioning`] said at save time (`!= None`).
    fn load(
        &self,
        transformer: &DataTransformer,
        conditioned: bool,
        dir: &Path,
        device: &Device,
    ) -> TrainResult<Box<dyn Sampler>>;
}

/// The implementation of `config`'s model.
pub fn synthesizer_for(config: &ModelConfig) -> Box<dyn Synthesizer + '_> {
    match config {
        ModelConfig::Ctgan(c) => Box::new(crate::ctgan::Ctgan(c)),
        ModelConfig::Tvae(c) => Box::new(crate::tvae::Tvae(c)),
        ModelConfig::TabDdpm(c) => Box::new(crate::tabddpm::TabDdpm(c)),
        ModelConfig::Copula(c) => Box::new(crate::copula::Copula(c)),
        ModelConfig::Flow(c) => Box::new(crate::flow::Flow(c)),
    }
}

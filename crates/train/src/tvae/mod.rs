//! TVAE (Xu et al. 2019, arXiv:1907.00503): the training loop ([`engine`]) and the fitted
//! decoder that samples rows. With `conditional` (our extension) encoder and decoder take a
//! condition vector, so the decoder samples a category directly.

mod engine;

use std::path::Path;

use burn::prelude::*;
use rand::Rng;
use rand_distr::StandardNormal;
use synthkit_data::{DataTransformer, Layout, Matrix};
use synthkit_models::TvaeConfig;
use synthkit_models::activation::tvae_sample_row;
use synthkit_models::tvae::Decoder;

use crate::ctgan::{check_mode_encoding, conditioned_noise};
use crate::driver::{RunIdentity, drive};
use crate::error::TrainResult;
use crate::options::TrainOptions;
use crate::parallel::par_each_row;
use crate::persist::{load_weights, save_weights};
use crate::synthesizer::{Conditioning, SampleContext, Sampler, Synthesizer, Trained};
use crate::tensor::{read_back, to_matrix};

pub(crate) use engine::TvaeEngine;

/// TVAE with its config.
pub(crate) struct Tvae<'a>(pub &'a TvaeConfig);

/// Whether a TVAE with this config on this layout uses the condition vector.
pub(crate) fn uses_condition(cfg: &TvaeConfig, layout: &Layout) -> bool {
    cfg.conditional && layout.cond_dim() > 0
}

const WEIGHTS: &str = "decoder.bpk";

impl Synthesizer for Tvae<'_> {
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()> {
        check_mode_encoding("tvae", transformer)
    }

    fn fit(
        &self,
        transformer: &DataTransformer,
        train: &Matrix,
        opts: &TrainOptions,
        device: &Device,
        base: &Device,
    ) -> TrainResult<Trained> {
        let layout = transformer.layout();
        let mut eng = TvaeEngine::new(self.0, layout, train, device);
        let config = synthkit_models::ModelConfig::Tvae(self.0.clone());
        let losses = drive(
            &mut eng,
            &RunIdentity::of_matrix(&config, train),
            opts,
            device,
        )?;
        Ok(Trained {
            sampler: Box::new(TvaeSampler {
                net: eng.vae.decoder.valid().to_device(base),
                cfg: self.0.clone(),
                layout: layout.clone(),
                conditioned: uses_condition(self.0, layout),
            }),
            losses,
        })
    }

    fn load(
        &self,
        transformer: &DataTransformer,
        conditioned: bool,
        dir: &Path,
        device: &Device,
    ) -> TrainResult<Box<dyn Sampler>> {
        let layout = transformer.layout();
        let cond_dim = if conditioned { layout.cond_dim() } else { 0 };
        let (_, d) = TvaeConfig {
            compress_dims: vec![1],
            ..self.0.clone()
        }
        .init(layout.dim(), cond_dim, device);
        Ok(Box::new(TvaeSampler {
            net: load_weights(&d, &dir.join(WEIGHTS))?.valid(),
            cfg: self.0.clone(),
            layout: layout.clone(),
            conditioned,
        }))
    }
}

/// TVAE's decoder in inference mode.
#[derive(Debug)]
struct TvaeSampler {
    net: Decoder,
    cfg: TvaeConfig,
    layout: Layout,
    conditioned: bool,
}

impl Sampler for TvaeSampler {
    fn conditioning(&self) -> Conditioning {
        if self.conditioned {
            Conditioning::Vector
        } else {
            Conditioning::None
        }
    }

    fn weights_file(&self) -> &'static str {
        WEIGHTS
    }

    fn save(&self, path: &Path) -> TrainResult<()> {
        save_weights(&self.net, path)
    }

    /// z ~ N(0, I) (with the condition vector) through the decoder, then each α drawn from
    /// N(tanh(output), σ) as the reference's `sample` does, and each one-hot block its argmax
    /// ([`tvae_sample_row`], on the host, rows in parallel tasks).
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix> {
        let input = conditioned_noise(
            self.conditioning(),
            n,
            self.cfg.embedding_dim,
            condition,
            ctx,
        );
        let mut rows = to_matrix(self.net.forward(input))?;
        let sigma = read_back(self.net.sigma.val(), "the decoder's sigma")?;
        let layout = &self.layout;
        par_each_row(&mut rows, ctx.rng.random(), |row, rng| {
            tvae_sample_row(row, &sigma, layout, || rng.sample(StandardNormal))
        });
        Ok(rows)
    }
}

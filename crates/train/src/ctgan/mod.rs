//! CTGAN (Xu et al. 2019, arXiv:1907.00503): the training loop ([`engine`]) and the fitted
//! generator that samples rows, with a condition vector when the data has discrete columns.

mod engine;

use std::path::Path;

use burn::prelude::*;
use rand::Rng;
use rand_distr::StandardNormal;
use synthkit_data::{Activation, DataTransformer, Layout, Matrix};
use synthkit_models::CtganConfig;
use synthkit_models::activation::ctgan_sample_rows;
use synthkit_models::ctgan::{FoldedGenerator, Generator};

use crate::driver::{RunIdentity, drive};
use crate::error::{TrainError, TrainResult};
use crate::options::TrainOptions;
use crate::parallel::{par_rows, par_rows_fast};
use crate::persist::save_weights;
use crate::synthesizer::{Conditioning, SampleContext, Sampler, Synthesizer, Trained};
use crate::tensor::{tensor2, to_matrix};

pub(crate) use engine::CtganEngine;

/// CTGAN with its config.
pub(crate) struct Ctgan<'a>(pub &'a CtganConfig);

/// The mode-specific transform is what CTGAN's and TVAE's output activations decode.
pub(crate) fn check_mode_encoding(
    model: &'static str,
    transformer: &DataTransformer,
) -> TrainResult<()> {
    if transformer
        .layout()
        .spans()
        .any(|s| s.activation == Activation::Linear)
    {
        return Err(TrainError::WrongEncoding {
            model,
            reason: "it needs the mode-specific transform of continuous columns; set [transform] continuous = \"mode\" (the quantile transform is for TabDDPM)",
        });
    }
    Ok(())
}

impl Synthesizer for Ctgan<'_> {
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()> {
        check_mode_encoding("ctgan", transformer)
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
        let mut eng = CtganEngine::new(self.0, layout, train, device);
        let config = synthkit_models::ModelConfig::Ctgan(self.0.clone());
        let losses = drive(
            &mut eng,
            &RunIdentity::of_matrix(&config, train),
            opts,
            device,
        )?;
        Ok(Trained {
            sampler: Box::new(CtganSampler::new(
                eng.generator.valid().to_device(base),
                self.0,
                layout,
            )),
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
        let (g, _) = CtganConfig {
            discriminator_dims: vec![1],
            ..self.0.clone()
        }
        .init(layout.dim(), cond_dim, device);
        let net = crate::persist::load_weights(&g, &dir.join(WEIGHTS))?.valid();
        Ok(Box::new(CtganSampler::new(net, self.0, layout)))
    }
}

const WEIGHTS: &str = "generator.bpk";

/// CTGAN's generator in inference mode: the network as trained (what is saved) and its
/// batch-norm-folded form (what samples).
#[derive(Debug)]
struct CtganSampler {
    net: Generator,
    folded: FoldedGenerator,
    cfg: CtganConfig,
    layout: Layout,
}

impl CtganSampler {
    fn new(net: Generator, cfg: &CtganConfig, layout: &Layout) -> Self {
        Self {
            folded: net.folded(),
            net,
            cfg: cfg.clone(),
            layout: layout.clone(),
        }
    }
}

impl Sampler for CtganSampler {
    fn conditioning(&self) -> Conditioning {
        if self.layout.cond_dim() > 0 {
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

    /// CTGAN samples with its batch norms in inference mode (running statistics), so a row
    /// does not depend on the other rows of its batch; the reference samples with batch
    /// statistics, which would wash a fixed condition out of a single-condition batch; they are
    /// folded into the Linears before them ([`Generator::folded`]). The output activation runs
    /// on the host, row by row in parallel tasks
    /// ([`ctgan_sample_rows`]): `tanh`, and per one-hot block a category drawn from the
    /// softmax of its logits, which is the argmax of the reference's Gumbel-softmax in
    /// distribution (the argmax is all the inverse transform reads).
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix> {
        let (input, width) = conditioned_noise_values(
            self.conditioning(),
            n,
            self.cfg.embedding_dim,
            condition,
            ctx,
        );
        let cond_dim = width - self.cfg.embedding_dim;
        let mut rows = match self.folded.forward_host(&input, n, cond_dim) {
            Some(logits) => Matrix::from_vec(n, self.layout.dim(), logits),
            None => to_matrix(self.folded.forward(tensor2(input, n, width, ctx.device)))?,
        };
        let layout = &self.layout;
        // One task's rows at a time (one scratch row per task); the same draws, in the same
        // order, as row by row.
        let width = layout.dim();
        par_rows(
            rows.as_mut_slice(),
            width,
            ctx.rng.random(),
            |_, part, rng| ctgan_sample_rows(part, layout, || rng.random()),
        );
        Ok(rows)
    }
}

/// The condition vectors of `n` rows of a [`Conditioning::Vector`] network: the fixed
/// `condition`, or one drawn per row with the training frequencies (host RNG, before any device
/// noise). `None` for an unconditioned network.
pub(crate) fn vector_condition(
    conditioning: Conditioning,
    n: usize,
    condition: Option<(usize, usize)>,
    ctx: &mut SampleContext<'_>,
) -> Option<Matrix> {
    if conditioning != Conditioning::Vector {
        return None;
    }
    Some(match condition {
        Some((b, k)) => ctx.table.fixed(b, k, n),
        None => ctx
            .table
            .sample_original(n, ctx.rng)
            .expect("a conditioned network has discrete columns"),
    })
}

/// The generator input of `n` rows: `z ~ N(0, I)` of width `embedding_dim`, then the rows'
/// [`vector_condition`] (drawn first) when the network is conditioned; built on the host (the
/// noise in parallel tasks, xoshiro256++ streams seeded from `ctx.rng`) and moved to the device
/// in one transfer.
pub(crate) fn conditioned_noise(
    conditioning: Conditioning,
    n: usize,
    embedding_dim: usize,
    condition: Option<(usize, usize)>,
    ctx: &mut SampleContext<'_>,
) -> Tensor<2> {
    let (input, width) = conditioned_noise_values(conditioning, n, embedding_dim, condition, ctx);
    tensor2(input, n, width, ctx.device)
}

/// The values of [`conditioned_noise`] on the host, row-major, and the row width.
pub(crate) fn conditioned_noise_values(
    conditioning: Conditioning,
    n: usize,
    embedding_dim: usize,
    condition: Option<(usize, usize)>,
    ctx: &mut SampleContext<'_>,
) -> (Vec<f32>, usize) {
    let cond = vector_condition(conditioning, n, condition, ctx);
    let width = embedding_dim + cond.as_ref().map_or(0, Matrix::cols);
    let mut input = vec![0.0f32; n * width];
    par_rows_fast(&mut input, width, ctx.rng.random(), |first, rows, rng| {
        for (i, row) in rows.chunks_mut(width).enumerate() {
            let (z, c) = row.split_at_mut(embedding_dim);
            z.iter_mut().for_each(|v| *v = rng.sample(StandardNormal));
            if let Some(cv) = &cond {
                c.copy_from_slice(cv.row(first + i));
            }
        }
    });
    (input, width)
}

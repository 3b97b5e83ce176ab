//! TabDDPM (Kotelnikov et al. 2023, arXiv:2209.15421): the training loop ([`engine`]) and the
//! fitted EMA denoiser that samples rows by ancestral diffusion, with the target's class as its
//! label input when class-conditional.

pub(crate) mod engine;
mod sampling;

use std::path::Path;

use burn::prelude::*;
use synthkit_data::{DataTransformer, Matrix, draw_by_count};
use synthkit_models::TabDdpmConfig;
use synthkit_models::tabddpm::{DdpmLayout, Denoiser, Diffusion};

use crate::driver::{RunIdentity, drive};
use crate::error::{TrainError, TrainResult};
use crate::options::TrainOptions;
use crate::persist::{load_weights, save_weights};
use crate::synthesizer::{Conditioning, SampleContext, Sampler, Synthesizer, Trained};

pub(crate) use engine::TabDdpmEngine;
pub(crate) use sampling::sample_rows;

/// TabDDPM with its config.
pub(crate) struct TabDdpm<'a>(pub &'a TabDdpmConfig);

/// The split of `transformer`'s layout for a TabDDPM with `cfg`: the target is the label input
/// when `class_conditional` is on and the target column is discrete.
pub(crate) fn ddpm_layout(cfg: &TabDdpmConfig, transformer: &DataTransformer) -> DdpmLayout {
    let label = if cfg.class_conditional {
        transformer.target()
    } else {
        None
    };
    DdpmLayout::new(transformer.layout(), label)
}

const WEIGHTS: &str = "denoiser.bpk";

impl Synthesizer for TabDdpm<'_> {
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()> {
        if ddpm_layout(self.0, transformer).d_in() == 0 {
            return Err(TrainError::NothingToGenerate { model: "tabddpm" });
        }
        Ok(())
    }

    fn fit(
        &self,
        transformer: &DataTransformer,
        train: &Matrix,
        opts: &TrainOptions,
        device: &Device,
        base: &Device,
    ) -> TrainResult<Trained> {
        let dl = ddpm_layout(self.0, transformer);
        let mut eng = TabDdpmEngine::new(self.0, dl.clone(), train, device);
        let config = synthkit_models::ModelConfig::TabDdpm(self.0.clone());
        let losses = drive(
            &mut eng,
            &RunIdentity::of_matrix(&config, train),
            opts,
            device,
        )?;
        Ok(Trained {
            sampler: Box::new(TabDdpmSampler {
                den: eng.ema.to_device(base),
                diffusion: Diffusion::new(self.0.num_timesteps, self.0.scheduler),
                dl,
                dim: transformer.layout().dim(),
            }),
            losses,
        })
    }

    fn load(
        &self,
        transformer: &DataTransformer,
        _conditioned: bool,
        dir: &Path,
        device: &Device,
    ) -> TrainResult<Box<dyn Sampler>> {
        let dl = ddpm_layout(self.0, transformer);
        let den = self.0.init(dl.d_in(), dl.n_classes(), device);
        Ok(Box::new(TabDdpmSampler {
            den: load_weights(&den, &dir.join(WEIGHTS))?.valid(),
            diffusion: Diffusion::new(self.0.num_timesteps, self.0.scheduler),
            dl,
            dim: transformer.layout().dim(),
        }))
    }
}

/// The EMA denoiser, its schedules and the layout split.
#[derive(Debug)]
struct TabDdpmSampler {
    den: Denoiser,
    diffusion: Diffusion,
    dl: DdpmLayout,
    /// Width of the full encoded layout.
    dim: usize,
}

/// How a model on TabDDPM's layout (TabDDPM, the flow) is conditioned: by its class label when
/// the layout has one.
pub(crate) fn label_conditioning(dl: &DdpmLayout) -> Conditioning {
    if dl.label.is_some() {
        Conditioning::Label
    } else {
        Conditioning::None
    }
}

/// The class labels of `n` rows to generate on TabDDPM's layout: none without a label, the
/// condition's class for every row, or classes drawn by the target's training counts on the
/// host.
pub(crate) fn row_labels(
    dl: &DdpmLayout,
    condition: Option<(usize, usize)>,
    n: usize,
    ctx: &mut SampleContext<'_>,
) -> Vec<usize> {
    match (dl.label, condition) {
        (None, _) => Vec::new(),
        (Some(_), Some((_, k))) => vec![k; n],
        (Some(_), None) => {
            let b = ctx
                .target_block
                .expect("a label column is the target's condition block");
            let counts = &ctx.table.columns[b].counts;
            (0..n).map(|_| draw_by_count(counts, ctx.rng)).collect()
        }
    }
}

impl Sampler for TabDdpmSampler {
    fn conditioning(&self) -> Conditioning {
        label_conditioning(&self.dl)
    }

    fn weights_file(&self) -> &'static str {
        WEIGHTS
    }

    fn save(&self, path: &Path) -> TrainResult<()> {
        save_weights(&self.den, path)
    }

    /// Labels first (the condition's class, or drawn by the target's training counts on the
    /// host), then the reverse diffusion on the device.
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix> {
        let y = row_labels(&self.dl, condition, n, ctx);
        let (num, cat) = sample_rows(
            &self.den,
            &self.diffusion,
            &self.dl,
            &y,
            n,
            ctx.device,
            ctx.rng,
        )?;
        Ok(self.dl.assemble(self.dim, &num, &cat, &y))
    }
}

//! TVAE's training loop (tvae.py L140–190): shuffled mini-batches, ELBO with the learned σ,
//! σ clamped after every step. With `conditional`, each row's condition is one of its own
//! discrete columns (chosen uniformly per row), fed to encoder and decoder.
//!
//! As in CTGAN's loop, the matrix is uploaded once and batches are gathered on the device from
//! row indices; condition vectors are rows of an identity matrix selected on the device; the
//! losses are read back once per epoch.

use std::path::Path;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use synthkit_data::{Layout, Matrix};
use synthkit_models::activation::tvae_loss;
use synthkit_models::tvae::{Decoder, Encoder};
use synthkit_models::{ADAM_EPSILON, TvaeConfig};

use crate::adam::Adam;
use crate::driver::{Engine, check_finite};
use crate::error::TrainResult;
use crate::losses::BlockLosses;
use crate::parallel::normal_tensor;
use crate::persist::{load_weights, save_weights};
use crate::tensor::{index_tensor, read_losses, to_tensor};
use synthkit_data::argmax;

/// Encoder and decoder as one module, so one Adam (with one step counter) updates both, as the
/// reference's single optimiser over both parameter lists does.
#[derive(Module, Debug)]
pub(crate) struct Vae {
    pub(crate) encoder: Encoder,
    pub(crate) decoder: Decoder,
}

/// Whether a TVAE with this config on this layout uses the condition vector.
pub(crate) fn uses_condition(cfg: &TvaeConfig, layout: &Layout) -> bool {
    cfg.conditional && layout.cond_dim() > 0
}

/// Every row's category in every discrete column, row-major `[rows, n_blocks]`: what a row's
/// own condition is read from, computed once instead of an argmax per row and step.
fn row_categories(data: &Matrix, layout: &Layout) -> Vec<u32> {
    let blocks = layout.cond_blocks();
    let mut cats = Vec::with_capacity(data.rows() * blocks.len());
    for r in 0..data.rows() {
        let row = data.row(r);
        for b in blocks {
            cats.push(argmax(&row[b.span.start..b.span.end()]) as u32);
        }
    }
    cats
}

/// Each row's own condition: one of its discrete columns, uniformly (one draw of `rng` per
/// row), as the position of its category in the condition vector.
fn row_condition_positions(
    cats: &[u32],
    rows: &[usize],
    layout: &Layout,
    rng: &mut impl Rng,
) -> Vec<usize> {
    let blocks = layout.cond_blocks();
    let nb = blocks.len();
    rows.iter()
        .map(|&r| {
            let b = rng.random_range(0..nb);
            blocks[b].cond_start + cats[r * nb + b] as usize
        })
        .collect()
}

pub(crate) struct TvaeEngine<'a> {
    cfg: TvaeConfig,
    layout: Layout,
    data: &'a Matrix,
    device: Device,
    /// `data` on the device, `[rows, data_dim]`, uploaded once.
    data_dev: Tensor<2>,
    /// With `conditional`: every row's categories ([`row_categories`]) and the identity matrix
    /// `[cond_dim, cond_dim]` whose rows are the condition vectors.
    cond: Option<(Vec<u32>, Tensor<2>)>,
    pub(crate) vae: Vae,
    opt: Adam,
}

impl<'a> TvaeEngine<'a> {
    pub(crate) fn new(
        cfg: &TvaeConfig,
        layout: &Layout,
        data: &'a Matrix,
        device: &Device,
    ) -> Self {
        let conditional = uses_condition(cfg, layout);
        let cond_dim = if conditional { layout.cond_dim() } else { 0 };
        let (encoder, decoder) = cfg.init(layout.dim(), cond_dim, device);
        Self {
            cfg: cfg.clone(),
            layout: layout.clone(),
            data,
            device: device.clone(),
            data_dev: to_tensor(data, device),
            cond: conditional.then(|| {
                (
                    row_categories(data, layout),
                    Tensor::eye(layout.cond_dim(), device),
                )
            }),
            vae: Vae { encoder, decoder },
            opt: Adam::new(cfg.lr, cfg.adam_betas, cfg.l2scale, ADAM_EPSILON),
        }
    }

    /// One mini-batch update; returns (total, reconstruction, KL), detached, on the device.
    pub(crate) fn train_step(
        &mut self,
        rows: &[usize],
        rng: &mut StdRng,
    ) -> (Tensor<1>, Tensor<1>, Tensor<1>) {
        let x = self
            .data_dev
            .clone()
            .select(0, index_tensor(rows, &self.device)); // [b, data]
        let cond = self.cond.as_ref().map(|(cats, eye)| {
            let pos = row_condition_positions(cats, rows, &self.layout, rng);
            eye.clone().select(0, index_tensor(&pos, &self.device)) // [b, cond]
        });
        let enc_in = match &cond {
            Some(c) => Tensor::cat(vec![x.clone(), c.clone()], 1),
            None => x.clone(),
        };
        let enc = self.vae.encoder.forward(enc_in);
        let [b, latent] = enc.std.dims();
        let eps = normal_tensor(rng.random(), b, latent, &self.device);
        let z = Encoder::sample_latent(&enc, eps); // [b, latent]
        let dec_in = match cond {
            Some(c) => Tensor::cat(vec![z, c], 1),
            None => z,
        };
        let recon = self.vae.decoder.forward(dec_in); // [b, data]
        let sigma = self.vae.decoder.sigma.val();
        let (rec, kl) = tvae_loss(
            recon,
            x,
            sigma,
            enc.mu,
            enc.logvar,
            &self.layout,
            self.cfg.loss_factor,
        );
        let loss = rec.clone() + kl.clone();
        let grads = GradientsParams::from_grads(loss.backward(), &self.vae);
        let mut vae = self.opt.step(self.vae.clone(), grads);
        vae.decoder = vae
            .decoder
            .clamp_sigma(self.cfg.sigma_min, self.cfg.sigma_max);
        self.vae = vae;
        (loss.detach(), rec.detach(), kl.detach())
    }
}

impl Engine for TvaeEngine<'_> {
    type Record = BlockLosses;

    fn name(&self) -> &'static str {
        "tvae"
    }

    fn blocks(&self) -> usize {
        self.cfg.epochs
    }

    fn record(&self, b: usize, seconds: f64, values: Vec<f64>) -> BlockLosses {
        BlockLosses::named(b, seconds, &["loss", "reconstruction", "kl"], values)
    }

    fn position(&self, done: usize) -> String {
        format!("epoch {done}/{}", self.cfg.epochs)
    }

    /// One epoch: the shuffled rows in mini-batches.
    fn run_block(&mut self, epoch: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let mut perm: Vec<usize> = (0..self.data.rows()).collect();
        perm.shuffle(rng);
        // (total, reconstruction, KL) per step, read back once.
        let mut on_device = Vec::with_capacity(3 * perm.len().div_ceil(self.cfg.batch_size));
        for chunk in perm.chunks(self.cfg.batch_size) {
            let (a, b, c) = self.train_step(chunk, rng);
            on_device.extend([a, b, c]);
        }
        let (mut l, mut r, mut k, mut n) = (0.0, 0.0, 0.0, 0usize);
        for step in read_losses(on_device)?.chunks_exact(3) {
            l += check_finite(epoch, "TVAE", step[0])?;
            r += step[1];
            k += step[2];
            n += 1;
        }
        let n = n.max(1) as f64;
        Ok(vec![l / n, r / n, k / n])
    }

    fn rows_per_block(&self) -> usize {
        self.data.rows()
    }

    fn save_state(&mut self, dir: &Path) -> TrainResult<()> {
        save_weights(&self.vae, &dir.join("vae.bpk"))?;
        self.opt.save(&dir.join("optimizer.bin"))
    }

    fn load_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.vae = load_weights(&self.vae, &dir.join("vae.bpk"))?;
        self.opt.load(&dir.join("optimizer.bin"), &self.device)
    }
}

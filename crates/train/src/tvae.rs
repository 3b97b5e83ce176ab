//! TVAE's training loop (tvae.py L140–190): shuffled mini-batches, ELBO with the learned σ,
//! σ clamped after every step. With `conditional`, each row's condition is one of its own
//! discrete columns (chosen uniformly per row), fed to encoder and decoder.

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
use crate::cond::argmax;
use crate::engine::{Engine, check_finite, load_weights, save_weights, to_tensor};
use crate::error::TrainResult;

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

/// Each row's own condition: one of its discrete columns, uniformly, as a one-hot at that
/// column's offset in the condition vector.
pub(crate) fn row_conditions(
    data: &Matrix,
    rows: &[usize],
    layout: &Layout,
    rng: &mut impl Rng,
) -> Matrix {
    let blocks = layout.cond_blocks();
    let mut m = Matrix::zeros(rows.len(), layout.cond_dim());
    for (i, &r) in rows.iter().enumerate() {
        let b = &blocks[rng.random_range(0..blocks.len())];
        let cat = argmax(&data.row(r)[b.span.start..b.span.end()]);
        m.set(i, b.cond_start + cat, 1.0);
    }
    m
}

pub(crate) struct TvaeEngine<'a> {
    cfg: TvaeConfig,
    layout: Layout,
    data: &'a Matrix,
    device: Device,
    conditional: bool,
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
            conditional,
            vae: Vae { encoder, decoder },
            opt: Adam::new(cfg.lr, cfg.adam_betas, cfg.l2scale, ADAM_EPSILON),
        }
    }

    /// One mini-batch update; returns (total, reconstruction, KL).
    pub(crate) fn train_step(&mut self, rows: &[usize], rng: &mut StdRng) -> (f64, f64, f64) {
        let x = to_tensor(&self.data.select_rows(rows), &self.device); // [b, data]
        let cond = self.conditional.then(|| {
            to_tensor(
                &row_conditions(self.data, rows, &self.layout, rng),
                &self.device,
            )
        });
        let enc_in = match &cond {
            Some(c) => Tensor::cat(vec![x.clone(), c.clone()], 1),
            None => x.clone(),
        };
        let enc = self.vae.encoder.forward(enc_in);
        let z = Encoder::sample_latent(&enc); // [b, latent]
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
        (
            loss.into_scalar::<f32>() as f64,
            rec.into_scalar::<f32>() as f64,
            kl.into_scalar::<f32>() as f64,
        )
    }
}

impl Engine for TvaeEngine<'_> {
    fn loss_names(&self) -> &'static [&'static str] {
        &["loss", "reconstruction", "kl"]
    }

    fn run_epoch(&mut self, epoch: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let mut perm: Vec<usize> = (0..self.data.rows()).collect();
        perm.shuffle(rng);
        let (mut l, mut r, mut k, mut n) = (0.0, 0.0, 0.0, 0usize);
        for chunk in perm.chunks(self.cfg.batch_size) {
            let (a, b, c) = self.train_step(chunk, rng);
            l += check_finite(epoch, "TVAE", a)?;
            r += b;
            k += c;
            n += 1;
        }
        let n = n.max(1) as f64;
        Ok(vec![l / n, r / n, k / n])
    }

    fn rows_per_epoch(&self) -> usize {
        self.data.rows()
    }

    fn save_state(&self, dir: &Path) -> TrainResult<()> {
        save_weights(&self.vae, &dir.join("vae.bpk"))?;
        self.opt.save(&dir.join("optimizer.bin"))
    }

    fn load_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.vae = load_weights(&self.vae, &dir.join("vae.bpk"))?;
        self.opt.load(&dir.join("optimizer.bin"), &self.device)
    }
}

//! TVAE's training loop (tvae.py L140–190): shuffled mini-batches, ELBO with the learned σ,
//! σ clamped after every step. With `conditional`, each row's condition is one of its own
//! discrete columns (chosen uniformly per row), fed to encoder and decoder.
//!
//! On burn-flex a step is one host pass over the batch ([`tvae_step_on_flex`]: forward, loss and
//! backward in parallel parts, then Adam). Elsewhere, as in CTGAN's loop, the matrix is uploaded
//! once and batches are gathered on the device from row indices; condition vectors are rows of
//! an identity matrix selected on the device; the losses are read back once per epoch.

use std::path::Path;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use synthkit_data::{Layout, Matrix};
use synthkit_models::activation::tvae_loss;
use synthkit_models::tvae::{Decoder, Encoder};
use synthkit_models::tvae_step::{TvaeBatch, tvae_step_on_flex};
use synthkit_models::{ADAM_EPSILON, TvaeConfig};

use crate::adam::Adam;
use crate::driver::{Engine, check_finite};
use crate::error::TrainResult;
use crate::losses::BlockLosses;
use crate::parallel::{normal_tensor, normal_values};
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
    /// `data` on the device, `[rows, data_dim]`, uploaded at the first tensor-path step (the
    /// host path reads `data`).
    data_dev: Option<Tensor<2>>,
    /// With `conditional`: every row's categories ([`row_categories`]) and the identity matrix
    /// `[cond_dim, cond_dim]` whose rows are the condition vectors.
    cond: Option<(Vec<u32>, Tensor<2>)>,
    pub(crate) vae: Vae,
    opt: Adam,
    /// Run steps as one host pass on burn-flex ([`tvae_step_on_flex`]); off only in tests, to
    /// compare with the tensor path.
    pub(crate) host: bool,
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
            data_dev: None,
            cond: conditional.then(|| {
                (
                    row_categories(data, layout),
                    Tensor::eye(layout.cond_dim(), device),
                )
            }),
            vae: Vae { encoder, decoder },
            opt: Adam::new(cfg.lr, cfg.adam_betas, cfg.l2scale, ADAM_EPSILON),
            host: true,
        }
    }

    /// One mini-batch update; returns (total, reconstruction, KL). The rows' conditions and the
    /// noise seed are drawn first, the same draws on either path.
    pub(crate) fn train_step(&mut self, rows: &[usize], rng: &mut StdRng) -> StepLosses {
        let pos = self
            .cond
            .as_ref()
            .map(|(cats, _)| row_condition_positions(cats, rows, &self.layout, rng));
        let noise_seed: u64 = rng.random();
        if self.host
            && let Some(l) = self.host_step(rows, pos.as_deref(), noise_seed)
        {
            return StepLosses::Host(l);
        }
        let data_dev = self
            .data_dev
            .get_or_insert_with(|| to_tensor(self.data, &self.device));
        let x = data_dev.clone().select(0, index_tensor(rows, &self.device)); // [b, data]
        let cond = self.cond.as_ref().zip(pos).map(|((_, eye), pos)| {
            eye.clone().select(0, index_tensor(&pos, &self.device)) // [b, cond]
        });
        let enc_in = match &cond {
            Some(c) => Tensor::cat(vec![x.clone(), c.clone()], 1),
            None => x.clone(),
        };
        let enc = self.vae.encoder.forward(enc_in);
        let [b, latent] = enc.std.dims();
        let eps = normal_tensor(noise_seed, b, latent, &self.device);
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
        self.update(grads);
        StepLosses::Device(Box::new([loss.detach(), rec.detach(), kl.detach()]))
    }

    /// The step as one host pass ([`tvae_step_on_flex`]) when the networks live on burn-flex;
    /// `None` elsewhere.
    fn host_step(&mut self, rows: &[usize], pos: Option<&[usize]>, seed: u64) -> Option<[f32; 3]> {
        let d = self.layout.dim();
        let mut x = Vec::with_capacity(rows.len() * d);
        for &r in rows {
            x.extend_from_slice(self.data.row(r));
        }
        let eps = normal_values(seed, rows.len(), self.cfg.embedding_dim);
        let out = tvae_step_on_flex(
            &self.vae.encoder,
            &self.vae.decoder,
            TvaeBatch {
                x: &x,
                cond: pos,
                eps: &eps,
            },
            &self.layout,
            self.cfg.loss_factor,
        )?;
        self.update(out.grads);
        Some([out.reconstruction + out.kl, out.reconstruction, out.kl])
    }

    /// Adam's step, then σ clamped (tvae.py L189).
    fn update(&mut self, grads: GradientsParams) {
        let mut vae = self.opt.step(self.vae.clone(), grads);
        vae.decoder = vae
            .decoder
            .clamp_sigma(self.cfg.sigma_min, self.cfg.sigma_max);
        self.vae = vae;
    }
}

/// A step's (total, reconstruction, KL): host values from the fused step, or detached
/// tensors on the device, read back once per epoch.
pub(crate) enum StepLosses {
    Host([f32; 3]),
    Device(Box<[Tensor<1>; 3]>),
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
        let mut on_device = Vec::new();
        let mut on_host = Vec::new();
        for chunk in perm.chunks(self.cfg.batch_size) {
            match self.train_step(chunk, rng) {
                StepLosses::Host(v) => on_host.extend(v.map(f64::from)),
                StepLosses::Device(t) => on_device.extend(*t),
            }
        }
        on_host.extend(read_losses(on_device)?);
        let (mut l, mut r, mut k, mut n) = (0.0, 0.0, 0.0, 0usize);
        for step in on_host.chunks_exact(3) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ai4i;
    use rand::SeedableRng;
    use serial_test::serial;

    /// Two epochs (ten steps of up to 128 rows, the last one partial) through the fused host
    /// step and through burn's tensor operations, from the same weights and draws: the same
    /// losses per epoch and the same weights afterwards, within float rounding (1e-4 relative
    /// on the losses; 1e-5 absolute on the output layer and σ, a hundredth of one Adam step at
    /// lr 1e-3, so a step that went elsewhere would show; measured 2e-8). Paper-sized networks,
    /// conditional.
    #[test]
    #[serial]
    fn the_host_step_trains_as_the_tensor_path_does() {
        let (layout, m) = ai4i(600);
        let cfg = TvaeConfig {
            batch_size: 128,
            epochs: 2,
            ..Default::default()
        };
        let device = Device::flex().autodiff();
        let mut runs = Vec::new();
        for host in [true, false] {
            device.seed(7);
            let mut eng = TvaeEngine::new(&cfg, &layout, &m, &device);
            eng.host = host;
            let mut rng = StdRng::seed_from_u64(3);
            let losses: Vec<Vec<f64>> = (0..2)
                .map(|e| eng.run_block(e, &mut rng).unwrap())
                .collect();
            let (_, out, sigma) = eng.vae.decoder.layers();
            let read = |t: Tensor<2>| t.into_data().try_to_vec_as::<f32>().unwrap();
            let w = read(out.weight.val());
            let s = sigma.val().into_data().try_to_vec_as::<f32>().unwrap();
            runs.push((losses, w, s));
        }
        let (host, tensor) = (&runs[0], &runs[1]);
        for (a, b) in host.0.iter().flatten().zip(tensor.0.iter().flatten()) {
            assert!((a - b).abs() <= 1e-4 * b.abs(), "loss {a} vs {b}");
        }
        for (what, a, b) in [
            ("weights", &host.1, &tensor.1),
            ("sigma", &host.2, &tensor.2),
        ] {
            let worst = a
                .iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0f32, f32::max);
            assert!(worst <= 1e-5, "{what}: largest difference {worst}");
        }
        // The runs moved the weights (the comparison is not of two initialisations).
        assert!(host.0[1][0] < host.0[0][0], "loss fell: {:?}", host.0);
    }
}

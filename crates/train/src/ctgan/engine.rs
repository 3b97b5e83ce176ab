//! CTGAN's training loop (ctgan.py L389–465), one function per step.
//!
//! Where the time goes is kept off the host: the training matrix is uploaded once, a batch is
//! gathered on the device from row indices, condition vectors and column masks are rows of
//! identity matrices selected on the device, and the losses stay on the device until the end of
//! the epoch, when they are read back in one transfer (no per-step synchronisation). The host
//! draws the indices (the conditional sampler) and the two large noise tensors, the generator's
//! `z` and the activation's Gumbel noise, in parallel tasks seeded from the step's RNG and moved
//! to the device in one transfer each (burn-flex draws a random tensor one element at a time on
//! one thread); the critic's dropout masks and the penalty's mixing weights, small, stay device
//! draws. On burn-flex the critic's update (both passes, the penalty and the backward pass) is
//! one host pass ([`critic_step_on_flex`]), with the same draws, and in the generator's update
//! the critic is one autodiff node that passes back its input gradient alone
//! ([`generator_loss_on_flex`]).

use std::path::Path;

use burn::optim::GradientsParams;
use burn::prelude::*;
use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use synthkit_data::sampler::ConditionalSampler;
use synthkit_data::{Layout, Matrix};
use synthkit_models::activation::{cond_loss, ctgan_activate};
use synthkit_models::critic_step::{critic_step_on_flex, generator_loss_on_flex};
use synthkit_models::ctgan::{Discriminator, Generator};
use synthkit_models::{ADAM_EPSILON, CtganConfig};

use crate::adam::Adam;
use crate::driver::{Engine, check_finite};
use crate::error::TrainResult;
use crate::losses::BlockLosses;
use crate::parallel::{gumbel_tensor, normal_tensor};
use crate::persist::{load_weights, save_weights};
use crate::tensor::{index_tensor, read_losses, to_tensor};

/// CTGAN's networks, optimisers and training-by-sampling state.
pub(crate) struct CtganEngine<'a> {
    cfg: CtganConfig,
    layout: Layout,
    data: &'a Matrix,
    sampler: ConditionalSampler,
    device: Device,
    /// `data` on the device, `[rows, data_dim]`, uploaded once.
    data_dev: Tensor<2>,
    /// Identity matrices of the condition vector and of the column mask, `[cond_dim, cond_dim]`
    /// and `[n_blocks, n_blocks]`: selecting rows of them builds one-hot batches on the device.
    /// `None` without discrete columns.
    eyes: Option<(Tensor<2>, Tensor<2>)>,
    pub(crate) generator: Generator,
    discriminator: Discriminator,
    opt_g: Adam,
    opt_d: Adam,
    /// Run the critic's update and its part of the generator's loss as host passes on
    /// burn-flex ([`critic_step_on_flex`], [`generator_loss_on_flex`]); off only in tests, to
    /// compare with the tensor path.
    pub(crate) host: bool,
}

/// Losses of one critic step, detached, still on the device.
#[derive(Clone, Debug)]
pub(crate) struct CriticLosses {
    /// `−(mean D(real) − mean D(fake))`, as the reference logs it. `[1]`
    pub critic: Tensor<1>,
    /// The gradient penalty (already multiplied by λ). `[1]`
    pub penalty: Tensor<1>,
}

impl<'a> CtganEngine<'a> {
    /// Builds the networks on `device` (an autodiff device, already seeded).
    pub(crate) fn new(
        cfg: &CtganConfig,
        layout: &Layout,
        data: &'a Matrix,
        device: &Device,
    ) -> Self {
        let sampler = ConditionalSampler::new(data, layout, cfg.log_frequency);
        let (generator, discriminator) = cfg.init(layout.dim(), layout.cond_dim(), device);
        // The critic's first use comes after its first dropout masks in the tensor path and
        // before them in the host path: its weights are drawn here, so both start alike.
        discriminator.draw_initial_weights();
        let eyes = (sampler.n_blocks() > 0).then(|| {
            (
                Tensor::eye(sampler.cond_dim(), device),
                Tensor::eye(sampler.n_blocks(), device),
            )
        });
        Self {
            cfg: cfg.clone(),
            layout: layout.clone(),
            data,
            sampler,
            device: device.clone(),
            data_dev: to_tensor(data, device),
            eyes,
            generator,
            discriminator,
            opt_g: Adam::new(
                cfg.generator_lr,
                cfg.adam_betas,
                cfg.generator_decay,
                ADAM_EPSILON,
            ),
            opt_d: Adam::new(
                cfg.discriminator_lr,
                cfg.adam_betas,
                cfg.discriminator_decay,
                ADAM_EPSILON,
            ),
            host: true,
        }
    }

    /// The generator's noise `z ~ N(0, I)`, `[batch, embedding_dim]`, drawn on the host under a
    /// seed from `rng`.
    fn noise(&self, rng: &mut StdRng) -> Tensor<2> {
        normal_tensor(
            rng.random(),
            self.cfg.batch_size,
            self.cfg.embedding_dim,
            &self.device,
        )
    }

    /// The output activation of a batch of generator logits, its Gumbel noise drawn on the host
    /// under a seed from `rng`.
    fn activate(&self, fake: Tensor<2>, rng: &mut StdRng) -> Tensor<2> {
        let [b, _] = fake.dims();
        let g = gumbel_tensor(rng.random(), b, &self.layout, &self.device);
        ctgan_activate(fake, g, &self.layout, self.cfg.gumbel_tau)
    }

    /// Condition vectors `[b, cond_dim]` and column masks `[b, n_blocks]` of the given
    /// `(block, category)` pairs, built on the device.
    fn cond_on_device(&self, blocks: &[usize], cats: &[usize]) -> (Tensor<2>, Tensor<2>) {
        let (cond_eye, mask_eye) = self.eyes.as_ref().expect("called with discrete columns");
        let pos: Vec<usize> = blocks
            .iter()
            .zip(cats)
            .map(|(&b, &c)| self.sampler.cond_position(b, c))
            .collect();
        (
            cond_eye.clone().select(0, index_tensor(&pos, &self.device)),
            mask_eye
                .clone()
                .select(0, index_tensor(blocks, &self.device)),
        )
    }

    /// Training rows `rows` of the data, gathered on the device. `[rows.len(), data_dim]`
    fn real_rows(&self, rows: &[usize]) -> Tensor<2> {
        self.data_dev
            .clone()
            .select(0, index_tensor(rows, &self.device))
    }

    /// One critic update: noise and a training condition; real rows that carry a shuffled
    /// permutation of the same (column, category) pairs; critic loss plus gradient penalty; one
    /// Adam step on the critic.
    pub(crate) fn critic_step(&mut self, rng: &mut StdRng) -> CriticLosses {
        let b = self.cfg.batch_size;
        let z = self.noise(rng); // [b, emb]
        let pairs = self.sampler.sample_train_pairs(b, rng);
        let (gen_in, fake_cond, real, real_cond) = match pairs {
            Some((blocks, cats)) => {
                let mut perm: Vec<usize> = (0..b).collect();
                perm.shuffle(rng);
                let pblocks: Vec<usize> = perm.iter().map(|&i| blocks[i]).collect();
                let pcats: Vec<usize> = perm.iter().map(|&i| cats[i]).collect();
                let rows = self.sampler.sample_rows(&pblocks, &pcats, rng);
                let real = self.real_rows(&rows); // [b, data]
                let (c1, _) = self.cond_on_device(&blocks, &cats); // [b, cond]
                let c2 = c1.clone().select(0, index_tensor(&perm, &self.device));
                (
                    Tensor::cat(vec![z, c1.clone()], 1),
                    Some(c1),
                    real,
                    Some(c2),
                )
            }
            None => {
                let rows = self.sampler.sample_any_rows(b, rng);
                (z, None, self.real_rows(&rows), None)
            }
        };
        let fake = self.generator.forward(gen_in); // [b, data], train-mode batch norm
        let fakeact = self.activate(fake, rng).detach();
        let (fake_cat, real_cat) = match (fake_cond, real_cond) {
            (Some(c1), Some(c2)) => (
                Tensor::cat(vec![fakeact, c1], 1),
                Tensor::cat(vec![real, c2], 1),
            ),
            _ => (fakeact, real),
        };
        if self.host
            && let Some(out) = critic_step_on_flex(
                &self.discriminator,
                &fake_cat,
                &real_cat,
                self.cfg.gradient_penalty,
                true,
            )
        {
            self.discriminator = self.opt_d.step(self.discriminator.clone(), out.grads);
            let scalar =
                |v: f32| Tensor::<1>::from_data(TensorData::new(vec![v], [1]), &self.device);
            return CriticLosses {
                critic: scalar(out.critic),
                penalty: scalar(out.penalty),
            };
        }
        let d = &self.discriminator;
        let groups = b / d.pac();
        let y_fake = d.forward(
            fake_cat.clone(),
            &d.dropout_masks(groups, true, &self.device),
        ); // [b/pac, 1]
        let y_real = d.forward(
            real_cat.clone(),
            &d.dropout_masks(groups, true, &self.device),
        );
        let pen = d.gradient_penalty(real_cat, fake_cat, self.cfg.gradient_penalty, true);
        let loss_d = (y_real.mean() - y_fake.mean()).neg();
        let total = loss_d.clone() + pen.clone();
        let grads = GradientsParams::from_grads(total.backward(), &self.discriminator);
        self.discriminator = self.opt_d.step(self.discriminator.clone(), grads);
        CriticLosses {
            critic: loss_d.detach(),
            penalty: pen.detach(),
        }
    }

    /// One generator update with fresh noise and condition: `−mean D(G(z ⊕ c) ⊕ c)` plus the
    /// conditional cross-entropy. Returns the loss, detached, on the device. `[1]`
    pub(crate) fn generator_step(&mut self, rng: &mut StdRng) -> Tensor<1> {
        let b = self.cfg.batch_size;
        let z = self.noise(rng);
        let pairs = self.sampler.sample_train_pairs(b, rng);
        let (gen_in, cm) = match pairs {
            Some((blocks, cats)) => {
                let (c1, m1) = self.cond_on_device(&blocks, &cats);
                (Tensor::cat(vec![z, c1.clone()], 1), Some((c1, m1)))
            }
            None => (z, None),
        };
        let fake = self.generator.forward(gen_in); // [b, data] raw logits
        let fakeact = self.activate(fake.clone(), rng);
        let d = &self.discriminator;
        let masks = d.dropout_masks(b / d.pac(), true, &self.device);
        let (critic_in, ce) = match cm {
            Some((c1, m1)) => (
                Tensor::cat(vec![fakeact, c1.clone()], 1),
                Some(cond_loss(fake, &self.layout, c1, m1)),
            ),
            None => (fakeact, None),
        };
        // On burn-flex one node with the critic's input gradient only.
        let fused = match self.host {
            true => generator_loss_on_flex(d, &critic_in, &masks),
            false => None,
        };
        let mut loss_g = fused.unwrap_or_else(|| d.forward(critic_in, &masks).mean().neg());
        if let Some(ce) = ce {
            loss_g = loss_g + ce;
        }
        let grads = GradientsParams::from_grads(loss_g.backward(), &self.generator);
        self.generator = self.opt_g.step(self.generator.clone(), grads);
        loss_g.detach()
    }
}

impl Engine for CtganEngine<'_> {
    type Record = BlockLosses;

    fn name(&self) -> &'static str {
        "ctgan"
    }

    fn blocks(&self) -> usize {
        self.cfg.epochs
    }

    fn record(&self, b: usize, seconds: f64, values: Vec<f64>) -> BlockLosses {
        BlockLosses::named(b, seconds, &["generator", "critic", "penalty"], values)
    }

    fn position(&self, done: usize) -> String {
        format!("epoch {done}/{}", self.cfg.epochs)
    }

    /// One epoch: `max(N / batch_size, 1)` steps.
    fn run_block(&mut self, epoch: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let steps = (self.data.rows() / self.cfg.batch_size).max(1);
        let k = self.cfg.discriminator_steps;
        // Per step: k × (critic, penalty), then the generator's loss; read back once.
        let mut on_device = Vec::with_capacity(steps * (2 * k + 1));
        for _ in 0..steps {
            for _ in 0..k {
                let l = self.critic_step(rng);
                on_device.push(l.critic);
                on_device.push(l.penalty);
            }
            on_device.push(self.generator_step(rng));
        }
        let values = read_losses(on_device)?;
        let (mut g_sum, mut d_sum, mut p_sum) = (0.0, 0.0, 0.0);
        for step in values.chunks_exact(2 * k + 1) {
            for pair in step[..2 * k].chunks_exact(2) {
                d_sum += check_finite(epoch, "critic", pair[0])?;
                p_sum += check_finite(epoch, "gradient penalty", pair[1])?;
            }
            g_sum += check_finite(epoch, "generator", step[2 * k])?;
        }
        let dn = (steps * k) as f64;
        Ok(vec![g_sum / steps as f64, d_sum / dn, p_sum / dn])
    }

    fn rows_per_block(&self) -> usize {
        (self.data.rows() / self.cfg.batch_size).max(1) * self.cfg.batch_size
    }

    fn save_state(&mut self, dir: &Path) -> TrainResult<()> {
        // Batch norm's running statistics hold their newest update in a per-thread buffer that
        // `into_record` does not read; `valid()` folds it in (a no-op for the arithmetic, the
        // next update would do the same), so the checkpoint has the current statistics.
        let _ = self.generator.valid();
        save_weights(&self.generator, &dir.join("generator.bpk"))?;
        save_weights(&self.discriminator, &dir.join("discriminator.bpk"))?;
        self.opt_g.save(&dir.join("optimizer-generator.bin"))?;
        self.opt_d.save(&dir.join("optimizer-discriminator.bin"))
    }

    fn load_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.generator = load_weights(&self.generator, &dir.join("generator.bpk"))?;
        self.discriminator = load_weights(&self.discriminator, &dir.join("discriminator.bpk"))?;
        self.opt_g
            .load(&dir.join("optimizer-generator.bin"), &self.device)?;
        self.opt_d
            .load(&dir.join("optimizer-discriminator.bin"), &self.device)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::ai4i;
    use rand::SeedableRng;
    use serial_test::serial;

    /// Four critic and generator steps of 100 rows with the critic's host passes (its update,
    /// and its part of the generator's loss) and through burn's tensor operations, from the same weights and draws: the same losses
    /// at every step (1e-3: the critic's loss and penalty agree to 1e-6, the generator's loss,
    /// computed against critics that differ by float rounding, to 2e-4; a wrong mask, mixing
    /// weight or gradient moved them by 1e-2 to 1e-1) and the same first-layer weights after
    /// them (2e-5, a tenth of one Adam step at lr 2e-4).
    #[test]
    #[serial]
    fn the_host_critic_passes_train_as_the_tensor_path_does() {
        let (layout, m) = ai4i(600);
        let cfg = CtganConfig {
            batch_size: 100,
            epochs: 1,
            ..Default::default()
        };
        let device = Device::flex().autodiff();
        let mut runs = Vec::new();
        for host in [true, false] {
            device.seed(7);
            let mut eng = CtganEngine::new(&cfg, &layout, &m, &device);
            eng.host = host;
            let mut rng = StdRng::seed_from_u64(3);
            let mut losses = Vec::new();
            for _ in 0..4 {
                let c = eng.critic_step(&mut rng);
                let g = eng.generator_step(&mut rng);
                losses.push(read_losses(vec![c.critic, c.penalty, g]).unwrap());
            }
            let (hidden, _) = eng.discriminator.layers();
            let w = hidden[0]
                .weight
                .val()
                .into_data()
                .try_to_vec::<f32>()
                .unwrap();
            runs.push((losses, w));
        }
        let ((host, hw), (tensor, tw)) = (&runs[0], &runs[1]);
        for (h, t) in host.iter().flatten().zip(tensor.iter().flatten()) {
            assert!(
                (h - t).abs() <= 1e-3,
                "loss {h} vs {t}: {host:?} against {tensor:?}"
            );
        }
        let worst = hw
            .iter()
            .zip(tw)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        assert!(
            worst <= 2e-5,
            "critic's first layer: largest difference {worst}"
        );
        // The critic learnt something (the comparison is not of two initialisations).
        assert!(host[0] != host[3], "{host:?}");
    }
}

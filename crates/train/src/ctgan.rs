//! CTGAN's training loop (ctgan.py L389–465), one function per step.

use std::path::Path;

use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use synthkit_data::sampler::ConditionalSampler;
use synthkit_data::{Layout, Matrix};
use synthkit_models::activation::{cond_loss, ctgan_activate};
use synthkit_models::ctgan::{Discriminator, Generator};
use synthkit_models::{ADAM_EPSILON, CtganConfig};

use crate::adam::Adam;
use crate::engine::{Engine, check_finite, load_weights, save_weights, to_tensor};
use crate::error::TrainResult;

/// CTGAN's networks, optimisers and training-by-sampling state.
pub(crate) struct CtganEngine<'a> {
    cfg: CtganConfig,
    layout: Layout,
    data: &'a Matrix,
    sampler: ConditionalSampler,
    device: Device,
    pub(crate) generator: Generator,
    discriminator: Discriminator,
    opt_g: Adam,
    opt_d: Adam,
}

/// Losses of one critic step.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CriticLosses {
    /// `−(mean D(real) − mean D(fake))`, as the reference logs it.
    pub critic: f64,
    /// The gradient penalty (already multiplied by λ).
    pub penalty: f64,
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
        Self {
            cfg: cfg.clone(),
            layout: layout.clone(),
            data,
            sampler,
            device: device.clone(),
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
        }
    }

    fn noise(&self) -> Tensor<2> {
        Tensor::random(
            [self.cfg.batch_size, self.cfg.embedding_dim],
            Distribution::Normal(0.0, 1.0),
            &self.device,
        )
    }

    /// One critic update: noise and a training condition; real rows that carry a shuffled
    /// permutation of the same (column, category) pairs; critic loss plus gradient penalty; one
    /// Adam step on the critic.
    pub(crate) fn critic_step(&mut self, rng: &mut StdRng) -> CriticLosses {
        let b = self.cfg.batch_size;
        let z = self.noise(); // [b, emb]
        let cb = self.sampler.sample_train(b, rng);
        let (gen_in, fake_cond, real, real_cond) = match cb {
            Some(cb) => {
                let mut perm: Vec<usize> = (0..b).collect();
                perm.shuffle(rng);
                let blocks: Vec<usize> = perm.iter().map(|&i| cb.blocks[i]).collect();
                let cats: Vec<usize> = perm.iter().map(|&i| cb.categories[i]).collect();
                let rows = self.sampler.sample_rows(&blocks, &cats, rng);
                let real = to_tensor(&self.data.select_rows(&rows), &self.device);
                let c1 = to_tensor(&cb.cond, &self.device); // [b, cond]
                let c2 = to_tensor(&cb.cond.select_rows(&perm), &self.device);
                (
                    Tensor::cat(vec![z, c1.clone()], 1),
                    Some(c1),
                    real,
                    Some(c2),
                )
            }
            None => {
                let rows = self.sampler.sample_any_rows(b, rng);
                (
                    z,
                    None,
                    to_tensor(&self.data.select_rows(&rows), &self.device),
                    None,
                )
            }
        };
        let fake = self.generator.forward(gen_in); // [b, data], train-mode batch norm
        let fakeact = ctgan_activate(fake, &self.layout, self.cfg.gumbel_tau).detach();
        let (fake_cat, real_cat) = match (fake_cond, real_cond) {
            (Some(c1), Some(c2)) => (
                Tensor::cat(vec![fakeact, c1], 1),
                Tensor::cat(vec![real, c2], 1),
            ),
            _ => (fakeact, real),
        };
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
            critic: loss_d.into_scalar::<f32>() as f64,
            penalty: pen.into_scalar::<f32>() as f64,
        }
    }

    /// One generator update with fresh noise and condition: `−mean D(G(z ⊕ c) ⊕ c)` plus the
    /// conditional cross-entropy.
    pub(crate) fn generator_step(&mut self, rng: &mut StdRng) -> f64 {
        let b = self.cfg.batch_size;
        let z = self.noise();
        let cb = self.sampler.sample_train(b, rng);
        let (gen_in, cm) = match cb {
            Some(cb) => {
                let c1 = to_tensor(&cb.cond, &self.device);
                let m1 = to_tensor(&cb.mask, &self.device);
                (Tensor::cat(vec![z, c1.clone()], 1), Some((c1, m1)))
            }
            None => (z, None),
        };
        let fake = self.generator.forward(gen_in); // [b, data] raw logits
        let fakeact = ctgan_activate(fake.clone(), &self.layout, self.cfg.gumbel_tau);
        let d = &self.discriminator;
        let masks = d.dropout_masks(b / d.pac(), true, &self.device);
        let (y_fake, ce) = match cm {
            Some((c1, m1)) => {
                let y = d.forward(Tensor::cat(vec![fakeact, c1.clone()], 1), &masks);
                (y, Some(cond_loss(fake, &self.layout, c1, m1)))
            }
            None => (d.forward(fakeact, &masks), None),
        };
        let mut loss_g = y_fake.mean().neg();
        if let Some(ce) = ce {
            loss_g = loss_g + ce;
        }
        let grads = GradientsParams::from_grads(loss_g.backward(), &self.generator);
        self.generator = self.opt_g.step(self.generator.clone(), grads);
        loss_g.into_scalar::<f32>() as f64
    }
}

impl Engine for CtganEngine<'_> {
    fn loss_names(&self) -> &'static [&'static str] {
        &["generator", "critic", "penalty"]
    }

    fn run_epoch(&mut self, epoch: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let steps = (self.data.rows() / self.cfg.batch_size).max(1);
        let (mut g_sum, mut d_sum, mut p_sum) = (0.0, 0.0, 0.0);
        for _ in 0..steps {
            for _ in 0..self.cfg.discriminator_steps {
                let l = self.critic_step(rng);
                d_sum += check_finite(epoch, "critic", l.critic)?;
                p_sum += check_finite(epoch, "gradient penalty", l.penalty)?;
            }
            g_sum += check_finite(epoch, "generator", self.generator_step(rng))?;
        }
        let dn = (steps * self.cfg.discriminator_steps) as f64;
        Ok(vec![g_sum / steps as f64, d_sum / dn, p_sum / dn])
    }

    fn rows_per_epoch(&self) -> usize {
        (self.data.rows() / self.cfg.batch_size).max(1) * self.cfg.batch_size
    }

    fn save_state(&self, dir: &Path) -> TrainResult<()> {
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

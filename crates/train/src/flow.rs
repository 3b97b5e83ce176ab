//! The flow-matching generator ([`synthkit_models::FlowConfig`]): conditional flow matching with
//! the linear path on TabDDPM's encoding, trained with TabDDPM's network, optimiser, EMA and
//! step schedule, sampled by integrating the learned velocity field in `sampling_steps` ODE
//! steps (Euler or Heun) from Gaussian noise.
//!
//! The diffused vector is TabDDPM's split of the encoded row (numeric columns, then the one-hot
//! blocks); the one-hot blocks enter as ±1 coordinates (`2·onehot − 1`, the scale of the
//! quantile-normal numerics) and leave through an argmax per block, as ForestFlow treats
//! dummy-encoded categories (arXiv:2309.09968 §3). The target's class is the label input when
//! class-conditional.
//!
//! Training step (rows `x₁`, noise `x₀ ~ N(0, I)`, `t ~ U(0, 1)` per row):
//! `x_t = (1 − t) x₀ + t x₁`, loss `mean ‖v_θ(x_t, t, y) − (x₁ − x₀)‖²`. The network sees
//! `1000 · t` through TabDDPM's sinusoidal time embedding, whose frequencies are made for
//! timesteps up to 1000.

use std::path::Path;

use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::Distribution;
use rand::Rng;
use rand::rngs::StdRng;
use synthkit_data::{DataTransformer, Matrix};
use synthkit_models::tabddpm::{DdpmLayout, Denoiser};
use synthkit_models::{ADAM_EPSILON, FlowConfig, ModelConfig, Solver};

use crate::adam::Adam;
use crate::driver::{Engine, RunIdentity, check_finite, drive};
use crate::error::{TrainError, TrainResult};
use crate::losses::BlockLosses;
use crate::options::TrainOptions;
use crate::persist::{load_weights, save_weights};
use crate::synthesizer::{Conditioning, SampleContext, Sampler, Synthesizer, Trained};
use crate::tabddpm::engine::{block_steps, ema_rate, ema_update, onehot, run_steps};
use crate::tabddpm::{label_conditioning, row_labels};
use crate::tensor::{read_back, tensor2};

/// The flow model with its config.
pub(crate) struct Flow<'a>(pub &'a FlowConfig);

const WEIGHTS: &str = "velocity.bpk";

/// The time scale of the embedding: `t ∈ [0, 1]` enters as `1000 · t`.
const TIME_SCALE: f32 = 1000.0;

fn layout_of(cfg: &FlowConfig, transformer: &DataTransformer) -> DdpmLayout {
    let label = if cfg.class_conditional {
        transformer.target()
    } else {
        None
    };
    DdpmLayout::new(transformer.layout(), label)
}

fn init(cfg: &FlowConfig, dl: &DdpmLayout, device: &Device) -> Denoiser {
    Denoiser::new(
        &cfg.d_layers,
        cfg.dropout,
        cfg.dim_t,
        dl.d_in(),
        dl.n_classes(),
        device,
    )
}

impl Synthesizer for Flow<'_> {
    fn check_encoding(&self, transformer: &DataTransformer) -> TrainResult<()> {
        if layout_of(self.0, transformer).d_in() == 0 {
            return Err(TrainError::NothingToGenerate { model: "flow" });
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
        let dl = layout_of(self.0, transformer);
        let model = init(self.0, &dl, device);
        let mut eng = FlowEngine {
            cfg: self.0.clone(),
            ema: model.clone().valid(),
            model,
            dl: dl.clone(),
            data: train,
            device: device.clone(),
            opt: Adam::adamw(
                self.0.lr,
                self.0.adam_betas,
                self.0.weight_decay,
                ADAM_EPSILON,
            ),
        };
        let config = ModelConfig::Flow(self.0.clone());
        let losses = drive(
            &mut eng,
            &RunIdentity::of_matrix(&config, train),
            opts,
            device,
        )?;
        Ok(Trained {
            sampler: Box::new(FlowSampler {
                net: eng.ema.to_device(base),
                cfg: self.0.clone(),
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
        let dl = layout_of(self.0, transformer);
        let net = init(self.0, &dl, device);
        Ok(Box::new(FlowSampler {
            net: load_weights(&net, &dir.join(WEIGHTS))?.valid(),
            cfg: self.0.clone(),
            dl,
            dim: transformer.layout().dim(),
        }))
    }
}

/// The flow's training state.
struct FlowEngine<'a> {
    cfg: FlowConfig,
    dl: DdpmLayout,
    data: &'a Matrix,
    device: Device,
    model: Denoiser,
    /// The EMA weights, on the plain device.
    ema: Denoiser,
    opt: Adam,
}

impl FlowEngine<'_> {
    /// The diffused part of rows `rows` (numerics, then one-hots as ±1) and their labels.
    fn targets(&self, rows: &[usize]) -> (Tensor<2>, Vec<usize>) {
        let (nn, nc) = (self.dl.n_num(), self.dl.n_cat());
        let (num, cat, y) = self.dl.split(self.data, rows);
        let b = rows.len();
        let mut x = Vec::with_capacity(b * (nn + nc));
        for r in 0..b {
            x.extend_from_slice(&num[r * nn..(r + 1) * nn]);
            x.extend(cat[r * nc..(r + 1) * nc].iter().map(|v| 2.0 * v - 1.0));
        }
        (tensor2(x, b, nn + nc, &self.device), y)
    }

    /// One optimiser step at global step `step`; returns the loss.
    fn train_step(&mut self, rows: &[usize], step: usize, rng: &mut StdRng) -> f64 {
        let d = &self.device;
        let b = rows.len();
        let (x1, y) = self.targets(rows);
        let x0 = Tensor::<2>::random([b, self.dl.d_in()], Distribution::Normal(0.0, 1.0), d);
        let t: Vec<f32> = (0..b).map(|_| rng.random::<f32>()).collect();
        let tt = tensor2(t.clone(), b, 1, d); // [b, 1]
        let xt = x0.clone() * (tt.clone().neg().add_scalar(1.0)) + x1.clone() * tt; // [b, d_in]
        let y = (self.dl.n_classes() > 0).then(|| onehot(&y, self.dl.n_classes(), d));
        let time = Tensor::<1>::from_data(
            TensorData::new(t.iter().map(|v| v * TIME_SCALE).collect::<Vec<_>>(), [b]),
            d,
        );
        let v = self.model.forward(xt, time, y); // [b, d_in]
        let loss = (v - (x1 - x0)).powi_scalar(2).mean();
        let value = loss.clone().into_scalar::<f32>() as f64;
        let grads = GradientsParams::from_grads(loss.backward(), &self.model);
        let frac = step as f64 / self.cfg.steps as f64;
        self.opt.set_lr(self.cfg.lr * (1.0 - frac));
        self.model = self.opt.step(self.model.clone(), grads);
        self.ema = ema_update(
            self.ema.clone(),
            &self.model,
            ema_rate(self.cfg.ema_decay, step),
        );
        value
    }
}

impl Engine for FlowEngine<'_> {
    type Record = BlockLosses;

    fn name(&self) -> &'static str {
        "flow"
    }

    fn blocks(&self) -> usize {
        self.cfg.blocks()
    }

    fn run_block(&mut self, b: usize, rng: &mut StdRng) -> TrainResult<Vec<f64>> {
        let batch = self.cfg.batch_size.min(self.data.rows());
        let span = block_steps(b, self.cfg.steps_per_block, self.cfg.steps);
        run_steps(span, self.data.rows(), batch, rng, |rows, step, rng| {
            Ok(vec![check_finite(
                b,
                "flow matching",
                self.train_step(rows, step, rng),
            )?])
        })
    }

    fn record(&self, b: usize, seconds: f64, values: Vec<f64>) -> BlockLosses {
        BlockLosses::named(b, seconds, &["loss"], values)
    }

    fn position(&self, done: usize) -> String {
        let steps = (done * self.cfg.steps_per_block).min(self.cfg.steps);
        format!("step {steps}/{}", self.cfg.steps)
    }

    fn rows_per_block(&self) -> usize {
        self.cfg.steps_per_block * self.cfg.batch_size.min(self.data.rows())
    }

    fn save_state(&mut self, dir: &Path) -> TrainResult<()> {
        save_weights(&self.model, &dir.join("velocity.bpk"))?;
        save_weights(&self.ema, &dir.join("ema.bpk"))?;
        self.opt.save(&dir.join("optimizer.bin"))
    }

    fn load_state(&mut self, dir: &Path) -> TrainResult<()> {
        self.model = load_weights(&self.model, &dir.join("velocity.bpk"))?;
        self.ema = load_weights(&self.ema, &dir.join("ema.bpk"))?;
        self.opt.load(&dir.join("optimizer.bin"), &self.device)
    }
}

/// The EMA velocity network.
#[derive(Debug)]
struct FlowSampler {
    net: Denoiser,
    cfg: FlowConfig,
    dl: DdpmLayout,
    dim: usize,
}

impl FlowSampler {
    /// The velocity at time `t` (shared by every row) with the label embedding `label`.
    fn velocity(&self, x: Tensor<2>, t: f32, label: &Option<Tensor<2>>) -> Tensor<2> {
        let d = x.device();
        let time = self.net.time_embedding(Tensor::<1>::from_data(
            TensorData::new(vec![t * TIME_SCALE], [1]),
            &d,
        )); // [1, dim_t]
        let emb = match label {
            Some(l) => l.clone() + time, // [n, dim_t]
            None => time,
        };
        self.net.forward_embedded(x, emb) // [n, d_in]
    }
}

impl Sampler for FlowSampler {
    fn conditioning(&self) -> Conditioning {
        label_conditioning(&self.dl)
    }

    fn weights_file(&self) -> &'static str {
        WEIGHTS
    }

    fn save(&self, path: &Path) -> TrainResult<()> {
        save_weights(&self.net, path)
    }

    /// Labels first (host RNG), then the noise (device RNG) and `sampling_steps` ODE steps from
    /// t = 0 to 1; numerics are the end point, each one-hot block its argmax.
    fn generate(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        ctx: &mut SampleContext<'_>,
    ) -> TrainResult<Matrix> {
        let y = row_labels(&self.dl, condition, n, ctx);
        let d = ctx.device;
        let label = (self.dl.n_classes() > 0)
            .then(|| self.net.label_embedding(onehot(&y, self.dl.n_classes(), d)))
            .flatten();
        let mut x = Tensor::<2>::random([n, self.dl.d_in()], Distribution::Normal(0.0, 1.0), d);
        let k = self.cfg.sampling_steps;
        let h = 1.0 / k as f32;
        for i in 0..k {
            let t = i as f32 * h;
            let v = self.velocity(x.clone(), t, &label);
            x = match self.cfg.solver {
                Solver::Euler => x + v.mul_scalar(h),
                Solver::Heun => {
                    let pred = x.clone() + v.clone().mul_scalar(h);
                    let v2 = self.velocity(pred, t + h, &label);
                    x + (v + v2).mul_scalar(h / 2.0)
                }
            };
        }
        let values = read_back(x, "generated rows")?;
        let bad = values.iter().filter(|v| !v.is_finite()).count();
        if bad > 0 {
            return Err(TrainError::NonFiniteSample {
                model: "flow",
                count: bad,
            });
        }
        let (nn, nc) = (self.dl.n_num(), self.dl.n_cat());
        let width = nn + nc;
        let mut num = Vec::with_capacity(n * nn);
        let mut cat = vec![0.0f32; n * nc];
        let sizes: Vec<usize> = self.dl.cat_spans.iter().map(|s| s.dim).collect();
        for r in 0..n {
            let row = &values[r * width..(r + 1) * width];
            num.extend_from_slice(&row[..nn]);
            let mut off = nn;
            for &k in &sizes {
                let best = synthkit_data::argmax(&row[off..off + k]);
                cat[r * nc + (off - nn) + best] = 1.0;
                off += k;
            }
        }
        Ok(self.dl.assemble(self.dim, &num, &cat, &y))
    }
}

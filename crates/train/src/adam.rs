//! Adam with PyTorch's semantics (L2 weight decay added to the gradient, bias-corrected moments,
//! ε = 1e-8 outside the square root, the update in `torch.optim.Adam`'s order:
//! `p −= (lr / bc₁) · m / (√v / √bc₂ + ε)`), or AdamW (decoupled weight decay: the weights shrink by
//! `lr · decay` before the Adam step, as `torch.optim.AdamW`), and a state that can be written
//! to and read from disk on any device.
//!
//! burn's `ModuleOptimizer` can record its state, but `load_record` materialises it on
//! `Device::default()` (wgpu first when the `wgpu` feature is on), which would start a GPU
//! runtime inside a CPU run. Owning the ~80 lines of Adam keeps checkpoints device-neutral.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use burn::backend::Flex;
use burn::module::{ModuleMapper, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use rayon::prelude::*;

use crate::error::{TrainError, TrainResult};

const MAGIC: &[u8; 8] = b"SKADAM01";

/// Adam state for one module.
#[derive(Clone, Debug)]
pub struct Adam {
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    step: u64,
    moments: HashMap<ParamId, Moments>,
    /// Update burn-flex parameters in one host pass (off only in tests, to check the tensor
    /// path against it).
    host: bool,
}

/// A parameter's first and second moments.
#[derive(Clone, Debug)]
enum Moments {
    /// For parameters on burn-flex: the update is one pass over host buffers instead of a
    /// dozen tensor operations (each an allocation and a pass; a TVAE step has 17 parameters).
    Host(Vec<f32>, Vec<f32>),
    /// On the parameter's device (other backends; boxed: a tensor handle is ~256 bytes).
    Device(Box<(Tensor<1>, Tensor<1>)>),
}

impl Moments {
    fn to_vecs(&self) -> Result<(Vec<f32>, Vec<f32>), String> {
        match self {
            Self::Host(m, v) => Ok((m.clone(), v.clone())),
            Self::Device(mv) => {
                let (m, v) = &**mv;
                let read = |t: &Tensor<1>| t.to_data().try_to_vec_as::<f32>();
                Ok((
                    read(m).map_err(|e| format!("{e:?}"))?,
                    read(v).map_err(|e| format!("{e:?}"))?,
                ))
            }
        }
    }
}

impl Adam {
    /// A fresh optimiser.
    pub fn new(lr: f64, betas: [f64; 2], weight_decay: f64, eps: f64) -> Self {
        Self {
            lr,
            beta1: betas[0],
            beta2: betas[1],
            eps,
            weight_decay,
            decoupled: false,
            step: 0,
            moments: HashMap::new(),
            host: true,
        }
    }

    /// A fresh AdamW: decoupled weight decay (`torch.optim.AdamW`).
    pub fn adamw(lr: f64, betas: [f64; 2], weight_decay: f64, eps: f64) -> Self {
        Self {
            decoupled: true,
            ..Self::new(lr, betas, weight_decay, eps)
        }
    }

    /// Sets the learning rate of the next steps (for schedules).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// Updates every parameter of `module` that has a gradient in `grads`.
    pub fn step<M: Module>(&mut self, module: M, mut grads: GradientsParams) -> M {
        self.step += 1;
        let t = self.step as i32;
        let bc1 = 1.0 - self.beta1.powi(t);
        let bc2 = 1.0 - self.beta2.powi(t);
        let mut mapper = AdamMapper {
            adam: self,
            grads: &mut grads,
            bc1,
            bc2,
        };
        module.map(&mut mapper)
    }

    /// Writes the state (step count and both moments of every parameter, keyed by parameter id)
    /// to `path`.
    pub fn save(&self, path: &Path) -> TrainResult<()> {
        let mut buf = Vec::new();
        buf.extend_from_slice(MAGIC);
        buf.extend_from_slice(&self.step.to_le_bytes());
        let mut ids: Vec<&ParamId> = self.moments.keys().collect();
        ids.sort_by_key(|id| id.val());
        buf.extend_from_slice(&(ids.len() as u64).to_le_bytes());
        for id in ids {
            let (m, v) = self.moments[id]
                .to_vecs()
                .map_err(|e| TrainError::record(path, e))?;
            buf.extend_from_slice(&id.val().to_le_bytes());
            buf.extend_from_slice(&(m.len() as u64).to_le_bytes());
            for x in m.iter().chain(v.iter()) {
                buf.extend_from_slice(&x.to_le_bytes());
            }
        }
        let mut f = std::fs::File::create(path).map_err(|e| TrainError::io(path, e))?;
        f.write_all(&buf).map_err(|e| TrainError::io(path, e))?;
        Ok(())
    }

    /// Reads a state written by [`Adam::save`], placing the moments on `device`.
    pub fn load(&mut self, path: &Path, device: &Device) -> TrainResult<()> {
        let mut buf = Vec::new();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .map_err(|e| TrainError::io(path, e))?;
        let bad = || {
            TrainError::record(
                path,
                "not an optimiser state written by synthkit (bad header or truncated)",
            )
        };
        let mut pos = 0usize;
        let mut take = |n: usize| -> TrainResult<&[u8]> {
            let s = buf.get(pos..pos + n).ok_or_else(bad)?;
            pos += n;
            Ok(s)
        };
        if take(8)? != MAGIC {
            return Err(bad());
        }
        let u64_of = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
        let step = u64_of(take(8)?);
        let count = u64_of(take(8)?) as usize;
        let mut moments = HashMap::with_capacity(count);
        for _ in 0..count {
            let id = ParamId::from(u64_of(take(8)?));
            let len = u64_of(take(8)?) as usize;
            let raw = take(len.checked_mul(8).ok_or_else(bad)?)?;
            let floats: Vec<f32> = raw
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect();
            let (m, v) = floats.split_at(len);
            let m = Tensor::<1>::from_data(TensorData::new(m.to_vec(), [len]), device);
            let v = Tensor::<1>::from_data(TensorData::new(v.to_vec(), [len]), device);
            moments.insert(id, Moments::Device(Box::new((m, v))));
        }
        self.step = step;
        self.moments = moments;
        Ok(())
    }
}

struct AdamMapper<'a> {
    adam: &'a mut Adam,
    grads: &'a mut GradientsParams,
    bc1: f64,
    bc2: f64,
}

impl ModuleMapper for AdamMapper<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let a = &mut *self.adam;
        let require_grad = tensor.is_require_grad();
        let shape = tensor.dims();
        let n: usize = shape.iter().product();
        let p = tensor.inner(); // plain
        let device = p.device();
        let on_flex = a.host && p.clone().try_into_primitive::<Flex>().is_ok();
        let p = if on_flex {
            self.host_step(id, p, grad)
        } else {
            self.tensor_step(id, p.reshape([n]), grad.to_device(&device).reshape([n]))
                .reshape(shape)
        };
        let mut out = Tensor::from_inner(p);
        if require_grad {
            out = out.require_grad();
        }
        Param::from_mapped_value(id, out, mapper)
    }
}

impl AdamMapper<'_> {
    /// The update in one pass on host buffers, the same arithmetic as
    /// [`AdamMapper::tensor_step`] in f32.
    fn host_step<const D: usize>(&mut self, id: ParamId, p: Tensor<D>, g: Tensor<D>) -> Tensor<D> {
        let a = &mut *self.adam;
        let shape = p.dims();
        let device = p.device();
        let read = |t: Tensor<D>| {
            t.into_data()
                .try_into_vec::<f32>()
                .expect("burn-flex float tensors are f32")
        };
        let (mut p, g) = (read(p), read(g));
        let n = p.len();
        let (mut m, mut v) = match a.moments.remove(&id) {
            Some(Moments::Host(m, v)) => (m, v),
            Some(device) => device.to_vecs().expect("moments readable"),
            None => (vec![0f32; n], vec![0f32; n]),
        };
        let f = |x: f64| x as f32;
        let (b1, b1c, b2, b2c) = (f(a.beta1), f(1.0 - a.beta1), f(a.beta2), f(1.0 - a.beta2));
        let (step, inv_sqrt_bc2, eps) = (f(a.lr / self.bc1), f(1.0 / self.bc2.sqrt()), f(a.eps));
        let (wd, shrink) = (f(a.weight_decay), f(1.0 - a.lr * a.weight_decay));
        let (l2, decoupled) = (
            a.weight_decay > 0.0 && !a.decoupled,
            a.weight_decay > 0.0 && a.decoupled,
        );
        let update = |p: &mut [f32], g: &[f32], m: &mut [f32], v: &mut [f32]| {
            for (((p, &g), m), v) in p.iter_mut().zip(g).zip(m).zip(v) {
                let g = if l2 { g + *p * wd } else { g };
                if decoupled {
                    *p *= shrink;
                }
                *m = *m * b1 + g * b1c;
                *v = *v * b2 + (g * g) * b2c;
                *p -= step * (*m / (v.sqrt() * inv_sqrt_bc2 + eps));
            }
        };
        // Element-wise, so splitting changes nothing but the wall time.
        const CHUNK: usize = 4096;
        if n > CHUNK {
            p.par_chunks_mut(CHUNK)
                .zip(g.par_chunks(CHUNK))
                .zip(m.par_chunks_mut(CHUNK))
                .zip(v.par_chunks_mut(CHUNK))
                .for_each(|(((p, g), m), v)| update(p, g, m, v));
        } else {
            update(&mut p, &g, &mut m, &mut v);
        }
        a.moments.insert(id, Moments::Host(m, v));
        Tensor::from_data(TensorData::new(p, shape), &device)
    }

    /// The update as tensor operations on the parameter's device (`p`, `g`: `[n]`).
    fn tensor_step(&mut self, id: ParamId, mut p: Tensor<1>, mut g: Tensor<1>) -> Tensor<1> {
        let a = &mut *self.adam;
        let n = p.dims()[0];
        let device = p.device();
        if a.weight_decay > 0.0 {
            if a.decoupled {
                p = p.mul_scalar(1.0 - a.lr * a.weight_decay);
            } else {
                g = g + p.clone().mul_scalar(a.weight_decay);
            }
        }
        let (m, v) = match a.moments.remove(&id) {
            Some(Moments::Device(mv)) => {
                let (m, v) = *mv;
                (m.to_device(&device), v.to_device(&device))
            }
            Some(Moments::Host(m, v)) => (
                Tensor::from_data(TensorData::new(m, [n]), &device),
                Tensor::from_data(TensorData::new(v, [n]), &device),
            ),
            None => (Tensor::zeros([n], &device), Tensor::zeros([n], &device)),
        };
        let m = m.mul_scalar(a.beta1) + g.clone().mul_scalar(1.0 - a.beta1);
        let v = v.mul_scalar(a.beta2) + g.powi_scalar(2).mul_scalar(1.0 - a.beta2);
        let denom = v
            .clone()
            .sqrt()
            .div_scalar(self.bc2.sqrt())
            .add_scalar(a.eps);
        let update = m.clone().div(denom).mul_scalar(a.lr / self.bc1);
        a.moments.insert(id, Moments::Device(Box::new((m, v))));
        p - update
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::nn::{Linear, LinearConfig};

    #[derive(Module, Debug)]
    struct One {
        l: Linear,
    }

    #[test]
    #[serial_test::serial]
    fn matches_a_hand_computed_pytorch_step_and_round_trips() {
        let device = Device::flex().autodiff();
        let mut m = One {
            l: LinearConfig::new(1, 1).with_bias(false).init(&device),
        };
        m.l.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![1.0f32], [1, 1]),
            &device,
        ));
        let mut adam = Adam::new(0.1, [0.9, 0.999], 0.5, 1e-8);
        for _ in 0..2 {
            // loss = w * 3 → grad 3, plus decay 0.5 * w
            let x = Tensor::<2>::from_data(TensorData::new(vec![3.0f32], [1, 1]), &device);
            let loss = m.l.forward(x).sum();
            let grads = GradientsParams::from_grads(loss.backward(), &m);
            m = adam.step(m, grads);
        }
        // PyTorch: step 1 moves by lr exactly (m̂/√v̂ = 1): w = 0.9. Step 2: g = 3 + 0.45 = 3.45,
        // m = 0.9·0.35 + ... computed below in f64.
        let (b1, b2, lr) = (0.9f64, 0.999f64, 0.1f64);
        let mut w = 1.0f64;
        let (mut mm, mut vv) = (0.0, 0.0);
        for t in 1..=2 {
            let g = 3.0 + 0.5 * w;
            mm = b1 * mm + (1.0 - b1) * g;
            vv = b2 * vv + (1.0 - b2) * g * g;
            let mh = mm / (1.0 - b1.powi(t));
            let vh = vv / (1.0 - b2.powi(t));
            w -= lr * mh / (vh.sqrt() + 1e-8);
        }
        let got = m.l.weight.val().into_data().try_to_vec_as::<f32>().unwrap()[0] as f64;
        assert!((got - w).abs() < 1e-6, "{got} vs {w}");

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("adam.bin");
        adam.save(&p).unwrap();
        let mut back = Adam::new(0.1, [0.9, 0.999], 0.5, 1e-8);
        back.load(&p, &device).unwrap();
        assert_eq!(back.steps(), 2);
        assert_eq!(
            adam.moments[&m.l.weight.id].to_vecs().unwrap(),
            back.moments[&m.l.weight.id].to_vecs().unwrap()
        );
        std::fs::write(&p, b"garbage").unwrap();
        assert!(back.load(&p, &device).is_err());
    }

    #[test]
    #[serial_test::serial]
    fn adamw_decays_the_weights_before_the_adam_step() {
        let device = Device::flex().autodiff();
        let mut m = One {
            l: LinearConfig::new(1, 1).with_bias(false).init(&device),
        };
        m.l.weight = Param::from_tensor(Tensor::from_data(
            TensorData::new(vec![2.0f32], [1, 1]),
            &device,
        ));
        let mut adam = Adam::adamw(0.1, [0.9, 0.999], 0.5, 1e-8);
        let x = Tensor::<2>::from_data(TensorData::new(vec![3.0f32], [1, 1]), &device);
        let grads = GradientsParams::from_grads(m.l.forward(x).sum().backward(), &m);
        m = adam.step(m, grads);
        // torch.optim.AdamW: w ← w·(1 − lr·λ) − lr·m̂/(√v̂ + ε) = 2·0.95 − 0.1 = 1.8.
        let got = m.l.weight.val().into_data().try_to_vec_as::<f32>().unwrap()[0];
        assert!((got - 1.8).abs() < 1e-6, "{got}");
    }

    /// The host pass (burn-flex) and the tensor operations (other backends) give the same
    /// weights and moments after several steps, for plain Adam, L2 decay and AdamW, including
    /// a resumed state that moves from one representation to the other. Tolerance 1e-6: the
    /// same f32 operations in the same order, up to how burn-flex fuses its scalar ops.
    #[test]
    #[serial_test::serial]
    fn the_host_update_is_the_tensor_update() {
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};
        let device = Device::flex().autodiff();
        device.seed(4);
        for (decay, adamw) in [(0.0, false), (0.3, false), (0.3, true)] {
            let init = One {
                l: LinearConfig::new(6, 5).init(&device),
            };
            let run = |host_steps: &[bool]| {
                let mut m = init.clone();
                let mut adam = if adamw {
                    Adam::adamw(0.01, [0.5, 0.9], decay, 1e-8)
                } else {
                    Adam::new(0.01, [0.5, 0.9], decay, 1e-8)
                };
                for (i, &host) in host_steps.iter().enumerate() {
                    adam.host = host;
                    // Inputs from a host RNG: the device RNG is shared with concurrent tests.
                    let mut rng = StdRng::seed_from_u64(100 + i as u64);
                    let x: Vec<f32> = (0..42).map(|_| rng.random_range(-1.0..1.0)).collect();
                    let x = Tensor::<2>::from_data(TensorData::new(x, [7, 6]), &device);
                    let loss = m.l.forward(x).powi_scalar(2).sum();
                    let grads = GradientsParams::from_grads(loss.backward(), &m);
                    m = adam.step(m, grads);
                }
                let w = m.l.weight.val().into_data().try_to_vec_as::<f32>().unwrap();
                (w, adam.moments[&m.l.weight.id].to_vecs().unwrap())
            };
            let host = run(&[true; 4]);
            for other in [
                [false; 4],
                [true, true, false, false],
                [false, false, true, true],
            ] {
                let got = run(&other);
                for (a, b) in host.0.iter().zip(&got.0).chain(
                    (host.1)
                        .0
                        .iter()
                        .zip(&(got.1).0)
                        .chain((host.1).1.iter().zip(&(got.1).1)),
                ) {
                    assert!(
                        (a - b).abs() < 1e-6,
                        "{a} vs {b} ({decay}, {adamw}, {other:?})"
                    );
                }
            }
            // The steps moved the weights.
            let start = init
                .l
                .weight
                .val()
                .into_data()
                .try_to_vec_as::<f32>()
                .unwrap();
            assert!(start.iter().zip(&host.0).any(|(a, b)| (a - b).abs() > 1e-3));
        }
    }
}

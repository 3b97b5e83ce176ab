//! TabDDPM's ancestral sampler (`GaussianMultinomialDiffusion.sample`): start from N(0, I) and
//! uniform categories, run t = T−1 … 0 with Gaussian steps and multinomial posterior draws.
//!
//! Every row shares the step, so the time branch of the denoiser runs once per step. Two paths
//! draw from the same chain:
//! - on burn-flex, whose tensors are host memory, the denoiser runs on the device and the step
//!   itself on the host, fused per row ([`ReverseStep`]: one exponential per one-hot entry and
//!   one uniform per block), rows split over the cores in fixed tasks of [`ROWS_PER_TASK`] rows,
//!   each with its own RNG seeded from the call's RNG, the step and the task: the draws do not
//!   depend on the number of threads;
//! - on other devices the step stays on the device as tensor operations
//!   ([`Diffusion::gaussian_p_sample_at`], [`Diffusion::p_pred_unnormalised_at`], Gumbel-max
//!   draws), so nothing crosses to the host until the end.

use burn::prelude::*;
use burn::tensor::Distribution;
use rand::Rng;
use rand::rngs::StdRng;
use rand_distr::StandardNormal;
use rayon::prelude::*;
use synthkit_models::tabddpm::{DdpmLayout, Denoiser, Diffusion, ReverseStep};

use super::engine::{cat_parts, onehot, times};
use crate::error::{TrainError, TrainResult};
use crate::parallel::{ROWS_PER_TASK, task_rng};
use crate::tensor::read_back;

/// Ancestral sampling of `y.len()` rows (or `n` rows when unconditional, `y` empty), on the
/// host step when `device` is burn-flex and on the device otherwise (see the module's notes);
/// `rng` seeds the host step. Returns (numeric `[n, n_num]`, one-hot `[n, n_cat]`) row-major.
///
/// # Errors
/// [`TrainError::NonFiniteSample`] when a generated value is NaN or infinite (the reference's
/// `FoundNANsError`).
pub(crate) fn sample_rows(
    den: &Denoiser,
    diffusion: &Diffusion,
    dl: &DdpmLayout,
    y: &[usize],
    n: usize,
    device: &Device,
    rng: &mut StdRng,
) -> TrainResult<(Vec<f32>, Vec<f32>)> {
    if n == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let chain = Chain {
        den,
        diffusion,
        dl,
        y,
        n,
        device,
    };
    let (num, cat) = if *device == Device::flex() {
        chain.host(rng.random())?
    } else {
        chain.on_device()?
    };
    let bad = num.iter().filter(|v| !v.is_finite()).count();
    if bad > 0 {
        return Err(TrainError::NonFiniteSample {
            model: "TabDDPM",
            count: bad,
        });
    }
    Ok((num, cat))
}

/// One sampling call: the denoiser, its schedules and layout, the rows' labels (`y`, empty when
/// unconditional), how many rows and where. Both paths sample from it.
#[derive(Clone, Copy)]
struct Chain<'a> {
    den: &'a Denoiser,
    diffusion: &'a Diffusion,
    dl: &'a DdpmLayout,
    y: &'a [usize],
    n: usize,
    device: &'a Device,
}

impl Chain<'_> {
    /// The label branch, computed once: it is the same at every step.
    fn label(&self) -> Option<Tensor<2>> {
        let Chain {
            den, dl, y, device, ..
        } = *self;
        (dl.n_classes() > 0)
            .then(|| den.label_embedding(onehot(y, dl.n_classes(), device)))
            .flatten()
    }

    /// The denoiser's time and label embeddings for step `i`: `[n, dim_t]` with a label,
    /// `[1, dim_t]` (broadcast) without.
    fn embedding(&self, label: &Option<Tensor<2>>, i: usize) -> Tensor<2> {
        let time = self.den.time_embedding(times(&[i], self.device)); // [1, dim_t]
        match label {
            Some(l) => l.clone() + time, // [n, dim_t]
            None => time,
        }
    }

    /// The host-step path: the state is the denoiser's input `[n, n_num + n_cat]` (numeric values,
    /// then one-hots) plus each row's category per block.
    fn host(&self, seed: u64) -> TrainResult<(Vec<f32>, Vec<f32>)> {
        let Chain {
            den,
            diffusion,
            dl,
            n,
            device,
            ..
        } = *self;
        let (nn, nc) = (dl.n_num(), dl.n_cat());
        let d_in = nn + nc;
        let blocks = dl.blocks();
        let sizes = blocks.sizes().to_vec();
        let offsets: Vec<usize> = sizes
            .iter()
            .scan(nn, |o, &k| {
                let at = *o;
                *o += k;
                Some(at)
            })
            .collect();
        // Each row's category per block; one unused slot per row when there is no block, so that
        // the rows of `x` and `current` chunk alike.
        let stride = sizes.len().max(1);
        let widest = sizes.iter().copied().max().unwrap_or(0);
        let mut x = vec![0.0f32; n * d_in];
        let mut current = vec![0u32; n * stride];
        let t = diffusion.num_timesteps;
        // x_T: N(0, I) and a uniform category per block.
        x.par_chunks_mut(ROWS_PER_TASK * d_in)
            .zip(current.par_chunks_mut(ROWS_PER_TASK * stride))
            .enumerate()
            .for_each(|(task, (xs, cs))| {
                let mut rng = task_rng(seed, t, task);
                for (xr, cr) in xs.chunks_mut(d_in).zip(cs.chunks_mut(stride)) {
                    for v in &mut xr[..nn] {
                        *v = rng.sample(StandardNormal);
                    }
                    for (b, (&k, &o)) in sizes.iter().zip(&offsets).enumerate() {
                        let c = rng.random_range(0..k);
                        xr[o + c] = 1.0;
                        cr[b] = c as u32;
                    }
                }
            });
        let label = self.label();
        for i in (0..t).rev() {
            let input = Tensor::<2>::from_data(TensorData::new(x.clone(), [n, d_in]), device);
            let out = den.forward_embedded(input, self.embedding(&label, i)); // [n, d_in]
            let out = read_back(out, "the denoiser's output")?;
            let step = diffusion.reverse_step(i);
            x.par_chunks_mut(ROWS_PER_TASK * d_in)
                .zip(current.par_chunks_mut(ROWS_PER_TASK * stride))
                .zip(out.par_chunks(ROWS_PER_TASK * d_in))
                .enumerate()
                .for_each(|(task, ((xs, cs), os))| {
                    let mut rng = task_rng(seed, i, task);
                    let mut q = vec![0.0f64; widest];
                    let rows = xs
                        .chunks_mut(d_in)
                        .zip(cs.chunks_mut(stride))
                        .zip(os.chunks(d_in));
                    for ((xr, cr), or) in rows {
                        host_step(&step, i, xr, cr, or, nn, &sizes, &offsets, &mut rng, &mut q);
                    }
                });
        }
        let mut num = Vec::with_capacity(n * nn);
        let mut cat = Vec::with_capacity(n * nc);
        for row in x.chunks(d_in) {
            num.extend_from_slice(&row[..nn]);
            cat.extend_from_slice(&row[nn..d_in]);
        }
        Ok((num, cat))
    }

    /// The device path: the step as tensor operations (the scalar-coefficient forms
    /// [`Diffusion::gaussian_p_sample_at`] and [`Diffusion::p_pred_unnormalised_at`], the same
    /// draws as the per-row maths) with the device's RNG.
    fn on_device(&self) -> TrainResult<(Vec<f32>, Vec<f32>)> {
        let Chain {
            den,
            diffusion,
            dl,
            n,
            device,
            ..
        } = *self;
        let (nn, nc) = (dl.n_num(), dl.n_cat());
        let blocks = dl.blocks();
        let mut z = if nn > 0 {
            Tensor::<2>::random([n, nn], Distribution::Normal(0.0, 1.0), device)
        } else {
            Tensor::zeros([n, 0], device)
        };
        let mut x_cat = if nc > 0 {
            blocks.sample(Tensor::zeros([n, nc], device))
        } else {
            Tensor::zeros([n, 0], device)
        };
        let label = self.label();
        for i in (0..diffusion.num_timesteps).rev() {
            let emb = self.embedding(&label, i);
            let out = den.forward_embedded(cat_parts(vec![z.clone(), x_cat.clone()]), emb); // [n, d_in]
            if nn > 0 {
                z = diffusion.gaussian_p_sample_at(out.clone().narrow(1, 0, nn), z, i);
            }
            if nc > 0 {
                let logits = out.narrow(1, nn, nc);
                let lp = diffusion.p_pred_unnormalised_at(&blocks, logits, x_cat, i);
                x_cat = blocks.sample(lp);
            }
        }
        let num = if nn > 0 {
            read_back(z, "generated numeric values")?
        } else {
            Vec::new()
        };
        let cat = if nc > 0 {
            read_back(x_cat, "generated categories")?
        } else {
            Vec::new()
        };
        Ok((num, cat))
    }
}

/// One reverse step of one row: its input `xr` (numeric values, then one-hots) and categories
/// `cr` updated in place from the denoiser's output `or` for it.
#[allow(clippy::too_many_arguments)]
fn host_step(
    step: &ReverseStep,
    i: usize,
    xr: &mut [f32],
    cr: &mut [u32],
    or: &[f32],
    nn: usize,
    sizes: &[usize],
    offsets: &[usize],
    rng: &mut StdRng,
    q: &mut [f64],
) {
    for (v, &eps) in xr[..nn].iter_mut().zip(&or[..nn]) {
        let noise = if i == 0 {
            0.0
        } else {
            rng.sample(StandardNormal)
        };
        *v = step.gaussian(*v, eps, noise);
    }
    for (b, (&k, &o)) in sizes.iter().zip(offsets).enumerate() {
        let old = cr[b] as usize;
        let new = step.draw_category(&or[o..o + k], old, rng.random(), &mut q[..k]);
        xr[o + old] = 0.0;
        xr[o + new] = 1.0;
        cr[b] = new as u32;
    }
}

#[cfg(test)]
mod tests {
    use burn::module::{Module, ModuleMapper, Param};
    use burn::prelude::*;
    use synthkit_data::{Activation, Layout};
    use synthkit_models::Schedule;
    use synthkit_models::tabddpm::{DdpmLayout, Denoiser, Diffusion};

    use super::Chain;

    /// Multiplies every float parameter by a constant.
    struct Scale(f64);

    impl ModuleMapper for Scale {
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let k = self.0;
            param.map(|t| t.mul_scalar(k))
        }
    }

    /// Mean and variance of column `j` of a row-major `[n, w]` buffer.
    fn moments(v: &[f32], w: usize, j: usize) -> (f64, f64) {
        let col: Vec<f64> = v.chunks(w).map(|r| f64::from(r[j])).collect();
        let n = col.len() as f64;
        let mean = col.iter().sum::<f64>() / n;
        (
            mean,
            col.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0),
        )
    }

    /// The host step and the tensor step sample the same chain: with one (untrained, seeded)
    /// class-conditional denoiser, 20,000 rows from each path agree on every category's
    /// frequency and every numeric column's mean and variance within 5 sampling errors of the
    /// difference of two independent samples (√(2p(1 − p)/n) for a frequency, √(2σ²/n) for a
    /// mean, σ²·√(4/(n − 1)) for a normal variance). The draws differ (other RNGs); the
    /// distributions may not. An untrained denoiser's ε̂ makes the numeric values drift far,
    /// so their check guards the wiring (columns, state); the Gaussian step's arithmetic is
    /// checked exactly in the models crate (`the_host_step_is_the_tensor_step`).
    #[test]
    #[serial_test::serial]
    fn the_host_and_device_paths_sample_the_same_distribution() {
        let device = Device::flex();
        device.seed(3);
        let layout = Layout::new(vec![
            ("a".into(), false, vec![(1, Activation::Linear)]),
            ("b".into(), false, vec![(1, Activation::Linear)]),
            ("c".into(), true, vec![(3, Activation::Softmax)]),
            ("d".into(), true, vec![(5, Activation::Softmax)]),
            ("y".into(), true, vec![(2, Activation::Softmax)]),
        ]);
        let dl = DdpmLayout::new(&layout, Some("y"));
        // Weights 1.5× PyTorch's init, so that the logits depend on x_t enough for the chain's
        // dynamics (how likely a category is to stay) to shape the rows: without the posterior's
        // stay factor the host path's frequencies move by ~9 sampling errors here.
        let den = Denoiser::new(&[32, 32], 0.0, 16, dl.d_in(), dl.n_classes(), &device)
            .map(&mut Scale(1.5));
        let diffusion = Diffusion::new(20, Schedule::Cosine);
        let n = 20_000;
        let y: Vec<usize> = (0..n).map(|i| usize::from(i % 3 == 0)).collect();
        let chain = Chain {
            den: &den,
            diffusion: &diffusion,
            dl: &dl,
            y: &y,
            n,
            device: &device,
        };
        let (hn, hc) = chain.host(17).unwrap();
        device.seed(29);
        let (dn, dc) = chain.on_device().unwrap();
        let nf = n as f64;
        for j in 0..2 {
            let ((mh, vh), (md, vd)) = (moments(&hn, 2, j), moments(&dn, 2, j));
            let v = (vh + vd) / 2.0;
            assert!(
                (mh - md).abs() <= 5.0 * (2.0 * v / nf).sqrt(),
                "mean {j}: {mh} vs {md}"
            );
            let tol = 5.0 * v * (4.0 / (nf - 1.0)).sqrt();
            assert!((vh - vd).abs() <= tol, "variance {j}: {vh} vs {vd}");
        }
        for j in 0..8 {
            let (fh, fd) = (moments(&hc, 8, j).0, moments(&dc, 8, j).0);
            let p = (fh + fd) / 2.0;
            let tol = 5.0 * (2.0 * p * (1.0 - p) / nf).sqrt();
            assert!(
                (fh - fd).abs() <= tol.max(1e-9),
                "category {j}: {fh} vs {fd}"
            );
        }
        // Every row holds one category per block.
        for row in hc.chunks(8) {
            assert_eq!(row[..3].iter().sum::<f32>(), 1.0);
            assert_eq!(row[3..].iter().sum::<f32>(), 1.0);
        }
    }

    /// The host path's draws are a function of its seed alone.
    #[test]
    #[serial_test::serial]
    fn the_host_path_repeats_under_its_seed() {
        let device = Device::flex();
        let layout = Layout::new(vec![
            ("a".into(), false, vec![(1, Activation::Linear)]),
            ("c".into(), true, vec![(4, Activation::Softmax)]),
        ]);
        let dl = DdpmLayout::new(&layout, None);
        let den = Denoiser::new(&[16], 0.0, 8, dl.d_in(), 0, &device);
        let diffusion = Diffusion::new(10, Schedule::Cosine);
        let chain = Chain {
            den: &den,
            diffusion: &diffusion,
            dl: &dl,
            y: &[],
            n: 700,
            device: &device,
        };
        let draw = |seed| chain.host(seed).unwrap();
        let a = draw(5);
        assert_eq!(a, draw(5));
        assert_ne!(a, draw(6));
    }
}

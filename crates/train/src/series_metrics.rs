//! Post-hoc GRU models that score synthetic sequences (TimeGAN paper §5, reference
//! `jsyoon0823/TimeGAN` `metrics/`), and the sequence classifier of the augmentation benchmark.
//!
//! Inputs are [`SequenceSet`]s **min-max scaled with the real training scaler**, as the reference
//! scores data in [0, 1] (`data_loading.py` scales before everything).
//!
//! - [`discriminative_score`] (`discriminative_metrics.py`): a 1-layer GRU with
//!   `hidden = ⌊dim/2⌋` and a dense logit on the last state, trained (Adam, TF defaults) for 2000
//!   iterations on balanced batches of 128 real + 128 synthetic from an 80/20 split of each;
//!   score `|accuracy − 0.5|` on the held-out 20 % at threshold 0.5. Lower is better.
//! - [`predictive_score`] (`predictive_metrics.py`): a 1-layer GRU with `hidden = ⌊dim/2⌋` and a
//!   sigmoid dense per step, trained for 5000 iterations (batch 128, L1 loss) on **synthetic**
//!   sequences to predict the last feature at t+1 from the other features up to t; score the
//!   MAE on **all real** sequences (train on synthetic, test on real). Lower is better.
//! - [`SequenceClassifier`]: a GRU classifier (label vs rest) for the augmentation benchmark.

use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::{SliceRandom, index};
use serde::{Deserialize, Serialize};
use synthkit_data::sequence::SequenceSet;
use synthkit_models::timegan::GruStack;

use crate::adam::Adam;
use crate::error::{TrainError, TrainResult};
use crate::options::{DeviceChoice, splitmix};
use crate::timegan::bce_logits;

/// Iterations of the discriminative classifier (discriminative_metrics.py L52).
pub const DISCRIMINATIVE_ITERATIONS: usize = 2000;
/// Iterations of the predictive model (predictive_metrics.py L52).
pub const PREDICTIVE_ITERATIONS: usize = 5000;
/// Batch size of both post-hoc models (128 in both reference files).
pub const POSTHOC_BATCH: usize = 128;
/// Repeats of each score in the reference (`metric_iteration`, main_timegan.py L157).
pub const METRIC_REPEATS: usize = 10;

/// How to train a post-hoc model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PostHocOptions {
    /// Training iterations.
    pub iterations: usize,
    /// Batch size.
    pub batch_size: usize,
    /// Seed of the split, batches and weights.
    pub seed: u64,
    /// Device.
    pub device: DeviceChoice,
}

impl PostHocOptions {
    /// The discriminative-score defaults of the reference.
    pub fn discriminative(seed: u64) -> Self {
        Self {
            iterations: DISCRIMINATIVE_ITERATIONS,
            batch_size: POSTHOC_BATCH,
            seed,
            device: DeviceChoice::Cpu,
        }
    }

    /// The predictive-score defaults of the reference.
    pub fn predictive(seed: u64) -> Self {
        Self {
            iterations: PREDICTIVE_ITERATIONS,
            ..Self::discriminative(seed)
        }
    }

    fn check(&self) -> TrainResult<()> {
        if self.iterations == 0 {
            return Err(TrainError::ZeroOption { name: "iterations" });
        }
        if self.batch_size == 0 {
            return Err(TrainError::ZeroOption { name: "batch_size" });
        }
        Ok(())
    }
}

fn tensor3(values: Vec<f32>, dims: [usize; 3], device: &Device) -> Tensor<3> {
    Tensor::from_data(TensorData::new(values, dims), device)
}

fn gather(set: &SequenceSet, idx: &[usize]) -> Vec<f32> {
    let mut v = Vec::with_capacity(idx.len() * set.seq_len * set.n_features());
    for &i in idx {
        v.extend_from_slice(set.sequence(i));
    }
    v
}

fn to_vec(t: Tensor<2>) -> TrainResult<Vec<f32>> {
    crate::tensor::read_back(t, "scores")
}

fn check_compatible(what: &'static str, a: &SequenceSet, b: &SequenceSet) -> TrainResult<()> {
    if a.n_features() != b.n_features() || a.seq_len != b.seq_len {
        return Err(TrainError::SequenceShapes {
            real_steps: a.seq_len,
            real_features: a.n_features(),
            syn_steps: b.seq_len,
            syn_features: b.n_features(),
        });
    }
    if a.len() < 2 || b.len() < 2 {
        return Err(TrainError::TooFewSequences {
            what,
            needed: 2,
            real: a.len(),
            synthetic: b.len(),
        });
    }
    Ok(())
}

/// Shuffled 80/20 split (`utils.py` `train_test_divide`, train_rate 0.8).
fn split(n: usize, rng: &mut StdRng) -> (Vec<usize>, Vec<usize>) {
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(rng);
    let k = ((n as f64) * 0.8) as usize;
    let k = k.clamp(1, n - 1);
    let test = idx.split_off(k);
    (idx, test)
}

fn draw(pool: &[usize], b: usize, rng: &mut StdRng) -> Vec<usize> {
    let b = b.min(pool.len());
    index::sample(rng, pool.len(), b)
        .into_iter()
        .map(|i| pool[i])
        .collect()
}

/// The paper's discriminative score, `|accuracy − 0.5|` of a post-hoc GRU that tells `real` from
/// `synthetic` on held-out sequences. 0 is indistinguishable, 0.5 perfectly separable.
///
/// # Errors
/// Mismatched shapes, fewer than 2 sequences on a side, zero iterations.
pub fn discriminative_score(
    real: &SequenceSet,
    synthetic: &SequenceSet,
    opts: &PostHocOptions,
) -> TrainResult<f64> {
    opts.check()?;
    check_compatible("the discriminative score", real, synthetic)?;
    let device = opts.device.device().autodiff();
    device.seed(opts.seed);
    let mut rng = StdRng::seed_from_u64(splitmix(opts.seed ^ 0xD15C));
    let (t, f) = (real.seq_len, real.n_features());
    let hidden = (f / 2).max(1);
    let mut net = GruStack::new(f, hidden, 1, 1, &device);
    let mut adam = Adam::new(1e-3, [0.9, 0.999], 0.0, 1e-8);
    let (r_tr, r_te) = split(real.len(), &mut rng);
    let (s_tr, s_te) = split(synthetic.len(), &mut rng);
    for _ in 0..opts.iterations {
        let ri = draw(&r_tr, opts.batch_size, &mut rng);
        let si = draw(&s_tr, opts.batch_size, &mut rng);
        let xr = tensor3(gather(real, &ri), [ri.len(), t, f], &device);
        let xs = tensor3(gather(synthetic, &si), [si.len(), t, f], &device);
        let loss = bce_logits(net.forward_last(xr), true) + bce_logits(net.forward_last(xs), false);
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = adam.step(net, grads);
    }
    let plain = opts.device.device();
    let net = net.valid().to_device(&plain);
    let score = |set: &SequenceSet, idx: &[usize]| -> TrainResult<Vec<f32>> {
        let x = tensor3(gather(set, idx), [idx.len(), t, f], &plain);
        to_vec(sigmoid(net.forward_last(x)))
    };
    let pr = score(real, &r_te)?;
    let ps = score(synthetic, &s_te)?;
    let correct =
        pr.iter().filter(|p| **p > 0.5).count() + ps.iter().filter(|p| **p <= 0.5).count();
    let acc = correct as f64 / (pr.len() + ps.len()) as f64;
    Ok((acc - 0.5).abs())
}

/// The paper's predictive score: MAE on `real` of a post-hoc GRU trained on `synthetic` to
/// predict the last feature one step ahead from the other features. A univariate series (one
/// feature) is forecast one step ahead from its own past instead (our extension: the
/// reference's form has no input left).
///
/// # Errors
/// Mismatched shapes, fewer than 2 sequences or steps, zero iterations.
pub fn predictive_score(
    real: &SequenceSet,
    synthetic: &SequenceSet,
    opts: &PostHocOptions,
) -> TrainResult<f64> {
    opts.check()?;
    check_compatible("the predictive score", real, synthetic)?;
    let (t, f) = (real.seq_len, real.n_features());
    if t < 2 {
        return Err(TrainError::SequenceTooShort { steps: t });
    }
    let device = opts.device.device().autodiff();
    device.seed(opts.seed);
    let mut rng = StdRng::seed_from_u64(splitmix(opts.seed ^ 0x9ED1C7));
    let hidden = (f / 2).max(1);
    // Inputs: steps 0..t-1 of features 0..f-1 (of the one feature when f = 1); target: steps
    // 1..t of feature f-1.
    let inputs = if f >= 2 { f - 1 } else { 1 };
    let mut net = GruStack::new(inputs, hidden, 1, 1, &device);
    let mut adam = Adam::new(1e-3, [0.9, 0.999], 0.0, 1e-8);
    let io = |set: &SequenceSet, idx: &[usize], dev: &Device| {
        let x = tensor3(gather(set, idx), [idx.len(), t, f], dev);
        let n = idx.len();
        let inp = x.clone().slice([0..n, 0..t - 1, 0..inputs]);
        let y = x.slice([0..n, 1..t, f - 1..f]);
        (inp, y)
    };
    let all: Vec<usize> = (0..synthetic.len()).collect();
    for _ in 0..opts.iterations {
        let bi = draw(&all, opts.batch_size, &mut rng);
        let (x, y) = io(synthetic, &bi, &device);
        let pred = sigmoid(net.forward(x));
        let loss = (pred - y).abs().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &net);
        net = adam.step(net, grads);
    }
    let plain = opts.device.device();
    let net = net.valid().to_device(&plain);
    let idx: Vec<usize> = (0..real.len()).collect();
    let (x, y) = io(real, &idx, &plain);
    let n = idx.len();
    let err = (sigmoid(net.forward(x)) - y)
        .abs()
        .reshape([n, t - 1])
        .mean_dim(1);
    let per_seq = to_vec(err)?;
    Ok(per_seq.iter().map(|v| *v as f64).sum::<f64>() / n as f64)
}

/// Settings of the augmentation benchmark's sequence classifier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClassifierOptions {
    /// GRU width. Default 24.
    pub hidden: usize,
    /// GRU layers. Default 1.
    pub layers: usize,
    /// Training iterations (mini-batches). Default 1000.
    pub iterations: usize,
    /// Batch size. Default 128.
    pub batch_size: usize,
    /// Adam learning rate. Default 1e-3.
    pub lr: f64,
}

impl Default for ClassifierOptions {
    fn default() -> Self {
        Self {
            hidden: 24,
            layers: 1,
            iterations: 1000,
            batch_size: 128,
            lr: 1e-3,
        }
    }
}

/// A trained GRU sequence classifier: P(label = positive | sequence).
#[derive(Clone, Debug)]
pub struct SequenceClassifier {
    net: GruStack,
    device: Device,
}

impl SequenceClassifier {
    /// Trains on `train` (scaled), positive class `positive`, batches drawn uniformly.
    ///
    /// # Errors
    /// An unlabelled set, an empty set, zero iterations or width.
    pub fn fit(
        train: &SequenceSet,
        positive: &str,
        opts: &ClassifierOptions,
        seed: u64,
        device: DeviceChoice,
    ) -> TrainResult<Self> {
        let labels = train
            .labels
            .as_ref()
            .ok_or(synthkit_data::sequence::SequenceError::Unlabelled)?;
        if train.is_empty() {
            return Err(TrainError::EmptyData);
        }
        for (name, v) in [
            ("iterations", opts.iterations),
            ("hidden", opts.hidden),
            ("layers", opts.layers),
        ] {
            if v == 0 {
                return Err(TrainError::ZeroOption { name });
            }
        }
        let ad = device.device().autodiff();
        ad.seed(seed);
        let mut rng = StdRng::seed_from_u64(splitmix(seed ^ 0xC1A55));
        let (t, f) = (train.seq_len, train.n_features());
        let mut net = GruStack::new(f, opts.hidden, opts.layers, 1, &ad);
        let mut adam = Adam::new(opts.lr, [0.9, 0.999], 0.0, 1e-8);
        let y: Vec<f32> = labels
            .iter()
            .map(|l| if l == positive { 1.0 } else { 0.0 })
            .collect();
        let all: Vec<usize> = (0..train.len()).collect();
        for _ in 0..opts.iterations {
            let bi = draw(&all, opts.batch_size, &mut rng);
            let x = tensor3(gather(train, &bi), [bi.len(), t, f], &ad);
            let yb: Vec<f32> = bi.iter().map(|&i| y[i]).collect();
            let yb = Tensor::<2>::from_data(TensorData::new(yb, [bi.len(), 1]), &ad);
            let logit = net.forward_last(x);
            // BCE with logits against 0/1 targets: −y·logσ(x) − (1−y)·logσ(−x).
            let loss = (burn::tensor::activation::log_sigmoid(logit.clone()) * yb.clone()
                + burn::tensor::activation::log_sigmoid(logit.neg()) * yb.neg().add_scalar(1.0))
            .mean()
            .neg();
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = adam.step(net, grads);
        }
        let plain = device.device();
        Ok(Self {
            net: net.valid().to_device(&plain),
            device: plain,
        })
    }

    /// P(positive) for each sequence of `set` (scaled like the training set).
    ///
    /// # Errors
    /// Only if reading back from the device fails.
    pub fn predict_proba(&self, set: &SequenceSet) -> TrainResult<Vec<f64>> {
        let (t, f) = (set.seq_len, set.n_features());
        let mut out = Vec::with_capacity(set.len());
        let idx: Vec<usize> = (0..set.len()).collect();
        for chunk in idx.chunks(1024) {
            let x = tensor3(gather(set, chunk), [chunk.len(), t, f], &self.device);
            out.extend(
                to_vec(sigmoid(self.net.forward_last(x)))?
                    .into_iter()
                    .map(f64::from),
            );
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timegan::tests::cmapss;
    use serial_test::serial;
    use synthkit_data::sequence::MinMaxScaler;

    fn scaled(n: usize) -> SequenceSet {
        let s = cmapss(n);
        MinMaxScaler::fit(&s).transform(&s)
    }

    fn opts(iterations: usize) -> PostHocOptions {
        PostHocOptions {
            iterations,
            batch_size: 64,
            seed: 0,
            device: DeviceChoice::Cpu,
        }
    }

    #[test]
    #[serial]
    fn discriminative_score_separates_shifted_data_and_not_copies() {
        let real = scaled(120);
        let same = discriminative_score(&real, &real.clone(), &opts(500)).unwrap();
        let mut shifted = real.clone();
        for v in &mut shifted.values {
            *v = (*v + 0.6).min(1.6);
        }
        let far = discriminative_score(&real, &shifted, &opts(500)).unwrap();
        assert!(same < 0.2, "identical data scored {same}");
        assert!(far > 0.4, "shifted data scored {far}");
    }

    #[test]
    #[serial]
    fn predictive_score_prefers_real_dynamics_to_noise() {
        let real = scaled(120);
        let good = predictive_score(&real, &real.clone(), &opts(300)).unwrap();
        let mut noise = real.clone();
        let mut rng = StdRng::seed_from_u64(1);
        for v in &mut noise.values {
            *v = rand::Rng::random::<f32>(&mut rng);
        }
        let bad = predictive_score(&real, &noise, &opts(300)).unwrap();
        assert!(good < bad, "real {good} vs noise {bad}");
        assert!(good < 0.25, "{good}");
        assert!(predictive_score(&real.select(&[0, 1]), &real.select(&[0]), &opts(1)).is_err());
    }

    #[test]
    #[serial]
    fn classifier_learns_a_separable_label() {
        // Label = whether the sequence was shifted; the classifier must find it.
        let real = scaled(60);
        let mut shifted = real.clone();
        for v in &mut shifted.values {
            *v += 0.5;
        }
        let mut a = real.clone();
        a.labels = Some(vec!["0".into(); a.len()]);
        let mut b = shifted;
        b.labels = Some(vec!["1".into(); b.len()]);
        let both = a.concat(&b).unwrap();
        let opts = ClassifierOptions {
            iterations: 150,
            batch_size: 64,
            ..Default::default()
        };
        let clf = SequenceClassifier::fit(&both, "1", &opts, 0, DeviceChoice::Cpu).unwrap();
        let p = clf.predict_proba(&both).unwrap();
        let acc = p
            .iter()
            .zip(both.labels.as_ref().unwrap())
            .filter(|(p, l)| (**p > 0.5) == (l.as_str() == "1"))
            .count() as f64
            / p.len() as f64;
        assert!(acc > 0.9, "accuracy {acc}");
    }
}

//! The fitted TimeGAN: samples whole sequences (optionally of one label), saves and loads itself.

use std::collections::BTreeMap;
use std::path::Path;

use burn::prelude::*;
use burn::tensor::Distribution;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde::{Deserialize, Serialize};
use synthkit_data::sequence::{MinMaxScaler, SequenceSet};
use synthkit_models::TimeGanConfig;
use synthkit_models::timegan::TimeGanNets;

use super::losses::{Phase, PhaseLosses};
use crate::error::{TrainError, TrainResult};
use crate::options::{DeviceChoice, splitmix};
use crate::persist::{load_weights, save_weights, write_json, write_model_dir};
use crate::tensor::read_back;

/// Sequences generated per device call when sampling.
pub const SEQUENCE_CHUNK: usize = 1024;

/// Version of the saved TimeGAN directory format.
pub const TIMEGAN_FORMAT_VERSION: u32 = 1;

/// A trained TimeGAN: samples whole sequences (in the original units), optionally of one label.
#[derive(Clone, Debug)]
pub struct FittedTimeGan {
    pub(super) config: TimeGanConfig,
    pub(super) scaler: MinMaxScaler,
    pub(super) features: Vec<String>,
    pub(super) seq_len: usize,
    pub(super) classes: Vec<String>,
    pub(super) class_counts: Vec<usize>,
    pub(super) losses: Vec<PhaseLosses>,
    pub(super) device_choice: DeviceChoice,
    pub(super) device: Device,
    pub(super) nets: TimeGanNets,
}

#[derive(Serialize, Deserialize)]
struct TimeGanFile {
    format_version: u32,
    model: String,
    config: TimeGanConfig,
    scaler: MinMaxScaler,
    features: Vec<String>,
    seq_len: usize,
    classes: Vec<String>,
    class_counts: Vec<usize>,
    losses: Vec<PhaseLosses>,
}

impl FittedTimeGan {
    /// The configuration it was trained with.
    pub fn config(&self) -> &TimeGanConfig {
        &self.config
    }

    /// The fitted min-max scaler.
    pub fn scaler(&self) -> &MinMaxScaler {
        &self.scaler
    }

    /// Steps per generated sequence.
    pub fn seq_len(&self) -> usize {
        self.seq_len
    }

    /// Feature names.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Labels it can condition on (empty for an unconditional model), sorted.
    pub fn classes(&self) -> &[String] {
        &self.classes
    }

    /// Loss history (block means per phase).
    pub fn losses(&self) -> &[PhaseLosses] {
        &self.losses
    }

    /// Seconds per iteration of each phase, from the loss history.
    pub fn seconds_per_iteration(&self) -> BTreeMap<String, f64> {
        let mut m = BTreeMap::new();
        for p in [Phase::Embedding, Phase::Supervised, Phase::Joint] {
            let secs: f64 = self
                .losses
                .iter()
                .filter(|l| l.phase == p)
                .map(|l| l.seconds)
                .sum();
            m.insert(p.name().to_string(), secs / self.config.iterations as f64);
        }
        m
    }

    /// Exactly `n` sequences. A conditional model draws each sequence's label with its training
    /// frequency (and the returned set carries the labels); same `seed`, same sequences.
    pub fn sample(&self, n: usize, seed: u64) -> TrainResult<SequenceSet> {
        self.generate(n, seed, None)
    }

    /// Exactly `n` sequences of label `label`, generated with that label as the condition (no
    /// rejection).
    ///
    /// # Errors
    /// An unconditional model, or a label not seen in training.
    pub fn sample_where(&self, label: &str, n: usize, seed: u64) -> TrainResult<SequenceSet> {
        if self.classes.is_empty() {
            return Err(TrainError::Unconditionable {
                column: "label".into(),
                value: label.into(),
                reason: "this TimeGAN was trained without labels (no target, or conditional = false); retrain with a target and conditional = true".into(),
            });
        }
        let k = self
            .classes
            .iter()
            .position(|c| c == label)
            .ok_or_else(|| TrainError::Unconditionable {
                column: "label".into(),
                value: label.into(),
                reason: format!("not a training label; labels: {}", self.classes.join(", ")),
            })?;
        self.generate(n, seed, Some(k))
    }

    fn generate(&self, n: usize, seed: u64, fixed: Option<usize>) -> TrainResult<SequenceSet> {
        self.device.seed(seed);
        let mut rng = StdRng::seed_from_u64(splitmix(seed ^ 0x7173_6E00));
        let (t, f, k) = (self.seq_len, self.features.len(), self.classes.len());
        let mut values = Vec::with_capacity(n * t * f);
        let mut labels = Vec::with_capacity(n);
        let weights: Vec<(usize, usize)> = self.class_counts.iter().copied().enumerate().collect();
        let mut left = n;
        while left > 0 {
            let b = left.min(SEQUENCE_CHUNK);
            left -= b;
            let cond = (k > 0).then(|| {
                let mut v = vec![0f32; b * k];
                for i in 0..b {
                    let cls = match fixed {
                        Some(c) => c,
                        None => {
                            weights
                                .choose_weighted(&mut rng, |w| w.1)
                                .expect("classes have counts")
                                .0
                        }
                    };
                    v[i * k + cls] = 1.0;
                    labels.push(self.classes[cls].clone());
                }
                Tensor::<2>::from_data(TensorData::new(v, [b, k]), &self.device)
            });
            // Drawn batch-major as before the networks went time-major: the same draws.
            let z = Tensor::<3>::random([b, t, f], Distribution::Uniform(0.0, 1.0), &self.device);
            let e_hat = self.nets.generate(z.swap_dims(0, 1), cond.as_ref());
            let x_hat = self
                .nets
                .recover(self.nets.supervise(e_hat))
                .swap_dims(0, 1);
            values.extend(read_back(x_hat, "generated sequences")?);
        }
        let scaled = SequenceSet {
            features: self.features.clone(),
            seq_len: t,
            ids: (0..n).map(|i| format!("syn-{i}")).collect(),
            labels: (k > 0).then_some(labels),
            values,
        };
        Ok(self.scaler.inverse(&scaled))
    }

    /// Saves into `dir`: `model.json` (config, scaler, features, labels, loss history) and
    /// `nets.bpk` (all five networks). Refuses an existing `dir` unless `overwrite`.
    ///
    /// # Errors
    /// [`TrainError::Exists`] or I/O / record errors.
    pub fn save(&self, dir: &Path, overwrite: bool) -> TrainResult<()> {
        write_model_dir(dir, overwrite, |tmp| {
            write_json(
                &tmp.join("model.json"),
                &TimeGanFile {
                    format_version: TIMEGAN_FORMAT_VERSION,
                    model: "timegan".into(),
                    config: self.config.clone(),
                    scaler: self.scaler.clone(),
                    features: self.features.clone(),
                    seq_len: self.seq_len,
                    classes: self.classes.clone(),
                    class_counts: self.class_counts.clone(),
                    losses: self.losses.clone(),
                },
            )?;
            save_weights(&self.nets, &tmp.join("nets.bpk"))
        })
    }

    /// Loads a model written by [`FittedTimeGan::save`] onto `device`.
    ///
    /// # Errors
    /// A directory without a TimeGAN `model.json`, another format version, unreadable weights.
    pub fn load(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        let p = dir.join("model.json");
        let bad = |reason: String| TrainError::BadModelDir {
            path: dir.to_path_buf(),
            reason,
        };
        let bytes = std::fs::read(&p)
            .map_err(|_| bad("no model.json in it; train one with `synthkit series fit`".into()))?;
        let file: TimeGanFile =
            serde_json::from_slice(&bytes).map_err(|e| bad(format!("model.json: {e}")))?;
        if file.model != "timegan" || file.format_version != TIMEGAN_FORMAT_VERSION {
            return Err(bad(format!(
                "model `{}` format {} is not a TimeGAN of format {TIMEGAN_FORMAT_VERSION}",
                file.model, file.format_version
            )));
        }
        file.config.check()?;
        let base = device.device();
        let nets = file
            .config
            .init(file.features.len(), file.classes.len(), &base);
        let nets = load_weights(&nets, &dir.join("nets.bpk"))?;
        Ok(Self {
            config: file.config,
            scaler: file.scaler,
            features: file.features,
            seq_len: file.seq_len,
            classes: file.classes,
            class_counts: file.class_counts,
            losses: file.losses,
            device_choice: device,
            device: base,
            nets,
        })
    }

    /// The device it samples on.
    pub fn device(&self) -> DeviceChoice {
        self.device_choice
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::TrainOptions;
    use crate::timegan::fit_timegan;
    use crate::timegan::tests::{cmapss, tiny};
    use serial_test::serial;

    #[test]
    #[serial]
    fn conditional_sampling_is_exact_seeded_and_survives_save_load() {
        let set = cmapss(16);
        let model = fit_timegan(&tiny(), &set, &TrainOptions::default()).unwrap();
        assert_eq!(model.classes(), ["0", "1"]);
        let rare = model.sample_where("1", 13, 5).unwrap();
        assert_eq!(rare.len(), 13);
        assert_eq!(rare.seq_len, 8);
        assert_eq!(rare.values.len(), 13 * 8 * 4);
        assert!(rare.labels.as_ref().unwrap().iter().all(|l| l == "1"));
        assert!(rare.values.iter().all(|v| v.is_finite()));
        // Values come back in original units: within the (slightly widened) training range.
        let sc = model.scaler();
        for (i, v) in rare.values.iter().enumerate() {
            let f = i % 4;
            assert!(*v >= sc.min[f] - 1e-3 && *v <= sc.max[f] + 1e-3, "{v}");
        }
        let again = model.sample_where("1", 13, 5).unwrap();
        assert_eq!(rare, again);
        let other = model.sample_where("1", 13, 6).unwrap();
        assert_ne!(rare.values, other.values);
        let mixed = model.sample(20, 1).unwrap();
        assert_eq!(mixed.len(), 20);
        assert!(model.sample_where("2", 1, 0).is_err());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("tg");
        model.save(&p, false).unwrap();
        assert!(matches!(
            model.save(&p, false),
            Err(TrainError::Exists { .. })
        ));
        let back = FittedTimeGan::load(&p, DeviceChoice::Cpu).unwrap();
        assert_eq!(back.sample_where("1", 13, 5).unwrap(), rare);
        assert_eq!(back.losses(), model.losses());
        assert!(FittedTimeGan::load(dir.path(), DeviceChoice::Cpu).is_err());
    }

    #[test]
    #[serial]
    fn unconditional_model_refuses_sample_where() {
        let mut set = cmapss(8);
        set.labels = None;
        let model = fit_timegan(
            &TimeGanConfig {
                iterations: 1,
                ..tiny()
            },
            &set,
            &TrainOptions::default(),
        )
        .unwrap();
        assert!(model.classes().is_empty());
        assert!(matches!(
            model.sample_where("1", 3, 0),
            Err(TrainError::Unconditionable { .. })
        ));
        assert_eq!(model.sample(3, 0).unwrap().labels, None);
    }
}

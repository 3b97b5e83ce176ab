//! [`fit`] and the [`FittedModel`] it returns: sampling (unconditional and conditional, in
//! chunks, with the condition forced or rejected), save and load. Model-specific work is behind
//! the [`Synthesizer`]/[`Sampler`] traits; everything here is shared by every tabular model.

use std::path::Path;
use std::sync::Arc;

use burn::prelude::*;
use polars::prelude::DataFrame;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use synthkit_data::{ConditionTable, DataError, DataTransformer, Matrix};
use synthkit_models::ModelConfig;

use crate::error::{TrainError, TrainResult};
use crate::losses::{BlockLosses, losses_csv, parse_losses_csv};
use crate::options::{DeviceChoice, TrainOptions, splitmix};
use crate::persist::{write_json, write_model_dir};
use crate::synthesizer::{Conditioning, SampleContext, Sampler, synthesizer_for};

/// Rows generated per device call when sampling; memory stays bounded whatever `n` is.
pub const SAMPLE_CHUNK: usize = 4096;

/// Rows decoded and handed on together by [`FittedModel::sample_stream`].
pub const STREAM_FRAME: usize = 16 * SAMPLE_CHUNK;

/// Version of the saved-model directory format (`model.json` `format_version`).
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// `condition = "reject"` draws at most this many rows per row asked for (plus
/// [`REJECT_MIN_DRAWS`]) before it gives up with the acceptance rate.
pub const REJECT_DRAWS_PER_ROW: usize = 20;

/// See [`REJECT_DRAWS_PER_ROW`].
pub const REJECT_MIN_DRAWS: usize = 1000;

/// What happens to generated rows whose conditioned column is not the value asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConditionMode {
    /// Overwrite the column with the value asked for: exactly `n` rows in one pass, but a row
    /// the network generated as another class becomes a mislabelled row (the adherence in
    /// [`ConditionReport`] says how many). The default.
    #[default]
    Force,
    /// Keep only the rows whose generated value is the one asked for, generating more until
    /// there are `n` (at most [`REJECT_DRAWS_PER_ROW`]` · n + `[`REJECT_MIN_DRAWS`] rows, then
    /// [`TrainError::RejectExhausted`] naming the acceptance rate).
    Reject,
}

/// How a conditional sample went: what was asked for, what was generated, and how many
/// generated rows carried the condition before anything was overwritten.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConditionReport {
    /// The mode used.
    pub mode: ConditionMode,
    /// Rows asked for (and returned).
    pub requested: usize,
    /// Rows the network generated (more than `requested` under reject).
    pub generated: usize,
    /// Of the generated rows, those whose generated value of the column is the condition.
    /// `None` for a label-conditioned model (TabDDPM), whose rows carry the label by
    /// construction: its adherence can only be judged by a classifier of the real rows.
    pub adhering: Option<usize>,
}

impl ConditionReport {
    /// `adhering / generated` (raw adherence), if measured.
    pub fn adherence(&self) -> Option<f64> {
        self.adhering
            .map(|a| a as f64 / self.generated.max(1) as f64)
    }
}

/// A trained model, ready to sample. Immutable; `save`/`load` round-trip it exactly.
#[derive(Clone, Debug)]
pub struct FittedModel {
    config: ModelConfig,
    transformer: DataTransformer,
    cond: ConditionTable,
    losses: Vec<BlockLosses>,
    device_choice: DeviceChoice,
    device: Device,
    sampler: Arc<dyn Sampler>,
}

#[derive(Serialize, Deserialize)]
struct ModelFile {
    format_version: u32,
    config: ModelConfig,
    transformer: DataTransformer,
    cond: ConditionTable,
    uses_condition: bool,
    weights: String,
}

/// Trains `config` on `train` (the matrix `transformer` encoded) and returns the fitted model.
///
/// The device is `opts.device` with autodiff. Weights are initialised after seeding the device
/// with `opts.seed`; every block then reseeds the device RNG and a host `StdRng` from
/// `(seed, block)`, so a run is reproducible on the CPU backend and a resumed run continues
/// exactly as an uninterrupted one would.
///
/// # Errors
/// Invalid config or options, a matrix that does not fit the transformer, an encoding the
/// model cannot use, a non-finite loss ([`TrainError::NonFinite`]), checkpoint I/O, or a
/// checkpoint that does not match this run.
pub fn fit(
    config: &ModelConfig,
    transformer: DataTransformer,
    train: &Matrix,
    opts: &TrainOptions,
) -> TrainResult<FittedModel> {
    config.check()?;
    opts.check()?;
    let layout = transformer.layout();
    if train.cols() != layout.dim() {
        return Err(TrainError::ShapeMismatch {
            expected: layout.dim(),
            got: train.cols(),
        });
    }
    if train.rows() == 0 {
        return Err(TrainError::EmptyData);
    }
    let synth = synthesizer_for(config);
    synth.check_encoding(&transformer)?;
    let base = opts.device.device();
    let device = base.clone().autodiff();
    device.seed(opts.seed);
    tracing::info!(
        model = config.kind(),
        device = %opts.device,
        rows = train.rows(),
        data_dim = layout.dim(),
        cond_dim = layout.cond_dim(),
        budget = %config.budget(),
        "training"
    );
    let cond = ConditionTable::from_matrix(train, layout);
    let trained = synth.fit(&transformer, train, opts, &device, &base)?;
    Ok(FittedModel {
        config: config.clone(),
        transformer,
        cond,
        losses: trained.losses,
        device_choice: opts.device,
        device: base,
        sampler: Arc::from(trained.sampler),
    })
}

impl FittedModel {
    /// The model configuration it was trained with.
    pub fn config(&self) -> &ModelConfig {
        &self.config
    }

    /// The data transformer.
    pub fn transformer(&self) -> &DataTransformer {
        &self.transformer
    }

    /// Per-block losses (also saved as `losses.csv`).
    pub fn losses(&self) -> &[BlockLosses] {
        &self.losses
    }

    /// The device it samples on.
    pub fn device(&self) -> DeviceChoice {
        self.device_choice
    }

    /// How the network takes a condition.
    pub fn conditioning(&self) -> Conditioning {
        self.sampler.conditioning()
    }

    /// Whether [`FittedModel::sample_where`] is available (for a label-conditioned model, on
    /// the target column only).
    pub fn is_conditional(&self) -> bool {
        self.conditioning() != Conditioning::None
    }

    /// `n` synthetic rows. Conditions or labels (when the model has them) are drawn per row: a
    /// discrete column uniformly, then a category with its training frequency. Same `seed`,
    /// same rows.
    ///
    /// # Errors
    /// Only on a failing network or inverse transform.
    pub fn sample(&self, n: usize, seed: u64) -> TrainResult<DataFrame> {
        let mut out = FrameBuilder::default();
        self.sample_stream(n, seed, None, &mut |frame| out.push_frame(frame))?;
        out.finish(&self.transformer)
    }

    /// Exactly `n` synthetic rows, every one with `column == value`, generated under that
    /// condition and forced to it ([`ConditionMode::Force`]). See
    /// [`FittedModel::sample_where_with`] for the mode and the adherence report.
    ///
    /// # Errors
    /// As [`FittedModel::sample_where_with`].
    pub fn sample_where(
        &self,
        column: &str,
        value: &str,
        n: usize,
        seed: u64,
    ) -> TrainResult<DataFrame> {
        Ok(self
            .sample_where_with(column, value, n, seed, ConditionMode::Force)?
            .0)
    }

    /// Exactly `n` synthetic rows with `column == value`, and how the condition was met.
    ///
    /// The network is conditioned on the category (CTGAN's condition vector at the column's
    /// own offset — the reference offsets every column as the first, issues #169/#273; TVAE's
    /// conditional decoder; TabDDPM's class label). With [`ConditionMode::Force`] the
    /// column's one-hot span is then set to the category; with [`ConditionMode::Reject`] rows
    /// that generated another category are dropped and more are generated.
    ///
    /// # Errors
    /// An unknown or non-discrete column or an unseen value ([`DataError::BadCondition`] via
    /// [`TrainError::Data`]); a model without a condition input, or (TabDDPM) a column other
    /// than the target, or reject mode on a label-conditioned model
    /// ([`TrainError::Unconditionable`]); reject mode that runs out of draws
    /// ([`TrainError::RejectExhausted`]).
    pub fn sample_where_with(
        &self,
        column: &str,
        value: &str,
        n: usize,
        seed: u64,
        mode: ConditionMode,
    ) -> TrainResult<(DataFrame, ConditionReport)> {
        let (block, category) = self.condition_of(column, value, mode)?;
        let vector = self.conditioning() == Conditioning::Vector;
        let mut out = FrameBuilder::default();
        let mut report = ConditionReport {
            mode,
            requested: n,
            generated: 0,
            adhering: vector.then_some(0),
        };
        match mode {
            ConditionMode::Force => {
                self.for_each_chunk(n, seed, Some((block, category)), |mut m| {
                    report.generated += m.rows();
                    if vector {
                        let hits = self.count_adhering(&m, block, category);
                        *report.adhering.as_mut().expect("vector") += hits;
                        self.cond.force(&mut m, block, category);
                    }
                    out.push(&self.transformer, &m)
                })?;
            }
            ConditionMode::Reject => {
                let budget = REJECT_DRAWS_PER_ROW * n + REJECT_MIN_DRAWS;
                let mut kept = 0usize;
                let mut rng_state = self.seed_streams(seed);
                while kept < n {
                    if report.generated >= budget {
                        let accepted = report.adhering.unwrap_or(0);
                        return Err(TrainError::RejectExhausted {
                            column: column.into(),
                            value: value.into(),
                            accepted,
                            drawn: report.generated,
                            needed: n,
                            rate: 100.0 * accepted as f64 / report.generated.max(1) as f64,
                        });
                    }
                    // Ask for what is missing, scaled by the acceptance so far (at least one
                    // in ten assumed), within the chunk size and the draw budget.
                    let rate = report
                        .adherence()
                        .filter(|_| report.generated > 0)
                        .unwrap_or(1.0)
                        .max(0.1);
                    let want = (((n - kept) as f64 / rate).ceil() as usize)
                        .clamp(1, SAMPLE_CHUNK)
                        .min(budget - report.generated);
                    let m = self.generate_chunk(want, Some((block, category)), &mut rng_state)?;
                    report.generated += m.rows();
                    let cats = self.cond.categories(&m, block);
                    let keep: Vec<usize> = (0..m.rows()).filter(|&r| cats[r] == category).collect();
                    *report.adhering.as_mut().expect("vector") += keep.len();
                    let take: Vec<usize> = keep.into_iter().take(n - kept).collect();
                    kept += take.len();
                    out.push(&self.transformer, &m.select_rows(&take))?;
                }
            }
        }
        Ok((out.finish(&self.transformer)?, report))
    }

    /// The `(cond block, category)` of `column == value`, checked against what this model can
    /// be conditioned on in `mode`.
    fn condition_of(
        &self,
        column: &str,
        value: &str,
        mode: ConditionMode,
    ) -> TrainResult<(usize, usize)> {
        let (block, category) = self.transformer.condition(column, value)?;
        let refuse = |reason: String| TrainError::Unconditionable {
            column: column.into(),
            value: value.into(),
            reason,
        };
        let target = self.transformer.target();
        match self.conditioning() {
            Conditioning::None => {
                return Err(refuse(match self.config {
                    ModelConfig::TabDdpm(_) | ModelConfig::Copula(_) | ModelConfig::Flow(_) => format!(
                        "this {} was trained without a class label (no discrete target, or class_conditional = false); set a categorical target and class_conditional = true, and retrain",
                        self.config.kind()
                    ),
                    _ => "this model was trained without a condition input (TVAE with conditional = false); retrain with conditional = true, or use CTGAN".into(),
                }));
            }
            Conditioning::Label if target != Some(column) => {
                let t = target.unwrap_or_default();
                return Err(refuse(format!(
                    "{} is conditioned on the target `{t}` only; condition on `{t}`, or filter unconditional samples yourself",
                    self.config.kind()
                )));
            }
            Conditioning::Label if mode == ConditionMode::Reject => {
                return Err(refuse(format!(
                    "condition = \"reject\" needs a model that generates the class column; {} takes the class as its label input and draws p(x | y), so every row carries it by construction. Use condition = \"force\", and judge the rows with a classifier of the real data (the augmentation filter)",
                    self.config.kind()
                )));
            }
            _ => {}
        }
        Ok((block, category))
    }

    /// Streams `n` rows to `sink`, frame by frame, holding at most a few frames whatever `n`:
    /// the network generates the next chunk while a second thread decodes the previous ones
    /// and hands them to `sink`. With a `(column, value)` condition every row is generated
    /// under it and forced to it ([`ConditionMode::Force`]). The rows, in order, are those of
    /// [`FittedModel::sample`] (or [`FittedModel::sample_where`]) with the same `seed`; at least
    /// one frame is passed (an empty one when `n` is 0). Returns the rows passed.
    ///
    /// # Errors
    /// As [`FittedModel::sample_where`] for the condition; a failing network or inverse
    /// transform; `sink`'s own error.
    pub fn sample_stream(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(&str, &str)>,
        sink: &mut (dyn FnMut(DataFrame) -> Result<(), DataError> + Send),
    ) -> TrainResult<usize> {
        let condition = condition
            .map(|(c, v)| self.condition_of(c, v, ConditionMode::Force))
            .transpose()?;
        let vector = self.conditioning() == Conditioning::Vector;
        let transformer = &self.transformer;
        let (tx, rx) = std::sync::mpsc::sync_channel::<Matrix>(4);
        std::thread::scope(|scope| {
            let decoder = scope.spawn(move || -> TrainResult<usize> {
                let (mut rows, mut frames) = (0usize, 0usize);
                let mut pending: Option<Matrix> = None;
                let mut flush = |m: Matrix, rows: &mut usize, frames: &mut usize| {
                    *rows += m.rows();
                    *frames += 1;
                    sink(transformer.inverse_transform(&m)?)?;
                    TrainResult::Ok(())
                };
                for m in rx {
                    let m = match pending.take() {
                        Some(p) => p.vstack(&m),
                        None => m,
                    };
                    if m.rows() >= STREAM_FRAME {
                        flush(m, &mut rows, &mut frames)?;
                    } else {
                        pending = Some(m);
                    }
                }
                match pending {
                    Some(m) => flush(m, &mut rows, &mut frames)?,
                    None if frames == 0 => flush(
                        Matrix::zeros(0, transformer.layout().dim()),
                        &mut rows,
                        &mut frames,
                    )?,
                    None => {}
                }
                Ok(rows)
            });
            let generated = self.for_each_chunk(n, seed, condition, |mut m| {
                if let (true, Some((b, k))) = (vector, condition) {
                    self.cond.force(&mut m, b, k);
                }
                // A closed channel means the decoder stopped on an error, returned below.
                tx.send(m).map_err(|_| TrainError::Io {
                    path: "<decoding thread>".into(),
                    source: std::io::Error::other("the decoding thread stopped"),
                })
            });
            drop(tx);
            // A panic there is a bug: re-raised here with its own message and location.
            let decoded = decoder
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            generated?;
            Ok(decoded)
        })
    }

    /// `n` activated rows in the encoded layout (what [`DataTransformer::inverse_transform`]
    /// reads), optionally conditioned on `(cond block, category)` and forced to it, as
    /// `sample_where` does.
    pub fn sample_matrix(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(usize, usize)>,
    ) -> TrainResult<Matrix> {
        let mut acc = Matrix::zeros(0, self.transformer.layout().dim());
        let vector = self.conditioning() == Conditioning::Vector;
        self.for_each_chunk(n, seed, condition, |mut m| {
            if let (true, Some((b, k))) = (vector, condition) {
                self.cond.force(&mut m, b, k);
            }
            acc = std::mem::replace(&mut acc, Matrix::zeros(0, 0)).vstack(&m);
            Ok(())
        })?;
        Ok(acc)
    }

    fn count_adhering(&self, m: &Matrix, block: usize, category: usize) -> usize {
        self.cond
            .categories(m, block)
            .iter()
            .filter(|&&c| c == category)
            .count()
    }

    /// Seeds the device RNG and returns the host RNG of a `sample` call with `seed`.
    fn seed_streams(&self, seed: u64) -> StdRng {
        self.device.seed(seed);
        StdRng::seed_from_u64(splitmix(seed ^ 0x5A3D_1E00))
    }

    fn generate_chunk(
        &self,
        n: usize,
        condition: Option<(usize, usize)>,
        rng: &mut StdRng,
    ) -> TrainResult<Matrix> {
        let layout = self.transformer.layout();
        let mut ctx = SampleContext {
            table: &self.cond,
            target_block: self
                .transformer
                .target()
                .and_then(|t| layout.cond_block_of(t)),
            rng,
            device: &self.device,
        };
        self.sampler.generate(n, condition, &mut ctx)
    }

    /// Generates `n` rows in chunks of at most [`SAMPLE_CHUNK`], passing each to `f`.
    fn for_each_chunk(
        &self,
        n: usize,
        seed: u64,
        condition: Option<(usize, usize)>,
        mut f: impl FnMut(Matrix) -> TrainResult<()>,
    ) -> TrainResult<()> {
        let mut rng = self.seed_streams(seed);
        let mut left = n;
        while left > 0 {
            let c = left.min(SAMPLE_CHUNK);
            left -= c;
            f(self.generate_chunk(c, condition, &mut rng)?)?;
        }
        Ok(())
    }

    /// Saves the model into directory `dir`: `model.json` (format version, model config, data
    /// transformer, condition table), the sampling network's weights (`generator.bpk`,
    /// `decoder.bpk` or `denoiser.bpk`, burnpack) and `losses.csv`, written atomically
    /// (a temporary sibling renamed into place). An existing `dir` is refused unless
    /// `overwrite`, in which case it is replaced.
    ///
    /// # Errors
    /// [`TrainError::Exists`], or I/O and record errors.
    pub fn save(&self, dir: &Path, overwrite: bool) -> TrainResult<()> {
        write_model_dir(dir, overwrite, |tmp| {
            let weights = self.sampler.weights_file();
            write_json(
                &tmp.join("model.json"),
                &ModelFile {
                    format_version: MODEL_FORMAT_VERSION,
                    config: self.config.clone(),
                    transformer: self.transformer.clone(),
                    cond: self.cond.clone(),
                    uses_condition: self.is_conditional(),
                    weights: weights.into(),
                },
            )?;
            self.sampler.save(&tmp.join(weights))?;
            let p = tmp.join("losses.csv");
            std::fs::write(&p, losses_csv(&self.losses)).map_err(|e| TrainError::io(&p, e))
        })
    }

    /// Loads a model saved by [`FittedModel::save`] onto `device`.
    ///
    /// # Errors
    /// A missing or foreign directory, an unknown format version, or unreadable weights.
    pub fn load(dir: &Path, device: DeviceChoice) -> TrainResult<Self> {
        let p = dir.join("model.json");
        if !p.exists() {
            return Err(TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: "no model.json in it; point at a directory written by `synthkit fit`"
                    .into(),
            });
        }
        let bytes = std::fs::read(&p).map_err(|e| TrainError::io(&p, e))?;
        let file: ModelFile =
            serde_json::from_slice(&bytes).map_err(|e| TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: format!("model.json: {e}"),
            })?;
        if file.format_version != MODEL_FORMAT_VERSION {
            return Err(TrainError::BadModelDir {
                path: dir.to_path_buf(),
                reason: format!(
                    "format version {} but this synthkit reads version {MODEL_FORMAT_VERSION}; retrain the model",
                    file.format_version
                ),
            });
        }
        file.config.check()?;
        let base = device.device();
        let sampler = synthesizer_for(&file.config).load(
            &file.transformer,
            file.uses_condition,
            dir,
            &base,
        )?;
        let losses = std::fs::read_to_string(dir.join("losses.csv"))
            .map(|s| parse_losses_csv(&s))
            .unwrap_or_default();
        Ok(Self {
            config: file.config,
            transformer: file.transformer,
            cond: file.cond,
            losses,
            device_choice: device,
            device: base,
            sampler: Arc::from(sampler),
        })
    }
}

/// Builds a frame from encoded chunks, each decoded by the inverse transform.
#[derive(Default)]
struct FrameBuilder(Option<DataFrame>);

impl FrameBuilder {
    /// Decodes `m` and appends its rows.
    fn push(&mut self, tr: &DataTransformer, m: &Matrix) -> TrainResult<()> {
        Ok(self.push_frame(tr.inverse_transform(m)?)?)
    }

    /// Appends decoded rows.
    fn push_frame(&mut self, df: DataFrame) -> Result<(), DataError> {
        match &mut self.0 {
            Some(acc) => {
                acc.vstack_mut(&df)?;
            }
            None => self.0 = Some(df),
        }
        Ok(())
    }

    fn finish(self, tr: &DataTransformer) -> TrainResult<DataFrame> {
        let mut df = match self.0 {
            Some(df) => df,
            None => tr.inverse_transform(&Matrix::zeros(0, tr.layout().dim()))?,
        };
        df.align_chunks_par();
        Ok(df)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;
    use synthkit_data::{Schema, SchemaOptions, TransformerParams};

    /// A stand-in network that replays rows of an encoded training matrix, ignoring any
    /// condition: with `random`, rows drawn with the host RNG (deterministic per seed, different
    /// from row to row, so order and chunk boundaries show); without, the first row every time.
    #[derive(Debug)]
    struct Replays {
        rows: Matrix,
        random: bool,
    }

    impl Sampler for Replays {
        fn conditioning(&self) -> Conditioning {
            Conditioning::Vector
        }
        fn weights_file(&self) -> &'static str {
            "none"
        }
        fn save(&self, _: &Path) -> TrainResult<()> {
            Ok(())
        }
        fn generate(
            &self,
            n: usize,
            _: Option<(usize, usize)>,
            ctx: &mut SampleContext<'_>,
        ) -> TrainResult<Matrix> {
            use rand::Rng;
            let pick: Vec<usize> = (0..n)
                .map(|_| {
                    if self.random {
                        ctx.rng.random_range(0..self.rows.rows())
                    } else {
                        0
                    }
                })
                .collect();
            Ok(self.rows.select_rows(&pick))
        }
    }

    const TARGET: &str = "Machine failure";

    /// A model of the first `head` ai4i training rows (all when `None`) whose network
    /// [`Replays`] them.
    fn replaying_model(head: Option<usize>, random: bool) -> FittedModel {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../datasets/ai4i_machine_failure/train.csv");
        let df = synthkit_data::io::read_table(&path).unwrap();
        let df = match head {
            Some(h) => df.head(Some(h)),
            None => df,
        };
        let schema = Schema::infer(
            &df,
            &SchemaOptions {
                target: Some(TARGET.into()),
                ..Default::default()
            },
        )
        .unwrap();
        let tr = TransformerParams::default().fit(&df, &schema).unwrap();
        let rows = tr.transform(&df, 0).unwrap();
        FittedModel {
            config: ModelConfig::Ctgan(Default::default()),
            cond: ConditionTable::from_matrix(&rows, tr.layout()),
            transformer: tr,
            losses: Vec::new(),
            device_choice: DeviceChoice::Cpu,
            device: DeviceChoice::Cpu.device(),
            sampler: Arc::new(Replays { rows, random }),
        }
    }

    /// The negative control of the adherence report: a generator that ignores the condition
    /// shows adherence 0 under force (while force still returns n rows of the class), and reject
    /// gives up with the acceptance rate in the error.
    #[test]
    #[serial_test::serial]
    fn a_generator_that_ignores_the_condition_fails_the_adherence_check() {
        let model = replaying_model(Some(300), false);
        let target = TARGET;
        // Its only row is of the majority class.
        let (block, _) = model.transformer.condition(target, "0").unwrap();
        let first = model
            .generate_chunk(1, None, &mut StdRng::seed_from_u64(0))
            .unwrap();
        assert_eq!(model.cond.categories(&first, block), vec![0]);
        let (s, rep) = model
            .sample_where_with(target, "1", 50, 0, ConditionMode::Force)
            .unwrap();
        assert_eq!(s.height(), 50);
        assert_eq!(rep.adherence(), Some(0.0));
        let e = model
            .sample_where_with(target, "1", 50, 0, ConditionMode::Reject)
            .unwrap_err();
        match &e {
            TrainError::RejectExhausted {
                accepted, drawn, ..
            } => {
                assert_eq!(*accepted, 0);
                assert_eq!(*drawn, REJECT_DRAWS_PER_ROW * 50 + REJECT_MIN_DRAWS);
            }
            other => panic!("expected RejectExhausted, got {other}"),
        }
        assert!(e.to_string().contains("acceptance 0.00 %"), "{e}");
        // Its own class is accepted at once.
        let (s, rep) = model
            .sample_where_with(target, "0", 20, 0, ConditionMode::Reject)
            .unwrap();
        assert_eq!(
            (s.height(), rep.generated, rep.adhering),
            (20, 20, Some(20))
        );
    }

    /// `sample_stream` hands on, frame by frame, exactly the rows of the chunks decoded one by
    /// one (and `sample` and `sample_where` return them), across several frames and a last
    /// short one; an empty request still passes one empty frame with the columns; a failing
    /// sink stops it with the sink's error.
    #[test]
    #[serial_test::serial]
    fn streamed_rows_are_the_sampled_rows() {
        let model = replaying_model(None, true);
        let target = TARGET;
        let stream = |n: usize, condition: Option<(&str, &str)>| {
            let mut frames: Vec<DataFrame> = Vec::new();
            let rows = model
                .sample_stream(n, 3, condition, &mut |f| {
                    frames.push(f);
                    Ok(())
                })
                .unwrap();
            (rows, frames)
        };
        let n = 2 * STREAM_FRAME + 1234;
        let (rows, frames) = stream(n, None);
        assert_eq!(rows, n);
        assert_eq!(
            frames.iter().map(DataFrame::height).collect::<Vec<_>>(),
            vec![STREAM_FRAME, STREAM_FRAME, 1234]
        );
        let mut joined = frames[0].clone();
        for f in &frames[1..] {
            joined.vstack_mut(f).unwrap();
        }
        // Against the chunks decoded one by one, without the stream.
        let mut whole: Option<DataFrame> = None;
        model
            .for_each_chunk(n, 3, None, |m| {
                let df = model.transformer.inverse_transform(&m)?;
                match &mut whole {
                    Some(acc) => {
                        acc.vstack_mut(&df).unwrap();
                    }
                    None => whole = Some(df),
                }
                Ok(())
            })
            .unwrap();
        let whole = whole.unwrap();
        assert!(joined.equals_missing(&whole), "streamed rows differ");
        assert!(model.sample(n, 3).unwrap().equals_missing(&whole));
        assert!(!joined.equals_missing(&model.sample(n, 4).unwrap()));

        let (rows, frames) = stream(5000, Some((target, "1")));
        assert_eq!(rows, 5000);
        let where_ = model.sample_where(target, "1", 5000, 3).unwrap();
        assert!(frames[0].equals_missing(&where_));

        let (rows, frames) = stream(0, None);
        assert_eq!((rows, frames.len(), frames[0].height()), (0, 1, 0));
        assert_eq!(frames[0].get_column_names(), whole.get_column_names());

        let mut calls = 0;
        let err = model
            .sample_stream(3 * STREAM_FRAME, 3, None, &mut |_| {
                calls += 1;
                Err(DataError::UnsupportedFormat {
                    path: "full.disk".into(),
                })
            })
            .unwrap_err();
        assert!(err.to_string().contains("full.disk"), "{err}");
        assert_eq!(calls, 1);
    }
}

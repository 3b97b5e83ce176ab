//! # synthkit-python
//!
//! The extension module `synthkit._synthkit` of the `synthkit` Python package (the pure-Python
//! part is `crates/python/python/synthkit/`: pandas in and out, the scikit-learn /
//! imbalanced-learn sampler). Everything here is a thin layer over the library crates:
//!
//! - [`fit`]: a model config and a table (columns as Python lists) → [`synthkit_runs::fit_model`],
//!   the same typing, class check, transform and training as `synthkit fit`, without a file;
//! - [`Model`]: sampling ([`synthkit_train::FittedModel::sample`] and `sample_where_with`, the
//!   calls `synthkit sample` makes, so one seed gives the CLI's rows), save, load (through
//!   [`synthkit_runs::load_model`], so a run directory of `synthkit fit` loads too);
//! - [`Curation`]: the curation filter of [`synthkit_eval::curate`], fitted on real rows;
//! - [`SynthkitError`] (a `ValueError`): every error of the library, with the message the CLI
//!   prints (the error and its causes joined by `: `).
//!
//! Tables cross the boundary as `(name, kind, values)` triples, `kind` one of `float`, `int`,
//! `str`, `bool`, `date` (days since the epoch) and `datetime_ms|us|ns` (integer time stamps);
//! a missing value is `None`. The Python side maps pandas dtypes to these and back.
//!
//! Training and sampling run with the GIL released ([`Python::detach`]).

use std::error::Error;
use std::path::PathBuf;

use polars::prelude::{Column, DataFrame, DataType, NamedFrom, Series, TimeUnit};
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use serde::Deserialize;
use synthkit_data::schema::{ColumnSpec, Schema};
use synthkit_data::{TransformerParams, transform::discrete::MISSING_LABEL};
use synthkit_eval::curate::{CurationConfig, Curator, Verdict};
use synthkit_eval::encode::{FeatureEncoder, binary_target};
use synthkit_eval::privacy::exact_copy_mask;
use synthkit_models::ModelConfig;
use synthkit_runs::{
    DataSection, FitRecord, RunConfig, TrainSection, TrainTable, fit_model, load_model,
};
use synthkit_train::{ConditionMode, DeviceChoice, FittedModel, TrainOptions};

create_exception!(
    synthkit,
    SynthkitError,
    PyValueError,
    "An error of synthkit: a missing column, an empty class, a bad parameter, a damaged model \
     directory… The message is the one the `synthkit` command prints."
);

/// A column from Python: `(name, kind, values)` (see the crate docs).
type InColumn<'py> = (String, String, Bound<'py, PyAny>);

/// A column for Python: `(name, kind, values)`.
type OutColumn<'py> = (String, &'static str, Bound<'py, PyAny>);

/// One training block's losses: `(block, seconds, [(name, value)])`.
type BlockRow = (usize, f64, Vec<(String, f64)>);

/// The error and its causes, joined by `: ` (what the CLI prints after `error: `).
fn message(e: &dyn Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

/// A library error as a [`SynthkitError`].
fn py_err(e: impl Error) -> PyErr {
    SynthkitError::new_err(message(&e))
}

/// A [`SynthkitError`] with `msg`.
fn bad(msg: impl Into<String>) -> PyErr {
    SynthkitError::new_err(msg.into())
}

/// A table from `(name, kind, values)` triples (see the crate docs).
fn frame_from_py(columns: &[InColumn<'_>]) -> PyResult<DataFrame> {
    let mut height = None;
    let mut out: Vec<Column> = Vec::with_capacity(columns.len());
    for (name, kind, values) in columns {
        let name = name.as_str().into();
        let series: Series = match kind.as_str() {
            "float" => Series::new(name, values.extract::<Vec<Option<f64>>>()?),
            "int" => Series::new(name, values.extract::<Vec<Option<i64>>>()?),
            "str" => Series::new(name, values.extract::<Vec<Option<String>>>()?),
            "bool" => Series::new(name, values.extract::<Vec<Option<bool>>>()?),
            "date" => Series::new(name, values.extract::<Vec<Option<i32>>>()?)
                .cast(&DataType::Date)
                .map_err(py_err)?,
            "datetime_ms" | "datetime_us" | "datetime_ns" => {
                let unit = match kind.as_str() {
                    "datetime_ms" => TimeUnit::Milliseconds,
                    "datetime_us" => TimeUnit::Microseconds,
                    _ => TimeUnit::Nanoseconds,
                };
                Series::new(name, values.extract::<Vec<Option<i64>>>()?)
                    .cast(&DataType::Datetime(unit, None))
                    .map_err(py_err)?
            }
            other => {
                return Err(bad(format!(
                    "column `{name}`: unknown value kind `{other}` (an internal error of the synthkit package)"
                )));
            }
        };
        match height {
            None => height = Some(series.len()),
            Some(h) if h != series.len() => {
                return Err(bad(format!(
                    "column `{}` has {} values, the first column {h}",
                    series.name(),
                    series.len()
                )));
            }
            _ => {}
        }
        out.push(series.into());
    }
    DataFrame::new(height.unwrap_or(0), out).map_err(py_err)
}

/// A table as `(name, kind, values)` triples (see the crate docs).
fn frame_to_py<'py>(py: Python<'py>, df: &DataFrame) -> PyResult<Vec<OutColumn<'py>>> {
    let mut out = Vec::with_capacity(df.width());
    for col in df.columns() {
        let s = col.as_materialized_series();
        let name = s.name().to_string();
        let (kind, values): (&'static str, Bound<'py, PyAny>) = match s.dtype() {
            DataType::Float32 | DataType::Float64 => {
                let c = s.cast(&DataType::Float64).map_err(py_err)?;
                let v: Vec<Option<f64>> = c.f64().map_err(py_err)?.iter().collect();
                ("float", v.into_pyobject(py)?)
            }
            d if d.is_integer() => {
                let c = s.cast(&DataType::Int64).map_err(py_err)?;
                let v: Vec<Option<i64>> = c.i64().map_err(py_err)?.iter().collect();
                ("int", v.into_pyobject(py)?)
            }
            DataType::Boolean => {
                let v: Vec<Option<bool>> = s.bool().map_err(py_err)?.iter().collect();
                ("bool", v.into_pyobject(py)?)
            }
            DataType::Date => {
                let c = s.to_physical_repr().into_owned();
                let c = c.cast(&DataType::Int32).map_err(py_err)?;
                let v: Vec<Option<i32>> = c.i32().map_err(py_err)?.iter().collect();
                ("date", v.into_pyobject(py)?)
            }
            DataType::Datetime(unit, _) => {
                let kind = match unit {
                    TimeUnit::Milliseconds => "datetime_ms",
                    TimeUnit::Microseconds => "datetime_us",
                    TimeUnit::Nanoseconds => "datetime_ns",
                };
                let c = s.to_physical_repr().into_owned();
                let v: Vec<Option<i64>> = c.i64().map_err(py_err)?.iter().collect();
                (kind, v.into_pyobject(py)?)
            }
            _ => {
                let c = s.cast(&DataType::String).map_err(py_err)?;
                let v: Vec<Option<&str>> = c.str().map_err(py_err)?.iter().collect();
                ("str", PyList::new(py, v)?.into_any())
            }
        };
        out.push((name, kind, values));
    }
    Ok(out)
}

/// The part of a fit request the Python side sends as JSON.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FitRequest {
    /// `{"kind": "ctgan", "epochs": 10, …}`: parsed as a `[model]` section.
    model: serde_json::Value,
    /// The `[transform]` section (`null`: the defaults).
    #[serde(default)]
    transform: Option<serde_json::Value>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    positive: Option<String>,
    #[serde(default)]
    categorical: Vec<String>,
    #[serde(default)]
    continuous: Vec<String>,
    #[serde(default)]
    integer: Vec<String>,
    #[serde(default)]
    boolean: Vec<String>,
    #[serde(default)]
    datetime: Vec<String>,
    #[serde(default)]
    drop: Vec<String>,
    #[serde(default)]
    integer_categorical_max: Option<usize>,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default)]
    device: DeviceChoice,
}

fn default_seed() -> u64 {
    TrainSection::default().seed
}

/// Parses a model's parameters (`{"kind": …, key: value, …}`) as the `[model]` section of a run
/// config would be, and checks them with the same `check()`.
fn model_config(value: serde_json::Value) -> PyResult<ModelConfig> {
    let kind = value
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("?")
        .to_string();
    let cfg: ModelConfig = serde_json::from_value(value)
        .map_err(|e| bad(format!("parameters of model `{kind}`: {e}")))?;
    cfg.check()
        .map_err(|e| bad(format!("parameters of model `{kind}`: {}", message(&e))))?;
    Ok(cfg)
}

/// Parses and checks the transform's parameters (`[transform]`).
fn transform_params(value: Option<serde_json::Value>) -> PyResult<TransformerParams> {
    let params: TransformerParams = match value {
        None | Some(serde_json::Value::Null) => TransformerParams::default(),
        Some(v) => {
            serde_json::from_value(v).map_err(|e| bad(format!("transform parameters: {e}")))?
        }
    };
    params
        .check()
        .map_err(|e| bad(format!("transform parameters: {}", message(&e))))?;
    Ok(params)
}

/// Checks a model config without training it: unknown keys, out-of-range values. Returns the
/// config with every default filled in, as JSON.
#[pyfunction]
fn check_params(model_json: &str) -> PyResult<String> {
    let value: serde_json::Value = serde_json::from_str(model_json)
        .map_err(|e| bad(format!("model parameters are not valid JSON: {e}")))?;
    let cfg = model_config(value)?;
    serde_json::to_string(&cfg).map_err(py_err)
}

/// Trains a model on a table: `columns` as `(name, kind, values)` triples, `request` the JSON of
/// the model, transform and column typing (see `synthkit/_core.py`). `quiet` hides the
/// progress bars (stderr). The GIL is released while it trains.
#[pyfunction]
#[pyo3(signature = (columns, request, quiet = false))]
fn fit(py: Python<'_>, columns: Vec<InColumn<'_>>, request: &str, quiet: bool) -> PyResult<Model> {
    let req: FitRequest = serde_json::from_str(request)
        .map_err(|e| bad(format!("fit request (an internal error): {e}")))?;
    let model = model_config(req.model)?;
    let transform = transform_params(req.transform)?;
    if req.positive.is_some() && req.target.is_none() {
        return Err(bad(
            "`positive` is set but no `target`: name the target column",
        ));
    }
    let df = frame_from_py(&columns)?;
    drop(columns);
    let cfg = RunConfig {
        data: DataSection {
            train: PathBuf::new(),
            test: None,
            target: req.target,
            positive: req.positive,
            categorical: req.categorical,
            continuous: req.continuous,
            integer: req.integer,
            boolean: req.boolean,
            datetime: req.datetime,
            drop: req.drop,
            integer_categorical_max: req.integer_categorical_max,
            rare_train: None,
            rare_train_seed: 0,
        },
        transform,
        model,
        train: TrainSection {
            device: req.device,
            seed: req.seed,
            out: None,
            checkpoint_every: 0,
        },
    };
    let opts = TrainOptions {
        device: req.device,
        seed: req.seed,
        progress: !quiet,
        ..TrainOptions::default()
    };
    let (inner, record) = py
        .detach(|| {
            fit_model(
                &cfg,
                &df,
                TrainTable::Frame("the DataFrame passed to fit()"),
                &opts,
            )
        })
        .map_err(py_err)?;
    Ok(Model {
        inner,
        record: Some(record),
    })
}

/// A fitted model.
#[pyclass(frozen, module = "synthkit._synthkit")]
struct Model {
    inner: FittedModel,
    record: Option<FitRecord>,
}

fn device_choice(device: &str) -> PyResult<DeviceChoice> {
    match device {
        "cpu" => Ok(DeviceChoice::Cpu),
        "wgpu" => Ok(DeviceChoice::Wgpu),
        other => Err(bad(format!(
            "device `{other}` is not known; use \"cpu\" or \"wgpu\""
        ))),
    }
}

#[pymethods]
impl Model {
    /// Loads the model of a run directory written by `synthkit fit` or `Synthesizer.save` (or
    /// of its `model/` directory) onto `device` (`cpu` or `wgpu`).
    #[staticmethod]
    #[pyo3(signature = (path, device = "cpu"))]
    fn load(py: Python<'_>, path: PathBuf, device: &str) -> PyResult<Self> {
        let device = device_choice(device)?;
        let (inner, _) = py
            .detach(|| load_model::<FittedModel>(&path, device))
            .map_err(py_err)?;
        Ok(Self {
            inner,
            record: None,
        })
    }

    /// Saves the model into the directory `path` (refused if it exists, unless `overwrite`).
    #[pyo3(signature = (path, overwrite = false))]
    fn save(&self, py: Python<'_>, path: PathBuf, overwrite: bool) -> PyResult<()> {
        py.detach(|| self.inner.save(&path, overwrite))
            .map_err(py_err)
    }

    /// `n` rows (`(name, kind, values)` triples) and the condition report (`None` without a
    /// condition). With `column` and `value`, exactly `n` rows with `column == value`, the
    /// condition forced (`mode = "force"`, what `synthkit sample --where` does) or rejected
    /// (`"reject"`). `value` is the value's text as the CLI takes it (`1`, `true`, `sick`);
    /// `None` asks for the rows where the column is missing. Same seed, same rows as
    /// `synthkit sample --seed`.
    #[pyo3(signature = (n, seed = 0, column = None, value = None, mode = "force"))]
    fn sample<'py>(
        &self,
        py: Python<'py>,
        n: usize,
        seed: u64,
        column: Option<String>,
        value: Option<String>,
        mode: &str,
    ) -> PyResult<(Vec<OutColumn<'py>>, Option<Bound<'py, PyAny>>)> {
        if n == 0 {
            return Err(bad("n must be at least 1, got 0"));
        }
        let mode = match mode {
            "force" => ConditionMode::Force,
            "reject" => ConditionMode::Reject,
            other => {
                return Err(bad(format!(
                    "condition `{other}` is not known; use \"force\" or \"reject\""
                )));
            }
        };
        let (df, report) = match column {
            None => (
                py.detach(|| self.inner.sample(n, seed)).map_err(py_err)?,
                None,
            ),
            Some(column) => {
                let value = value.unwrap_or_else(|| MISSING_LABEL.to_string());
                let (df, report) = py
                    .detach(|| self.inner.sample_where_with(&column, &value, n, seed, mode))
                    .map_err(py_err)?;
                let json = serde_json::to_string(&report).map_err(py_err)?;
                let json_mod = py.import("json")?;
                (df, Some(json_mod.call_method1("loads", (json,))?))
            }
        };
        Ok((frame_to_py(py, &df)?, report))
    }

    /// The model kind (`ctgan`, `tvae`, `tabddpm`, `copula`, `flow`).
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.config().kind()
    }

    /// The model config with every default filled in, as JSON.
    #[getter]
    fn config_json(&self) -> PyResult<String> {
        serde_json::to_string(self.inner.config()).map_err(py_err)
    }

    /// The columns the model generates, as `(name, kind)` pairs (`continuous`, `integer`,
    /// `categorical`, `boolean`, `datetime`).
    #[getter]
    fn columns(&self) -> Vec<(String, String)> {
        self.inner
            .transformer()
            .columns()
            .iter()
            .map(|c| (c.name.clone(), format!("{:?}", c.kind).to_lowercase()))
            .collect()
    }

    /// The target column, if the model was fitted with one.
    #[getter]
    fn target(&self) -> Option<String> {
        self.inner.transformer().target().map(str::to_string)
    }

    /// Whether `sample` takes a condition.
    #[getter]
    fn conditional(&self) -> bool {
        self.inner.is_conditional()
    }

    /// The loss history, one `(block, seconds, {name: value})` per training block.
    #[getter]
    fn losses(&self) -> Vec<BlockRow> {
        self.inner
            .losses()
            .iter()
            .map(|b| (b.block, b.seconds, b.values.clone()))
            .collect()
    }

    /// The fit's record (sizes and timings, what `fit.json` holds) as JSON; `None` after `load`.
    #[getter]
    fn record_json(&self) -> PyResult<Option<String>> {
        self.record
            .as_ref()
            .map(|r| serde_json::to_string(r).map_err(py_err))
            .transpose()
    }

    fn __repr__(&self) -> String {
        format!(
            "Model(kind={:?}, columns={}, target={:?})",
            self.inner.config().kind(),
            self.inner.transformer().columns().len(),
            self.inner.transformer().target()
        )
    }
}

/// The curation filter of `synthkit_eval::curate` (what the bench's `+filter` arms apply),
/// fitted on real rows: a judge classifier, cross-fitted for its threshold, and the rare class's
/// support. Both the real and the generated tables have the columns of the model the filter is
/// built for; `target == positive` is the rare class.
#[pyclass(frozen, module = "synthkit._synthkit")]
struct Curation {
    encoder: FeatureEncoder,
    curator: Curator,
    real: DataFrame,
    schema: Schema,
}

#[pymethods]
impl Curation {
    /// Fits the filter on `real` (`(name, kind, values)` triples) with the column kinds of
    /// `model`, the default settings (judge quantile 0.1, support quantile 0.95, 5 folds,
    /// boosted trees) and `seed`.
    #[new]
    #[pyo3(signature = (model, real, target, positive, seed = 0))]
    fn new(
        py: Python<'_>,
        model: &Model,
        real: Vec<InColumn<'_>>,
        target: String,
        positive: String,
        seed: u64,
    ) -> PyResult<Self> {
        let real = frame_from_py(&real)?;
        let schema = Schema {
            columns: model
                .inner
                .transformer()
                .columns()
                .iter()
                .map(|c| ColumnSpec {
                    name: c.name.clone(),
                    kind: c.kind,
                })
                .collect(),
            target: Some(target.clone()),
        };
        let (encoder, curator) = py
            .detach(|| -> synthkit_eval::EvalResult<_> {
                let encoder = FeatureEncoder::fit(&real, &schema)?;
                let x = encoder.transform(&real, "real")?;
                let y = binary_target(&real, &target, &positive, "real")?;
                let curator = Curator::fit(&x, &y, &CurationConfig::default(), seed)?;
                Ok((encoder, curator))
            })
            .map_err(py_err)?;
        Ok(Self {
            encoder,
            curator,
            real,
            schema,
        })
    }

    /// A verdict per generated row (`keep`, `judged_majority`, `outside_support`) and whether
    /// the row is an exact copy of a real row (what the bench's arms drop first).
    fn verdicts(
        &self,
        py: Python<'_>,
        generated: Vec<InColumn<'_>>,
    ) -> PyResult<(Vec<&'static str>, Vec<bool>)> {
        let generated = frame_from_py(&generated)?;
        py.detach(|| -> synthkit_eval::EvalResult<_> {
            let copies = exact_copy_mask(&self.real, &generated, &self.schema)?;
            let x = self.encoder.transform(&generated, "generated")?;
            let verdicts = self
                .curator
                .verdicts(&x)?
                .into_iter()
                .map(|v| match v {
                    Verdict::Keep => "keep",
                    Verdict::JudgedMajority => "judged_majority",
                    Verdict::OutsideSupport => "outside_support",
                })
                .collect();
            Ok((verdicts, copies))
        })
        .map_err(py_err)
    }

    /// Share of the real rare rows whose out-of-fold judge score passes the threshold (about
    /// 0.9): what a perfect generator's pass rate would be.
    #[getter]
    fn real_pass_rate(&self) -> f64 {
        self.curator.real_pass_rate()
    }
}

/// synthkit's extension module: fit, sample, save and load tabular models; the curation filter.
#[pymodule]
fn _synthkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("SynthkitError", m.py().get_type::<SynthkitError>())?;
    m.add_function(wrap_pyfunction!(fit, m)?)?;
    m.add_function(wrap_pyfunction!(check_params, m)?)?;
    m.add_class::<Model>()?;
    m.add_class::<Curation>()?;
    m.add("MISSING_LABEL", MISSING_LABEL)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

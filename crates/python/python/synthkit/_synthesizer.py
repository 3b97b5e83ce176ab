"""`Synthesizer`: fit a synthkit model on a pandas DataFrame and sample rows from it."""

from __future__ import annotations

import json
import operator
import os
from pathlib import Path

import pandas as pd

from . import _frame
from ._synthkit import Model, SynthkitError, check_params
from ._synthkit import fit as _fit

#: The tabular models, by the name `Synthesizer(model=...)` takes.
MODELS = ("ctgan", "tvae", "tabddpm", "flow", "copula")

#: Models that read quantile-normal scores of continuous columns (the shipped configs'
#: ``[transform] continuous = "quantile"``); CTGAN and TVAE use mode-specific normalisation.
QUANTILE_MODELS = ("tabddpm", "flow", "copula")

#: The file next to ``model/`` that `Synthesizer.save` writes: the input dtypes.
META_FILE = "synthkit.json"
META_VERSION = 1


class Synthesizer:
    """A synthkit generative model of a table.

    ``model`` is one of ``ctgan``, ``tvae``, ``tabddpm``, ``flow``, ``copula``; ``**params``
    are its ``[model]`` config keys (``epochs``, ``steps``, ``batch_size``, ...; see
    ``crates/models/src/config.rs``), checked at once by the same ``check()`` as a config file:
    an unknown key or a bad value raises :class:`SynthkitError` naming the key. Every key left
    out has the paper's default.

    ``seed`` seeds the transform and training (the CLI's ``[train] seed``, default 42);
    ``device`` is ``cpu`` (burn-flex) or ``wgpu``; ``transform`` holds ``[transform]`` keys
    (default: ``{"continuous": "quantile"}`` for tabddpm, flow and copula, as the shipped
    configs); ``quiet=True`` hides the progress bars (stderr).

    >>> s = Synthesizer("tvae", epochs=50).fit(df, target="Machine failure")
    >>> failures = s.sample(500, where={"Machine failure": 1})
    """

    def __init__(
        self,
        model: str = "ctgan",
        *,
        seed: int = 42,
        device: str = "cpu",
        quiet: bool = False,
        transform: dict | None = None,
        **params,
    ):
        if model not in MODELS:
            raise SynthkitError(
                f"model `{model}` is not known; use one of {', '.join(f'`{m}`' for m in MODELS)}"
            )
        if device not in ("cpu", "wgpu"):
            raise SynthkitError(f'device `{device}` is not known; use "cpu" or "wgpu"')
        self.model = model
        self.params = dict(params)
        self.seed = operator.index(seed)
        self.device = device
        self.quiet = bool(quiet)
        if transform is None and model in QUANTILE_MODELS:
            transform = {"continuous": "quantile"}
        self.transform = transform
        # Fails now, naming the key, rather than after loading the data.
        self.config_ = json.loads(check_params(json.dumps({"kind": model, **self.params})))
        self._model: Model | None = None
        self._infos: dict | None = None
        self.fit_record_: dict | None = None
        self.condition_report_: dict | None = None

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        state = "fitted" if self._model is not None else "not fitted"
        return f"Synthesizer({self.model!r}{params}) [{state}]"

    # --- fit ---------------------------------------------------------------------------------

    def fit(
        self,
        df: pd.DataFrame,
        target: str | None = None,
        *,
        categorical=(),
        continuous=(),
        integer=(),
        boolean=(),
        datetime=(),
        drop=(),
        positive=None,
        integer_categorical_max: int | None = None,
    ) -> "Synthesizer":
        """Fits the model on ``df`` (the GIL is released while it trains).

        ``target`` is the class column (a conditional model then samples a class exactly);
        ``categorical``, ``continuous``, ``integer``, ``boolean``, ``datetime`` and ``drop``
        override the column typing as the config's ``[data]`` lists do (text, booleans and
        pandas categoricals are categorical anyway; integers with at most
        ``integer_categorical_max`` = 10 distinct values too). With ``positive``, fitting
        stops if no row of ``df`` has ``target == positive``.
        """
        columns, infos = _frame.encode(df)
        declared = set().union(continuous, integer, boolean, datetime, drop)
        categorical = list(categorical) + [
            n
            for n, i in infos.items()
            if "categories" in i and n not in declared and n not in categorical
        ]
        request = {
            "model": {"kind": self.model, **self.params},
            "transform": self.transform,
            "target": target,
            "positive": _frame.label(positive) if positive is not None else None,
            "categorical": categorical,
            "continuous": list(continuous),
            "integer": list(integer),
            "boolean": list(boolean),
            "datetime": list(datetime),
            "drop": list(drop),
            "integer_categorical_max": integer_categorical_max,
            "seed": self.seed,
            "device": self.device,
        }
        model = _fit(columns, json.dumps(request), quiet=self.quiet)
        del columns
        kept = [name for name, _ in model.columns]
        self._model = model
        self._infos = {n: infos[n] for n in kept}
        self.fit_record_ = json.loads(model.record_json)
        return self

    # --- sample ------------------------------------------------------------------------------

    def _fitted(self) -> Model:
        if self._model is None:
            raise SynthkitError("this Synthesizer is not fitted yet; call fit(df, ...) or Synthesizer.load(path) first")
        return self._model

    def sample(self, n: int, where=None, *, condition: str = "force", seed: int = 0) -> pd.DataFrame:
        """``n`` synthetic rows as a DataFrame with the input's columns and dtypes.

        ``where={"col": value}`` (or ``"col=value"``, as the CLI's ``--where``) asks for exactly
        ``n`` rows of that class of a categorical column, generated under the condition:
        ``condition="force"`` (default, what ``synthkit sample`` does) sets the column to the
        value, ``"reject"`` keeps only rows the model generated with it. How the condition was
        met is in ``condition_report_``. Same ``seed``, same rows: ``Synthesizer.load(run)
        .sample(n, seed=s)`` returns the rows of ``synthkit sample --model run --seed s``.
        """
        model = self._fitted()
        if isinstance(n, bool):
            raise SynthkitError(f"n must be a number of rows, got {n!r}")
        n = operator.index(n)
        if n < 1:
            raise SynthkitError(f"n must be at least 1, got {n}")
        column = value = None
        if where is not None:
            if isinstance(where, str):
                if "=" not in where:
                    raise SynthkitError(f"where `{where}` is not of the form COLUMN=VALUE")
                column, value = (p.strip() for p in where.split("=", 1))
            else:
                items = list(dict(where).items())
                if len(items) != 1:
                    raise SynthkitError(
                        f"where takes one column (the model is conditioned on one category at a time), got {len(items)}"
                    )
                column, raw = items[0]
                value = _frame.label(raw)
        cols, report = model.sample(n, operator.index(seed), column, value, condition)
        self.condition_report_ = report
        return _frame.decode(cols, self._infos)

    # --- save / load ---------------------------------------------------------------------------

    def save(self, path, overwrite: bool = False) -> None:
        """Saves the fitted model into the directory ``path``: ``path/model/`` (what
        ``synthkit fit`` writes into a run directory, so ``synthkit sample --model path`` works
        on it) and ``path/synthkit.json`` (the input dtypes)."""
        model = self._fitted()
        path = Path(os.fspath(path))
        if path.exists() and not overwrite and (not path.is_dir() or any(path.iterdir())):
            raise SynthkitError(f"`{path}` exists; pass overwrite=True to replace it")
        path.mkdir(parents=True, exist_ok=True)
        model.save(str(path / "model"), overwrite)
        meta = {
            "format_version": META_VERSION,
            "model": self.model,
            "params": self.params,
            "seed": self.seed,
            "transform": self.transform,
            "columns": _frame.jsonable(self._infos or {}),
        }
        tmp = path / (META_FILE + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2))
        tmp.replace(path / META_FILE)

    @classmethod
    def load(cls, path, device: str = "cpu", quiet: bool = False) -> "Synthesizer":
        """Loads a model saved by :meth:`save`, or the run directory of ``synthkit fit`` (or its
        ``model/``). Without ``synthkit.json`` (a CLI run) columns come back in synthkit's own
        dtypes (int64, float64, object text, bool, datetime64)."""
        path = Path(os.fspath(path))
        model = Model.load(str(path), device)
        meta_path = path / META_FILE
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        config = json.loads(model.config_json)
        kind = config.pop("kind")
        self = cls.__new__(cls)
        self.model = kind
        self.params = meta.get("params", config)
        self.seed = meta.get("seed", 42)
        self.device = device
        self.quiet = bool(quiet)
        self.transform = meta.get("transform")
        self.config_ = {"kind": kind, **config}
        self._model = model
        self._infos = meta.get("columns")
        self.fit_record_ = None
        self.condition_report_ = None
        return self

    # --- what the model is ---------------------------------------------------------------------

    @property
    def columns_(self) -> list:
        """``(name, kind)`` of each generated column (``continuous``, ``integer``,
        ``categorical``, ``boolean``, ``datetime``), as synthkit typed them."""
        return list(self._fitted().columns)

    @property
    def target_(self) -> str | None:
        """The target column the model was fitted with."""
        return self._fitted().target

    @property
    def conditional_(self) -> bool:
        """Whether ``sample(where=...)`` is available."""
        return self._fitted().conditional

    @property
    def losses_(self) -> pd.DataFrame:
        """The loss history: one row per training block (epoch, or 100 steps)."""
        rows = [{"block": b, "seconds": s, **dict(v)} for b, s, v in self._fitted().losses]
        return pd.DataFrame(rows)

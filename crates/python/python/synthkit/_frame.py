"""pandas <-> the extension module's columns.

A table crosses into Rust as ``(name, kind, values)`` triples: ``kind`` is ``float``, ``int``,
``str``, ``bool``, ``date`` (days since the epoch) or ``datetime_ms|us|ns`` (integer time
stamps), ``values`` a list with ``None`` for a missing value. Each input column's pandas dtype
is remembered (:func:`dtype_info`) so that generated columns come back with it: ints stay ints,
floats floats, strings strings, categoricals categoricals (same categories), bools bools;
missing values come back as NaN (floats, pandas' ``str`` dtype) or None (object columns), or as
``pd.NA`` in pandas' nullable ``Int64``/``boolean`` dtypes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from ._synthkit import SynthkitError


def label(value) -> str | None:
    """A value as the text label synthkit gives it (``where=`` values, the positive class):
    ``1`` for an integer, ``true``/``false`` for a boolean, ``None`` for a missing value."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return str(value)


def _missing_to_none(values: list, mask: np.ndarray) -> list:
    for i in np.flatnonzero(mask):
        values[i] = None
    return values


def _datetime(s: pd.Series) -> tuple[str, list, dict]:
    tz = getattr(s.dt, "tz", None)
    if tz is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = s.to_numpy(dtype="datetime64[ns]")
    ints = arr.view("int64").tolist()
    return "datetime_ns", _missing_to_none(ints, np.isnat(arr)), {"tz": None if tz is None else str(tz)}


def _encode(name: str, s: pd.Series) -> tuple[str, list, dict]:
    """One column as ``(kind, values, info)``; ``info`` is what :func:`decode` needs."""
    dt = s.dtype
    info: dict = {"dtype": str(dt)}
    missing = s.isna().to_numpy()
    if isinstance(dt, pd.CategoricalDtype):
        cats = list(dt.categories)
        info.update(
            categories=[label(c) for c in cats],
            categories_dtype=str(dt.categories.dtype),
            ordered=bool(dt.ordered),
            categories_values=dt.categories,
        )
        values = [None if m else label(v) for v, m in zip(s.tolist(), missing)]
        return "str", values, info
    if pdt.is_bool_dtype(dt):
        values = s.astype(object).tolist()
        return "bool", [None if m else bool(v) for v, m in zip(values, missing)], info
    if pdt.is_integer_dtype(dt):
        if missing.any():
            values = s.astype(object).tolist()
            return "int", [None if m else int(v) for v, m in zip(values, missing)], info
        return "int", s.to_numpy(dtype=np.int64).tolist(), info
    if pdt.is_float_dtype(dt):
        arr = s.to_numpy(dtype=np.float64, na_value=np.nan)
        return "float", _missing_to_none(arr.tolist(), np.isnan(arr)), info
    if pdt.is_datetime64_any_dtype(dt):
        kind, values, extra = _datetime(s)
        info.update(extra)
        return kind, values, info
    if pdt.is_timedelta64_dtype(dt) or pdt.is_complex_dtype(dt):
        raise SynthkitError(
            f"column `{name}` has dtype {dt}, which synthkit does not model; use numbers, text, "
            "booleans, categories or dates"
        )
    # Text, or an object column: typed by its values.
    inferred = pd.api.types.infer_dtype(s, skipna=True)
    raw = s.astype(object).tolist()
    if inferred == "boolean":
        return "bool", [None if m else bool(v) for v, m in zip(raw, missing)], info
    if inferred == "integer":
        return "int", [None if m else int(v) for v, m in zip(raw, missing)], info
    if inferred in ("floating", "mixed-integer-float", "decimal"):
        return "float", [None if m else float(v) for v, m in zip(raw, missing)], info
    if inferred in ("datetime64", "datetime"):
        kind, values, extra = _datetime(pd.to_datetime(s))
        info.update(extra)
        return kind, values, info
    return "str", [None if m else str(v) for v, m in zip(raw, missing)], info


def encode(df: pd.DataFrame) -> tuple[list, dict]:
    """The columns of ``df`` for the extension module, and each column's dtype info."""
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
    names = list(df.columns)
    for n in names:
        if not isinstance(n, str):
            raise SynthkitError(f"column names must be text; column {n!r} is a {type(n).__name__} (rename it, e.g. df.columns = df.columns.astype(str))")
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise SynthkitError(f"column name(s) {', '.join(f'`{d}`' for d in dup)} repeated; give each column its own name")
    columns, infos = [], {}
    for n in names:
        kind, values, info = _encode(n, df[n])
        columns.append((n, kind, values))
        infos[n] = info
    return columns, infos


def _plain(kind: str, values: list) -> pd.Series:
    """A column from the extension module in its plain pandas dtype."""
    has_none = any(v is None for v in values)
    if kind == "float":
        return pd.Series(np.array(values, dtype=np.float64))
    if kind == "int":
        if has_none:
            return pd.Series(pd.array(values, dtype="Int64"))
        return pd.Series(np.array(values, dtype=np.int64))
    if kind == "bool":
        if has_none:
            return pd.Series(pd.array(values, dtype="boolean"))
        return pd.Series(np.array(values, dtype=bool))
    if kind.startswith("datetime_"):
        unit = kind.rsplit("_", 1)[1]
        return pd.Series(pd.to_datetime(pd.array(values, dtype="Int64"), unit=unit))
    if kind == "date":
        return pd.Series(pd.to_datetime(pd.array(values, dtype="Int64"), unit="D"))
    return pd.Series(np.array(values, dtype=object))


def _restore(s: pd.Series, info: dict) -> pd.Series:
    """``s`` in the dtype its input column had, where the values allow it."""
    dtype = info.get("dtype", "")
    if "categories" in info:
        cats = info["categories"]
        back = dict(zip(cats, range(len(cats))))
        codes = [-1 if v is None else back.get(v, -1) for v in s.tolist()]
        values = info.get("categories_values")
        if values is None:  # a saved model: the categories from their labels
            values = _categories_from_labels(cats, info.get("categories_dtype", "object"))
        dtype = pd.CategoricalDtype(categories=values, ordered=info["ordered"])
        return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype))
    if dtype.startswith("datetime64"):
        tz = info.get("tz")
        if tz is not None:
            s = s.dt.tz_localize("UTC").dt.tz_convert(tz)
        try:
            return s.astype(dtype)  # the input's resolution (ns, us, ...)
        except (TypeError, ValueError):
            return s
    has_missing = bool(s.isna().any())
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        return s
    if target == np.dtype(object):
        values = [None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v) for v in s.tolist()]
        return pd.Series(values, dtype=object)
    if has_missing and isinstance(target, np.dtype) and target.kind in "iub":
        return s  # a numpy int/bool column cannot hold a missing value: keep the nullable one
    try:
        return s.astype(target)
    except (TypeError, ValueError):
        return s


def decode(columns: list, infos: dict | None) -> pd.DataFrame:
    """A DataFrame from the extension module's columns, dtypes restored from ``infos``."""
    out = {}
    for name, kind, values in columns:
        s = _plain(kind, values)
        info = (infos or {}).get(name)
        if info:
            s = _restore(s, info)
        out[name] = s.reset_index(drop=True)
    return pd.DataFrame(out)


def _categories_from_labels(labels: list, dtype: str) -> pd.Index:
    if dtype == "bool":
        return pd.Index([v == "true" for v in labels], dtype=bool)
    try:
        return pd.Index(labels).astype(dtype)
    except (TypeError, ValueError):
        return pd.Index(labels)


def jsonable(infos: dict) -> dict:
    """``infos`` without what JSON cannot hold (a categorical's categories are saved as their
    labels and their dtype)."""
    return {n: {k: v for k, v in i.items() if k != "categories_values"} for n, i in infos.items()}

#!/usr/bin/env python3
"""SDMetrics reference scores for crates/eval/src/fidelity.rs (tests/fidelity_vs_sdmetrics.rs).

Run:  pip install sdmetrics pandas numpy && python scripts/golden/eval_fidelity.py
Writes crates/eval/tests/golden/fidelity_thyroid.json. The Rust tests never run Python.

Data: datasets/thyroid_sick (mixed types, missing values in 7 columns). "Real" = train.csv and,
as a stand-in for synthetic rows, "synthetic" = test.csv: the point is to check the metric
definitions on real mixed data, not to score a generator. Two comparisons: all rows, and the rare
class only (Class == sick, target column dropped).

Per column: KSComplement (numeric) / TVComplement (categorical). Per pair: CorrelationSimilarity
(numeric-numeric, Pearson) / ContingencySimilarity (otherwise, numeric columns discretised with
num_discrete_bins=10). Missing categorical values are a category of their own in the contingency
table (SDMetrics groups with dropna=False); we pass categoricals as strings with NaN kept.
"""
import json
import math
import pathlib

import numpy as np
import pandas as pd
import sdmetrics
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import KSComplement, TVComplement

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets/thyroid_sick"
OUT = ROOT / "crates/eval/tests/golden/fidelity_thyroid.json"


def scores(real, syn, cols, categorical):
    shapes = {}
    for c in cols:
        if c in categorical:
            shapes[c] = TVComplement.compute(real[c], syn[c])
        else:
            shapes[c] = KSComplement.compute(real[c], syn[c])
    pairs = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            if a not in categorical and b not in categorical:
                try:
                    s = CorrelationSimilarity.compute(real[[a, b]], syn[[a, b]])
                except Exception:  # constant column: undefined
                    s = float("nan")
            else:
                cont = [c for c in (a, b) if c not in categorical]
                s = ContingencySimilarity.compute(real[[a, b]], syn[[a, b]],
                                                  continuous_column_names=cont or None)
            pairs.append({"left": a, "right": b, "score": None if math.isnan(s) else float(s)})
    return {"n_real": len(real), "n_synthetic": len(syn),
            "shapes": {k: (None if math.isnan(v) else float(v)) for k, v in shapes.items()},
            "pairs": pairs}


def load(name, categorical):
    df = pd.read_csv(DATA / name, keep_default_na=False, na_values=[""])
    for c in categorical:
        df[c] = df[c].astype(object).where(df[c].notna(), np.nan).map(
            lambda v: v if isinstance(v, float) and math.isnan(v) else str(v))
    return df


def main():
    meta = json.loads((DATA / "meta.json").read_text())
    categorical = set(meta["categorical"])
    real, syn = load("train.csv", categorical), load("test.csv", categorical)
    cols = list(real.columns)
    target, pos = meta["target"], meta["positive"]
    out = {
        "sdmetrics": sdmetrics.__version__,
        "overall": scores(real, syn, cols, categorical),
        "rare_class": scores(real[real[target] == pos], syn[syn[target] == pos],
                             [c for c in cols if c != target], categorical),
    }
    OUT.write_text(json.dumps(out) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

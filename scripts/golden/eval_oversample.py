#!/usr/bin/env python3
"""Reference statistics of imbalanced-learn's oversamplers on a real set, for
crates/eval/tests/oversample_vs_imblearn.rs.

Run:  pip install scikit-learn imbalanced-learn numpy pandas && python scripts/golden/eval_oversample.py
Writes crates/eval/tests/golden/oversample_ai4i.json. The Rust tests never run Python.

Data: datasets/ai4i_machine_failure/train.csv (7000 rows, 237 rare). It is encoded exactly as
synthkit-eval's FeatureEncoder does: columns in file order, the categorical `Type` one-hot over
its sorted categories plus an always-zero `<missing>` slot, every other feature standardised
with the train mean and population std (sklearn StandardScaler). Each sampler runs with
imblearn's defaults (sampling_strategy='auto', k_neighbors=5, m_neighbors=10, n_neighbors=5),
random_state=0; SMOTENC gets the raw `Type` column (categorical_features=[0]) next to the
standardised numerics and its output is one-hot encoded afterwards.

For the generated rows only, per encoded column: mean, population variance and 4th central
moment (m4), so the test can derive its tolerance from the sampling error: given the training
data, generated rows are i.i.d., so the mean of n rows has SE sqrt(var/n) and the std has
SE ~ sqrt((m4 - var^2)/n) / (2 std).
"""
import json
import pathlib

import imblearn
import numpy as np
import pandas as pd
from imblearn.over_sampling import ADASYN, SMOTE, SMOTENC, BorderlineSMOTE, RandomOverSampler

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "datasets/ai4i_machine_failure"
OUT = ROOT / "crates/eval/tests/golden/oversample_ai4i.json"


def main():
    meta = json.loads((DATA / "meta.json").read_text())
    df = pd.read_csv(DATA / "train.csv")
    target = meta["target"]
    y = (df[target].astype(str) == meta["positive"]).to_numpy()
    feats = [c for c in df.columns if c != target]
    cat_cols = [c for c in feats if c in meta["categorical"]]
    assert cat_cols == ["Type"], cat_cols
    cats = sorted(df["Type"].astype(str).unique().tolist())
    num_cols = [c for c in feats if c not in cat_cols]
    num = df[num_cols].to_numpy(dtype=float)
    mean, std = num.mean(axis=0), num.std(axis=0)
    num_z = (num - mean) / std

    def onehot(values):
        m = np.zeros((len(values), len(cats) + 1))
        for i, v in enumerate(values):
            m[i, cats.index(v)] = 1.0
        return m

    x_enc = np.hstack([onehot(df["Type"].astype(str).tolist()), num_z])
    names = [f"Type={c}" for c in cats] + ["Type=<missing>"] + num_cols

    out = {
        "imblearn": imblearn.__version__,
        "n_train": int(len(y)),
        "n_rare": int(y.sum()),
        "feature_names": names,
        "encoder_mean": mean.tolist(),
        "encoder_std": std.tolist(),
        "methods": {},
    }

    def stats(new):
        mu = new.mean(axis=0)
        var = new.var(axis=0)
        m4 = ((new - mu) ** 4).mean(axis=0)
        return {"n": int(len(new)), "mean": mu.tolist(), "var": var.tolist(), "m4": m4.tolist()}

    n0 = len(y)
    samplers = {
        "random": RandomOverSampler(random_state=0),
        "smote": SMOTE(random_state=0),
        "borderline_smote": BorderlineSMOTE(random_state=0),
        "adasyn": ADASYN(random_state=0),
    }
    for name, s in samplers.items():
        xr, yr = s.fit_resample(x_enc, y)
        assert yr[n0:].all()
        out["methods"][name] = stats(xr[n0:])
    x_nc = np.empty((len(y), 1 + len(num_cols)), dtype=object)
    x_nc[:, 0] = df["Type"].astype(str).to_numpy()
    x_nc[:, 1:] = num_z
    xr, yr = SMOTENC(categorical_features=[0], random_state=0).fit_resample(x_nc, y)
    new = np.hstack([onehot(list(xr[n0:, 0])), xr[n0:, 1:].astype(float)])
    out["methods"]["smote_nc"] = stats(new)
    OUT.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {OUT}: " + ", ".join(f"{k} n={v['n']}" for k, v in out["methods"].items()))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Golden values for synthkit's quantile-normal encoder (crates/data/src/transform/quantile.rs).

Run ONCE by hand (the Rust tests never run Python):

    pip install scikit-learn numpy
    python3 scripts/golden/quantile_golden.py       # writes crates/data/tests/golden/quantile.json

The transform is TabDDPM's numeric preprocessing (yandex-research/tab-ddpm lib/data.py L217-222):
    QuantileTransformer(output_distribution="normal", n_quantiles=max(min(N // 30, 1000), 10),
                        subsample=int(1e9), random_state=0)
fitted on one real column at a time; N counts every row (missing ones included, as sklearn does).
For each column the JSON holds sklearn's `quantiles_`, forward values `transform` at probes (every
distinct observed value, capped at 400 evenly spaced ones, plus values outside the range) and
`inverse_transform` at z probes. Values are read with Python's csv module and float()
(correctly rounded, like Rust's `str::parse::<f64>`); empty cells are missing.
"""

import csv
import json
import os

import numpy as np
import sklearn
from sklearn.preprocessing import QuantileTransformer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
CASES = [
    ("ai4i_machine_failure", "Rotational speed [rpm]"),
    ("ai4i_machine_failure", "Torque [Nm]"),
    ("ai4i_machine_failure", "Tool wear [min]"),
    ("thyroid_sick", "TSH"),
    ("thyroid_sick", "age"),
    ("adult", "capital-gain"),
    ("adult", "fnlwgt"),
]


def column(dataset, name):
    with open(os.path.join(ROOT, "datasets", dataset, "train.csv"), newline="") as f:
        return [float(r[name]) if r[name] != "" else float("nan") for r in csv.DictReader(f)]


def main():
    out = {"sklearn_version": sklearn.__version__, "cases": []}
    for dataset, name in CASES:
        x = np.array(column(dataset, name), dtype=np.float64)
        n_quantiles = max(min(len(x) // 30, 1000), 10)
        qt = QuantileTransformer(
            output_distribution="normal", n_quantiles=n_quantiles, subsample=int(1e9), random_state=0
        ).fit(x.reshape(-1, 1))
        present = np.unique(x[~np.isnan(x)])
        if len(present) > 400:
            present = present[np.linspace(0, len(present) - 1, 400).astype(int)]
        lo, hi = present.min(), present.max()
        span = hi - lo
        probes = np.concatenate([present, [lo - 0.5 * span - 1, hi + 0.5 * span + 1, lo + 1e-9, hi - 1e-9]])
        z = qt.transform(probes.reshape(-1, 1)).ravel()
        zs = np.concatenate([np.linspace(-6, 6, 121), z[:50]])
        back = qt.inverse_transform(zs.reshape(-1, 1)).ravel()
        out["cases"].append(
            {
                "dataset": dataset,
                "column": name,
                "n_quantiles": n_quantiles,
                "quantiles": qt.quantiles_.ravel().tolist(),
                "probes": probes.tolist(),
                "z": z.tolist(),
                "z_probes": zs.tolist(),
                "inverse": back.tolist(),
            }
        )
        print(dataset, name, "rows", len(x), "n_quantiles", n_quantiles, "probes", len(probes))
    path = os.path.join(ROOT, "crates", "data", "tests", "golden", "quantile.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()

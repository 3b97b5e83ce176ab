#!/usr/bin/env python3
"""Golden values for synthkit's 1-D variational Bayesian Gaussian mixture (crates/data/src/transform/bgm.rs).

Run ONCE by hand (the Rust tests never run Python):

    pip install scikit-learn numpy
    python3 scripts/golden/bgm_golden.py            # writes crates/data/tests/golden/bgm.json

The model is CTGAN's mode-specific normalisation (arXiv:1907.00503; RDT ClusterBasedNormalizer):
    BayesianGaussianMixture(n_components=10, weight_concentration_prior_type="dirichlet_process",
                            weight_concentration_prior=1e-3)   # everything else at sklearn defaults

Two kinds of golden values are produced:

* "exact": sklearn's EM loop started from a deterministic hard assignment instead of k-means, so that
  the Rust fit (`BgmParams::fit_from_responsibilities`) can be compared to rounding (the test allows
  1e-8 relative; the differences are at most ~1e-10). The assignment puts the i-th smallest value
  (0-based, stable order) in component floor(i * K / n), i.e. sorted-value deciles for K = 10.
  sklearn's own `fit` is used unchanged; only `_initialize_parameters` is replaced by
  `_initialize(X, resp)` with that resp, which is exactly what sklearn does after k-means. These are
  private sklearn methods: the script was written against scikit-learn 1.9.1 (recorded in the JSON).
* "kmeans": plain sklearn fits with the default k-means init for random_state 0..4. The Rust k-means
  draws different random numbers, so only statistical agreement can be tested; the five sklearn seeds
  show how far sklearn's own local optima spread.

Values are read from the real CSVs under datasets/ with Python's csv module and float() (correctly
rounded, like Rust's `str::parse::<f64>`); empty cells (missing values) are dropped.
"""

import csv
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "crates", "data", "tests", "golden", "bgm.json")

COLUMNS = [
    ("ai4i_machine_failure", "Air temperature [K]"),
    ("ai4i_machine_failure", "Rotational speed [rpm]"),
    ("ai4i_machine_failure", "Torque [Nm]"),
    ("adult", "age"),
    ("adult", "hours-per-week"),
    ("adult", "fnlwgt"),
    ("thyroid_sick", "TSH"),
]
KMEANS_SEEDS = [0, 1, 2, 3, 4]
PARAMS = dict(
    n_components=10,
    weight_concentration_prior_type="dirichlet_process",
    weight_concentration_prior=1e-3,
    covariance_type="full",
    max_iter=100,
    tol=1e-3,
    reg_covar=1e-6,
    n_init=1,
    init_params="kmeans",
)
PROBE_QUANTILES = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0]
WEIGHT_THRESHOLD = 0.005  # CTGAN's data_transformer.py


class FixedInitBGM(BayesianGaussianMixture):
    """sklearn's BayesianGaussianMixture with the k-means initialisation replaced by a fixed resp."""

    fixed_resp = None

    def _initialize_parameters(self, X, random_state, xp=None):
        self._initialize(X, self.fixed_resp)


def rank_resp(x, k):
    n = len(x)
    order = np.argsort(x, kind="stable")
    comp = np.empty(n, dtype=np.int64)
    comp[order] = (np.arange(n) * k) // n
    resp = np.zeros((n, k))
    resp[np.arange(n), comp] = 1.0
    return resp


def load(dataset, column):
    """The column as float64, empty cells (missing values) dropped. Python's float() is correctly
    rounded, like Rust's `str::parse::<f64>`, so both sides see bit-identical data."""
    path = os.path.join(ROOT, "datasets", dataset, "train.csv")
    with open(path, newline="") as fh:
        rows = csv.reader(fh)
        idx = next(rows).index(column)
        return np.array([float(r[idx]) for r in rows if r[idx] != ""], dtype=np.float64)


def describe(m, elapsed):
    w = m.weights_
    return {
        "weights": w.tolist(),
        "means": m.means_[:, 0].tolist(),
        "stds": np.sqrt(m.covariances_[:, 0, 0]).tolist(),
        "concentration_alpha": m.weight_concentration_[0].tolist(),
        "concentration_beta": m.weight_concentration_[1].tolist(),
        "mean_precision": m.mean_precision_.tolist(),
        "degrees_of_freedom": m.degrees_of_freedom_.tolist(),
        "lower_bound": float(m.lower_bound_),
        "n_iter": int(m.n_iter_),
        "converged": bool(m.converged_),
        "n_active": int((w > WEIGHT_THRESHOLD).sum()),
        "fit_seconds": elapsed,
    }


def exact_case(name, x, source):
    k = min(PARAMS["n_components"], len(x))
    m = FixedInitBGM(**{**PARAMS, "n_components": k})
    m.fixed_resp = rank_resp(x, k)
    t = time.perf_counter()
    m.fit(x.reshape(-1, 1))
    elapsed = time.perf_counter() - t
    probes = np.quantile(x, PROBE_QUANTILES).tolist()
    sd = float(np.std(x))
    probes += [float(x.min() - sd), float(x.max() + sd)]
    proba = m.predict_proba(np.asarray(probes).reshape(-1, 1))
    case = {
        "name": name,
        "n": len(x),
        "sum": float(np.sum(x)),
        "n_components": k,
        "init": "rank: i-th smallest value -> component floor(i*K/n)",
        "fit": describe(m, elapsed),
        "probes": probes,
        "predict_proba": proba.tolist(),
    }
    case.update(source)
    return case


def main():
    warnings.simplefilter("ignore", ConvergenceWarning)
    golden = {
        "generator": "scripts/golden/bgm_golden.py",
        "sklearn_version": sklearn.__version__,
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "params": {k: v for k, v in PARAMS.items()},
        "weight_threshold": WEIGHT_THRESHOLD,
        "exact": [],
        "kmeans": [],
    }

    # Small synthetic cases for the exact path: fewer rows than components, and fewer distinct
    # values than components (K = 10 > 3 distinct values; the rank init mixes equal values).
    tiny = np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 50.0])
    golden["exact"].append(exact_case("tiny", tiny, {"values": tiny.tolist()}))
    few = np.array([0.0, 1.0, 5.0] * 6 + [5.0, 0.0])
    golden["exact"].append(exact_case("few_distinct", few, {"values": few.tolist()}))

    for dataset, column in COLUMNS:
        x = load(dataset, column)
        print(f"{dataset} / {column}: n={len(x)}, distinct={len(np.unique(x))}", flush=True)
        src = {"dataset": dataset, "column": column}
        case = exact_case(f"{dataset}/{column}", x, src)
        f = case["fit"]
        print(f"  exact: n_iter={f['n_iter']} converged={f['converged']} "
              f"active={f['n_active']} lb={f['lower_bound']:.6f} ({f['fit_seconds']:.2f}s)", flush=True)
        golden["exact"].append(case)

        fits = []
        for seed in KMEANS_SEEDS:
            m = BayesianGaussianMixture(**PARAMS, random_state=seed)
            t = time.perf_counter()
            m.fit(x.reshape(-1, 1))
            d = describe(m, time.perf_counter() - t)
            d["random_state"] = seed
            # Only what the statistical test needs.
            for key in ("concentration_alpha", "concentration_beta", "mean_precision", "degrees_of_freedom"):
                del d[key]
            fits.append(d)
            order = np.argsort(d["weights"])[::-1]
            comps = " ".join(
                f"[w={d['weights'][i]:.3f} mu={d['means'][i]:.2f} sd={d['stds'][i]:.2f}]"
                for i in order if d["weights"][i] > WEIGHT_THRESHOLD
            )
            print(f"  kmeans seed {seed}: n_iter={d['n_iter']} converged={d['converged']} "
                  f"active={d['n_active']} ({d['fit_seconds']:.2f}s) {comps}", flush=True)
        golden["kmeans"].append({
            "dataset": dataset,
            "column": column,
            "n": len(x),
            "sum": float(np.sum(x)),
            "std": float(np.std(x)),
            "fits": fits,
        })

    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(golden, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

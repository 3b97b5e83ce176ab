#!/usr/bin/env python3
"""Golden values for crates/eval/src/metrics.rs, computed once with scikit-learn.

Run:  pip install scikit-learn numpy && python scripts/golden/eval_metrics.py
Writes crates/eval/tests/golden/metrics.json. The Rust tests read that file; they never run Python.

Each case: labels y (0/1, 1 = rare positive class) and scores s; expected values from
  f1_score(y, s > 0.5)                      minority_f1
  f1_score(y, s > 0.5, average='macro')     macro_f1
  roc_auc_score(y, s)                       roc_auc
  average_precision_score(y, s)             pr_auc
  max(recall[precision >= p]) from precision_recall_curve(y, s), p in {0.5, 0.8}
Cases include heavy ties (scores rounded to 1 decimal) and rare positives (5 %).
"""
import json
import pathlib

import numpy as np
import sklearn
from sklearn.metrics import (average_precision_score, f1_score, precision_recall_curve,
                             roc_auc_score)

OUT = pathlib.Path(__file__).resolve().parents[2] / "crates/eval/tests/golden/metrics.json"


def recall_at_precision(y, s, p):
    precision, recall, _ = precision_recall_curve(y, s)
    ok = precision >= p
    return float(recall[ok].max()) if ok.any() else 0.0


def case(name, y, s):
    y = np.asarray(y, dtype=int)
    s = np.asarray(s, dtype=float)
    pred = (s > 0.5).astype(int)
    return {
        "name": name,
        "y": y.tolist(),
        "s": s.tolist(),
        "minority_f1": float(f1_score(y, pred, zero_division=0)),
        "macro_f1": float(f1_score(y, pred, average="macro", zero_division=0)),
        "roc_auc": float(roc_auc_score(y, s)),
        "pr_auc": float(average_precision_score(y, s)),
        "recall_at_precision_0.5": recall_at_precision(y, s, 0.5),
        "recall_at_precision_0.8": recall_at_precision(y, s, 0.8),
    }


def main():
    rng = np.random.default_rng(20240501)
    cases = [case("docs_example", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])]
    for n, rate, decimals in [(50, 0.3, None), (200, 0.05, None), (200, 0.1, 1), (1000, 0.05, 2),
                              (300, 0.2, 1)]:
        y = (rng.random(n) < rate).astype(int)
        y[0], y[1] = 1, 0  # both classes present
        # informative but noisy scores in [0, 1]
        z = rng.normal(size=n) + 1.2 * y
        s = 1.0 / (1.0 + np.exp(-z))
        if decimals is not None:
            s = np.round(s, decimals)
        cases.append(case(f"n{n}_rate{rate}_round{decimals}", y, s))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"sklearn": sklearn.__version__, "cases": cases}) + "\n")
    print(f"wrote {OUT} ({len(cases)} cases)")


if __name__ == "__main__":
    main()

"""Compares synthetic tables with the real held-out rows of a shared tabular set, column by
column and pair by pair, for scripts/reference_quality.sh. Pure numpy (no pandas):

    python quality.py DATASET_DIR TARGET POSITIVE NAME=CSV [NAME=CSV ...] > report.md

A NAME ending in "where" is a conditional sample of the positive class: it is compared only in
the positive-class table.

For each synthetic table, over all rows and over the rows of the positive class:
- share of the positive class;
- per continuous column, the two-sample KS statistic against the real test rows;
- the mean absolute difference between the synthetic and the real Pearson correlation
  matrices of the continuous columns, and the largest single difference with its pair.
"""
import csv
import json
import sys

import numpy as np


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def ks(a, b):
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    fa = np.searchsorted(a, grid, side="right") / len(a)
    fb = np.searchsorted(b, grid, side="right") / len(b)
    return float(np.max(np.abs(fa - fb)))


def matrix(rows, cols):
    out = np.full((len(rows), len(cols)), np.nan)
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            v = r[c]
            if v != "":
                out[i, j] = float(v)
    return out


data_dir, target, positive = sys.argv[1:4]
meta = json.load(open(f"{data_dir}/meta.json"))
cols = meta["continuous"]
real = load(f"{data_dir}/test.csv")
tables = [("real train", load(f"{data_dir}/train.csv"))]
for arg in sys.argv[4:]:
    name, path = arg.split("=", 1)
    tables.append((name, load(path)))


def stats(rows, ref_rows):
    x, r = matrix(rows, cols), matrix(ref_rows, cols)
    ok = ~np.isnan(x).any(1)
    okr = ~np.isnan(r).any(1)
    kss = [ks(x[~np.isnan(x[:, j]), j], r[~np.isnan(r[:, j]), j]) for j in range(len(cols))]
    cx, cr = np.corrcoef(x[ok].T), np.corrcoef(r[okr].T)
    iu = np.triu_indices(len(cols), 1)
    d = np.abs(cx - cr)[iu]
    worst = int(np.argmax(d))
    pair = f"{cols[iu[0][worst]]} / {cols[iu[1][worst]]}: {cx[iu][worst]:+.2f} vs {cr[iu][worst]:+.2f}"
    return kss, float(d.mean()), pair


print(f"Real test rows: {len(real)}; positive class `{target}` = `{positive}`.\n")
for subset in ("all rows", "positive class"):
    ref = real if subset == "all rows" else [r for r in real if r[target] == positive]
    print(f"### {subset} (real test: {len(ref)} rows)\n")
    print("| table | rows | positive share | " + " | ".join(f"KS {c}" for c in cols)
          + " | mean abs corr diff | largest corr diff |")
    print("|---" * (len(cols) + 5) + "|")
    for name, rows in tables:
        if subset == "all rows" and name.endswith("where"):
            continue  # a conditional sample is only compared with the class it was asked for
        sub = rows if subset == "all rows" else [r for r in rows if r[target] == positive]
        if len(sub) < 10:
            print(f"| {name} | {len(sub)} | | " + " | " * len(cols) + " |")
            continue
        share = sum(r[target] == positive for r in rows) / len(rows)
        kss, mad, pair = stats(sub, ref)
        print(f"| {name} | {len(sub)} | {share:.3f} | " + " | ".join(f"{k:.3f}" for k in kss)
              + f" | {mad:.3f} | {pair} |")
    print()

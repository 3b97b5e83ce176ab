#!/usr/bin/env python3
"""Judges the pre-registered noise margin of `augment` on the replicates that did not suggest it.

Reads the published bench results (benches/results/bench-tabular*/<set>/results.json), keeps the
replicates *not* listed in benches/results/preregistered/decline-margin-seen.txt (those finished
before the rule was written down), and writes, per data set and level, the paired test PR-AUC
differences of `augment` (with the margin) against real only, the best oversampler and
`augment (no margin)`, to benches/results/preregistered/decline-margin-results.md. The same
table over every replicate follows, labelled as such: those include the replicates the rule was
designed on.

    python3 scripts/fresh_replicates.py
"""

import json
import math
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
PRE = os.path.join(RESULTS, "preregistered")
BENCHES = ["bench-tabular", "bench-tabular-large"]

AUGMENT = "augment"
NO_MARGIN = "augment (no margin)"
AGAINST = ["real only", "best oversampler", NO_MARGIN]

# Two-sided 97.5 % quantiles of Student's t, 1..30 degrees of freedom (as crates/eval/src/select.rs).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    return T975[df - 1] if df <= 30 else 1.96 + 0.082 * 30 / df


def paired(diffs):
    """`mean [95 % interval] (wins/losses)`, as the bench prints a paired difference."""
    n = len(diffs)
    if n == 0:
        return "n/a"
    mean = sum(diffs) / n
    wins = sum(d > 1e-12 for d in diffs)
    losses = sum(d < -1e-12 for d in diffs)
    if n == 1:
        return f"{mean:+.3f} (1 pair) ({wins}/{losses})"
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return f"{mean:+.3f} [{mean - half:+.3f}, {mean + half:+.3f}] ({wins}/{losses})"


def key(rep):
    level = rep["level"]
    return f"{'all' if level == 'all' else 'N' + str(level)}-r{rep['r']}"


def rows(seen, fresh_only):
    out = []
    for bench in BENCHES:
        base = os.path.join(RESULTS, bench)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name, "results.json")
            if not os.path.isfile(path):
                continue
            with open(path) as f:
                results = json.load(f)
            for level in results["levels"]:
                diffs = {m: [] for m in AGAINST}
                declined, reps = 0, []
                for rp in level["picks"]:
                    k = key(rp["replicate"])
                    if fresh_only and f"{bench}/{name}/{k}" in seen:
                        continue
                    picks = {m: p for m, p in rp["picks"]}
                    if AUGMENT not in picks or NO_MARGIN not in picks:
                        continue
                    reps.append(k.split("-")[1])
                    aug = picks[AUGMENT]
                    declined += aug["arm"]["arm"] == "real"
                    for m in AGAINST:
                        if m in picks:
                            diffs[m].append(aug["test"]["pr_auc"] - picks[m]["test"]["pr_auc"])
                if not reps:
                    continue
                lv = level["summary"]["level"]
                out.append([name, str(lv) if lv != "all" else f"all ({results['n_train_rare']})",
                            " ".join(reps), f"{declined}/{len(reps)}"]
                           + [paired(diffs[m]) for m in AGAINST])
    return out


def table(body):
    head = ["data set", "rare rows", "replicates", "augment declined",
            "augment − real only", "augment − best oversampler", "augment − augment (no margin)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def main():
    with open(os.path.join(PRE, "decline-margin-seen.txt")) as f:
        seen = {line.strip() for line in f if line.strip()}
    fresh = rows(seen, True)
    every = rows(seen, False)
    text = f"""# The pre-registered noise margin, judged on fresh replicates

Rule and plan: [decline-margin.md](decline-margin.md). Written by `scripts/fresh_replicates.py`
from the published `results.json` files. PR-AUC on the real test split; each difference is
`augment` (with the margin recorded as `decline_margin` in each results.json, 1 by default)
minus the other method on the same replicate: mean [95 % t-interval] (wins/losses). `augment declined`: replicates on which `augment` kept the real rows.

## Fresh replicates (finished after the rule was written down)

{table(fresh) if fresh else "No fresh replicate has finished yet."}

## Every replicate (includes those that suggested the rule: not a test of it)

{table(every)}
"""
    out = os.path.join(PRE, "decline-margin-results.md")
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out)
    print(f"wrote {out}: {len(fresh)} fresh rows, {len(every)} in all", file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Judges the pre-registered rules on the replicates that did not suggest them.

For each pre-registration in benches/results/preregistered/ (the noise margin of `augment`,
decline-margin.md; the curated, weighted menu, curated-weighted.md), reads the published bench
results (benches/results/bench-tabular*/<set>/results.json), keeps the replicates *not* listed in
its `<name>-seen.txt` (those finished before the rule was written down), and writes, per data set
and level, the paired test PR-AUC differences of the rule's method against the methods it is
judged against, to `<name>-results.md`. The same table over every replicate follows, labelled as
such: those include the replicates the rule was designed on.

    python3 scripts/fresh_replicates.py
"""

import json
import math
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
PRE = os.path.join(RESULTS, "preregistered")
# bench-tabular-scarce shares bench-tabular's runs (configs/bench-tabular-scarce.toml): its results
# repeat bench-tabular's replicates r0-r4, which are counted once, under bench-tabular.
BENCHES = ["bench-tabular", "bench-tabular-large", "bench-tabular-scarce"]

# (name, method judged, methods it is compared with, what the rule is)
RULES = [
    ("decline-margin", "augment", ["real only", "best oversampler", "augment (no margin)"],
     "`augment` with the noise margin (`decline_margin` in each results.json, 1 by default)"),
    ("curated-weighted", "augment (curated, weighted)",
     ["real only", "best oversampler", "augment"],
     "`augment (curated, weighted)`: `augment`'s rule among the curated arms with a weight "
     "below 1"),
]

# Two-sided 97.5 % quantiles of Student's t, 1..30 degrees of freedom (as crates/eval/src/select.rs).
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def t975(df):
    return T975[df - 1] if df <= 30 else 1.96 + 0.082 * 30 / df


def interval(diffs):
    """(mean, half-width of the 95 % t-interval) of two or more paired differences."""
    n = len(diffs)
    mean = sum(diffs) / n
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / (n - 1))
    return mean, t975(n - 1) * sd / math.sqrt(n)


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
    mean, half = interval(diffs)
    return f"{mean:+.3f} [{mean - half:+.3f}, {mean + half:+.3f}] ({wins}/{losses})"


def key(rep):
    level = rep["level"]
    return f"{'all' if level == 'all' else 'N' + str(level)}-r{rep['r']}"


def published():
    """(bench, data set, its results.json) for every published bench, in BENCHES order."""
    for bench in BENCHES:
        base = os.path.join(RESULTS, bench)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            path = os.path.join(base, name, "results.json")
            if os.path.isfile(path):
                with open(path) as f:
                    yield bench, name, json.load(f)


def rows(seen, fresh_only, method, against):
    groups = {}       # (data set, level) -> {"label", "reps", "declined", "diffs"}, in bench order
    counted = set()   # (data set, replicate) already taken from an earlier bench
    for bench, name, results in published():
        for level in results["levels"]:
            lv = level["summary"]["level"]
            g = groups.setdefault((name, str(lv)), {
                "label": str(lv) if lv != "all" else f"all ({results['n_train_rare']})",
                "reps": [], "declined": 0, "diffs": {m: [] for m in against}})
            for rp in level["picks"]:
                k = key(rp["replicate"])
                if (name, k) in counted:
                    continue
                counted.add((name, k))
                if fresh_only and f"{bench}/{name}/{k}" in seen:
                    continue
                picks = {m: p for m, p in rp["picks"]}
                if method not in picks:
                    continue
                g["reps"].append(k.split("-")[1])
                aug = picks[method]
                g["declined"] += aug["arm"]["arm"] == "real"
                for m in against:
                    if m in picks:
                        g["diffs"][m].append(aug["test"]["pr_auc"] - picks[m]["test"]["pr_auc"])
    return [[name, g["label"], " ".join(g["reps"]), f"{g['declined']}/{len(g['reps'])}"]
            + [paired(g["diffs"][m]) for m in against]
            for (name, _), g in groups.items() if g["reps"]]


def table(body, against):
    head = ["data set", "rare rows", "replicates", "declined"] + [f"− {m}" for m in against]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def write_result(name, text, fresh, every):
    """Writes `text` to preregistered/`name` atomically and says so."""
    out = os.path.join(PRE, name)
    with open(out + ".tmp", "w") as f:
        f.write(text)
    os.replace(out + ".tmp", out)
    print(f"wrote {out}: {fresh} fresh rows, {every} in all", file=sys.stderr)


def main():
    for name, method, against, what in RULES:
        with open(os.path.join(PRE, f"{name}-seen.txt")) as f:
            seen = {line.strip() for line in f if line.strip()}
        fresh = rows(seen, True, method, against)
        every = rows(seen, False, method, against)
        text = f"""# The pre-registered rule `{name}`, judged on fresh replicates

Rule and plan: [{name}.md]({name}.md). Written by `scripts/fresh_replicates.py` from the
published `results.json` files. PR-AUC on the real test split; each difference is {what}, minus
the named method on the same replicate: mean [95 % t-interval] (wins/losses). `declined`:
replicates on which it kept the real rows.

## Fresh replicates (finished after the rule was written down)

{table(fresh, against) if fresh else "No fresh replicate has finished yet."}

## Every replicate (includes those that suggested the rule: not a test of it)

{table(every, against) if every else "None yet."}
"""
        write_result(f"{name}-results.md", text, len(fresh), len(every))


if __name__ == "__main__":
    main()

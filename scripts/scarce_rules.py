#!/usr/bin/env python3
"""Judges the three pre-registered rules of benches/results/preregistered/scarce-rules.md.

For every published replicate of the tabular benches at 100 rare rows or fewer
(benches/results/bench-tabular*/<set>/cells/<replicate>/stage-{validation,test}.json), computes
  1. `augment (K margin)`: the best generator arm on validation when it beats the real rows by more
     than sqrt(2 ln K) sampling errors sqrt(AP (1 - AP) / n) of their validation PR-AUC (K the
     generator arms run), the real rows otherwise;
  2. `tabddpm menu`: the same among the TabDDPM T = 100 arms with weight 0.5 and condition force;
  3. `tabddpm fixed`: always the arm tabddpm-t100, ratio 5, weight 0.5, no filter, force;
and compares each on the real test split with `real only`, `best oversampler` and `augment` as the
bench picked them (the replicate's `picks` in results.json). Fresh replicates (not listed in
scarce-rules-seen.txt) come first; the same table over every replicate follows, labelled as such.
Writes benches/results/preregistered/scarce-rules-results.md.

    python3 scripts/scarce_rules.py
"""

import json
import math
import os

from fresh_replicates import BENCHES, key, paired, published, write_result

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
PRE = os.path.join(RESULTS, "preregistered")
CLASSIFIER = "gbt"
TIE = 1e-12
AGAINST = ["real only", "best oversampler", "augment"]
FIXED = {"arm": "augment", "source": {"generator": "tabddpm-t100"}, "ratio": 5.0,
         "filter": False, "weight": 0.5, "condition": "force"}


def noise(ap, rare):
    return math.sqrt(ap * (1 - ap) / max(rare, 1))


def best(runs):
    """The highest validation PR-AUC, first in file order on ties (as eval::select::pick)."""
    out = None
    for r in runs:
        if out is None or r["metrics"]["pr_auc"] > out["metrics"]["pr_auc"] + TIE:
            out = r
    return out


def is_tabddpm_menu(arm):
    src = arm.get("source")
    return (arm["arm"] == "augment" and isinstance(src, dict)
            and src.get("generator") == "tabddpm-t100" and arm["weight"] == 0.5
            and arm["condition"] == "force")


def margin_rule(stage, candidate):
    runs = [r for r in stage["runs"] if r["classifier"] == CLASSIFIER]
    real = next(r for r in runs if r["arm"]["arm"] == "real")
    arms = [r for r in runs if r["arm"]["arm"] == "augment" and candidate(r["arm"])]
    if not arms:
        return real["arm"]
    top = best(arms)
    ap = real["metrics"]["pr_auc"]
    needed = max(math.sqrt(2 * math.log(len(arms))) * noise(ap, stage["n_eval_rare"]), TIE)
    return top["arm"] if top["metrics"]["pr_auc"] > ap + needed else real["arm"]


RULES = [
    ("augment (K margin)", lambda v: margin_rule(v, lambda a: True)),
    ("tabddpm menu", lambda v: margin_rule(v, is_tabddpm_menu)),
    ("tabddpm fixed", lambda v: FIXED),
]


def test_score(test, arm):
    """The arm's test PR-AUC, or None when the replicate did not run it (a bench without that
    generator or ratio: the fixed arm is then not defined)."""
    for r in test["runs"]:
        if r["classifier"] == CLASSIFIER and r["arm"] == arm:
            return r["metrics"]["pr_auc"]
    return None


def replicates():
    """(set, level, replicate key, seen name, validation stage, test stage, bench picks)."""
    found = {}
    for _, name, results in published():
        for level in results["levels"]:
            lv = level["summary"]["level"]
            if lv == "all" or lv > 100:
                continue
            for rp in level["picks"]:
                k = key(rp["replicate"])
                if (name, k) in found:
                    continue
                # The cells may be published under either bench; `seen` names them by it.
                where = next((b for b in BENCHES if os.path.isfile(
                    os.path.join(RESULTS, b, name, "cells", k, "stage-test.json"))), None)
                if where is None:
                    continue
                cells = os.path.join(RESULTS, where, name, "cells", k)
                with open(os.path.join(cells, "stage-validation.json")) as f:
                    val = json.load(f)
                with open(os.path.join(cells, "stage-test.json")) as f:
                    test = json.load(f)
                seen_as = f"{where}/{name}/{k}"
                found[(name, k)] = (name, lv, k, seen_as, val, test,
                                    {m: p for m, p in rp["picks"]})
    return sorted(found.values(), key=lambda x: (x[0], x[1], x[2]))


def rows(reps, seen, fresh_only):
    out = []
    groups = {}
    for name, lv, k, seen_as, val, test, picks in reps:
        if fresh_only and seen_as in seen:
            continue
        groups.setdefault((name, lv), []).append((k, val, test, picks))
    for (name, lv), items in sorted(groups.items()):
        for rule, choose in RULES:
            diffs = {m: [] for m in AGAINST}
            declined, used = 0, []
            for k, val, test, picks in items:
                arm = choose(val)
                score = test_score(test, arm)
                if score is None:
                    continue
                used.append(k.split("-")[1])
                declined += arm["arm"] == "real"
                for m in AGAINST:
                    if m in picks:
                        diffs[m].append(score - picks[m]["test"]["pr_auc"])
            if not used:
                continue
            out.append([name, str(lv), rule, " ".join(used), f"{declined}/{len(used)}"]
                       + [paired(diffs[m]) for m in AGAINST])
    return out


def table(body):
    head = ["data set", "rare rows", "rule", "replicates", "kept the real rows"] + [
        f"− {m}" for m in AGAINST]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def main():
    with open(os.path.join(PRE, "scarce-rules-seen.txt")) as f:
        seen = {line.strip() for line in f if line.strip()}
    reps = replicates()
    fresh = rows(reps, seen, True)
    every = rows(reps, seen, False)
    text = f"""# The pre-registered scarce-level rules, judged on fresh replicates

Rules and plan: [scarce-rules.md](scarce-rules.md). Written by `scripts/scarce_rules.py` from the
published stage files (`cells/<replicate>/stage-validation.json` chooses, `stage-test.json`
scores) and the bench's own picks (`results.json`) for the methods compared with. PR-AUC on the
real test split, first classifier; each difference is the rule's arm minus the named method on
the same replicate: mean [95 % t-interval] (wins/losses). `kept the real rows`: replicates on
which the rule chose the real rows (never, for the fixed arm).

## Fresh replicates (started after the rules were written down)

{table(fresh) if fresh else "No fresh replicate has finished yet."}

## Every replicate (includes those that suggested the rules: not a test of them)

{table(every) if every else "None yet."}
"""
    write_result("scarce-rules-results.md", text, len(fresh), len(every))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""`committee (margin 0)` (preregistered/committee-margin0.md): the best committee arm on
validation, kept only when it beats the real rows' validation PR-AUC at all.

Reads the published committee benches (benches/results/bench-committee*/: results.json for the
bench's picks, cells/<replicate>/stage-{validation,test}.json for every arm's scores), applies the
rule as `eval::select::pick_over_real` does with margin 0 (the first committee arm of highest
validation PR-AUC, ties within 1e-12 going to the earlier arm; kept when above the real rows by
more than 1e-12) and writes to benches/results/preregistered/:

- committee-margin0-exploration.md: every replicate computed before the rule was written down
  (all but adult and bank_marketing r5 and later), which suggested it;
- committee-margin0-results.md: the fresh replicates (adult and bank_marketing r5 and later) with
  the pre-registered criteria computed.

    python3 scripts/committee_margin0.py
"""

import json
import os

from committee_rule import CLASSIFIER, PRE, RESULTS, bench_replicates, label, table
from fresh_replicates import interval, paired, write_result

BENCHES = ["bench-committee", "bench-committee-large", "bench-committee-full",
           "bench-committee-full-large"]
TIE = 1e-12
RULE = "committee (margin 0)"
AGAINST = ["real only", "best oversampler", "plain generator", "augment", "committee",
           "committee (margin)", "oversampler committee"]
FRESH_SETS = {"adult", "bank_marketing"}
FRESH_FROM = 5


def margin0(bench_dir, name, key, scores):
    """The rule's test PR-AUC on one replicate, and whether it kept the committee."""
    with open(os.path.join(bench_dir, name, "cells", key, "stage-validation.json")) as f:
        runs = [r for r in json.load(f)["runs"] if r["classifier"] == CLASSIFIER]
    real = next(r for r in runs if r["arm"]["arm"] == "real")["metrics"]["pr_auc"]
    best = None
    for r in runs:
        if r["arm"]["arm"] == "committee" and (
                best is None or r["metrics"]["pr_auc"] > best["metrics"]["pr_auc"] + TIE):
            best = r
    if best is not None and best["metrics"]["pr_auc"] > real + TIE:
        return scores[label(best["arm"])], True
    return scores["real only"], False


def replicates():
    """(set, level, replicate key, rule's test PR-AUC, kept, the bench's picks)."""
    out = []
    for b in BENCHES:
        d = os.path.join(RESULTS, b)
        if not os.path.isdir(d):
            continue
        for name, lv, k, picks, scores, _ in bench_replicates(d):
            if "committee" not in picks:
                continue
            mine, kept = margin0(d, name, k, scores)
            out.append((name, str(lv), k, mine, kept, picks))
    return sorted(out, key=lambda x: (x[0], level_order(x[1]), x[2]))


def level_order(lv):
    """25, 50, 100, 200, then all."""
    return int(lv) if lv.isdigit() else 10 ** 9


def fresh(r):
    return r[0] in FRESH_SETS and int(r[2].split("-r")[1]) >= FRESH_FROM


def rows(reps):
    groups = {}
    for r in reps:
        groups.setdefault((r[0], r[1]), []).append(r)
    out = []
    for (name, lv), rs in sorted(groups.items(), key=lambda kv: (kv[0][0], level_order(kv[0][1]))):
        cells = []
        for a in AGAINST:
            d = [r[3] - r[5][a]["test"]["pr_auc"] for r in rs if a in r[5]]
            cells.append(paired(d))
        kept = sum(r[4] for r in rs)
        out.append([name, lv, " ".join(r[2].split("-")[1] for r in rs), f"{kept}/{len(rs)}"] + cells)
    return out


def criteria(reps):
    out = []
    for name in sorted({r[0] for r in reps}):
        mine = [r for r in reps if r[0] == name]
        mean = lambda v: sum(v) / len(v) if v else float("nan")

        def diffs(lv, a):
            return [r[3] - r[5][a]["test"]["pr_auc"] for r in mine if r[1] == lv and a in r[5]]

        scarce = [lv for lv in ("50", "200")
                  if mean(diffs(lv, "best oversampler")) > 0 and mean(diffs(lv, "plain generator")) > 0]
        levels = [lv for lv in ("50", "200") if diffs(lv, "best oversampler")]
        full = diffs("all", "real only")
        if len(full) > 1:
            m, h = interval(full)
            safe = "not met" if m + h < 0 else "met"
            safety = f"{safe}: {m:+.3f} [{m - h:+.3f}, {m + h:+.3f}] ({len(full)} replicates)"
        elif full:
            safety = f"one replicate: {full[0]:+.3f} (no interval)"
        else:
            safety = "no replicate yet"
        target = (f"{'met' if len(scarce) == 2 else 'not met'}: {len(scarce)} of {len(levels)} "
                  f"finished levels ({' '.join(scarce) or 'none'})")
        out.append([name, target, safety])
    return table(["data set", "target (> best oversampler and > plain generator at 50 and 200)",
                  "safety at all (rule − real only)"], out)


def section(reps):
    head = ["data set", "rare rows", "replicates", "kept the committee"] + [f"− {a}" for a in AGAINST]
    return table(head, rows(reps)) if reps else "None yet."


def main():
    reps = replicates()
    seen = [r for r in reps if not fresh(r)]
    new = [r for r in reps if fresh(r)]
    head = f"""Written by `scripts/committee_margin0.py`. The rule's test PR-AUC (boosted trees, real test
split) minus each method's on the same replicate: mean [95 % t-interval] (wins/losses). `kept the
committee`: replicates on which the committee beat the real rows on validation."""
    write_result("committee-margin0-exploration.md", f"""# `{RULE}` on the replicates that suggested it (not a test of it)

{head}

{section(seen)}
""", len(seen), len(reps))
    write_result("committee-margin0-results.md", f"""# `{RULE}`, judged on fresh replicates

Rule, criteria and plan: [committee-margin0.md](committee-margin0.md). {head}

## Fresh replicates (adult and bank_marketing r5 and later)

{section(new)}

### The pre-registered criteria on them

{criteria(new) if new else "None yet."}
""", len(new), len(reps))


if __name__ == "__main__":
    main()

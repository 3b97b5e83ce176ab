#!/usr/bin/env python3
"""The committee arms (configs/bench-committee.toml) on the scarce levels of ai4i and thyroid_sick.

Reads the published stages of benches/results/bench-committee/<set>/ (results.json: every
method's pick per replicate, chosen on validation and scored on the real test split;
cells/<replicate>/stage-test.json: every arm's test score) and writes, to
benches/results/preregistered/:

- committee-exploration.md, over the replicates listed in committee-seen.txt (those that
  existed when the committee was first run, before its rules were written down; every
  replicate when that list does not exist yet): each method against real only, the best
  oversampler, the plain generator arm and augment, per set and level; and each *fixed* arm's
  mean test difference to the real rows per set (pooled over the levels), committees and their
  controls (oversampler committees, bagged real rows) side by side.
- committee-results.md, once committee.md (the pre-registration) exists: its rules on the
  replicates not in committee-seen.txt, and the same over every replicate, labelled as such.

    python3 scripts/committee_rule.py
"""

import json
import os

from fresh_replicates import interval, key, paired, write_result

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
# The committee benches: the small sets' scarce levels, and the large sets' (committee-large.md).
BENCH_DIRS = [os.path.join(RESULTS, "bench-committee"),
              os.path.join(RESULTS, "bench-committee-large")]
PRE = os.path.join(RESULTS, "preregistered")
CLASSIFIER = "gbt"
METHODS = ["committee", "committee (margin)", "oversampler committee", "bagged real"]
AGAINST = ["real only", "best oversampler", "plain generator", "augment"]
# committee.md's rules and what they are judged against.
RULES = ["committee", "committee (margin)", "committee fixed"]
RULES_AGAINST = AGAINST + ["oversampler committee", "bagged real"]
FIXED = "committee ×5.0 filter w0.5"


def label(a):
    k = a["arm"]
    if k == "real":
        return "real only"
    if k == "bagged_real":
        return f"bagged real ×{a['members']}"
    if k == "oversample":
        r = a["ratio"]
        return f"{a['method']['method']} ×{'auto' if r is None else r}"
    if k == "tstr":
        return f"TSTR {a['generator']}"
    if k == "oversample_committee":
        return f"oversampler committee ×{a['ratio']}"
    name = "committee" if k == "committee" else (
        a["source"]["generator"] if isinstance(a["source"], dict) else a["source"])
    s = f"{name} ×{a['ratio']}"
    if a.get("filter"):
        s += " filter"
    if a.get("weight", 1.0) != 1.0:
        s += f" w{a['weight']}"
    if a.get("condition") == "reject":
        s += " reject"
    return s


def replicates():
    """(set, level, key, picks by method, test scores by arm label)."""
    out = []
    for bench in BENCH_DIRS:
        if os.path.isdir(bench):
            out += bench_replicates(bench)
    return sorted(out, key=lambda x: (x[0], x[1], x[2]))


def bench_replicates(bench):
    out = []
    for name in sorted(os.listdir(bench)):
        path = os.path.join(bench, name, "results.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            results = json.load(f)
        for level in results["levels"]:
            lv = level["summary"]["level"]
            for rp in level["picks"]:
                k = key(rp["replicate"])
                with open(os.path.join(bench, name, "cells", k, "stage-test.json")) as f:
                    test = json.load(f)
                scores = {label(r["arm"]): r["metrics"]["pr_auc"]
                          for r in test["runs"] if r["classifier"] == CLASSIFIER}
                arms = {label(r["arm"]): r["arm"]
                        for r in test["runs"] if r["classifier"] == CLASSIFIER}
                out.append((name, lv, k, {m: p for m, p in rp["picks"]}, scores, arms))
    return out


def score(method, picks, scores):
    """A method's test PR-AUC on a replicate: its pick's, or the fixed arm's (None if absent)."""
    if method == "committee fixed":
        return scores.get(FIXED)
    return picks[method]["test"]["pr_auc"] if method in picks else None


def method_rows(reps, methods, against=AGAINST):
    groups = {}
    for name, lv, k, picks, scores, _ in reps:
        groups.setdefault((name, lv), []).append((k, picks, scores))
    out = []
    for (name, lv), items in sorted(groups.items()):
        for m in methods:
            diffs = {a: [] for a in against}
            used = []
            for k, picks, scores in items:
                mine = score(m, picks, scores)
                if mine is None:
                    continue
                used.append(k.split("-")[1])
                for a in against:
                    if a in picks:
                        diffs[a].append(mine - picks[a]["test"]["pr_auc"])
            if used:
                out.append([name, str(lv), m, " ".join(used)] + [paired(diffs[a]) for a in against])
    return out


def pooled_rows(reps, methods, against):
    """Per set, levels pooled: each rule against each method."""
    out = []
    for name in sorted({r[0] for r in reps}):
        for m in methods:
            diffs = {a: [] for a in against}
            n = 0
            for n_, _, _, picks, scores, _ in reps:
                mine = score(m, picks, scores) if n_ == name else None
                if mine is None:
                    continue
                n += 1
                for a in against:
                    if a in picks:
                        diffs[a].append(mine - picks[a]["test"]["pr_auc"])
            if n:
                out.append([name, "pooled", m, str(n)] + [paired(diffs[a]) for a in against])
    return out


def fixed_rows(reps):
    """Per set, every averaged arm and every oversampler arm: mean test difference to the real
    rows over the replicates and levels given, best first."""
    out = []
    sets = sorted({r[0] for r in reps})
    for name in sets:
        diffs = {}
        for n, _, _, _, scores, arms in reps:
            if n != name:
                continue
            for lab, s in scores.items():
                kind = arms[lab]["arm"]
                if kind in ("committee", "oversample_committee", "bagged_real", "oversample"):
                    diffs.setdefault(lab, []).append(s - scores["real only"])
        ranked = sorted(diffs.items(), key=lambda kv: -sum(kv[1]) / len(kv[1]))
        for lab, d in ranked[:12]:
            out.append([name, lab, str(len(d)), paired(d)])
        for lab, d in ranked:
            if lab.startswith("bagged"):
                out.append([name, lab, str(len(d)), paired(d)])
    return out


def table(head, body):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines)


def mean_diffs(rs, method, against):
    """Per level (and "pooled"), the rule's test PR-AUC minus `against`'s, one value per
    replicate."""
    out = {}
    for _, lv, _, picks, scores, _ in rs:
        mine = score(method, picks, scores)
        if mine is None or against not in picks:
            continue
        d = mine - picks[against]["test"]["pr_auc"]
        out.setdefault(lv, []).append(d)
        out.setdefault("pooled", []).append(d)
    return out


def criteria(rs):
    """committee.md's three criteria per set and rule, computed from the fresh replicates."""
    rows = []
    for name in sorted({r[0] for r in rs}):
        mine = [r for r in rs if r[0] == name]
        levels = sorted({r[1] for r in mine})
        needed = 2 if len(levels) >= 2 else 1
        for rule in RULES:
            over = mean_diffs(mine, rule, "best oversampler")
            plain = mean_diffs(mine, rule, "plain generator")
            if not over:
                continue
            avg = lambda v: sum(v) / len(v)
            both = [lv for lv in levels if lv in over and lv in plain
                    and avg(over[lv]) > 0 and avg(plain[lv]) > 0]
            oc = mean_diffs(mine, rule, "oversampler committee").get("pooled", [])
            real = mean_diffs(mine, rule, "real only")
            below = []
            for lv in levels:
                v = real.get(lv, [])
                if len(v) > 1 and sum(interval(v)) < 0:   # the interval's upper end
                    below.append(str(lv))
            target = f"{'met' if len(both) >= needed else 'not met'}: " \
                     f"{len(both)} of {len(levels)} levels ({' '.join(map(str, both)) or 'none'})"
            rows_matter = (f"{'met' if oc and avg(oc) > 0 else 'not met'}: {avg(oc):+.3f}"
                           if oc else "n/a")
            safety = "met" if not below else f"not met at {' '.join(below)}"
            rows.append([name, rule, target, rows_matter, safety])
    head = ["data set", "rule", "target (> best oversampler and > plain generator, on average, "
            f"at 2 levels or more)", "the rows matter (> oversampler committee, pooled)",
            "safety (no level's interval vs real only below 0)"]
    return table(head, rows)


def method_table(body, against=AGAINST):
    return table(["data set", "rare rows", "method", "replicates"] + [f"− {a}" for a in against],
                 body)


def main():
    reps = replicates()
    seen_path = os.path.join(PRE, "committee-seen.txt")
    seen = None
    if os.path.isfile(seen_path):
        with open(seen_path) as f:
            seen = {line.strip() for line in f if line.strip()}
    small = {"ai4i", "thyroid_sick"}   # committee-large.md's sets are all fresh
    explored = [r for r in reps
                if r[0] in small and (seen is None or f"{r[0]}/{r[2]}" in seen)
                and "committee" in r[3]]
    listed = "; ".join(
        f"{name}: " + " ".join(sorted(r[2] for r in explored if r[0] == name))
        for name in sorted({r[0] for r in explored}))
    text = f"""# The committee arms, exploration (replicates that suggest rules, not a test of them)

Written by `scripts/committee_rule.py` from `benches/results/bench-committee/` (the stages of
`configs/bench-committee.toml`, run by `scripts/committee_stages.sh` on the finished replicates of
the scarce bench: same splits, generators and samples, the committee arms and their controls
added). PR-AUC on the real test split, boosted trees; differences are paired by replicate: mean
[95 % t-interval] (wins/losses).

Replicates explored (the others of `committee-seen.txt` kept the scarce bench's stages, without
committee arms, to leave the two cores to the fresh replicates): {listed or "none"}.

## Methods (each chosen on validation), per set and level

{method_table(method_rows(explored, METHODS)) if explored else "None yet."}

## Fixed arms: test PR-AUC minus the real rows', pooled over the levels (chosen on test: a lead, not a result)

The twelve best averaged or oversampler arms per set, then the bagged real rows.

{table(["data set", "arm", "replicates", "− real only"], fixed_rows(explored)) if explored else "None yet."}
"""
    write_result("committee-exploration.md", text, len(explored), len(reps))
    if not os.path.isfile(os.path.join(PRE, "committee.md")) or seen is None:
        return
    fresh = [r for r in reps if f"{r[0]}/{r[2]}" not in seen]

    def section(rs):
        if not rs:
            return "No fresh replicate has finished yet."
        return method_table(method_rows(rs, RULES, RULES_AGAINST)
                            + pooled_rows(rs, RULES, RULES_AGAINST), RULES_AGAINST)

    text = f"""# The pre-registered committee rules, judged on fresh replicates

Rules, criteria and plan: [committee.md](committee.md) (ai4i, thyroid_sick) and
[committee-large.md](committee-large.md) (adult, bank_marketing, where the fixed arm's ratio 5 is
not in the menu). Written by `scripts/committee_rule.py`.
PR-AUC on the real test split, boosted trees; each difference is the rule's pick (for
`committee fixed`, the arm `{FIXED}`) minus the named method's on the same replicate: mean
[95 % t-interval] (wins/losses); `pooled` rows pool a set's levels.

## Fresh replicates (finished after the rules were written down)

{section(fresh)}

### The pre-registered criteria on them

{criteria(fresh) if fresh else "None yet."}

## Every replicate (includes those that suggested the rules: not a test of them)

{section(reps)}
"""
    write_result("committee-results.md", text, len(fresh), len(reps))


if __name__ == "__main__":
    main()

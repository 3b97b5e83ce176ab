#!/usr/bin/env python3
"""The ceiling of any selection rule: the best *fixed* arm per level, judged on test.

For each data set and scarcity level of the published benches, every arm the test stage trained
(real only, each oversampler and ratio, each generator arm) is compared with real only on the
same replicates: mean paired test PR-AUC difference and wins/losses. The arm with the largest
mean is an oracle — it is chosen on test, across replicates — so it is not a result; it bounds
what any rule that picks one arm in advance could have gained. If even that arm does not beat
real only, no validation rule can make augmentation win at that level: the rows themselves would
have to get better. Writes benches/results/arm-ceiling.md.

    python3 scripts/arm_ceiling.py
"""

import json
import os
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
BENCHES = ["bench-tabular", "bench-tabular-large"]


def name(arm):
    kind = arm["arm"]
    if kind == "real":
        return "real"
    if kind == "oversample":
        m = arm["method"]["method"]
        r = arm.get("ratio")
        return f"{m}@{'auto' if r is None else r}"
    if kind == "augment":
        src = arm["source"]
        s = src if isinstance(src, str) else src["generator"]
        extra = ("+filter" if arm["filter"] else "") + (
            f"+w{arm['weight']}" if arm["weight"] != 1.0 else "") + (
            "+reject" if arm["condition"] == "reject" else "")
        return f"{s}@{arm['ratio']}{extra}"
    return kind


def family(arm):
    return {"real": "real", "oversample": "oversampler", "augment": "generator"}.get(
        arm["arm"], "other")


def main():
    out = ["# The best fixed arm per level, chosen on test (an oracle bound, not a result)", "",
           "Written by `scripts/arm_ceiling.py` from each published replicate's test stage "
           "(`cells/<replicate>/stage-test.json`, the first classifier). For each arm: its "
           "test PR-AUC minus real only's on the same replicates, mean over the replicates "
           "(wins/losses). The best arm of each family is picked *on test* across the "
           "replicates, so it bounds what a rule fixing one arm in advance could gain; it is "
           "not a result. `generator arms above real`: the share of generator arms whose mean "
           "difference is positive.", "",
           "| data set | rare rows | replicates | best generator arm | Δ vs real | best "
           "oversampler arm | Δ vs real | generator arms above real |",
           "|---|---|---|---|---|---|---|---|"]
    for bench in BENCHES:
        base = os.path.join(RESULTS, bench)
        if not os.path.isdir(base):
            continue
        for ds in sorted(os.listdir(base)):
            cells = os.path.join(base, ds, "cells")
            if not os.path.isdir(cells):
                continue
            levels = defaultdict(list)
            for rep in sorted(os.listdir(cells)):
                path = os.path.join(cells, rep, "stage-test.json")
                if os.path.isfile(path):
                    levels[rep.split("-r")[0]].append(path)
            order = sorted(levels, key=lambda l: (l == "all", int(l[1:]) if l != "all" else 0))
            for level in order:
                diffs = defaultdict(list)
                kinds = {}
                for path in levels[level]:
                    with open(path) as f:
                        stage = json.load(f)
                    clf = stage["runs"][0]["classifier"]
                    runs = [r for r in stage["runs"] if r["classifier"] == clf]
                    real = next(r["metrics"]["pr_auc"] for r in runs if r["arm"]["arm"] == "real")
                    for r in runs:
                        fam = family(r["arm"])
                        if fam in ("generator", "oversampler"):
                            n = name(r["arm"])
                            kinds[n] = fam
                            diffs[n].append(r["metrics"]["pr_auc"] - real)
                n_reps = len(levels[level])
                full = {n: d for n, d in diffs.items() if len(d) == n_reps}

                def best(fam):
                    cands = [(sum(d) / len(d), n) for n, d in full.items() if kinds[n] == fam]
                    if not cands:
                        return "n/a", "n/a"
                    mean, n = max(cands)
                    d = full[n]
                    w = sum(x > 1e-12 for x in d)
                    lo = sum(x < -1e-12 for x in d)
                    return f"`{n}`", f"{mean:+.3f} ({w}/{lo})"

                gens = [sum(d) / len(d) for n, d in full.items() if kinds[n] == "generator"]
                above = sum(m > 0 for m in gens)
                g_arm, g_d = best("generator")
                o_arm, o_d = best("oversampler")
                out.append(f"| {ds} | {level.lstrip('N')} | {n_reps} | {g_arm} | {g_d} | "
                           f"{o_arm} | {o_d} | {above}/{len(gens)} |")
    path = os.path.join(RESULTS, "arm-ceiling.md")
    with open(path + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(path + ".tmp", path)
    print("\n".join(out[6:]))


if __name__ == "__main__":
    main()

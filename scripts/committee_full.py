#!/usr/bin/env python3
"""The committee rules on the full training data (preregistered/committee-full.md).

Reads the published stages of benches/results/bench-committee-full/ and
bench-committee-full-large/ (level "all" of the four sets, re-run by
`FULL=1 [LARGE=1] scripts/committee_stages.sh` with the committee arms added) and writes
benches/results/preregistered/committee-full-results.md: each rule against every method per set,
and the pre-registered safety clause (the 95 % t-interval of rule − real only not entirely below
0 on any set). No committee arm had been computed on these replicates when the rules and the
clause were written down, so every replicate counts as fresh.

    python3 scripts/committee_full.py
"""

import os

from committee_rule import (PRE, RESULTS, RULES, RULES_AGAINST, bench_replicates, mean_diffs,
                            method_table, method_rows, table)
from fresh_replicates import interval, write_result

BENCH_DIRS = [os.path.join(RESULTS, "bench-committee-full"),
              os.path.join(RESULTS, "bench-committee-full-large")]


def safety(reps):
    """Per set and rule: the interval of rule − real only, and whether it lies below 0."""
    rows, failed = [], set()
    for name in sorted({r[0] for r in reps}):
        mine = [r for r in reps if r[0] == name]
        for rule in RULES:
            v = mean_diffs(mine, rule, "real only").get("pooled", [])
            if len(v) < 2:
                continue
            mean, half = interval(v)
            below = mean + half < 0
            if below:
                failed.add(rule)
            rows.append([name, rule, str(len(v)), f"{mean:+.3f} [{mean - half:+.3f}, {mean + half:+.3f}]",
                         "not met: below real only beyond noise" if below else "met"])
    return rows, failed


def main():
    reps = []
    for bench in BENCH_DIRS:
        if os.path.isdir(bench):
            reps += bench_replicates(bench)
    reps.sort(key=lambda x: (x[0], str(x[1]), x[2]))
    rows, failed = safety(reps)
    sets = sorted({r[0] for r in reps})
    verdicts = "\n".join(
        f"- `{rule}`: " + ("**fails** the clause (below real only beyond noise on "
                           + ", ".join(r[0] for r in rows if r[1] == rule and r[4] != "met") + ")"
                           if rule in failed else
                           f"passes the clause on every finished set ({', '.join(r[0] for r in rows if r[1] == rule)})")
        for rule in RULES if any(r[1] == rule for r in rows))
    text = f"""# The committee rules on the full training data, judged

Plan, rules and criterion: [committee-full.md](committee-full.md). Written by
`scripts/committee_full.py`. Level "all" (every rare training row kept) of
{", ".join(sets) if sets else "no set yet"}; PR-AUC on the real test split, boosted trees; each
difference is the rule's pick (for `committee fixed`, the arm `committee ×5.0 filter w0.5`)
minus the named method's on the same replicate: mean [95 % t-interval] (wins/losses).

## Fresh replicates (every one: no committee arm had been computed on them)

{method_table(method_rows(reps, RULES, RULES_AGAINST), RULES_AGAINST) if reps else "No replicate has finished yet."}

### The pre-registered clause: never below real only beyond noise

{table(["data set", "rule", "replicates", "− real only", "safety"], rows) if rows else "None yet."}

{verdicts}
"""
    write_result("committee-full-results.md", text, len(reps), len(reps))


if __name__ == "__main__":
    main()

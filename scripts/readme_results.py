#!/usr/bin/env python3
"""Regenerates the tables of README.md's results section from the committed bench results.

Each table sits between `<!-- results:NAME -->` and `<!-- /results:NAME -->` in README.md and is
rebuilt from files under benches/results/ (written by scripts/bench_tabular.sh and
scripts/fresh_replicates.py); the cells are copied verbatim, nothing is recomputed:

- `verdict`: the per-level rows of bench-tabular*/summary.md;
- `replicates`: the finished replicates per data set and level, from each results.json;
- `generators`: each data set's "Generators" table at the level that keeps every rare row
  (its report.md), with the T = 100 / T = 1000 bench of the large sets;
- `fresh`, `curated`, `scarce`: the pre-registered rules' tables on fresh replicates
  (preregistered/decline-margin-results.md, preregistered/curated-weighted-results.md,
  preregistered/scarce-rules-results.md);
- `committee-scarce`: `committee (scarce)` at its pre-registered test (1000 rare rows) and on
  issue 18's target (preregistered/committee-scarce-results.md: the first table of each
  section); `committee-fifth`: the same rule on C-MAPSS FD001 read as a table (its section
  there: the level table).

    python3 scripts/readme_results.py
"""

import json
import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
RESULTS = os.path.join(ROOT, "benches", "results")
BENCHES = ["bench-tabular", "bench-tabular-large"]
# Benches that only add rows to the generator table (not to the verdict).
GENERATOR_ONLY = ["bench-tabular-large-t1000"]
VERDICT_COLUMNS = ["data set", "rare rows", "replicates", "real only", "best oversampler",
                   "plain generator", "augment", "augment (no margin)", "Δ vs real only",
                   "Δ vs best oversampler"]
GENERATOR_COLUMNS = ["generator", "s / 1000 steps (or / epoch)", "rare rows / s",
                     "raw adherence", "fidelity", "rare-class fidelity", "detection AUC",
                     "TSTR PR-AUC"]


def cells(line):
    return [c.strip() for c in line.strip().strip("|").split("|")]


def pick_columns(lines, wanted, prefix=()):
    """Rows of a markdown table (header first) restricted to `wanted`, `prefix` cells first."""
    head = cells(lines[0])
    idx = [head.index(k) for k in wanted]
    return [list(prefix) + [cells(l)[i] for i in idx] for l in lines[2:]]


def markdown(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def datasets(benches=BENCHES):
    for bench in benches:
        base = os.path.join(RESULTS, bench)
        if os.path.isdir(base):
            for name in sorted(os.listdir(base)):
                if os.path.isfile(os.path.join(base, name, "results.json")):
                    yield bench, name


def verdict():
    rows = []
    for bench in BENCHES:
        path = os.path.join(RESULTS, bench, "summary.md")
        if os.path.isfile(path):
            lines = [l for l in open(path) if l.startswith("|")]
            rows += pick_columns(lines, VERDICT_COLUMNS)
    return markdown(VERDICT_COLUMNS, rows)


def replicates():
    rows = []
    for bench, name in datasets():
        with open(os.path.join(RESULTS, bench, name, "results.json")) as f:
            r = json.load(f)
        done = []
        for level in r["levels"]:
            lv = level["summary"]["level"]
            done.append(f"{lv} ×{len(level['picks'])}")
        rows.append([name, f"`configs/{bench}.toml`", str(r["replicates"]),
                     "every generator's paper schedule" if r["epochs"] is None
                     else f"{r['epochs']} passes over the rows, every generator",
                     ", ".join(done)])
    return markdown(["data set", "config", "planned per level", "budget", "finished"], rows)


def generators():
    rows = []
    for bench, name in datasets(BENCHES + GENERATOR_ONLY):
        lines = open(os.path.join(RESULTS, bench, name, "report.md")).read().split("\n")
        start = lines.index("## Generators")
        level = next((i for i in range(start, len(lines)) if lines[i].startswith("### all")),
                     None)
        if level is None:  # no finished replicate keeps every rare row yet
            continue
        table = []
        for l in lines[level + 1:]:
            if l.startswith("#"):
                break
            if l.startswith("|"):
                table.append(l)
        label = name if bench in BENCHES else f"{name} (`{bench}`)"
        for row in pick_columns(table, GENERATOR_COLUMNS, prefix=[label]):
            rows.append([c.replace(" (1 replicate)", "") for c in row])
    return markdown(["data set"] + GENERATOR_COLUMNS, rows)


def fresh(name):
    text = open(os.path.join(RESULTS, "preregistered", f"{name}-results.md")).read()
    part = text.split("## Fresh replicates")[1].split("## ")[0]
    lines = [l for l in part.split("\n") if l.startswith("|")]
    return "\n".join(lines) if lines else "No fresh replicate has finished yet."


def tables(text):
    """The markdown tables of `text`, in order (each a list of lines)."""
    out, cur = [], []
    for line in text.split("\n") + [""]:
        if line.startswith("|"):
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    return out


def scarce_section(heading):
    """The tables of committee-scarce-results.md's section `heading` (up to the next one)."""
    text = open(os.path.join(RESULTS, "preregistered", "committee-scarce-results.md")).read()
    return tables(text.split(f"## {heading}")[1].split("\n## ")[0])


def committee_scarce():
    test = scarce_section("The pre-registered test")
    target = scarce_section("The rule on issue 18's target")
    return "\n\n".join("\n".join(t) for t in [test[0], target[-1]])


def committee_fifth():
    return "\n".join(scarce_section("A fifth set")[0])


def main():
    path = os.path.join(ROOT, "README.md")
    text = open(path).read()
    for name, build in [("verdict", verdict), ("replicates", replicates),
                        ("generators", generators),
                        ("fresh", lambda: fresh("decline-margin")),
                        ("curated", lambda: fresh("curated-weighted")),
                        ("scarce", lambda: fresh("scarce-rules")),
                        ("committee", lambda: fresh("committee")),
                        ("committee-full", lambda: fresh("committee-full")),
                        ("committee-scarce", committee_scarce),
                        ("committee-fifth", committee_fifth)]:
        pattern = re.compile(
            rf"(<!-- results:{name} -->\n)(?:.*?\n)?(<!-- /results:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- results:{name} --> block")
        table = build()
        text = pattern.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print("README.md results tables regenerated")


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Does a new sampler draw the same distribution as an old one? For TabDDPM's host-step sampler
# (issue 19), whose draws differ from the tensor path's by construction: one adult model
# (configs/adult-tabddpm-t100.toml, 1000 steps), 75,000 rows from the new binary (seed 1) and two
# samples from the old one (seeds 1 and 2). Per column, the distance new-old is set beside the
# distance between the old binary's two seeds (sampling noise alone) and each sample's distance to
# the real training rows: total variation for discrete columns, the two-sample Kolmogorov-Smirnov
# statistic (ties handled) for numeric ones. Writes benches/results/tabddpm-sampler-parity.md.
#
#   OLD_BIN=/tmp/synthkit-before SYNTHKIT_BIN=target/debug/synthkit scripts/sampler_parity.sh
set -euo pipefail
cd "$(dirname "$0")/.."

: "${OLD_BIN:?set OLD_BIN to a synthkit binary built before the change}"
if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"
work="${WORK:-runs/parity}"
rows="${ROWS:-75000}"
mkdir -p "$work"
[ -f "$work/adult-t100/model/model.json" ] ||
    "$bin" fit --config configs/adult-tabddpm-t100.toml --out "$work/adult-t100" --force 2>/dev/null
timed() { # label binary seed file
    /usr/bin/time -f "$1 %e %U" -a -o "$work/times.txt" \
        "$2" sample --model "$work/adult-t100" --rows "$rows" --seed "$3" --out "$work/$4" --force \
        2>/dev/null
}
rm -f "$work/times.txt"
timed new "$bin" 1 new.csv
timed old "$OLD_BIN" 1 old.csv
timed old-seed-2 "$OLD_BIN" 2 old2.csv
python3 - "$work" "$rows" "$(uptime)" "$(git rev-parse --short HEAD)" "$OLD_BIN" <<'EOF'
import bisect, csv, math, os, sys
from collections import Counter

work, rows, load, head, old_bin = sys.argv[1:6]
def load_csv(p):
    with open(p) as f:
        return list(csv.DictReader(f))
new, old, old2 = (load_csv(os.path.join(work, f)) for f in ("new.csv", "old.csv", "old2.csv"))
real = load_csv("datasets/adult/train.csv")
NUMERIC = {"age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"}

def tv(x, y):
    cx, cy = Counter(x), Counter(y)
    return 0.5 * sum(abs(cx[k] / len(x) - cy[k] / len(y)) for k in set(cx) | set(cy))

def ks(x, y):
    x = sorted(float(v) for v in x if v != "")
    y = sorted(float(v) for v in y if v != "")
    return max(abs(bisect.bisect_right(x, p) / len(x) - bisect.bisect_right(y, p) / len(y))
               for p in sorted(set(x) | set(y)))

times = dict((l.split()[0], l.split()[1:]) for l in open(os.path.join(work, "times.txt")))
out = ["# TabDDPM sampler parity: the host step against the tensor step", "",
       "Written by `scripts/sampler_parity.sh`. One adult model (configs/adult-tabddpm-t100.toml, "
       f"1000 steps); {rows} rows from the new binary (synthkit at `{head}`, seed 1) and from "
       f"the old one (`{old_bin}`, seeds 1 and 2). Load when done: `{load}`.", "",
       "Per column: total variation (discrete) or the Kolmogorov-Smirnov statistic (numeric) "
       "between the samples. `old seed 2 - old` is what sampling noise alone gives; the new "
       "sampler draws the same distribution if `new - old` is of that size, and it is as "
       "faithful if `new - real` matches `old - real`.", "",
       f"Sampling wall / user seconds: new {times['new'][0]} / {times['new'][1]}, old "
       f"{times['old'][0]} / {times['old'][1]}, old seed 2 {times['old-seed-2'][0]} / "
       f"{times['old-seed-2'][1]}.", "",
       "| column | statistic | new - old | old seed 2 - old | new - real | old - real |",
       "|---|---|---|---|---|---|"]
for c in new[0].keys():
    f = ks if c in NUMERIC else tv
    cols = [[r[c] for r in s] for s in (new, old, old2, real)]
    out.append(f"| {c} | {'KS' if c in NUMERIC else 'TV'} | {f(cols[0], cols[1]):.4f} | "
               f"{f(cols[2], cols[1]):.4f} | {f(cols[0], cols[3]):.4f} | {f(cols[1], cols[3]):.4f} |")
n = int(rows)
out += ["", f"The KS statistic's 5 % critical value for two samples of {n} rows is "
        f"{1.36 * math.sqrt(2 / n):.4f}."]
path = "benches/results/tabddpm-sampler-parity.md"
open(path + ".tmp", "w").write("\n".join(out) + "\n")
os.replace(path + ".tmp", path)
print("\n".join(out))
EOF

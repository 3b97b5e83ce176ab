#!/usr/bin/env bash
# TimeGAN speed on a long univariate series (issue 20): seconds per iteration of each phase.
#
#   scripts/timegan_speed.sh                                  # this checkout's binary
#   BASELINE_BIN=/path/to/old/synthkit BASELINE_REV=abc123 scripts/timegan_speed.sh
#   SYNTHKIT_BIN=/path/to/synthkit SYNTHKIT_REV=def456 ...   # a prebuilt binary and its commit
#
# The set: datasets/timegan_stock's train and test chunks rejoined in order (seq_id, t), the Close
# price only, 3,672 daily steps, cut into windows of 152 steps at stride 5: 705 sequences of 152
# steps, one feature (the shape issue 20 names). Each binary fits `synthkit series fit` with
# ITERATIONS iterations per phase (default 6), REPEATS times (default 2), the binaries alternating
# back to back so that both see the same load. Reported per run: seconds per iteration of each
# phase (from the run's fit.json), the fit's wall time, and its CPU time (user + sys, from
# /usr/bin/time), which is the fairer number when other jobs share the 2 cores.
#
# Output: benches/results/timegan-speed.md and timegan-speed.json (atomic writes).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"
base="${BASELINE_BIN:-}"
iterations="${ITERATIONS:-6}"
repeats="${REPEATS:-2}"
out_md="${OUT_MD:-benches/results/timegan-speed.md}"
out_json="${OUT_JSON:-benches/results/timegan-speed.json}"
[ -x "$bin" ] || { echo "no synthkit binary at $bin: run cargo build first or set SYNTHKIT_BIN" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base" ] || { echo "BASELINE_BIN=$base is not an executable" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The long set: one Close series, windows of 152 at stride 5.
python3 - "$work/train.csv" <<'EOF'
import csv, sys
rows = []
for split in ("train", "test"):
    with open(f"datasets/timegan_stock/{split}.csv") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["seq_id"]), int(r["t"]), r["Close"]))
rows.sort()
close = [c for _, _, c in rows]
window, stride = 152, 5
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["seq_id", "t", "Close"])
    for k, start in enumerate(range(0, len(close) - window + 1, stride)):
        for t in range(window):
            w.writerow([k, t, close[start + t]])
EOF

cat > "$work/cfg.toml" <<EOF
[data]
train = "$work/train.csv"
id = "seq_id"
time = "t"
features = ["Close"]
[model]
iterations = $iterations
[train]
device = "cpu"
seed = 42
checkpoint_every = 0
EOF

load_before="$(uptime)"
runs=()
for r in $(seq 1 "$repeats"); do
    for which in new base; do
        b="$bin"; [ "$which" = base ] && b="$base"
        [ -n "$b" ] || continue
        dir="$work/run-$which-$r"
        echo "run $r: $which ($b)" >&2
        /usr/bin/time -f '%e %U %S %M' -o "$work/time-$which-$r" \
            "$b" series fit --config "$work/cfg.toml" --out "$dir" --force --quiet >"$work/log-$which-$r" 2>&1 \
            || { cat "$work/log-$which-$r" >&2; exit 1; }
        runs+=("$which $r $dir $work/time-$which-$r")
    done
done
load_after="$(uptime)"

python3 - "$out_md" "$out_json" "$iterations" "$bin" "${base:-}" "${BASELINE_REV:-}" \
    "${SYNTHKIT_REV:-$(git rev-parse --short HEAD)}" "$load_before" "$load_after" "${runs[@]}" <<'EOF'
import json, os, statistics, sys
out_md, out_json, iterations, bin_, base, base_rev, rev, load_before, load_after = sys.argv[1:10]
runs = []
for spec in sys.argv[10:]:
    which, rep, run_dir, time_file = spec.split(" ")
    fit = json.load(open(os.path.join(run_dir, "fit.json")))
    wall, user, sys_, rss = open(time_file).read().split()[-4:]
    runs.append({
        "binary": which, "repeat": int(rep),
        "sequences": fit["sequences"], "seq_len": fit["seq_len"], "features": fit["features"],
        "seconds_per_iteration": fit["seconds_per_iteration"],
        "wall_s": float(wall), "cpu_s": float(user) + float(sys_), "peak_rss_kib": int(rss),
    })
phases = ["embedding", "supervised", "joint"]
def med(which, key):
    vals = [r[key] if key in r else r["seconds_per_iteration"][key] for r in runs if r["binary"] == which]
    return statistics.median(vals) if vals else None
lines = [
    "# TimeGAN speed on a long univariate series",
    "",
    "Written by `scripts/timegan_speed.sh`; raw numbers in `timegan-speed.json`.",
    "",
    f"- Set: datasets/timegan_stock Close, train and test rejoined (3,672 steps), windows of 152 at stride 5: "
    f"{runs[0]['sequences']} sequences × {runs[0]['seq_len']} steps × {runs[0]['features']} feature.",
    f"- {iterations} iterations per phase, reference network (hidden 24, 3 GRU layers, batch 128), CPU (burn-flex), seed 42.",
    f"- synthkit at `{rev}`" + (f"; baseline binary built at `{base_rev or '?'}`, the two alternating back to back" if base else "") + ".",
    f"- Load before: `{load_before.strip()}`; after: `{load_after.strip()}`. Other jobs may share the 2 cores: "
    "the CPU seconds of the whole fit are the fairer comparison than wall time.",
    "",
    "| binary | run | embedding s/it | supervised s/it | joint s/it | fit wall s | fit CPU s | peak RSS MiB |",
    "|---|---|---|---|---|---|---|---|",
]
for r in runs:
    s = r["seconds_per_iteration"]
    lines.append(f"| {r['binary']} | {r['repeat']} | {s['embedding']:.2f} | {s['supervised']:.2f} | {s['joint']:.2f} | "
                 f"{r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_kib'] / 1024:.0f} |")
summary = {}
if base:
    lines += ["", "Medians, baseline / new (above 1: the new binary is faster):", ""]
    for key in phases + ["wall_s", "cpu_s"]:
        b, n = med("base", key), med("new", key)
        summary[key] = {"baseline": b, "new": n, "ratio": b / n}
        lines.append(f"- {key.replace('_s', ' s')}: {b:.2f} → {n:.2f}, **{b / n:.2f}×**")
lines.append("")
for path, text in [(out_md, "\n".join(lines)),
                   (out_json, json.dumps({"rev": rev, "baseline_rev": base_rev, "iterations": int(iterations),
                                          "load_before": load_before.strip(), "load_after": load_after.strip(),
                                          "runs": runs, "ratios": summary}, indent=2) + "\n")]:
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
print("\n".join(lines))
EOF

#!/usr/bin/env bash
# Runs the tabular bench (configs/bench-tabular.toml, or the config given) on the data sets named
# as arguments (all when none), then publishes what a reviewer reads into
# benches/results/<bench>/: summary.md and per data set report.md, report.html, plots/,
# utility.json and the fidelity/privacy cells. The heavy outputs (models, samples) stay in
# benches/runs/ (ignored by git). Resumable: rerun after an interruption.
#
#   scripts/bench_tabular.sh                       # every data set
#   scripts/bench_tabular.sh ai4i thyroid_sick     # some
#   CONFIG=configs/bench-x.toml scripts/bench_tabular.sh
set -euo pipefail
cd "$(dirname "$0")/.."

config="${CONFIG:-configs/bench-tabular.toml}"
name="$(basename "$config" .toml)"
runs="benches/runs/$name"
results="benches/results/$name"

if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet   # the feature set of `cargo test --workspace`: no rebuild
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"   # SYNTHKIT_BIN: a prebuilt binary
only=()
for s in "$@"; do only+=(--only "$s"); done

mkdir -p "$runs"
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v)   # peak host memory (GNU time), when present
"${timer[@]}" "$bin" bench --config "$config" --out "$runs" "${only[@]}" 2> >(tee "$runs.log" >&2)

mkdir -p "$results"
cp "$runs/summary.md" "$results/summary.md"
for ds in "$runs"/*/; do
    ds="$(basename "$ds")"
    [ -f "$runs/$ds/report.html" ] || continue
    mkdir -p "$results/$ds/cells"
    cp -r "$runs/$ds/report.md" "$runs/$ds/report.html" "$runs/$ds/plots" "$runs/$ds/utility.json" \
        "$runs/$ds/bench.resolved.toml" "$results/$ds/"
    cp "$runs/$ds"/cells/quality-*.json "$runs/$ds"/cells/samples-*.json "$results/$ds/cells/"
    for m in "$runs/$ds"/models/*/; do
        cp "$m/fit.json" "$results/$ds/cells/fit-$(basename "$m").json"
    done
done
echo "published to $results"

#!/usr/bin/env bash
# Runs the tabular bench (configs/bench-tabular.toml, or the config given) on the data sets named
# as arguments (all when none), then publishes what a reviewer reads into
# benches/results/<bench>/: summary.md and per data set results.json, report.md, report.html,
# plots/, the resolved configs, and per replicate the cells' measurements (cells/<replicate>/:
# validation and test stages, fidelity/privacy, sampling, each generator's fit.json) from which
# `--assemble-only` rebuilds the reports. The heavy outputs (splits, models, samples) stay in
# benches/runs/ (ignored by git). Resumable: rerun after an interruption.
#
#   scripts/bench_tabular.sh                       # every data set
#   scripts/bench_tabular.sh ai4i thyroid_sick     # some
#   CONFIG=configs/bench-x.toml scripts/bench_tabular.sh
#   ASSEMBLE_ONLY=1 scripts/bench_tabular.sh ai4i  # publish the replicates finished so far
#   RUNS=benches/runs/bench-tabular CONFIG=configs/bench-tabular-scarce.toml scripts/bench_tabular.sh
#       # a config that shares another's runs: replicates whose cells that bench already
#       # published (benches/results/<its name>/) are not copied twice
set -euo pipefail
cd "$(dirname "$0")/.."

config="${CONFIG:-configs/bench-tabular.toml}"
name="$(basename "$config" .toml)"
runs="${RUNS:-benches/runs/$name}"
results="benches/results/$name"
shared="benches/results/$(basename "$runs")"   # the results of the bench whose runs these are
[ "$shared" = "$results" ] && shared=""

if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet   # the feature set of `cargo test --workspace`: no rebuild
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"   # SYNTHKIT_BIN: a prebuilt binary
only=()
for s in "$@"; do only+=(--only "$s"); done
[ -n "${ASSEMBLE_ONLY:-}" ] && only+=(--assemble-only)

mkdir -p "$runs"
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v)   # peak host memory (GNU time), when present
"${timer[@]}" "$bin" bench --config "$config" --out "$runs" "${only[@]}" 2> >(tee -a "$runs.log" >&2)

mkdir -p "$results"
[ -f "$runs/summary.md" ] && cp "$runs/summary.md" "$results/summary.md"
for ds in "$runs"/*/; do
    ds="$(basename "$ds")"
    [ -f "$runs/$ds/report.html" ] || continue
    rm -rf "${results:?}/$ds"
    mkdir -p "$results/$ds/configs"
    cp -r "$runs/$ds/results.json" "$runs/$ds/report.md" "$runs/$ds/report.html" "$runs/$ds/plots" \
        "$runs/$ds/bench.resolved.toml" "$results/$ds/"
    cp "$runs/$ds"/models/*.resolved.toml "$results/$ds/configs/" 2>/dev/null || true
    for rep in "$runs/$ds"/*-r*/; do
        r="$(basename "$rep")"
        [ -f "$rep/cells/stage-test.json" ] || continue   # unfinished replicates are not reported
        [ -n "$shared" ] && [ -f "$shared/$ds/cells/$r/stage-test.json" ] && continue   # published there
        mkdir -p "$results/$ds/cells/$r"
        cp "$rep"/cells/*.json "$results/$ds/cells/$r/"
        for m in "$rep"/models/*/; do
            [ -f "$m/fit.json" ] && cp "$m/fit.json" "$results/$ds/cells/$r/fit-$(basename "$m").json"
        done
    done
done
echo "published to $results"

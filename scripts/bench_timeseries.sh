#!/usr/bin/env bash
# TimeGAN bench (issue 7): trains TimeGAN on timegan_stock (paper scores) and on
# cmapss_fd001_failure (augmentation of the rare failure class against SMOTE / jitter / window
# slicing), then writes benches/results/timeseries-<set>.{json,md}.
#
#   scripts/bench_timeseries.sh               # stock and cmapss
#   scripts/bench_timeseries.sh cmapss        # one set
#   scripts/bench_timeseries.sh cmapss-scarce # C-MAPSS with 8 of the 70 training failures kept
#   ITERATIONS=200 scripts/bench_timeseries.sh stock   # override [model] iterations
set -euo pipefail
cd "$(dirname "$0")/.."

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(stock cmapss)
mkdir -p benches/results

# `cargo test --no-run` builds the binary with the workspace's one feature set (BURN.md §5); a
# plain `cargo build` unifies dev-dependency features differently and rebuilds burn.
cargo test --workspace --no-run --quiet
# The target directory is shared between worktrees: run a private copy of the binary.
bin="$(mktemp -d)/synthkit"
cp "${CARGO_TARGET_DIR:-target}/debug/synthkit" "$bin"

for set in "${sets[@]}"; do
    cfg="configs/$set-timegan.toml"
    extra=()
    [ -n "${ITERATIONS:-}" ] && extra=(--iterations "$ITERATIONS")
    start=$(date +%s)
    "$bin" series fit --config "$cfg" --force --quiet "${extra[@]}"
    fit_s=$(( $(date +%s) - start ))
    "$bin" series eval --config "$cfg" --force --out "benches/results/timeseries-$set.json"
    total_s=$(( $(date +%s) - start ))
    run=$(grep '^out = ' "$cfg" | sed 's/^out = "\(.*\)"/\1/')
    cp "$run/fit.json" "benches/results/timeseries-$set-fit.json"
    echo "bench_timeseries: $set done (fit ${fit_s}s, fit+eval ${total_s}s, $(nproc) cpus)"
done

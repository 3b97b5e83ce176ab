#!/usr/bin/env bash
# The committee arms of configs/bench-committee.toml on replicates the scarce bench has
# finished, without training any generator again: per data set, links (hard links, no copy) every
# finished replicate r0 … r(R-1) of levels 25, 50 and 100 from benches/runs/bench-tabular (the
# runs of configs/bench-tabular.toml and bench-tabular-scarce.toml: split, fit part, models,
# samples), drops the linked stage files, and runs the bench with R replicates, which finds every
# fit and sample done and re-runs the validation and test stages only, committee arms included.
# Then publishes to benches/results/bench-committee(-large)/. Resumable (a replicate already linked and
# staged is kept).
#
#   scripts/committee_stages.sh                 # ai4i and thyroid_sick
#   scripts/committee_stages.sh thyroid_sick
#   LARGE=1 scripts/committee_stages.sh         # adult and bank_marketing at 50 and 200 rare rows:
#       configs/bench-committee-large.toml on the runs of configs/bench-tabular-large.toml
#   FULL=1 [LARGE=1] scripts/committee_stages.sh   # the full training data (level "all") instead:
#       configs/bench-committee-full(-large).toml into benches/runs/bench-committee-full(-large)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${LARGE:-}" ]; then
    src="benches/runs/bench-tabular-large"
    runs="benches/runs/bench-committee-large"
    config="configs/bench-committee-large.toml"
    levels=(N50 N200)
    default_sets=(adult bank_marketing)
else
    src="benches/runs/bench-tabular"
    runs="benches/runs/bench-committee"
    config="configs/bench-committee.toml"
    levels=(N25 N50 N100)
    default_sets=(ai4i thyroid_sick)
fi
if [ -n "${FULL:-}" ]; then
    runs="${runs/bench-committee/bench-committee-full}"
    config="${config/bench-committee/bench-committee-full}"
    levels=(all)
fi
sets=("$@")
[ ${#sets[@]} -eq 0 ] && sets=("${default_sets[@]}")

if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"

for ds in "${sets[@]}"; do
    # R: the first replicate not finished at every level.
    r=0
    while :; do
        all=1
        for lv in "${levels[@]}"; do
            [ -f "$src/$ds/$lv-r$r/cells/stage-test.json" ] || all=0
        done
        [ $all -eq 1 ] || break
        r=$((r + 1))
    done
    if [ $r -eq 0 ]; then
        echo "no finished replicate of $ds in $src" >&2
        continue
    fi
    mkdir -p "$runs/$ds/models"
    for f in "$src/$ds"/models/*.resolved.toml; do
        [ -e "$runs/$ds/models/$(basename "$f")" ] || cp "$f" "$runs/$ds/models/"
    done
    for ((k = 0; k < r; k++)); do
        for lv in "${levels[@]}"; do
            cell="$lv-r$k"
            [ -f "$runs/$ds/$cell/split.json" ] && continue   # linked before
            # An empty shell (an --assemble-only run lays out every planned replicate) is
            # replaced by the link.
            rm -rf "${runs:?}/$ds/$cell"
            cp -al "$src/$ds/$cell" "$runs/$ds/$cell"
            rm -f "$runs/$ds/$cell"/cells/stage-*.json
        done
    done
    echo "$ds: replicates r0-r$((r - 1)) linked" >&2
    tmp="$(mktemp --suffix=.toml)"
    sed "s/^replicates = .*/replicates = $r/" "$config" > "$tmp"
    "$bin" bench --config "$tmp" --out "$runs" --only "$ds" 2> >(tee -a "$runs.log" >&2)
    rm -f "$tmp"
done

SYNTHKIT_BIN="$bin" RUNS="$runs" CONFIG="$config" ASSEMBLE_ONLY=1 scripts/bench_tabular.sh "${sets[@]}"

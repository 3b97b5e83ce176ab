#!/usr/bin/env bash
# Sampling speed on adult (issues 19 and 20): a million CTGAN rows to CSV and to Parquet, and
# 75,000 rows from TabDDPM at T = 100, each timed as a whole `synthkit sample` process (model
# loading, generation, decoding, writing) with GNU time: wall, user and system CPU seconds, peak
# RSS; and 200 TabDDPM training steps (a whole `synthkit fit`). Sampling time does not depend on how long a model trained, so the models train briefly
# (CTGAN 1 epoch, TabDDPM 50 steps). With OLD_BIN set, the same runs of that binary are timed
# back to back with the new one (same models, same seeds; the outputs are compared byte for byte).
# Writes benches/results/sample-speed.{md,json}. The load average before and after is recorded:
# compare CPU seconds when the machine was busy.
#
#   scripts/sample_speed.sh
#   OLD_BIN=/tmp/synthkit-old SYNTHKIT_BIN=target/debug/synthkit scripts/sample_speed.sh
#   OLD_DESC="the build of 87e97f7" OLD_BIN=... scripts/sample_speed.sh   # names the old build
#   REPEATS=3 OLD_BIN=... scripts/sample_speed.sh   # each sampling run 3 times, new and old
#                                                   # alternating; the medians are summarised
#
# "same bytes: no" is expected when the sampler draws its random numbers differently between the
# two builds (other draws from the same distribution; the samplers' tests check the distribution).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"
work="${WORK:-runs/sample-speed}"
mkdir -p "$work"
load_before="$(uptime)"

[ -f "$work/ctgan/model/model.json" ] ||
    "$bin" fit --config configs/adult.toml --epochs 1 --out "$work/ctgan" --force 2>/dev/null
[ -f "$work/tabddpm-t100/model/model.json" ] ||
    "$bin" fit --config configs/adult-tabddpm-t100.toml --steps 50 --out "$work/tabddpm-t100" \
        --force 2>/dev/null

runs=()   # label model rows file
runs+=("ctgan-csv ctgan 1000000 rows.csv")
runs+=("ctgan-parquet ctgan 1000000 rows.parquet")
runs+=("tabddpm-t100-csv tabddpm-t100 75000 rows-ddpm.csv")

json="["
table=""
measure() { # binary tag label model rows file -> "wall user sys rss"
    local b="$1" tag="$2" label="$3" model="$4" rows="$5" file="$6"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
        "$b" sample --model "$work/$model" --rows "$rows" --out "$work/$tag-$file" --force 2>/dev/null
    cat "$work/time.txt"
}
repeats="${REPEATS:-1}"
for spec in "${runs[@]}"; do
  read -r label model rows file <<<"$spec"
  for rep in $(seq 1 "$repeats"); do
    read -r wall user sys rss <<<"$(measure "$bin" new "$label" "$model" "$rows" "$file")"
    line="| $label | $rows | new | $wall | $user | $sys | $((rss / 1024)) | |"
    json+="{\"run\":\"$label\",\"rows\":$rows,\"binary\":\"new\",\"rep\":$rep,\"wall_s\":$wall,\"user_s\":$user,\"sys_s\":$sys,\"peak_rss_kib\":$rss},"
    table+="$line"$'\n'
    if [ -n "${OLD_BIN:-}" ]; then
        read -r wall user sys rss <<<"$(measure "$OLD_BIN" old "$label" "$model" "$rows" "$file")"
        same="no"
        cmp -s "$work/new-$file" "$work/old-$file" && same="yes"
        # TabDDPM's host-step sampler draws other rows than the tensor path by construction:
        # scripts/sampler_parity.sh compares their distributions.
        [[ "$label" == tabddpm* && "$same" == no ]] && same="no (other draws, same distribution: tabddpm-sampler-parity.md)"
        [[ "$file" == *.parquet ]] && same="n/a (Parquet row groups differ)"
        table+="| $label | $rows | old | $wall | $user | $sys | $((rss / 1024)) | same bytes: $same"$'\n'
        json+="{\"run\":\"$label\",\"rows\":$rows,\"binary\":\"old\",\"rep\":$rep,\"wall_s\":$wall,\"user_s\":$user,\"sys_s\":$sys,\"peak_rss_kib\":$rss,\"same_bytes\":\"$same\"},"
    fi
  done
done
# TabDDPM's training step (the multinomial loss's constant terms on the host): 200 steps of the
# same config from scratch, the whole `synthkit fit` process.
fit_time() { # binary tag -> "wall user sys rss"
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" \
        "$1" fit --config configs/adult-tabddpm-t100.toml --steps 200 --out "$work/fit-$2" --force \
        2>/dev/null
    cat "$work/time.txt"
}
for tag in new ${OLD_BIN:+old}; do
    b="$bin"
    [ "$tag" = old ] && b="$OLD_BIN"
    read -r wall user sys rss <<<"$(fit_time "$b" "$tag")"
    table+="| tabddpm-t100-fit | 200 steps | $tag | $wall | $user | $sys | $((rss / 1024)) | |"$'\n'
    json+="{\"run\":\"tabddpm-t100-fit\",\"steps\":200,\"binary\":\"$tag\",\"wall_s\":$wall,\"user_s\":$user,\"sys_s\":$sys,\"peak_rss_kib\":$rss},"
done
json="${json%,}]"
load_after="$(uptime)"
printf '%s\n' "$json" >benches/results/sample-speed.json
{
    echo "# Sampling speed on adult"
    echo
    echo "Written by \`scripts/sample_speed.sh\`; raw numbers in \`sample-speed.json\`."
    echo
    echo "- Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores; synthkit at \`$(git rev-parse --short HEAD)\`${OLD_BIN:+ (new) against \`$OLD_BIN\`${OLD_DESC:+, $OLD_DESC} (old)}."
    echo "- Load: \`$load_before\` before, \`$load_after\` after. Under load, compare CPU seconds (user + sys), not wall time."
    echo "- Each row is one whole \`synthkit sample\` process: load the model, generate, decode, write. Models: configs/adult.toml (CTGAN, paper sizes, 1 epoch) and configs/adult-tabddpm-t100.toml (T = 100, 50 steps): sampling time does not depend on training length. \`tabddpm-t100-fit\`: a whole \`synthkit fit\` of that config for 200 steps (loading, transformer fit, training, saving)."
    echo
    echo "| run | rows | binary | wall s | user s | sys s | peak RSS MiB | |"
    echo "|---|---|---|---|---|---|---|---|"
    printf '%s' "$table"
    if [ "$repeats" -gt 1 ]; then
        echo
        echo "Medians over the $repeats repeats (CPU = user + sys):"
        echo
        python3 - benches/results/sample-speed.json <<'PY'
import json, statistics, sys
runs = [r for r in json.load(open(sys.argv[1])) if "rep" in r]
print("| run | binary | median wall s | median CPU s |")
print("|---|---|---|---|")
for key in dict.fromkeys((r["run"], r["binary"]) for r in runs):
    sel = [r for r in runs if (r["run"], r["binary"]) == key]
    wall = statistics.median(r["wall_s"] for r in sel)
    cpu = statistics.median(r["user_s"] + r["sys_s"] for r in sel)
    print(f"| {key[0]} | {key[1]} | {wall:.2f} | {cpu:.2f} |")
PY
    fi
} >benches/results/sample-speed.md
cat benches/results/sample-speed.md

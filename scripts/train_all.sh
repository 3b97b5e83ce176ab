#!/usr/bin/env bash
# Trains CTGAN and TVAE (and TabDDPM with MODELS=tabddpm) with the paper defaults on every shared tabular data set (or the sets
# given as arguments), then writes per run: synthetic.csv (as many rows as train), minority.csv
# (2 × the real minority count, all of the positive class), and a line of timings to
# benches/results/train_all.csv (per-epoch time, transformer fit time, sampling time).
#
#   scripts/train_all.sh                 # ai4i thyroid_sick bank_marketing adult, both models
#   scripts/train_all.sh ai4i            # one set
#   DEVICE=wgpu scripts/train_all.sh     # on the GPU
#   MODELS=tvae scripts/train_all.sh adult  # one model
#   MODELS=tabddpm scripts/train_all.sh ai4i  # TabDDPM (an "epoch" is 100 steps; s_per_1000_steps filled)
#   SYNTHKIT_BIN=/tmp/synthkit scripts/train_all.sh  # a prebuilt copy (rebuilds then cannot disturb it)
set -euo pipefail
cd "$(dirname "$0")/.."

sets=("$@")
[ ${#sets[@]} -gt 0 ] || sets=(ai4i thyroid_sick bank_marketing adult)
device="${DEVICE:-cpu}"
read -r -a models <<< "${MODELS:-ctgan tvae}"
results=benches/results/train_all.csv
mkdir -p benches/results runs/train_all
[ -f "$results" ] || echo "date,host_cpus,device,dataset,model,rows,epochs,transformer_fit_s,train_s,s_per_epoch,sample_s,synthetic_rows,minority_rows,s_per_1000_steps" > "$results"

if [ -z "${SYNTHKIT_BIN:-}" ]; then
    cargo build --workspace --quiet   # the feature set of `cargo test --workspace`: no rebuild
fi
bin="${SYNTHKIT_BIN:-${CARGO_TARGET_DIR:-target}/debug/synthkit}"   # SYNTHKIT_BIN: a prebuilt binary

for set in "${sets[@]}"; do
    for model in "${models[@]}"; do
        cfg="configs/$set.toml"
        [ "$model" = ctgan ] || cfg="configs/$set-$model.toml"
        out="runs/train_all/$set-$model"
        train=$(grep '^train = ' "$cfg" | sed 's/^train = "\(.*\)"/\1/')
        target=$(grep '^target = ' "$cfg" | sed 's/^target = "\(.*\)"/\1/')
        positive=$(grep '^positive = ' "$cfg" | sed 's/^positive = "\(.*\)"/\1/')
        rows=$(($(wc -l < "$train") - 1))
        minority=$(python3 -c "import csv,sys; print(2*sum(1 for r in csv.DictReader(open(sys.argv[1])) if r[sys.argv[2]]==sys.argv[3]))" "$train" "$target" "$positive")
        "$bin" fit --config "$cfg" --out "$out" --device "$device" --force --quiet 2>"$out.log" || { echo "fit failed: see $out.log" >&2; exit 1; }
        t0=$(date +%s.%N)
        "$bin" sample --model "$out" --rows "$rows" --seed 1 --device "$device" --out "$out/synthetic.csv" --force 2>>"$out.log"
        "$bin" sample --model "$out" --rows "$minority" --where "$target=$positive" --seed 2 --device "$device" --out "$out/minority.csv" --force 2>>"$out.log"
        t1=$(date +%s.%N)
        python3 - "$out/fit.json" "$results" "$device" "$set" "$model" "$rows" "$t0" "$t1" "$minority" <<'PY'
import json, sys, datetime, os
f = json.load(open(sys.argv[1]))
results, device, dataset, model, rows, t0, t1, minority = sys.argv[2:10]
sample_s = float(t1) - float(t0)
line = [datetime.date.today().isoformat(), str(os.cpu_count()), device, dataset, model, rows, str(f["epochs"]),
        f'{f["transformer_fit_seconds"]:.3f}', f'{f["train_seconds"]:.1f}', f'{f["train_seconds"] / f["epochs"]:.3f}',
        f'{sample_s:.2f}', rows, minority]
# TabDDPM counts optimiser steps (steps_per_epoch per "epoch"); other models leave this empty.
steps = f.get("steps")
line.append(f'{f["train_seconds"] / steps * 1000:.1f}' if steps else "")
open(results, "a").write(",".join(line) + "\n")
print(",".join(line))
PY
    done
done

#!/usr/bin/env bash
# CPU speed of synthkit (burn-flex) against SDV's CTGANSynthesizer / TVAESynthesizer (PyTorch CPU)
# on one table, in one run on this machine: per-epoch time, fixed overhead, peak host memory,
# sampling time, as ratios SDV / synthkit. Writes benches/results/speed-cpu.{json,md}.
#
#   scripts/compare_sdv.sh                       # adult, CTGAN and TVAE, 5 epochs, 100k sampled rows
#   EPOCHS=10 REPEATS=2 scripts/compare_sdv.sh   # more epochs; every pair run twice
#   SET=ai4i MODELS=ctgan scripts/compare_sdv.sh # another config in configs/, one model
#
# SDV comes from PyPI into a virtual environment under runs/ (ignored by git; SDV_VENV moves it):
# `pip install sdv` brings PyTorch with its CUDA libraries (about 6 GB on disk), which run on the
# CPU here. Only this script installs it; no test needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

set_name="${SET:-adult}"
read -r -a models <<< "${MODELS:-ctgan tvae}"
epochs="${EPOCHS:-5}"
repeats="${REPEATS:-1}"
sample_rows="${SAMPLE_ROWS:-100000}"
venv="${SDV_VENV:-runs/sdv-venv}"
dir="${OUT_DIR:-runs/compare-sdv}"
results="${RESULTS:-benches/results/speed-cpu}"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sdv" 2>/dev/null; then
    echo "installing SDV into $venv (PyPI; several GB, a few minutes)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet sdv
fi

# Build the CLI the way the tests build it (the same feature set, so nothing of burn is rebuilt).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/synthkit-target}"
cargo test --workspace --no-run --quiet
bin="$CARGO_TARGET_DIR/debug/synthkit"

rm -rf "$dir"
mkdir -p "$dir"
lscpu > "$dir/lscpu.txt"
config_of() { if [ "$1" = tvae ]; then echo "configs/$set_name-tvae.toml"; else echo "configs/$set_name.toml"; fi; }
configs=()
for m in "${models[@]}"; do configs+=("\"$(config_of "$m")\""); done
python3 - "$dir/meta.json" "$epochs" "$repeats" "$sample_rows" "${models[0]}" "$(IFS=,; echo "${configs[*]}")" \
    "$(uptime)" "$(nproc)" "$(free -g | awk '/Mem:/ {print $2 " GiB"}')" \
    "$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates src Cargo.toml || echo '+changes')" \
    "${models[*]}" <<'PY'
import json, sys
out, epochs, repeats, rows, million, configs, up, nproc, mem, git, models = sys.argv[1:12]
json.dump({"epochs": int(epochs), "repeats": int(repeats), "sample_rows": int(rows),
           "million_model": million, "configs": json.loads(f"[{configs}]"),
           "uptime_before": up.strip(), "nproc": int(nproc), "memory": mem, "git": git,
           "models": models.split()}, open(out, "w"), indent=2)
PY

for rep in $(seq 0 $((repeats - 1))); do
    for m in "${models[@]}"; do
        cfg="$(config_of "$m")"
        echo "== run $rep, $m: SDV" >&2
        /usr/bin/time -v -o "$dir/sdv-$m-$rep.time" "$venv/bin/python" scripts/compare_sdv.py sdv \
            --model "$m" --config "$cfg" --epochs "$epochs" --rows "$sample_rows" --out "$dir/sdv-$m-$rep.json" \
            > "$dir/sdv-$m-$rep.log" 2>&1
        echo "== run $rep, $m: synthkit" >&2
        /usr/bin/time -v -o "$dir/synthkit-$m-$rep.time" "$bin" fit --config "$cfg" --epochs "$epochs" \
            --out "$dir/synthkit-$m-$rep" --force --quiet > "$dir/synthkit-$m-$rep.log" 2>&1
        /usr/bin/time -v -o "$dir/synthkit-$m-$rep-sample.time" "$bin" sample --model "$dir/synthkit-$m-$rep" \
            --rows "$sample_rows" --seed 1 --out "$dir/synthkit-$m-$rep/sample.csv" --force >> "$dir/synthkit-$m-$rep.log" 2>&1
    done
done

echo "== synthkit: one million rows (${models[0]})" >&2
/usr/bin/time -v -o "$dir/synthkit-million.time" "$bin" sample --model "$dir/synthkit-${models[0]}-0" \
    --rows 1000000 --seed 2 --out "$dir/million.csv" --force > "$dir/synthkit-million.log" 2>&1
rm -f "$dir/million.csv"
uptime > "$dir/uptime-after.txt"

python3 scripts/compare_sdv.py report --dir "$dir" --out "$results"

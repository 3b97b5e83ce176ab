#!/usr/bin/env bash
# Sample quality of synthkit's CTGAN against the reference CTGAN (PyPI `ctgan`, sdv-dev/CTGAN)
# trained on the same train split with the same epochs, both judged on the real test rows:
# per-column KS, correlation-matrix difference, the class share of an unconditional sample, and
# a conditional sample of the positive class (how many rows of the class each returns, and how
# close they are to the real positive test rows). Writes benches/results/reference-quality/<set>.md.
#
#   scripts/reference_quality.sh                  # ai4i, 300 epochs (the paper default)
#   SET=thyroid_sick EPOCHS=100 scripts/reference_quality.sh
#
# The reference comes from PyPI into a virtual environment under runs/ (REF_VENV moves it;
# `pip install ctgan` brings PyTorch, several GB). Only this script installs it; no test needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

set_name="${SET:-ai4i}"
epochs="${EPOCHS:-300}"
seed="${SEED:-0}"
venv="${REF_VENV:-runs/ctgan-venv}"
dir="runs/reference-quality/$set_name"
results="benches/results/reference-quality"

config="configs/$set_name.toml"
data_dir="$(sed -n 's/^train *= *"\(.*\)\/train.csv".*/\1/p' "$config")"
target="$(python3 -c "import json,sys; m=json.load(open('$data_dir/meta.json')); print(m['target'])")"
positive="$(python3 -c "import json,sys; m=json.load(open('$data_dir/meta.json')); print(m['positive'])")"

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import ctgan" 2>/dev/null; then
    echo "installing the reference ctgan into $venv (PyPI; several GB, a few minutes)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet ctgan
fi

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/synthkit-target}"
cargo test --workspace --no-run --quiet   # the test build's binary: nothing of burn is rebuilt
bin="$CARGO_TARGET_DIR/debug/synthkit"

rm -rf "$dir"
mkdir -p "$dir/sdv" "$dir/synthkit" "$results"
rows="$(($(wc -l < "$data_dir/train.csv") - 1))"

start=$(date +%s)
"$bin" fit --config "$config" --epochs "$epochs" --seed "$seed" --out "$dir/synthkit/run" --quiet
ours_s=$(($(date +%s) - start))
"$bin" sample --model "$dir/synthkit/run" --rows "$rows" --seed "$seed" --out "$dir/synthkit/all.csv"
"$bin" sample --model "$dir/synthkit/run" --rows 1000 --seed "$seed" \
    --where "$target=$positive" --out "$dir/synthkit/rare.csv"

"$venv/bin/python" scripts/reference/sdv_ctgan.py "$data_dir" "$target" "$positive" "$epochs" "$seed" "$dir/sdv"

out="$results/$set_name.md"
{
    echo "# CTGAN sample quality: synthkit against the reference, $set_name"
    echo
    echo "Command: \`SET=$set_name EPOCHS=$epochs SEED=$seed scripts/reference_quality.sh\` ($(date -u +%F))."
    echo "Both trained on \`$data_dir/train.csv\` with the paper defaults for $epochs epochs; synthkit"
    echo "$(git rev-parse --short HEAD), reference ctgan $("$venv/bin/python" -c 'import ctgan; print(ctgan.__version__)')."
    echo "Fit time on this machine ($(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)): synthkit ${ours_s} s,"
    echo "reference $("$venv/bin/python" -c "import json; print(round(json.load(open('$dir/sdv/fit.json'))['fit_seconds']))") s."
    echo "\`where\` rows: 1000 rows asked for with the positive class as the condition; synthkit returned"
    echo "$(python3 -c "import csv; print(sum(r['$target']=='$positive' for r in csv.DictReader(open('$dir/synthkit/rare.csv'))))") of the class, the reference $("$venv/bin/python" -c "import json; print(json.load(open('$dir/sdv/fit.json'))['rare_rows_of_the_class'])")."
    echo
    "$venv/bin/python" scripts/reference/quality.py "$data_dir" "$target" "$positive" \
        "synthkit=$dir/synthkit/all.csv" "synthkit where=$dir/synthkit/rare.csv" \
        "reference=$dir/sdv/all.csv" "reference where=$dir/sdv/rare.csv"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $out"

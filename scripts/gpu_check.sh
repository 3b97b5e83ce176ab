#!/usr/bin/env bash
# The GPU proof of issue 20 in one command: wgpu fits of CTGAN, TVAE and TabDDPM on adult, seconds
# per epoch, a million CTGAN rows sampled, peak GPU memory, beside the Python peers' GPU timings.
# Writes benches/results/speed-gpu.{md,json}.
#
# Three modes:
#   scripts/gpu_check.sh pack       # here (build machine): strip the built synthkit, bring Debian's
#                                   # Vulkan loader (libvulkan.so.1), the adult data set and the three
#                                   # adult configs into runs/gpu-pack/ and runs/gpu-pack.tar.gz
#   scripts/gpu_check.sh run        # on the GPU machine (no Rust, no Vulkan loader, no network)
#   scripts/gpu_check.sh selftest   # here, on lavapipe (CPU Vulkan): the whole run with tiny budgets
#                                   # on 2,000 training rows; writes to a temp dir, never to
#                                   # benches/results
#
# The GPU machine either runs it from a copy of the repository with the tarball carried along
# (`run` unpacks runs/gpu-pack.tar.gz by itself):
#   EXPORT_DIR=$OUT scripts/gpu_check.sh run          # EXPORT_DIR: also copy results and logs there
# or from the unpacked tarball alone:
#   tar xzf gpu-pack.tar.gz && gpu-pack/scripts/gpu_check.sh run
#
# Environment (run and selftest):
#   EPOCHS=10       CTGAN epochs (TVAE_EPOCHS defaults to the same)
#   STEPS=1000      TabDDPM optimiser steps (its reference base budget; 100 steps are one "epoch")
#   SAMPLE_ROWS=1000000   rows sampled from the CTGAN model, to CSV (then deleted; selftest: 2000)
#   SAMPLE_DEVICES="wgpu cpu"   where those rows are sampled
#   BUDGET_S=540    wall-clock budget of all fits and samples together: every step gets at most
#                   PHASE_TIMEOUT_S (default 240) and never more than what is left, so the whole
#                   proof returns within 10 minutes with whatever finished
#   OUT_DIR=runs/gpu-check   run directories and logs; RESULTS=benches/results/speed-gpu (prefix)
#   SYNTHKIT_BIN    a synthkit binary (else the packed one, else $CARGO_TARGET_DIR/debug/synthkit)
#   TRAIN_ROWS      train on the first N rows of adult only (selftest: 2000)
# Without nvidia-smi the run says so, still runs (GPU memory "unavailable") and writes its results
# under OUT_DIR instead of benches/results: lavapipe timings are not GPU results.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

die() { echo "gpu_check.sh: $*" >&2; exit 1; }
now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
# A JSON number, or null when empty.
jnum() { if [ -n "${1:-}" ]; then printf '%s' "$1"; else printf 'null'; fi; }
# A JSON string (no control characters expected).
jstr() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '"%s"' "$s"; }
# A number from a pretty-printed serde_json file: `"key": 1.5,`.
json_num() { sed -n "s/^ *\"$2\": *\([-0-9.eE+]*\),\{0,1\}\$/\1/p" "$1" | head -n 1; }
# Median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) printf "%.4f", v[(NR + 1) / 2]; else printf "%.4f", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
vulkan_loader() { ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 .*x86-64/ { print $NF; exit }'; }

# ---------------------------------------------------------------------------------------------
# pack
# ---------------------------------------------------------------------------------------------
pack() {
    local dest="${PACK_DIR:-runs/gpu-pack}"
    local tarball="${PACK_TAR:-$dest.tar.gz}"
    local bin="${SYNTHKIT_BIN:-}"
    if [ -z "$bin" ]; then
        command -v cargo >/dev/null || die "no cargo here: set SYNTHKIT_BIN=/path/to/synthkit, or install Rust 1.95+ and run scripts/setup.sh"
        export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/synthkit-target}"
        echo "== cargo build --workspace (the feature set of cargo test: no rebuild of burn)" >&2
        cargo build --workspace --quiet
        bin="$CARGO_TARGET_DIR/debug/synthkit"
    fi
    [ -x "$bin" ] || die "no synthkit binary at $bin: build it (cargo build --workspace) or set SYNTHKIT_BIN"
    command -v strip >/dev/null || die "no strip: apt-get install binutils"
    local loader
    loader="$(vulkan_loader)"
    [ -n "$loader" ] || die "no libvulkan.so.1 here: run scripts/setup.sh (apt-get install libvulkan1)"
    for f in configs/adult.toml configs/adult-tvae.toml configs/adult-tabddpm.toml datasets/adult/train.csv datasets/adult/test.csv; do
        [ -f "$f" ] || die "missing $f (run from a full checkout)"
    done

    local tmp="$dest.tmp"
    rm -rf "$tmp"
    mkdir -p "$tmp/bin" "$tmp/lib" "$tmp/configs" "$tmp/datasets/adult" "$tmp/scripts" "$(dirname "$tarball")"
    strip -o "$tmp/bin/synthkit" "$bin"
    cp -L "$loader" "$tmp/lib/libvulkan.so.1"
    cp configs/adult.toml configs/adult-tvae.toml configs/adult-tabddpm.toml "$tmp/configs/"
    cp datasets/adult/* "$tmp/datasets/adult/"
    cp "$here/gpu_check.sh" "$tmp/scripts/gpu_check.sh"
    local rev="unknown"
    if git rev-parse --short HEAD >/dev/null 2>&1; then
        rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates src Cargo.toml Cargo.lock || echo '+changes')"
    fi
    if [ -n "${SYNTHKIT_BIN:-}" ]; then
        rev="$rev (the checkout when packed; SYNTHKIT_BIN was built $(date -u -r "$bin" +%Y-%m-%dT%H:%M:%SZ), maybe from an earlier one)"
    fi
    {
        echo "git=$rev"
        echo "packed=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "binary=$bin"
        echo "binary_sha256=$(sha256sum "$tmp/bin/synthkit" | cut -d' ' -f1)"
        echo "profile=dev (dependencies at opt-level 3, our crates at 1; Cargo.toml), stripped"
        echo "vulkan_loader=$(readlink -f "$loader")"
        echo "built_on=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), glibc $(ldd --version 2>/dev/null | head -n 1 | awk '{ print $NF }')"
    } > "$tmp/PACK.txt"
    rm -rf "$dest"
    mv "$tmp" "$dest"
    tar -C "$(dirname "$dest")" -czf "$tarball.tmp" "$(basename "$dest")"
    mv "$tarball.tmp" "$tarball"

    local size_mib unpacked_mib
    size_mib=$(awk -v b="$(stat -c %s "$tarball")" 'BEGIN { printf "%.1f", b / 1048576 }')
    unpacked_mib=$(du -sm "$dest" | cut -f1)
    echo "packed $dest ($unpacked_mib MiB) -> $tarball ($size_mib MiB)"
    sed 's/^/  /' "$dest/PACK.txt"
    if awk -v s="$size_mib" 'BEGIN { exit !(s > 64) }'; then
        echo "gpu_check.sh: warning: $tarball is over 64 MiB, more than the GPU machine can be brought" >&2
    fi
    echo "on the GPU machine: bring $tarball (run's carry), then: EXPORT_DIR=\$OUT scripts/gpu_check.sh run"
}

# ---------------------------------------------------------------------------------------------
# run / selftest
# ---------------------------------------------------------------------------------------------

# The synthkit binary to run, and LD_LIBRARY_PATH for a packed Vulkan loader next to it.
find_binary() {
    local tarball="${PACK_TAR:-runs/gpu-pack.tar.gz}"
    if [ -n "${SYNTHKIT_BIN:-}" ]; then
        bin="$SYNTHKIT_BIN"
    elif [ -x "$root/bin/synthkit" ]; then
        bin="$root/bin/synthkit"                          # running inside an unpacked pack
    elif [ -f "$tarball" ]; then
        if [ ! -x runs/gpu-pack/bin/synthkit ] || [ "$tarball" -nt runs/gpu-pack/bin/synthkit ]; then
            echo "== unpacking $tarball into runs/" >&2
            mkdir -p runs
            rm -rf runs/gpu-pack
            tar -C runs -xzf "$tarball"
            touch runs/gpu-pack/bin/synthkit
        fi
        bin="$root/runs/gpu-pack/bin/synthkit"
    elif [ -x runs/gpu-pack/bin/synthkit ]; then
        bin="$root/runs/gpu-pack/bin/synthkit"
    else
        bin="${CARGO_TARGET_DIR:-$HOME/.cache/synthkit-target}/debug/synthkit"
        [ -x "$bin" ] || die "no synthkit binary: run 'scripts/gpu_check.sh pack' on the build machine and bring runs/gpu-pack.tar.gz, or set SYNTHKIT_BIN=/path/to/synthkit"
    fi
    [ -x "$bin" ] || die "SYNTHKIT_BIN=$bin is not an executable file"
    bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
    pack_txt="$(dirname "$bin")/../PACK.txt"
    local libdir
    libdir="$(cd "$(dirname "$bin")/.." && pwd)/lib"
    if [ -f "$libdir/libvulkan.so.1" ]; then
        export LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    fi
    local found=""
    local d dirs
    IFS=: read -r -a dirs <<< "${LD_LIBRARY_PATH:-}"
    for d in "${dirs[@]}"; do [ -n "$d" ] && [ -f "$d/libvulkan.so.1" ] && { found="$d/libvulkan.so.1"; break; }; done
    [ -n "$found" ] || found="$(vulkan_loader)"
    [ -n "$found" ] || die "no libvulkan.so.1: run scripts/setup.sh here, or bring the packed loader ('scripts/gpu_check.sh pack', then run from the pack or with LD_LIBRARY_PATH=<pack>/lib)"
    loader="$found"
}

# Runs synthkit in the background with a deadline; records the wall time, the exit status, the
# graphics driver libraries it mapped (proof of which Vulkan driver wgpu used) and, with
# nvidia-smi, the peak GPU memory. Sets: st_wall st_rc st_status st_drivers st_gpu_peak.
timed() {
    local name="$1" limit="$2"
    shift 2
    local log="$dir/$name.log" drivers="$dir/$name.drivers" mem="$dir/$name.gpumem" flag="$dir/$name.timedout"
    rm -f "$drivers" "$mem" "$flag"
    local mon=""
    if [ "$gpu" = 1 ]; then
        nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits -lms 200 > "$mem" 2>/dev/null &
        mon=$!
    fi
    local t0
    t0=$(now)
    RUST_LOG="${RUST_LOG:-info}" "$bin" "$@" > "$log" 2>&1 &
    local pid=$!
    (
        set +e
        start=$(date +%s)
        seen=""
        while kill -0 "$pid" 2>/dev/null; do
            # Every driver library the process maps while it runs (the loader may open several ICDs).
            libs=$(grep -oE '/[^ ]*(vulkan|nvidia|lvp|swrast|radeon|intel|GLX|EGL)[^ /]*\.so[^ /]*' "/proc/$pid/maps" 2>/dev/null)
            if [ -n "$libs" ]; then
                all=$(printf '%s\n%s\n' "$seen" "$libs" | grep . | sort -u)
                if [ "$all" != "$seen" ]; then
                    seen="$all"
                    echo "$seen" > "$drivers"
                fi
            fi
            if [ $(($(date +%s) - start)) -ge "$limit" ]; then
                : > "$flag"
                kill -TERM "$pid" 2>/dev/null
                sleep 5
                kill -KILL "$pid" 2>/dev/null
                exit 0
            fi
            sleep 0.2
        done
    ) &
    local watch=$!
    set +e
    wait "$pid"
    st_rc=$?
    set -e
    local t1
    t1=$(now)
    wait "$watch" 2>/dev/null || true
    if [ -n "$mon" ]; then
        kill "$mon" 2>/dev/null || true
        wait "$mon" 2>/dev/null || true
    fi
    st_wall=$(sub "$t1" "$t0")
    st_drivers=""
    [ -f "$drivers" ] && st_drivers=$(tr '\n' ' ' < "$drivers" | sed 's/ $//')
    st_gpu_peak=""
    [ -s "$mem" ] && st_gpu_peak=$(grep -E '^ *[0-9]+ *$' "$mem" | sort -n | tail -n 1 | tr -d ' ')
    if [ -f "$flag" ]; then
        st_status="timed out after ${limit} s"
    elif [ "$st_rc" = 0 ]; then
        st_status="ok"
    else
        st_status="failed (exit $st_rc, see $log)"
    fi
    echo "   $name: $st_status, ${st_wall} s${st_gpu_peak:+, peak GPU $st_gpu_peak MiB}" >&2
}

# Seconds left of BUDGET_S, capped at PHASE_TIMEOUT_S.
limit_now() {
    local left
    left=$(awk -v b="$budget" -v s="$run_t0" -v n="$(now)" 'BEGIN { printf "%d", b - (n - s) }')
    [ "$left" -lt "$phase_timeout" ] && echo "$left" || echo "$phase_timeout"
}

# One fit; appends its JSON object to fits_json and its table row to fits_md.
fit_one() {
    local model="$1" cfg="$2" budget_flag="$3" budget_n="$4"
    local out="$dir/fit-$model"
    local limit
    limit=$(limit_now)
    local row_budget="$budget_n ${budget_flag#--}"
    local status wall="" train="" blocks="" steps="" per="" first="" per1000="" overhead="" tfit="" load="" peak="" drivers=""
    if [ "$limit" -lt 10 ]; then
        status="skipped (BUDGET_S=$budget used up)"
        echo "   fit-$model: $status" >&2
    else
        echo "== fit $model on wgpu ($row_budget, at most $limit s)" >&2
        timed "fit-$model" "$limit" fit --config "$cfg" --device wgpu "$budget_flag" "$budget_n" --out "$out" --force --quiet
        status="$st_status" wall="$st_wall" peak="$st_gpu_peak" drivers="$st_drivers"
        if [ "$st_rc" = 0 ] && [ -f "$out/fit.json" ] && [ -f "$out/model/losses.csv" ]; then
            train=$(json_num "$out/fit.json" train_seconds)
            tfit=$(json_num "$out/fit.json" transformer_fit_seconds)
            load=$(json_num "$out/fit.json" load_seconds)
            steps=$(json_num "$out/fit.json" steps)
            blocks=$(tail -n +2 "$out/model/losses.csv" | grep -c . || true)
            first=$(tail -n +2 "$out/model/losses.csv" | head -n 1 | cut -d, -f2)
            # The median block after the first (autotune and shader compilation land in the first)
            # when there are 3 or more, as scripts/compare_sdv.py does.
            if [ "$blocks" -ge 3 ]; then
                per=$(tail -n +3 "$out/model/losses.csv" | cut -d, -f2 | median)
            else
                per=$(tail -n +2 "$out/model/losses.csv" | cut -d, -f2 | median)
            fi
            local sum
            sum=$(tail -n +2 "$out/model/losses.csv" | cut -d, -f2 | awk '{ s += $1 } END { printf "%.4f", s }')
            overhead=$(sub "$wall" "$sum")
            [ -n "$steps" ] && per1000=$(awk -v t="$train" -v s="$steps" 'BEGIN { if (s > 0) printf "%.2f", t / s * 1000 }')
        fi
    fi
    [ -n "$fits_json" ] && fits_json+=","
    fits_json+=$'\n    '"{\"model\": $(jstr "$model"), \"config\": $(jstr "$cfg"), \"budget\": $(jstr "$row_budget"), \"status\": $(jstr "$status"), "
    fits_json+="\"wall_seconds\": $(jnum "$wall"), \"train_seconds\": $(jnum "$train"), \"blocks\": $(jnum "$blocks"), \"steps\": $(jnum "$steps"), "
    fits_json+="\"seconds_per_epoch\": $(jnum "$per"), \"first_epoch_seconds\": $(jnum "$first"), \"seconds_per_1000_steps\": $(jnum "$per1000"), "
    fits_json+="\"overhead_seconds\": $(jnum "$overhead"), \"transformer_fit_seconds\": $(jnum "$tfit"), \"load_seconds\": $(jnum "$load"), "
    fits_json+="\"peak_gpu_mib\": $(jnum "$peak"), \"driver_libraries\": $(jstr "$drivers")}"
    fits_md+="| $model | $row_budget | $(f2 "$wall") | $(f2 "$train") | $(f2 "$per") | $(f2 "$first") | $(f2 "$per1000") | $(f2 "$overhead") | ${peak:-$mem_na} | $status |"$'\n'
    printf -v "per_epoch_$model" '%s' "$per"
    printf -v "overhead_$model" '%s' "$overhead"
    printf -v "per1000_$model" '%s' "$per1000"
    printf -v "status_$model" '%s' "$status"
    printf -v "drivers_$model" '%s' "$drivers"
    printf -v "peak_$model" '%s' "$peak"
}

# Samples SAMPLE_ROWS rows from the CTGAN model on one device.
sample_one() {
    local device="$1"
    local model="$dir/fit-ctgan" csv="$dir/sample-$device.csv"
    local limit status wall="" rate="" peak="" bytes=""
    limit=$(limit_now)
    if [ "${status_ctgan:-}" != ok ]; then
        status="skipped (no CTGAN model)"
        echo "   sample-$device: $status" >&2
    elif [ "$limit" -lt 10 ]; then
        status="skipped (BUDGET_S=$budget used up)"
        echo "   sample-$device: $status" >&2
    else
        echo "== sample $sample_rows CTGAN rows on $device to CSV (at most $limit s)" >&2
        timed "sample-$device" "$limit" sample --model "$model" --rows "$sample_rows" --seed 1 --device "$device" --out "$csv" --force
        status="$st_status" wall="$st_wall" peak="$st_gpu_peak"
        if [ "$st_rc" = 0 ] && [ -f "$csv" ]; then
            local lines
            lines=$(($(wc -l < "$csv") - 1))
            bytes=$(stat -c %s "$csv")
            [ "$lines" = "$sample_rows" ] || status="wrong row count: $lines"
            rate=$(awk -v r="$sample_rows" -v w="$wall" 'BEGIN { printf "%.0f", r / w }')
        fi
        rm -f "$csv"
    fi
    [ -n "$samples_json" ] && samples_json+=","
    samples_json+=$'\n    '"{\"device\": $(jstr "$device"), \"rows\": $sample_rows, \"status\": $(jstr "$status"), \"wall_seconds\": $(jnum "$wall"), "
    samples_json+="\"rows_per_second\": $(jnum "$rate"), \"csv_bytes\": $(jnum "$bytes"), \"peak_gpu_mib\": $(jnum "$peak")}"
    samples_md+="| $device | $sample_rows | $(f2 "$wall") | ${rate:-–} | ${peak:-$mem_na} | $status |"$'\n'
    [ "$device" = wgpu ] && sample_wgpu_s="$wall"
    return 0
}

ratio() { if [ -n "$1" ] && [ -n "$2" ]; then awk -v p="$1" -v o="$2" 'BEGIN { if (o > 0) printf "%.3g", p / o }'; fi; }
# A number with two decimals for the tables, or a dash.
f2() { if [ -n "${1:-}" ]; then awk -v x="$1" 'BEGIN { printf "%.2f", x }'; else printf '–'; fi; }

run() {
    local selftest="${SELFTEST:-0}"
    if [ "$selftest" = 1 ]; then
        epochs="${EPOCHS:-1}"
        steps="${STEPS:-10}"
        sample_rows="${SAMPLE_ROWS:-2000}"
        train_rows="${TRAIN_ROWS:-2000}"
        budget="${BUDGET_S:-3600}"
        phase_timeout="${PHASE_TIMEOUT_S:-1800}"
        dir="${OUT_DIR:-$(mktemp -d /tmp/gpu-check-selftest.XXXXXX)}"
        export CUBECL_AUTOTUNE_LEVEL="${CUBECL_AUTOTUNE_LEVEL:-minimal}"   # lavapipe: 60-110 s per shape otherwise
    else
        epochs="${EPOCHS:-10}"
        steps="${STEPS:-1000}"
        sample_rows="${SAMPLE_ROWS:-1000000}"
        train_rows="${TRAIN_ROWS:-}"
        budget="${BUDGET_S:-540}"
        phase_timeout="${PHASE_TIMEOUT_S:-240}"
        dir="${OUT_DIR:-runs/gpu-check}"
    fi
    tvae_epochs="${TVAE_EPOCHS:-$epochs}"
    read -r -a sample_devices <<< "${SAMPLE_DEVICES:-wgpu cpu}"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ -n "${XDG_RUNTIME_DIR:-}" ] && [ -d "$XDG_RUNTIME_DIR" ] && [ -w "$XDG_RUNTIME_DIR" ] || { XDG_RUNTIME_DIR="$(mktemp -d)"; export XDG_RUNTIME_DIR; }

    find_binary
    echo "== synthkit: $bin" >&2
    echo "== Vulkan loader: $loader" >&2

    gpu=0
    mem_na="unavailable"
    local gpu_name="" gpu_driver="" gpu_total="" baseline=""
    if command -v nvidia-smi >/dev/null && nvidia-smi > "$dir/nvidia-smi.txt" 2>&1; then
        gpu=1
        mem_na="–"
        cat "$dir/nvidia-smi.txt"
        gpu_name=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -n 1)
        gpu_driver=$(nvidia-smi --query-gpu=driver_version --format=csv,noheader | head -n 1)
        gpu_total=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -n 1 | tr -d ' ')
        baseline=$(nvidia-smi --query-gpu=memory.used --format=csv,noheader,nounits | head -n 1 | tr -d ' ')
        compgen -G '/usr/share/vulkan/icd.d/*nvidia*' >/dev/null || compgen -G '/etc/vulkan/icd.d/*nvidia*' >/dev/null \
            || echo "gpu_check.sh: warning: no nvidia Vulkan ICD json in /usr/share/vulkan/icd.d or /etc/vulkan/icd.d; wgpu may not find the GPU" >&2
    else
        echo "==================================================================================" >&2
        echo "gpu_check.sh: nvidia-smi not found (or failed): no NVIDIA GPU here." >&2
        echo "  Running anyway on whatever adapter wgpu finds (lavapipe on a CPU machine);" >&2
        echo "  GPU memory is marked unavailable, and the results stay in $dir" >&2
        echo "  (not benches/results: these are not GPU timings)." >&2
        echo "==================================================================================" >&2
    fi
    if [ -n "${RESULTS:-}" ]; then
        results="$RESULTS"
    elif [ "$selftest" = 1 ] || [ "$gpu" = 0 ]; then
        results="$dir/speed-gpu"
    else
        results="benches/results/speed-gpu"
    fi
    if [ "$gpu" = 0 ] && [ "$selftest" = 0 ] && [ "$results" = benches/results/speed-gpu ]; then
        die "RESULTS=benches/results/speed-gpu without a GPU: lavapipe timings are not GPU results"
    fi
    mkdir -p "$(dirname "$results")"

    # Configs: the shipped ones, or copies reading only the first TRAIN_ROWS rows.
    local cfg_ctgan=configs/adult.toml cfg_tvae=configs/adult-tvae.toml cfg_tabddpm=configs/adult-tabddpm.toml
    if [ -n "$train_rows" ]; then
        mkdir -p "$dir/configs"
        head -n $((train_rows + 1)) datasets/adult/train.csv > "$dir/configs/train-head.csv"
        local c
        for c in adult adult-tvae adult-tabddpm; do
            sed -e "s#^train = .*#train = \"$dir/configs/train-head.csv\"#" -e "s#\"datasets/#\"$root/datasets/#g" \
                "configs/$c.toml" > "$dir/configs/$c.toml"
        done
        cfg_ctgan="$dir/configs/adult.toml" cfg_tvae="$dir/configs/adult-tvae.toml" cfg_tabddpm="$dir/configs/adult-tabddpm.toml"
    fi

    local rev="unknown"
    if [ -f "$pack_txt" ]; then
        rev=$(sed -n 's/^git=//p' "$pack_txt")
    elif git rev-parse --short HEAD >/dev/null 2>&1; then
        rev="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- crates src Cargo.toml Cargo.lock || echo '+changes')"
    fi
    local cpu nproc_ mem_host started
    cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
    nproc_=$(nproc)
    mem_host=$(awk '/^MemTotal:/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
    started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    echo "== budgets: CTGAN $epochs epochs, TVAE $tvae_epochs epochs, TabDDPM $steps steps, $sample_rows sampled rows on ${sample_devices[*]}; at most $budget s in all${train_rows:+; first $train_rows training rows}" >&2

    fits_json="" fits_md="" samples_json="" samples_md="" sample_wgpu_s=""
    run_t0=$(now)
    fit_one ctgan "$cfg_ctgan" --epochs "$epochs"
    [[ " ${sample_devices[*]} " == *" wgpu "* ]] && sample_one wgpu
    fit_one tvae "$cfg_tvae" --epochs "$tvae_epochs"
    fit_one tabddpm "$cfg_tabddpm" --steps "$steps"
    local d
    for d in "${sample_devices[@]}"; do [ "$d" = wgpu ] || sample_one "$d"; done
    local total
    total=$(sub "$(now)" "$run_t0")
    echo "== all fits and samples: $total s" >&2

    # Which Vulkan driver did wgpu use? (libraries mapped by the CTGAN fit)
    local used="${drivers_ctgan:-}" verdict
    if echo "$used" | grep -q nvidia; then verdict="NVIDIA Vulkan driver"
    elif echo "$used" | grep -q lvp; then verdict="Mesa lavapipe (CPU Vulkan)"
    elif echo "$used" | grep -q swrast; then verdict="Mesa llvmpipe via OpenGL (CPU)"
    elif [ -n "$used" ]; then verdict="unrecognised: $used"
    else verdict="not seen"
    fi
    local warn=""
    if [ "$gpu" = 1 ] && [ "$verdict" != "NVIDIA Vulkan driver" ]; then
        warn="wgpu did not run on the NVIDIA driver ($verdict): these are not GPU timings"
    elif [ "$gpu" = 1 ] && [ -n "${peak_ctgan:-}" ] && [ -n "$baseline" ] && [ $((peak_ctgan - baseline)) -lt 64 ]; then
        # The loader maps every ICD it finds; GPU memory that grows during the fit shows the work ran there.
        warn="GPU memory grew by only $((peak_ctgan - baseline)) MiB during the CTGAN fit: wgpu may have run on another adapter ($used)"
    fi
    [ -z "$warn" ] || echo "gpu_check.sh: warning: $warn" >&2

    # Peers (REFERENCES.md §2.5 says no authoritative per-epoch GPU timings are published; the SDV
    # H100 figures are the project's own anchor, quoted in issues 8 and 20).
    local r_ctgan r_tvae r_over
    r_ctgan=$(ratio 2.0 "${per_epoch_ctgan:-}")
    r_tvae=$(ratio 1.4 "${per_epoch_tvae:-}")
    r_over=$(ratio 46 "${overhead_ctgan:-}")
    local sdgym_ctgan sdgym_tvae
    sdgym_ctgan=$(awk 'BEGIN { printf "%.2f", 2316 / 300 }')
    sdgym_tvae=$(awk 'BEGIN { printf "%.2f", 1091 / 300 }')

    local machine="${gpu_name:-no NVIDIA GPU (nvidia-smi absent)}"
    {
        echo "{"
        echo "  \"what\": \"synthkit on wgpu: CTGAN, TVAE and TabDDPM fits on adult, CTGAN sampling, peak GPU memory; written by scripts/gpu_check.sh\","
        echo "  \"selftest\": $([ "$selftest" = 1 ] && echo true || echo false),"
        echo "  \"started\": $(jstr "$started"),"
        echo "  \"git\": $(jstr "$rev"),"
        echo "  \"gpu\": {\"name\": $(jstr "$gpu_name"), \"driver\": $(jstr "$gpu_driver"), \"memory_total_mib\": $(jnum "$gpu_total"), \"memory_used_before_mib\": $(jnum "$baseline"), \"nvidia_smi\": $([ "$gpu" = 1 ] && echo true || echo false)},"
        echo "  \"wgpu_driver\": $(jstr "$verdict"),"
        echo "  \"warning\": $(jstr "$warn"),"
        echo "  \"host\": {\"cpu\": $(jstr "$cpu"), \"nproc\": $nproc_, \"memory\": $(jstr "$mem_host")},"
        echo "  \"env\": {\"CUBECL_AUTOTUNE_LEVEL\": $(jstr "${CUBECL_AUTOTUNE_LEVEL:-}"), \"vulkan_loader\": $(jstr "$loader")},"
        echo "  \"budgets\": {\"ctgan_epochs\": $epochs, \"tvae_epochs\": $tvae_epochs, \"tabddpm_steps\": $steps, \"sample_rows\": $sample_rows, \"train_rows\": $(jnum "$train_rows"), \"budget_seconds\": $budget},"
        echo "  \"total_seconds\": $total,"
        echo "  \"fits\": [$fits_json"
        echo "  ],"
        echo "  \"samples\": [$samples_json"
        echo "  ],"
        echo "  \"peers\": ["
        echo "    {\"who\": \"SDV CTGANSynthesizer (PyTorch CUDA)\", \"hardware\": \"1x H100\", \"seconds_per_epoch\": 2.0, \"overhead_seconds\": 46, \"source\": \"issue 8 and issue 20 (the project's anchor; REFERENCES.md §2.5 line 327: no published per-epoch GPU timings)\", \"ratio_per_epoch_peer_over_synthkit\": $(jnum "$r_ctgan"), \"ratio_overhead_peer_over_synthkit\": $(jnum "$r_over")},"
        echo "    {\"who\": \"SDV TVAESynthesizer (PyTorch CUDA)\", \"hardware\": \"1x H100\", \"seconds_per_epoch\": 1.4, \"source\": \"issue 8\", \"ratio_per_epoch_peer_over_synthkit\": $(jnum "$r_tvae")},"
        echo "    {\"who\": \"tab-ddpm reference (PyTorch CUDA)\", \"hardware\": \"RTX 2080 Ti\", \"what\": \"30,000 steps, batch 4096, MLP 512-1024..., T=100, train + sample about 7 min on churn2\", \"seconds_per_1000_steps_at_most\": 14.0, \"source\": \"REFERENCES.md §2.5 line 331 (tab-ddpm README)\"},"
        echo "    {\"who\": \"SDGym CTGAN / TVAE, adult, defaults (300 epochs)\", \"hardware\": \"not stated\", \"ctgan_seconds_per_epoch\": $sdgym_ctgan, \"tvae_seconds_per_epoch\": $sdgym_tvae, \"source\": \"REFERENCES.md §2.5 line 332 (Train_Time 2,316 s and 1,091 s)\"}"
        echo "  ]"
        echo "}"
    } > "$results.json.tmp"
    mv "$results.json.tmp" "$results.json"

    {
        if [ "$selftest" = 1 ] || [ "$gpu" = 0 ]; then
            echo "# GPU check $([ "$selftest" = 1 ] && echo SELFTEST || echo 'without a GPU') (not GPU results): synthkit on wgpu, $machine"
        else
            echo "# GPU speed: synthkit on wgpu, $machine"
        fi
        echo
        echo "Written by \`scripts/gpu_check.sh run\` (the binary and Vulkan loader from \`scripts/gpu_check.sh pack\`); the raw numbers are in \`$(basename "$results").json\`, the logs in \`$dir\` on the machine that ran it."
        echo
        [ -n "$warn" ] && { echo "**Warning: $warn.**"; echo; }
        echo "- GPU: ${gpu_name:-none: nvidia-smi absent, GPU memory unavailable}${gpu_driver:+, driver $gpu_driver}${gpu_total:+, $gpu_total MiB (in use before the run: $baseline MiB)}. wgpu ran on: $verdict."
        echo "- Host: $cpu, $nproc_ cores, $mem_host. synthkit at \`$rev\` (dev profile: dependencies at opt-level 3, our crates at 1; burn-wgpu with its default autotune and fusion)${CUBECL_AUTOTUNE_LEVEL:+; CUBECL_AUTOTUNE_LEVEL=$CUBECL_AUTOTUNE_LEVEL}. Started $started."
        echo "- Budgets: CTGAN $epochs epochs, TVAE $tvae_epochs epochs (batch 500, paper network sizes: configs/adult.toml, configs/adult-tvae.toml), TabDDPM $steps steps (configs/adult-tabddpm.toml; 100 steps are one block), ${train_rows:+the first $train_rows training rows only, }the whole run $total s."
        echo "- Per epoch = the median epoch after the first (the first holds autotune and shader compilation) when there are 3 or more. Overhead = the \`synthkit fit\` process's wall time minus its epochs (process start, CSV read, transformer fit, device set-up, saving). Peak GPU = the highest \`memory.used\` of the whole GPU, sampled every 200 ms during that step."
        echo
        echo "| model | budget | fit wall s | train s | s/epoch | first epoch s | s/1000 steps | overhead s | peak GPU MiB | status |"
        echo "|---|---|---|---|---|---|---|---|---|---|"
        printf '%s' "$fits_md"
        echo
        echo "Sampling from the CTGAN model to CSV (the whole \`synthkit sample\` process: load, generate, decode, write):"
        echo
        echo "| device | rows | wall s | rows/s | peak GPU MiB | status |"
        echo "|---|---|---|---|---|---|"
        printf '%s' "$samples_md"
        echo
        echo "Beside the Python peers' GPU timings (ratios peer / synthkit: above 1 means synthkit is faster; different GPUs where the hardware differs):"
        echo
        echo "| peer | hardware | their number | synthkit here | ratio | source |"
        echo "|---|---|---|---|---|---|"
        echo "| SDV CTGAN, s/epoch | 1× H100 | 2.0 | $(f2 "${per_epoch_ctgan:-}") | ${r_ctgan:+**${r_ctgan}×**} | issues 8 and 20 (REFERENCES.md §2.5, line 327: no published per-epoch GPU timings) |"
        echo "| SDV CTGAN, fixed overhead s | 1× H100 | ≈46 | $(f2 "${overhead_ctgan:-}") | ${r_over:+${r_over}×} | issue 8 |"
        echo "| SDV TVAE, s/epoch | 1× H100 | 1.4 | $(f2 "${per_epoch_tvae:-}") | ${r_tvae:+**${r_tvae}×**} | issue 8 |"
        echo "| tab-ddpm, s/1000 steps (30,000 steps of a wider MLP, train + sample ≈7 min: at most 14) | RTX 2080 Ti | ≤14 | $(f2 "${per1000_tabddpm:-}") | | REFERENCES.md §2.5, line 331 |"
        echo "| SDGym CTGAN / TVAE on adult, s/epoch (Train_Time / 300) | not stated | $sdgym_ctgan / $sdgym_tvae | $(f2 "${per_epoch_ctgan:-}") / $(f2 "${per_epoch_tvae:-}") | | REFERENCES.md §2.5, line 332 |"
    } > "$results.md.tmp"
    mv "$results.md.tmp" "$results.md"
    echo "== wrote $results.md and $results.json" >&2
    cat "$results.md"

    local failed=0
    echo "$fits_json$samples_json" | grep -q '"status": "ok"' || failed=1
    echo "$fits_json$samples_json" | grep '"status": ' | grep -vq '"status": "ok"' && failed=1
    [ -n "$warn" ] && failed=1
    return "$failed"
}

export_results() {
    [ -n "${EXPORT_DIR:-}" ] || return 0
    mkdir -p "$EXPORT_DIR"
    [ -n "${results:-}" ] && cp -f "$results.md" "$results.json" "$EXPORT_DIR/" 2>/dev/null || true
    [ -n "${dir:-}" ] && [ -d "$dir" ] && cp -f "$dir"/*.log "$dir"/*.drivers "$dir"/*.gpumem "$dir"/nvidia-smi.txt "$EXPORT_DIR/" 2>/dev/null || true
    [ -n "${dir:-}" ] && for f in "$dir"/fit-*/fit.json; do [ -f "$f" ] && cp -f "$f" "$EXPORT_DIR/$(basename "$(dirname "$f")").fit.json"; done
    [ -n "${dir:-}" ] && for f in "$dir"/fit-*/model/losses.csv; do [ -f "$f" ] && cp -f "$f" "$EXPORT_DIR/$(basename "$(dirname "$(dirname "$f")")").losses.csv"; done
    return 0
}

mode="${1:-}"
case "$mode" in
    pack) pack ;;
    run) trap export_results EXIT; run ;;
    selftest) trap export_results EXIT; SELFTEST=1 run ;;
    *) echo "usage: scripts/gpu_check.sh pack|run|selftest   (see the top of this file)" >&2; exit 2 ;;
esac

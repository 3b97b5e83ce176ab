#!/usr/bin/env bash
# Cold-build timings (issue 20): builds what CI's `cargo test --workspace` builds, in an empty
# target directory, with `--timings`, and summarises where the time goes: the wall time, the
# slowest compilation units and the time per crate family (burn, cubecl, polars, wgpu, turso, ...).
# Writes benches/results/build-timings.md (cargo's own HTML report, 1 MB, stays in the target
# directory's cargo-timings/).
#
#   scripts/build_timings.sh                          # a fresh build under runs/build-timings/
#   TIMINGS_TARGET=/tmp/t scripts/build_timings.sh    # elsewhere (it is deleted first)
#   SUMMARY_ONLY=1 TIMINGS_TARGET=/tmp/t scripts/build_timings.sh   # summarise a finished build
#   CONTENDED_UNTIL=2235 ...   # units started in the build's first 2235 s shared the cores: marked
#
# A cold build takes about 47 minutes of both cores here: run it when nothing else needs them,
# or read the per-unit times as shares (the load before and after is recorded).
set -euo pipefail
cd "$(dirname "$0")/.."

target="${TIMINGS_TARGET:-runs/build-timings/target}"
jobs="${CARGO_BUILD_JOBS:-$(nproc)}"
log="$(dirname "$target")/build.log"
if [ -z "${SUMMARY_ONLY:-}" ]; then
    rm -rf "$target"
    mkdir -p "$target"
    uptime >"$(dirname "$target")/load-before.txt"
    start=$(date +%s)
    CARGO_TARGET_DIR="$target" CARGO_BUILD_JOBS="$jobs" \
        cargo test --workspace --no-run --timings >"$log" 2>&1
    echo "$(($(date +%s) - start))" >"$(dirname "$target")/wall-seconds.txt"
    uptime >"$(dirname "$target")/load-after.txt"
fi
html="$(ls -t "$target"/cargo-timings/cargo-timing-*.html | head -1)"
python3 - "$html" "$(dirname "$target")" "$jobs" "${CONTENDED_UNTIL:-0}" <<'EOF'
import json, os, re, subprocess, sys
from collections import defaultdict

html, where, jobs, contended = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
text = open(html).read()
units = json.loads(re.search(r"const UNIT_DATA = (\[.*?\]);\n", text, re.S).group(1))
total = max(u["start"] + u["duration"] for u in units)
cpu = sum(u["duration"] for u in units)

def read(name):
    p = os.path.join(where, name)
    return open(p).read().strip() if os.path.exists(p) else "not recorded"

FAMILIES = [("synthkit (this workspace)", r"^synthkit"), ("burn", r"^burn"), ("cubecl", r"^cubecl"),
            ("wgpu / naga / vulkan", r"^(wgpu|naga|ash|gpu-|vk-|khronos|spirv|metal|d3d12|glow)"),
            ("polars / arrow", r"^(polars|arrow|parquet|polars-)"), ("turso / sqlite", r"^turso"),
            ("pyo3 / numpy", r"^(pyo3|numpy)"), ("plotters", r"^plotters"),
            ("proc macros and syn", r"^(syn|quote|proc-macro|serde_derive|darling|derive)")]
fam = defaultdict(float)
for u in units:
    for label, pat in FAMILIES:
        if re.search(pat, u["name"]):
            fam[label] += u["duration"]
            break
    else:
        fam["everything else"] += u["duration"]

rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
lines = ["# Cold build timings", "",
         "Written by `scripts/build_timings.sh` from cargo's own report (`cargo-timings/` of the "
         "build's target directory, not committed: 1 MB).", "",
         f"- What: `cargo test --workspace --no-run --timings` in an empty target directory (what "
         f"CI's `cargo test --workspace` compiles), {jobs} jobs, {rustc}; "
         f"synthkit at `{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], capture_output=True, text=True).stdout.strip()}`.",
         f"- Load: `{read('load-before.txt')}` before, `{read('load-after.txt')}` after. Other "
         "work shared the cores when the load was above the job count: read the unit times as "
         "shares.",
         f"- Wall time of the build: **{total / 60:.1f} min** (cargo's timeline; the script's "
         f"clock: {read('wall-seconds.txt')} s). Sum of the units' times: {cpu / 60:.1f} min; "
         f"{len(units)} units."]
if contended > 0:
    early = [u for u in units if u["start"] < contended]
    lines += [f"- The build's first {contended / 60:.0f} min shared the cores with other work "
              f"(load above 2): the {len(early)} units started then (marked * below, "
              f"{sum(u['duration'] for u in early) / 60:.1f} min of unit time) took longer "
              "than they would alone; the later ones ran on a machine otherwise idle."]
lines += ["",
         "## Time by crate family (sum of unit times)", "", "| family | minutes | share |",
         "|---|---|---|"]
for label, secs in sorted(fam.items(), key=lambda kv: -kv[1]):
    lines.append(f"| {label} | {secs / 60:.1f} | {100 * secs / cpu:.0f} % |")
lines += ["", "## The 25 slowest units", "", "| unit | target | seconds |", "|---|---|---|"]
for u in sorted(units, key=lambda u: -u["duration"])[:25]:
    mark = " *" if u["start"] < contended else ""
    lines.append(f"| {u['name']} {u['version']}{mark} | {u['target'].strip() or 'lib'} | "
                 f"{u['duration']:.1f} |")
out = "benches/results/build-timings.md"
open(out + ".tmp", "w").write("\n".join(lines) + "\n")
os.replace(out + ".tmp", out)
print("\n".join(lines))
EOF

#!/usr/bin/env python3
"""Driver of scripts/compare_sdv.sh: SDV's CTGAN/TVAE on one table, and the report.

  compare_sdv.py sdv    --model ctgan|tvae --config configs/adult.toml --epochs E --rows N --out F.json
  compare_sdv.py report --dir runs/compare-sdv --out benches/results/speed-cpu

`sdv` fits SDV's synthesizer (CPU PyTorch) on the config's training table with the config's
column types and times every epoch: the epoch loops of ctgan's CTGAN and TVAE iterate over a
`tqdm(range(epochs))`, which is replaced here by an iterator that records a timestamp at every
step. Fixed overhead = `fit()` wall time minus the sum of the epochs (SDV's metadata and RDT
preprocessing, CTGAN's own mode-specific normaliser, the sampler, network set-up). Then it samples
N rows and writes them to CSV.

`report` reads what compare_sdv.sh left in --dir (SDV JSONs, synthkit's fit.json and losses.csv,
`/usr/bin/time -v` logs, lscpu, uptime) and writes F.json and F.md.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import tomllib
from pathlib import Path


class TimedRange:
    """A stand-in for `tqdm(range(n), ...)` that records when each epoch starts and ends."""

    marks: list = []

    def __init__(self, iterable, *args, **kwargs):
        self.iterable = iterable

    def __iter__(self):
        TimedRange.marks = []
        for x in self.iterable:
            TimedRange.marks.append(time.perf_counter())
            yield x
        TimedRange.marks.append(time.perf_counter())

    def set_description(self, *args, **kwargs):
        pass


def run_sdv(args):
    import pandas as pd
    import torch
    import ctgan.synthesizers.ctgan as ctgan_mod
    import ctgan.synthesizers.tvae as tvae_mod
    import sdv
    from sdv.metadata import Metadata
    from sdv.single_table import CTGANSynthesizer, TVAESynthesizer

    ctgan_mod.tqdm = TimedRange
    tvae_mod.tqdm = TimedRange
    cfg = tomllib.loads(Path(args.config).read_text())
    data = cfg["data"]
    t0 = time.perf_counter()
    df = pd.read_csv(data["train"])
    load_s = time.perf_counter() - t0
    kinds = {c: "categorical" for c in data.get("categorical", [])}
    kinds.update({c: "numerical" for c in data.get("continuous", [])})
    df = df[[c for c in df.columns if c in kinds]]
    columns = {c: {"sdtype": kinds[c]} for c in df.columns}
    metadata = Metadata.load_from_dict({"tables": {"table": {"columns": columns}}})
    torch.manual_seed(0)
    if args.model == "ctgan":
        synth = CTGANSynthesizer(metadata, epochs=args.epochs, enable_gpu=False, verbose=False)
    else:
        synth = TVAESynthesizer(metadata, epochs=args.epochs, enable_gpu=False, verbose=False)
    t0 = time.perf_counter()
    synth.fit({"table": df})
    fit_s = time.perf_counter() - t0
    marks = TimedRange.marks
    epochs = [b - a for a, b in zip(marks, marks[1:])]
    t0 = time.perf_counter()
    sample = synth.sample(num_rows=args.rows)
    if isinstance(sample, dict):  # SDV 2 returns {table name: frame}
        (sample,) = sample.values()
    sample_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    sample.to_csv(Path(args.out).with_suffix(".sample.csv"), index=False)
    write_s = time.perf_counter() - t0
    out = {
        "tool": "sdv",
        "model": args.model,
        "sdv_version": sdv.__version__,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "rows": len(df),
        "epochs": len(epochs),
        "load_seconds": load_s,
        "fit_seconds": fit_s,
        "epoch_seconds": epochs,
        "overhead_seconds": fit_s - sum(epochs),
        "sample_rows": args.rows,
        "sample_seconds": sample_s,
        "sample_write_seconds": write_s,
    }
    Path(args.out).write_text(json.dumps(out, indent=2))
    print(json.dumps({k: v for k, v in out.items() if k != "epoch_seconds"}))


def peak_rss_mib(time_log):
    """Peak resident set size from a `/usr/bin/time -v` log, in MiB."""
    for line in Path(time_log).read_text().splitlines():
        if "Maximum resident set size" in line:
            return int(line.split(":")[1]) / 1024
    return None


def wall_seconds(time_log):
    for line in Path(time_log).read_text().splitlines():
        if "Elapsed (wall clock) time" in line:
            v = line.split("):", 1)[1].strip().split(":")
            return sum(float(x) * 60**i for i, x in enumerate(reversed(v)))
    return None


def synthkit_result(run_dir, model):
    """synthkit's fit.json and losses.csv in the same shape as run_sdv's output."""
    fit = json.loads((run_dir / "fit.json").read_text())
    lines = (run_dir / "model" / "losses.csv").read_text().splitlines()
    epochs = [float(line.split(",")[1]) for line in lines[1:]]
    fit_s = fit["transformer_fit_seconds"] + fit["transform_seconds"] + fit["train_seconds"]
    return {
        "tool": "synthkit",
        "model": model,
        "rows": fit["rows"],
        "epochs": len(epochs),
        "load_seconds": fit["load_seconds"],
        "fit_seconds": fit_s,
        "transformer_fit_seconds": fit["transformer_fit_seconds"],
        "epoch_seconds": epochs,
        "overhead_seconds": fit_s - sum(epochs),
    }


def summarise(r):
    """Per-epoch time: the median epoch, skipping the first (warm-up) when there are 3 or more."""
    e = r["epoch_seconds"]
    steady = e[1:] if len(e) >= 3 else e
    return {
        "per_epoch_seconds": statistics.median(steady),
        "first_epoch_seconds": e[0],
        "overhead_seconds": r["overhead_seconds"],
    }


def report(args):
    d = Path(args.dir)
    meta = json.loads((d / "meta.json").read_text())
    results = []
    for rep in range(meta["repeats"]):
        for model in meta["models"]:
            sdv = json.loads((d / f"sdv-{model}-{rep}.json").read_text())
            sk = synthkit_result(d / f"synthkit-{model}-{rep}", model)
            sdv["peak_rss_mib"] = peak_rss_mib(d / f"sdv-{model}-{rep}.time")
            sdv["process_seconds"] = wall_seconds(d / f"sdv-{model}-{rep}.time")
            sk["peak_rss_mib"] = peak_rss_mib(d / f"synthkit-{model}-{rep}.time")
            sk["process_seconds"] = wall_seconds(d / f"synthkit-{model}-{rep}.time")
            sk["sample_rows"] = meta["sample_rows"]
            sk["sample_process_seconds"] = wall_seconds(d / f"synthkit-{model}-{rep}-sample.time")
            sk["sample_peak_rss_mib"] = peak_rss_mib(d / f"synthkit-{model}-{rep}-sample.time")
            a, b = summarise(sdv), summarise(sk)
            results.append({
                "model": model,
                "repeat": rep,
                "sdv": {**a, "peak_rss_mib": sdv["peak_rss_mib"],
                        "process_seconds": sdv["process_seconds"],
                        "sample_seconds": sdv["sample_seconds"] + sdv["sample_write_seconds"],
                        "epoch_seconds": sdv["epoch_seconds"]},
                "synthkit": {**b, "peak_rss_mib": sk["peak_rss_mib"],
                             "process_seconds": sk["process_seconds"],
                             "transformer_fit_seconds": sk["transformer_fit_seconds"],
                             "sample_seconds": sk["sample_process_seconds"],
                             "sample_peak_rss_mib": sk["sample_peak_rss_mib"],
                             "epoch_seconds": sk["epoch_seconds"]},
                "ratio_sdv_over_synthkit": {
                    "per_epoch": a["per_epoch_seconds"] / b["per_epoch_seconds"],
                    "overhead": a["overhead_seconds"] / b["overhead_seconds"],
                    "peak_rss": sdv["peak_rss_mib"] / sk["peak_rss_mib"],
                    "sample": (sdv["sample_seconds"] + sdv["sample_write_seconds"])
                    / sk["sample_process_seconds"],
                },
            })
            versions = {k: sdv[k] for k in ("sdv_version", "torch_version", "torch_threads")}
    million = None
    if (d / "synthkit-million.time").exists():
        million = {
            "model": meta["million_model"],
            "rows": 1_000_000,
            "process_seconds": wall_seconds(d / "synthkit-million.time"),
            "peak_rss_mib": peak_rss_mib(d / "synthkit-million.time"),
        }
    out = {
        "what": "per-epoch time, fixed overhead, peak host memory and sampling time of SDV's "
        "CTGAN/TVAE (PyTorch CPU) and synthkit (burn-flex) on the same table, same epochs, "
        "same machine, run back to back",
        "config": meta["configs"],
        "epochs": meta["epochs"],
        "sample_rows": meta["sample_rows"],
        "versions": versions,
        "hardware": {
            "nproc": meta["nproc"],
            "lscpu": (d / "lscpu.txt").read_text(),
            "memory": meta["memory"],
            "python": platform.python_version(),
        },
        "load": {"before": meta["uptime_before"], "after": (d / "uptime-after.txt").read_text().strip()},
        "git": meta["git"],
        "results": results,
        "synthkit_million_rows": million,
    }
    Path(args.out).with_suffix(".json").write_text(json.dumps(out, indent=2) + "\n")
    Path(args.out).with_suffix(".md").write_text(markdown(out))
    print(Path(args.out).with_suffix(".md").read_text())


def markdown(o):
    cpu = next((line.split(":", 1)[1].strip() for line in o["hardware"]["lscpu"].splitlines()
                if line.startswith("Model name")), "?")
    lines = [
        "# CPU speed: synthkit (burn-flex) against SDV (PyTorch CPU)",
        "",
        "Written by `scripts/compare_sdv.sh`; the raw numbers are in `speed-cpu.json`.",
        "",
        f"- Machine: {cpu}, {o['hardware']['nproc']} cores, {o['hardware']['memory']}; "
        f"SDV {o['versions']['sdv_version']}, torch {o['versions']['torch_version']} "
        f"({o['versions']['torch_threads']} threads); synthkit at `{o['git']}` (dev profile, "
        "dependencies at opt-level 3 without debug assertions or overflow checks, gemm's AVX-512 "
        "kernels compiled in and picked at run time).",
        f"- Load: `{o['load']['before']}` before, `{o['load']['after']}` after. Other builds may "
        "have been running: compare the ratios (each pair ran back to back), not the absolute times.",
        f"- Table: {', '.join(o['config'])}; {o['epochs']} epochs each; batch 500 and the "
        "paper's network sizes on both sides. Per epoch = median epoch after the first. Overhead "
        "= fit wall time minus the epochs (SDV: metadata, RDT, CTGAN's mode normaliser, set-up; "
        "synthkit: transformer fit, encode, set-up), CSV reading excluded on both sides. Peak RSS "
        "= whole process (`/usr/bin/time -v`), fit and sampling included for SDV, fit only for "
        f"synthkit. Sampling = {o['sample_rows']:,} rows to CSV (synthkit: the whole `synthkit "
        "sample` process, model loading included).",
        "",
        "| model | run | SDV s/epoch | synthkit s/epoch | ratio | SDV overhead s | synthkit overhead s "
        "| ratio | SDV peak RSS MiB | synthkit peak RSS MiB | SDV sample s | synthkit sample s | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in o["results"]:
        a, b, q = r["sdv"], r["synthkit"], r["ratio_sdv_over_synthkit"]
        lines.append(
            f"| {r['model']} | {r['repeat']} | {a['per_epoch_seconds']:.2f} | {b['per_epoch_seconds']:.2f} "
            f"| **{q['per_epoch']:.2f}×** | {a['overhead_seconds']:.2f} | {b['overhead_seconds']:.2f} "
            f"| {q['overhead']:.1f}× | {a['peak_rss_mib']:.0f} | {b['peak_rss_mib']:.0f} "
            f"| {a['sample_seconds']:.2f} | {b['sample_seconds']:.2f} | {q['sample']:.1f}× |"
        )
    lines.append("")
    lines.append("Ratios are SDV / synthkit: above 1 means synthkit is faster or smaller.")
    m = o.get("synthkit_million_rows")
    if m:
        lines += [
            "",
            f"One million rows from the {m['model']} model with `synthkit sample` (load, generate, "
            f"decode, write CSV): {m['process_seconds']:.1f} s, peak RSS {m['peak_rss_mib']:.0f} MiB.",
        ]
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("sdv")
    s.add_argument("--model", choices=["ctgan", "tvae"], required=True)
    s.add_argument("--config", required=True)
    s.add_argument("--epochs", type=int, required=True)
    s.add_argument("--rows", type=int, required=True)
    s.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--dir", required=True)
    r.add_argument("--out", required=True)
    args = p.parse_args()
    if args.cmd == "sdv":
        run_sdv(args)
    else:
        report(args)


if __name__ == "__main__":
    sys.exit(main())

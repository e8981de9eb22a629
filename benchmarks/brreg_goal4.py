"""Benchmark: the whole Enhetsregisteret (SYNTHETIC, full size) to goal-4 counts.

One command (see benchmarks/README.md)::

    .venv/bin/python benchmarks/brreg_goal4.py            # --rounds 3 --folder data/processed/...

It generates the synthetic register once (``trsplan.demo.register``: 1.1 M enheter, 0.6 M
underenheter, seeded) into ``data/processed/register-synthetic/`` (ignored by git) and converts it
to Parquet as ``trsplan fetch --only brreg`` does. Then, in rounds, each measurement runs in its
own subprocess (so peak RSS is that measurement's): the wall time of the step itself (after the
imports) and the process's peak resident memory.

Measurements (all on both files, enheter + underenheter):
- ``pipeline``: what ``trsplan report`` does for goal 4 per extract: read the Parquet extracts
  (needed columns, types fixed) and count technology companies and employees by municipality and
  year (2010 to the extract year; definitions, NACE mapping and municipality list loaded inside
  the timing);
- ``parquet_read_all``: pyarrow alone reading the same Parquet files, every column (the
  reference of the 2x goal: "the same files");
- ``parquet_read_needed``: pyarrow alone reading only the columns the pipeline needs;
- ``csv_read``: pyarrow alone reading the downloaded bulk CSVs (gzip), every column;
- ``convert``: the one-off CSV -> Parquet conversion per snapshot (``csv_to_parquet``);
- ``from_csv``: both together, from the downloaded CSVs to the counts (a first run on a new
  extract), against ``csv_read``.

Ratios are taken per round (the same minute of machine load for numerator and denominator) and
their median reported, since other processes share the CPUs. Results go to
``benchmarks/results/brreg_goal4.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FOLDER = ROOT / "data" / "processed" / "register-synthetic"
RESULTS = ROOT / "benchmarks" / "results" / "brreg_goal4.json"
KINDS = ("enheter", "underenheter")
EXTRACT = "2026-11-01"
FIRST_YEAR = 2010
MEASUREMENTS = (
    "pipeline",
    "parquet_read_all",
    "parquet_read_needed",
    "csv_read",
    "convert",
    "from_csv",
)
GOALS = {"ratio_to_bare_read": 2.0, "seconds": 6.0, "peak_rss_mb": 1024.0}


def _peak_rss_mb() -> float:
    """This process's peak resident memory. ``VmHWM`` belongs to the process's own address space;
    ``ru_maxrss`` would also carry the parent's peak across fork and exec (Linux keeps the
    larger), so a parent that generated the register would inflate every child."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


# --- one measurement (child process) ---------------------------------------------------------


def _measure(name: str, folder: Path) -> dict[str, float]:
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from trsplan import geography
    from trsplan.indicators import tech_extracts, technology
    from trsplan.sources import brreg_bulk as brreg

    before = _peak_rss_mb()
    start = time.perf_counter()
    cpu = time.process_time()
    rows = 0
    if name == "pipeline":
        rows = _count(folder, brreg, tech_extracts, technology, geography)
    elif name == "from_csv":
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            for kind in KINDS:
                brreg.csv_to_parquet(folder / f"{kind}.csv.gz", Path(tmp) / f"{kind}.parquet", kind)
            rows = _count(Path(tmp), brreg, tech_extracts, technology, geography)
    elif name == "parquet_read_all":
        rows = sum(pq.read_table(folder / f"{kind}.parquet").num_rows for kind in KINDS)
    elif name == "parquet_read_needed":
        for kind in KINDS:
            names = set(pq.read_schema(folder / f"{kind}.parquet").names)
            wanted = [*brreg.REQUIRED_COLUMNS[kind]]
            wanted += [c for c in brreg.OPTIONAL_COLUMNS[kind] if c in names]
            rows += pq.read_table(folder / f"{kind}.parquet", columns=wanted).num_rows
    elif name == "csv_read":
        rows = sum(pacsv.read_csv(folder / f"{kind}.csv.gz").num_rows for kind in KINDS)
    elif name == "convert":
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            for kind in KINDS:
                out = brreg.csv_to_parquet(folder / f"{kind}.csv.gz", Path(tmp) / "x.parquet", kind)
                rows += out.rows
    else:
        raise SystemExit(f"unknown measurement {name!r}; one of {MEASUREMENTS}")
    return {
        "seconds": time.perf_counter() - start,
        "cpu_seconds": time.process_time() - cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "rss_after_imports_mb": before,
        "rows": rows,
    }


def _count(folder: Path, brreg, tech_extracts, technology, geography) -> int:
    tables = {kind: brreg.read_extract(folder / f"{kind}.parquet", kind) for kind in KINDS}
    extract = tech_extracts.Extract(EXTRACT, tables["enheter"], tables["underenheter"])
    result = tech_extracts.count_extracts(
        [extract],
        range(FIRST_YEAR, int(EXTRACT[:4]) + 1),
        technology.tech_definition(),
        municipalities=geography.valid_codes,
    )
    return len(result.counts)


def _child(name: str, folder: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--measure", name, "--folder", str(folder)],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the run (parent) ------------------------------------------------------------------------


def _prepare(folder: Path) -> dict[str, float]:
    from trsplan.demo.register import write_register
    from trsplan.sources.brreg_bulk import csv_to_parquet

    out = {}
    if not all((folder / f"{kind}.csv.gz").is_file() for kind in KINDS):
        start = time.perf_counter()
        write_register(folder)
        out["generate_seconds"] = time.perf_counter() - start
    for kind in KINDS:
        parquet = folder / f"{kind}.parquet"
        if (
            not parquet.is_file()
            or parquet.stat().st_mtime < (folder / f"{kind}.csv.gz").stat().st_mtime
        ):
            csv_to_parquet(folder / f"{kind}.csv.gz", parquet, kind)
    return out


def run(folder: Path, rounds: int) -> dict:
    prepared = _prepare(folder)
    load_before = os.getloadavg()
    samples: dict[str, list[dict]] = {m: [] for m in MEASUREMENTS}
    for i in range(rounds):
        order = MEASUREMENTS if i % 2 == 0 else MEASUREMENTS[::-1]
        for name in order:
            samples[name].append(_child(name, folder))
            print(f"round {i + 1} {name}: {samples[name][-1]['seconds']:.2f} s", flush=True)
    med = {m: statistics.median(s["seconds"] for s in v) for m, v in samples.items()}
    peak = {m: max(s["peak_rss_mb"] for s in v) for m, v in samples.items()}

    def ratio(a: str, b: str) -> float:
        return statistics.median(
            x["seconds"] / y["seconds"] for x, y in zip(samples[a], samples[b], strict=True)
        )

    ratios = {
        "pipeline_over_parquet_read_all": ratio("pipeline", "parquet_read_all"),
        "pipeline_over_parquet_read_needed": ratio("pipeline", "parquet_read_needed"),
        "convert_over_csv_read": ratio("convert", "csv_read"),
        "from_csv_over_csv_read": ratio("from_csv", "csv_read"),
    }
    goals = {
        "ratio_to_bare_read": ratios["pipeline_over_parquet_read_all"]
        <= GOALS["ratio_to_bare_read"],
        "seconds": med["pipeline"] <= GOALS["seconds"],
        "peak_rss_mb": peak["pipeline"] <= GOALS["peak_rss_mb"],
    }
    return {
        "benchmark": "brreg_goal4",
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": "SYNTHETIC register from trsplan.demo.register (seed 2026), "
        + ", ".join(
            f"{kind}: {(folder / f'{kind}.csv.gz').stat().st_size:,} bytes gzip CSV, "
            f"{(folder / f'{kind}.parquet').stat().st_size:,} bytes Parquet"
            for kind in KINDS
        ),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": load_before,
            "loadavg_after": os.getloadavg(),
        },
        "rounds": rounds,
        "prepared": prepared,
        "median_seconds": med,
        "peak_rss_mb": peak,
        "ratios": ratios,
        "goals": {"limits": GOALS, "met": goals},
        "samples": samples,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure", choices=MEASUREMENTS, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(args.measure, args.folder)))
        return
    result = run(args.folder, args.rounds)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(json.dumps({k: result[k] for k in ("median_seconds", "peak_rss_mb", "ratios")}, indent=2))
    print("goals met:", result["goals"]["met"], "->", args.output)


if __name__ == "__main__":
    main()

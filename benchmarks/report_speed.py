"""How fast ``trsplan report`` is (issue 10's goals), measured on this machine, in one run.

(a) The region set for one year, HTML only: ``trsplan report`` against a plain serial loop of
    ``papermill`` + ``jupyter nbconvert --no-input`` on the same notebooks, parameters and store.
    The ratio is what counts (both measured in the same run, under the same load). The plain loop
    is handed the already-computed store, so the goal is judged on ``trsplan_s``: ``trsplan
    report`` into a new output folder with the shared cache of computed data warm (store and
    evaluations already computed for this snapshot, ``<data dir>/processed/computed``).
    ``trsplan_cold_s`` is the same run with the cache empty (it computes the store, the
    evaluation and the previous evaluation first), reported beside it as ``ratio_cold``.
(b) ``trsplan report --all-municipalities --format html``: wall time and peak memory (the whole
    process tree: CLI, kernels), with the cache empty (the conservative case).
(c) The same command again with nothing changed.

Each part runs with a temporary data folder (``TRSPLAN_DATA_DIR``: the snapshots and registers
linked in, an empty cache), so the machine's own cache neither helps nor changes.

    .venv/bin/python benchmarks/report_speed.py            # (a), (b) and (c)
    .venv/bin/python benchmarks/report_speed.py --skip-all  # (a) and (c) on the region set only

Prints the results and writes them to ``benchmarks/results/report_speed.json`` with the date, the
load average and the core count (other work on the machine inflates absolute times).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "benchmarks" / "results" / "report_speed.json"
GOALS = {"ratio_min": 8.0, "all_wall_s_max": 180.0, "all_peak_gib_max": 2.0, "rerun_s_max": 3.0}


def measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (GiB) of a command and all its children."""
    started = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                procs = [proc, *proc.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed: {err.decode()[-2000:]}")
    return time.perf_counter() - started, peak / 2**30


def trsplan_report(out: Path, *extra: str) -> list[str]:
    return [str(BIN / "trsplan"), "report", "--format", "html", "--out", str(out), *extra]


def empty_data_dir(folder: Path) -> dict[str, str]:
    """A data folder holding this machine's snapshots and registers and an empty cache: the
    environment that points ``trsplan`` (and its kernels) at it."""
    from trsplan.paths import data_dir

    folder.mkdir(parents=True)
    for name in ("snapshot", "register"):
        if (data_dir() / name).is_dir():
            (folder / name).symlink_to((data_dir() / name).resolve())
    return {**os.environ, "TRSPLAN_DATA_DIR": str(folder)}


def plain_loop(year_dir: Path, work: Path, env: dict[str, str]) -> float:
    """The same reports as ``trsplan report`` ran, one fresh papermill + nbconvert each."""
    manifest = json.loads((year_dir / "manifest.json").read_text())
    from trsplan.paths import notebooks_dir

    started = time.perf_counter()
    for report in manifest["reports"]:
        notebook = notebooks_dir() / f"{report['kind']}.ipynb"
        params = work / f"{report['stem']}.yaml"
        params.write_text(json.dumps(report["parameters"]))  # JSON is YAML: codes stay strings
        executed = work / f"{report['stem']}.ipynb"
        subprocess.run(
            [str(BIN / "papermill"), str(notebook), str(executed), "-f", str(params),
             "-k", "trsplan", "--no-progress-bar"],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True, capture_output=True, env=env,
        )  # fmt: skip
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-all", action="store_true", help="skip (b), the 357 reports")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    workers = ["--workers", str(args.workers)] if args.workers else []
    results: dict = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average_before": os.getloadavg(),
        "goals": GOALS,
    }
    with tempfile.TemporaryDirectory(prefix="trsplan-bench-") as tmp:
        tmp = Path(tmp)
        env = empty_data_dir(tmp / "data-a")
        cold, _ = measure(trsplan_report(tmp / "region-cold", *workers), env)  # fills the cache
        region_out = tmp / "region"
        wall, peak = measure(trsplan_report(region_out, *workers), env)  # takes it from there
        (year_dir,) = [p for p in region_out.iterdir() if p.is_dir()]
        (tmp / "plain").mkdir()
        plain = plain_loop(year_dir, tmp / "plain", env)
        reports = len(json.loads((year_dir / "manifest.json").read_text())["reports"])
        results["a_region_set"] = {
            "reports": reports,
            "trsplan_s": round(wall, 2),
            "trsplan_cold_s": round(cold, 2),
            "plain_loop_s": round(plain, 2),
            "ratio": round(plain / wall, 2),
            "ratio_cold": round(plain / cold, 2),
            "trsplan_peak_gib": round(peak, 3),
        }
        rerun, _ = measure(trsplan_report(region_out, *workers), env)
        results["c_rerun_region_set_s"] = round(rerun, 2)
        if not args.skip_all:
            env = empty_data_dir(tmp / "data-b")
            all_out = tmp / "all"
            wall, peak = measure(trsplan_report(all_out, "--all-municipalities", *workers), env)
            (year_dir,) = [p for p in all_out.iterdir() if p.is_dir()]
            manifest = json.loads((year_dir / "manifest.json").read_text())
            results["b_all_municipalities"] = {
                "reports": len(manifest["reports"]),
                "failed": sum(r["status"] == "failed" for r in manifest["reports"]),
                "wall_s": round(wall, 2),
                "peak_gib": round(peak, 3),
            }
            rerun, _ = measure(trsplan_report(all_out, "--all-municipalities", *workers), env)
            results["c_rerun_all_s"] = round(rerun, 2)
        shutil.rmtree(tmp / "plain", ignore_errors=True)
    results["load_average_after"] = os.getloadavg()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

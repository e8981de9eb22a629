"""Where a warm-kernel report's time goes outside the notebook's own cells (issue 10).

Runs the municipality reports of an existing ``trsplan report`` output folder on one warm kernel
(``ReportWorker``) and times each phase separately, wall and CPU (this process and the kernel's):

- ``reset``: the between-reports reset (``WarmKernel.reset``);
- ``run_notebook``: parameterize + execute (papermill's machinery) + error check;
  ``cells.wall`` sums the cells' ``metadata.papermill.duration`` (as the client saw them, so
  messaging included), ``cells.*_in_kernel`` what the cells' code took inside the kernel
  (IPython's pre/post_run_cell events) and ``overhead`` the rest of ``run_notebook``
  (papermill/nbclient, ZMQ, output serialisation, IPython's per-cell work);
- ``html``: ``render_html``; ``write``: ``nbformat.writes`` (what ``_write_notebook`` serialises).

The first two code cells' durations (``load_cell``, ``first_page_cell``) show what
``pages.load``/``previous_status`` cost per report. Kernel start (``WarmKernel.__init__``, start +
PREIMPORT) is timed once.

    .venv/bin/trsplan report --format html --out /tmp/kr1     # once: the data and manifest
    .venv/bin/python benchmarks/report_overhead.py --out /tmp/kr1 [--rounds 2] [--profile]

Prints the medians per phase and writes them to ``benchmarks/results/report_overhead.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil

import trsplan
from trsplan.report.runner import ReportJob, ReportWorker, render_html

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "report_overhead.json"
NOTEBOOKS = ROOT / "trsplan" / "notebooks"


# Timed in the kernel around each notebook cell (IPython's pre/post_run_cell events, which a
# reset leaves alone): what the cell's code costs there, without the messaging around it.
# (Names looked up at call time come from ``sys``: a reset empties the namespace.)
CELL_TIMER = """
import sys, time
sys.trsplan_clock = lambda t=time: (t.perf_counter(), t.thread_time())
sys.trsplan_cells = []
def _trsplan_pre(*_):
    import sys
    sys.trsplan_t0 = sys.trsplan_clock()
def _trsplan_post(*_):
    import sys
    (wall, cpu), (wall0, cpu0) = sys.trsplan_clock(), sys.trsplan_t0
    sys.trsplan_cells.append((wall - wall0, cpu - cpu0))
get_ipython().events.register("pre_run_cell", _trsplan_pre)
get_ipython().events.register("post_run_cell", _trsplan_post)
"""


def kernel_cell_times(kernel) -> tuple[float, float]:
    """Wall and CPU seconds the kernel spent inside the cells run since the last call."""
    found: list[str] = []

    def hook(msg) -> None:
        if msg["msg_type"] == "stream":
            found.append(msg["content"]["text"])

    code = "import sys\nprint(*map(sum, zip(*sys.trsplan_cells)))\nsys.trsplan_cells.clear()"
    kernel._run(
        kernel.kc.execute_interactive(code, store_history=False, timeout=60, output_hook=hook)
    )
    wall, cpu = map(float, "".join(found).split())
    return wall, cpu


class Clock:
    """Wall and CPU seconds (this process, the kernel process) of one phase."""

    def __init__(self, kernel_pid: int) -> None:
        self.kernel = psutil.Process(kernel_pid)

    def _now(self) -> tuple[float, float, float]:
        k = self.kernel.cpu_times()
        return time.perf_counter(), time.process_time(), k.user + k.system

    def run(self, fn, *args, **kwargs):
        before = self._now()
        value = fn(*args, **kwargs)
        after = self._now()
        wall, cpu, kernel_cpu = (a - b for a, b in zip(after, before, strict=True))
        return value, {"wall": wall, "cpu_client": cpu, "cpu_kernel": kernel_cpu}


def municipality_jobs(year_dir: Path, work: Path) -> list[ReportJob]:
    manifest = json.loads((year_dir / "manifest.json").read_text())
    return [
        ReportJob(
            notebook=NOTEBOOKS / f"{r['kind']}.ipynb",
            parameters=r["parameters"],
            output_dir=work,
            stem=r["stem"],
            kind=r["kind"],
            title=r["title"],
        )
        for r in manifest["reports"]
        if r["kind"] == "municipality"
    ]


def cell_durations(nb: nbformat.NotebookNode) -> list[float]:
    return [
        c.metadata.get("papermill", {}).get("duration") or 0.0
        for c in nb.cells
        if c.cell_type == "code"
    ]


def one_report(worker: ReportWorker, clock: Clock, job: ReportJob, first: bool) -> dict:
    kernel = worker._kernel()
    row: dict = {}
    if not first:
        _, row["reset"] = clock.run(kernel.reset)
    kernel.reports = 0  # reset timed above: run_notebook must not reset again
    executed = job.output_dir / "notebooks" / f"{job.stem}.ipynb"
    nb, row["run_notebook"] = clock.run(
        kernel.run_notebook, job.notebook, job.parameters, executed, 600
    )
    cells = cell_durations(nb)
    in_kernel_wall, in_kernel_cpu = kernel_cell_times(kernel)
    # cells 0 and 1: the injected parameters and the notebook's own defaults
    row["cells"] = {
        "wall": sum(cells),
        "wall_in_kernel": in_kernel_wall,
        "cpu_in_kernel": in_kernel_cpu,
    }
    # everything but the cells' own code: papermill/nbclient, ZMQ, IPython's cell machinery
    row["overhead"] = {
        "wall": row["run_notebook"]["wall"] - in_kernel_wall,
        "cpu_kernel": row["run_notebook"]["cpu_kernel"] - in_kernel_cpu,
        "cpu_client": row["run_notebook"]["cpu_client"],
    }
    row["load_cell"] = {"wall": cells[2]}
    row["first_page_cell"] = {"wall": cells[3]}
    lang = str(job.parameters.get("lang", "nb"))
    _, row["html"] = clock.run(render_html, worker.exporter(lang), nb, job.title)
    text, row["write"] = clock.run(nbformat.writes, nb)
    row["notebook_bytes"] = {"wall": len(text)}
    return row


def summarise(rows: list[dict]) -> dict:
    summary: dict = {}
    for phase in rows[-1]:
        for metric in rows[-1][phase]:
            values = [r[phase][metric] for r in rows if phase in r and metric in r[phase]]
            summary.setdefault(phase, {})[metric] = round(statistics.median(values), 4)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/kr1"), help="trsplan report --out")
    parser.add_argument("--year", default="")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="cProfile this process's side")
    parser.add_argument("--results", type=Path, default=RESULTS, help="the JSON file to write")
    args = parser.parse_args()
    years = sorted(p for p in args.out.iterdir() if (p / "manifest.json").is_file())
    if not years:
        print(f"no manifest.json under {args.out}: run `trsplan report --out {args.out}` first")
        return 2
    year_dir = args.out / args.year if args.year else years[-1]
    work = Path(tempfile.mkdtemp(prefix="report-overhead-"))
    jobs = municipality_jobs(year_dir, work)
    worker = ReportWorker()
    started = time.perf_counter()
    kernel = worker._kernel()
    start_s = time.perf_counter() - started
    kernel.execute_silent(CELL_TIMER)
    clock = Clock(kernel.pid)
    profile = cProfile.Profile() if args.profile else None
    rows = []
    try:
        for round_ in range(args.rounds):
            for n, job in enumerate(jobs):
                if profile is not None and round_ == args.rounds - 1:
                    profile.enable()
                row = one_report(worker, clock, job, first=round_ == 0 and n == 0)
                if profile is not None:
                    profile.disable()
                if round_ > 0:  # the first round fills the kernel's caches
                    rows.append(row)
    finally:
        worker.close()
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_average": os.getloadavg(),
        "cores": os.cpu_count(),
        "reports_per_round": len(jobs),
        "rounds_measured": max(args.rounds - 1, 0),
        "kernel_start_s": round(start_s, 3),
        "median_per_report": summarise(rows) if rows else {},
    }
    results["trsplan"] = str(Path(trsplan.__file__).parent)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    if profile is not None:
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    sys.exit(main())

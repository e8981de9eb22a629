"""Warm kernels: papermill's output, no state between reports, replacement, interruption, locks.

Small hand-made notebooks keep these fast; one warm kernel is shared by the module.
"""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from trsplan.report.incremental import OutputLockedError, output_lock
from trsplan.report.runner import ReportJob, ReportWorker, kernel_name, run_reports

pytestmark = pytest.mark.integration


def _notebook(tmp_path: Path, name: str, *sources: str) -> Path:
    notebook = new_notebook(
        cells=[
            new_markdown_cell("# A test report"),
            new_code_cell('x: str = "a"\nn: int = 1', metadata={"tags": ["parameters"]}),
            *(new_code_cell(s) for s in sources),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def worker():
    w = ReportWorker()
    yield w
    w.close()


def _job(notebook: Path, out: Path, stem: str, **params) -> ReportJob:
    return ReportJob(notebook, params or {"x": "0301"}, out, stem, title=stem)


VOLATILE_NB = {"papermill": ("start_time", "end_time", "duration"), "language_info": ()}


def _comparable(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A notebook without what differs between any two runs: times, cell ids."""
    nb = copy.deepcopy(nb)
    for key in ("start_time", "end_time", "duration", "output_path"):
        nb.metadata.papermill.pop(key, None)
    nb.metadata.pop("title", None)
    for cell in nb.cells:
        cell.pop("id", None)
        for key in ("start_time", "end_time", "duration"):
            cell.metadata.get("papermill", {}).pop(key, None)
        cell.metadata.pop("execution", None)
    return nb


SOURCES = (
    "import pandas as pd\nframe = pd.DataFrame({'a': [1, 2]})\nframe",
    "print(x.zfill(4), n)",
    "import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 2])\nplt.close(fig)",
)


@pytest.mark.parametrize("failing", [False, True], ids=["ok", "failing"])
def test_output_equals_plain_papermill(tmp_path: Path, worker: ReportWorker, failing: bool):
    sources = (*SOURCES, "raise ValueError(f'no data for {x}')", "print('never')")
    nb_path = _notebook(tmp_path, "r.ipynb", *(sources if failing else SOURCES))
    params = {"x": "0301", "n": 3}
    plain = tmp_path / "plain.ipynb"
    try:
        pm.execute_notebook(
            str(nb_path), str(plain), parameters=params, kernel_name=kernel_name(),
            progress_bar=False,
        )  # fmt: skip
    except pm.PapermillExecutionError:
        assert failing
    out = tmp_path / "out"
    worker.run(_job(nb_path, out, "warm-first", **params))  # the kernel has run a report before
    result = worker.run(_job(nb_path, out, "warm", **params))
    assert result.ok is not failing
    warm = nbformat.read(out / "notebooks" / "warm.ipynb", as_version=4)
    plain_nb = nbformat.read(plain, as_version=4)
    if failing:  # papermill's markers: a banner on top, an anchor before the failing cell
        failing = next(c for c in plain_nb.cells if "no data" in c.source)
        failing_index = plain_nb.cells.index(failing)
        # papermill's index counts the cells before its two marker cells were inserted
        assert result.ename == "ValueError" and result.failing_cell == failing_index - 2
        assert warm.cells[0].metadata.tags == ["papermill-error-cell-tag"]
    assert _comparable(warm) == _comparable(plain_nb)


def test_no_state_leaks_between_reports(tmp_path: Path, worker: ReportWorker):
    dirty = _notebook(
        tmp_path,
        "dirty.ipynb",
        "import matplotlib as mpl, matplotlib.pyplot as plt\n"
        "leaked = 42\nmpl.rcParams['lines.linewidth'] = 9\nplt.figure()\nimport json",
        # a reference cycle: the reset's collection must free it (only what survives a reset
        # is frozen out of later collections); ``sys`` outlives the reset, the cycle must not
        "import sys, weakref\nclass Cycle: pass\ncycle = Cycle()\ncycle.me = cycle\n"
        "sys.trsplan_cycle = weakref.ref(cycle)\nleaked",
    )
    clean = _notebook(
        tmp_path,
        "clean.ipynb",
        "import matplotlib as mpl, matplotlib.pyplot as plt\n"
        "assert 'leaked' not in globals(), 'a variable leaked'\n"
        "assert 'json' not in globals(), 'an import leaked'\n"
        "assert mpl.rcParams['lines.linewidth'] == mpl.rcParamsDefault['lines.linewidth']\n"
        "assert plt.get_fignums() == [], plt.get_fignums()\n"
        "import sys\nassert sys.trsplan_cycle() is None, 'garbage kept'\n"
        "assert Out == {} and globals().get('_', '') == '', 'the output history leaked'",
    )
    out = tmp_path / "out"
    assert worker.run(_job(dirty, out, "dirty")).ok
    result = worker.run(_job(clean, out, "clean"))
    assert result.ok, result.error
    executed = nbformat.read(out / "notebooks" / "clean.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells[1:]] == [1, 2, 3]  # a fresh counter


def test_the_first_report_on_a_new_kernel_sees_no_preimported_names(tmp_path: Path):
    nb = _notebook(
        tmp_path,
        "first.ipynb",
        "import matplotlib.pyplot as plt\n"
        "assert not {'numpy', 'pandas', 'seaborn', 'gc', 'matplotlib'} & set(globals())\n"
        "assert plt.get_fignums() == []",
    )
    worker = ReportWorker()
    try:
        result = worker.run(_job(nb, tmp_path / "out", "first"))
    finally:
        worker.close()
    assert result.ok, result.error
    executed = nbformat.read(tmp_path / "out" / "notebooks" / "first.ipynb", as_version=4)
    assert [c.execution_count for c in executed.cells[1:]] == [1, 2, 3]


def test_a_dead_or_hung_kernel_fails_only_its_report(tmp_path: Path, worker: ReportWorker):
    out = tmp_path / "out"
    good = _notebook(tmp_path, "good.ipynb", "print(x)")
    assert worker.run(_job(good, out, "before")).ok
    before = worker.kernel.pid
    dies = _notebook(tmp_path, "dies.ipynb", "import os\nos._exit(1)")
    result = worker.run(_job(dies, out, "dies"))
    assert not result.ok and "DeadKernel" in result.ename, result.error
    assert worker.run(_job(good, out, "after-death")).ok
    assert worker.kernel.pid != before
    hangs = _notebook(tmp_path, "hangs.ipynb", "import time\ntime.sleep(60)")
    replaced = worker.kernel.pid
    started = time.perf_counter()
    result = worker.run(_job(hangs, out, "hangs"), cell_timeout=2)
    assert not result.ok and time.perf_counter() - started < 30, result.error
    assert worker.kernel is None  # shut down; the next report starts a fresh one
    assert _pid_gone(replaced)
    assert worker.run(_job(good, out, "after-hang")).ok


def _pid_gone(pid: int, wait: float = 10) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie child of this process counts as gone once reaped
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return True
        except ChildProcessError:
            pass
        time.sleep(0.1)
    return False


def test_pool_runs_every_job_and_keeps_order(tmp_path: Path):
    nb = _notebook(tmp_path, "n.ipynb", "print(x)")
    bad = _notebook(tmp_path, "bad.ipynb", "1 / 0")
    out = tmp_path / "out"
    jobs = [_job(bad if i == 1 else nb, out, f"r{i}", x=str(i)) for i in range(4)]
    seen = []
    results = run_reports(jobs, workers=2, on_result=seen.append)
    assert [r.stem for r in results] == ["r0", "r1", "r2", "r3"]
    assert [r.ok for r in results] == [True, False, True, True]
    assert sorted(r.stem for r in seen) == ["r0", "r1", "r2", "r3"]
    assert results[1].ename == "ZeroDivisionError" and results[1].status == "failed"


INTERRUPTED = """
import sys
from pathlib import Path
from trsplan.report import kernels
from trsplan.report.runner import ReportJob, run_reports, sigterm_as_interrupt

nb, out = Path(sys.argv[1]), Path(sys.argv[2])
jobs = [ReportJob(nb, {"x": str(i)}, out, f"r{i}") for i in range(4)]
original = kernels.WarmKernel.__init__
def announce(self, *a, **k):
    original(self, *a, **k)
    print("KERNEL", self.pid, flush=True)
kernels.WarmKernel.__init__ = announce
with sigterm_as_interrupt():
    run_reports(jobs, workers=2)
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interruption_stops_every_kernel(tmp_path: Path, sig: int):
    nb = _notebook(tmp_path, "slow.ipynb", "import time\ntime.sleep(60)")
    script = tmp_path / "run.py"
    script.write_text(textwrap.dedent(INTERRUPTED))
    earlier = tmp_path / "out" / "earlier.html"
    earlier.parent.mkdir()
    earlier.write_text("<p>an earlier report</p>")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(nb), str(tmp_path / "out")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pids = []
    while len(pids) < 2:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.startswith("KERNEL"):
            pids.append(int(line.split()[1]))
    time.sleep(1)  # the notebooks are now sleeping in their cells
    proc.send_signal(sig)
    proc.wait(timeout=60)
    assert proc.returncode != 0
    for pid in pids:
        assert _pid_gone(pid), f"kernel {pid} outlived the run"
    assert earlier.read_text() == "<p>an earlier report</p>"
    assert not list((tmp_path / "out").glob("r*.html"))


def test_a_second_run_into_the_same_folder_is_refused(tmp_path: Path):
    refused = pytest.raises(OutputLockedError, match=f"pid {os.getpid()}.*--out")
    with output_lock(tmp_path), refused, output_lock(tmp_path):
        pass
    with output_lock(tmp_path):  # released after the first run
        pass


def test_dask_executor_runs_the_same_tasks_on_a_two_worker_cluster(tmp_path: Path):
    pytest.importorskip("distributed")
    from distributed import LocalCluster

    from trsplan.report.dask_executor import run_reports_dask

    nb = _notebook(tmp_path, "n.ipynb", "import os\nprint(x, os.getpid())")
    bad = _notebook(tmp_path, "bad.ipynb", "1 / 0")
    out = tmp_path / "out"
    jobs = [_job(bad if i == 2 else nb, out, f"r{i}", x=str(i)) for i in range(4)]
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        seen = []
        results = run_reports_dask(jobs, scheduler=cluster.scheduler_address, on_result=seen.append)
        assert len(cluster.workers) == 2
    assert [r.stem for r in results] == ["r0", "r1", "r2", "r3"]
    assert [r.ok for r in results] == [True, True, False, True]
    assert results[2].ename == "ZeroDivisionError" and len(seen) == 4
    executed = nbformat.read(out / "notebooks" / "r3.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters == {"x": "3"}
    assert (out / "r0.html").is_file()


QUIET = """
import sys
from pathlib import Path
from trsplan.report.runner import ReportJob, run_reports

results = run_reports([ReportJob(Path(sys.argv[1]), {"x": "1"}, Path(sys.argv[2]), "q")])
assert results[0].ok, results[0].error
"""


def test_runs_are_quiet_on_stderr(tmp_path: Path):
    """No kernel warning (TCP without encryption) and no shutdown traceback."""
    nb = _notebook(tmp_path, "q.ipynb", "print(x)")
    script = tmp_path / "quiet.py"
    script.write_text(QUIET)
    done = subprocess.run(
        [sys.executable, str(script), str(nb), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""

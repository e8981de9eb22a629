"""Warm kernels: one long-lived Jupyter kernel per worker, running report after report.

A fresh kernel costs seconds (start, import pandas/matplotlib/seaborn/trsplan); a warm one runs a
report in a fraction of that. Each report still gets papermill's treatment: the parameters are
injected by ``papermill.parameterize.parameterize_notebook``, cells run under papermill's own
nbclient wrapper (cell metadata, timings) and failures get papermill's error-marker cells, so an
executed notebook looks exactly like one ``papermill`` wrote. Between reports the user namespace,
the execution counter, open figures and matplotlib's rc settings are reset.

A kernel is used only from the thread that started it (its ZMQ sockets belong to that thread's
event loop). A kernel that dies or hangs past the cell timeout is shut down and replaced; only the
report it was running fails.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import functools
import os
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_event_loop

if TYPE_CHECKING:
    import nbformat

ENGINE_NAME = "trsplan-warm"

# What every report needs, imported once per kernel instead of once per report.
PREIMPORT = """
import matplotlib
matplotlib.use("Agg")
import numpy, pandas, pyarrow
import IPython.display
import trsplan.report.figures, trsplan.report.pages, trsplan.report.scorecard
import trsplan.report.sections, trsplan.report.text, trsplan.geography, trsplan.snapshot
import trsplan.indicators.store
import gc
gc.collect()
gc.freeze()
"""

# Back to the state of a fresh kernel: no user variables, no figures, default rc, counter at 1.
# The reports draw SVG without pyplot (``report/svg.py``); a notebook that uses pyplot anyway
# gets its figures closed.
# ``reset(new_session=True)`` also clears the output history (``_``, ``Out``) and ``%who``.
# Its ``gc.collect()`` is what made a reset slow (~0.15 s walking every module's objects and the
# cached data): what survived the preimport and each reset is frozen (``gc.freeze``: left out of
# every later collection, also the automatic ones while cells run), so a collection walks only
# what the last report made. Reset collects before it clears the namespace, so the report's
# reference cycles are collected after it, before the freeze: frozen garbage would never be freed.
RESET = """
import sys as _sys, matplotlib as _m
if "matplotlib.pyplot" in _sys.modules:
    _sys.modules["matplotlib.pyplot"].close("all")
_m.rcdefaults()
_m.use("Agg")
get_ipython().reset(new_session=True, aggressive=False)
get_ipython().execution_count = 1
__import__("gc").collect()
__import__("gc").freeze()
"""

# No SQLite input history: every cell's input written to disk (a commit per cell in the kernel's
# history thread, two more per reset) is work nobody reads; ``In``/``Out`` still work.
KERNEL_ARGS = ["--HistoryManager.enabled=False"]

# BLAS threads would oversubscribe the cores the workers already share.
KERNEL_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_LIVE: set[WarmKernel] = set()
_LIVE_LOCK = threading.Lock()


class KernelSetupError(RuntimeError):
    """The kernel did not start, or the preimport/reset code failed in it."""


@functools.cache
def import_papermill():
    """papermill, with the warm engine registered, imported on first use: the import (nbformat,
    then jsonschema, whose ``rfc3987_syntax`` compiles its grammars: about 1.4 s) must not hold
    back the kernels' start."""
    import papermill as pm
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmEngine(NBClientEngine):
        """Papermill's nbclient engine on a kernel already running (``km``/``kc`` given)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, *, km, kc, execution_timeout, **kw):
            client = pm.clientwrap.PapermillNotebookClient(
                nb_man,
                km=km,
                kernel_name=kernel_name,
                timeout=execution_timeout,
                log=pm.log.logger,
                log_output=False,
            )
            client.kc = kc  # reuse the open channels: nbclient neither starts nor stops them
            return client.execute()

    papermill_engines.register(ENGINE_NAME, WarmEngine)
    return pm


class WarmKernel:
    """One kernel process with the report modules imported, and its client channels."""

    def __init__(
        self, kernel_name: str, start_timeout: float = 120, cwd: Path | None = None
    ) -> None:
        self.kernel_name = kernel_name
        self.start_timeout = start_timeout
        self.loop = ensure_event_loop()
        # IPC transport: no "running over TCP without encryption" warning, no port races
        self.km = AsyncKernelManager(kernel_name=kernel_name, transport="ipc")
        # each kernel its own socket files (the default name is shared by every kernel)
        self.km.ip = os.path.join(tempfile.gettempdir(), f"trsplan-{uuid.uuid4().hex[:12]}-ipc")
        env = {**os.environ, **KERNEL_ENV}
        self._run(
            self.km.start_kernel(
                env=env,
                extra_arguments=KERNEL_ARGS,
                cwd=str(cwd or Path.cwd()),
                # the kernel's own stderr (not cell output) only carries shutdown noise
                stderr=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        )
        with _LIVE_LOCK:
            _LIVE.add(self)
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self._run(self.kc.wait_for_ready(timeout=start_timeout))
            self.execute_silent(PREIMPORT, timeout=start_timeout)
            self.reset()  # the preimport's names are not the first report's
        except Exception:
            self.shutdown()
            raise
        self.reports = 0

    def _run(self, coro):
        return self.loop.run_until_complete(coro)

    @property
    def pid(self) -> int | None:
        process = getattr(self.km.provisioner, "process", None)
        return process.pid if process is not None else None

    def is_alive(self) -> bool:
        return bool(self._run(self.km.is_alive()))

    def execute_silent(self, code: str, timeout: float = 60) -> None:
        """Run setup code without touching the execution counter or history."""
        reply = self._run(
            self.kc.execute_interactive(
                code, silent=True, store_history=False, timeout=timeout, output_hook=_ignore
            )
        )
        content = reply["content"]
        if content["status"] != "ok":
            raise KernelSetupError(
                f"kernel setup code failed: {content.get('ename')}: {content.get('evalue')}"
            )

    def reset(self) -> None:
        self.execute_silent(RESET)

    def run_notebook(
        self,
        notebook: Path,
        parameters: dict,
        output_path: Path,
        execution_timeout: float = 600,
    ) -> nbformat.NotebookNode:
        """Execute like ``papermill.execute_notebook`` and return the executed notebook.

        On a cell error raises ``PapermillExecutionError`` with papermill's error-marker cells
        added; the marked notebook is on the exception's ``notebook`` attribute for the caller
        to write.
        """
        pm = import_papermill()
        from papermill.engines import papermill_engines
        from papermill.execute import (
            prepare_notebook_metadata,
            raise_for_execution_errors,
            remove_error_markers,
        )
        from papermill.parameterize import parameterize_notebook

        if self.reports:
            self.reset()
        self.reports += 1
        nb = load_notebook(Path(notebook))
        nb = parameterize_notebook(
            nb, dict(parameters), report_mode=False, kernel_name=self.kernel_name
        )
        nb = prepare_notebook_metadata(nb, str(notebook), str(output_path), report_mode=False)
        nb = remove_error_markers(nb)
        nb = papermill_engines.execute_notebook_with_engine(
            ENGINE_NAME,
            nb,
            kernel_name=self.kernel_name,
            output_path=None,
            progress_bar=False,
            log_output=False,
            km=self.km,
            kc=self.kc,
            execution_timeout=execution_timeout,
        )
        try:
            raise_for_execution_errors(nb, None)  # None: papermill writes nothing, we do
        except pm.PapermillExecutionError as exc:
            exc.notebook = nb  # the markers were inserted into ``nb`` in place
            raise
        return nb

    def shutdown(self) -> None:
        """Stop the kernel at once (no graceful interrupt: that prints a KeyboardInterrupt)."""
        with _LIVE_LOCK:
            _LIVE.discard(self)
        with contextlib.suppress(Exception):  # best effort: the kernel may already be gone
            self.kc.stop_channels()
        try:
            self._run(self.km.shutdown_kernel(now=True))
        except Exception:
            kill_process(self)


@functools.lru_cache(maxsize=16)
def _parsed(notebook: str, _mtime_ns: int, _size: int) -> nbformat.NotebookNode:
    from papermill.iorw import load_notebook_node

    return load_notebook_node(notebook)


def load_notebook(notebook: Path) -> nbformat.NotebookNode:
    """``papermill.iorw.load_notebook_node``, read, parsed and validated once per file version.

    A copy each time: papermill's parameterizing changes the notebook it is given.
    """
    stat = notebook.stat()
    return copy.deepcopy(_parsed(str(notebook), stat.st_mtime_ns, stat.st_size))


def _ignore(_msg) -> None:
    return None


def kill_process(kernel: WarmKernel) -> None:
    """Kill a kernel process from any thread (Ctrl-C, SIGTERM): no event loop needed."""
    process = getattr(kernel.km.provisioner, "process", None)
    if process is not None and process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    with contextlib.suppress(Exception):  # the file may already be gone
        kernel.km.cleanup_connection_file()


def kill_all() -> int:
    """Kill every kernel this process started; returns how many were still running."""
    with _LIVE_LOCK:
        kernels = list(_LIVE)
        _LIVE.clear()
    for kernel in kernels:
        kill_process(kernel)
    return len(kernels)


atexit.register(kill_all)


def live_pids() -> list[int]:
    with _LIVE_LOCK:
        return [k.pid for k in _LIVE if k.pid is not None]

"""Run report jobs on a Dask distributed cluster: the same warm workers, one per Dask worker.

Each Dask worker process keeps one ``ReportWorker`` (a warm kernel) for as long as it lives and
runs one report at a time on it; a plugin shuts the kernel down when the worker closes. Without a
scheduler address a ``LocalCluster`` of ``workers`` single-threaded processes is started and
closed here. The output folder must be shared by the cluster's machines (the paths in the jobs
are absolute).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from distributed import Client, LocalCluster, as_completed
from distributed.diagnostics.plugin import WorkerPlugin

from trsplan.report.runner import CELL_TIMEOUT_S, ReportJob, ReportResult, ReportWorker

_WORKER_LOCK = threading.Lock()
_WORKERS: dict[int, ReportWorker] = {}


def _report_task(job: ReportJob, cell_timeout: float = CELL_TIMEOUT_S) -> ReportResult:
    """Runs on a Dask worker: one warm kernel per worker thread (sockets belong to a thread)."""
    ident = threading.get_ident()
    with _WORKER_LOCK:
        worker = _WORKERS.get(ident)
        if worker is None:
            worker = _WORKERS[ident] = ReportWorker()
    return worker.run(job, cell_timeout)


def _close_workers() -> None:
    from trsplan.report.kernels import kill_all

    with _WORKER_LOCK:
        _WORKERS.clear()
    kill_all()


class KernelPlugin(WorkerPlugin):
    """Stops a Dask worker's kernels when the worker closes."""

    name = "trsplan-kernels"

    def teardown(self, worker) -> None:
        _close_workers()


def run_reports_dask(
    jobs: list[ReportJob],
    workers: int = 2,
    scheduler: str | None = None,
    on_result: Callable[[ReportResult], None] | None = None,
    cell_timeout: float = CELL_TIMEOUT_S,
) -> list[ReportResult]:
    """Run jobs on the cluster at ``scheduler`` (or a local one); results in job order."""
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(
            n_workers=max(1, min(workers, len(jobs))),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
    client = Client(cluster if cluster is not None else scheduler)
    try:
        client.register_plugin(KernelPlugin(), name=KernelPlugin.name)
        futures = {
            client.submit(_report_task, job, cell_timeout, key=f"report-{job.stem}", pure=False): i
            for i, job in enumerate(jobs)
        }
        results: dict[int, ReportResult] = {}
        for future in as_completed(futures):
            index = futures[future]
            try:
                result = future.result()
            except Exception as exc:  # the worker process itself died: only this report fails
                job = jobs[index]
                result = ReportResult(
                    job.stem,
                    job.kind,
                    job.title,
                    dict(job.parameters),
                    ok=False,
                    error=f"{type(exc).__name__}: {exc}",
                    ename=type(exc).__name__,
                    key=job.key,
                )
            results[index] = result
            if on_result is not None:
                on_result(result)
        return [results[i] for i in range(len(jobs))]
    finally:
        if cluster is None:  # a shared cluster keeps running: stop our kernels on it
            with contextlib.suppress(Exception):
                client.run(_close_workers)
        client.close()
        if cluster is not None:
            cluster.close()

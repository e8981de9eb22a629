"""Run report notebooks on warm kernels and export them in the same worker.

``ReportWorker`` owns one warm kernel and one HTML exporter per language and turns a
``ReportJob`` into a ``ReportResult`` (failures recorded, never raised). ``run_reports`` runs jobs
on a pool of worker threads (each thread drives one kernel process, so the notebooks run in
parallel) and reports each result as it finishes. ``trsplan.report.dask_executor`` runs the same
workers on a Dask cluster.
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trsplan.fileio import atomic_path, write_text

if TYPE_CHECKING:  # the Jupyter stack loads only when a report runs (a re-run skips them all)
    import nbformat
    from nbconvert import HTMLExporter

    from trsplan.report.kernels import WarmKernel

TEMPLATE_DIR = Path(__file__).parent / "templates"
KERNEL_NAME = "trsplan"
CELL_TIMEOUT_S = 600
# WeasyPrint (Pango, fontconfig) is not documented as thread-safe: one PDF at a time.
_PDF_LOCK = threading.Lock()


@dataclass(frozen=True)
class ReportJob:
    """One notebook run. Parameters are passed as given (codes stay strings)."""

    notebook: Path
    parameters: dict[str, str | int]
    output_dir: Path
    stem: str
    kind: str = "municipality"
    title: str = ""
    formats: tuple[str, ...] = ("html",)
    key: str = ""  # the incremental-run hash (``trsplan.report.incremental``)


@dataclass
class ReportResult:
    stem: str
    kind: str
    title: str
    parameters: dict[str, str | int]
    ok: bool
    html: str | None = None
    pdf: str | None = None
    notebook: str | None = None
    error: str | None = None
    ename: str | None = None
    failing_cell: int | None = None
    duration_s: float = 0.0
    status: str = "failed"  # run, skipped or failed
    key: str = ""
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def kernel_name() -> str:
    """The project's kernel when installed in this environment (``make install`` does it)."""
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    return KERNEL_NAME if KERNEL_NAME in specs else "python3"


@functools.lru_cache(maxsize=32)
def _notebook_parameters(notebook: str, _mtime_ns: int) -> frozenset[str]:
    import papermill as pm

    return frozenset(pm.inspect_notebook(notebook))


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Papermill only warns on unknown parameters; a typo must not silently use a default."""
    known = _notebook_parameters(str(notebook), Path(notebook).stat().st_mtime_ns)
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise ValueError(
            f"{notebook.name} has no parameters {unknown}; its parameters are {sorted(known)}"
        )


@functools.cache
def _exporter_class() -> type[HTMLExporter]:
    from nbconvert import HTMLExporter

    class ReportHTMLExporter(HTMLExporter):
        """nbconvert's exporter without its schema validation of the whole notebook after each
        preprocessor (~10 ms a report): nbclient validated every output as it arrived and
        ``nbformat.writes`` validates the notebook it writes."""

        def _validate_preprocessor(self, nbc, preprocessor) -> None:
            return None

    return ReportHTMLExporter


def html_exporter(lang: str = "nb") -> HTMLExporter:
    """The report HTML: no code, no prompts, analysts' notes (``remove-cell``) dropped."""
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = _exporter_class()(
        language_code=lang,
        template_name="trsplan",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True
    )
    return exporter


def render_html(exporter: HTMLExporter, notebook: nbformat.NotebookNode, title: str = "") -> str:
    if title:  # the page title (and the PDF's) names the place, not just the notebook
        notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook)
    return body


def export_html(notebook_path: Path, html_path: Path, lang: str = "nb", title: str = "") -> None:
    """Export an executed notebook file (analysts re-exporting by hand)."""
    import nbformat

    notebook = nbformat.read(notebook_path, as_version=4)
    write_text(html_path, render_html(html_exporter(lang), notebook, title))


def pdf_support() -> str | None:
    """None when WeasyPrint can make PDFs here, else the reason it cannot."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WeasyPrint is not installed (pip install weasyprint)"
    except OSError as exc:  # WeasyPrint is installed but Pango is missing
        return f"WeasyPrint cannot load its system libraries ({exc}); install Pango"
    return None


def export_pdf(html_path: Path, pdf_path: Path, html_text: str | None = None) -> None:
    """Print the self-contained HTML with its print stylesheet (A4, page breaks)."""
    import weasyprint

    with _PDF_LOCK, atomic_path(pdf_path) as tmp:
        if html_text is None:
            weasyprint.HTML(filename=str(html_path)).write_pdf(tmp)
        else:
            weasyprint.HTML(string=html_text, base_url=str(html_path.parent)).write_pdf(tmp)


class ReportWorker:
    """One warm kernel and its exporters; used from one thread only."""

    def __init__(self, name: str | None = None, start_timeout: float = 120) -> None:
        self.name = name or kernel_name()
        self.start_timeout = start_timeout
        self.kernel: WarmKernel | None = None
        self.exporters: dict[str, HTMLExporter] = {}

    def _kernel(self) -> WarmKernel:
        from trsplan.report.kernels import WarmKernel

        if self.kernel is None:
            self.kernel = WarmKernel(self.name, self.start_timeout)
        return self.kernel

    def replace_kernel(self) -> None:
        if self.kernel is not None:
            self.kernel.shutdown()
            self.kernel = None

    def close(self) -> None:
        self.replace_kernel()

    def exporter(self, lang: str) -> HTMLExporter:
        if lang not in self.exporters:
            self.exporters[lang] = html_exporter(lang)
        return self.exporters[lang]

    def run(self, job: ReportJob, cell_timeout: float = CELL_TIMEOUT_S) -> ReportResult:
        """Execute one notebook and export it; failures are recorded, never raised."""
        import papermill as pm

        start = time.perf_counter()
        result = ReportResult(
            job.stem, job.kind, job.title, dict(job.parameters), ok=False, key=job.key
        )
        executed = job.output_dir / "notebooks" / f"{job.stem}.ipynb"
        html_path = job.output_dir / f"{job.stem}.html"
        try:
            check_parameters(job.notebook, job.parameters)
            executed.parent.mkdir(parents=True, exist_ok=True)
            try:
                notebook = self._execute(job, executed, cell_timeout)
            finally:
                result.notebook = (
                    str(executed.relative_to(job.output_dir)) if executed.exists() else None
                )
            result.extra = report_facts(notebook)
            body = render_html(
                self.exporter(str(job.parameters.get("lang", "nb"))), notebook, job.title
            )
            write_text(html_path, body)
            result.html = html_path.name
            if "pdf" in job.formats:
                pdf_path = html_path.with_suffix(".pdf")
                export_pdf(html_path, pdf_path, body)
                result.pdf = pdf_path.name
            result.ok, result.status = True, "run"
        except pm.PapermillExecutionError as exc:
            result.error = f"{exc.ename}: {exc.evalue}"
            result.ename = exc.ename
            result.failing_cell = exc.cell_index
        except Exception as exc:  # a failing report must not lose the others
            result.error = f"{type(exc).__name__}: {exc}"
            result.ename = type(exc).__name__
        result.duration_s = round(time.perf_counter() - start, 3)
        return result

    def _execute(self, job: ReportJob, executed: Path, cell_timeout: float):
        import papermill as pm
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        from trsplan.report.kernels import KernelSetupError

        kernel = self._kernel()
        try:
            notebook = kernel.run_notebook(job.notebook, job.parameters, executed, cell_timeout)
        except pm.PapermillExecutionError as exc:
            _write_notebook(executed, exc.notebook)
            raise
        except (DeadKernelError, CellTimeoutError, KernelSetupError, TimeoutError, RuntimeError):
            # dead, hung or confused: this report fails, the next one gets a fresh kernel
            self.replace_kernel()
            raise
        _write_notebook(executed, notebook)
        return notebook


def report_facts(notebook: nbformat.NotebookNode) -> dict:
    """What a report's own pages say that the index shows: its verdict counts, read from the
    executed first page (the index then never judges the goals a second time)."""
    from trsplan.report.scorecard import COUNTS_ATTRIBUTE, counts_in_html

    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            text = output.get("data", {}).get("text/html", "")
            text = "".join(text) if isinstance(text, list) else text
            if COUNTS_ATTRIBUTE in text:
                return {"verdict_counts": counts_in_html(text)}
    return {}


def _write_notebook(path: Path, notebook: nbformat.NotebookNode) -> None:
    import nbformat

    write_text(path, nbformat.writes(notebook))


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops a run like Ctrl-C does (kernels shut down), not by killing us outright."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_report(job: ReportJob, cell_timeout: float = CELL_TIMEOUT_S) -> ReportResult:
    """One report on a kernel of its own (started and stopped here)."""
    worker = ReportWorker()
    try:
        return worker.run(job, cell_timeout)
    finally:
        worker.close()


def _prepare_while_kernels_start(
    prepare: Callable[[], object],
    todo: queue.SimpleQueue,
    ready: threading.Event,
    threads: list[threading.Thread],
) -> None:
    try:
        prepare()
    except Exception:
        while not todo.empty():  # no report runs; each worker shuts its own kernel down
            todo.get_nowait()
        ready.set()
        for thread in threads:
            thread.join()
        raise
    finally:
        ready.set()


def warm_export() -> None:
    """Import papermill and nbconvert and compile the report template once in this process
    (about 2 s: nbformat's jsonschema alone compiles ``rfc3987_syntax``'s grammars for 1 s),
    while the kernels start: the workers' first reports would otherwise wait for it."""
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from trsplan.report.kernels import import_papermill

    import_papermill()

    cell = new_code_cell(
        outputs=[new_output("display_data", data={"text/html": "<p>x</p>", "text/plain": "x"})]
    )
    render_html(html_exporter(), new_notebook(cells=[new_markdown_cell("# x"), cell]), "x")


def default_workers() -> int:
    return os.cpu_count() or 1


def run_reports(
    jobs: Iterable[ReportJob],
    workers: int = 1,
    on_result: Callable[[ReportResult], None] | None = None,
    cell_timeout: float = CELL_TIMEOUT_S,
    prepare: Callable[[], object] | None = None,
) -> list[ReportResult]:
    """Run jobs on ``workers`` warm kernels (one thread each); results in job order.

    ``prepare`` (computing the data the reports read) runs in this thread while the kernels
    start and import their modules; no report starts before it returns, and if it fails no
    report runs and its error is raised. Every kernel is shut down on return, on error and on
    Ctrl-C/SIGTERM (raised as ``KeyboardInterrupt``/``SystemExit`` in the main thread): no
    orphan kernel processes.
    """
    jobs = list(jobs)
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for item in enumerate(jobs):
        todo.put(item)
    done: queue.SimpleQueue = queue.SimpleQueue()
    stop = threading.Event()
    ready = threading.Event()

    def work() -> None:
        worker = ReportWorker()
        try:
            if prepare is not None:
                # a kernel that fails to start here fails its first report, as without prepare
                with contextlib.suppress(Exception):
                    worker._kernel()
                ready.wait()
            while not stop.is_set():
                try:
                    index, job = todo.get_nowait()
                except queue.Empty:
                    return
                done.put((index, worker.run(job, cell_timeout)))
        finally:
            if not stop.is_set():
                worker.close()

    threads = [
        threading.Thread(target=work, name=f"trsplan-kernel-{n}", daemon=True)
        for n in range(max(1, min(workers, len(jobs))))
    ]
    results: dict[int, ReportResult] = {}
    try:
        for thread in threads:
            thread.start()
        if prepare is not None:
            _prepare_while_kernels_start(prepare, todo, ready, threads)
        with contextlib.suppress(Exception):  # an export problem shows in the report that meets it
            warm_export()
        while len(results) < len(jobs):
            try:  # a timeout keeps the main thread responsive to Ctrl-C while waiting
                index, result = done.get(timeout=0.5)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and done.empty():
                    raise RuntimeError("report workers stopped with reports left") from None
                continue
            results[index] = result
            if on_result is not None:
                on_result(result)
    except BaseException:
        from trsplan.report.kernels import kill_all

        stop.set()
        kill_all()  # from this thread: the workers' loops may be blocked on a kernel
        raise
    for thread in threads:
        thread.join()
    return [results[i] for i in range(len(jobs))]

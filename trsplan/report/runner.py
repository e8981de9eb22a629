"""Run one report notebook: papermill, then HTML without code.

``run_report`` is the single place that knows how a report is executed; ``run_reports`` maps it
over jobs serially or in a process pool. Swapping the backend (warm kernels, a cluster) changes
only this module.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
import papermill as pm
from jupyter_client.kernelspec import KernelSpecManager
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor

from trsplan.fileio import atomic_path, write_text

TEMPLATE_DIR = Path(__file__).parent / "templates"
KERNEL_NAME = "trsplan"


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
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def kernel_name() -> str:
    """The project's kernel when installed in this environment (``make install`` does it)."""
    specs = KernelSpecManager().find_kernel_specs()
    return KERNEL_NAME if KERNEL_NAME in specs else "python3"


def check_parameters(notebook: Path, parameters: dict) -> None:
    """Papermill only warns on unknown parameters; a typo must not silently use a default."""
    known = set(pm.inspect_notebook(str(notebook)))
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise ValueError(
            f"{notebook.name} has no parameters {unknown}; its parameters are {sorted(known)}"
        )


def export_html(notebook_path: Path, html_path: Path, lang: str = "nb", title: str = "") -> None:
    exporter = HTMLExporter(
        language_code=lang,
        template_name="trsplan",
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    # cells tagged remove-cell are notes for analysts, not part of the report
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True
    )
    notebook = nbformat.read(notebook_path, as_version=4)
    if title:  # the page title (and the PDF's) names the place, not just the notebook
        notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook)
    write_text(html_path, body)


def pdf_support() -> str | None:
    """None when WeasyPrint can make PDFs here, else the reason it cannot."""
    try:
        import weasyprint  # noqa: F401
    except ImportError:
        return "WeasyPrint is not installed (pip install weasyprint)"
    except OSError as exc:  # WeasyPrint is installed but Pango is missing
        return f"WeasyPrint cannot load its system libraries ({exc}); install Pango"
    return None


def export_pdf(html_path: Path, pdf_path: Path) -> None:
    """Print the self-contained HTML with its print stylesheet (A4, page breaks)."""
    import weasyprint

    with atomic_path(pdf_path) as tmp:
        weasyprint.HTML(filename=str(html_path)).write_pdf(tmp)


def run_report(job: ReportJob) -> ReportResult:
    """Execute one notebook and export it; failures are recorded, never raised."""
    start = time.perf_counter()
    result = ReportResult(job.stem, job.kind, job.title, dict(job.parameters), ok=False)
    executed = job.output_dir / "notebooks" / f"{job.stem}.ipynb"
    html_path = job.output_dir / f"{job.stem}.html"
    try:
        executed.parent.mkdir(parents=True, exist_ok=True)
        check_parameters(job.notebook, job.parameters)
        pm.execute_notebook(
            str(job.notebook),
            str(executed),
            parameters=dict(job.parameters),
            kernel_name=kernel_name(),
            progress_bar=False,
            log_output=False,
            start_timeout=120,
            execution_timeout=600,
        )
        export_html(executed, html_path, str(job.parameters.get("lang", "nb")), job.title)
        result.html = html_path.name
        if "pdf" in job.formats:
            pdf_path = html_path.with_suffix(".pdf")
            export_pdf(html_path, pdf_path)
            result.pdf = pdf_path.name
        result.ok = True
    except pm.PapermillExecutionError as exc:
        result.error = f"{exc.ename}: {exc.evalue}"
        result.ename = exc.ename
        result.failing_cell = exc.cell_index
    except Exception as exc:  # a failing report must not lose the others
        result.error = f"{type(exc).__name__}: {exc}"
        result.ename = type(exc).__name__
    result.notebook = str(executed.relative_to(job.output_dir)) if executed.exists() else None
    result.duration_s = round(time.perf_counter() - start, 2)
    return result


def run_reports(jobs: Iterable[ReportJob], workers: int = 1) -> list[ReportResult]:
    """Run jobs in order; with ``workers > 1`` in a process pool (one kernel per job)."""
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return [run_report(job) for job in jobs]
    with ProcessPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        return list(pool.map(run_report, jobs))

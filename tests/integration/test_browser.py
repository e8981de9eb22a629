"""The report set as a reader sees it: index.html and two reports in headless Chromium.

Each page is opened twice, served by a local web server on 127.0.0.1 and straight from disk
(file://), because reports are both published and mailed around as files. A page passes when
every image decodes, no request fails or leaves the machine, the console stays free of errors
and every link on the index resolves. A full-page screenshot of each page is written to
``<year>/screenshots/``.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``), driven by Playwright;
``playwright install`` is never needed. Without either the module skips and says why.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import struct
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


CHROMIUM = _chromium()
if CHROMIUM is None:
    pytest.skip(
        "Chromium is not installed (/usr/bin/chromium; `.ci/run` installs Debian's chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the playwright package is not installed (pip install -e '.[dev]')",
)

pytestmark = pytest.mark.integration  # needs the report set, i.e. runs the report notebooks

# As root in a closed network: no sandbox, and no background connections to Google's services
# (without those flags Chromium keeps trying and failing). Playwright gives every launch a
# fresh, empty --user-data-dir of its own.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
MODES = ("http", "file")
PAGES = ("index", "region", "municipality")


# ---- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pages(report_set: Path) -> dict[str, str]:
    """Page kind -> file name: the index, the region report and the first municipality report."""
    manifest = json.loads((report_set / "manifest.json").read_text(encoding="utf-8"))
    by_kind: dict[str, str] = {"index": "index.html"}
    for report in manifest["reports"]:
        by_kind.setdefault(report["kind"], report["html"])
    assert {"region", "municipality"} <= set(by_kind), manifest["reports"]
    return by_kind


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        pass


@pytest.fixture(scope="module")
def server(report_set: Path) -> Iterator[str]:
    """The report folder served on 127.0.0.1 (a free port) for the module; its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(report_set))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


@pytest.fixture(scope="module")
def browser(report_set: Path):
    """One headless Chromium for the module (built after the report set, closed at the end)."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class PageWatch:
    """Everything a page reports that a reader would call broken."""

    def __init__(self, page, base: str) -> None:
        self.base = base
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on(
            "requestfailed",
            lambda request: self.problems.append(
                f"request failed: {request.url} ({request.failure})"
            ),
        )
        page.on("response", self._response)
        page.on("request", self._request)

    def _console(self, message) -> None:
        # The browser asks any web server for /favicon.ico by itself; the report set has none,
        # and that 404 is the browser's, not the page's.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console error: {message.text} at {message.location}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.problems.append(f"HTTP {response.status}: {response.url}")

    def _request(self, request) -> None:
        # a self-contained report loads nothing but itself (and inline data: URIs)
        if not (request.url.startswith(self.base) or request.url.startswith("data:")):
            self.problems.append(f"request outside the report set: {request.url}")


@pytest.fixture
def open_page(browser, server: str, report_set: Path):
    """open_page(mode, file name) -> (page, watch): the page loaded over http or file://."""
    contexts = []

    def _open(mode: str, name: str):
        context = browser.new_context(viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        base = server if mode == "http" else report_set.as_uri() + "/"
        watch = PageWatch(page, base)
        response = page.goto(base + name, wait_until="load")
        if mode == "http":
            assert response is not None and response.status == 200, (name, response)
        return page, watch

    yield _open
    for context in contexts:
        context.close()


# ---- helpers ---------------------------------------------------------------------------------

_DECODE_IMAGES = """
() => Promise.all(Array.from(document.images).map(async (img) => {
  let error = null;
  try { await img.decode(); } catch (e) { error = String(e); }
  return {src: img.src.slice(0, 60), alt: img.alt, width: img.naturalWidth,
          height: img.naturalHeight, complete: img.complete, error};
}))
"""


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", header[16:24])


def _check_screenshot(path: Path, page) -> None:
    assert path.is_file(), path
    assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
    width, height = _png_size(path)
    assert width == VIEWPORT["width"]
    # full page: the whole document, not just the viewport
    assert height >= page.evaluate("document.documentElement.scrollHeight") - 1
    from PIL import Image  # matplotlib's dependency, always installed

    with Image.open(path) as image:
        low, high = image.convert("L").getextrema()
    assert high - low > 100, f"{path} is blank"


# ---- tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", PAGES)
@pytest.mark.parametrize("mode", MODES)
def test_page_renders_cleanly(open_page, pages, report_set: Path, mode: str, kind: str):
    name = pages[kind]
    page, watch = open_page(mode, name)

    images = page.evaluate(_DECODE_IMAGES)
    if kind != "index":
        assert len(images) >= 3, f"{name}: expected the report's figures, found {images}"
    broken = [i for i in images if i["error"] or not i["complete"] or i["width"] <= 0]
    assert not broken, f"{name}: images that do not decode: {broken}"
    assert all(i["height"] > 0 and i["alt"].strip() for i in images), images

    banner = page.locator(".trsplan-banner").first
    assert banner.is_visible(), f"{name}: the demo-data banner is not visible"
    assert "Demo data (synthetic)" in banner.inner_text()
    assert page.locator("h1").first.inner_text().strip()

    shots = report_set / "screenshots"
    shots.mkdir(exist_ok=True)
    stem = Path(name).stem
    path = shots / (f"{stem}.png" if mode == "http" else f"{stem}-file.png")
    page.screenshot(path=str(path), full_page=True)
    _check_screenshot(path, page)

    assert not watch.problems, f"{mode}://{name}:\n" + "\n".join(watch.problems)


def _links(page) -> list[dict[str, str]]:
    return page.evaluate(
        "() => Array.from(document.links).map(a => ({href: a.href, raw: a.getAttribute('href'),"
        " text: a.textContent.trim()}))"
    )


def _expected_targets(report_set: Path) -> set[str]:
    manifest = json.loads((report_set / "manifest.json").read_text(encoding="utf-8"))
    targets = {"manifest.json"}
    for report in manifest["reports"]:
        targets |= {report[k] for k in ("html", "pdf") if report.get(k)}
    if (report_set / "indicators.xlsx").is_file():
        targets.add("indicators.xlsx")
    return targets


MAGIC = {".pdf": b"%PDF-", ".xlsx": b"PK\x03\x04", ".html": b"<!DOCTYPE html>"}


def test_every_index_link_resolves_over_http(open_page, pages, report_set: Path, server: str):
    page, watch = open_page("http", "index.html")
    links = _links(page)
    assert {link["raw"] for link in links} >= _expected_targets(report_set)
    for link in links:
        assert link["href"].startswith(server), f"link leaves the report set: {link}"
        response = page.request.get(link["href"])
        assert response.status == 200, f"{link} -> HTTP {response.status}"
        body = response.body()
        suffix = Path(urlparse(link["href"]).path).suffix
        if suffix in MAGIC:
            assert body.lstrip().startswith(MAGIC[suffix]), f"{link}: not a {suffix} file"
        if suffix == ".json":
            json.loads(body)
        if suffix == ".html":
            assert "text/html" in response.headers["content-type"]

    # and a reader can click through to a report
    region = pages["region"]
    with page.expect_navigation():
        page.locator(f'a[href="{region}"]').click()
    assert page.url == server + region
    assert "Trondheimsregionen" in page.locator("h1").first.inner_text()
    assert not watch.problems, "\n".join(watch.problems)


def test_every_index_link_resolves_from_file(open_page, pages, report_set: Path):
    page, watch = open_page("file", "index.html")
    links = _links(page)
    assert {link["raw"] for link in links} >= _expected_targets(report_set)
    for link in links:
        url = urlparse(link["href"])
        assert url.scheme == "file", f"link leaves the report set: {link}"
        target = Path(unquote(url.path))
        assert target.parent == report_set and target.is_file(), f"{link}: no file {target}"
        assert target.stat().st_size > 0

    municipality = pages["municipality"]
    with page.expect_navigation():
        page.locator(f'a[href="{municipality}"]').click()
    assert page.url == (report_set / municipality).as_uri()
    assert "Evaluering" in page.locator("h1").first.inner_text()
    assert not watch.problems, "\n".join(watch.problems)


# ---- the first page, the figures, the length (issue 12) --------------------------------------

#: A4 pages at most: a member's report and the region's, methods and sources included.
PAGE_LIMITS = {"municipality": 12, "region": 20}
#: Where the first-page screenshots go: $TRSPLAN_SCREENSHOTS (docs/screenshots/ to publish them).
SCREENSHOT_ENV = "TRSPLAN_SCREENSHOTS"

_FIGURES = """
() => Array.from(document.querySelectorAll('figure.trsplan-figure')).map((f) => {
  const img = f.querySelector('img'), a = img.getBoundingClientRect(),
        b = f.getBoundingClientRect(), c = f.parentElement.getBoundingClientRect();
  return {alt: img.alt, caption: (f.querySelector('figcaption') || {}).textContent || '',
          naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
          width: a.width, height: a.height, right: a.right, parentRight: c.right,
          figureRight: b.right};
})
"""


@pytest.mark.parametrize("kind", ("region", "municipality"))
def test_figures_are_whole_and_described(open_page, pages, kind: str):
    page, _ = open_page("file", pages[kind])
    page.evaluate(_DECODE_IMAGES)
    found = page.evaluate(_FIGURES)
    assert len(found) >= 3, found
    for figure in found:
        assert len(figure["alt"].strip()) > 20, f"figure without a real alt text: {figure}"
        assert figure["caption"].strip(), figure
        # the whole image is shown: not wider than its column, and scaled, never cropped
        assert figure["right"] <= figure["parentRight"] + 1, figure
        ratio = figure["naturalWidth"] / figure["naturalHeight"]
        assert abs(figure["width"] / figure["height"] - ratio) < 0.02 * ratio, figure


def _first_page_goals(page) -> tuple[list[str], list[str]]:
    rows = page.evaluate(
        "() => Array.from(document.querySelectorAll('table.trsplan-scorecard tbody th'))"
        ".map(th => th.textContent.trim().split(/\\s+/)[0])"
    )
    listed = page.evaluate(
        "() => Array.from(document.querySelectorAll('.trsplan-unmeasured li'))"
        ".map(li => li.textContent.split(':')[0])"
    )
    unmeasured = []
    for item in listed:  # "Mål 1.1–1.4, 2.1–2.6, 4.4" -> every goal id in the ranges
        for part in item.split(" ", 1)[1].split(", "):
            unmeasured.append(part.strip())
    return rows, unmeasured


@pytest.mark.parametrize("kind", ("region", "municipality"))
def test_each_goal_appears_once_on_the_first_page(open_page, pages, kind: str):
    page, _ = open_page("file", pages[kind])
    rows, unmeasured = _first_page_goals(page)
    assert rows, "no scorecard rows"
    assert len(rows) == len(set(rows)), f"a goal appears twice: {rows}"
    singles = {g for g in unmeasured if "–" not in g}
    assert not singles & set(rows), (rows, unmeasured)
    verdict = page.locator(".trsplan-verdict").inner_text()
    assert re.search(r"\d+ mål", verdict), verdict
    assert "–</td>" not in page.locator("table.trsplan-scorecard").inner_html()


def test_reports_fit_their_page_limits(report_set: Path):
    pypdf = pytest.importorskip("pypdf")
    manifest = json.loads((report_set / "manifest.json").read_text(encoding="utf-8"))
    checked = 0
    for report in manifest["reports"]:
        if not report.get("pdf"):
            continue
        pages = len(pypdf.PdfReader(report_set / report["pdf"]).pages)
        limit = PAGE_LIMITS[report["kind"]]
        assert pages <= limit, f"{report['pdf']}: {pages} A4 pages, at most {limit}"
        checked += 1
    if not checked:
        pytest.skip("no PDFs in the report set (WeasyPrint unavailable)")


def _screenshot_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("lang", ("nb", "en"))
def test_first_page_screenshots(browser, request, tmp_path: Path, lang: str):
    """The first page of the region's and a member's report as a reader sees it on screen."""
    year_dir = request.getfixturevalue("report_set" if lang == "nb" else "english_set")
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    by_kind: dict[str, str] = {}
    for report in manifest["reports"]:
        by_kind.setdefault(report["kind"], report["html"])
    folder = _screenshot_dir(tmp_path)
    context = browser.new_context(viewport={"width": 1000, "height": 1400})
    try:
        for kind, name in by_kind.items():
            page = context.new_page()
            page.goto((year_dir / name).as_uri(), wait_until="load")
            bottom = page.evaluate(
                "() => { const s = document.querySelector('.trsplan-first-page');"
                " const r = s.getBoundingClientRect(); return r.bottom + window.scrollY + 8; }"
            )
            path = folder / f"first-page-{kind}-{lang}.png"
            page.screenshot(path=str(path), clip={"x": 0, "y": 0, "width": 1000, "height": bottom})
            assert path.stat().st_size > 10_000, path
            words = "Hovedfunn" if lang == "nb" else "Main findings"
            assert words in page.locator(".trsplan-first-page h2").inner_text()
    finally:
        context.close()

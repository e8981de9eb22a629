"""What a report chart costs: trsplan's SVG against matplotlib's PNG and SVG, in the same run.

The chart is the reports' most frequent one, a forecast fan (observed series, 80 % and 95 %
bands, the forecast, a target line, a wrapped title and a legend), drawn 10 times in every
municipality's report. The matplotlib version is the one the reports used before (seaborn's
whitegrid style, 8 x 4 inches at 110 dpi, laid out with constrained layout), saved as PNG and as
SVG with text kept as text.

    .venv/bin/python benchmarks/figure_formats.py [--rounds 30]

Prints the results and writes them to ``benchmarks/results/figure_formats.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from trsplan.report import figures  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "figure_formats.json"
TITLE = (
    "Midtre Gauldal: Andel av Fastlands-Norges bruttoprodukt (basisverdi) delt på andel av "
    "befolkningen (1,00 = målet nådd)"
)


def data() -> tuple[pd.Series, pd.DataFrame]:
    years = range(2010, 2024)
    history = pd.Series(np.linspace(0.86, 0.90, len(years)) + 0.01 * np.sin(years), index=years)
    spread = np.sqrt(np.arange(1, 8))
    forecast = pd.DataFrame({"year": range(2024, 2031), "mean": np.linspace(0.89, 0.90, 7)})
    for level, k in (("80", 1.0), ("95", 2.0)):
        forecast[f"lower{level}"] = forecast["mean"] - 0.01 * k * spread
        forecast[f"upper{level}"] = forecast["mean"] + 0.01 * k * spread
    return history, forecast


def trsplan_svg(history: pd.Series, forecast: pd.DataFrame) -> bytes:
    return figures.fan_chart(history, forecast, 1.0, TITLE, "Forhold", "nb").svg.encode()


def matplotlib_chart(history: pd.Series, forecast: pd.DataFrame, fmt: str) -> bytes:
    sns.set_theme(style="whitegrid", font="DejaVu Sans")
    plt.rcParams.update({"svg.fonttype": "none", "axes.titleweight": "bold"})
    fig, ax = plt.subplots(figsize=(8, 4), dpi=110, layout="constrained")
    ax.plot(history.index, history.values, color="#0072B2", marker="o", ms=3, label="Forhold")
    for level, alpha in (("95", 0.18), ("80", 0.35)):
        ax.fill_between(
            forecast["year"], forecast[f"lower{level}"], forecast[f"upper{level}"],
            color="#E69F00", alpha=alpha, label=f"{level} %",
        )  # fmt: skip
    ax.plot(forecast["year"], forecast["mean"], color="#E69F00", ls=":", lw=2, label="Framskriving")
    ax.axhline(1.0, color="black", ls="--", lw=1.5, label="Mål")
    fig.suptitle(TITLE, x=0.01, ha="left", fontsize=12, fontweight="bold", wrap=True)
    ax.set_xlabel("År")
    ax.set_ylabel("Forhold")
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def timed(draw: Callable[[], bytes], rounds: int) -> dict:
    draw()  # warm: imports, font caches
    times, size = [], 0
    for _ in range(rounds):
        started = time.process_time()
        size = len(draw())
        times.append(time.process_time() - started)
    return {"cpu_ms_median": round(1000 * statistics.median(times), 2), "bytes": size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    history, forecast = data()
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "trsplan_svg": timed(lambda: trsplan_svg(history, forecast), args.rounds),
        "matplotlib_png": timed(lambda: matplotlib_chart(history, forecast, "png"), args.rounds),
        "matplotlib_svg": timed(lambda: matplotlib_chart(history, forecast, "svg"), args.rounds),
    }
    base = results["trsplan_svg"]["cpu_ms_median"]
    for name in ("matplotlib_png", "matplotlib_svg"):
        results[name]["times_trsplan_svg"] = round(results[name]["cpu_ms_median"] / base, 1)
    text = json.dumps(results, indent=2)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

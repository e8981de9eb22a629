"""A researcher's install: the built wheel alone gives a working ``trsplan``.

Builds the wheel from the checkout, installs it (without dependencies) into a fresh virtual
environment whose dependencies come from this environment's site-packages (a ``.pth`` line, so
nothing is downloaded and this checkout's editable install is not seen), and makes a report in an
empty folder: with no snapshot there, ``trsplan`` writes the synthetic demo snapshot first.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from trsplan.paths import PROJECT_ROOT

pytestmark = pytest.mark.integration  # builds a wheel and runs the report notebooks (~1-2 min)


_NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")


def _clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points back at the checkout."""
    drop = {"PYTHONPATH", "TRSPLAN_DATA_DIR", "JUPYTER_PATH", "VIRTUAL_ENV", "PYTHONHOME"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, **extra}


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a fresh venv holding only the wheel."""
    root = tmp_path_factory.mktemp("wheel")
    env = _clean_env()
    # build from a clean copy: a stale build/ folder in the checkout must not leak into the wheel
    source = root / "source"
    shutil.copytree(PROJECT_ROOT / "trsplan", source / "trsplan", ignore=_NOT_SOURCE)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(PROJECT_ROOT / name, source / name)
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(root / "dist"), "."],
        source,
        env,
        timeout=300,
    )
    wheels = list((root / "dist").glob("trsplan-*.whl"))
    assert len(wheels) == 1, wheels
    venv.EnvBuilder(with_pip=False).create(root / "venv")
    python = root / "venv" / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            root,
            env,
            timeout=60,
        ).strip()
    )
    # this environment's packages as plain path entries: their .pth files (the editable
    # install of the checkout among them) are not processed, so only the wheel's trsplan is seen
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    # the dependencies' data files (nbconvert's templates) as their own install would place them;
    # not the kernels: this environment's "trsplan" kernel runs the checkout's code
    shared = Path(sys.prefix) / "share" / "jupyter"
    target = root / "venv" / "share" / "jupyter"
    target.mkdir(parents=True)
    for entry in shared.iterdir():
        if entry.name != "kernels":
            (target / entry.name).symlink_to(entry)
    _run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q"]
        + [str(wheels[0])],
        root,
        env,
        timeout=300,
    )
    return root / "venv" / "bin"


def test_the_wheel_alone_makes_a_report_in_an_empty_folder(installed, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = _clean_env(PATH=f"{installed}{os.pathsep}{os.environ.get('PATH', '')}")
    where = _run(
        [str(installed / "python"), "-c", "import trsplan; print(trsplan.__file__)"],
        work,
        env,
        timeout=60,
    )
    assert str(PROJECT_ROOT / "trsplan") not in where, f"the checkout was imported: {where}"
    output = _run(
        [str(installed / "trsplan"), "report", "-m", "5001", "--format", "html"],
        work,
        env,
        timeout=600,
    )
    assert "synthetic demo snapshot" in output
    # the working folder is the current directory: snapshot and reports land here
    assert (work / "snapshot" / "2026-11-01-demo" / "ssb" / "07459.json").is_file()
    html = sorted(work.glob("reports/*/*.html"))
    assert any("5001" in p.name for p in html), sorted(p.name for p in work.rglob("*"))

"""Packaging stays coherent: environment.yml, pyproject.toml and constraints.txt agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from trsplan.paths import PROJECT_ROOT

_NAME = re.compile(r"^\s*([A-Za-z0-9_.\-]+)")


def _name(requirement: str) -> str:
    match = _NAME.match(requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _pyproject_names() -> set[str]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return {_name(r) for r in requirements}


def _environment_names() -> set[str]:
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text())
    names = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            names |= {_name(p) for p in dep.get("pip", []) if not p.startswith("-e")}
        else:
            names.add(_name(dep))
    return names - {"python", "pip"}


def _constraint_pins() -> dict[str, str]:
    pins = {}
    for line in (PROJECT_ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_name(name)] = version.strip()
    return pins


def test_environment_yml_names_the_same_packages_as_pyproject():
    assert _environment_names() == _pyproject_names()


def test_every_dependency_is_pinned_in_constraints():
    missing = _pyproject_names() - set(_constraint_pins())
    assert not missing, f"add exact pins to constraints.txt for: {sorted(missing)}"


def test_console_script_points_at_the_cli():
    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"trsplan": "trsplan.cli:run"}  # the typer app, then a quick exit


def test_package_data_globs_cover_every_shipped_file():
    """A wheel has what the code reads: every non-Python file under trsplan/ (data, notebooks,
    templates) matches a [tool.setuptools.package-data] glob; the wheel test proves the rest."""
    globs = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["trsplan"]
    package = PROJECT_ROOT / "trsplan"
    covered = {p for pattern in globs for p in package.glob(pattern) if p.is_file()}
    shipped = {
        p
        for p in package.rglob("*")
        if p.is_file()
        and p.suffix not in (".py", ".pyc")
        and "__pycache__" not in p.parts
        and ".ipynb_checkpoints" not in p.parts
    }
    missing = sorted(str(p.relative_to(package)) for p in shipped - covered)
    assert not missing, f"add package-data globs to pyproject.toml for: {missing}"
    assert (package / "data" / "targets.yaml") in covered
    assert {p.name for p in covered if p.suffix == ".ipynb"} >= {
        "municipality.ipynb",
        "region.ipynb",
    }

"""The console entry point ends the process itself: exit codes and output must survive that."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _trsplan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "trsplan.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_help_is_printed_whole_and_exits_zero():
    done = _trsplan("--help")
    assert done.returncode == 0
    assert "Usage" in done.stdout and "report" in done.stdout


def test_a_refused_input_keeps_its_exit_code_and_message():
    done = _trsplan("report", "--year", "1800", "--format", "html")
    assert done.returncode == 2
    assert "year 1800 is outside the data" in done.stderr


def test_an_unknown_command_is_a_usage_error():
    done = _trsplan("nosuchcommand")
    assert done.returncode == 2 and "No such command" in done.stderr


def test_the_command_line_validates_notebooks_without_rfc3987_syntax(tmp_path):
    # the entry point keeps jsonschema from compiling rfc3987_syntax's grammars (1 s a run);
    # notebook validation, which uses no format checks, still works and still catches errors
    script = tmp_path / "check.py"
    script.write_text(
        textwrap.dedent(
            """
            import atexit, sys
            from trsplan import cli

            def check():
                import nbformat

                nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
                nbformat.validate(nb)
                nb.cells[0]["cell_type"] = "nonsense"
                try:
                    nbformat.validate(nb)
                except nbformat.ValidationError:
                    print("invalid caught", sys.modules.get("rfc3987_syntax", 0) is None)

            atexit.register(check)
            sys.argv = ["trsplan", "--help"]
            cli.run()
            """
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "invalid caught True" in done.stdout

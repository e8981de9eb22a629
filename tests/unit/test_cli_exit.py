"""The console entry point ends the process itself: exit codes and output must survive that."""

from __future__ import annotations

import subprocess
import sys


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

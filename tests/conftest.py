"""Shared pytest setup."""

from __future__ import annotations

import ipaddress
import socket

import pytest

# ---- network guard: tests never touch the internet ----------------------------------------
# Any connection (or name lookup) to a non-loopback address fails the test outright. The error
# is pytest's Failed (a BaseException), so no client can mistake it for "offline" and carry on.

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if not isinstance(host, str):
        return False
    if host.lower() in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True, scope="session")
def _no_internet():
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _is_loopback(host):
                pytest.fail(f"test tried to reach the network: {address!r}", pytrace=False)

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(
            host.decode() if isinstance(host, bytes) else host
        ):
            pytest.fail(f"test tried to reach the network (lookup of {host!r})", pytrace=False)
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
    socket.getaddrinfo = getaddrinfo
    try:
        yield
    finally:
        socket.socket.connect, socket.socket.connect_ex = real_connect, real_connect_ex
        socket.getaddrinfo = real_getaddrinfo


# ---- one report set per session, shared by the browser and export tests ---------------------


@pytest.fixture
def clock(monkeypatch):
    """The HTTP layer on a fake clock, with fresh rate limiters."""
    from statbank_server import FakeClock

    from trsplan.sources import http

    fake = FakeClock()
    monkeypatch.setattr(http, "CLOCK", fake)
    http.reset_limiters()
    yield fake
    http.reset_limiters()


@pytest.fixture(scope="session")
def report_set(tmp_path_factory):
    """The Norwegian report set (the region, 5001 and 5035), built once: its year folder.

    Built with every format this machine supports (PDF only where WeasyPrint works). Tests that
    write into it (screenshots) use their own subfolder.
    """
    from trsplan.report.build import build_reports

    build = build_reports(
        municipalities=["5001", "5035"],
        out=tmp_path_factory.mktemp("report-set"),
        lang="nb",
        workers=2,
    )
    failed = [f"{r.title}: {r.error} (cell {r.failing_cell})" for r in build.results if not r.ok]
    assert not failed, f"the report set failed to build: {failed}"
    return build.out_dir


ENGLISH_MUNICIPALITIES = ["5001"]  # the region and one municipality: two reports, one round


@pytest.fixture(scope="session")
def english_set(tmp_path_factory):
    """The English report set (the region and 5001), built once: its year folder."""
    from trsplan.report.build import build_reports

    build = build_reports(
        municipalities=ENGLISH_MUNICIPALITIES,
        out=tmp_path_factory.mktemp("report-set-en"),
        lang="en",
        workers=2,
    )
    failed = [f"{r.title}: {r.error} (cell {r.failing_cell})" for r in build.results if not r.ok]
    assert not failed, f"the English report set failed to build: {failed}"
    return build.out_dir

"""Hostile clients cannot grow the server's memory or make it fail: header size and count are
limited (431), paths of strangers are not cached, idle limit tables are dropped, and a WebSocket
upgrade gets no 5xx. Memory is measured as the server's resident set size."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from toggl_emulator import EmulatorProcess

from tests.support import ADMIN, PREMIUM

pytestmark = [pytest.mark.emulator, pytest.mark.slow]


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorProcess]:
    with EmulatorProcess(["--hourly-quota", "100000"]) as process:
        yield process


def rss_mb(process: EmulatorProcess) -> float:
    assert process.process is not None
    status = Path(f"/proc/{process.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def raw(port: int, request: bytes) -> bytes:
    """What the server answers to these bytes (it may hang up before it has read them all)."""
    answer = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        try:
            connection.sendall(request)
            while chunk := connection.recv(65536):
                answer += chunk
        except (ConnectionResetError, BrokenPipeError):
            pass
    return answer


def first_answer(port: int, request: bytes) -> bytes:
    """The beginning of the server's answer (the connection may stay open)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(65536)


def test_oversized_or_too_many_headers_get_431_and_the_server_stays_small(
    server: EmulatorProcess,
) -> None:
    before = rss_mb(server)
    huge = b"GET /api/v9/me/clients HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
    many = (
        b"GET /api/v9/me/clients HTTP/1.1\r\nHost: x\r\n"
        + b"".join(b"X-%d: 1\r\n" % n for n in range(200))
        + b"\r\n"
    )
    start = b"GET /api/v9/me/clients HTTP/1.1\r\nHost: x\r\n"
    lines = start + (b"X-Line: " + b"b" * 100 + b"\r\n") * 400 + b"\r\n"
    for request in (huge, many, lines):
        answer = raw(server.port, request)
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
        assert b'"Request headers are too large"' in answer
    for _ in range(50):  # header lines without end: what grew it to a gigabyte before
        raw(server.port, start + (b"X-Line: " + b"b" * 1000 + b"\r\n") * 2000)
    assert rss_mb(server) - before < 20
    with httpx.Client(base_url=server.base_url, auth=ADMIN) as http:
        assert http.get(f"/workspaces/{PREMIUM}/clients").status_code == 200


def test_a_websocket_upgrade_gets_no_5xx(server: EmulatorProcess) -> None:
    answer = first_answer(
        server.port,
        b"GET /api/v9/me/clients HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
        b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    status = int(answer.split(b" ", 2)[1])
    assert status < 500, answer[:200]


def test_long_paths_of_strangers_do_not_grow_the_server(server: EmulatorProcess) -> None:
    with httpx.Client(base_url=server.base_url) as http:
        http.get("/me/clients")
        before = rss_mb(server)
        for n in range(1000):  # 30 MB of paths, were they kept
            path = f"/workspaces/{PREMIUM}/clients/{n:0>30000}"
            assert http.get(path).status_code in (401, 403)
        assert rss_mb(server) - before < 20


def test_idle_quota_windows_and_rate_buckets_are_dropped() -> None:
    """Each distinct workspace id (or token) once kept its table forever."""
    from toggl_emulator.limits import SWEEP_AT, HourlyQuota, RateLimiter

    now = [1_000_000.0]
    quota, limiter = HourlyQuota(30, lambda: now[0]), RateLimiter(1.0, lambda: now[0])
    for n in range(3 * SWEEP_AT):
        quota.consume((1, n))
        limiter.check(n)
        now[0] += 0.01
    assert len(limiter._buckets) <= SWEEP_AT + 1  # drained buckets went at once
    assert len(quota._windows) == 3 * SWEEP_AT  # still within the hour: each one counts
    now[0] += 3600
    quota.consume((1, "me"))
    limiter.check("fresh")
    assert len(quota._windows) == 1  # an hour later only the newest is left
    assert len(limiter._buckets) <= SWEEP_AT

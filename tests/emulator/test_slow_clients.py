"""Slow clients cannot starve the server: stalled connections are closed on time, evicted past the
connection limit, and a normal request is answered meanwhile."""

from __future__ import annotations

import socket
import time

import httpx
import pytest
from toggl_emulator.server import EmulatorProcess

from tests.support import ADMIN, PREMIUM

pytestmark = [pytest.mark.emulator, pytest.mark.slow]

STALLED = 300


def stall(port: int, partial: bytes) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=5)
    connection.sendall(partial)
    return connection


def closed_by_server(connection: socket.socket) -> bool:
    connection.settimeout(0.2)
    try:
        return connection.recv(1024) == b""  # the server hung up (a 408 would not be JSON either)
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_stalled_connections_are_closed_and_do_not_starve_a_normal_request() -> None:
    args = ("--header-timeout", "2", "--body-timeout", "2", "--max-connections", "200")
    with EmulatorProcess(args) as server:
        headers_only = b"GET /api/v9/me/clients HTTP/1.1\r\nHost: x\r\n"  # never ends its headers
        body_owed = b"POST /api/v9/workspaces/1001/clients HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"
        stalled = [stall(server.port, headers_only if n % 2 else body_owed) for n in range(STALLED)]
        try:
            started = time.monotonic()
            with httpx.Client(base_url=server.base_url, auth=ADMIN, timeout=5) as http:
                response = http.get(f"/workspaces/{PREMIUM}/clients")
            elapsed = time.monotonic() - started
            assert response.status_code == 200 and elapsed < 1.0, elapsed
            # Past the limit the oldest waiting connections were evicted at once (nine in ten:
            # on a loaded machine the last few evictions may still be on their way) ...
            evicted = sum(closed_by_server(c) for c in stalled[: STALLED - 200])
            assert evicted >= (STALLED - 200) * 0.9, evicted
            time.sleep(2.5)
            # ... and every stalled one is closed once its header or body time is up.
            assert all(closed_by_server(c) for c in stalled)
        finally:
            for connection in stalled:
                connection.close()


def test_the_limits_are_stated_in_the_help() -> None:
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "toggl_emulator", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for flag, default in (("--header-timeout", "10.0"), ("--body-timeout", "30.0"),
                          ("--keep-alive-timeout", "5"), ("--max-connections", "512"),
                          ("--max-body-bytes", "1048576")):  # fmt: skip
        assert flag in result.stdout and f"default: {default}" in result.stdout.replace("\n", " ")

"""Run a server as a child process on a free loopback port: wait for its health, stop it cleanly.

    with EmulatorProcess(["--rate-limit", "1"]) as emulator:
        emulator.base_url          # http://127.0.0.1:PORT/api/v9

`ServerProcess` is the one helper that starts any HTTP server the project runs beside itself (the
emulator, a deviating test server, Prism in the benchmarks): it picks the port, polls a health URL
with a deadline, fails loudly with the server's own log when it does not come up, and terminates
it (then kills it) on exit.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

from .app import API_PREFIX, CONTROL_PREFIX

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerDidNotStart(RuntimeError):
    """The server exited, or did not answer its health URL in time; the message holds its log."""


class ServerProcess:
    """A child process serving HTTP on `port`, healthy once `health_path` answers 2xx."""

    def __init__(
        self,
        command: Callable[[int], Sequence[str]],
        *,
        health_path: str,
        health_headers: Mapping[str, str] | None = None,
        port: int | None = None,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 20.0,
        name: str = "server",
    ) -> None:
        self.port = port or free_port()
        self.origin = f"http://{LOOPBACK}:{self.port}"
        self.name = name
        self._command = list(command(self.port))
        self._health = urllib.request.Request(
            self.origin + health_path, headers=dict(health_headers or {})
        )
        self._env = {**os.environ, **(env or {})}
        self._startup_timeout = startup_timeout
        # Kept open for the child's whole life, so that its output is there to show on failure.
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"toggl-{name}-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        self.process = subprocess.Popen(
            self._command, env=self._env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log = self.log()
                self.stop()
                raise ServerDidNotStart(
                    f"{self.name} exited with {self.process.returncode} before it was healthy:\n{log}"
                )
            try:
                with urllib.request.urlopen(self._health, timeout=1) as reply:
                    if 200 <= reply.status < 300:
                        return self
            except OSError:
                time.sleep(0.05)
        log = self.log()
        self.stop()
        raise ServerDidNotStart(
            f"{self.name} did not answer {self._health.full_url} within {self._startup_timeout} s:\n{log}"
        )

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        Path(self._log.name).unlink(missing_ok=True)


class EmulatorProcess(ServerProcess):
    """`toggl-emulator ARGS` on a free port; `base_url` is its API root."""

    def __init__(
        self, args: Sequence[str] = (), *, port: int | None = None, startup_timeout: float = 20.0
    ) -> None:
        super().__init__(
            lambda port: [sys.executable, "-m", "toggl_emulator", "--port", str(port), *args],
            health_path=f"{CONTROL_PREFIX}/health",
            port=port,
            startup_timeout=startup_timeout,
            name="emulator",
        )
        self.base_url = self.origin + API_PREFIX

    def reset(self) -> None:
        """Back to the seed: clients, limits and faults as at start."""
        request = urllib.request.Request(f"{self.origin}{CONTROL_PREFIX}/reset", method="POST")
        with urllib.request.urlopen(request, timeout=5):
            pass

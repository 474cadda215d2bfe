"""Run the Toggl emulator as a child process: free port, health wait, log on failure, clean stop.

    with MockServer(["--rate-limit", "1"]) as server:
        server.base_url  # http://127.0.0.1:PORT/api/v9

Used by the contract runners, the socket tests and the benchmarks, so that each owns the mock's
lifecycle the same way.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class MockServer:
    def __init__(self, args: list[str] | None = None, *, startup_timeout: float = 20.0) -> None:
        self.args = args or []
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = f"{self.origin}/api/v9"
        self.startup_timeout = startup_timeout
        # Kept open for the child process's whole life; closed in stop().
        self._log = tempfile.NamedTemporaryFile(prefix="toggl-mock-", suffix=".log", delete=False)  # noqa: SIM115
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> MockServer:
        command = [sys.executable, "-m", "mock", "--port", str(self.port), *self.args]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self._process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"the mock exited with {self._process.returncode}:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(f"{self.origin}/_mock/health", timeout=1) as reply:
                    if reply.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"the mock did not become healthy in {self.startup_timeout}s:\n{self.log()}"
        )

    def reset(self) -> None:
        request = urllib.request.Request(f"{self.origin}/_mock/reset", method="POST")
        with urllib.request.urlopen(request, timeout=5):
            pass

    def log(self) -> str:
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._log.close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        Path(self._log.name).unlink(missing_ok=True)

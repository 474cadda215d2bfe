"""`make mutation`'s fork server: each run sees the code on disk as it is now, its exit code is the
tests', and without a server the tests still run (cold), never a false "killed"."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from toggl_pipeline import mutation_fork

from tests.support import ROOT

SERVER = Path(mutation_fork.__file__)


def run(sock: Path, project: Path) -> int:
    command = [sys.executable, "-S", str(SERVER), "run", str(sock), "-q", "-p", "no:cacheprovider",
               "-p", "no:xdist", "test_lib.py"]  # fmt: skip
    return subprocess.run(command, cwd=project, capture_output=True, timeout=60).returncode


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "lib.py").write_text("VALUE = 1\n")
    (tmp_path / "test_lib.py").write_text(
        "import lib\n\n\ndef test_value():\n    assert lib.VALUE == 1\n"
    )
    return tmp_path


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Path]:
    sock = tmp_path / "fork.sock"
    with mutation_fork.started(str(sock), ["pytest", "_asyncio"], str(ROOT)):
        yield sock


def test_each_run_imports_the_code_as_it_is_now(server: Path, project: Path) -> None:
    assert run(server, project) == 0
    (project / "lib.py").write_text("VALUE = 2\n")  # a mutant
    assert run(server, project) == 1
    (project / "lib.py").write_text("VALUE = 1\n")  # restored
    assert run(server, project) == 0


def test_without_a_server_the_tests_run_cold(tmp_path: Path, project: Path) -> None:
    assert run(tmp_path / "no-server.sock", project) == 0
    (project / "lib.py").write_text("VALUE = 2\n")
    assert run(tmp_path / "no-server.sock", project) == 1


def test_the_server_preloads_third_party_modules_only() -> None:
    import _asyncio
    import asyncio

    import httpx
    import toggl_contract.guard

    modules = {"httpx": httpx, "asyncio": asyncio, "_asyncio": _asyncio, "__main__": sys,
               "toggl_contract.guard": toggl_contract.guard, "tests.support": sys.modules["tests.support"]}  # fmt: skip
    assert mutation_fork.preloadable(modules, str(ROOT)) == ["asyncio", "httpx"]

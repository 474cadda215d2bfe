"""The servers `make bench` measures: the emulator (seeded to a size), its ceiling, and Prism."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from toggl_emulator.seed import DEFAULT_SEED, DEFAULT_SEED_PATH
from toggl_emulator.server import EmulatorProcess, ServerProcess

WORKSPACE = DEFAULT_SEED.workspaces["premium"].id
TOKEN = DEFAULT_SEED.users["admin"].api_token


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process now (`VmRSS`) or at its peak (`VmHWM`), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def seed_with(clients: int) -> dict[str, Any]:
    """The default seed, its premium workspace holding `clients` clients of its own (its projects
    keep their place, without a client)."""
    seed: dict[str, Any] = yaml.safe_load(DEFAULT_SEED_PATH.read_text())
    for project in seed.get("projects", []):
        if project["wid"] == WORKSPACE:
            project.pop("client_id", None)
    seed["clients"] = [
        c for c in seed["clients"] if c["wid"] != WORKSPACE
    ] + [
        {"id": 70_000_000 + n, "wid": WORKSPACE, "name": f"Client {n:06d}", "creator_id": 9876543,
         "notes": "Seeded by make bench", "at": "2024-03-17T10:55:38+00:00"}
        for n in range(clients)
    ]  # fmt: skip
    return seed


@contextmanager
def emulator(clients: int | None = None) -> Iterator[EmulatorProcess]:
    """The emulator over HTTP: the default seed, or one whose premium workspace holds `clients`."""
    with tempfile.TemporaryDirectory() as scratch:
        args: list[str] = []
        if clients is not None:
            seed = Path(scratch) / "seed.json"
            seed.write_text(json.dumps(seed_with(clients)))
            args = ["--seed", str(seed)]
        with EmulatorProcess(args, startup_timeout=120) as server:
            yield server


@contextmanager
def ceiling(body_bytes: int) -> Iterator[ServerProcess]:
    with ServerProcess(
        lambda port: [sys.executable, "-m", "toggl_bench.ceiling", "--port", str(port), "--body-bytes", str(body_bytes)],
        health_path="/", name="the ceiling",
    ) as server:  # fmt: skip
        yield server


@contextmanager
def prism(root: Path, authorization: str) -> Iterator[ServerProcess]:
    """Stoplight Prism serving openapi.yaml (it ignores the servers path)."""
    binary = root / "bench" / "node_modules" / ".bin" / "prism"
    with ServerProcess(
        lambda port: [str(binary), "mock", str(root / "openapi.yaml"), "-p", str(port), "-h", "127.0.0.1", "-v", "error"],
        health_path=f"/workspaces/{WORKSPACE}/clients", health_headers={"Authorization": authorization},
        name="Prism", startup_timeout=60,
    ) as server:  # fmt: skip
        yield server


def answer_size(origin: str, path: str, authorization: str) -> int:
    request = urllib.request.Request(origin + path, headers={"Authorization": authorization})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return len(reply.read())

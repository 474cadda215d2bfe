"""Running the contract kit the way users do, against servers the tests start: helpers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import yaml
from toggl_emulator.seed import DEFAULT_SEED_PATH
from toggl_emulator.server import ServerProcess

from tests.support import ADMIN_TOKEN, MEMBER, PREMIUM, ROOT

# Clients the runs must never touch: another user's, look-alikes of the kit's own names, and the
# short or odd names a fuzzer makes too.
FOREIGN = [
    {"id": 70000001, "wid": PREMIUM, "name": "Someone Else's Client", "creator_id": 9876544, "notes": "theirs",
     "external_reference": "crm-1", "at": "2024-05-01T10:00:00+00:00"},
    {"id": 70000002, "wid": PREMIUM, "name": "toggl-contract-20240101000000-abcdef-a", "creator_id": 9876543,
     "notes": "looks like ours", "at": "2024-05-01T10:00:00+00:00"},
    {"id": 70000003, "wid": PREMIUM, "name": "0", "creator_id": 9876544, "at": "2024-05-01T10:00:00+00:00"},
    {"id": 70000004, "wid": PREMIUM, "name": "ÀÁ", "creator_id": 9876544, "archived": True, "at": "2024-05-01T10:00:00+00:00"},
]  # fmt: skip


# Projects the runs must never touch: another user's under another user's client, and one named like
# the kit's own projects, with a proof that is not the run's.
FOREIGN_PROJECTS = [
    {"id": 80000001, "wid": PREMIUM, "client_id": 70000001, "name": "Their project", "active": True,
     "creator_id": 9876544, "at": "2024-05-01T10:00:00+00:00"},
    {"id": 80000002, "wid": PREMIUM, "client_id": 70000002, "active": True, "creator_id": 9876543,
     "name": "toggl-contract-20240101000000-abcdef-p1 toggl-contract run 20240101000000-abcdef proof "
             "0123456789abcdef0123", "at": "2024-05-01T10:00:00+00:00"},
]  # fmt: skip


def foreign_seed(folder: Path) -> Path:
    seed = yaml.safe_load(DEFAULT_SEED_PATH.read_text())
    seed["clients"] += FOREIGN
    seed["projects"] += FOREIGN_PROJECTS
    path = folder / "seed.json"
    path.write_text(json.dumps(seed))
    return path


def server(
    deviation: str = "faithful", *, seed: Path | None = None, args: tuple[str, ...] = ()
) -> ServerProcess:
    """A server the kit did not start: the emulator (with `args`), or a deviating one."""
    seeded = ("--seed", str(seed)) if seed else ()
    if args:
        assert deviation == "faithful", "emulator flags go with the faithful emulator"
        command = [sys.executable, "-m", "toggl_emulator", *seeded, *args, "--port"]
    else:
        command = [
            sys.executable,
            "-m",
            "tests.contract.drift_server",
            deviation,
            *seeded,
            "--port",
        ]
    return ServerProcess(
        lambda port: [*command, str(port)], health_path="/_emulator/health", name=deviation
    )


def base_url(process: ServerProcess) -> str:
    return process.origin + "/api/v9"


def contract(
    command: str, url: str | None, reports: Path, *args: str, cwd: Path = ROOT, **env: str
) -> subprocess.CompletedProcess[str]:
    """`toggl-contract COMMAND ARGS` as `make` runs it, with the test's server and report folder."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TOGGL_", "CONTRACT_"))}
    environment |= {
        "TOGGL_CONTRACT_REPORTS": str(reports),
        "TOGGL_CONTRACT_INTERVAL": "0",
        "TOGGL_CONTRACT_SEED": "1",
    }
    if url is not None:
        environment |= {"TOGGL_API_URL": url, "TOGGL_API_TOKEN": ADMIN_TOKEN, "TOGGL_WORKSPACE_ID": str(PREMIUM),
                        "TOGGL_CONTRACT_BUDGET": "250"}  # fmt: skip
    environment |= env
    return subprocess.run(
        [sys.executable, "-m", "toggl_contract", command, *args], cwd=cwd, env=environment,
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def workspace(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every client and project of the workspace, as a list reads them (member's token)."""
    with httpx.Client(base_url=url, auth=MEMBER) as http:
        projects = http.get(f"/workspaces/{PREMIUM}/projects", params={"per_page": 200}).json()
    return {
        "clients": clients(url),
        "projects": sorted(
            ({k: v for k, v in p.items() if k != "total_count"} for p in projects),
            key=lambda p: p["id"],
        ),
    }


def clients(url: str) -> list[dict[str, Any]]:
    """Every client of the workspace, read with the member's token (a quota of its own)."""
    with httpx.Client(base_url=url, auth=MEMBER) as http:
        items = http.get(f"/workspaces/{PREMIUM}/clients", params={"status": "both"}).json()
    return sorted(
        ({k: v for k, v in c.items() if k != "total_count"} for c in items), key=lambda c: c["id"]
    )

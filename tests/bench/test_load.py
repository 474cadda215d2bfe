"""The benchmark's load generator works and stays on loopback (figures come from `make bench`)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

from toggl_emulator.server import EmulatorProcess

from tests.support import ACME, ADMIN_TOKEN, PREMIUM

LOADER = [sys.executable, "-m", "toggl_bench.load"]
AUTH = "Authorization: Basic " + base64.b64encode(f"{ADMIN_TOKEN}:api_token".encode()).decode()


def test_the_loader_measures_a_server_and_counts_errors() -> None:
    with EmulatorProcess() as server:
        ok = subprocess.run(
            [*LOADER, "--port", str(server.port), "--path", f"/api/v9/workspaces/{PREMIUM}/clients/{ACME}",
             "--header", AUTH, "--connections", "2", "--duration", "0.3", "--warmup", "0"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        refused = subprocess.run(
            [*LOADER, "--port", str(server.port), "--path", f"/api/v9/workspaces/{PREMIUM}/clients",
             "--connections", "1", "--duration", "0.2", "--warmup", "0", "--max-requests", "5"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
    result = json.loads(ok.stdout)
    assert result["requests"] > 10 and result["errors"] == 0 and result["p50_ms"] > 0
    assert (
        json.loads(refused.stdout)["errors"] == json.loads(refused.stdout)["requests"] == 5
    )  # 401s


def test_the_loader_refuses_a_target_off_loopback() -> None:
    result = subprocess.run(
        [*LOADER, "--host", "10.0.0.1", "--port", "80", "--path", "/"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "loopback only" in result.stderr

"""The contract kit as another team runs it in CI: the installed `toggl-contract`, with the spec and
configuration it ships, against the installed emulator over HTTP, guarded as against a real
workspace."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from toggl_emulator.seed import DEFAULT_SEED
from toggl_emulator.server import EmulatorProcess


def test_the_installed_kit_verifies_the_emulator_and_leaves_nothing(tmp_path: Path) -> None:
    admin = DEFAULT_SEED.users["admin"]
    with EmulatorProcess(["--hourly-quota", "600"]) as emulator:
        environment = {
            **os.environ,
            "TOGGL_API_URL": emulator.base_url,
            "TOGGL_API_TOKEN": admin.api_token,
            "TOGGL_WORKSPACE_ID": str(DEFAULT_SEED.workspaces["premium"].id),
            "TOGGL_CONTRACT_BUDGET": "150",
            "TOGGL_CONTRACT_INTERVAL": "0",
            "TOGGL_CONTRACT_PHASES": "walk,examples",
            "TOGGL_CONTRACT_REPORTS": str(tmp_path / "reports"),
        }
        # From an empty folder: the spec and the schemathesis configuration are the package's.
        result = subprocess.run(
            ["toggl-contract", "run"], cwd=tmp_path, env=environment, capture_output=True,
            text=True, timeout=300, check=False,
        )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "verdict: verified (exit 0)" in result.stdout
    assert "LEFT BEHIND" not in result.stdout
    assert (tmp_path / "reports" / "contract" / "junit.xml").is_file()
    assert admin.api_token not in (tmp_path / "reports" / "contract" / "cassette.jsonl").read_text()

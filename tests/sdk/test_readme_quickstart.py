"""The README's quickstart runs, as written, against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from toggl_emulator.server import EmulatorProcess

from tests.support import ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = pytest.mark.emulator


def quickstart() -> str:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README's Quickstart has no python block"
    return match.group(1)


def test_the_readme_quickstart_runs_against_the_emulator() -> None:
    with EmulatorProcess(["--hourly-quota", "30"]) as server:
        env = {
            **os.environ,
            "TOGGL_API_URL": server.base_url,
            "TOGGL_API_TOKEN": ADMIN_TOKEN,
            "TOGGL_WORKSPACE_ID": f"{PREMIUM}",
        }
        result = subprocess.run(
            [sys.executable, "-c", quickstart()],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "renamed: Quickstart Corp."
    assert lines[1] == "listed: ['Quickstart Corp.']"
    assert lines[2] == "project: Website active"
    assert lines[3] == "archived with projects: True"
    assert lines[4] == "restored: True"
    assert lines[5] == "project again: active"
    assert lines[6].startswith("deleted: No client with ID ")
    assert lines[7] == "quota left this hour: 20"  # 30 minus the 10 requests above

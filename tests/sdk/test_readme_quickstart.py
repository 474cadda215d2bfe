"""The README's quickstart runs, as written, against the emulator."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest
from toggl_emulator.server import EmulatorProcess

from tests.support import ADMIN_TOKEN, PREMIUM, ROOT, operation_module

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


def test_the_readme_s_method_table_says_what_each_method_sends_and_whether_it_is_resent(
    spec: dict[str, Any],
) -> None:
    """Every operation has its row, with its request and what the runtime does after a 5xx."""
    import inspect

    import httpx
    from toggl_track_client._runtime.retry import RETRY_SAFE, RetryPolicy

    readme = (ROOT / "README.md").read_text()
    rows = {
        cells[0].strip("` "): (cells[1].strip("` "), cells[2].strip())
        for line in readme.splitlines()
        if line.startswith("| `toggl.")
        for cells in [line.strip("|").split("|")]
    }
    expected = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            tag = operation["tags"][0].lower()
            module = operation_module(operation)
            marked = "RETRY_SAFE" in inspect.getsource(module._get_kwargs)
            request = httpx.Request(
                method.upper(), "https://t.test", extensions={RETRY_SAFE: marked}
            )
            resent = RetryPolicy()._may_resend(request)
            expected[f"toggl.{tag}.{operation['x-sdk-method']}"] = (
                f"{method.upper()} {path.replace('{workspace_id}', '{wid}')}",
                resent,
            )
    assert {name: (http, cell.startswith("yes")) for name, (http, cell) in rows.items()} == expected

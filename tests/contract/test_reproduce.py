"""Every failure prints one command that reproduces it: pasted into a shell as printed, it does."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.contract.runs import base_url, contract, server
from tests.support import ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = [pytest.mark.contract, pytest.mark.slow]

GET_CLIENT = "/workspaces/{workspace_id}/clients/{client_id}"


def printed(output: str) -> list[str]:
    return [
        line.split("reproduce: ", 1)[1] for line in output.splitlines() if "reproduce: " in line
    ]


def paste(command: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """The line as a user pastes it into bash, with only what a shell would have."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("TOGGL_", "CONTRACT_"))}
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=environment | env,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_an_emulator_run_failure_reproduces_on_an_emulator_the_command_starts(
    tmp_path: Path,
) -> None:
    # A project whose spec forgets that reading a deleted client answers 404.
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    del spec["paths"][GET_CLIENT]["get"]["responses"]["404"]
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copy(ROOT / "schemathesis.toml", tmp_path / "schemathesis.toml")
    reports = tmp_path / "reports"
    result = contract("run", None, reports, cwd=tmp_path, TOGGL_CONTRACT_PHASES="walk")
    assert result.returncode == 1, result.stdout[-3000:]
    junit = (reports / "contract" / "junit.xml").read_text()
    assert "<failure" in junit
    commands = printed(result.stdout)
    assert commands and all(" --port " in c for c in commands)
    elsewhere = tmp_path / "elsewhere"  # the command does not depend on where it is pasted
    elsewhere.mkdir()
    shown = paste(commands[0], elsewhere)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    assert "recorded: 404" in shown.stdout and "now: 404" in shown.stdout


def test_a_failure_against_another_server_reproduces_against_it(tmp_path: Path) -> None:
    # A server whose clients lack their required `at`: reads and writes fail alike.
    with server("shape") as drifting:
        result = contract("run", base_url(drifting), tmp_path / "reports")
        assert result.returncode == 1, result.stdout[-3000:]
        commands = printed(result.stdout)
        curl = next(c for c in commands if c.startswith("curl "))  # a read of nothing of the run's
        replay = next(c for c in commands if " --url " in c)  # what needs the run's own clients
        assert ADMIN_TOKEN not in "".join(commands) and "${TOGGL_API_TOKEN:?" in curl
        env = {"TOGGL_API_URL": base_url(drifting), "TOGGL_API_TOKEN": ADMIN_TOKEN,
               "TOGGL_WORKSPACE_ID": str(PREMIUM)}  # fmt: skip
        read = paste(curl, tmp_path, **env)
        again = paste(replay, tmp_path, **env)
        listed = paste(
            f'curl -sS -u "$TOGGL_API_TOKEN:api_token" "$TOGGL_API_URL/workspaces/{PREMIUM}/clients?status=both"',
            tmp_path, **env,
        )  # fmt: skip
    assert read.returncode == 0 and "HTTP/1.1 200" in read.stdout, read.stdout + read.stderr
    assert '"wid"' in read.stdout and '"at"' not in read.stdout
    assert again.returncode == 0, again.stdout + again.stderr
    now = next(line for line in again.stdout.splitlines() if line.startswith("now: "))
    assert now.startswith("now: 200") and '"at"' not in now
    assert "deleted what it created" in again.stdout
    assert "toggl-contract-" not in listed.stdout  # the reproduction cleaned up after itself


def test_a_second_delete_failure_replays_the_first_delete_and_says_whether_it_still_drifts(
    tmp_path: Path,
) -> None:
    with server("second-delete-200") as drifting:
        result = contract(
            "run", base_url(drifting), tmp_path / "reports", TOGGL_CONTRACT_PHASES="walk"
        )
        assert result.returncode == 1, result.stdout[-3000:]
        line = next(c for c in printed(result.stdout) if " --url " in c)
        # As printed, in a fresh shell without the token: it says what to set, and does nothing.
        bare = paste(line, tmp_path)
        assert bare.returncode != 0 and "set TOGGL_API_TOKEN" in bare.stderr
        again = paste(line, tmp_path, TOGGL_API_TOKEN=ADMIN_TOKEN, TOGGL_CONTRACT_INTERVAL="0")
    assert again.returncode == 0, again.stdout + again.stderr
    steps = again.stdout.split("request ")[0]
    assert "POST /workspaces/1001/clients -> 200" in steps  # the client, made again
    assert steps.count("DELETE /workspaces/1001/clients/") == 1  # the delete before the failure
    assert "recorded: 200" in again.stdout and "now: 200" in again.stdout
    assert "the failure reproduces" in again.stdout
    with server() as fixed:  # the same line against a server that answers 404 now
        fixed_line = line.replace(base_url(drifting), base_url(fixed))
        now = paste(fixed_line, tmp_path, TOGGL_API_TOKEN=ADMIN_TOKEN, TOGGL_CONTRACT_INTERVAL="0")
    assert "now: 404" in now.stdout and "the drift may be gone" in now.stdout


def test_a_filter_the_spec_gains_is_checked_without_a_change_of_the_kit(tmp_path: Path) -> None:
    # A documented filter the emulator does not implement: the run must fail on it.
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    listing = spec["paths"]["/workspaces/{workspace_id}/clients"]["get"]
    listing["parameters"].insert(0, {
        "name": "external_reference", "in": "query", "description": "Exactly this external reference.",
        "schema": {"type": "string"}, "example": "crm-4711",
        "x-toggl-filter": {"field": "external_reference", "match": "equals"},
    })  # fmt: skip
    (tmp_path / "openapi.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    shutil.copy(ROOT / "schemathesis.toml", tmp_path / "schemathesis.toml")
    result = contract(
        "run", None, tmp_path / "reports", cwd=tmp_path, TOGGL_CONTRACT_PHASES="walk,examples",
    )  # fmt: skip
    assert result.returncode == 1, result.stdout[-3000:]
    assert "which external_reference does not select" in result.stdout

"""Contract runs against a server they did not start: safe, budgeted, property-based, honest.

The server is the emulator over HTTP, with clients that are not the run's in the workspace:
another user's, a look-alike of the run's own names, and the short names a fuzzer also makes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contract.runs import (
    FOREIGN,
    FOREIGN_PROJECTS,
    base_url,
    contract,
    foreign_seed,
    server,
    workspace,
)

pytestmark = [pytest.mark.contract, pytest.mark.slow]


@pytest.mark.parametrize("seed", ["1", "2", "3"])
def test_a_run_touches_only_what_it_created_and_leaves_nothing(seed: str, tmp_path: Path) -> None:
    with server(seed=foreign_seed(tmp_path)) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        result = contract("run", url, tmp_path / "reports", TOGGL_CONTRACT_SEED=seed)
        after = workspace(url)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert after == before  # every field of every client and project, `at` included, as it was
    assert {c["id"] for c in FOREIGN} <= {c["id"] for c in after["clients"]}
    assert {p["id"] for p in FOREIGN_PROJECTS} <= {p["id"] for p in after["projects"]}
    assert "not sent, not ours:" in output and "result: verified (exit 0)" in output
    sent = int(output.split("requests sent upstream: ")[1].split(" ")[0])
    assert sent <= 250  # the budget
    junit = (tmp_path / "reports" / "contract" / "junit.xml").read_text()
    assert junit.count("<testcase") == 22 + 17 and 'failures="0"' in junit  # walk steps, operations


def test_the_live_mode_is_the_same_guarded_run(tmp_path: Path) -> None:
    with server(seed=foreign_seed(tmp_path)) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        result = contract("live", url, tmp_path / "reports", TOGGL_CONTRACT_BUDGET="250")
        after = workspace(url)
    assert result.returncode == 0, result.stdout[-4000:]
    assert after == before
    assert "of a budget of 250" in result.stdout
    ledger = next((tmp_path / "reports" / "contract-ledgers").glob("*.jsonl"))
    events = [json.loads(line)["event"] for line in ledger.read_text().splitlines()]
    assert (
        events[0] == "start"
        and events[-1] == "end"
        and events.count("created") == events.count("deleted")
    )


def test_on_a_free_plan_s_budget_toggls_limits_hold_and_what_is_unreached_is_said(
    tmp_path: Path,
) -> None:
    seed = foreign_seed(tmp_path)
    # The Free plan's hourly quota; its throttle and the kit's pacing both twice Toggl's rate (one
    # request a second), to keep the test short: the same limits, met the same way.
    with server(seed=seed, args=("--rate-limit", "2", "--hourly-quota", "30")) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        result = contract(
            "live",
            url,
            tmp_path / "reports",
            TOGGL_CONTRACT_BUDGET="30",
            TOGGL_CONTRACT_INTERVAL="0.5",
        )
        assert workspace(url) == before
    output = result.stdout
    assert result.returncode == 3, output[-4000:]  # incomplete, and it says so
    assert "402" not in output  # stopped before the quota, never past it
    assert "PUT without `name`: accepted: updates are partial" in output
    assert "single DELETE body: empty" in output
    unreached = [line for line in output.splitlines() if line.startswith("  rule not reached: ")]
    assert unreached and all("skipped: needs " in line for line in unreached)
    assert "every rule is reached with a budget of" in output


def test_without_credentials_the_run_says_what_to_set(tmp_path: Path) -> None:
    result = contract("live", None, tmp_path / "reports")
    assert result.returncode != 0
    assert "set TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID" in result.stderr

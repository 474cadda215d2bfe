"""Zero trust: against servers that lie about what they did, a run changes nothing it did not
create, reports every leftover, keeps every secret, says what happened with the right exit code,
and ends in bounded time.

Each server is the emulator with one lie in front of it (`drift_server.py`); after each run the
whole state of the server is compared with the state before.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from toggl_emulator.seed import DEFAULT_SEED_PATH

from tests.contract.runs import FOREIGN, base_url, contract, foreign_seed, server
from tests.support import ADMIN_TOKEN, PREMIUM, ROOT, SEED

pytestmark = [pytest.mark.contract, pytest.mark.slow]
ACME, GLOBEX = SEED.clients["acme"].id, SEED.clients["globex"].id


def state(process: Any) -> dict[str, Any]:
    """Everything the server stores: clients (deleted ones too) and projects."""
    with httpx.Client() as http:
        found: dict[str, Any] = http.get(f"{process.origin}/_emulator/state").json()
    return found


def created_by_the_server(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    old = {c["id"] for c in before["clients"]}
    return [c for c in after["clients"] if c["id"] not in old]


def untouched(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Every client and project of the server before the run is as it was."""
    now = {c["id"]: c for c in after["clients"]}
    for client in before["clients"]:
        assert now[client["id"]] == client, client["name"]
    now = {p["id"]: p for p in after["projects"]}
    for project in before["projects"]:
        assert now[project["id"]] == project, project["name"]


def run(
    deviation: str, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], dict[str, Any]]:
    with server(deviation, seed=foreign_seed(tmp_path)) as drifting:
        before = state(drifting)
        result = contract(
            "run", base_url(drifting), tmp_path / "reports", TOGGL_CONTRACT_BUDGET="250"
        )
        after = state(drifting)
    return result, before, after


def test_a_get_or_create_answer_adopts_nothing(tmp_path: Path) -> None:
    result, before, after = run("get-or-create", tmp_path)
    output = result.stdout
    assert result.returncode == 1, output[-3000:]
    untouched(before, after)  # "Acme Corporation" kept its name, notes and projects
    assert "was in the workspace before the run" in output
    assert [
        c for c in created_by_the_server(before, after) if c.get("server_deleted_at") is None
    ] == []


def test_a_create_answered_with_another_client_leaves_that_client_and_nothing_behind(
    tmp_path: Path,
) -> None:
    result, before, after = run("create-answers-another", tmp_path)
    output = result.stdout
    assert result.returncode == 1, output[-3000:]  # drift, not leftovers: its own were found
    untouched(before, after)  # Globex: not renamed, archived, nor deleted; its project active
    live = [c for c in created_by_the_server(before, after) if c.get("server_deleted_at") is None]
    assert live == [] and "LEFT BEHIND" not in output
    assert f"clients {GLOBEX} was in the workspace before the run" in output


def test_an_id_given_to_someone_else_after_a_delete_is_left_alone(tmp_path: Path) -> None:
    result, before, after = run("reuse-freed-ids", tmp_path)
    output = result.stdout
    assert result.returncode == 1, output[-3000:]
    untouched(before, after)
    reused = [c for c in after["clients"] if c["name"].startswith("Reused ")]
    assert reused, "the walk deletes, so the server reuses ids"
    for client in reused:  # another user's client, planted under a freed id: untouched
        assert client.get("server_deleted_at") is None and client["notes"] == "someone else's"
    assert "does not carry the run's proof, so it is left alone" in output
    assert "LEFT BEHIND" not in output


def test_a_delete_that_keeps_the_client_is_a_leftover_and_cleanup_finds_it(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with server("delete-keeps", seed=foreign_seed(tmp_path)) as drifting:
        before = state(drifting)
        result = contract("run", base_url(drifting), reports, TOGGL_CONTRACT_BUDGET="250")
        kept = [c["id"] for c in created_by_the_server(before, state(drifting))]
        ledger = next((reports / "contract-ledgers").glob("*.jsonl")).read_text().splitlines()
        later = contract("cleanup", base_url(drifting), reports)
    assert result.returncode == 4, result.stdout[-3000:]
    assert kept and f"LEFT BEHIND: {sorted(kept)}" in result.stdout
    assert json.loads(ledger[-1]) == {"event": "end", "leftovers": sorted(kept)}
    assert later.returncode == 4  # it found them from the ledger; the server still keeps them
    for client_id in kept:
        assert (
            f"{client_id}" in later.stderr
            and "still there after a delete answered 200" in later.stderr
        )


def test_credentials_a_server_echoes_reach_no_report(tmp_path: Path) -> None:
    result, _, _ = run("echo-credentials", tmp_path)
    assert result.returncode in (1, 3), result.stdout[-3000:]
    encoded = base64.b64encode(f"{ADMIN_TOKEN}:api_token".encode()).decode()
    written = [result.stdout, result.stderr]
    written += [
        p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file()
    ]
    assert "junit.xml" in {p.name for p in (tmp_path / "reports").rglob("*")}
    for text in written:
        for secret in (ADMIN_TOKEN, encoded, encoded.rstrip("="), f"Basic {encoded}"):
            assert secret not in text
    assert "[secret]" in "".join(written)  # it was echoed, and scrubbed


def test_two_violations_in_one_answer_are_two_lines_of_drift_not_a_crash(tmp_path: Path) -> None:
    result, before, after = run("two-violations", tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output[-3000:]
    assert "Traceback" not in output and "fault" not in output.split("result:")[-1]
    assert "the response does not match the spec: " in output and "; " in output
    untouched(before, after)


def test_paging_stops_at_a_page_that_brings_nothing_new(tmp_path: Path) -> None:
    # 250 clients: a server that ignores `page` answers all of them, for every page.
    seed = yaml.safe_load(DEFAULT_SEED_PATH.read_text())
    seed["clients"] += FOREIGN + [
        {"id": 71000000 + i, "wid": PREMIUM, "name": f"Customer {i:03}", "creator_id": 9876544,
         "at": "2024-05-01T10:00:00+00:00"} for i in range(250)
    ]  # fmt: skip
    (tmp_path / "seed.json").write_text(json.dumps(seed))
    reports = tmp_path / "reports"
    with server("ignore-paging", seed=tmp_path / "seed.json") as drifting:
        before = state(drifting)
        result = contract("run", base_url(drifting), reports, TOGGL_CONTRACT_BUDGET="250")
        after = state(drifting)
        cleanup = contract("cleanup", base_url(drifting), reports)
    untouched(before, after)
    assert result.returncode in (0, 1), result.stdout[-3000:]  # not 3: the budget was not eaten
    assert "Traceback" not in result.stdout + result.stderr + cleanup.stdout + cleanup.stderr
    assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr


def test_a_signal_ends_a_run_against_a_trickling_server_in_bounded_time(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with server("trickle", seed=foreign_seed(tmp_path)) as drifting:
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TOGGL_", "CONTRACT_"))} | {
            "TOGGL_API_URL": base_url(drifting), "TOGGL_API_TOKEN": ADMIN_TOKEN,
            "TOGGL_WORKSPACE_ID": str(PREMIUM), "TOGGL_CONTRACT_REPORTS": str(reports),
            "TOGGL_CONTRACT_INTERVAL": "0", "TOGGL_CONTRACT_TIMEOUT": "2", "TOGGL_CONTRACT_SEED": "1",
            "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "toggl_contract", "run"], cwd=ROOT, env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        time.sleep(6)  # the first create went out; every answer now trickles
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        output, _ = process.communicate(timeout=60)
        took = time.monotonic() - signalled
    # Drained in one timeout, cleanup in at most six: well under a minute, not minutes.
    assert took < 2 * 7 + 3, f"{took:.0f} s after SIGTERM\n{output[-3000:]}"
    assert process.returncode == 4, output[-3000:]  # nothing could be confirmed deleted: said so
    assert "LEFT BEHIND" in output or "CLEANUP COULD NOT MAKE SURE" in output


def test_the_longest_allowed_run_ends_a_request_in_flight(tmp_path: Path) -> None:
    # The walk's `since` step waits on a server that never answers; the run may take 8 s.
    with server("since-hangs", seed=foreign_seed(tmp_path)) as drifting:
        before = state(drifting)
        started = time.monotonic()
        result = contract(
            "run", base_url(drifting), tmp_path / "reports", TOGGL_CONTRACT_TIMEOUT="60",
            TOGGL_CONTRACT_MAX_SECONDS="8",
        )  # fmt: skip
        took = time.monotonic() - started
        after = state(drifting)
    assert took < 8 + 10, result.stdout[-3000:]  # not the request's own 60 s
    assert "longest allowed duration (8 s)" in result.stdout
    assert result.returncode == 3, result.stdout[-3000:]
    untouched(before, after)
    assert [
        c for c in created_by_the_server(before, after) if c.get("server_deleted_at") is None
    ] == []


def test_usage_errors_exit_2_with_one_line(tmp_path: Path) -> None:
    missing = contract("live", None, tmp_path / "reports")
    assert missing.returncode == 2
    assert missing.stderr.strip().splitlines() == [
        "toggl-contract live: set TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID (an API token and a sandbox workspace id)"
    ]
    bad = contract(
        "run", "http://127.0.0.1:9/api/v9", tmp_path / "reports", TOGGL_CONTRACT_BUDGET="abc"
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "toggl-contract run: TOGGL_CONTRACT_BUDGET='abc': invalid literal for int() with base 10: 'abc'"
    )


@pytest.mark.parametrize("attempt", [1, 2, 3])
def test_the_emulator_run_passes_whatever_seed_it_picks(attempt: int, tmp_path: Path) -> None:
    # A random seed each time (printed); fewer cases than `make contract` sends, more seeds. The
    # phases a seed steers: the walk, the spec's examples and the coverage phase are the same for
    # every seed, and `make contract` runs them.
    result = contract(
        "run", None, tmp_path / "reports", TOGGL_CONTRACT_SEED="", TOGGL_CONTRACT_MAX_EXAMPLES="15",
        TOGGL_CONTRACT_PHASES="walk,fuzzing,stateful",
    )  # fmt: skip
    seed = result.stdout.split("seed ")[1].split(",")[0].split()[0]
    assert result.returncode == 0, f"seed {seed}:\n{result.stdout[-3000:]}"


def test_a_fault_of_the_kit_is_exit_5_with_its_traceback_after_cleanup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse

    from toggl_contract import session, walk
    from toggl_contract.report import ExitCode
    from toggl_contract.settings import run_settings

    original = walk.Walk.step

    def broken(self: walk.Walk, plan: walk.Plan) -> None:
        original(self, plan)
        if plan.name.startswith("two more clients"):  # two clients of the run exist now
            raise RuntimeError("a bug in the kit")

    monkeypatch.setattr(walk.Walk, "step", broken)
    with server(seed=foreign_seed(tmp_path)) as emulator:
        before = state(emulator)
        environ = {"TOGGL_API_URL": base_url(emulator), "TOGGL_API_TOKEN": ADMIN_TOKEN,
                   "TOGGL_WORKSPACE_ID": str(PREMIUM), "TOGGL_CONTRACT_REPORTS": str(tmp_path / "reports"),
                   "TOGGL_CONTRACT_INTERVAL": "0", "TOGGL_CONTRACT_SEED": "1"}  # fmt: skip
        monkeypatch.chdir(ROOT)
        code = session.run(run_settings("run", argparse.Namespace(), environ, ("", 0)))
        after = state(emulator)
    assert code == ExitCode.FAULT
    trace = (tmp_path / "reports" / "contract" / "traceback.txt").read_text()
    assert "RuntimeError: a bug in the kit" in trace
    untouched(before, after)
    assert [
        c for c in created_by_the_server(before, after) if c.get("server_deleted_at") is None
    ] == []

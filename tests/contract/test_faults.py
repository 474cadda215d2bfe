"""Faults during a run against a server it did not start: nothing is left behind, the exit code
says what happened, and the JUnit report is written whatever happened."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.contract.runs import base_url, contract, foreign_seed, server, workspace
from tests.support import ADMIN_TOKEN, PREMIUM, ROOT

pytestmark = [pytest.mark.contract, pytest.mark.slow]


def junit(reports: Path) -> str:
    return (reports / "contract" / "junit.xml").read_text()


def test_a_storm_of_429s_is_waited_out(tmp_path: Path) -> None:
    with server(seed=foreign_seed(tmp_path), args=("--rate-limit", "20")) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        result = contract(
            "run",
            url,
            tmp_path / "reports",
            TOGGL_CONTRACT_BUDGET="250",
            TOGGL_CONTRACT_PHASES="walk",
        )
        after = workspace(url)
    assert result.returncode == 0, result.stdout[-3000:]
    assert after == before
    waited = int(result.stdout.split("429s waited out: ")[1].split(";")[0])
    assert waited > 0 and "of a budget of 250" in result.stdout


def test_a_delete_answered_502_after_it_happened_still_leaves_nothing(tmp_path: Path) -> None:
    with server("delete-then-502", seed=foreign_seed(tmp_path)) as drifting:
        url = base_url(drifting)
        before = workspace(url)
        result = contract("run", url, tmp_path / "reports", TOGGL_CONTRACT_BUDGET="250")
        after = workspace(url)
    assert result.returncode == 1, result.stdout[-3000:]  # 502 is no status the spec documents
    assert after == before and "LEFT BEHIND" not in result.stdout
    assert "<testsuite" in junit(tmp_path / "reports")


def test_a_create_that_times_out_is_found_and_deleted(tmp_path: Path) -> None:
    with server("slow-third-create", seed=foreign_seed(tmp_path)) as drifting:
        url = base_url(drifting)
        before = workspace(url)
        result = contract(
            "run",
            url,
            tmp_path / "reports",
            TOGGL_CONTRACT_BUDGET="250",
            TOGGL_CONTRACT_TIMEOUT="1",
        )
        time.sleep(3)  # the late answer goes nowhere, the client is stored all the same
        after = workspace(url)
    assert result.returncode == 1, result.stdout[-3000:]
    assert "no answer from the server" in result.stdout
    assert after == before and "LOST CREATE" not in result.stdout


def test_a_small_quota_stops_the_run_incomplete_and_clean(tmp_path: Path) -> None:
    with server(seed=foreign_seed(tmp_path), args=("--hourly-quota", "8")) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        result = contract("live", url, tmp_path / "reports")
        after = workspace(url)
    assert result.returncode == 3, result.stdout[-3000:]
    assert "quota" in result.stdout and "operation not exercised" in result.stdout
    assert after == before
    assert "<testsuite" in (tmp_path / "reports" / "contract-live" / "junit.xml").read_text()


def test_sigint_then_sigterm_during_cleanup_still_deletes_everything(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    with server(seed=foreign_seed(tmp_path), args=("--latency", "300")) as emulator:
        url = base_url(emulator)
        before = workspace(url)
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("TOGGL_", "CONTRACT_"))} | {
            "TOGGL_API_URL": url, "TOGGL_API_TOKEN": ADMIN_TOKEN, "TOGGL_WORKSPACE_ID": str(PREMIUM),
            "TOGGL_CONTRACT_REPORTS": str(reports), "TOGGL_CONTRACT_INTERVAL": "0", "TOGGL_CONTRACT_SEED": "1", "TOGGL_CONTRACT_BUDGET": "250",
            "PYTHONUNBUFFERED": "1",
        }  # fmt: skip
        with subprocess.Popen(
            [sys.executable, "-m", "toggl_contract", "live"], cwd=ROOT, env=environment,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        ) as run:  # fmt: skip
            assert run.stdout is not None
            for line in run.stdout:
                if "two more clients" in line:  # two clients of the run exist now
                    break
            run.send_signal(signal.SIGINT)
            time.sleep(0.5)  # cleanup has begun: each request takes 0.3 s
            run.send_signal(signal.SIGTERM)
            output = run.stdout.read()
            run.wait(timeout=120)
        after = workspace(url)
    assert run.returncode == 130, output[-3000:]
    assert "during cleanup: finishing it first" in output
    assert after == before
    assert "<testsuite" in (reports / "contract-live" / "junit.xml").read_text()

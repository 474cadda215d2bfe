"""The live contract run: safe by construction, on a budget, and cleaned up whatever happens.

The live API cannot be reached from here, so the live mode runs against the emulator over HTTP
with Toggl's limits on (`--rate-limit 1 --hourly-quota 30`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from toggl_contract.live_session import LiveSession, StopRun, UnsafeRequest
from toggl_emulator.server import EmulatorProcess

from tests.support import ACME, ADMIN_TOKEN, FREE, MEMBER, PREMIUM, ROOT

pytestmark = [pytest.mark.contract]
LIMITS = ["--rate-limit", "1", "--hourly-quota", "30"]


def scripted(status: int = 200, body: Any = None, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    sent: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(status, json=body if body is not None else {}, headers=headers)

    return httpx.MockTransport(handle), sent


def session(transport: httpx.MockTransport, **kwargs: Any) -> LiveSession:
    defaults: dict[str, Any] = {"interval": 0.0, "sleep": lambda s: None}
    return LiveSession(
        "https://toggl.test/api/v9",
        "s3cret",
        PREMIUM,
        transport=transport,
        **{**defaults, **kwargs},
    )


def test_the_session_refuses_other_workspaces_and_clients_it_did_not_create() -> None:
    transport, sent = scripted()
    live = session(transport)
    with pytest.raises(UnsafeRequest):
        live.request("GET", f"/workspaces/{FREE}/clients")
    with pytest.raises(UnsafeRequest):
        live.request("DELETE", f"/workspaces/{PREMIUM}/clients/{ACME}")
    with pytest.raises(UnsafeRequest):
        live.request("POST", f"/workspaces/{PREMIUM}/clients/delete", json=[ACME])
    live.adopt(7)
    live.request("DELETE", f"/workspaces/{PREMIUM}/clients/7")
    assert [r.url.path for r in sent] == [f"/api/v9/workspaces/{PREMIUM}/clients/7"]


def test_the_session_keeps_its_budget_and_a_reserve_for_cleanup() -> None:
    transport, sent = scripted()
    live = session(transport, budget=5, reserve=2)
    for _ in range(3):
        live.request("GET", f"/workspaces/{PREMIUM}/clients")
    with pytest.raises(StopRun, match="budget"):
        live.request("GET", f"/workspaces/{PREMIUM}/clients")
    live.request("GET", f"/workspaces/{PREMIUM}/clients", cleanup=True)
    live.request("GET", f"/workspaces/{PREMIUM}/clients", cleanup=True)
    with pytest.raises(StopRun):
        live.request("GET", f"/workspaces/{PREMIUM}/clients", cleanup=True)
    assert len(sent) == 5


def test_the_session_stops_before_the_quota_runs_out() -> None:
    transport, sent = scripted(
        headers={"X-Toggl-Quota-Remaining": "2", "X-Toggl-Quota-Resets-In": "900"}
    )
    live = session(transport, budget=30, reserve=2)
    live.request("GET", f"/workspaces/{PREMIUM}/clients")
    with pytest.raises(StopRun, match="quota"):
        live.request("GET", f"/workspaces/{PREMIUM}/clients")
    assert len(sent) == 1  # the 2 left are the cleanup reserve


def test_a_402_for_an_exhausted_quota_stops_the_run_and_is_not_retried() -> None:
    transport, sent = scripted(
        402, "quota", {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "60"}
    )
    with pytest.raises(StopRun, match="resets in 60"):
        session(transport).request("GET", f"/workspaces/{PREMIUM}/clients")
    assert len(sent) == 1


def test_a_429_is_waited_out_and_counted() -> None:
    answers = iter([429, 429, 200])
    waits: list[float] = []
    transport = httpx.MockTransport(lambda request: httpx.Response(next(answers), json="x"))
    live = session(transport, sleep=waits.append, budget=10)
    assert live.request("GET", f"/workspaces/{PREMIUM}/clients").status_code == 200
    assert live.sent == 3 and len(waits) == 2 and min(waits) >= 1.0


def test_requests_are_paced_at_the_interval() -> None:
    now = [100.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    transport, _ = scripted()
    live = session(transport, interval=1.0, sleep=sleep, clock=lambda: now[0])
    for _ in range(3):
        live.request("GET", f"/workspaces/{PREMIUM}/clients")
        now[0] += 0.25
    assert waits == [0.75, 0.75]


def test_reproductions_never_show_the_token() -> None:
    transport, _ = scripted()
    live = session(transport)
    response = live.request("POST", f"/workspaces/{PREMIUM}/clients", json={"name": "x"})
    curl = live.curl(response)
    assert "s3cret" not in curl and "[redacted]" in curl
    assert (
        live.redact("token s3cret and czNjcmV0OmFwaV90b2tlbg==")
        == "token [redacted] and [redacted]"
    )


def run_live(
    server: EmulatorProcess, *extra: str, env: dict[str, str] | None = None, **kwargs: Any
) -> Any:
    environment = {
        **os.environ,
        "TOGGL_API_URL": server.base_url,
        "TOGGL_API_TOKEN": ADMIN_TOKEN,
        "TOGGL_WORKSPACE_ID": f"{PREMIUM}",
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "toggl_contract", *(extra or ("live",))],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs,
    )  # fmt: skip


def everything(server: EmulatorProcess) -> list[Any]:
    """All clients of the premium workspace, read with the member's token (a quota of its own)."""
    with httpx.Client(base_url=server.base_url, auth=MEMBER) as api:
        return list(api.get(f"/workspaces/{PREMIUM}/clients", params={"status": "both"}).json())


@pytest.mark.slow
def test_the_live_run_passes_within_toggls_limits_and_leaves_no_trace() -> None:
    with EmulatorProcess(LIMITS) as server:
        before = everything(server)
        process = run_live(server)
        output, _ = process.communicate(timeout=180)
        assert process.returncode == 0, output
        assert "402" not in output and "failed" in output and " 0 failed" in output
        assert "skipped" in output and " 0 skipped" in output  # every step ran within the budget
        assert everything(server) == before
        assert ADMIN_TOKEN not in output
        report = (ROOT / "reports" / "contract-live" / "junit.xml").read_text()
        assert report.count("<testcase") == 12 and 'failures="0"' in report


@pytest.mark.slow
def test_an_interrupted_live_run_still_deletes_what_it_created() -> None:
    with EmulatorProcess(LIMITS) as server:
        before = everything(server)
        process = run_live(server)
        assert process.stdout is not None
        for line in process.stdout:
            if "create two clients" in line:
                break
        time.sleep(1.5)
        process.send_signal(signal.SIGTERM)
        output = process.stdout.read()
        process.wait(timeout=60)
        assert process.returncode == 1
        assert "interrupted" in output and "cleanup: deleted 2 client(s)" in output
        assert everything(server) == before


def test_missing_credentials_are_a_clear_error() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOGGL_")}
    result = subprocess.run(
        [sys.executable, "-m", "toggl_contract", "live"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "set TOGGL_API_TOKEN and TOGGL_WORKSPACE_ID" in result.stderr


@pytest.mark.slow
def test_cleanup_never_deletes_by_name_prefix() -> None:
    with EmulatorProcess() as server:
        with httpx.Client(base_url=server.base_url, auth=(ADMIN_TOKEN, "api_token")) as api:
            api.post(f"/workspaces/{PREMIUM}/clients", json={"name": "toggl-contract-old-run-a"})
        before = everything(server)
        process = run_live(server, "cleanup", env={"TOGGL_CONTRACT_INTERVAL": "0"})
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 2 and "Nothing was deleted" in output
        assert everything(server) == before


def test_contract_against_an_external_server_is_refused_unguarded() -> None:
    env = {
        **os.environ,
        "TOGGL_API_URL": "http://127.0.0.1:9/api/v9",
        "TOGGL_API_TOKEN": "t",
        "TOGGL_WORKSPACE_ID": f"{PREMIUM}",
    }
    env.pop("TOGGL_CONTRACT_DISPOSABLE_SERVER", None)
    result = subprocess.run(
        [sys.executable, "-m", "toggl_contract", "run"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 2 and "refused" in result.stderr

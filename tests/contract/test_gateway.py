"""The gateway: every request of a run passes it; it guards, budgets, waits out 429s, learns
what the run created, and never lets the real credentials out."""

from __future__ import annotations

import json

import httpx
import pytest
from toggl_contract.cassette import Recorder, Redactor
from toggl_contract.gateway import Budget, Gateway, NotSent, basic_header
from toggl_contract.guard import Guard
from toggl_contract.ledger import Ledger

REAL = basic_header("s3cret")
PLACEHOLDER = basic_header("run")
CLIENT = {
    "id": 61300001,
    "wid": 1001,
    "archived": False,
    "name": "mine",
    "at": "2024-03-17T10:55:38+00:00",
    "creator_id": 7,
}


class Upstream:
    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answers.pop(0) if self.answers else httpx.Response(200, json=[])


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda seconds: None)


def gateway(
    upstream: Upstream, *, budget: int | None = None, ledger: Ledger | None = None, **kwargs: object
) -> Gateway:
    ledger = ledger or Ledger()
    return Gateway(
        "https://toggl.test/api/v9", authorization=REAL, placeholder=PLACEHOLDER,
        guard=Guard(1001, ledger), ledger=ledger,
        budget=Budget(budget, reserve=lambda: 2 * len(ledger.owned) + 2) if budget else None,
        transport=httpx.MockTransport(upstream), **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


AUTH = {"Authorization": PLACEHOLDER}


def test_the_budget_is_never_exceeded_and_keeps_cleanups_reserve() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=10)
    sent = 0
    with pytest.raises(NotSent) as stop:
        while True:
            gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
            sent += 1
    assert stop.value.kind == "budget" and sent == 8  # 2 kept for cleanup
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH, cleanup=True)
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH, cleanup=True)
    with pytest.raises(NotSent):
        gate.send("GET", "/workspaces/1001/clients", headers=AUTH, cleanup=True)
    assert len(upstream.requests) == 10


def test_a_create_needs_room_for_its_own_cleanup() -> None:
    snapshot, created, deleted, gone = (
        httpx.Response(200, json=[]), httpx.Response(200, json=CLIENT), httpx.Response(200), httpx.Response(404)
    )  # fmt: skip
    upstream = Upstream(httpx.Response(200, json=[]), snapshot, created, deleted, gone)
    gate = gateway(upstream, budget=7)
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
    gate.send("POST", "/workspaces/1001/clients", headers=AUTH, body=b'{"name": "mine"}')
    assert gate.ledger.owned == {61300001}
    with pytest.raises(NotSent):  # 3 sent (the snapshot too); 4 kept to delete it and read it back
        gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
    gate.send("DELETE", "/workspaces/1001/clients/61300001", headers=AUTH, cleanup=True)
    gate.send("GET", "/workspaces/1001/clients/61300001", headers=AUTH, cleanup=True)
    assert gate.budget.sent == len(upstream.requests) == 5 <= 7


def test_throttled_attempts_are_waited_out_and_counted() -> None:
    upstream = Upstream(httpx.Response(429), httpx.Response(429), httpx.Response(200, json=[]))
    gate = gateway(upstream, budget=30)
    assert gate.send("GET", "/workspaces/1001/clients", headers=AUTH).status_code == 200
    assert gate.budget.sent == 3 and gate.tally.throttled == 2


def test_it_stops_before_the_hourly_quota_runs_out() -> None:
    quota = {"X-Toggl-Quota-Remaining": "2", "X-Toggl-Quota-Resets-In": "900"}
    upstream = Upstream(httpx.Response(200, json=[], headers=quota))
    gate = gateway(upstream, budget=30)
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
    with pytest.raises(NotSent) as stop:
        gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
    assert stop.value.kind == "quota" and "resets in 900 s" in stop.value.reason
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH, cleanup=True)  # cleanup may use them


def test_foreign_changes_are_not_sent() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    with pytest.raises(NotSent) as refused:
        gate.send("DELETE", "/workspaces/1001/clients/61250143", headers=AUTH)
    assert refused.value.kind == "not-ours" and upstream.requests == []


def test_the_ledger_learns_creates_and_deletes_from_the_answers() -> None:
    snapshot = httpx.Response(200, json=[])  # before its first create, the run notes what exists
    upstream = Upstream(snapshot, httpx.Response(200, json=CLIENT), httpx.Response(200))
    gate = gateway(upstream)
    gate.send("POST", "/workspaces/1001/clients", headers=AUTH, body=b'{"name": "mine"}')
    assert gate.ledger.owned == {61300001}
    gate.send("DELETE", "/workspaces/1001/clients/61300001", headers=AUTH)
    assert gate.ledger.owned == set()


def test_only_the_placeholder_becomes_the_real_credentials(tmp_path: object) -> None:
    upstream = Upstream(*[httpx.Response(200, json=[]) for _ in range(3)])
    gate = gateway(upstream)
    gate.send("GET", "/workspaces/1001/clients", headers=AUTH)
    gate.send("GET", "/workspaces/1001/clients", headers={})
    gate.send("GET", "/workspaces/1001/clients", headers={"Authorization": "Basic d3Jvbmc6cA=="})
    assert [r.headers.get("authorization") for r in upstream.requests] == [
        REAL,
        None,
        "Basic d3Jvbmc6cA==",
    ]


def test_what_is_recorded_holds_no_credentials_and_no_one_elses_data(
    tmp_path: pytest.TempPathFactory,
) -> None:
    theirs = {"id": 5, "wid": 1001, "archived": False, "name": "Their client", "notes": "private",
              "at": "2024-03-17T10:55:38+00:00", "creator_id": 9876544}  # fmt: skip
    snapshot = httpx.Response(200, json=[theirs])
    upstream = Upstream(
        snapshot, httpx.Response(200, json=CLIENT), httpx.Response(200, json=[theirs, CLIENT])
    )
    ledger = Ledger()
    path = tmp_path / "cassette.jsonl"  # type: ignore[operator]
    recorder = Recorder(path, Redactor(1001, lambda i: i in ledger.created), {})
    gate = gateway(upstream, ledger=ledger, recorder=recorder)
    gate.send(
        "POST", "/workspaces/1001/clients", headers=AUTH, body=b'{"name": "mine", "wid": 1001}'
    )
    gate.send("GET", "/workspaces/1001/clients?status=both", headers=AUTH)
    text = path.read_text()
    for secret in (
        "s3cret",
        REAL.split()[1],
        "Their client",
        "private",
        "9876544",
        "/workspaces/1001",
    ):
        assert secret not in text
    listed = json.loads(json.loads(text.splitlines()[2])["body"])
    assert listed[1]["name"] == "mine" and listed[0]["name"] == "[redacted]"

"""The gateway: every request of a run passes it; it guards, proves what the run owns, budgets,
waits out 429s, learns deletions only from reads, and never lets a secret out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from toggl_contract.apimap import ApiMap
from toggl_contract.cassette import Recorder, Redactor
from toggl_contract.cleanup import clean_up
from toggl_contract.gateway import CREATE_COST, Budget, Gateway, NotSent, basic_header
from toggl_contract.guard import Guard
from toggl_contract.ledger import Ledger
from toggl_contract.scrub import Scrubber

from tests.support import ROOT

TOKEN = "s3cret-token"
REAL = basic_header(TOKEN)
PLACEHOLDER = basic_header("run")
MARK = "toggl-contract run 20260101000000-abcdef proof 0123456789abcdef0123"
AUTH = [("Authorization", PLACEHOLDER)]
W = "/workspaces/1001/clients"
THEIRS = {"id": 5, "wid": 1001, "archived": False, "name": "Their client", "notes": "private",
          "at": "2024-03-17T10:55:38+00:00", "creator_id": 9876544}  # fmt: skip


class Upstream:
    """A small stateful server: clients by id, with hooks to misbehave."""

    def __init__(self, *clients: dict[str, object]) -> None:
        self.clients = {int(c["id"]): dict(c) for c in clients}  # type: ignore[call-overload]
        self.requests: list[httpx.Request] = []
        self.next_id = 61300001
        self.answer_create: Callable[[dict[str, object]], dict[str, object]] = lambda made: made
        self.keep_deleted = False
        self.status: list[int] = []  # statuses to answer next, whatever is asked

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status:
            return httpx.Response(self.status.pop(0), json="Too Many Requests")
        parts = request.url.path.split("/")[5:]  # after /api/v9/workspaces/<id>
        if request.method == "GET" and parts == ["clients"]:
            return httpx.Response(200, json=list(self.clients.values()))
        if request.method == "POST" and parts == ["clients"]:
            body = json.loads(request.content)
            made = {
                "id": self.next_id,
                "wid": 1001,
                "archived": False,
                "at": "2024-03-17T10:55:38+00:00",
                **body,
            }
            self.next_id += 1
            self.clients[made["id"]] = made
            return httpx.Response(200, json=self.answer_create(made))
        client_id = int(parts[1])
        if client_id not in self.clients:
            return httpx.Response(404, json=f"No client with ID {client_id} was found")
        if request.method == "DELETE":
            if not self.keep_deleted:
                del self.clients[client_id]
            return httpx.Response(200)
        return httpx.Response(200, json=self.clients[client_id])


REAL_SLEEP = __import__("time").sleep


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda seconds: None)


def gateway(
    upstream: Callable[[httpx.Request], httpx.Response], *, budget: int | None = None
) -> Gateway:
    ledger = Ledger()
    gate = Gateway(
        "https://toggl.test/api/v9", api=ApiMap.load(ROOT / "openapi.yaml"), authorization=REAL,
        placeholder=PLACEHOLDER, guard=Guard(1001, ledger, MARK), ledger=ledger,
        budget=Budget(budget), transport=httpx.MockTransport(upstream),
        scrubber=Scrubber.for_token(TOKEN),
    )  # fmt: skip
    gate.budget.reserve = lambda: (
        3 * len(ledger.owned) + (gate.snapshot_pages if gate.creates_sent else 0)
    )
    return gate


def create(gate: Gateway, name: str = "mine", notes: str = MARK) -> httpx.Response:
    body = json.dumps({"name": name, "notes": notes}).encode()
    return gate.send("POST", W, headers=AUTH, body=body)


def test_the_budget_is_never_exceeded_and_keeps_cleanups_reserve() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=10)
    gate.budget.reserve = lambda: 2
    sent = 0
    with pytest.raises(NotSent) as stop:
        while True:
            gate.send("GET", W, headers=AUTH)
            sent += 1
    assert stop.value.kind == "budget" and sent == 8  # 2 kept for cleanup
    gate.send("GET", W, headers=AUTH, cleanup=True)
    gate.send("GET", W, headers=AUTH, cleanup=True)
    with pytest.raises(NotSent):
        gate.send("GET", W, headers=AUTH, cleanup=True)
    assert len(upstream.requests) == 10


def test_a_create_needs_room_for_itself_its_proof_and_its_cleanup() -> None:
    # The snapshot before it, the create, the read that proves it, its cleanup (a fresh read, the
    # delete, a read that shows it gone) and cleanup's look for what the run created: exactly
    # what the budget must hold, and not one less.
    assert CREATE_COST == 5
    needed = 1 + CREATE_COST + 1
    short = gateway(Upstream(), budget=needed - 1)
    with pytest.raises(NotSent) as stop:
        create(short)
    assert stop.value.kind == "budget" and short.ledger.created == {}
    upstream = Upstream()
    enough = gateway(upstream, budget=needed)
    create(enough)
    assert list(enough.ledger.owned) == [61300001]
    assert enough.budget.left(cleanup=False) == 0  # all that is left is cleanup's
    outcome = clean_up(enough, PLACEHOLDER, drain_seconds=1)
    assert outcome.deleted == ["clients 61300001"] and outcome.failed == []
    assert enough.budget.sent == len(upstream.requests) == needed


def test_throttled_attempts_are_waited_out_and_counted() -> None:
    upstream = Upstream()
    upstream.status = [429, 429]
    gate = gateway(upstream, budget=30)
    assert gate.send("GET", W, headers=AUTH).status_code == 200
    assert gate.budget.sent == 3 and gate.tally.throttled == 2


def test_it_stops_before_the_hourly_quota_runs_out() -> None:
    quota = {"X-Toggl-Quota-Remaining": "2", "X-Toggl-Quota-Resets-In": "900"}
    gate = gateway(lambda r: httpx.Response(200, json=[], headers=quota), budget=30)
    gate.budget.reserve = lambda: 2
    gate.send("GET", W, headers=AUTH)
    with pytest.raises(NotSent) as stop:
        gate.send("GET", W, headers=AUTH)
    assert stop.value.kind == "quota" and "resets in 900 s" in stop.value.reason
    gate.send("GET", W, headers=AUTH, cleanup=True)  # cleanup may use them


def test_foreign_changes_are_not_sent() -> None:
    upstream = Upstream(THEIRS)
    gate = gateway(upstream)
    for method, path, body in [("DELETE", f"{W}/5", b""), ("POST", f"{W}/delete", b"[5]"),
                               ("POST", f"{W}/./archive", b"[5]"), ("GET", "/me", b"")]:  # fmt: skip
        with pytest.raises(NotSent):
            gate.send(method, path, headers=AUTH, body=body)
    assert upstream.requests == []


def test_a_create_is_the_run_s_once_its_answer_and_a_read_prove_it() -> None:
    upstream = Upstream(THEIRS)
    gate = gateway(upstream)
    create(gate)
    assert gate.ledger.owned == {61300001}
    sent = [f"{r.method} {r.url.path}" for r in upstream.requests]
    assert sent == [f"GET /api/v9{W}", f"POST /api/v9{W}", f"GET /api/v9{W}/61300001"]
    assert gate.evidence == []


def test_a_create_answered_with_an_existing_client_is_not_adopted() -> None:
    # A get-or-create server answers the name's current holder: the user's own client.
    upstream = Upstream({**THEIRS, "name": "mine"})
    upstream.answer_create = lambda made: upstream.clients[5]
    gate = gateway(upstream)
    create(gate)
    assert gate.ledger.owned == set()
    assert "clients 5 was in the workspace before the run" in gate.evidence[0]
    with pytest.raises(NotSent):  # and it stays untouchable
        gate.send("DELETE", f"{W}/5", headers=AUTH)


def test_a_create_whose_answer_lacks_the_proof_is_not_adopted() -> None:
    upstream = Upstream()
    upstream.answer_create = lambda made: {**made, "notes": "", "name": "someone else"}
    gate = gateway(upstream)
    create(gate)
    assert gate.ledger.owned == set()
    assert "no run's proof" in gate.evidence[0] and "not the 'mine' sent" in gate.evidence[0]


def test_a_delete_counts_only_once_a_read_shows_the_client_gone() -> None:
    upstream = Upstream()
    upstream.keep_deleted = True  # answers 200 and keeps it
    gate = gateway(upstream)
    create(gate)
    gate.send("DELETE", f"{W}/61300001", headers=AUTH)
    gate.send("GET", f"{W}/61300001", headers=AUTH)
    assert gate.ledger.owned == {61300001}  # still there: a leftover, not a success
    upstream.keep_deleted = False
    gate.send("DELETE", f"{W}/61300001", headers=AUTH)
    gate.send("GET", f"{W}/61300001", headers=AUTH)
    assert gate.ledger.owned == set()


def test_an_id_that_now_holds_something_else_is_left_alone() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    create(gate)
    upstream.clients[61300001] = {**THEIRS, "id": 61300001}  # the id reused for another client
    before = len(upstream.requests)
    with pytest.raises(NotSent, match="no longer carries the run's proof"):
        gate.send("DELETE", f"{W}/61300001", headers=AUTH)
    assert [r.method for r in upstream.requests[before:]] == ["GET"]  # the fresh read, no delete
    assert 61300001 in gate.ledger.disowned and "does not carry the run's proof" in gate.evidence[0]


def test_only_the_placeholder_becomes_the_real_credentials() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    gate.send("GET", W, headers=AUTH)
    gate.send("GET", W)
    gate.send("GET", W, headers=[("Authorization", "Basic d3Jvbmc6cA==")])
    assert [r.headers.get("authorization") for r in upstream.requests] == [
        REAL,
        None,
        "Basic d3Jvbmc6cA==",
    ]
    with pytest.raises(NotSent):  # two of them: which one would the server read?
        gate.send("GET", W, headers=[*AUTH, ("Authorization", "Basic d3Jvbmc6cA==")])


def echo(request: httpx.Request) -> httpx.Response:
    """A server that reflects the credentials everywhere it can."""
    auth = request.headers.get("authorization", "")
    return httpx.Response(
        400, headers={"Location": f"https://t.test/?auth={auth}&token={TOKEN}", "X-Echo": auth.split()[-1]},
        json={"error": f"bad {auth}", "token": TOKEN, "url": f"?token={TOKEN.replace('-', '%2D')}"},
    )  # fmt: skip


def test_what_the_server_echoes_back_reaches_nothing_with_a_secret(tmp_path: Path) -> None:
    ledger = Ledger()
    path = tmp_path / "cassette.jsonl"
    scrubber = Scrubber.for_token(TOKEN)
    recorder = Recorder(path, Redactor(1001, lambda i: i in ledger.created), {}, scrubber)
    gate = Gateway(
        "https://toggl.test/api/v9", api=ApiMap.load(ROOT / "openapi.yaml"), authorization=REAL,
        placeholder=PLACEHOLDER, guard=Guard(1001, ledger, MARK), ledger=ledger, recorder=recorder,
        transport=httpx.MockTransport(echo), scrubber=scrubber,
    )  # fmt: skip
    answer = gate.send("GET", W, headers=AUTH)
    seen = answer.text + json.dumps(dict(answer.headers)) + path.read_text()
    for secret in (TOKEN, REAL.split()[1], REAL, "czNjcmV0LXRva2VuOmFwaV90b2tlbg"):
        assert secret not in seen
    assert "[secret]" in answer.text and "[secret]" in answer.headers["location"]


def test_what_is_recorded_holds_no_one_elses_data(tmp_path: Path) -> None:
    upstream = Upstream(THEIRS)
    ledger = Ledger()
    path = tmp_path / "cassette.jsonl"
    recorder = Recorder(path, Redactor(1001, lambda i: i in ledger.created), {})
    gate = Gateway(
        "https://toggl.test/api/v9", api=ApiMap.load(ROOT / "openapi.yaml"), authorization=REAL,
        placeholder=PLACEHOLDER, guard=Guard(1001, ledger, MARK), ledger=ledger, recorder=recorder,
        transport=httpx.MockTransport(upstream),
    )  # fmt: skip
    create(gate)
    gate.send("GET", f"{W}?status=both", headers=AUTH)
    text = path.read_text()
    for secret in (
        TOKEN,
        REAL.split()[1],
        "Their client",
        "private",
        "9876544",
        "/workspaces/1001",
    ):
        assert secret not in text
    listed = json.loads(json.loads(text.splitlines()[-1])["body"])
    assert {c["name"] for c in listed} == {"mine", "[redacted]"}


def test_runs_sharing_a_store_share_one_pace_and_one_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two runs of one token (parallel CI jobs) pointed at one store: their requests are spaced as
    one run's would be, and a quota reading of one stops the other."""
    import threading
    import time

    monkeypatch.setattr(time, "sleep", REAL_SLEEP)  # the shared pacer really waits
    limits = f"sqlite:///{tmp_path / 'limits.db'}"
    sent: list[float] = []

    def upstream(request: httpx.Request) -> httpx.Response:
        sent.append(time.monotonic())
        remaining = max(0, 3 - len(sent))
        return httpx.Response(200, json=[], headers={"X-Toggl-Quota-Remaining": str(remaining),
                                                     "X-Toggl-Quota-Resets-In": "900"})  # fmt: skip

    def run() -> list[str]:
        gate = Gateway(
            "https://toggl.test/api/v9", api=ApiMap.load(ROOT / "openapi.yaml"), authorization=REAL,
            placeholder=PLACEHOLDER, transport=httpx.MockTransport(upstream), interval=0.25,
            limits=limits, token=TOKEN,
        )  # fmt: skip
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append(str(gate.send("GET", W, headers=AUTH).status_code))
            except NotSent as stop:
                outcomes.append(stop.kind)
        return outcomes

    results: list[list[str]] = []
    threads = [threading.Thread(target=lambda: results.append(run())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = results[0] + results[1]
    assert outcomes.count("200") == 3 and outcomes.count("budget") == 3, outcomes
    gaps = [b - a for a, b in zip(sent, sent[1:], strict=False)]
    assert min(gaps) >= 0.95, gaps  # one pace for both: Toggl's safe rate, one a second

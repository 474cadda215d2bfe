"""The gateway's own rules, one at a time, against the gateway tests' small scripted server: how
each attempt is counted, paced and cut by the deadline, how a create is proven (or not) the run's,
what an answer teaches the ledger, how several ids are proven at once, and what is said when a
request is not sent. (`test_gateway.py` has the runs through it; `make mutation` runs this first.)"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from pathlib import Path

import httpx
import pytest
from toggl_contract.apimap import ApiMap
from toggl_contract.gateway import (
    CREATE_COST,
    Budget,
    Gateway,
    NotSent,
    _ids,
    _short,
    basic_header,
)
from toggl_contract.guard import Guard
from toggl_contract.ledger import Ledger
from toggl_track_client.client import DEADLINE_EXTENSION, TOGGL_SAFE_RATE

from tests.contract import test_gateway
from tests.contract.test_gateway import (
    AUTH,
    MARK,
    PLACEHOLDER,
    REAL,
    REAL_SLEEP,
    THEIRS,
    W,
    create,
    gateway,
    no_waiting,  # noqa: F401  (the fixture: retries do not sleep)
)
from tests.support import ROOT

API = ApiMap.load(ROOT / "openapi.yaml")
FIRST = 61300001  # the scripted server's first new id


class Upstream(test_gateway.Upstream):
    """The gateway tests' server, which also reads several clients by id, deletes several, and
    answers each path in `answers` with a status (once each)."""

    def __init__(self, *clients: dict[str, object]) -> None:
        super().__init__(*clients)
        self.answers: dict[str, list[httpx.Response]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        tail = request.url.path.removeprefix("/api/v9")
        if self.answers.get(f"{request.method} {tail}"):
            self.requests.append(request)
            return self.answers[f"{request.method} {tail}"].pop(0)
        if request.method == "POST" and tail == f"{W}/data":
            self.requests.append(request)
            asked = json.loads(request.content)
            return httpx.Response(200, json=[self.clients[i] for i in asked if i in self.clients])
        if request.method == "POST" and tail == f"{W}/delete":
            self.requests.append(request)
            for resource_id in json.loads(request.content):
                self.clients.pop(resource_id, None)
            return httpx.Response(200, json="OK")
        return super().__call__(request)

    def sent(self) -> list[str]:
        return [f"{r.method} {r.url.path.removeprefix('/api/v9')}" for r in self.requests]


def answer(status: int, body: object = None) -> httpx.Response:
    return httpx.Response(status, json=body)


def send(gate: Gateway, method: str, path: str, body: object = None) -> httpx.Response:
    content = b"" if body is None else json.dumps(body).encode()
    return gate.send(method, path, headers=AUTH, body=content)


# --- counting each attempt ----------------------------------------------------------------------


def test_a_budget_keeps_nothing_for_cleanup_unless_told() -> None:
    assert Budget(10).left(cleanup=False) == 10 and Budget(None).left(cleanup=False) is None
    assert "_lock" not in repr(Budget(10))  # a run's report may show it


def test_each_attempt_is_counted_once() -> None:
    gate = gateway(Upstream())
    for _ in range(3):
        send(gate, "GET", W)
    assert gate.tally.sent == 3 and gate.budget.sent == 3


def test_an_attempt_needs_one_request_of_budget_unless_told_more() -> None:
    gate = gateway(Upstream(), budget=2)
    send(gate, "GET", W)
    request = httpx.Request("GET", "https://toggl.test/api/v9" + W)  # no `toggl_needed`
    gate._upstream.handle_request(request)  # the last one of the budget
    with pytest.raises(NotSent) as stop:
        gate._upstream.handle_request(request)
    assert stop.value.kind == "budget"
    assert str(stop.value) == "the request budget of 2 is spent"


def test_an_interrupted_run_sends_only_cleanup() -> None:
    upstream = Upstream(THEIRS)
    gate = gateway(upstream)
    gate.interrupt()
    with pytest.raises(NotSent) as stop:
        send(gate, "GET", W)
    assert (stop.value.kind, stop.value.reason) == ("interrupted", "the run was interrupted")
    gate.send("GET", W, headers=AUTH, cleanup=True)
    assert upstream.sent() == [f"GET {W}"]


def test_the_quota_stops_the_run_before_cleanup_s_share() -> None:
    upstream = Upstream()
    upstream.answers[f"GET {W}"] = [
        httpx.Response(200, json=[], headers={"X-Toggl-Quota-Remaining": "2",
                                              "X-Toggl-Quota-Resets-In": "600"})
    ]  # fmt: skip
    gate = gateway(upstream)
    gate.budget.reserve = lambda: 3
    send(gate, "GET", W)
    with pytest.raises(NotSent) as stop:
        send(gate, "GET", W)
    assert stop.value.kind == "quota"
    assert stop.value.reason == "Toggl's hourly quota is down to 2 (resets in 600 s)"
    gate.send("GET", W, headers=AUTH, cleanup=True)  # cleanup may spend what is left
    assert len(upstream.requests) == 2
    for remaining, sent in (("1", True), ("0", False)):
        upstream.answers[f"GET {W}"] = [
            httpx.Response(200, json=[], headers={"X-Toggl-Quota-Remaining": remaining,
                                                  "X-Toggl-Quota-Resets-In": "600"})
        ]  # fmt: skip
        gate.send("GET", W, headers=AUTH, cleanup=True)
        before = len(upstream.requests)
        with contextlib.suppress(NotSent):  # refused at 0: nothing more to say here
            gate.send("GET", W, headers=AUTH, cleanup=True)
        assert (len(upstream.requests) > before) is sent, remaining


# --- the gateway's own settings -----------------------------------------------------------------


def plain(**options: object) -> Gateway:
    options.setdefault("transport", httpx.MockTransport(Upstream()))
    return Gateway("https://toggl.test/api/v9", api=API, authorization=REAL,
                   placeholder=PLACEHOLDER, **options)  # type: ignore[arg-type]  # fmt: skip


def test_the_pace_is_the_interval_asked_for_or_none() -> None:
    assert plain().pacer.interval == 0.0
    assert plain(interval=0.4).pacer.interval == pytest.approx(0.4)
    assert plain(interval=-1.0).pacer.interval == 0.0


def test_a_shared_pace_is_never_faster_than_toggl_s_safe_rate(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'limits.db'}"
    safe = 1.0 / TOGGL_SAFE_RATE
    for interval, expected in [(0.0, safe), (-1.0, safe), (safe / 2, safe), (3.0, 3.0)]:
        gate = plain(interval=interval, limits=store, token="t")
        assert gate.pacer.interval == pytest.approx(expected), interval
        gate.close()
        assert gate._store is None  # released: the last user closes it


def test_the_ledger_is_the_guard_s_when_none_is_given() -> None:
    ledger = Ledger()
    gate = plain(guard=Guard(1001, ledger, MARK))
    assert gate.ledger is ledger
    assert plain().ledger.created == {}


def test_connecting_takes_at_most_ten_seconds_of_the_timeout() -> None:
    assert plain().timeout == 30.0
    assert plain()._run.timeout.connect == 10.0 and plain(timeout=4.0)._run.timeout.connect == 4.0


def test_the_run_waits_out_six_429s_and_cleanup_retries_four_failures() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    upstream.status = [429] * 10
    assert send(gate, "GET", W).status_code == 429
    assert len(upstream.requests) == 7
    upstream.status, upstream.requests = [503] * 10, []
    assert gate.send("GET", W, headers=AUTH, cleanup=True).status_code == 503
    assert len(upstream.requests) == 5
    assert gate.tally.throttled == 7  # the 429s only


# --- one request: credentials, refusals, creates ------------------------------------------------


def test_only_the_placeholder_is_replaced_and_every_other_header_kept() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    gate.send("GET", W, headers=[("Accept", "application/json"), *AUTH, ("X-Other", "1")])
    sent = upstream.requests[-1].headers
    assert sent.get_list("authorization") == [REAL]
    assert sent["accept"] == "application/json" and sent["x-other"] == "1"


def test_a_refusal_is_counted_once_per_request() -> None:
    gate = gateway(Upstream(THEIRS))
    with pytest.raises(NotSent):
        send(gate, "DELETE", f"{W}/5")
    with pytest.raises(NotSent) as unclear:
        send(gate, "DELETE", f"{W}/%2e%2e/5")
    assert unclear.value.kind == "unclear"
    assert gate.tally.not_ours == {f"DELETE {W}/5": 1, f"DELETE {W}/%2e%2e/5": 1}


def test_a_create_is_counted_and_reserves_its_cost() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    create(gate)
    assert gate.creates_sent == 1 and gate.unproven_creates == 0
    assert upstream.requests[1].extensions["toggl_needed"] == CREATE_COST
    assert upstream.requests[2].extensions["toggl_needed"] == 1  # the read that proves it


@pytest.mark.parametrize(
    ("status", "unproven"), [(399, 1), (400, 0), (499, 0), (500, 1), (501, 1), (201, 1)]
)
def test_a_create_not_proven_counts_unless_it_was_refused(status: int, unproven: int) -> None:
    upstream = Upstream()
    made = {"id": FIRST, "wid": 1001, "name": "mine", "notes": MARK}

    def storing(request: httpx.Request) -> httpx.Response:
        if request.method != "POST":
            return upstream(request)
        upstream.clients[FIRST] = made  # stored, and a read shows it: only a 200 proves it
        return answer(status, made)

    gate = gateway(storing)
    create(gate)
    assert gate.unproven_creates == unproven and gate.ledger.created == {}


def test_a_create_with_no_answer_may_have_stored_something() -> None:
    def lost(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            raise httpx.ReadError("connection reset", request=request)
        return Upstream()(request)

    gate = gateway(lost)
    with pytest.raises(Exception, match="connection reset"):
        create(gate)
    assert gate.unproven_creates == 1
    with pytest.raises(Exception, match="connection reset"):
        send(gate, "POST", f"{W}/archive", [])
    assert gate.unproven_creates == 1  # not a create


def test_a_create_with_other_credentials_is_never_adopted() -> None:
    upstream = Upstream()  # it stores whatever it is sent, whoever sends it
    gate = gateway(upstream)
    body = json.dumps({"name": "mine", "notes": MARK}).encode()
    gate.send("POST", W, headers=[("Authorization", basic_header("someone"))], body=body)
    assert gate.ledger.created == {} and gate.evidence == []


def test_a_gateway_without_a_guard_adopts_nothing() -> None:
    gate = plain()  # in front of the run's own emulator
    send(gate, "POST", W, {"name": "mine", "notes": MARK})
    assert gate.ledger.created == {} and gate.creates_sent == 0


def test_an_archive_answered_200_is_no_create() -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"POST {W}/{FIRST}/archive"] = [answer(200, [])]
    send(gate, "POST", f"{W}/{FIRST}/archive")
    assert gate.evidence == [] and list(gate.ledger.created) == [FIRST, FIRST + 1]
    assert gate.ledger.delete_answered == set()


def test_the_shared_quota_used_up_is_not_sent(tmp_path: Path) -> None:
    upstream = Upstream()
    upstream.answers[f"GET {W}"] = [
        httpx.Response(200, json=[], headers={"X-Toggl-Quota-Remaining": "0",
                                              "X-Toggl-Quota-Resets-In": "600"})
    ]  # fmt: skip
    store = f"sqlite:///{tmp_path / 'limits.db'}"
    first, second = (plain(limits=store, token="t", transport=httpx.MockTransport(upstream))
                     for _ in range(2))  # fmt: skip
    send(first, "GET", W)  # another run of the token spent the last request
    with pytest.raises(NotSent) as stop:
        second.send("GET", W, headers=AUTH, cleanup=True)
    assert stop.value.kind == "budget" and "the shared hourly quota is used up" in stop.value.reason
    assert len(upstream.requests) == 1
    first.close()
    second.close()


def test_a_snapshot_never_spends_cleanup_s_reserve() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=5)
    gate.budget.reserve = lambda: 5
    with pytest.raises(NotSent) as stop:
        create(gate)
    assert stop.value.kind == "budget" and upstream.requests == []


def test_a_workspace_that_cannot_be_read_takes_no_create() -> None:
    upstream = Upstream()
    upstream.answers[f"GET {W}"] = [answer(201, [])]
    gate = gateway(upstream)
    with pytest.raises(NotSent) as stop:
        create(gate)
    assert stop.value.kind == "not-ours"
    assert stop.value.reason == (
        "the workspace could not be read (GET /workspaces/{workspace_id}/clients answered 201)"
    )
    assert len(upstream.requests) == 1


def test_the_snapshot_reads_every_page_of_every_status() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    create(gate)
    assert upstream.requests[0].url.query.decode() == "status=both&page=1&per_page=200"


# --- proving a create the run's -----------------------------------------------------------------


def evidence_of(answered: dict[str, object], body: object = None) -> str:
    upstream = Upstream()
    upstream.answers[f"POST {W}"] = [answer(200, answered)]
    gate = gateway(upstream)
    send(gate, "POST", W, {"name": "mine", "notes": MARK} if body is None else body)
    assert gate.ledger.created == {} and gate.unproven_creates == 1
    (found,) = gate.evidence
    return found


def test_a_create_answered_without_a_proper_id_is_not_adopted() -> None:
    for wrong in (True, "61300001", None):
        found = evidence_of({"id": wrong, "name": "mine", "notes": MARK})
        assert found.endswith("no id; not taken for the run's (cleanup looks for what the run "
                              "created by its proof)")  # fmt: skip


def test_a_create_answered_with_another_name_is_not_adopted() -> None:
    found = evidence_of({"id": FIRST, "name": "a", "notes": MARK})
    assert "the name 'a', not the 'mine' sent" in found
    found = evidence_of({"id": FIRST, "name": "mine", "notes": MARK}, {"notes": MARK})
    assert "the name 'mine', not the None sent" in found


def test_a_created_name_is_compared_trimmed() -> None:
    upstream = Upstream()
    upstream.answer_create = lambda made: {**made, "name": str(made["name"]).strip()}
    gate = gateway(upstream)
    send(gate, "POST", W, {"name": "  mine ", "notes": MARK})
    assert list(gate.ledger.created) == [FIRST] and gate.evidence == []


def test_a_create_whose_read_does_not_show_it_the_run_s_is_not_adopted() -> None:
    for read in (answer(500, "down"), answer(200, {**THEIRS, "id": FIRST})):
        upstream = Upstream()
        upstream.answers[f"GET {W}/{FIRST}"] = [read]
        gate = gateway(upstream)
        create(gate)
        assert gate.ledger.created == {} and gate.unproven_creates == 1
        assert f"a read right after answered {read.status_code}" in gate.evidence[0]


def test_a_read_showing_another_id_with_the_proof_is_not_the_run_s() -> None:
    for shown in (FIRST - 1, FIRST + 1):
        upstream = Upstream()
        upstream.answers[f"GET {W}/{FIRST}"] = [
            answer(200, {"id": shown, "name": "mine", "notes": MARK})
        ]
        gate = gateway(upstream)
        create(gate)
        assert gate.ledger.created == {}


# --- proving ids before a write -----------------------------------------------------------------


def two_of_ours() -> tuple[Upstream, Gateway]:
    upstream = Upstream()
    gate = gateway(upstream)
    create(gate, "one")
    create(gate, "two")
    upstream.requests.clear()
    return upstream, gate


def test_several_ids_are_proven_by_one_read() -> None:
    upstream, gate = two_of_ours()
    send(gate, "POST", f"{W}/delete", [FIRST, FIRST + 1])
    assert upstream.sent() == [f"POST {W}/data", f"POST {W}/delete"]
    assert json.loads(upstream.requests[0].content) == [FIRST, FIRST + 1]
    assert gate.ledger.delete_answered == {FIRST, FIRST + 1}


def test_an_id_the_read_of_several_does_not_prove_is_read_alone() -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"POST {W}/data"] = [answer(200, [
        upstream.clients[FIRST], {**upstream.clients[FIRST + 1], "notes": "not the proof"}, "x",
        {**upstream.clients[FIRST], "id": 5},
    ])]  # fmt: skip
    send(gate, "POST", f"{W}/delete", [FIRST, FIRST + 1])
    assert upstream.sent() == [f"POST {W}/data", f"GET {W}/{FIRST + 1}", f"POST {W}/delete"]


@pytest.mark.parametrize("status", [500, 200, 201, "not JSON"])
def test_a_read_of_several_that_fails_proves_none(status: int | str) -> None:
    upstream, gate = two_of_ours()
    shown = [upstream.clients[FIRST], upstream.clients[FIRST + 1]]
    upstream.answers[f"POST {W}/data"] = [
        httpx.Response(200, content=b"[{") if isinstance(status, str)
        else answer(status, {"id": FIRST} if status == 200 else shown)
    ]  # fmt: skip
    send(gate, "POST", f"{W}/delete", [FIRST, FIRST + 1])
    assert upstream.sent() == [f"POST {W}/data", f"GET {W}/{FIRST}", f"GET {W}/{FIRST + 1}",
                               f"POST {W}/delete"]  # fmt: skip


def test_an_id_is_proven_as_the_resource_it_was_written_to() -> None:
    upstream, gate = two_of_ours()
    del gate.ledger.created[FIRST]["resource"]  # as a ledger of an older kit has it
    send(gate, "DELETE", f"{W}/{FIRST}")
    assert upstream.sent()[-2:] == [f"GET {W}/{FIRST}", f"DELETE {W}/{FIRST}"]


def test_one_id_is_proven_by_reading_it() -> None:
    upstream, gate = two_of_ours()
    send(gate, "POST", f"{W}/delete", [FIRST])
    assert upstream.sent() == [f"GET {W}/{FIRST}", f"POST {W}/delete"]


def test_an_id_that_cannot_be_read_is_not_written_nor_disowned() -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"GET {W}/{FIRST}"] = [answer(500, "down")]
    with pytest.raises(NotSent) as stop:
        send(gate, "DELETE", f"{W}/{FIRST}")
    assert stop.value.kind == "not-ours"
    assert (
        stop.value.reason
        == f"clients {FIRST} could not be read to prove it the run's (500 '\"down\"')"
    )
    assert gate.ledger.disowned == set() and gate.evidence == []


def test_an_id_that_now_holds_something_else_is_disowned_and_reported() -> None:
    upstream, gate = two_of_ours()
    upstream.clients[FIRST]["notes"] = "someone else's now"
    with pytest.raises(NotSent) as stop:
        send(gate, "DELETE", f"{W}/{FIRST}")
    assert stop.value.reason == f"clients {FIRST} no longer carries the run's proof"
    assert gate.ledger.disowned == {FIRST}
    assert gate.evidence[0].startswith(f"clients {FIRST}, created by this run, now reads as 200 ")


def test_a_proof_read_must_answer_200_with_one_item() -> None:
    upstream, gate = two_of_ours()
    for read in (answer(201, upstream.clients[FIRST]), answer(200, [upstream.clients[FIRST]]),
                 httpx.Response(200, content=b"not json")):  # fmt: skip
        upstream.answers[f"GET {W}/{FIRST}"] = [read]
        assert gate.proof_state("clients", FIRST, cleanup=False)[0] == "unknown"


@pytest.mark.parametrize(("status", "gone"), [(404, True), (410, True), (403, False), (405, False)])
def test_a_proof_read_answering_404_or_410_is_gone(status: int, gone: bool) -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"GET {W}/{FIRST}"] = [answer(status, "no")]
    assert gate.proof_state("clients", FIRST, cleanup=False)[0] == ("gone" if gone else "unknown")
    assert (FIRST in gate.ledger.gone) is gone


# --- what answers teach the ledger ----------------------------------------------------------------


@pytest.mark.parametrize(("status", "answered"), [(200, True), (204, True), (299, True), (300, False),
                                                  (404, False)])  # fmt: skip
def test_a_delete_answered_2xx_waits_for_a_read_to_show_it_gone(
    status: int, answered: bool
) -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"DELETE {W}/{FIRST}"] = [answer(status)]
    send(gate, "DELETE", f"{W}/{FIRST}")
    assert (FIRST in gate.ledger.delete_answered) is answered and FIRST not in gate.ledger.gone


@pytest.mark.parametrize(("status", "answered"), [(200, True), (201, True), (299, True), (300, False),
                                                  (400, False)])  # fmt: skip
def test_a_bulk_delete_answered_2xx_waits_for_reads_too(status: int, answered: bool) -> None:
    upstream, gate = two_of_ours()
    upstream.answers[f"POST {W}/delete"] = [answer(status)]
    send(gate, "POST", f"{W}/delete", [FIRST, FIRST + 1])
    assert gate.ledger.delete_answered == ({FIRST, FIRST + 1} if answered else set())


def test_only_a_read_of_a_deleted_id_shows_it_gone() -> None:
    upstream, gate = two_of_ours()
    upstream.keep_deleted = True  # the guard's proof reads find both: only answers say 404 here
    send(gate, "DELETE", f"{W}/{FIRST}")
    for method, path in [("DELETE", f"{W}/{FIRST}"), ("PUT", f"{W}/{FIRST}"),
                         ("POST", f"{W}/{FIRST}/archive"), ("GET", f"{W}/{FIRST + 1}")]:  # fmt: skip
        upstream.answers[f"{method} {path}"] = [answer(404)]
        send(gate, method, path, None if method in ("GET", "DELETE") else {})
        assert gate.ledger.gone == set(), (method, path)
    upstream.answers[f"GET {W}/{FIRST}"] = [answer(410)]
    send(gate, "GET", f"{W}/{FIRST}")
    assert gate.ledger.gone == {FIRST}


def test_a_read_an_archive_or_a_restore_of_the_run_s_ids_is_no_delete() -> None:
    upstream, gate = two_of_ours()
    send(gate, "GET", f"{W}/{FIRST}")
    upstream.answers[f"POST {W}/archive"] = [
        answer(200, [{"client_ids": [FIRST], "project_ids": []}])
    ]
    send(gate, "POST", f"{W}/archive", [FIRST])
    send(gate, "POST", f"{W}/{FIRST}/restore", {"projects": [FIRST + 1]})
    assert gate.ledger.delete_answered == set()


# --- the deadline -------------------------------------------------------------------------------


def test_past_the_run_s_deadline_only_cleanup_goes_out() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    gate.deadline = time.monotonic() - 0.5
    with pytest.raises(NotSent) as stop:
        send(gate, "GET", W)
    assert stop.value.kind == "deadline"
    gate.send("GET", W, headers=AUTH, cleanup=True)
    gate.cleanup_deadline = time.monotonic() - 0.5
    with pytest.raises(NotSent):
        gate.send("GET", W, headers=AUTH, cleanup=True)
    assert len(upstream.requests) == 1


def test_a_call_may_take_what_is_left_of_the_run_and_no_more_than_its_timeout() -> None:
    upstream = Upstream()
    gate = gateway(upstream)
    gate.deadline = time.monotonic() + 0.8
    send(gate, "GET", W)
    assert 0.5 < upstream.requests[-1].extensions[DEADLINE_EXTENSION] <= 0.8
    gate.deadline = time.monotonic() + 1000
    send(gate, "GET", W)
    assert upstream.requests[-1].extensions[DEADLINE_EXTENSION] == 30.0
    gate.cleanup_deadline = time.monotonic() + 0.8
    gate.send("GET", W, headers=AUTH, cleanup=True)
    assert upstream.requests[-1].extensions[DEADLINE_EXTENSION] <= 0.8


def timing_out(request: httpx.Request) -> httpx.Response:
    REAL_SLEEP(0.03)  # past a deadline of 0.01 s
    raise httpx.ReadTimeout("no answer", request=request)


def test_a_timeout_at_the_run_s_end_is_not_the_server_s() -> None:
    gate = gateway(timing_out)
    gate.deadline = time.monotonic() + 0.01
    with pytest.raises(NotSent) as stop:
        send(gate, "GET", W)
    assert stop.value.kind == "deadline"
    gate.cleanup_deadline = time.monotonic() + 0.01
    with pytest.raises(NotSent) as stop:
        gate.send("GET", W, headers=AUTH, cleanup=True)
    assert stop.value.kind == "deadline"


def test_a_timeout_before_the_run_s_end_is_the_server_s() -> None:
    gate = gateway(timing_out)
    for deadline in (None, time.monotonic() + 60):
        gate.deadline = deadline
        with pytest.raises(Exception) as raised:
            send(gate, "GET", W)
        assert not isinstance(raised.value, NotSent)


# --- requests no HTTP client can send -------------------------------------------------------------


def test_a_target_no_url_can_hold_is_unsendable() -> None:
    gate = gateway(Upstream())
    with pytest.raises(NotSent) as stop:
        gate._forward("GET", f"{W}/a\x00b", [], b"", cleanup=False)
    assert stop.value.kind == "unsendable"


def test_a_target_an_http_client_would_send_otherwise_is_unclear() -> None:
    gate = gateway(Upstream())
    with pytest.raises(NotSent) as stop:
        gate._forward("GET", f"{W}/\u00e9", [], b"", cleanup=False)  # sent as %C3%A9
    assert stop.value.kind == "unclear"
    with pytest.raises(NotSent) as stop:
        gate._forward("GET", f"{W}/a b", [], b"", cleanup=False)
    assert stop.value.kind == "unclear"
    assert stop.value.reason == f"an HTTP client would send b'/api/v9{W}/a%20b' for '{W}/a b'"


# --- bookkeeping --------------------------------------------------------------------------------


def test_each_recorded_exchange_moves_the_cassette_position() -> None:
    recorded: list[object] = []
    gate = gateway(Upstream())
    gate.recorder = recorded.append
    send(gate, "GET", W)
    send(gate, "GET", W)
    assert gate.recorded == len(recorded) == 2 and gate.last is recorded[-1]


def test_a_fault_is_summed_up_by_its_last_line() -> None:
    gate = gateway(Upstream())
    for error in (ValueError("first"), KeyError("second")):
        try:
            raise error
        except Exception:
            summary = gate.fault()
    assert summary == "KeyError: 'second'" and len(gate.faults) == 2


def test_drain_waits_for_requests_in_flight_and_no_longer_than_told() -> None:
    gate = gateway(Upstream())
    assert gate.drain(0.0)
    release = threading.Event()

    def in_flight() -> None:
        with gate._busy():
            release.wait(5)

    worker = threading.Thread(target=in_flight)
    worker.start()
    while not gate._inflight:
        time.sleep(0.001)
    started = time.monotonic()
    assert not gate.drain(0.05)
    assert time.monotonic() - started < 0.5  # no longer than told (with room for a slow machine)
    threading.Timer(0.1, release.set).start()
    assert gate.drain(0.8)
    worker.join()


# --- small helpers ----------------------------------------------------------------------------------


def test_ids_of_a_body_are_its_integers_in_a_list_or_in_an_object() -> None:
    assert _ids(b"[1, true, 2.5, 3]") == [1, 3]
    assert _ids(b'{"ids": [4, 5]}') == [4, 5]
    assert _ids(b'{"ids": 4}') == [] and _ids(b"nope") == [] and _ids(b'"x"') == []


def test_an_answer_is_shown_short() -> None:
    assert _short(b"x" * 160) == repr("x" * 160)
    assert _short(b"x" * 161) == repr("x" * 160 + "...")
    assert _short(b"\xff") == repr("\ufffd")


def test_basic_header_is_toggl_s_token_form() -> None:
    assert basic_header("t") == "Basic dDphcGlfdG9rZW4="

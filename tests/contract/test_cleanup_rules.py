"""Cleanup as a unit, through the gateway against a small scripted server: what a run adopts at
its end, what it deletes, what it leaves and why. (`test_cleanup.py` runs `contract-cleanup`
end to end against the emulator.)"""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from toggl_contract import cleanup
from toggl_contract.cleanup import abandoned_ledgers, clean_abandoned, clean_up
from toggl_contract.gateway import Budget
from toggl_contract.ownership import MAX_RUN_SECONDS, NAME_PREFIX, marker, proof

from tests.contract import test_gateway
from tests.contract.test_gateway import (
    MARK,
    PLACEHOLDER,
    THEIRS,
    TOKEN,
    create,
    gateway,
    no_waiting,  # noqa: F401  (the fixture: retries do not sleep)
)


class Upstream(test_gateway.Upstream):
    """The gateway tests' server, with a workspace that has no projects."""

    refuse_delete: frozenset[str] = frozenset()  # ids whose DELETE never reaches the server

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/projects") and request.method == "GET" and not self.status:
            self.requests.append(request)
            return httpx.Response(200, json=[])
        if request.method == "DELETE" and request.url.path.rsplit("/", 1)[1] in self.refuse_delete:
            self.requests.append(request)
            raise httpx.ConnectError("connection refused", request=request)
        return super().__call__(request)


def test_the_end_adopts_only_new_clients_with_the_run_s_proof() -> None:
    old_with_proof = {**THEIRS, "id": 6, "name": "old", "notes": MARK}  # there before the run
    upstream = Upstream(THEIRS, old_with_proof)
    upstream.answer_create = lambda made: {**made, "name": "not what was sent"}  # unprovable
    gate = gateway(upstream, budget=60)
    create(gate, "lost")
    assert gate.ledger.created == {}  # its answer proved nothing
    upstream.clients[61300777] = {**THEIRS, "id": 61300777, "name": "someone's new"}  # no proof
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.deleted == ["clients 61300001"] and outcome.failed == []
    assert sorted(upstream.clients) == [5, 6, 61300777]


def test_a_failed_look_for_what_the_run_made_is_reported() -> None:
    upstream = Upstream()
    upstream.answer_create = lambda made: {**made, "name": "not what was sent"}
    gate = gateway(upstream, budget=60)
    create(gate, "lost")
    upstream.status = [500] * 10  # every read of the list fails
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.failed == [
        "the workspace's clients could not be read for what the run created "
        f"({outcome.failed[0].split('(', 1)[1][:-1]})"
    ]
    assert "500" in outcome.failed[0]


def test_a_client_that_no_longer_carries_the_proof_is_left_and_said_why() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=60)
    for name in ("first", "second", "third"):
        create(gate, name)
    for taken in (61300002, 61300003):
        upstream.clients[taken]["notes"] = "mine now"  # someone took them over
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.deleted == ["clients 61300001"]
    assert len(gate.evidence) == 2 and "61300003" in gate.evidence[0]  # newest first
    assert outcome.left == [f"clients 61300003: {gate.evidence[0]}",
                            f"clients 61300002: {gate.evidence[1]}"]  # fmt: skip
    assert sorted(upstream.clients) == [61300002, 61300003]


def test_a_delete_refused_for_want_of_budget_is_a_failure_not_a_leftover_of_someone() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=60)
    create(gate)
    gate.budget = Budget(gate.budget.sent)  # nothing left, not even for cleanup
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.left == [] and outcome.deleted == []
    assert len(outcome.failed) == 1 and outcome.failed[0].startswith(
        "clients 61300001: not deleted ("
    )


def test_a_refused_delete_is_a_failure_and_the_others_are_still_deleted() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=60)
    create(gate, "first")
    create(gate, "second")
    upstream.refuse_delete = frozenset({"61300002"})  # the first delete (the newest client's)
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.deleted == ["clients 61300001"]
    assert len(outcome.failed) == 1
    assert (
        outcome.failed[0].startswith("clients 61300002: not deleted (")
        and "refused" in outcome.failed[0]
    )


def test_what_is_no_longer_the_run_s_is_skipped_and_the_older_ones_still_deleted() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=60)
    for name in ("first", "second"):
        create(gate, name)
    gate.ledger.record_disowned(61300002, "renamed")  # the newest: skipped, not a stop
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.deleted == ["clients 61300001"] and sorted(upstream.clients) == [61300002]


def test_a_delete_that_keeps_the_client_is_a_failure() -> None:
    upstream = Upstream()
    gate = gateway(upstream, budget=60)
    create(gate)
    upstream.keep_deleted = True
    outcome = clean_up(gate, PLACEHOLDER, drain_seconds=1)
    assert outcome.failed == ["clients 61300001: still there after a delete answered 200"]


# --- contract-cleanup -----------------------------------------------------------------------------


def ledger_file(folder: Path, run_id: str, ids: list[int], **start: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{run_id}.jsonl"
    lines = [{"event": "start", "run_id": run_id, "workspace_id": 1001,
              "proof": proof(TOKEN, run_id), "deadline": time.time() - 60, **start}]  # fmt: skip
    lines += [{"event": "created", "id": i, "resource": "clients", "name": f"c{i}"} for i in ids]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def test_abandoned_ledgers_are_this_token_s_in_this_workspace_with_leftovers(
    tmp_path: Path,
) -> None:
    ledger_file(tmp_path, "20240101000000-aaaaaa", [1])
    ledger_file(tmp_path, "20240101000000-bbbbbb", [2], workspace_id=1000)
    ledger_file(tmp_path, "20240101000000-cccccc", [3], workspace_id=1002)
    ledger_file(tmp_path, "20240101000000-dddddd", [4], proof="someone else's")
    ledger_file(tmp_path, "20240101000000-eeeeee", [])  # nothing left
    ledger_file(tmp_path, "20240101000000-ffffff", [6], deadline=time.time() + 3600)  # running
    found = abandoned_ledgers(tmp_path, 1001, TOKEN)
    assert [ledger.run_id for ledger in found] == ["20240101000000-aaaaaa"]
    assert abandoned_ledgers(tmp_path / "none", 1001, TOKEN) == []


def named(run_id: str, client_id: int, tail: str = "", *, token: str = TOKEN) -> dict[str, object]:
    name = f"{NAME_PREFIX}{run_id}-x{tail}"  # what follows the run id's `-x` is free text
    return {**THEIRS, "id": client_id, "name": name, "notes": marker(token, run_id)}


NOW = 1_800_000_000.0  # the clock contract-cleanup reads, held still


def run_id_at(seconds_ago: float, suffix: str) -> str:
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(NOW - seconds_ago)) + "-" + suffix


def test_contract_cleanup_deletes_only_what_ledgers_and_proofs_show_abandoned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cleanup, "time", SimpleNamespace(time=lambda: NOW))
    old = "20240101000000-aaaaaa"
    recent = run_id_at(MAX_RUN_SECONDS, "bbbbbb")  # may still be going for 5 more minutes
    edge = run_id_at(MAX_RUN_SECONDS + 300, "cccccc")  # just past them: abandoned
    almost = run_id_at(MAX_RUN_SECONDS + 299, "dddddd")  # a second before: may still be going
    from_ledger = {**THEIRS, "id": 7, "name": "fuzzed name", "notes": marker(TOKEN, old)}
    renamed = {**THEIRS, "id": 8, "name": "taken over", "notes": "mine now"}
    upstream = Upstream(
        THEIRS, from_ledger, renamed,
        named(old, 10, " a-b"), named(old, 11, token="other token"), named(recent, 12),
        named(edge, 14), named(almost, 15),
        {**THEIRS, "id": 13, "name": f"{NAME_PREFIX}yesterday-x"},
    )  # fmt: skip
    path = ledger_file(tmp_path, old, [7, 8, 9])  # 9: already gone
    outcome = clean_abandoned(gateway(upstream, budget=200), PLACEHOLDER, TOKEN, 1001, tmp_path)
    assert sorted(upstream.clients) == [5, 8, 11, 12, 13, 15]
    # Adopted in creation order, deleted newest first; ids of one resource in order.
    assert outcome.deleted == [f"client 14 '{NAME_PREFIX}{edge}-x'",
                               f"client 10 '{NAME_PREFIX}{old}-x a-b'", "client 7 'c7'"]  # fmt: skip
    assert sorted(outcome.left) == sorted([
        "client 8 'c8': now named 'taken over' and without its run's proof: left alone",
        "client 9 'c9': already gone",
        f"client 11 '{NAME_PREFIX}{old}-x': no proof in its notes that a run with this token made it",
        f"client 12 '{NAME_PREFIX}{recent}-x': its run may still be going (started 3600 s ago)",
        f"client 15 '{NAME_PREFIX}{almost}-x': its run may still be going (started 3899 s ago)",
        f"client 13 '{NAME_PREFIX}yesterday-x': our prefix, but no well-formed run id",
    ])  # fmt: skip
    assert outcome.failed == []
    ledger_lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert {"event": "deleted", "id": 7, "by": "contract-cleanup"} in ledger_lines


def test_contract_cleanup_may_spend_what_a_run_keeps_for_its_cleanup(tmp_path: Path) -> None:
    old = "20240101000000-aaaaaa"
    upstream = Upstream(named(old, 10))
    gate = gateway(upstream, budget=10)
    gate.budget.reserve = lambda: 10  # all of it is cleanup's
    outcome = clean_abandoned(gate, PLACEHOLDER, TOKEN, 1001, tmp_path)
    assert outcome.failed == [] and outcome.deleted == [f"client 10 '{NAME_PREFIX}{old}-x'"]


def test_contract_cleanup_that_cannot_list_the_workspace_checks_nothing(tmp_path: Path) -> None:
    upstream = Upstream(named("20240101000000-aaaaaa", 10))
    upstream.status = [500] * 20  # every read fails
    outcome = clean_abandoned(gateway(upstream, budget=60), PLACEHOLDER, TOKEN, 1001, tmp_path)
    assert outcome.deleted == [] and len(outcome.failed) == 1
    assert outcome.failed[0].startswith("the workspace's clients could not be listed (")
    assert outcome.failed[0].endswith("): nothing checked") and 10 in upstream.clients

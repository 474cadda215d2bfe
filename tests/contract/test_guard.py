"""The guard: what a run against a server it did not start may send, decided in one place."""

from __future__ import annotations

import pytest
from toggl_contract.apimap import ApiMap, Unclear
from toggl_contract.guard import Guard, Verdict
from toggl_contract.ledger import Ledger

from tests.support import ROOT

W = "/workspaces/1001/clients"
MARK = "toggl-contract run 20260101000000-abcdef proof 0123456789abcdef0123"
API = ApiMap.load(ROOT / "openapi.yaml")


@pytest.fixture
def guard() -> Guard:
    ledger = Ledger()
    ledger.record_created("clients", {"id": 61300001, "name": "ours", "wid": 1001})
    return Guard(1001, ledger, MARK)


def decide(guard: Guard, method: str, path: str, body: bytes = b"", **kwargs: bool) -> Verdict:
    return guard.decide(method, API.match(method, path), body, **kwargs)


OURS = b'{"name": "x", "notes": "' + MARK.encode() + b'"}'


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    [
        ("GET", W, b"", True),
        ("GET", f"{W}/61250143", b"", True),  # reading someone else's client is free
        ("POST", f"{W}/data", b"[61250143]", True),  # by ids is a read
        ("GET", "/me/clients", b"", True),
        ("GET", "/workspaces/1002/clients", b"", True),  # reads are free in other workspaces too
        ("POST", W, OURS, True),  # a create that carries the run's proof
        ("POST", W, b'{"name": "x"}', False),  # what it makes could never be proven the run's
        ("POST", W, b'{"name": "x", "notes": "mine"}', False),
        ("POST", W, b'{"name": "x", "notes": "' + MARK.encode() + b'", "notes": "x"}', False),
        ("POST", W, b'["x"]', False),
        ("POST", W, OURS[:-1] + b', "wid": 1002}', False),  # a body naming another workspace
        ("POST", W, OURS[:-1] + b', "wid": 1001}', True),
        ("PUT", f"{W}/61300001", b'{"name": "x"}', True),
        ("PUT", f"{W}/61300001", b'{"notes": "gone"}', False),  # would erase the proof
        ("PUT", f"{W}/61300001", b'{"notes": "more ' + MARK.encode() + b'"}', True),
        ("PUT", f"{W}/61300001", b'{"wid": 1002}', False),
        ("DELETE", f"{W}/61300001", b"", True),
        ("POST", f"{W}/61300001/archive", b"", True),
        ("POST", f"{W}/61300001/restore", b'{"projects": [203984756]}', False),  # not ours
        ("POST", f"{W}/delete", b"[61300001]", True),
        ("PUT", f"{W}/61250143", b'{"name": "x"}', False),
        ("DELETE", f"{W}/61250143", b"", False),
        ("POST", f"{W}/61250143/restore", b"", False),
        ("DELETE", f"{W}/0061250143", b"", False),  # leading zeros: Go reads the same id
        ("DELETE", f"{W}/%361250143", b"", False),  # percent-encoded: the server decodes it
        ("DELETE", f"{W}/+61250143", b"", False),  # a sign: Go's ParseInt takes it
        ("DELETE", f"{W}/%D9%A6%D9%A1", b"", False),  # other scripts' digits: unclear, refused
        ("DELETE", f"{W}/abc", b"", True),  # no digit at all: cannot address a client
        ("POST", f"{W}/delete", b"[61300001, 61250143]", False),
        ("POST", f"{W}/archive", b'{"client_ids": [61250143]}', False),
        ("POST", f"{W}/delete", b"[6.1250143e7]", False),  # every digit run counts
        ("POST", f"{W}/delete", b'["61250143"]', False),
        ("POST", f"{W}/delete", b"[" + b"9" * 5000 + b"]", True),  # past int64: no id of anyone's
        (
            "DELETE",
            "/workspaces/01001/clients/61300001",
            b"",
            True,
        ),  # the pinned one, as Go reads it
        ("POST", "/workspaces/1002/clients", OURS, False),
        ("PATCH", f"{W}/61300001", b"", False),  # no operation of the spec
        ("DELETE", "/me/clients", b"", False),
        ("GET", "/me", b"", False),  # no operation of the spec: on the live API it holds the token
    ],
)
def test_only_reads_creates_and_what_the_run_created_go_through(
    guard: Guard, method: str, path: str, body: bytes, allowed: bool
) -> None:
    verdict = decide(guard, method, path, body)
    assert verdict.allowed is allowed, verdict.reason
    if not allowed:
        assert verdict.reason.startswith("not ours")


def test_a_write_to_what_the_run_created_asks_for_a_fresh_proof(guard: Guard) -> None:
    assert decide(guard, "DELETE", f"{W}/61300001").prove == (61300001,)
    assert decide(guard, "POST", f"{W}/archive", b"[61300001]").prove == (61300001,)
    assert decide(guard, "POST", W, OURS).create


def test_a_disowned_client_is_not_ours_any_more(guard: Guard) -> None:
    guard.ledger.record_disowned(61300001, "now holds someone else's client")
    assert not decide(guard, "PUT", f"{W}/61300001", b"{}").allowed


def test_without_the_run_s_credentials_a_request_changes_nothing_and_passes(guard: Guard) -> None:
    # It tests the server's 401 and 403: it cannot act as the run's user.
    assert decide(guard, "DELETE", f"{W}/61250143", as_user=False).allowed


@pytest.mark.parametrize(
    "path",
    [
        f"{W}/./archive",  # `.` would be read as client "." here, and dropped by an HTTP client
        f"{W}/61300001/../61250143",
        f"{W}/%2e%2e/61250143",
        f"{W}/61300001%2F..%2F61250143",
        f"{W}//archive",
        f"{W}/",
        f"{W}/61300001\\..",
        f"{W}/6130%zz",
        f"{W}/a%00b",
        f"{W}/é",
    ],
)
def test_a_path_two_readers_could_read_differently_is_refused(path: str) -> None:
    with pytest.raises(Unclear):
        API.match("POST", path)


P = "/workspaces/1001/projects"
PROJECT = '{{"name": "{mark} p", "client_id": {client}}}'


@pytest.mark.parametrize(
    ("client", "allowed", "why"),
    [
        ("61300001", True, ""),  # the run's own client
        ("null", True, ""),  # no client at all
        ("61250143", False, "`client_id` names client 61250143, which is not the run's"),
        ('"61300001"', False, "`client_id` names clients by something other than an id"),
        ("true", False, "`client_id` names clients by something other than an id: True"),
    ],
)
def test_a_project_may_name_only_the_run_s_own_client(
    guard: Guard, client: str, allowed: bool, why: str
) -> None:
    body = PROJECT.format(mark=MARK, client=client).encode()
    verdict = decide(guard, "POST", P, body)
    assert verdict.allowed is allowed, verdict
    assert why in verdict.reason
    # Fields that refer to nothing pass whatever they hold, and come after the reference too.
    later = b'{"active": true, "client_id": 61250143, "name": "' + MARK.encode() + b' p"}'
    assert not decide(guard, "POST", P, later).allowed


@pytest.mark.parametrize(
    ("method", "path", "body", "reason"),
    [
        ("DELETE", f"{W}/61250143", b"", "clients 61250143"),
        ("POST", f"{W}/delete", b"[7]", "clients 7"),
        ("POST", f"{W}/61300001/restore", b'{"projects": [203984756]}', "resource 203984756"),
        # several: the first five foreign ids, in order; the run's own one is not among them
        ("POST", f"{W}/delete", b"[61300001, 6, 5, 4, 3, 2, 1]", "ids in the body: 1, 2, 3, 4, 5"),
        ("DELETE", "/workspaces/1000/clients/61300001", b"", "workspace 1000"),  # a lower id too
        ("DELETE", "/workspaces/1002/clients/61300001", b"", "workspace 1002"),
        ("PUT", f"{W}/61300001", b'{"wid": 1000}', "a body naming workspace 1000 in `wid`"),
        (
            "PUT",
            f"{W}/61300001",
            b'{"notes": "gone"}',
            "a write that would erase the run's proof from `notes`",
        ),
    ],
)
def test_a_refusal_says_what_is_not_the_run_s(
    guard: Guard, method: str, path: str, body: bytes, reason: str
) -> None:
    verdict = decide(guard, method, path, body)
    assert not verdict.allowed
    assert verdict.reason == f"not ours: {reason}"


def test_a_write_of_other_fields_keeps_the_proof_and_is_no_create(guard: Guard) -> None:
    # Only the proof field can erase the proof: `wid` (after `notes` in order) is no threat.
    assert decide(guard, "PUT", f"{W}/61300001", b'{"wid": 1001, "name": "y"}').allowed
    assert not decide(guard, "GET", W).create
    assert not decide(guard, "DELETE", f"{W}/61300001").create


def test_a_restore_may_bring_back_the_run_s_own_projects(guard: Guard) -> None:
    guard.ledger.record_created("projects", {"id": 203990001, "name": "p", "wid": 1001})
    body = b'{"projects": [203990001]}'
    verdict = decide(guard, "POST", f"{W}/61300001/restore", body)
    assert verdict.allowed and verdict.prove == (61300001, 203990001)

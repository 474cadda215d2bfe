"""The guard: what a run against a server it did not start may send, decided in one place."""

from __future__ import annotations

import pytest
from toggl_contract.guard import Guard
from toggl_contract.ledger import Ledger

W = "/workspaces/1001/clients"


@pytest.fixture
def guard() -> Guard:
    ledger = Ledger()
    ledger.record_created({"id": 61300001, "name": "ours", "wid": 1001})
    return Guard(1001, ledger)


@pytest.mark.parametrize(
    ("method", "path", "body", "allowed"),
    [
        ("GET", W, b"", True),
        ("GET", f"{W}/61250143", b"", True),  # reading someone else's client is free
        ("POST", f"{W}/data", b"[61250143]", True),  # by ids is a read
        ("GET", "/me/clients", b"", True),
        ("POST", W, b'{"name": "x"}', True),  # a create makes something ours
        ("PUT", f"{W}/61300001", b'{"name": "x"}', True),
        ("DELETE", f"{W}/61300001", b"", True),
        ("POST", f"{W}/61300001/archive", b"", True),
        ("POST", f"{W}/delete", b"[61300001]", True),
        ("PUT", f"{W}/61250143", b'{"name": "x"}', False),
        ("DELETE", f"{W}/61250143", b"", False),
        ("POST", f"{W}/61250143/restore", b"", False),
        ("DELETE", f"{W}/0061250143", b"", False),  # leading zeros: Go reads the same id
        ("DELETE", f"{W}/%361250143", b"", False),  # percent-encoded: the server decodes it
        ("DELETE", f"{W}/٦١٢٥٠١٤٣", b"", False),  # other scripts' digits: unclear, so refused
        ("DELETE", f"{W}/abc", b"", True),  # no digit at all: cannot address a client
        ("POST", f"{W}/delete", b"[61300001, 61250143]", False),
        ("POST", f"{W}/archive", b'{"client_ids": [61250143]}', False),
        ("POST", f"{W}/delete", b"[6.1250143e7]", False),  # every digit run counts
        ("POST", f"{W}/delete", b'["61250143"]', False),
        ("POST", f"{W}/delete", b"[" + b"9" * 5000 + b"]", True),  # past int64: no id of anyone's
        ("GET", "/workspaces/1002/clients", b"", False),  # another workspace, even to read
        (
            "DELETE",
            "/workspaces/01001/clients/61300001",
            b"",
            True,
        ),  # the pinned one, as Go reads it
        ("POST", "/workspaces/1002/clients", b'{"name": "x"}', False),
        ("PATCH", f"{W}/61300001", b"", False),  # a write to a route the guard does not know
        ("DELETE", "/me/clients", b"", False),
    ],
)
def test_only_reads_creates_and_what_the_run_created_go_through(
    guard: Guard, method: str, path: str, body: bytes, allowed: bool
) -> None:
    verdict = guard.decide(method, path, body)
    assert verdict.allowed is allowed, verdict.reason
    if not allowed:
        assert verdict.reason.startswith("not ours")


def test_a_deleted_client_is_not_ours_any_more(guard: Guard) -> None:
    guard.ledger.record_deleted(61300001)
    assert not guard.decide("PUT", f"{W}/61300001", b"{}").allowed

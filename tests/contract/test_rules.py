"""The semantic rules judge whatever a server answers: a 5xx or a malformed follow-up read is a
reported violation, never a crash of the check."""

from __future__ import annotations

import contextlib
import json

import pytest
from toggl_contract.exchange import Exchange
from toggl_contract.rules import RuleViolation, Semantics

from tests.support import PREMIUM

CLIENTS = f"/workspaces/{PREMIUM}/clients"
CLIENT = {
    "id": 5,
    "wid": PREMIUM,
    "name": "a",
    "archived": False,
    "at": "2026-01-01T00:00:00+00:00",
}


def answer(status: int, body: object, method: str = "GET", path: str = CLIENTS) -> Exchange:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange(method, path, status=status, body=raw)


class Reader:
    """Follow-up reads that all answer the same (broken) thing."""

    def __init__(self, read: Exchange) -> None:
        self.read = read

    def get_client(self, client_id: int) -> Exchange:
        return self.read

    def list_all(self, status: str, name: str | None = None) -> list[Exchange]:
        return [self.read]

    def create(self, name: str) -> Exchange:
        return self.read

    def me(self, since: int | None = None) -> Exchange:
        return self.read


BROKEN_READS = {
    "a 500": answer(500, b""),
    "a 502 page from a proxy": answer(502, b"<html>Bad Gateway</html>"),
    "not JSON": answer(200, b"{not json"),
    "an object where a list belongs": answer(200, {"data": []}),
    "items without ids": answer(200, [{"name": "a"}, "x", None]),
    "a timestamp that is not one": answer(200, [{**CLIENT, "at": "yesterday"}]),
}

EXCHANGES = {
    "create": Exchange(
        "POST", CLIENTS, request_body=b'{"name": "a"}', status=200, body=json.dumps(CLIENT).encode()
    ),
    "list": answer(200, [CLIENT]),
    "bulk archive": Exchange(
        "POST", CLIENTS + "/archive", request_body=b"[5]", status=200, body=b"[5]"
    ),
    "since": Exchange(
        "GET", "/me/clients", query={"since": "1"}, status=200, body=json.dumps([CLIENT]).encode()
    ),
    "delete": Exchange("DELETE", CLIENTS + "/5", status=200, body=b""),
    "archive": Exchange("POST", CLIENTS + "/5/archive", status=200, body=b"[5]"),
}


@pytest.mark.parametrize("read", BROKEN_READS.values(), ids=BROKEN_READS.keys())
@pytest.mark.parametrize("exchange", EXCHANGES.values(), ids=EXCHANGES.keys())
def test_a_broken_follow_up_read_is_a_violation_not_a_crash(
    exchange: Exchange, read: Exchange
) -> None:
    semantics = Semantics(PREMIUM, Reader(read))
    semantics.learn(CLIENT)
    try:
        semantics.check(exchange)
    except RuleViolation as violation:
        assert str(violation)  # says what was wrong
    # Passing is fine too (a read the rule does not need); any other exception fails the test.


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[1, 2]", b'{"id": "5"}', b'[{"id": 5, "at": 7}]', b"\xff\xfe"],
    ids=["empty", "null", "numbers", "string id", "numeric at", "not utf-8"],
)
@pytest.mark.parametrize("exchange", EXCHANGES.values(), ids=EXCHANGES.keys())
def test_a_malformed_answer_is_judged_without_a_crash(exchange: Exchange, body: bytes) -> None:
    semantics = Semantics(PREMIUM, Reader(answer(200, [CLIENT])))
    semantics.learn(CLIENT)
    malformed = Exchange(
        exchange.method, exchange.path, exchange.query, exchange.request_body, 200, {}, body
    )
    with contextlib.suppress(RuleViolation):
        semantics.check(malformed)


def test_a_5xx_on_a_follow_up_read_names_the_read() -> None:
    semantics = Semantics(PREMIUM, Reader(answer(503, b"upstream down")))
    with pytest.raises(RuleViolation, match="a follow-up read, GET .* answered b'upstream down'"):
        semantics.check(EXCHANGES["list"])

"""The semantic rules judge whatever a server answers: a broken follow-up read or a malformed
answer is a reported violation or nothing to judge, never a crash; and each rule says what broke."""

from __future__ import annotations

import json
from typing import Any

import pytest
from toggl_contract.apimap import ApiMap, Operation
from toggl_contract.exchange import Exchange
from toggl_contract.rulebook import RULES
from toggl_contract.rules import RuleViolation, Semantics

from tests.support import PREMIUM, ROOT

API = ApiMap.load(ROOT / "openapi.yaml")
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
    """Follow-up reads that all answer the same thing."""

    def __init__(self, read: Exchange) -> None:
        self.read = read
        self.sent: list[str] = []

    def send(self, operation: Operation, params: dict[str, object], **kwargs: Any) -> Exchange:
        self.sent.append(operation.label)
        return self.read


def semantics(read: Exchange) -> Semantics:
    judged = Semantics(API, PREMIUM, Reader(read))
    judged.learn("clients", CLIENT)
    return judged


BROKEN_READS = {
    "a 500": answer(500, b""),
    "a 502 page from a proxy": answer(502, b"<html>Bad Gateway</html>"),
    "not JSON": answer(200, b"{not json"),
    "an object where a list belongs": answer(200, {"data": []}),
    "items without ids": answer(200, [{"name": "a"}, "x", None]),
    "a timestamp that is not one": answer(200, [{**CLIENT, "at": "yesterday"}]),
}

EXCHANGES = {
    "create": Exchange("POST", CLIENTS, request_body=b'{"name": "b"}', status=200,
                       body=json.dumps({**CLIENT, "id": 6, "name": "b"}).encode()),  # fmt: skip
    "list": answer(200, [CLIENT]),
    "bulk archive": Exchange("POST", CLIENTS + "/archive", request_body=b"[5]", status=200, body=b"[5]"),
    "since": Exchange("GET", "/me/clients", query={"since": "1"}, status=200, body=json.dumps([CLIENT]).encode()),
    "delete": Exchange("DELETE", CLIENTS + "/5", status=200, body=b""),
    "archive": Exchange("POST", CLIENTS + "/5/archive", status=200, body=b"[5]"),
}  # fmt: skip

# The only pairs a broken read leaves nothing to object to: a list whose items' `at` no rule of a
# list reads, and a `since` whose unfiltered read holds nothing changed.
JUDGEABLE = {("list", "a timestamp that is not one"), ("since", "items without ids")}


@pytest.mark.parametrize("read", BROKEN_READS.keys())
@pytest.mark.parametrize("exchange", EXCHANGES.keys())
def test_a_broken_follow_up_read_is_a_violation_not_a_crash(exchange: str, read: str) -> None:
    judged = semantics(BROKEN_READS[read])
    if (exchange, read) in JUDGEABLE:
        judged.check(EXCHANGES[exchange])
        return
    with pytest.raises(RuleViolation) as raised:
        judged.check(EXCHANGES[exchange])
    assert str(raised.value)  # says what was wrong


MALFORMED = {
    "empty": b"",
    "null": b"null",
    "numbers": b"[1, 2]",
    "string id": b'{"id": "5"}',
    "numeric at": b'[{"id": 5, "at": 7}]',
    "not utf-8": b"\xff\xfe",
}
# A malformed answer to a request the rules judge from the answer alone: most are nothing to
# judge (the schema check reports their shape); these are violations of a rule.
VIOLATIONS = {
    ("list", "numeric at"),  # item 5 no longer shows the name and archived state the run knows
}


@pytest.mark.parametrize("body", MALFORMED.keys())
@pytest.mark.parametrize("exchange", EXCHANGES.keys())
def test_a_malformed_answer_is_a_violation_or_nothing_to_judge(exchange: str, body: str) -> None:
    judged = semantics(answer(200, [CLIENT]))
    sent = EXCHANGES[exchange]
    malformed = Exchange(
        sent.method, sent.path, sent.query, sent.request_body, 200, {}, MALFORMED[body]
    )
    if (exchange, body) in VIOLATIONS:
        with pytest.raises(RuleViolation):
            judged.check(malformed, follow_up=False)
    else:
        judged.check(malformed, follow_up=False)


def test_a_5xx_on_a_follow_up_read_names_the_read() -> None:
    judged = semantics(answer(503, b"upstream down"))
    with pytest.raises(RuleViolation, match="a follow-up read, GET .* answered b'upstream down'"):
        judged.check(EXCHANGES["list"])


def test_every_rule_is_stated_once_with_its_grade() -> None:
    assert {rule.grade for rule in RULES.values()} <= {"doc", "rec", "claim", "infer"}
    assert len({rule.says for rule in RULES.values()}) == len(RULES)


def test_an_assumption_that_does_not_hold_is_noted_not_raised() -> None:
    # A server that keeps the blanks around a name: `name-trimmed` is graded [infer].
    judged = semantics(answer(200, [CLIENT]))
    created = Exchange("POST", CLIENTS, request_body=b'{"name": " b "}', status=200,
                       body=json.dumps({**CLIENT, "id": 6, "name": " b "}).encode())  # fmt: skip
    judged.check(created, follow_up=False)
    assert judged.soft and "name-trimmed [infer]" in judged.soft[0]
    assert judged.coverage.failed[("name-trimmed", "clients")]


def test_a_field_left_out_of_an_answer_is_named_missing() -> None:
    judged = semantics(answer(200, [CLIENT]))
    created = Exchange("POST", CLIENTS, request_body=b'{"name": "b", "notes": "kept"}', status=200,
                       body=json.dumps({**CLIENT, "id": 6, "name": "b"}).encode())  # fmt: skip
    with pytest.raises(
        RuleViolation, match="create sent notes='kept'; `notes` is missing from the answer"
    ):
        judged.check(created, follow_up=False)


# --- `since` and bulk operations: each rule's own verdict, not only "no crash" ------------------

OTHER = {**CLIENT, "id": 7, "name": "someone else's"}
EPOCH = 1767225600  # 2026-01-01T00:00:00Z, CLIENT's `at`


def since(value: int, answered: list[dict[str, Any]]) -> Exchange:
    return Exchange("GET", "/me/clients", query={"since": str(value)}, status=200,
                    body=json.dumps(answered).encode())  # fmt: skip


def test_since_answering_an_item_changed_before_it_is_a_violation() -> None:
    judged = semantics(answer(200, [CLIENT]))
    with pytest.raises(RuleViolation, match=r"since=\d+ answered client 5 changed at"):
        judged.check(since(EPOCH + 1, [CLIENT]), follow_up=False)
    judged.check(since(EPOCH, [CLIENT]), follow_up=False)  # changed at `since` itself: in


def test_since_leaving_out_an_item_changed_since_is_a_violation() -> None:
    judged = semantics(answer(200, [CLIENT, OTHER]))
    with pytest.raises(RuleViolation, match=r"left out clients changed since: \[7\]"):
        judged.check(since(EPOCH, [CLIENT]))


def test_since_leaving_out_a_deleted_item_is_a_violation() -> None:
    judged = semantics(answer(200, []))
    judged.check(Exchange("DELETE", CLIENTS + "/5", status=200, body=b""), follow_up=False)
    with pytest.raises(RuleViolation, match="left out client 5, deleted since"):
        judged.check(since(EPOCH, []), follow_up=False)


def test_a_bulk_archive_that_also_archives_someone_else_s_client_is_a_violation() -> None:
    archived_other = {**OTHER, "archived": True}
    judged = semantics(answer(200, [{**CLIENT, "archived": True}, archived_other]))
    judged.check(answer(200, [CLIENT, OTHER]), follow_up=False)  # the list before: 7 active
    bulk = Exchange("POST", CLIENTS + "/archive", request_body=b"[5]", status=200,
                    body=json.dumps([{"client_ids": [5], "project_ids": []}]).encode())  # fmt: skip
    with pytest.raises(RuleViolation, match=r"also changed another client, 7 \(archived False"):
        judged.check(bulk)


def test_a_bulk_archive_that_leaves_others_alone_passes() -> None:
    judged = semantics(answer(200, [{**CLIENT, "archived": True}, OTHER]))
    judged.check(answer(200, [CLIENT, OTHER]), follow_up=False)
    bulk = Exchange("POST", CLIENTS + "/archive", request_body=b"[5]", status=200,
                    body=json.dumps([{"client_ids": [5], "project_ids": []}]).encode())  # fmt: skip
    judged.check(bulk)


def test_a_body_refused_as_a_whole_is_no_verdict_on_its_name() -> None:
    """Go's decoder refuses a field of the wrong type before any name rule: nothing to judge."""
    judged = semantics(answer(200, [CLIENT]))
    decoded = Exchange("POST", CLIENTS, request_body=b'{"name": "", "wid": 1.5}', status=400,
                       body=json.dumps('Unexpected "wid" type number, offset=40').encode())  # fmt: skip
    judged.check(decoded, follow_up=False)
    wrong = Exchange("POST", CLIENTS, request_body=b'{"name": ""}', status=400,
                     body=json.dumps("Name is bad").encode())  # fmt: skip
    with pytest.raises(RuleViolation, match="the name '' was refused with 'Name is bad'"):
        judged.check(wrong, follow_up=False)

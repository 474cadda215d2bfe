"""Each rule of `rules.py` on a real server: the in-process emulator (faithful to Toggl) passes
every rule a request reaches, and the same request with one thing of its answer changed, as a
drifting server would answer it, breaks exactly the rule that says so, with a message naming what.

No socket and no gateway: the rules read the emulator again through a `Reader` of their own here,
so that each rule's verdict is tested in milliseconds (the contract runs test the same rules end
to end, over HTTP, in seconds; `make mutation` runs this file first)."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from toggl_contract.apimap import ApiMap, Operation
from toggl_contract.exchange import Exchange
from toggl_contract.rules import RuleViolation, Semantics

from tests.support import ACME, AUDIT, GLOBEX, INITECH, PREMIUM, RELAUNCH, ROOT, SEED, api_client

API = ApiMap.load(ROOT / "openapi.yaml")
CLIENTS = f"/workspaces/{PREMIUM}/clients"
PROJECTS = f"/workspaces/{PREMIUM}/projects"
RETAINER = SEED.projects["retainer"].id  # Acme's other project
Drift = Callable[[Exchange], Exchange]


def answering(body: Any = None, status: int | None = None) -> Drift:
    """A drift: the answer replaced (its JSON body, its status or both)."""

    def drift(exchange: Exchange) -> Exchange:
        raw = exchange.body if body is None else json.dumps(body).encode()
        return replace(exchange, body=raw, status=exchange.status if status is None else status)

    return drift


def changing(change: Callable[[Any], Any]) -> Drift:
    """A drift: the answer's JSON as `change` returns it (given a copy)."""

    def drift(exchange: Exchange) -> Exchange:
        return replace(exchange, body=json.dumps(change(json.loads(exchange.body))).encode())

    return drift


@dataclass
class Verdict:
    reached: set[str]  # the rules checked
    failed: dict[str, list[str]]  # rule id -> the messages of its failed checks
    raised: str | None  # the violation's message

    @property
    def broken(self) -> set[str]:
        return set(self.failed)


@dataclass
class Server:
    """The in-process emulator, judged by the rules, which read it again through `send`."""

    http: Any = field(default_factory=api_client)
    reads: list[Drift] = field(default_factory=list)  # drifts of the follow-up reads, in order
    sent: list[str] = field(default_factory=list)  # the follow-ups, as "METHOD path"
    bodies: list[Any] = field(default_factory=list)  # the follow-ups' JSON bodies

    def __post_init__(self) -> None:
        self.semantics = Semantics(API, PREMIUM, self)

    def send(
        self,
        operation: Operation,
        params: dict[str, object],
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
    ) -> Exchange:
        path = operation.template.format(**params)
        self.sent.append(f"{operation.method} {path}")
        self.bodies.append(json)
        exchange = self.exchange(operation.method, path, query=query, json=json)
        return self.reads.pop(0)(exchange) if self.reads else exchange

    def exchange(self, method: str, path: str, **request: Any) -> Exchange:
        response = self.http.request(method, path, params=request.get("query"),
                                     json=request.get("json"))  # fmt: skip
        return Exchange.of(response, "/api/v9")

    def judge(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        json: Any = None,
        drift: Drift | None = None,
        follow_up: bool = True,
    ) -> Verdict:
        """Send a request, judge its answer (changed by `drift`): what the rules made of it."""
        exchange = self.exchange(method, path, query=query, json=json)
        return self.verdict(drift(exchange) if drift else exchange, follow_up=follow_up)

    def verdict(self, exchange: Exchange, *, follow_up: bool = True) -> Verdict:
        """Judge an exchange (one the server was never sent, say): what the rules made of it."""
        coverage = self.semantics.coverage
        checked, failed = (
            Counter(coverage.checked),
            {k: list(v) for k, v in coverage.failed.items()},
        )
        raised = None
        try:
            self.semantics.check(exchange, follow_up=follow_up)
        except RuleViolation as violation:
            raised = str(violation)
        return Verdict(
            {rule for (rule, _), n in coverage.checked.items() if n > checked[(rule, _)]},
            {rule: messages[len(failed.get((rule, r), [])):]
             for (rule, r), messages in coverage.failed.items()
             if len(messages) > len(failed.get((rule, r), []))},
            raised,
        )  # fmt: skip

    def create(self, resource: str = "clients", **fields: Any) -> dict[str, Any]:
        """A resource created and known to the rules (judged: it must pass)."""
        path = CLIENTS if resource == "clients" else PROJECTS
        verdict = self.judge("POST", path, json=fields, follow_up=False)
        assert verdict.raised is None and not verdict.failed, verdict
        created: dict[str, Any] = self.http.get(f"{path}/{self.last_id(path)}").json()
        return created

    def last_id(self, path: str) -> int:
        items: list[dict[str, Any]] = self.http.get(path, params={"status": "both"}).json()
        return max(int(item["id"]) for item in items)


def refused(path: str, sent: Any, text: str, method: str = "POST", status: int = 400) -> Exchange:
    """A write refused with `text`, as a server answered it (never sent to the emulator)."""
    return Exchange(method, path, request_body=json.dumps(sent).encode(), status=status,
                    body=json.dumps(text).encode())  # fmt: skip


def without(item: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in item.items() if key not in keys}


def passes(verdict: Verdict) -> Verdict:
    assert verdict.raised is None and not verdict.failed, verdict
    return verdict


@pytest.fixture
def server() -> Server:
    return Server()


# --- a create --------------------------------------------------------------------------------


def test_a_create_is_read_back_and_its_name_tried_again_in_another_case(server: Server) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "  Zeta  ", "notes": "n"}))
    assert verdict.reached == {
        "create-stores", "name-trimmed", "name-unique", "name-taken-text", "archive-flips",
    }  # fmt: skip
    created = server.last_id(CLIENTS)
    assert server.sent == [f"GET {CLIENTS}/{created}", f"POST {CLIENTS}"]
    assert server.semantics.known[created].fields == {"name": "Zeta", "notes": "n"}


def test_a_create_that_drops_a_field_it_was_sent_breaks_create_stores(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta", "notes": "kept"},
                           drift=changing(lambda c: {**c, "notes": "other"}))  # fmt: skip
    assert verdict.raised == "create sent notes='kept', answered 'other'"
    assert verdict.broken == {"create-stores"}


def test_a_read_after_a_create_that_differs_breaks_create_stores(server: Server) -> None:
    server.reads = [changing(lambda c: {**c, "notes": None})]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta", "notes": "kept"})
    created = server.last_id(CLIENTS)
    assert verdict.raised == (
        f"after create, client {created} shows notes=None, the last write left 'kept'"
    )
    assert verdict.broken == {"create-stores"}


def test_a_read_after_a_create_that_fails_breaks_create_stores(server: Server) -> None:
    server.reads = [answering("gone", status=404)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert (
        verdict.raised == f"client {server.last_id(CLIENTS)} reads as GET "
        f"{CLIENTS}/{server.last_id(CLIENTS)} -> 404 b'\"gone\"'"
    )
    assert verdict.broken == {"create-stores"}


def test_a_read_after_a_create_showing_a_field_it_never_had_is_drift(server: Server) -> None:
    server.reads = [changing(lambda c: {**c, "external_reference": "x"})]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.raised == (
        f"after create, client {server.last_id(CLIENTS)} shows external_reference='x', the last "
        "write left it empty"
    )


def test_an_empty_field_sent_may_be_left_out_of_the_answer(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta", "notes": ""}, follow_up=False))
    verdict = server.judge("POST", CLIENTS, json={"name": "Eta", "notes": ""}, follow_up=False,
                           drift=changing(lambda c: {**c, "notes": "x"}))  # fmt: skip
    assert verdict.raised == "create sent notes='', answered 'x'"


def test_a_field_the_spec_says_is_ignored_is_not_judged(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta", "wid": PREMIUM + 1},
                        follow_up=False))  # fmt: skip


def test_a_second_create_in_another_case_that_is_accepted_breaks_name_unique(
    server: Server,
) -> None:
    server.reads = [lambda read: read, answering({"id": 1, "name": "zETA"}, status=200)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.raised == (
        "a second create named 'zETA' (the first: 'Zeta') answered 200 b'{\"id\": 1, \"name\": "
        '"zETA"}\''
    )
    assert verdict.broken == {"name-unique"}


def test_a_second_create_refused_with_another_text_breaks_name_taken_text(server: Server) -> None:
    server.reads = [lambda read: read, answering("Taken!")]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.raised is None  # an assumption: noted
    assert verdict.failed == {"name-taken-text": ["a taken name was refused with b'\"Taken!\"'"]}
    assert server.semantics.soft == [
        "name-taken-text [infer]: a taken name was refused with b'\"Taken!\"'"
    ]


def test_a_name_without_a_letter_has_no_other_case_to_try(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "2026"}))
    assert server.sent == [f"GET {CLIENTS}/{server.last_id(CLIENTS)}"]


class Marked(Server):
    """A reader that marks what the run creates, as the gateway does."""

    marker = "run-x"

    def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
        return {**body, "notes": "proof"}


def test_the_proof_in_a_name_is_kept_as_is_when_its_case_is_swapped() -> None:
    server = Marked()
    passes(server.judge("POST", CLIENTS, json={"name": "run-x Zeta run-x b"}))
    assert server.sent[-1] == f"POST {CLIENTS}"
    assert server.bodies[-1] == {"name": "run-x zETA run-x B", "notes": "proof"}


def test_a_second_create_whose_proof_would_change_its_name_is_not_sent() -> None:
    class RenamingProof(Marked):
        def carrying_proof(self, operation: Operation, body: dict[str, Any]) -> dict[str, Any]:
            return {**body, "name": body["name"] + " run-x"}

    server = RenamingProof()
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}))
    assert len(server.sent) == 1


def test_a_second_create_of_a_project_keeps_its_client(server: Server) -> None:
    verdict = passes(server.judge("POST", PROJECTS, json={"name": "Plan", "client_id": ACME}))
    assert {
        "name-unique",
        "name-taken-text",
        "legacy-twins",
        "status-follows-active",
    } <= verdict.reached
    assert server.semantics.known[server.last_id(PROJECTS)].fields["client_id"] == ACME


def test_a_create_answered_archived_breaks_archive_flips(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"}, follow_up=False,
                           drift=changing(lambda c: {**c, "archived": True}))  # fmt: skip
    assert verdict.raised == "a new client answered archived"
    assert verdict.broken == {"archive-flips"}


def test_a_project_created_without_active_must_answer_archived(server: Server) -> None:
    verdict = passes(server.judge("POST", PROJECTS, json={"name": "Plan"}, follow_up=False))
    assert "active-default" in verdict.reached
    verdict = server.judge("POST", PROJECTS, json={"name": "Plan 2"}, follow_up=False,
                           drift=changing(lambda p: {**p, "active": True, "status": "active"}))  # fmt: skip
    assert verdict.raised == "a project created without `active` answered active=True"
    assert verdict.broken == {"active-default"}
    assert (
        "active-default"
        not in passes(
            server.judge("POST", PROJECTS, json={"name": "Plan 3", "active": True}, follow_up=False)
        ).reached
    )


@pytest.mark.parametrize("answer", [{"name": "x"}, {"id": "7", "name": "x"}, ["x"]])
def test_a_create_answered_without_an_item_is_not_judged(server: Server, answer: Any) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}, drift=answering(answer)))
    assert verdict.reached == set() and server.sent == []


def test_a_refused_create_is_not_learnt(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}, drift=answering(status=500)))
    assert server.semantics.known == {} and server.sent == []


# --- names a write may not store ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "rule", "text"),
    [
        ("", "name-empty", "Client name cannot be empty"),
        ("   ", "name-blank", "Client name cannot be empty"),
        ("x" * 256, "name-length", "Client name maximum length is 255"),
    ],
)
def test_a_name_refused_by_its_rules_passes_with_the_documented_text(
    server: Server, name: str, rule: str, text: str
) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": name}))
    assert verdict.reached == {rule}
    verdict = server.judge("POST", CLIENTS, json={"name": name}, drift=answering("No."))
    assert verdict.failed == {
        rule: [
            f"{'a name of 256 characters' if rule == 'name-length' else f'the name {name!r}'} was refused with 'No.'"
        ]
    }


@pytest.mark.parametrize(
    ("name", "rule", "message"),
    [
        ("", "name-empty", "create with the name '' was accepted"),
        ("   ", "name-blank", "create with the name '   ' was accepted"),
        ("x" * 256, "name-length", "create with a name of 256 characters was accepted"),
    ],
)
def test_a_name_its_rules_refuse_that_is_accepted_is_drift(
    server: Server, name: str, rule: str, message: str
) -> None:
    accepted = {
        "id": 99,
        "wid": PREMIUM,
        "name": name.strip(),
        "archived": False,
        "at": "2026-01-01T00:00:00Z",
    }
    verdict = server.judge("POST", CLIENTS, json={"name": name}, follow_up=False,
                           drift=answering(accepted, status=200))  # fmt: skip
    assert verdict.failed[rule] == [message]
    assert (verdict.raised == message) is not RULES_SOFT[rule]


def test_a_name_of_the_longest_length_is_accepted(server: Server) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "x" * 255}, follow_up=False))
    assert "name-length" in verdict.reached
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "y" * 254}, follow_up=False))
    assert "name-length" not in verdict.reached


def test_a_short_name_refused_as_too_long_is_drift(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"},
                           drift=answering("Client name maximum length is 255", status=400))  # fmt: skip
    assert verdict.failed == {"name-length": ["a name of 4 characters was refused as too long"]}


def test_a_name_in_other_letters_is_stored_as_sent(server: Server) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "Ærø Čeština"}, follow_up=False))
    assert "name-unicode" in verdict.reached
    verdict = server.judge("POST", CLIENTS, json={"name": "Ærø 2"}, follow_up=False,
                           drift=changing(lambda c: {**c, "name": "Aro 2"}))  # fmt: skip
    assert verdict.raised == "create sent name='Ærø 2', answered 'Aro 2'"
    assert verdict.failed["name-unicode"] == ["create sent name='Ærø 2', answered 'Aro 2'"]


def test_a_taken_name_accepted_is_drift_and_an_archived_holder_says_so(server: Server) -> None:
    held = server.create(name="Zeta")["id"]
    taken = {
        "id": 99,
        "wid": PREMIUM,
        "name": "ZETA",
        "archived": False,
        "at": "2026-01-01T00:00:00Z",
    }
    verdict = server.judge("POST", CLIENTS, json={"name": "ZETA"}, follow_up=False,
                           drift=answering(taken, status=200))  # fmt: skip
    assert verdict.raised == f"create with the name 'ZETA' was accepted; client {held} has it"
    assert verdict.broken == {"name-unique"}
    server.semantics.known[held].archived = True
    verdict = server.judge("POST", CLIENTS, json={"name": "zeta"}, follow_up=False,
                           drift=answering({**taken, "id": 98, "name": "zeta"}, status=200))  # fmt: skip
    assert (
        verdict.raised
        == f"create with the name 'zeta' was accepted; client {held} (archived) has it"
    )
    assert verdict.broken == {"archived-holds-name"}


def test_a_project_name_may_repeat_under_another_client(server: Server) -> None:
    server.create("projects", name="Plan", client_id=ACME, active=True)
    verdict = passes(
        server.judge("POST", PROJECTS, json={"name": "plan", "client_id": GLOBEX, "active": True})
    )
    assert "name-scoped" in verdict.reached and "name-unique" in verdict.reached


def test_a_taken_name_refused_when_nothing_else_has_it_is_drift(server: Server) -> None:
    verdict = server.verdict(refused(CLIENTS, {"name": "Zeta"}, "Name has already been taken"))
    assert (
        verdict.raised
        == "the name 'Zeta' was refused as taken, but nothing else of its scope has it"
    )
    assert verdict.broken == {"name-unique"}


def test_a_taken_name_refused_for_a_name_of_another_scope_breaks_name_scoped(
    server: Server,
) -> None:
    other = server.create("projects", name="Plan", client_id=ACME, active=True)["id"]
    verdict = server.verdict(
        refused(PROJECTS, {"name": "PLAN", "client_id": GLOBEX}, "Name has already been taken")
    )
    assert verdict.raised == (
        f"the name 'PLAN' was refused as taken, but nothing else of its scope has it (only project "
        f"{other}, of another scope)"
    )
    assert verdict.broken == {"name-scoped"}


def test_a_name_taken_by_an_archived_project_is_refused(server: Server) -> None:
    audit = server.http.get(f"{PROJECTS}/{AUDIT}").json()
    verdict = passes(server.judge("POST", PROJECTS, json={"name": audit["name"].upper(),
                                                          "client_id": INITECH}))  # fmt: skip
    assert {"name-unique", "archived-holds-name"} <= verdict.reached


def test_a_taken_name_refused_without_follow_up_is_not_judged_further(server: Server) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}, follow_up=False,
                                  drift=answering("Name has already been taken", status=400)))  # fmt: skip
    assert verdict.reached == set() and server.sent == []


def test_a_body_refused_as_a_whole_judges_no_name(server: Server) -> None:
    verdict = passes(server.judge("POST", CLIENTS, json={"name": "", "wid": "x"}))
    assert verdict.reached == set()


RULES_SOFT = {"name-empty": False, "name-blank": True, "name-length": True}


# --- values of another resource or of a documented format ---------------------------------------


def test_a_project_naming_a_deleted_client_is_refused_with_the_listed_text(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{client}", follow_up=False))
    verdict = passes(server.judge("POST", PROJECTS, json={"name": "Plan", "client_id": client}))
    assert verdict.reached == {"client-present"}
    text = f"Client with the ID {client} isn't present in workspace {PREMIUM}"
    verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "client_id": client}, "No client"))
    assert (
        verdict.raised
        == f"a project naming deleted client {client} was refused with b'\"No client\"'"
    )
    assert verdict.broken == {"client-present"}
    # the listed text, of another client: not one that names what was wrong
    other = text.replace(str(client), str(client + 1))
    verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "client_id": client}, other))
    assert verdict.broken == {"client-present"}


def test_a_client_the_run_does_not_know_deleted_is_not_judged(server: Server) -> None:
    for client_id in (ACME, 123, "7"):
        verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "client_id": client_id}, "No"))
        assert verdict.raised is None and "client-present" not in verdict.reached


def test_an_ignored_reference_is_not_judged(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{client}", follow_up=False))
    verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "cid": client}, "No"))
    assert "client-present" not in verdict.reached


def test_a_colour_not_of_the_documented_form_is_refused_naming_it(server: Server) -> None:
    verdict = passes(server.judge("POST", PROJECTS, json={"name": "Plan", "color": "red"}))
    assert verdict.reached == {"color-format"}
    verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "color": "red"}, "Bad colour"))
    assert verdict.raised == "the colour 'red' was refused with b'\"Bad colour\"'"
    verdict = server.verdict(
        refused(PROJECTS, {"name": "Plan", "color": "red"}, "Error in validating color 'blue'")
    )
    assert verdict.broken == {"color-format"}
    for colour in ("#0b83d9", 5):  # of the form, or not a string: refused for something else
        verdict = server.verdict(refused(PROJECTS, {"name": "Plan", "color": colour}, "No"))
        assert "color-format" not in verdict.reached
    verdict = server.verdict(refused(CLIENTS, {"name": "Zeta", "color": "red"}, "No"))
    assert "color-format" not in verdict.reached  # clients have no colour


def test_a_colour_refused_in_an_update_is_judged_too(server: Server) -> None:
    verdict = passes(server.judge("PUT", f"{PROJECTS}/{RELAUNCH}", json={"color": "#12345"}))
    assert "color-format" in verdict.reached


# --- a read of one ------------------------------------------------------------------------------


def test_a_read_of_a_known_resource_shows_what_the_last_write_left(server: Server) -> None:
    created = server.create(name="Zeta", notes="n")["id"]
    verdict = passes(server.judge("GET", f"{CLIENTS}/{created}"))
    assert verdict.reached == {"delete-404", "read-shows-last-write"}
    verdict = server.judge(
        "GET", f"{CLIENTS}/{created}", drift=changing(lambda c: {**c, "name": "ZETA"})
    )
    assert (
        verdict.raised == f"GET of client {created} shows name='ZETA', the last write left 'Zeta'"
    )
    verdict = server.judge(
        "GET", f"{CLIENTS}/{created}", drift=changing(lambda c: {**c, "archived": True})
    )
    assert (
        verdict.raised
        == f"GET of client {created} shows it archived, the last write left it active"
    )
    assert verdict.broken == {"read-shows-last-write"}


def test_a_read_of_an_unknown_resource_or_a_failed_read_is_not_judged(server: Server) -> None:
    assert passes(server.judge("GET", f"{CLIENTS}/{ACME}")).reached == set()
    created = server.create(name="Zeta")["id"]
    for drift in (answering(status=500), answering(["x"]), answering(status=403)):
        assert passes(server.judge("GET", f"{CLIENTS}/{created}", drift=drift)).reached == set()
    assert passes(server.judge("GET", f"{CLIENTS}/abc")).reached == set()


def test_a_known_resource_never_deleted_that_answers_404_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = server.judge("GET", f"{CLIENTS}/{created}", drift=answering(status=404))
    assert verdict.raised == (
        f"client {created}, never deleted, answers GET {CLIENTS}/{created} -> 404"
    )
    assert verdict.broken == {"delete-404"}
    assert (
        passes(server.judge("GET", f"{CLIENTS}/{ACME}", drift=answering(status=404))).reached
        == set()
    )


def test_a_deleted_resource_answers_404_and_one_that_answers_200_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{created}"))
    assert passes(server.judge("GET", f"{CLIENTS}/{created}")).reached == {"delete-404"}
    alive = {"id": created, "name": "Zeta", "archived": False, "wid": PREMIUM}
    verdict = server.judge("GET", f"{CLIENTS}/{created}", drift=answering(alive, status=200))
    assert verdict.raised == f"deleted client {created} still answers 200"


def test_an_archived_resource_is_read_like_any_other(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/{created}/archive"))
    verdict = passes(server.judge("GET", f"{CLIENTS}/{created}"))
    assert verdict.reached == {"archived-readable", "delete-404", "read-shows-last-write"}
    verdict = server.judge("GET", f"{CLIENTS}/{created}", drift=answering(status=404))
    assert verdict.raised is None  # an assumption
    assert verdict.failed == {
        "archived-readable": [f"archived client {created} answers GET {CLIENTS}/{created} -> 404"]
    }


# --- an update ------------------------------------------------------------------------------------


def test_an_update_stores_what_it_sends_and_keeps_the_rest(server: Server) -> None:
    created = server.create(name="Zeta", notes="n")["id"]
    verdict = passes(server.judge("PUT", f"{CLIENTS}/{created}", json={"name": " Eta "}))
    assert verdict.reached == {"update-stores", "name-trimmed", "name-unique", "update-partial",
                               "at-moves"}  # fmt: skip
    assert server.sent == [f"GET {CLIENTS}/{created}"]
    assert server.semantics.known[created].fields == {"name": "Eta", "notes": "n"}


def test_an_update_that_drops_what_it_sent_breaks_update_stores(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"notes": "new"}, follow_up=False,
                           drift=changing(lambda c: {k: v for k, v in c.items() if k != "notes"}))  # fmt: skip
    assert verdict.raised == "update sent notes='new'; `notes` is missing from the answer"
    assert verdict.broken == {"update-stores"}
    server.reads = [changing(lambda c: {**c, "notes": "old"})]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"notes": "newer"})
    assert (
        verdict.raised
        == f"after update, client {created} shows notes='old', the last write left 'newer'"
    )
    assert verdict.broken == {"update-stores"}


def test_an_update_that_changes_what_it_did_not_send_breaks_update_partial(server: Server) -> None:
    created = server.create(name="Zeta", notes="n")["id"]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"name": "Eta"}, follow_up=False,
                           drift=changing(lambda c: {k: v for k, v in c.items() if k != "notes"}))  # fmt: skip
    assert verdict.raised is None  # an assumption
    assert verdict.failed == {
        "update-partial": ["an update that did not send `notes` changed it: 'n' -> missing"]
    }


def test_an_update_of_the_archived_field_must_answer_it(server: Server) -> None:
    project = server.create("projects", name="Plan", active=True)["id"]
    verdict = passes(server.judge("PUT", f"{PROJECTS}/{project}", json={"active": False}))
    assert "archive-flips" in verdict.reached
    verdict = server.judge("PUT", f"{PROJECTS}/{project}", json={"active": True}, follow_up=False,
                           drift=changing(lambda p: {**p, "active": False, "status": "archived"}))  # fmt: skip
    # what it sent is stored first: the field is judged as any other
    assert verdict.raised == "update sent active=True, answered False"


def test_an_update_moves_at_forward(server: Server) -> None:
    # ACME's `at` is the seed's, long ago: an update must move it on.
    server.semantics.learn("clients", server.http.get(f"{CLIENTS}/{ACME}").json())
    before = server.semantics.known[ACME].at
    verdict = server.judge("PUT", f"{CLIENTS}/{ACME}", json={"notes": "x"}, follow_up=False,
                           drift=changing(lambda c: {**c, "at": before}))  # fmt: skip
    assert verdict.raised == (f"an update did not move `at` ({before}) although seconds had passed")
    assert verdict.broken == {"at-moves"}
    verdict = server.judge("PUT", f"{CLIENTS}/{ACME}", json={"notes": "y"}, follow_up=False,
                           drift=changing(lambda c: {**c, "at": "2000-01-01T00:00:00+00:00"}))  # fmt: skip
    assert verdict.raised == f"an update moved `at` back: {before} -> 2000-01-01T00:00:00+00:00"


def test_an_update_within_a_second_may_keep_at(server: Server) -> None:
    created = server.create(name="Zeta")
    passes(server.judge("PUT", f"{CLIENTS}/{created['id']}", json={"notes": "x"}, follow_up=False,
                        drift=changing(lambda c: {**c, "at": created["at"]})))  # fmt: skip
    passes(server.judge("PUT", f"{CLIENTS}/{created['id']}", json={"notes": "y"}, follow_up=False,
                        drift=changing(lambda c: {k: v for k, v in c.items() if k != "at"})))  # fmt: skip


def test_an_update_of_an_unknown_resource_judges_only_the_answer(server: Server) -> None:
    verdict = passes(server.judge("PUT", f"{CLIENTS}/{GLOBEX}", json={"notes": "x"}))
    assert verdict.reached == {"update-stores"}
    assert server.semantics.known[GLOBEX].fields["notes"] == "x"  # known from now on
    assert server.sent == [f"GET {CLIENTS}/{GLOBEX}"]
    assert passes(server.judge("PUT", f"{CLIENTS}/abc", json={"notes": "x"})).reached == set()
    assert passes(server.judge("PUT", f"{CLIENTS}/{GLOBEX}", json={"notes": "x"},
                               drift=answering(["x"]))).reached == set()  # fmt: skip


def test_a_refused_update_changes_nothing(server: Server) -> None:
    created = server.create(name="Zeta", notes="n")["id"]
    verdict = passes(server.judge("PUT", f"{CLIENTS}/{created}", json={"name": ""}))
    assert verdict.reached == {"name-empty", "refused-changes-nothing"}
    server.reads = [changing(lambda c: {**c, "name": ""})]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"name": ""})
    assert verdict.raised == (
        f"after a refused update (400), client {created} shows name='', the last write left 'Zeta'"
    )
    assert verdict.broken == {"refused-changes-nothing"}
    assert passes(server.judge("PUT", f"{CLIENTS}/{created}", json={"name": ""},
                               follow_up=False)).reached == {"name-empty"}  # fmt: skip


def test_a_refused_update_to_a_taken_name_excludes_the_resource_itself(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    eta = server.create(name="Eta")["id"]
    verdict = passes(server.judge("PUT", f"{CLIENTS}/{eta}", json={"name": "ZETA"}))
    assert {"name-unique", "refused-changes-nothing"} <= verdict.reached
    verdict = server.verdict(refused(f"{CLIENTS}/{zeta}", {"name": "zeta"},
                                     "Name has already been taken", method="PUT"))  # fmt: skip
    assert (
        verdict.raised
        == "the name 'zeta' was refused as taken, but nothing else of its scope has it"
    )


def test_a_refused_project_update_is_scoped_by_its_known_client(server: Server) -> None:
    mine = server.create("projects", name="Plan", client_id=ACME, active=True)["id"]
    other = server.create("projects", name="Work", client_id=GLOBEX, active=True)["id"]
    verdict = server.verdict(refused(f"{PROJECTS}/{other}", {"name": "plan"},
                                     "Name has already been taken", method="PUT"))  # fmt: skip
    assert verdict.broken == {"name-scoped"}
    verdict = passes(
        server.judge("PUT", f"{PROJECTS}/{other}", json={"name": "plan", "client_id": ACME})
    )
    assert "name-unique" in verdict.reached
    assert mine != other


def test_an_update_that_answers_404_for_a_live_resource_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"notes": "x"},
                           drift=answering(status=404))  # fmt: skip
    assert (
        verdict.raised == f"client {created}, never deleted, answers PUT {CLIENTS}/{created} -> 404"
    )
    passes(server.judge("DELETE", f"{CLIENTS}/{created}", follow_up=False))
    assert passes(server.judge("PUT", f"{CLIENTS}/{created}", json={"notes": "x"})).reached == {
        "delete-404"
    }


def test_an_update_of_a_deleted_resource_refused_otherwise_reads_nothing(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{created}", follow_up=False))
    server.sent.clear()
    passes(
        server.judge(
            "PUT", f"{CLIENTS}/{created}", json={"notes": "x"}, drift=answering(status=403)
        )
    )
    assert server.sent == []


# --- a delete -----------------------------------------------------------------------------------


def test_a_delete_is_read_back_as_404(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = passes(server.judge("DELETE", f"{CLIENTS}/{created}"))
    assert verdict.reached == {"delete-404"} and server.sent == [f"GET {CLIENTS}/{created}"]
    assert server.semantics.known[created].deleted is not None
    verdict = passes(server.judge("DELETE", f"{CLIENTS}/{created}"))
    assert verdict.reached == {"delete-again-404"}


def test_a_delete_whose_read_still_finds_it_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    server.reads = [answering({"id": created}, status=200)]
    verdict = server.judge("DELETE", f"{CLIENTS}/{created}")
    assert verdict.raised == f"deleted client {created} reads as GET {CLIENTS}/{created} -> 200"


def test_a_second_delete_that_answers_200_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{created}", follow_up=False))
    verdict = server.judge("DELETE", f"{CLIENTS}/{created}", drift=answering(status=200))
    assert verdict.raised == f"a second delete of client {created} answered 200, not 404"
    assert verdict.broken == {"delete-again-404"}
    assert (
        passes(server.judge("DELETE", f"{CLIENTS}/{created}", drift=answering(status=400))).reached
        == set()
    )


def test_a_first_delete_that_answers_404_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = server.judge("DELETE", f"{CLIENTS}/{created}", drift=answering(status=404))
    assert (
        verdict.raised
        == f"client {created}, never deleted, answers DELETE {CLIENTS}/{created} -> 404"
    )
    assert server.sent == []


def test_a_refused_delete_changes_nothing(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    server.http.delete(f"{CLIENTS}/{created}")  # behind the rules' back: the read finds nothing
    verdict = server.judge("DELETE", f"{CLIENTS}/{created}", drift=answering(status=403))
    assert (
        verdict.raised
        == f"client {created} reads as GET {CLIENTS}/{created} -> 404 b'\"Client not found\"'"
        or verdict.broken == {"refused-changes-nothing"}
    )
    assert verdict.broken == {"refused-changes-nothing"}
    assert server.semantics.known[created].deleted is None
    server.sent.clear()
    passes(
        server.judge("DELETE", f"{CLIENTS}/{created}", drift=answering(status=403), follow_up=False)
    )
    assert server.sent == []


def test_a_delete_of_an_unknown_resource_is_not_judged(server: Server) -> None:
    assert passes(server.judge("DELETE", f"{CLIENTS}/{GLOBEX}")).reached == set()
    assert GLOBEX not in server.semantics.known and server.sent == []


# --- archive and restore, and what they do to a client's projects --------------------------------


def client_with_projects(
    server: Server, active: int = 2, archived: int = 0
) -> tuple[int, list[int]]:
    client = server.create(name="Zeta")["id"]
    projects = [
        server.create("projects", name=f"Plan {n}", client_id=client, active=n < active)["id"]
        for n in range(active + archived)
    ]
    return client, projects


def test_archiving_a_client_archives_its_active_projects_and_answers_them(server: Server) -> None:
    client, projects = client_with_projects(server, active=2, archived=1)
    verdict = passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    assert verdict.reached == {"archive-cascades", "archive-flips"}
    assert server.sent == [f"GET {CLIENTS}/{client}"]
    known = server.semantics.known
    assert [known[p].archived for p in projects] == [True, True, True]
    assert [known[p].because.get("archived") for p in projects] == ["archive-cascades"] * 2 + [None]
    # a read of a project now must show it archived, or the cascade is what broke
    verdict = server.judge("GET", f"{PROJECTS}/{projects[0]}",
                           drift=changing(lambda p: {**p, "active": True, "status": "active"}))  # fmt: skip
    assert verdict.raised == (
        f"GET of project {projects[0]} shows it active, the last write left it archived"
    )
    assert verdict.broken == {"archive-cascades"}


def test_an_archive_that_leaves_out_an_active_project_breaks_archive_cascades(
    server: Server,
) -> None:
    client, projects = client_with_projects(server, active=2)
    verdict = server.judge("POST", f"{CLIENTS}/{client}/archive", drift=answering(projects[:1]))
    assert verdict.raised == (
        f"archiving client {client} answered [{projects[0]}], not its active [{projects[1]}]"
    )
    assert verdict.broken == {"archive-cascades"}


def test_an_archive_that_names_someone_else_s_project_breaks_archive_cascades(
    server: Server,
) -> None:
    client, projects = client_with_projects(server, active=1)
    stranger = server.create("projects", name="Other", client_id=GLOBEX, active=True)["id"]
    verdict = server.judge("POST", f"{CLIENTS}/{client}/archive",
                           drift=answering([*projects, stranger, True, 12345]))  # fmt: skip
    assert verdict.raised == (f"archiving client {client} answered [{stranger}], which are not its")


def test_an_archive_that_leaves_the_client_active_breaks_archive_flips(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    server.reads = [changing(lambda c: {**c, "archived": False})]
    verdict = server.judge("POST", f"{CLIENTS}/{client}/archive")
    assert verdict.raised == f"client {client} reads archived=False after archive"
    assert verdict.broken == {"archive-flips"}
    server.reads = [answering(status=500)]
    verdict = server.judge("POST", f"{CLIENTS}/{client}/restore", json={})
    read = server.http.get(f"{CLIENTS}/{client}").content
    assert (
        verdict.raised
        == f"client {client} reads as GET {CLIENTS}/{client} -> 500 {read!r} after restore"
    )
    assert verdict.broken == {"archive-flips"}


def test_an_archived_client_that_reads_as_404_is_a_noted_assumption(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    server.reads = [answering(status=404)]
    verdict = server.judge("POST", f"{CLIENTS}/{client}/archive")
    assert verdict.raised is None
    assert verdict.failed == {
        "archived-readable": [f"archived client {client} reads as GET {CLIENTS}/{client} -> 404"]
    }


def test_a_restore_answers_active_and_restores_the_projects_it_names(server: Server) -> None:
    client, projects = client_with_projects(server, active=3)
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    verdict = passes(server.judge("POST", f"{CLIENTS}/{client}/restore",
                                  json={"projects": [projects[1]]}))  # fmt: skip
    assert verdict.reached == {"archive-flips"}
    known = server.semantics.known
    assert [known[p].archived for p in projects] == [True, False, True]
    assert known[projects[1]].because["archived"] == "restore-cascades"
    verdict = passes(server.judge("GET", f"{PROJECTS}/{projects[1]}"))
    assert "restore-cascades" in verdict.reached
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    passes(server.judge("POST", f"{CLIENTS}/{client}/restore", json={"restore_all_projects": True}))
    assert [known[p].archived for p in projects] == [False, False, False]


def test_a_restore_answered_archived_breaks_archive_flips(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    verdict = server.judge("POST", f"{CLIENTS}/{client}/restore", json={}, follow_up=False,
                           drift=changing(lambda c: {**c, "archived": True}))  # fmt: skip
    assert verdict.raised == "restore answered archived=True"


def test_a_restore_of_an_active_client_restores_no_project(server: Server) -> None:
    client, projects = client_with_projects(server, active=1, archived=1)
    passes(server.judge("POST", f"{CLIENTS}/{client}/restore", json={"restore_all_projects": True}))
    assert server.semantics.known[projects[1]].archived is True


def test_a_refused_archive_changes_nothing(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    server.http.post(f"{CLIENTS}/{client}/archive")  # behind the rules' back
    verdict = server.judge("POST", f"{CLIENTS}/{client}/archive", drift=answering(status=500))
    assert verdict.raised == (
        f"after a refused archive (500), client {client} shows it archived, the last write left it active"
    )
    assert verdict.broken == {"refused-changes-nothing"}
    for status in (402, 404):
        server.sent.clear()
        passes(server.judge("POST", f"{CLIENTS}/{client}/archive", drift=answering(status=status)))
        assert server.sent == []


def test_an_archive_of_what_the_run_does_not_know_is_not_judged(server: Server) -> None:
    assert passes(server.judge("POST", f"{CLIENTS}/{GLOBEX}/archive")).reached == set()
    client = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{client}", follow_up=False))
    assert passes(server.judge("POST", f"{CLIENTS}/{client}/archive",
                               drift=answering([], status=200))).reached == set()  # fmt: skip


def test_deleting_a_client_leaves_its_projects_without_one(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    passes(server.judge("DELETE", f"{CLIENTS}/{client}"))
    known = server.semantics.known[projects[0]]
    assert "client_id" not in known.fields and known.because["client_id"] == "delete-detaches"
    verdict = passes(server.judge("GET", f"{PROJECTS}/{projects[0]}"))
    assert "delete-detaches" in verdict.reached
    verdict = server.judge("GET", f"{PROJECTS}/{projects[0]}",
                           drift=changing(lambda p: {**p, "client_id": client, "cid": client}))  # fmt: skip
    assert (
        verdict.raised
        == f"GET of project {projects[0]} shows client_id={client}; it should have none now"
    )
    assert verdict.broken == {"delete-detaches"}


# --- reads by ids, bulk archive and delete ------------------------------------------------------


def test_a_read_by_ids_answers_exactly_the_live_ones_asked_for(server: Server) -> None:
    zeta, eta, gone = (server.create(name=name)["id"] for name in ("Zeta", "Eta", "Gone"))
    passes(server.judge("DELETE", f"{CLIENTS}/{gone}", follow_up=False))
    verdict = passes(server.judge("POST", f"{CLIENTS}/data", json=[zeta, eta, gone]))
    assert verdict.reached == {"by-ids-exact", "delete-404", "read-shows-last-write"}
    verdict = server.judge("POST", f"{CLIENTS}/data", json=[zeta, eta],
                           drift=changing(lambda items: items[:1]))  # fmt: skip
    assert verdict.raised == f"by-ids left out existing clients [{eta}]"
    verdict = server.judge("POST", f"{CLIENTS}/data", json=[zeta],
                           drift=changing(lambda items: [*items, {"id": ACME}]))  # fmt: skip
    assert verdict.raised == f"by-ids answered [{ACME}], which were not asked for"
    verdict = server.judge("POST", f"{CLIENTS}/data", json=[gone],
                           drift=answering([{"id": gone, "name": "Gone"}]))  # fmt: skip
    assert verdict.raised == f"by-ids answered deleted clients [{gone}]"
    verdict = server.judge("POST", f"{CLIENTS}/data", json=[zeta],
                           drift=changing(lambda items: [{**items[0], "name": "Other"}]))  # fmt: skip
    assert verdict.raised == f"by-ids item {zeta} shows name='Other', the last write left 'Zeta'"


def test_a_read_by_ids_sent_as_an_object_is_judged_alike(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    exchange = Exchange("POST", f"{CLIENTS}/data", request_body=json.dumps({"ids": [zeta]}).encode(),
                        status=200, body=b"[]")  # fmt: skip
    assert server.verdict(exchange).raised == f"by-ids left out existing clients [{zeta}]"
    for sent in (b'{"ids": 5}', b'"x"'):
        passes(server.verdict(replace(exchange, request_body=sent)))
    passes(server.verdict(replace(exchange, status=500, body=b"[1]")))


def test_a_bulk_archive_archives_what_it_names_and_nothing_else(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    other = server.create(name="Eta")["id"]
    passes(server.judge("GET", CLIENTS))  # what the run last saw of others' clients
    verdict = passes(server.judge("POST", f"{CLIENTS}/archive", json=[client]))
    assert verdict.reached == {"archive-cascades", "bulk-exact"}
    assert server.sent[-1] == f"GET {CLIENTS}"
    known = server.semantics.known
    assert known[client].archived and known[projects[0]].archived and not known[other].archived


def test_a_bulk_archive_that_leaves_a_project_out_breaks_archive_cascades(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[client], follow_up=False,
                           drift=answering([{"client_ids": [client], "project_ids": []}]))  # fmt: skip
    assert verdict.raised == f"bulk archive of [{client}] answered [], not project {projects[0]}"


def test_a_bulk_archive_that_changes_another_client_breaks_bulk_exact(server: Server) -> None:
    zeta, eta = server.create(name="Zeta")["id"], server.create(name="Eta")["id"]
    server.reads = [changing(lambda items: [{**i, "archived": True} for i in items])]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[zeta])
    assert verdict.raised == f"bulk archive of [{zeta}] also changed client {eta} (archived=True)"
    assert verdict.broken == {"bulk-exact"}


def test_a_bulk_archive_that_changes_someone_else_s_client_breaks_bulk_exact(
    server: Server,
) -> None:
    zeta = server.create(name="Zeta")["id"]
    passes(server.judge("GET", CLIENTS, query={"status": "both"}))
    server.reads = [changing(lambda items: [i for i in items if i["id"] != GLOBEX])]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[zeta])
    assert verdict.raised == (
        f"bulk archive of [{zeta}] also changed another client, {GLOBEX} (archived False before, "
        "gone after)"
    )


def test_a_bulk_archive_that_leaves_one_active_or_out_breaks_bulk_exact(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    server.reads = [changing(lambda items: [{**i, "archived": False} for i in items])]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[zeta])
    assert verdict.raised == f"bulk archive of [{zeta}] left client {zeta} active"
    eta = server.create(name="Eta")["id"]
    server.reads = [changing(lambda items: [i for i in items if i["id"] != eta])]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[eta])
    assert verdict.raised == f"bulk archive of [{eta}] left client {eta} out of the list"


def test_a_bulk_delete_removes_what_it_names_and_nothing_else(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    other = server.create(name="Eta")["id"]
    verdict = passes(server.judge("POST", f"{CLIENTS}/delete", json=[client]))
    assert verdict.reached == {"bulk-exact"}
    known = server.semantics.known
    assert known[client].deleted is not None and known[other].deleted is None
    assert known[projects[0]].because == {"client_id": "delete-detaches"}
    server.reads = [changing(lambda items: [i for i in items if i["id"] != other])]
    third = server.create(name="Third")["id"]
    verdict = server.judge("POST", f"{CLIENTS}/delete", json=[third])
    assert verdict.raised == f"bulk delete of [{third}] also removed client {other}"


def test_a_bulk_delete_that_keeps_one_breaks_bulk_exact(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    verdict = server.judge("POST", f"{CLIENTS}/delete", json=[zeta], drift=answering(status=200))
    passes(verdict)
    server.http.post(f"{CLIENTS}", json={"name": "Zeta"})
    kept = server.last_id(CLIENTS)
    server.semantics.learn("clients", server.http.get(f"{CLIENTS}/{kept}").json())
    exchange = Exchange("POST", f"{CLIENTS}/delete", request_body=json.dumps([kept]).encode(),
                        status=200, body=b'"OK"')  # fmt: skip
    assert (
        server.verdict(exchange).raised == f"bulk delete of [{kept}] left client {kept} in the list"
    )


def test_a_refused_bulk_write_is_not_judged(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/archive", json=[zeta], drift=answering(status=500)))
    passes(server.judge("POST", f"{CLIENTS}/archive", json={"ids": [zeta]}))
    assert server.sent == [] and not server.semantics.known[zeta].archived
    passes(server.judge("POST", f"{CLIENTS}/archive", json=[zeta], follow_up=False))
    assert server.semantics.known[zeta].archived and server.sent == []


# --- lists and their filters --------------------------------------------------------------------


def test_a_list_selects_what_its_filters_say_and_shows_what_the_run_knows(server: Server) -> None:
    zeta = server.create(name="Zeta", notes="n")["id"]
    for query in ({}, {"status": "both"}, {"status": "archived"}, {"name": "ZET"}):
        verdict = passes(server.judge("GET", CLIENTS, query=query))
        assert verdict.reached == {
            "filter",
            "total-count",
            "delete-404",
            "read-shows-last-write",
        } - (
            {"delete-404", "read-shows-last-write"} if query.get("status") == "archived" else set()
        ), query
    verdict = server.judge(
        "GET", CLIENTS, drift=changing(lambda items: [{**i, "notes": "x"} for i in items])
    )
    assert verdict.raised == f"list item {zeta} shows notes='x', the last write left 'n'"


def test_a_list_item_its_filter_does_not_select_breaks_filter(server: Server) -> None:
    verdict = server.judge("GET", CLIENTS, query={"status": "archived"}, follow_up=False,
                           drift=changing(lambda items: [*items, {"id": 1, "archived": False}]))  # fmt: skip
    assert verdict.raised == (
        f"GET {CLIENTS}?status=archived -> 200 listed client 1 (archived=False, which status does "
        "not select)"
    )
    verdict = server.judge("GET", CLIENTS, query={"name": "acme"}, follow_up=False,
                           drift=answering([{"id": 1, "archived": False}]))  # fmt: skip
    assert verdict.raised == (
        f"GET {CLIENTS}?name=acme -> 200 listed client 1 (name=missing, which name does not select)"
    )


def test_a_list_that_leaves_out_a_match_breaks_filter(server: Server) -> None:
    verdict = server.judge("GET", CLIENTS, query={"name": "o"},
                           drift=changing(lambda items: [without(items[0], "total_count")]))  # fmt: skip
    assert verdict.raised == (
        f"GET {CLIENTS}?name=o -> 200 listed [{ACME}]; the unfiltered list says [{ACME}, {GLOBEX}]"
    )
    assert verdict.broken == {"filter"}


def test_a_page_that_lists_what_does_not_match_breaks_filter(server: Server) -> None:
    verdict = passes(server.judge("GET", PROJECTS, query={"client_ids": str(ACME)}))
    assert "filter" in verdict.reached
    server.reads = [changing(lambda items: [{**i, "client_id": None, "cid": None} for i in items])]
    verdict = server.judge("GET", PROJECTS, query={"client_ids": str(ACME)})
    assert verdict.raised == (
        f"GET {PROJECTS}?client_ids={ACME} -> 200 listed [{RELAUNCH}, {RETAINER}] that do not match"
    )


def test_a_list_with_an_undocumented_filter_value_is_not_judged(server: Server) -> None:
    verdict = passes(server.judge("GET", CLIENTS, query={"status": "gone"},
                                  drift=answering([{"id": 1, "archived": True}], status=200)))  # fmt: skip
    assert verdict.reached == set() and server.sent == []


def test_a_list_shows_no_deleted_item(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    listed = server.http.get(CLIENTS).json()
    passes(server.judge("DELETE", f"{CLIENTS}/{zeta}", follow_up=False))
    verdict = server.judge("GET", CLIENTS, follow_up=False, drift=answering(listed))
    assert verdict.raised == f"GET {CLIENTS} -> 200 listed deleted client {zeta}"
    deleted = [{**i, "server_deleted_at": "2026-01-01T00:00:00Z"} for i in listed]
    passes(server.judge("GET", CLIENTS, follow_up=False, drift=answering(deleted)))


def test_total_count_counts_every_match(server: Server) -> None:
    verdict = passes(server.judge("GET", CLIENTS, query={"page": 1, "per_page": 1}))
    assert "total-count" in verdict.reached
    verdict = server.judge("GET", CLIENTS, query={"page": 1, "per_page": 1},
                           drift=changing(lambda items: [{**i, "total_count": 5} for i in items]))  # fmt: skip
    assert verdict.raised == "total_count 5, but 2 clients match"
    verdict = server.judge("GET", CLIENTS, query={"per_page": 5}, follow_up=False,
                           drift=changing(lambda items: [{**items[0], "total_count": 1},
                                                         {**items[1], "total_count": 2}]))  # fmt: skip
    assert verdict.raised == "items of one list disagree on total_count: ['1', '2']"


def test_total_count_of_an_answer_not_paged_is_its_length(server: Server) -> None:
    verdict = server.judge("GET", CLIENTS, follow_up=False,
                           drift=changing(lambda items: [{**i, "total_count": 3} for i in items]))  # fmt: skip
    assert verdict.raised == "total_count 3 on an answer of 2 clients"
    passes(server.judge("GET", CLIENTS, follow_up=False,
                        drift=changing(lambda items: [{**i, "total_count": 2} for i in items])))  # fmt: skip


def test_every_page_of_a_follow_up_list_is_read(server: Server) -> None:
    for n in range(5):
        server.create("projects", name=f"Plan {n}", active=True)
    items = server.semantics._list_all("projects")
    assert len(items) == len(
        server.http.get(PROJECTS, params={"active": "both", "per_page": 200}).json()
    )
    assert server.sent == [f"GET {PROJECTS}"]


def test_a_failed_list_is_not_judged(server: Server) -> None:
    for drift in (answering(status=500), answering({"data": []}, status=200)):
        assert passes(server.judge("GET", CLIENTS, drift=drift)).reached == set()


# --- `since`: what changed, and what was deleted --------------------------------------------------

NOW = int(time.time())


def test_since_answers_what_changed_and_what_was_deleted_since(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    gone = server.create(name="Gone")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{gone}", follow_up=False))
    since = NOW - 5
    server.semantics.known[gone].deleted = since + 1  # on the boundary second: it must be in
    verdict = passes(server.judge("GET", "/me/clients", query={"since": since}))
    assert verdict.reached == {"since-changed", "since-deleted"}
    assert server.sent == ["GET /me/clients"]
    answered = server.http.get("/me/clients", params={"since": since}).json()
    assert {zeta, gone} <= {item["id"] for item in answered}


def test_since_answering_what_changed_before_breaks_since_changed(server: Server) -> None:
    verdict = server.judge("GET", "/me/clients", query={"since": NOW - 5}, follow_up=False,
                           drift=answering([{"id": 1, "at": "2024-01-01T00:00:00+00:00"}]))  # fmt: skip
    assert (
        verdict.raised == f"since={NOW - 5} answered client 1 changed at 2024-01-01T00:00:00+00:00"
    )
    deleted = {
        "id": 1,
        "at": "2024-01-01T00:00:00+00:00",
        "server_deleted_at": "2099-01-01T00:00:00+00:00",
    }
    passes(server.judge("GET", "/me/clients", query={"since": NOW - 5}, follow_up=False,
                        drift=answering([deleted, {"id": 2}])))  # fmt: skip


def test_since_leaving_out_what_changed_breaks_since_changed(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    verdict = server.judge("GET", "/me/clients", query={"since": NOW - 5}, drift=answering([]))
    assert verdict.raised == f"since={NOW - 5} left out clients changed since: [{zeta}]"
    assert verdict.broken == {"since-changed"}


def test_since_leaving_out_a_deletion_breaks_since_deleted(server: Server) -> None:
    gone = server.create(name="Gone")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{gone}", follow_up=False))
    since = NOW - 5
    verdict = server.judge("GET", "/me/clients", query={"since": since}, follow_up=False,
                           drift=changing(lambda items: [i for i in items if i["id"] != gone]))  # fmt: skip
    assert verdict.raised == f"since={since} left out client {gone}, deleted since"
    verdict = server.judge("GET", "/me/clients", query={"since": since}, follow_up=False,
                           drift=changing(lambda items: [without(i, "server_deleted_at") for i in items]))  # fmt: skip
    assert (
        verdict.raised
        == f"since={since} answered deleted client {gone} without `server_deleted_at`"
    )
    assert verdict.broken == {"since-deleted"}


def test_a_deletion_before_since_need_not_be_answered(server: Server) -> None:
    gone = server.create(name="Gone")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{gone}", follow_up=False))
    since = NOW - 5
    server.semantics.known[gone].deleted = since + 0.5  # within the second `since` names
    verdict = passes(server.judge("GET", "/me/clients", query={"since": since}, follow_up=False,
                                  drift=answering([])))  # fmt: skip
    assert "since-deleted" not in verdict.reached
    project = server.create("projects", name="Plan", active=True)["id"]
    passes(server.judge("DELETE", f"{PROJECTS}/{project}", follow_up=False))
    assert (
        "since-deleted"
        not in passes(
            server.judge(
                "GET", "/me/clients", query={"since": since}, follow_up=False, drift=answering([])
            )
        ).reached
    )  # a project's deletion is not the clients' to answer


def test_mine_without_since_keeps_its_documented_filters(server: Server) -> None:
    verdict = passes(server.judge("GET", "/me/projects", query={"include_archived": "false"}))
    assert verdict.reached == {"filter", "legacy-twins", "status-follows-active"}
    assert "filter" not in passes(server.judge("GET", "/me/projects")).reached
    verdict = server.judge("GET", "/me/projects", query={"include_archived": "false"},
                           drift=answering([{"id": 1, "active": False}]))  # fmt: skip
    assert verdict.raised == (
        "GET /me/projects?include_archived=false -> 200 listed project 1 (active=False, which include_archived does not "
        "select)"
    )
    passes(server.judge("GET", "/me/projects", query={"include_archived": "true"},
                        drift=answering([{"id": 1, "active": False}])))  # fmt: skip
    passes(server.judge("GET", "/me/projects", query={"include_archived": "maybe"},
                        drift=answering([{"id": 1, "active": False}])))  # fmt: skip
    assert server.sent == []


@pytest.mark.parametrize("since", ["abc", "-5", "１２", ""])
def test_a_since_that_is_no_number_is_a_list_without_since(server: Server, since: str) -> None:
    verdict = passes(server.judge("GET", "/me/clients", query={"since": since},
                                  drift=answering([{"id": 1, "at": "2000-01-01T00:00:00+00:00"}])))  # fmt: skip
    assert verdict.reached == set()


def test_a_since_answer_with_a_timestamp_that_is_none_is_drift(server: Server) -> None:
    verdict = server.judge("GET", "/me/clients", query={"since": 5}, follow_up=False,
                           drift=answering([{"id": 1, "at": "yesterday"}]))  # fmt: skip
    assert verdict.raised == "'yesterday' is not a timestamp"


def test_a_failed_mine_is_not_judged(server: Server) -> None:
    for drift in (answering(status=500), answering({"data": []}, status=200)):
        assert (
            passes(server.judge("GET", "/me/clients", query={"since": 5}, drift=drift)).reached
            == set()
        )


def test_a_filtered_list_with_since_selects_what_changed_since(server: Server) -> None:
    project = server.create("projects", name="Plan", active=True)["id"]
    verdict = passes(server.judge("GET", PROJECTS, query={"since": NOW - 5}))
    assert "filter" in verdict.reached
    server.reads = [
        changing(
            lambda items: [
                {**i, "at": "2000-01-01T00:00:00+00:00"} if i["id"] == project else i for i in items
            ]
        )
    ]
    verdict = server.judge("GET", PROJECTS, query={"since": NOW - 5})
    assert verdict.raised == (
        f"GET {PROJECTS}?since={NOW - 5} -> 200 listed [{project}] that do not match"
    )


# --- what every request is judged by: who asked, where, the quota, each item's own rules ---------


def test_a_request_without_credentials_answers_401_marked_and_empty(server: Server) -> None:
    asked = Exchange("GET", CLIENTS, status=401, headers={"x-authorization-missing": "true"},
                     auth="none")  # fmt: skip
    assert passes(server.verdict(asked)).reached == {"anonymous-401"}
    for wrong, shown in [
        (replace(asked, status=403), "answered 403, X-Authorization-Missing='true', body b''"),
        (replace(asked, headers={}), "answered 401, X-Authorization-Missing=None, body b''"),
        (replace(asked, body=b"x" * 150), "answered 401, X-Authorization-Missing='true', body "
                                          f"{b'x' * 100!r}"),
    ]:  # fmt: skip
        assert server.verdict(wrong).raised == f"a request without credentials {shown}"


def test_a_request_with_other_credentials_is_not_judged(server: Server) -> None:
    stranger = Exchange("GET", f"{CLIENTS}/{ACME}", status=200, body=b"{}", auth="other")
    assert passes(server.verdict(stranger)).reached == set()


def test_a_known_resource_read_under_another_workspace_is_refused(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    elsewhere = f"/workspaces/{PREMIUM + 1}/clients/{zeta}"
    for status in (403, 404):
        assert passes(server.verdict(Exchange("GET", elsewhere, status=status))).reached == {
            "other-workspace"
        }
    verdict = server.verdict(Exchange("GET", elsewhere, status=200, body=b"{}"))
    assert (
        verdict.raised
        == f"client {zeta} of workspace {PREMIUM}, read under workspace {PREMIUM + 1}, answered 200"
    )
    # not the run's, not a read of one, not a valid workspace id: nothing to judge
    for path in (f"/workspaces/{PREMIUM + 1}/clients/{ACME}", f"/workspaces/{PREMIUM + 1}/clients",
                 f"/workspaces/0/clients/{zeta}", f"/workspaces/x/clients/{zeta}"):  # fmt: skip
        assert (
            passes(server.verdict(Exchange("GET", path, status=200, body=b"{}"))).reached == set()
        )
    passes(server.verdict(Exchange("DELETE", elsewhere, status=200)))


def test_a_path_no_operation_has_is_not_judged(server: Server) -> None:
    for method, path in [("GET", "/nowhere"), ("PATCH", CLIENTS), ("GET", "/me")]:
        assert (
            passes(server.verdict(Exchange(method, path, status=200, body=b"[]"))).reached == set()
        )


def quota(
    remaining: str, resets_in: str = "3600", status: int = 200, path: str = CLIENTS
) -> Exchange:
    headers = {"x-toggl-quota-remaining": remaining, "x-toggl-quota-resets-in": resets_in}
    return Exchange("GET", path, status=status, headers=headers, body=b"[]")


def test_the_quota_counts_down_with_each_request_in_its_scope(server: Server) -> None:
    judged = server.semantics
    passes(server.verdict(quota("10"), follow_up=False))
    assert passes(server.verdict(quota("9"), follow_up=False)).reached >= {"quota-counts-down"}
    verdict = server.verdict(quota("9"), follow_up=False)
    assert verdict.raised == "X-Toggl-Quota-Remaining read 9, then 9 a request later"
    judged.quota.clear()
    passes(server.verdict(quota("5", path="/me/clients"), follow_up=False))  # another scope
    assert "quota-counts-down" not in passes(server.verdict(quota("9"), follow_up=False)).reached
    assert (
        "quota-counts-down"
        in passes(server.verdict(quota("4", path="/me/clients"), follow_up=False)).reached
    )
    assert judged.quota["me"][0] == 4 and judged.quota[str(PREMIUM)][0] == 9


def test_the_quota_is_not_judged_after_its_window_or_on_a_refusal(server: Server) -> None:
    judged = server.semantics
    passes(server.verdict(quota("10", resets_in="0"), follow_up=False))
    assert "quota-counts-down" not in passes(server.verdict(quota("10"), follow_up=False)).reached
    passes(server.verdict(quota("9", resets_in="soon"), follow_up=False))
    assert judged.quota[str(PREMIUM)][2] is None
    assert "quota-counts-down" not in passes(server.verdict(quota("9"), follow_up=False)).reached
    for skipped in (quota("9", status=429), quota("9", status=402), quota("many"),
                    replace(quota("3"), auth="other")):  # fmt: skip
        passes(server.verdict(skipped, follow_up=False))
        assert judged.quota[str(PREMIUM)][0] == 9


def test_legacy_twins_hold_their_field_s_value(server: Server) -> None:
    verdict = passes(server.judge("GET", f"{PROJECTS}/{RELAUNCH}"))
    assert verdict.reached == {"legacy-twins", "status-follows-active"}
    verdict = server.judge("GET", f"{PROJECTS}/{RELAUNCH}",
                           drift=changing(lambda p: {**p, "cid": GLOBEX}))  # fmt: skip
    assert verdict.raised == f"project {RELAUNCH} shows cid={GLOBEX} but client_id={ACME}"
    assert verdict.broken == {"legacy-twins"}
    passes(
        server.judge("GET", f"{PROJECTS}/{RELAUNCH}", drift=changing(lambda p: without(p, "cid")))
    )


def test_a_project_s_status_follows_active(server: Server) -> None:
    verdict = server.judge("GET", f"{PROJECTS}/{RELAUNCH}",
                           drift=changing(lambda p: {**p, "status": "archived"}))  # fmt: skip
    assert verdict.raised == f"project {RELAUNCH} is active but its status is 'archived'"
    verdict = server.judge("GET", f"{PROJECTS}/{AUDIT}",
                           drift=changing(lambda p: {**p, "status": "active"}))  # fmt: skip
    assert verdict.raised == f"project {AUDIT} is archived but its status is 'active'"
    for drift in (changing(lambda p: {**p, "status": "done", "server_deleted_at": "2026-01-01"}),
                  changing(lambda p: {**p, "status": None}),
                  changing(lambda p: without(p, "active"))):  # fmt: skip
        verdict = passes(server.judge("GET", f"{PROJECTS}/{RELAUNCH}", drift=drift))
        assert "status-follows-active" not in verdict.reached


def test_each_item_of_a_list_keeps_its_own_rules(server: Server) -> None:
    verdict = server.judge("GET", PROJECTS, follow_up=False,
                           drift=changing(lambda items: [*items, {"id": 1, "wid": 5, "workspace_id": 6}]))  # fmt: skip
    assert verdict.raised == "project 1 shows wid=5 but workspace_id=6"
    passes(server.judge("GET", PROJECTS, drift=answering(status=500)))

"""A create, an update and a delete: what each stores, the names and values a write may not
store, and the read that follows it. (The harness: `harness.py`.)"""

from __future__ import annotations

from typing import Any

import pytest
from toggl_contract.apimap import Operation
from toggl_contract.rulebook import RULES

from tests.contract.verdicts.harness import (
    CLIENTS,
    PROJECTS,
    Marked,
    Server,
    answering,
    changing,
    passes,
    refused,
)
from tests.support import ACME, AUDIT, GLOBEX, INITECH, PREMIUM, RELAUNCH

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
    assert (verdict.raised == message) is not RULES[rule].soft  # an assumption is noted, not raised


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

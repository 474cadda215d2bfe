"""The edges of each rule: boundaries, types and orders, other scopes, strings built at run time
(as a cassette's JSON gives them), messages cut at 200 bytes. Each is a change to `rules.py` that
`make mutation` found no other test caught. (The harness: `harness.py`.)"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from toggl_contract.exchange import Exchange
from toggl_contract.rules import trimmed

from tests.contract.verdicts.harness import (
    CLIENTS,
    LONG,
    NOW,
    PROJECTS,
    CopyingProof,
    Server,
    ShorteningProof,
    answering,
    changing,
    client_with_projects,
    passes,
    quota,
    refused,
    without,
)
from tests.support import ACME, GLOBEX, INITECH, PREMIUM, RELAUNCH

# --- edges the rules above do not reach --------------------------------------------------------------


def test_learning_needs_an_id_and_a_name(server: Server) -> None:
    server.semantics.learn("clients", {"id": 70})
    server.semantics.learn("clients", {"name": "no id"})
    assert server.semantics.known == {}
    server.semantics.learn("clients", {"id": 70, "name": "x"})
    assert list(server.semantics.known) == [70]


def test_a_request_with_other_credentials_judges_not_even_an_item(server: Server) -> None:
    twins = Exchange("GET", PROJECTS, status=200, auth="other",
                     body=json.dumps([{"id": 1, "wid": 5, "workspace_id": 6}]).encode())  # fmt: skip
    assert passes(server.verdict(twins)).reached == set()


def test_a_name_beginning_in_lower_case_is_tried_again_in_upper_case(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "zeta"}))
    assert server.sent[-1] == f"POST {CLIENTS}" and server.bodies[-1] == {"name": "ZETA"}


def test_a_refusal_text_is_compared_whole(server: Server) -> None:
    verdict = server.verdict(refused(CLIENTS, {"name": ""}, "A"))  # sorts before the right text
    assert verdict.raised == "the name '' was refused with 'A'"


def test_a_name_of_the_longest_length_refused_as_too_long_is_drift(server: Server) -> None:
    verdict = server.verdict(
        refused(CLIENTS, {"name": "x" * 255}, "Client name maximum length is 255")
    )
    assert verdict.failed == {"name-length": ["a name of 255 characters was refused as too long"]}


def test_only_the_same_name_in_any_case_holds_it(server: Server) -> None:
    verdict = server.verdict(refused(CLIENTS, {"name": "Aaa"}, "Name has already been taken"))
    assert (
        verdict.raised
        == "the name 'Aaa' was refused as taken, but nothing else of its scope has it"
    )


def test_an_archived_holder_beside_an_active_one_is_no_archived_hold(server: Server) -> None:
    server.reads = [answering([{"id": 1, "name": "Zeta", "archived": True},
                               {"id": 2, "name": "ZETA", "archived": False}])]  # fmt: skip
    verdict = passes(
        server.verdict(refused(CLIENTS, {"name": "zeta"}, "Name has already been taken"))
    )
    assert verdict.reached == {"name-unique"}
    server.reads = [answering([{"id": 1, "name": "Zeta", "archived": True}])]
    verdict = passes(
        server.verdict(refused(CLIENTS, {"name": "zeta"}, "Name has already been taken"))
    )
    assert verdict.reached == {"name-unique", "archived-holds-name"}


def test_an_update_a_second_after_a_create_moves_at(server: Server) -> None:
    created = server.create(name="Zeta")
    later = datetime.fromisoformat(created["at"]) + timedelta(seconds=1)
    passes(server.judge("PUT", f"{CLIENTS}/{created['id']}", json={"notes": "x"}, follow_up=False,
                        drift=changing(lambda c: {**c, "at": later.isoformat()})))  # fmt: skip


def test_an_update_long_after_the_last_moves_at(server: Server) -> None:
    server.semantics.learn("clients", server.http.get(f"{CLIENTS}/{ACME}").json())
    verdict = passes(server.judge("PUT", f"{CLIENTS}/{ACME}", json={"notes": "x"}, follow_up=False))
    assert "at-moves" in verdict.reached


def test_a_read_answering_another_status_than_404_is_not_judged(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    assert (
        passes(server.judge("GET", f"{CLIENTS}/{created}", drift=answering(status=410))).reached
        == set()
    )


def test_a_delete_refused_with_a_5xx_is_read_back(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    verdict = passes(server.verdict(Exchange("DELETE", f"{CLIENTS}/{created}", status=500)))
    assert verdict.reached == {"refused-changes-nothing"}
    assert server.sent == [f"GET {CLIENTS}/{created}"]


def test_a_bulk_delete_marks_only_known_items_of_its_resource(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    project = server.create("projects", name="Plan", active=True)["id"]
    bulk = Exchange("POST", f"{CLIENTS}/delete", request_body=json.dumps([999, project, zeta]).encode(),
                    status=200, body=b'"OK"')  # fmt: skip
    passes(server.verdict(bulk, follow_up=False))
    known = server.semantics.known
    assert known[zeta].deleted is not None and known[project].deleted is None


def test_a_bulk_archive_of_an_archived_client_expects_no_project(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    server.semantics.known[client].archived = True  # archived, its project restored alone since
    bulk = Exchange("POST", f"{CLIENTS}/archive", request_body=json.dumps([client]).encode(),
                    status=200, body=json.dumps([{"client_ids": [client], "project_ids": []}]).encode())  # fmt: skip
    passes(server.verdict(bulk, follow_up=False))
    assert not server.semantics.known[projects[0]].archived


def test_a_client_name_a_project_has_is_free(server: Server) -> None:
    server.create("projects", name="Zeta", active=True)
    passes(server.judge("POST", CLIENTS, json={"name": "zeta"}, follow_up=False))


def test_a_project_name_under_a_client_of_a_lower_id_is_free(server: Server) -> None:
    server.create("projects", name="Plan", client_id=GLOBEX, active=True)
    verdict = passes(server.judge("POST", PROJECTS, json={"name": "plan", "client_id": ACME, "active": True},
                                  follow_up=False))  # fmt: skip
    assert "name-scoped" in verdict.reached


def test_a_field_sent_as_null_is_not_judged(server: Server) -> None:
    created = Exchange("POST", CLIENTS, request_body=b'{"name": "Zeta", "notes": null}', status=200,
                       body=json.dumps({"id": 70, "name": "Zeta", "archived": False}).encode())  # fmt: skip
    passes(server.verdict(created, follow_up=False))


def test_the_quota_may_not_go_up_within_its_window(server: Server) -> None:
    passes(server.verdict(quota("5"), follow_up=False))
    verdict = server.verdict(quota("9"), follow_up=False)
    assert verdict.raised == "X-Toggl-Quota-Remaining read 5, then 9 a request later"


def test_the_quota_is_judged_only_within_the_window_the_last_reading_gave(server: Server) -> None:
    passes(server.verdict(quota("5", resets_in="1"), follow_up=False))
    verdict = server.verdict(quota("5", resets_in="1"), follow_up=False)
    assert verdict.raised == "X-Toggl-Quota-Remaining read 5, then 5 a request later"


def test_archiving_a_client_expects_only_its_own_projects(server: Server) -> None:
    server.semantics.learn("clients", server.http.get(f"{CLIENTS}/{ACME}").json())
    client_with_projects(server, active=1)  # a project of a client with a higher id than Acme's
    passes(server.judge("POST", f"{CLIENTS}/{ACME}/archive"))


def test_a_project_created_without_active_answering_none_is_drift(server: Server) -> None:
    verdict = server.judge("POST", PROJECTS, json={"name": "Plan"}, follow_up=False,
                           drift=changing(lambda p: without(p, "active", "status")))  # fmt: skip
    assert verdict.raised == "a project created without `active` answered active=None"


def test_a_second_create_is_sent_when_the_proof_keeps_the_name_equal() -> None:
    server: Server = CopyingProof()
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}))
    assert server.sent[-1] == f"POST {CLIENTS}"
    server = ShorteningProof()
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}))
    assert len(server.sent) == 1


def test_a_message_shows_the_first_200_bytes_of_a_body(server: Server) -> None:
    accepted = json.dumps({"id": 1, "name": "zETA", "notes": LONG}).encode()
    server.reads = [lambda read: read, lambda read: replace(read, status=200, body=accepted)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.raised == (
        f"a second create named 'zETA' (the first: 'Zeta') answered 200 {accepted[:200]!r}"
    )
    created = server.last_id(CLIENTS)
    server.reads = [answering(LONG, status=500)]
    refused_update = Exchange(
        "PUT", f"{CLIENTS}/{created}", request_body=b'{"notes": "n"}', status=500
    )
    verdict = server.verdict(refused_update)
    body = json.dumps(LONG).encode()
    assert (
        verdict.raised == f"client {created} reads as GET {CLIENTS}/{created} -> 500 {body[:200]!r}"
    )
    server.reads = [answering(LONG, status=500)]
    verdict = server.judge("POST", f"{CLIENTS}/{created}/archive")
    assert verdict.raised == (
        f"client {created} reads as GET {CLIENTS}/{created} -> 500 {body[:200]!r} after archive"
    )


def test_a_refusal_message_shows_the_first_200_bytes(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{client}", follow_up=False))
    exchange = refused(PROJECTS, {"name": "Plan", "client_id": client}, LONG)
    assert server.verdict(exchange).raised == (
        f"a project naming deleted client {client} was refused with {exchange.body[:200]!r}"
    )
    exchange = refused(PROJECTS, {"name": "Plan", "color": "red"}, LONG)
    assert server.verdict(exchange).raised == (
        f"the colour 'red' was refused with {exchange.body[:200]!r}"
    )


def test_a_deleted_project_is_no_client_to_name(server: Server) -> None:
    project = server.create("projects", name="Plan", active=True)["id"]
    passes(server.judge("DELETE", f"{PROJECTS}/{project}", follow_up=False))
    verdict = passes(server.verdict(refused(PROJECTS, {"name": "P", "client_id": project}, "No")))
    assert "client-present" not in verdict.reached


def test_an_update_that_changes_what_it_did_not_send_to_anything_is_noted(server: Server) -> None:
    created = server.create(name="Zeta", notes="n")["id"]
    verdict = server.judge("PUT", f"{CLIENTS}/{created}", json={"name": "Eta"}, follow_up=False,
                           drift=changing(lambda c: {**c, "notes": "z"}))  # fmt: skip
    assert verdict.failed == {
        "update-partial": ["an update that did not send `notes` changed it: 'n' -> 'z'"]
    }


def test_a_page_size_alone_makes_a_list_paged(server: Server) -> None:
    for query in ({"per_page": 1}, {"page": 1}):
        assert "total-count" in passes(server.judge("GET", CLIENTS, query=query)).reached


def test_a_paged_list_without_total_count_is_fine(server: Server) -> None:
    passes(server.judge("GET", CLIENTS, query={"page": 1, "per_page": 1},
                        drift=changing(lambda items: [without(i, "total_count") for i in items])))  # fmt: skip


def test_the_quota_of_a_replayed_exchange_is_judged_too(server: Server) -> None:
    replayed = "".join(["cred", "entials"])  # as a cassette's JSON gives it: not the literal
    passes(server.verdict(replace(quota("5"), auth=replayed), follow_up=False))
    verdict = server.verdict(replace(quota("5"), auth=replayed), follow_up=False)
    assert verdict.raised == "X-Toggl-Quota-Remaining read 5, then 5 a request later"


def test_a_project_archived_with_its_client_reads_archived(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    passes(server.judge("GET", f"{PROJECTS}/{projects[0]}"))


def test_a_name_answered_otherwise_breaks_both_trimming_and_storing(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"}, follow_up=False,
                           drift=changing(lambda c: {**c, "name": "zeta"}))  # fmt: skip
    assert verdict.broken == {"name-trimmed", "create-stores"}


def test_a_read_after_a_write_must_answer_200(server: Server) -> None:
    server.reads = [answering(status=201)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    created = server.last_id(CLIENTS)
    assert verdict.raised is not None
    assert verdict.raised.startswith(f"client {created} reads as GET {CLIENTS}/{created} -> 201 ")


def test_a_failed_follow_up_list_shows_the_first_200_bytes(server: Server) -> None:
    server.reads = [answering(LONG, status=502)]
    verdict = server.judge("GET", CLIENTS)
    body = json.dumps(LONG).encode()
    assert verdict.raised == (
        f"a follow-up read, GET {CLIENTS}?per_page=200&page=1&status=both -> 502, answered "
        f"{body[:200]!r}"
    )


def test_refusal_texts_that_sort_before_the_documented_ones_are_still_wrong(server: Server) -> None:
    server.reads = [lambda read: read, answering("Already taken")]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.failed == {
        "name-taken-text": ["a taken name was refused with b'\"Already taken\"'"]
    }
    verdict = server.verdict(refused(CLIENTS, {"name": "x" * 256}, "A"))
    assert verdict.failed == {"name-length": ["a name of 256 characters was refused with 'A'"]}


def test_an_update_that_stores_a_colour_is_no_refusal_to_judge(server: Server) -> None:
    updated = Exchange("PUT", f"{PROJECTS}/{RELAUNCH}", request_body=b'{"color": "red"}', status=200,
                       body=json.dumps({"id": RELAUNCH, "color": "red"}).encode())  # fmt: skip
    assert "color-format" not in passes(server.verdict(updated, follow_up=False)).reached


def test_a_project_s_status_other_than_archived_is_an_active_one_s(server: Server) -> None:
    passes(
        server.judge(
            "GET", f"{PROJECTS}/{RELAUNCH}", drift=changing(lambda p: {**p, "status": "upcoming"})
        )
    )


def test_a_create_refused_otherwise_than_with_400_judges_no_name(server: Server) -> None:
    for status in (409, 500):
        passes(server.verdict(refused(CLIENTS, {"name": ""}, "down", status=status)))


def test_a_second_create_refused_otherwise_than_with_400_breaks_name_unique(server: Server) -> None:
    server.reads = [lambda read: read, answering("conflict", status=409)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    assert verdict.broken == {"name-unique"}


def test_a_deleted_client_is_no_project_to_answer_since(server: Server) -> None:
    gone = server.create(name="Gone")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{gone}", follow_up=False))
    passes(server.judge("GET", "/me/projects", query={"since": NOW - 5}, follow_up=False))


def test_a_request_without_credentials_refused_with_400_is_drift(server: Server) -> None:
    asked = Exchange(
        "GET", CLIENTS, status=400, headers={"x-authorization-missing": "true"}, auth="none"
    )
    assert server.verdict(asked).broken == {"anonymous-401"}


def test_a_project_name_a_client_has_is_free(server: Server) -> None:
    server.create(name="Zeta")
    passes(server.judge("POST", PROJECTS, json={"name": "zeta", "active": True}, follow_up=False))


def test_an_error_answer_s_items_are_not_judged(server: Server) -> None:
    failed = Exchange(
        "GET",
        PROJECTS,
        status=500,
        body=json.dumps([{"id": 1, "wid": 5, "workspace_id": 6}]).encode(),
    )
    passes(server.verdict(failed))


def test_a_name_taken_only_under_a_client_of_a_higher_id_is_not_taken(server: Server) -> None:
    other = server.create("projects", name="Plan", client_id=GLOBEX, active=True)["id"]
    verdict = server.verdict(
        refused(PROJECTS, {"name": "PLAN", "client_id": ACME}, "Name has already been taken")
    )
    assert verdict.broken == {"name-scoped"} and str(other) in str(verdict.raised)


def test_an_update_refused_otherwise_than_with_400_judges_no_name(server: Server) -> None:
    exchange = refused(f"{CLIENTS}/{ACME}", {"name": ""}, "down", method="PUT", status=500)
    assert passes(server.verdict(exchange)).reached == set()


def test_a_second_delete_answered_otherwise_than_404_is_drift(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("DELETE", f"{CLIENTS}/{created}", follow_up=False))
    for status in (410, 500):
        verdict = server.verdict(Exchange("DELETE", f"{CLIENTS}/{created}", status=status))
        assert verdict.raised == f"a second delete of client {created} answered {status}, not 404"


def test_a_follow_up_list_must_answer_200(server: Server) -> None:
    server.reads = [answering(status=201)]
    verdict = server.judge("GET", CLIENTS)
    assert verdict.raised is not None
    assert verdict.raised.startswith(
        f"a follow-up read, GET {CLIENTS}?per_page=200&page=1&status=both -> 201"
    )


def test_an_exchange_read_back_from_a_cassette_is_judged_alike(server: Server) -> None:
    """Its strings are built at run time (JSON), not the literals of the code that compares them."""
    none, true = "".join(["no", "ne"]), "".join(["tr", "ue"])
    asked = Exchange(
        "GET", CLIENTS, status=401, headers={"x-authorization-missing": true}, auth=none
    )
    assert passes(server.verdict(asked)).reached == {"anonymous-401"}
    assert server.verdict(replace(asked, status=200)).broken == {"anonymous-401"}


def test_a_taken_project_name_accepted_under_the_same_client_is_drift(server: Server) -> None:
    held = server.create("projects", name="Plan", client_id=ACME, active=True)["id"]
    taken = {"id": 99, "workspace_id": PREMIUM, "client_id": ACME, "name": "PLAN", "active": True}
    verdict = server.judge("POST", PROJECTS, json={"name": "PLAN", "client_id": ACME, "active": True},
                           follow_up=False, drift=answering(taken, status=200))  # fmt: skip
    assert verdict.raised == f"create with the name 'PLAN' was accepted; project {held} has it"


def test_only_a_read_of_one_under_another_workspace_is_judged(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    for method, path in [("PUT", f"{zeta}"), ("POST", f"{zeta}/restore")]:
        exchange = Exchange(
            method, f"/workspaces/{PREMIUM + 1}/clients/{path}", status=200, body=b"{}"
        )
        assert passes(server.verdict(exchange, follow_up=False)).reached == set()


def test_a_judged_exchange_read_back_from_a_cassette_is_judged(server: Server) -> None:
    credentials = "".join(["cred", "entials"])  # built at run time, as JSON gives it
    twins = Exchange("GET", PROJECTS, status=200, auth=credentials,
                     body=json.dumps([{"id": 1, "wid": 5, "workspace_id": 6}]).encode())  # fmt: skip
    assert server.verdict(twins).broken == {"legacy-twins"}


def test_an_update_may_keep_its_own_name(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.judge("PUT", f"{CLIENTS}/{created}", json={"name": "Zeta"}))


def test_workspace_1_is_a_valid_other_workspace(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    read = Exchange("GET", f"/workspaces/1/clients/{zeta}", status=200, body=b"{}")
    assert server.verdict(read).broken == {"other-workspace"}


def test_a_restore_answered_without_archived_is_drift(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    verdict = server.judge("POST", f"{CLIENTS}/{client}/restore", json={}, follow_up=False,
                           drift=changing(lambda c: without(c, "archived")))  # fmt: skip
    assert verdict.raised == "restore answered archived=None"


def test_only_true_restores_all_projects(server: Server) -> None:
    client, projects = client_with_projects(server, active=1)
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    answer = server.http.get(f"{CLIENTS}/{client}").content.replace(
        b'"archived":true', b'"archived":false'
    )
    restore = Exchange("POST", f"{CLIENTS}/{client}/restore", request_body=b'{"restore_all_projects": 1}',
                       status=200, body=answer)  # fmt: skip
    passes(server.verdict(restore, follow_up=False))
    assert server.semantics.known[projects[0]].archived


def test_a_list_since_includes_what_changed_at_since_itself(server: Server) -> None:
    project = server.create("projects", name="Plan", active=True)
    at = int(datetime.fromisoformat(project["at"]).timestamp())
    verdict = passes(server.judge("GET", PROJECTS, query={"since": at}))
    assert "filter" in verdict.reached


def test_since_answering_exactly_what_changed_passes(server: Server) -> None:
    server.create(name="Zeta")
    assert (
        "since-changed"
        in passes(server.judge("GET", "/me/clients", query={"since": NOW - 5})).reached
    )


def test_a_name_sent_with_a_trailing_blank_is_stored_trimmed(server: Server) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta "}))


def test_a_bulk_archive_that_restores_someone_else_s_client_breaks_bulk_exact(
    server: Server,
) -> None:
    zeta = server.create(name="Zeta")["id"]
    passes(server.judge("GET", CLIENTS, query={"status": "both"}))  # Initech archived
    server.reads = [
        changing(
            lambda items: [{**i, "archived": False} if i["id"] == INITECH else i for i in items]
        )
    ]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[zeta])
    assert verdict.raised == (
        f"bulk archive of [{zeta}] also changed another client, {INITECH} (archived True before, False after)"
    )


def test_a_bulk_archive_that_restores_a_known_client_breaks_bulk_exact(server: Server) -> None:
    zeta, eta = server.create(name="Zeta")["id"], server.create(name="Eta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/{eta}/archive"))
    server.reads = [
        changing(lambda items: [{**i, "archived": False} if i["id"] == eta else i for i in items])
    ]
    verdict = server.judge("POST", f"{CLIENTS}/archive", json=[zeta])
    assert verdict.raised == f"bulk archive of [{zeta}] also changed client {eta} (archived=False)"


def test_a_restore_whose_read_shows_it_archived_breaks_archive_flips(server: Server) -> None:
    client = server.create(name="Zeta")["id"]
    passes(server.judge("POST", f"{CLIENTS}/{client}/archive"))
    server.reads = [changing(lambda c: {**c, "archived": True})]
    verdict = server.judge("POST", f"{CLIENTS}/{client}/restore", json={})
    assert verdict.raised == f"client {client} reads archived=True after restore"


def test_a_listed_item_without_its_archived_field_is_judged_not_crashed_on(server: Server) -> None:
    verdict = server.judge("GET", CLIENTS, follow_up=False,
                           drift=changing(lambda items: [*items, {"id": 1}]))  # fmt: skip
    assert verdict.broken == {"filter"}


def test_a_deleted_resource_is_not_learnt_back_alive(server: Server) -> None:
    zeta = server.create(name="Zeta", notes="n")
    passes(server.judge("DELETE", f"{CLIENTS}/{zeta['id']}", follow_up=False))
    server.semantics.learn("clients", zeta)
    assert server.semantics.known[zeta["id"]].deleted is not None
    eta = server.create(name="Eta")
    server.semantics.learn("clients", {**eta, "name": "Eta 2"})
    assert server.semantics.known[eta["id"]].fields["name"] == "Eta 2"


def test_a_client_created_without_archived_in_its_answer_is_not_judged_archived(
    server: Server,
) -> None:
    passes(server.judge("POST", CLIENTS, json={"name": "Zeta"}, follow_up=False,
                        drift=changing(lambda c: without(c, "archived"))))  # fmt: skip


def test_a_refused_update_of_an_unknown_project_judges_its_name_alone(server: Server) -> None:
    passes(server.verdict(refused(f"{PROJECTS}/{RELAUNCH}", {"name": "x"}, "No", method="PUT")))


def test_by_ids_items_the_run_does_not_know_are_not_compared(server: Server) -> None:
    assert "by-ids-exact" in passes(server.judge("POST", f"{CLIENTS}/data", json=[ACME])).reached


def test_a_bulk_archive_of_ids_and_other_values_is_judged_on_the_ids(server: Server) -> None:
    zeta = server.create(name="Zeta")["id"]
    server.http.post(f"{CLIENTS}/archive", json=[zeta])
    bulk = Exchange("POST", f"{CLIENTS}/archive", request_body=json.dumps([zeta, "x", True]).encode(),
                    status=200, body=json.dumps([{"client_ids": [zeta], "project_ids": []}]).encode())  # fmt: skip
    assert "bulk-exact" in passes(server.verdict(bulk)).reached


@pytest.mark.parametrize("extra", [{"id": "x", "archived": False}, {"archived": False}])
def test_a_listed_item_without_an_integer_id_is_not_counted(
    server: Server, extra: dict[str, Any]
) -> None:
    passes(server.judge("GET", CLIENTS,
                        drift=changing(lambda items: [*(without(i, "total_count") for i in items), extra])))  # fmt: skip


def test_a_created_item_without_a_name_is_not_tried_again(server: Server) -> None:
    created = Exchange("POST", CLIENTS, request_body=b'{"notes": "x"}', status=200,
                       body=b'{"id": 70, "notes": "x"}')  # fmt: skip
    server.reads = [answering({"id": 70, "notes": "x"}, status=200)]
    passes(server.verdict(created))
    assert server.sent == [f"GET {CLIENTS}/70"]


def test_a_bulk_delete_skips_known_items_of_other_resources_whatever_their_order(
    server: Server,
) -> None:
    zeta = server.create(name="Zeta")["id"]
    server.semantics.learn("projects", {"id": 5, "name": "a project with a low id"})
    bulk = Exchange("POST", f"{CLIENTS}/delete", request_body=json.dumps([5, zeta]).encode(),
                    status=200, body=b'"OK"')  # fmt: skip
    passes(server.verdict(bulk, follow_up=False))
    assert (
        server.semantics.known[zeta].deleted is not None
        and server.semantics.known[5].deleted is None
    )


def test_every_field_sent_is_judged_whatever_comes_before_it(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta", "external_reference": "x"},
                           follow_up=False, drift=changing(lambda c: {**c, "external_reference": "y"}))  # fmt: skip
    assert verdict.raised == "create sent external_reference='x', answered 'y'"


def test_a_path_read_two_ways_is_not_judged(server: Server) -> None:
    for path in (f"{CLIENTS}/%2e%2e/{ACME}", f"{CLIENTS}/./archive"):
        assert passes(server.verdict(Exchange("DELETE", path, status=200))).reached == set()


def test_names_are_trimmed_of_go_s_whitespace_and_nothing_else() -> None:
    assert trimmed("\u2000\u200a a \t\u3000") == "a"
    assert trimmed("\u1fff\u200ba\u200b") == "\u1fff\u200ba\u200b"  # not spaces to Go


def test_every_rule_checked_is_counted_for_its_resource(server: Server) -> None:
    server.create(name="Zeta")
    server.verdict(Exchange("GET", CLIENTS, status=401, headers={"x-authorization-missing": "true"},
                            auth="none"))  # fmt: skip
    server.verdict(quota("5"), follow_up=False)
    server.verdict(quota("4"), follow_up=False)
    resources = {resource for _, resource in server.semantics.coverage.checked}
    assert resources == {"clients"}
    assert ("anonymous-401", "clients") in server.semantics.coverage.checked
    assert ("quota-counts-down", "clients") in server.semantics.coverage.checked


def test_more_messages_show_the_first_200_bytes_of_a_body(server: Server) -> None:
    server.reads = [lambda read: read, answering(LONG)]
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta"})
    body = json.dumps(LONG).encode()
    assert verdict.failed == {"name-taken-text": [f"a taken name was refused with {body[:200]!r}"]}


def test_a_name_taken_elsewhere_names_the_first_item_that_has_it(server: Server) -> None:
    first = server.create("projects", name="Plan", client_id=GLOBEX, active=True)["id"]
    server.create("projects", name="PLAN", client_id=INITECH, active=True)
    verdict = server.verdict(
        refused(PROJECTS, {"name": "plan", "client_id": ACME}, "Name has already been taken")
    )
    assert str(verdict.raised).endswith(f"(only project {first}, of another scope)")


def test_a_taken_name_accepted_names_the_first_known_holder(server: Server) -> None:
    for resource_id in (70, 71):
        server.semantics.learn("clients", {"id": resource_id, "name": "Zeta"})
    accepted = {"id": 99, "name": "zeta", "archived": False}
    verdict = server.verdict(Exchange("POST", CLIENTS, request_body=b'{"name": "zeta"}', status=200,
                                      body=json.dumps(accepted).encode()), follow_up=False)  # fmt: skip
    assert verdict.raised == "create with the name 'zeta' was accepted; client 70 has it"


def test_an_update_two_seconds_after_the_last_must_move_at(server: Server) -> None:
    created = server.create(name="Zeta")
    known = server.semantics.known[created["id"]]
    known.at = datetime.fromtimestamp(time.time() - 2, tz=UTC).isoformat()
    verdict = server.judge("PUT", f"{CLIENTS}/{created['id']}", json={"notes": "x"}, follow_up=False,
                           drift=changing(lambda c: {**c, "at": known.at}))  # fmt: skip
    assert verdict.broken == {"at-moves"}


def test_a_delete_refused_with_405_is_read_back(server: Server) -> None:
    created = server.create(name="Zeta")["id"]
    passes(server.verdict(Exchange("DELETE", f"{CLIENTS}/{created}", status=405)))
    assert server.sent == [f"GET {CLIENTS}/{created}"]


def test_an_update_within_a_second_and_a_half_may_keep_at(server: Server) -> None:
    created = server.create(name="Zeta")
    known = server.semantics.known[created["id"]]
    known.at = datetime.fromtimestamp(time.time() - 1, tz=UTC).isoformat()
    passes(server.judge("PUT", f"{CLIENTS}/{created['id']}", json={"notes": "x"}, follow_up=False,
                        drift=changing(lambda c: {**c, "at": known.at})))  # fmt: skip


def test_a_field_after_an_empty_one_is_judged_too(server: Server) -> None:
    verdict = server.judge("POST", CLIENTS, json={"name": "Zeta", "notes": "", "external_reference": "x"},
                           follow_up=False, drift=changing(lambda c: {**c, "external_reference": "y"}))  # fmt: skip
    assert verdict.raised == "create sent external_reference='x', answered 'y'"

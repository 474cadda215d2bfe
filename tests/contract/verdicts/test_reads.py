"""Reads: of one, of a list and its filters, and `since`. (The harness: `harness.py`.)"""

from __future__ import annotations

import pytest

from tests.contract.verdicts.harness import (
    CLIENTS,
    NOW,
    PROJECTS,
    RETAINER,
    Server,
    answering,
    changing,
    passes,
    without,
)
from tests.support import ACME, GLOBEX, PREMIUM, RELAUNCH

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

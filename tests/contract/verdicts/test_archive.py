"""Archive and restore, and what they do to a client's projects; reads by ids; bulk archive and
delete. (The harness: `harness.py`.)"""

from __future__ import annotations

import json
from dataclasses import replace

from toggl_contract.exchange import Exchange

from tests.contract.verdicts.harness import (
    CLIENTS,
    PROJECTS,
    Server,
    answering,
    changing,
    client_with_projects,
    passes,
)
from tests.support import ACME, GLOBEX

# --- archive and restore, and what they do to a client's projects --------------------------------


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

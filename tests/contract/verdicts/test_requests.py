"""What every request is judged by, whatever it is: who asked, under which workspace, the quota,
and each item's own rules. (The harness: `harness.py`.)"""

from __future__ import annotations

from dataclasses import replace

from toggl_contract.exchange import Exchange

from tests.contract.verdicts.harness import (
    CLIENTS,
    PROJECTS,
    Server,
    answering,
    changing,
    passes,
    quota,
    without,
)
from tests.support import ACME, AUDIT, GLOBEX, PREMIUM, RELAUNCH

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

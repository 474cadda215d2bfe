"""The emulator's projects do what Toggl's do: every key as recorded, names per client, `active`
left out, the free plan's limits, roles, the client relationship, since, paging."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support import (
    ACME,
    AUDIT,
    FREE,
    GARDEN,
    GLOBEX,
    MEMBER,
    ONBOARDING,
    OUTSIDER,
    PREMIUM,
    RELAUNCH,
    api_client,
)

pytestmark = pytest.mark.emulator

P = f"/workspaces/{PREMIUM}/projects"
RECORDED_KEYS = [
    "id", "workspace_id", "client_id", "name", "is_private", "active", "at", "created_at",
    "server_deleted_at", "color", "billable", "template", "auto_estimates", "estimated_hours",
    "estimated_seconds", "rate", "rate_last_updated", "currency", "recurring", "template_id",
    "recurring_parameters", "fixed_fee", "actual_hours", "actual_seconds", "tasks_count",
    "can_track_time", "start_date", "status", "wid", "cid", "is_shared", "pinned",
]  # fmt: skip
"""The keys of a recorded project, in the order recorded (26 of 26 items alike)."""


def create(api: httpx.Client, path: str = P, **body: Any) -> dict[str, Any]:
    response = api.post(path, json=body)
    assert response.status_code == 200, response.text
    project: dict[str, Any] = response.json()
    return project


def refused(response: httpx.Response) -> tuple[int, Any]:
    return response.status_code, response.json()


def test_a_project_has_every_recorded_key_in_order_empties_as_null(api: httpx.Client) -> None:
    project = api.get(f"{P}/{RELAUNCH}").json()
    assert list(project) == RECORDED_KEYS
    assert project["template"] is None and project["rate"] is None
    assert project["wid"] == project["workspace_id"] == PREMIUM
    assert project["cid"] == project["client_id"] == ACME
    assert (project["actual_seconds"], project["actual_hours"]) == (165170, 45)
    assert project["status"] == "active" and project["start_date"] == "2024-03-17"


def test_a_create_without_active_makes_an_archived_private_project(api: httpx.Client) -> None:
    project = create(api, name="  Rebrand ", client_id=GLOBEX)
    assert project["name"] == "Rebrand"
    assert (project["active"], project["status"]) == (False, "archived")
    assert project["is_private"] is True
    assert project["color"].startswith("#") and project["start_date"] == project["created_at"][:10]


def test_go_escapes_html_characters_in_names(api: httpx.Client) -> None:
    response = api.post(P, json={"name": "R&D <lab>", "active": True})
    assert b'"R\\u0026D \\u003clab\\u003e"' in response.content
    assert response.json()["name"] == "R&D <lab>"


def test_a_name_is_unique_per_client_archived_projects_included(api: httpx.Client) -> None:
    taken = (400, "Name has already been taken")
    assert refused(api.post(P, json={"name": "website RELAUNCH", "client_id": ACME})) == taken
    assert refused(api.post(P, json={"name": "initech audit", "client_id": 61250201})) == taken
    other = create(api, name="Website relaunch", client_id=GLOBEX, active=True)  # another client
    alone = create(api, name="Website relaunch", active=True)  # no client
    assert other["client_id"] == GLOBEX and alone["client_id"] is None
    assert refused(api.put(f"{P}/{alone['id']}", json={"client_id": ACME})) == taken


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": ""}, "Project name cannot be empty"),
        ({"name": " \u3000 "}, "Project name cannot be empty"),
        ({"name": "x" * 256}, "Project name maximum length is 255"),
        ({"name": "x", "client_id": 61250315}, "Client with the ID 61250315 isn't present in workspace 1001"),
        ({"name": "x", "client_name": "Nobody"}, "Client with the name Nobody isn't present in workspace 1001"),
        ({"name": "x", "color": "#ABCDEF"}, "Error in validating color '#ABCDEF'. Project color must be a hex value in the form of #[0-9a-f]{6}."),
        ({"name": "x", "start_date": "2024-02-30"}, "Invalid start_date"),
        ({"name": "x", "estimated_hours": -1}, "Invalid estimated_hours"),
        ({"name": "x", "active": "yes"}, 'Unexpected "active" type string, offset=26'),
        ({"name": "x", "client_id": None, "cid": 0}, "Client with the ID 0 isn't present in workspace 1001"),
    ],
)  # fmt: skip
def test_a_bad_create_is_refused_and_stores_nothing(
    api: httpx.Client, body: dict[str, Any], message: str
) -> None:
    before = api.get(P).json()
    assert refused(api.post(P, json=body)) == (400, message)
    assert api.get(P).json() == before


def test_the_client_is_taken_by_id_by_legacy_id_or_by_name(api: httpx.Client) -> None:
    assert create(api, name="a", cid=GLOBEX)["client_id"] == GLOBEX
    assert create(api, name="b", client_id=ACME, cid=GLOBEX)["client_id"] == ACME  # client_id wins
    assert create(api, name="c", client_name="  globex ")["client_id"] == GLOBEX
    updated = api.put(f"{P}/{RELAUNCH}", json={"client_id": None}).json()
    assert (updated["client_id"], updated["cid"]) == (None, None)


def test_a_free_workspace_refuses_premium_fields_and_colours_outside_its_palette() -> None:
    with api_client() as api:
        free = f"/workspaces/{FREE}/projects"
        premium = (402, "Must be a premium user to use billable")
        assert refused(api.post(free, json={"name": "x", "billable": True})) == premium
        assert refused(api.put(f"{free}/{GARDEN}", json={"rate": 10})) == (
            402, "Must be a premium user to use rate",
        )  # fmt: skip
        assert refused(api.post(free, json={"name": "x", "color": "#123456"})) == (
            402, "Must be a premium user to use custom colors",
        )  # fmt: skip
        made = create(api, free, name="x", billable=False, color="#9e5bd9", rate=None)
        assert (made["billable"], made["color"], made["rate"]) == (False, "#9e5bd9", None)


def test_a_premium_workspace_stores_premium_fields(api: httpx.Client) -> None:
    made = create(api, name="Retainer", active=True, billable=True, rate=95.5, currency="EUR",
                  estimated_hours=12, color="#123abc", recurring=True,
                  recurring_parameters={"period": "monthly", "project_start_date": "2026-01-01"})  # fmt: skip
    assert (made["billable"], made["rate"], made["currency"]) == (True, 95.5, "EUR")
    assert (made["estimated_hours"], made["estimated_seconds"]) == (12, 43200)
    assert made["rate_last_updated"] == made["at"] and made["color"] == "#123abc"
    assert made["recurring_parameters"][0]["project_start_date"] == "2026-01-01"


def test_members_read_but_only_admins_write_where_only_admins_may_create() -> None:
    with api_client(auth=MEMBER) as member:
        free = f"/workspaces/{FREE}/projects"
        assert member.get(free).status_code == 200
        assert member.get(f"{free}/{GARDEN}").status_code == 200
        only_admins = (403, "Only admins may create projects in this workspace")
        assert refused(member.post(free, json={"name": "x"})) == only_admins
        assert refused(member.put(f"{free}/{GARDEN}", json={"name": "y"})) == only_admins
        assert refused(member.delete(f"{free}/{GARDEN}")) == only_admins
        assert create(member, name="Members may", active=True)["workspace_id"] == PREMIUM
    with api_client(auth=OUTSIDER) as outsider:
        assert refused(outsider.get(P)) == (403, "User does not have access to this resource.")


def test_an_update_is_partial_and_active_archives_and_restores(api: httpx.Client) -> None:
    before = api.get(f"{P}/{RELAUNCH}").json()
    archived = api.put(f"{P}/{RELAUNCH}", json={"active": False}).json()
    assert (archived["active"], archived["status"]) == (False, "archived")
    assert {k: v for k, v in archived.items() if k not in ("active", "status", "at")} == {
        k: v for k, v in before.items() if k not in ("active", "status", "at")
    }
    assert api.put(f"{P}/{RELAUNCH}", json={"active": True}).json()["status"] == "active"


def test_dates_decide_an_active_project_s_status(api: httpx.Client) -> None:
    upcoming = create(api, name="Later", active=True, start_date="2999-01-01")
    ended = create(api, name="Done", active=True, start_date="2001-01-01", end_date="2001-12-31")
    assert (upcoming["status"], ended["status"], ended["end_date"]) == (
        "upcoming",
        "ended",
        "2001-12-31",
    )


def test_a_deleted_project_answers_404_and_frees_its_name(api: httpx.Client) -> None:
    response = api.delete(f"{P}/{RELAUNCH}", params={"teDeletionMode": "unassign"})
    assert (response.status_code, response.json()) == (200, RELAUNCH)
    assert refused(api.get(f"{P}/{RELAUNCH}")) == (404, "Resource can not be found")
    assert refused(api.delete(f"{P}/{RELAUNCH}")) == (404, "Resource can not be found")
    assert refused(api.delete(f"{P}/{ONBOARDING}", params={"teDeletionMode": "keep"})) == (
        400, "Invalid teDeletionMode",
    )  # fmt: skip
    assert create(api, name="Website relaunch", client_id=ACME)["client_id"] == ACME


def test_archiving_a_client_archives_its_projects_and_restoring_restores_them(
    api: httpx.Client,
) -> None:
    clients = f"/workspaces/{PREMIUM}/clients"
    assert sorted(api.post(f"{clients}/{ACME}/archive").json()) == sorted([RELAUNCH, 203984799])
    assert api.get(f"{P}/{RELAUNCH}").json()["active"] is False
    api.post(f"{clients}/{ACME}/restore", json={"projects": [RELAUNCH]})
    assert api.get(f"{P}/{RELAUNCH}").json()["active"] is True
    assert api.get(f"{P}/203984799").json()["active"] is False


def test_deleting_a_client_leaves_its_projects_without_one_and_their_at_as_it_was(
    api: httpx.Client,
) -> None:
    before = api.get(f"{P}/{ONBOARDING}").json()
    api.delete(f"/workspaces/{PREMIUM}/clients/{GLOBEX}")
    after = api.get(f"{P}/{ONBOARDING}").json()
    assert (after["client_id"], after["cid"], after["at"]) == (None, None, before["at"])


def test_the_list_filters_sorts_and_pages_with_total_count(api: httpx.Client) -> None:
    every = api.get(P).json()
    assert [p["name"] for p in every] == sorted(p["name"] for p in every)  # by name
    assert {p["active"] for p in every} == {True, False}  # without `active`: both
    assert {p["total_count"] for p in every} == {len(every)}
    assert {p["client_name"] for p in every} >= {"Acme Corporation", "Globex"}
    assert [p["id"] for p in api.get(P, params={"active": "false"}).json()] == [AUDIT]
    mine = api.get(P, params={"client_ids": f"{GLOBEX},{ACME}", "statuses": "active"}).json()
    assert {p["id"] for p in mine} == {RELAUNCH, 203984799, ONBOARDING}
    assert [p["id"] for p in api.get(P, params={"billable": "true"}).json()] == [ONBOARDING]
    assert [p["name"] for p in api.get(P, params={"search": "RELAUNCH"}).json()] == [
        "Website relaunch"
    ]
    page = api.get(
        P, params={"page": 2, "per_page": 1, "sort_field": "created_at", "sort_order": "DESC"}
    ).json()
    assert len(page) == 1 and page[0]["total_count"] == len(every)
    assert api.get(P, params={"page": 99}).json() == []
    assert len(api.get(P, params={"per_page": 500}).json()) == len(every)  # clamped to 200


@pytest.mark.parametrize(
    "query",
    [{"active": "yes"}, {"billable": "1"}, {"client_ids": "1,,2"}, {"statuses": "gone"},
     {"sort_field": "color"}, {"sort_order": "asc"}, {"per_page": "0"}, {"since": "-1"}],
)  # fmt: skip
def test_a_bad_list_parameter_is_a_400_naming_it(api: httpx.Client, query: dict[str, str]) -> None:
    [name] = query
    assert refused(api.get(P, params=query)) == (400, f"Invalid {name}")


def test_since_answers_what_changed_deleted_projects_included(api: httpx.Client) -> None:
    made = create(api, name="Fresh", active=True)
    api.delete(f"{P}/{made['id']}")
    since = api.get(P, params={"since": 1_700_000_000}).json()
    deleted = [p for p in since if p["id"] == made["id"]]
    assert deleted and deleted[0]["server_deleted_at"] is not None
    assert made["id"] not in {p["id"] for p in api.get(P).json()}


def test_my_projects_hide_archived_ones_unless_asked(api: httpx.Client) -> None:
    visible = {p["id"] for p in api.get("/me/projects").json()}
    every = {p["id"] for p in api.get("/me/projects", params={"include_archived": "true"}).json()}
    assert AUDIT not in visible and AUDIT in every and GARDEN in visible  # both workspaces
    assert refused(api.get("/me/projects", params={"include_archived": "maybe"})) == (
        400, "Invalid include_archived",
    )  # fmt: skip

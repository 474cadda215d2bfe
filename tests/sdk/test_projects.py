"""`toggl.projects.*` and `toggl.me.projects(...)`, generated from the spec alone: typed and raw
calls, the page walk, errors and retries, as for clients."""

from __future__ import annotations

import asyncio
import datetime

import pytest
from toggl_track_client import (
    AsyncToggl,
    BadRequestError,
    NameTakenError,
    NotFoundError,
    PermissionDeniedError,
    PremiumRequiredError,
    Toggl,
)
from toggl_track_client.models import Project, ProjectStatus

from tests.support import ACME, AUDIT, FREE, GARDEN, GLOBEX, PREMIUM, RELAUNCH, Script, answer

pytestmark = pytest.mark.emulator


def test_every_project_operation_typed(toggl_client: Toggl) -> None:
    toggl = toggl_client
    made = toggl.projects.create(PREMIUM, name="  Relaunch II ", client_id=GLOBEX, active=True,
                                 color="#2da608", start_date=datetime.date(2026, 1, 5))  # fmt: skip
    assert isinstance(made, Project)
    assert (made.name, made.client_id, made.cid, made.active) == (
        "Relaunch II",
        GLOBEX,
        GLOBEX,
        True,
    )
    assert made.status == "active" and made.start_date == datetime.date(2026, 1, 5)
    assert made.template is None and made.rate is None  # empties are `null`, typed Optional
    assert toggl.projects.get(PREMIUM, made.id).name == "Relaunch II"
    updated = toggl.projects.update(PREMIUM, made.id, active=False)
    assert (updated.client_id, updated.active, updated.status, updated.color) == (
        GLOBEX, False, "archived", "#2da608",
    )  # fmt: skip
    listed = toggl.projects.list(PREMIUM, active=False, name="relaunch ii")
    assert [p.id for p in listed] == [made.id] and listed[0].total_count == 1
    assert toggl.projects.delete(PREMIUM, made.id, te_deletion_mode="unassign") == made.id
    with pytest.raises(NotFoundError):
        toggl.projects.get(PREMIUM, made.id)
    since = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    deleted = [p for p in toggl.me.projects(since=since) if p.id == made.id]
    assert deleted and deleted[0].server_deleted_at is not None


def test_my_projects_leave_archived_ones_out_unless_asked(toggl_client: Toggl) -> None:
    assert AUDIT not in {p.id for p in toggl_client.me.projects()}
    assert AUDIT in {p.id for p in toggl_client.me.projects(include_archived=True)}


def test_list_all_walks_every_page(toggl_client: Toggl) -> None:
    for n in range(7):
        toggl_client.projects.create(PREMIUM, name=f"Paged {n}", active=True)
    one_by_one = list(toggl_client.projects.list_all(PREMIUM, active="both", per_page=2))
    assert len(one_by_one) == len({p.id for p in one_by_one}) == 7 + 4  # the seed's four
    assert [p.name for p in one_by_one] == sorted(p.name for p in one_by_one)


def test_the_raw_response_has_status_headers_and_the_parsed_project(toggl_client: Toggl) -> None:
    raw = toggl_client.projects.with_raw_response.get(PREMIUM, RELAUNCH)
    assert raw.status_code == 200 and raw.headers["content-type"].startswith("application/json")
    assert raw.parsed is not None and raw.parsed.client_id == ACME
    assert b'"server_deleted_at":null' in raw.content


def test_project_errors_are_the_error_tree_s(toggl_client: Toggl) -> None:
    with pytest.raises(NameTakenError):
        toggl_client.projects.create(PREMIUM, name="Website Relaunch", client_id=ACME)
    with pytest.raises(BadRequestError, match="isn't present in workspace"):
        toggl_client.projects.create(PREMIUM, name="x", client_id=1)
    with pytest.raises(PremiumRequiredError, match="billable"):
        toggl_client.projects.create(FREE, name="x", billable=True)
    with pytest.raises(PermissionDeniedError):
        toggl_client.projects.list(1003)


def test_a_project_status_is_a_literal_type() -> None:
    assert set(ProjectStatus.__args__) == {"upcoming", "active", "ended", "archived", "deleted"}  # type: ignore[attr-defined]


def test_async_projects_from_generation_alone(toggl_async_client: AsyncToggl) -> None:
    async def walk() -> None:
        made = await toggl_async_client.projects.create(PREMIUM, name="Async", active=True)
        page = [p async for p in toggl_async_client.projects.list_all(PREMIUM, per_page=1)]
        assert made.id in {p.id for p in page}
        await toggl_async_client.projects.delete(PREMIUM, made.id)
        assert GARDEN in {p.id for p in await toggl_async_client.me.projects()}

    asyncio.run(walk())


def test_a_500_on_a_project_read_is_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda seconds: None)
    project = {"id": 5, "workspace_id": PREMIUM, "client_id": None, "name": "p", "is_private": False,
               "active": True, "at": "2024-03-17T10:58:41+00:00", "created_at": "2024-03-17T10:58:41+00:00",
               "server_deleted_at": None, "color": "#0b83d9", "billable": False, "template": None,
               "auto_estimates": None, "estimated_hours": None, "estimated_seconds": None, "rate": None,
               "rate_last_updated": None, "currency": None, "recurring": False, "template_id": None,
               "recurring_parameters": None, "fixed_fee": None, "actual_hours": None,
               "actual_seconds": None, "tasks_count": None, "can_track_time": False,
               "start_date": "2024-03-17", "status": "active", "wid": PREMIUM, "cid": None, "pinned": False}  # fmt: skip
    script = Script(answer(500, "Internal Server Error"), answer(200, project))
    with Toggl(
        api_token="t", base_url="https://t.test/api/v9", transport=script.transport()
    ) as toggl:
        assert toggl.projects.get(PREMIUM, 5).name == "p"
    assert [r.method for r in script.requests] == ["GET", "GET"]

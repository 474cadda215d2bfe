"""The resource client against the emulator: every operation, sync and async, in-process and
over HTTP, raw responses, the page walk, and quota per scope."""

from __future__ import annotations

import asyncio
import datetime

import httpx
import pytest
from toggl_emulator.pytest_plugin import RunningEmulator
from toggl_track_client import (
    AsyncToggl,
    AuthenticatedClient,
    NameTakenError,
    NotFoundError,
    PremiumRequiredError,
    Toggl,
)
from toggl_track_client.api.clients import create_client
from toggl_track_client.models import ClientCreate

from tests.support import ACME, ADMIN_TOKEN, FREE, GLOBEX, HOBBY, INITECH, PREMIUM, Script, answer

pytestmark = pytest.mark.emulator


def every_operation(toggl: Toggl) -> None:
    """One walk through all eleven operations, asserting what each answers."""
    created = toggl.clients.create(PREMIUM, name="  Walk  ", notes="n", external_reference="ext")
    assert (created.name, created.notes, created.external_reference) == ("Walk", "n", "ext")
    assert toggl.clients.get(PREMIUM, created.id).name == "Walk"
    updated = toggl.clients.update(PREMIUM, created.id, name="Walked")
    assert (updated.name, updated.notes) == ("Walked", "n")  # only the name was sent
    names = [c.name for c in toggl.clients.list(PREMIUM, status="both", name="walk")]
    assert names == ["Walked"]
    acme_projects = toggl.projects.list(PREMIUM, client_ids=str(ACME), active=True)
    assert len(acme_projects) == 2  # the seed's two active projects of Acme
    assert sorted(toggl.clients.archive(PREMIUM, ACME)) == sorted(p.id for p in acme_projects)
    assert toggl.clients.get(PREMIUM, ACME).archived is True
    assert toggl.clients.restore(PREMIUM, INITECH).archived is False
    assert {c.id for c in toggl.clients.get_many(PREMIUM, [created.id, GLOBEX])} == {
        created.id,
        GLOBEX,
    }
    archived = toggl.clients.archive_many(PREMIUM, [created.id])
    assert archived[0].client_ids == [created.id]
    assert created.id in {
        c.id for c in toggl.me.clients(since=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    }
    assert toggl.clients.delete(PREMIUM, created.id) is None
    with pytest.raises(NotFoundError):
        toggl.clients.get(PREMIUM, created.id)
    other = toggl.clients.create(PREMIUM, name="Bulk")
    assert toggl.clients.delete_many(PREMIUM, [other.id]) == "OK"


def test_every_operation_in_process(toggl_client: Toggl) -> None:
    every_operation(toggl_client)


def test_every_operation_over_http(toggl_server: RunningEmulator) -> None:
    with Toggl(api_token=ADMIN_TOKEN, base_url=toggl_server.base_url) as toggl:
        every_operation(toggl)


def test_every_operation_async(toggl_async_client: AsyncToggl) -> None:
    async def walk(toggl: AsyncToggl) -> None:
        created = await toggl.clients.create(PREMIUM, name="Async walk")
        assert (await toggl.clients.get(PREMIUM, created.id)).name == "Async walk"
        assert (await toggl.clients.update(PREMIUM, created.id, notes="x")).notes == "x"
        assert [c.id async for c in toggl.clients.list_all(PREMIUM, per_page=1, name="async")] == [
            created.id
        ]
        assert await toggl.clients.archive(PREMIUM, created.id) == []
        assert (await toggl.clients.restore(PREMIUM, created.id)).archived is False
        assert len(await toggl.clients.get_many(PREMIUM, [created.id])) == 1
        assert (await toggl.clients.archive_many(PREMIUM, [created.id]))[0].client_ids == [
            created.id
        ]
        assert any(c.id == created.id for c in await toggl.me.clients())
        assert await toggl.clients.delete(PREMIUM, created.id) is None
        assert await toggl.clients.delete_many(PREMIUM, [GLOBEX]) == "OK"
        raw = await toggl.clients.with_raw_response.list(PREMIUM)
        assert raw.status_code == 200 and [c.id for c in raw.parsed or []] == [ACME]
        await toggl.aclose()

    asyncio.run(walk(toggl_async_client))


def test_raw_responses_carry_status_headers_and_the_parsed_body(toggl_client: Toggl) -> None:
    raw = toggl_client.clients.with_raw_response.get(PREMIUM, ACME)
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "application/json; charset=utf-8"
    assert raw.parsed is not None and raw.parsed.name == "Acme Corporation"
    with pytest.raises(NotFoundError):
        toggl_client.clients.with_raw_response.get(PREMIUM, 1)


def test_typed_errors_come_from_the_emulator_too(toggl_client: Toggl) -> None:
    with pytest.raises(NameTakenError):
        toggl_client.clients.create(PREMIUM, name="acme corporation")
    with pytest.raises(PremiumRequiredError):
        toggl_client.clients.archive(FREE, HOBBY)


def test_the_low_level_modules_stay_importable_from_the_tag_package(
    toggl_low_level_client: AuthenticatedClient,
) -> None:
    import toggl_track_client.api.clients as clients

    assert clients.create_client is create_client
    created = clients.create_client.sync(
        PREMIUM, client=toggl_low_level_client, body=ClientCreate(name="Low")
    )
    assert created.name == "Low"


@pytest.mark.toggl_emulator(seed={
    "workspaces": [{"id": 7, "premium": True}],
    "users": [{"id": 1, "email": "a@b.c", "password": "p", "api_token": "admin-token", "workspaces": {"7": "admin"}}],
    "clients": [{"id": 100 + n, "wid": 7, "name": f"Client {n:03d}"} for n in range(450)],
})  # fmt: skip
def test_list_all_walks_every_page_of_a_large_workspace(toggl_client: Toggl) -> None:
    every = list(toggl_client.clients.list_all(7, per_page=200))
    assert len(every) == 450 and len({c.id for c in every}) == 450
    assert len(toggl_client.clients.list(7, page=3, per_page=200)) == 50


def test_list_all_stops_when_the_server_ignores_paging() -> None:
    # A server that answers every page with the whole list: the walk reads it once.
    everything = [{"id": n, "wid": 1, "archived": False, "name": f"C{n}", "at": "2024-03-17T10:55:38+00:00",
                   "total_count": 3} for n in range(3)]  # fmt: skip
    script = Script(*[answer(200, everything) for _ in range(5)])
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9", transport=script.transport())
    assert [c.id for c in toggl.clients.list_all(1, per_page=2)] == [0, 1, 2]
    assert len(script.requests) == 1
    assert dict(script.requests[0].url.params) == {"status": "active", "page": "1", "per_page": "2"}


@pytest.mark.toggl_emulator(hourly_quota=30)
def test_the_quota_is_reported_per_scope(toggl_client: Toggl) -> None:
    toggl_client.clients.list(PREMIUM)
    toggl_client.clients.list(PREMIUM)
    toggl_client.me.clients()
    quota = toggl_client.quota
    assert quota.workspace is not None and quota.workspace.remaining == 28
    assert quota.me is not None and quota.me.remaining == 29  # counted apart, never overwriting
    assert quota.for_workspace(PREMIUM) == quota.workspace and quota.for_workspace(FREE) is None


def test_a_client_with_the_default_transport_answers_over_real_http(
    toggl_server: RunningEmulator,
) -> None:
    with httpx.Client(base_url=toggl_server.base_url, auth=(ADMIN_TOKEN, "api_token")) as plain:
        assert plain.get(f"/workspaces/{PREMIUM}/clients/{ACME}").status_code == 200


def test_list_all_stops_at_its_page_limit_against_a_server_that_never_ends() -> None:
    """New ids on every full page and no `total_count`: without a limit it would read for ever."""
    from toggl_track_client import TooManyPagesError
    from toggl_track_client._runtime.resource import MAX_PAGES, iterate_pages

    def endless(page: int, per_page: int) -> list[dict[str, int]]:
        return [{"n": page * per_page + n} for n in range(per_page)]

    read = []
    with pytest.raises(TooManyPagesError, match=f"limit of {MAX_PAGES} pages"):
        for item in iterate_pages(endless, 2):
            read.append(item)
    assert len(read) == 2 * MAX_PAGES

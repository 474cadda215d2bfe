"""Quota readings per scope, and shared through a store: what is kept, what is refused."""

from __future__ import annotations

import httpx
import pytest
from toggl_track_client import QuotaExceededError
from toggl_track_client._runtime.shared_limits import MemoryStore, StoredReading
from toggl_track_client.client import Quota


def exchange(
    path: str, remaining: str | None, resets_in: str | None = "120"
) -> tuple[httpx.Request, httpx.Response]:
    headers = {}
    if remaining is not None:
        headers["X-Toggl-Quota-Remaining"] = remaining
    if resets_in is not None:
        headers["X-Toggl-Quota-Resets-In"] = resets_in
    request = httpx.Request("GET", f"https://t.test/api/v9{path}")
    return request, httpx.Response(200, headers=headers, request=request)


def test_each_scope_keeps_its_own_reading() -> None:
    quota = Quota()
    quota.record(*exchange("/workspaces/1001/clients", "25", "900"))
    quota.record(*exchange("/workspaces/1002/projects/7", "9", None))
    quota.record(*exchange("/me/clients", "28"))
    quota.record(*exchange("/workspaces/1001/clients", "nonsense"))  # not a reading: ignored
    first, second = quota.for_workspace(1001), quota.for_workspace(1002)
    assert first is not None and (first.remaining, first.resets_in) == (25, 900)
    assert second is not None and (second.remaining, second.resets_in) == (9, None)
    assert (
        quota.workspace is not None and quota.workspace.remaining == 9
    )  # the latest workspace call
    assert quota.me is not None and quota.me.remaining == 28
    assert quota.for_workspace(1003) is None


def test_scopes_in_a_store_are_per_token_and_workspace_or_me() -> None:
    quota = Quota(MemoryStore(), "tok")
    assert quota.scope("/api/v9/workspaces/1001/clients") == "tok:ws:1001"
    assert quota.scope("/api/v9/workspaces/0012") == "tok:ws:12"
    assert quota.scope("/api/v9/me/projects") == "tok:me"
    assert quota.scope("/api/v9/me") == "tok:me"
    assert quota.scope("/api/v9/meetings") is None and quota.scope("/api/v9/other") is None


def test_a_reading_of_another_process_refuses_without_sending() -> None:
    store = MemoryStore()
    writer, reader = Quota(store, "tok"), Quota(store, "tok")
    writer.record(*exchange("/workspaces/1001/clients", "1", "300"))
    request = httpx.Request("GET", "https://t.test/api/v9/workspaces/1001/clients")
    reader.before_send(request)  # the last one: taken
    with pytest.raises(QuotaExceededError) as refused:
        reader.before_send(request)
    assert refused.value.response is None and refused.value.remaining == 0
    assert 298 <= (refused.value.resets_in or 0) <= 300
    Quota(store, "other-token").before_send(request)  # another token's quota is its own
    reader.before_send(httpx.Request("GET", "https://t.test/api/v9/me/clients"))  # /me apart


def test_a_store_keeps_the_lower_reading_until_it_expires() -> None:
    store = MemoryStore()
    store.record("s", StoredReading(5, 1000.0), now=10.0)
    store.record("s", StoredReading(9, 1000.0), now=11.0)  # higher, same window: kept lower
    assert store.take("s", now=12.0) == StoredReading(5, 1000.0)
    assert store.take("s", now=12.0) == StoredReading(4, 1000.0)  # one was taken
    store.record("s", StoredReading(20, 5000.0), now=1001.0)  # the old one expired: replaced
    assert store.take("s", now=1002.0) == StoredReading(20, 5000.0)
    assert store.take("s", now=6000.0) is None  # expired: unknown
    assert store.take("unknown", now=1.0) is None


def test_without_a_store_nothing_is_refused() -> None:
    quota = Quota()
    quota.record(*exchange("/workspaces/1001/clients", "0", "300"))
    quota.before_send(httpx.Request("GET", "https://t.test/api/v9/workspaces/1001/clients"))


def test_a_refusal_is_a_402_and_a_reading_without_reset_time_counts_an_hour() -> None:
    import dataclasses
    import time

    store = MemoryStore()
    quota = Quota(store, "tok")
    before = time.time()
    quota.record(*exchange("/workspaces/1001/clients", "0", None))
    kept = store.take("tok:ws:1001", now=before)
    assert kept is not None and 3600 <= kept.resets_at - before < 3600.5
    with pytest.raises(QuotaExceededError) as refused:
        quota.before_send(httpx.Request("GET", "https://t.test/api/v9/workspaces/1001/clients"))
    assert refused.value.status_code == 402
    quota.record(*exchange("/elsewhere", "3"))  # no scope: nothing goes to the store
    assert list(store._readings) == ["tok:ws:1001"]
    reading = quota.for_workspace(1001)
    assert reading is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.remaining = 5  # type: ignore[misc]

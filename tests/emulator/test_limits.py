"""Limits and faults: rate limit (429), hourly quota (402 + headers), random 500s, latency."""

from __future__ import annotations

import pytest

from tests.support import FREE, MEMBER, W, api_client

pytestmark = pytest.mark.emulator


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_limits_and_faults_are_off_by_default() -> None:
    with api_client() as api:
        responses = [api.get(W) for _ in range(50)]
    assert {r.status_code for r in responses} == {200}
    assert not any("x-toggl-quota-remaining" in r.headers for r in responses)


def test_the_rate_limit_is_a_leaky_bucket_per_token() -> None:
    clock = Clock()
    with api_client(rate_limit=1, clock=clock) as api:
        assert [api.get(W).status_code for _ in range(3)] == [200, 200, 429]
        assert api.get(W).json() == "Too Many Requests"
        assert api.get(W, auth=MEMBER).status_code == 200  # another token, another bucket
        clock.now += 1.0
        assert api.get(W).status_code == 200
        assert api.get(W).status_code == 429
        clock.now += 5
        assert [api.get(W).status_code for _ in range(2)] == [200, 200]


def test_a_client_pacing_itself_at_the_rate_is_never_limited() -> None:
    clock = Clock()
    with api_client(rate_limit=1, clock=clock) as api:
        for _ in range(20):
            assert api.get(W).status_code == 200
            clock.now += 1.0


def test_the_hourly_quota_counts_down_and_then_answers_402() -> None:
    clock = Clock()
    with api_client(hourly_quota=3, clock=clock) as api:
        remaining = []
        for _ in range(3):
            response = api.get(W)
            clock.now += 60
            remaining.append(response.headers["x-toggl-quota-remaining"])
        assert remaining == ["2", "1", "0"]
        refused = api.get(W)
        assert refused.status_code == 402 and isinstance(refused.json(), str)
        assert refused.headers["x-toggl-quota-remaining"] == "0"
        assert refused.headers["x-toggl-quota-resets-in"] == str(3600 - 180)
        # Sliding window: once the first request is an hour old, one more is allowed.
        clock.now += 3600 - 180
        assert api.get(W).status_code == 200
        assert api.get(W).status_code == 402


def test_the_quota_is_per_user_and_workspace_and_counts_errors_too() -> None:
    with api_client(hourly_quota=2, clock=Clock()) as api:
        assert api.get(f"{W}/424242").status_code == 404
        not_found = api.get(f"{W}/424242")
        assert not_found.headers["x-toggl-quota-remaining"] == "0"
        assert api.get(W).status_code == 402
        assert api.get(f"/workspaces/{FREE}/clients").status_code == 200
        assert api.get(W, auth=MEMBER).status_code == 200


def test_a_refused_create_over_quota_creates_nothing() -> None:
    with api_client(hourly_quota=1, clock=Clock()) as api:
        api.get(W)
        assert api.post(W, json={"name": "Over quota"}).status_code == 402
        # The member has a quota of their own left to look with.
        assert all(c["name"] != "Over quota" for c in api.get(W, auth=MEMBER).json())


def test_random_faults_are_500s_reproducible_with_a_seed() -> None:
    def statuses(seed: int) -> list[int]:
        with api_client(error_rate=0.3, fault_seed=seed) as api:
            return [api.get(W).status_code for _ in range(40)]

    first = statuses(7)
    assert set(first) == {200, 500}
    assert first == statuses(7)
    assert first != statuses(8)
    with api_client(error_rate=1.0) as api:
        response = api.post(W, json={"name": "Never stored"})
        assert (response.status_code, response.json()) == (500, "Internal Server Error")
    with api_client() as api:
        assert all(c["name"] != "Never stored" for c in api.get(W).json())


def test_latency_delays_every_answer() -> None:
    import time

    with api_client(latency_ms=120) as api:
        started = time.perf_counter()
        api.get(W)
        assert time.perf_counter() - started >= 0.12

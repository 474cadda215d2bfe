"""The retry policy alone, decision by decision: what is resent, after how long, and when not."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from toggl_track_client._runtime.retry import (
    RETRYABLE_STATUSES,
    Retry,
    RetryPolicy,
    parse_retry_after,
)

POLICY = RetryPolicy(jitter=lambda: 1.0)  # backoffs at their cap: 0.5, 1, 2, 4, 8, 8 ...


def request(method: str = "GET") -> httpx.Request:
    return httpx.Request(method, "https://t.test/api/v9/workspaces/1/clients")


def response(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers)


def test_the_statuses_retried_are_429_and_the_5xx_of_a_server_or_gateway_in_trouble() -> None:
    assert {429, 500, 502, 503, 504} == RETRYABLE_STATUSES
    for status in (500, 502, 503, 504):
        assert POLICY.after_response(request(), response(status), 0) is not None, status
    for status in (400, 404, 501, 505):
        assert POLICY.after_response(request(), response(status), 0) is None, status


def test_a_429_without_retry_after_waits_the_bucket_s_second_plus_the_backoff() -> None:
    assert POLICY.after_response(request(), response(429), 0) == Retry(
        1.5, "429 without Retry-After"
    )
    assert POLICY.after_response(request(), response(429), 1) == Retry(
        2.0, "429 without Retry-After"
    )


def test_backoff_doubles_up_to_its_cap() -> None:
    assert [POLICY.backoff(attempt) for attempt in range(6)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_retry_after_at_the_cap_is_slept_and_over_it_is_not() -> None:
    assert POLICY.after_response(request(), response(429, **{"Retry-After": "60"}), 0) == Retry(
        60.0, "429, Retry-After 60 s"
    )
    assert POLICY.after_response(request(), response(429, **{"Retry-After": "61"}), 0) is None


def test_no_retry_past_the_last_attempt_whatever_the_count() -> None:
    for attempt in (2, 3, 7):
        assert POLICY.after_response(request(), response(503), attempt) is None
        assert POLICY.after_error(request(), httpx.ConnectError("refused"), attempt) is None
    assert POLICY.after_error(request(), httpx.ConnectError("refused"), 1) is not None


def test_another_retried_status_is_no_429() -> None:
    policy = RetryPolicy(retry_statuses=frozenset({408, 429}), jitter=lambda: 1.0)
    assert policy.after_response(request(), response(408), 0) == Retry(0.5, "408")
    assert policy.after_response(request("POST"), response(408), 0) is None  # not resent blindly


@pytest.mark.parametrize("method", ["PATCH", "CONNECT", "PROPFIND", "TRACE"])
def test_retry_post_is_about_post_only(method: str) -> None:
    assert not RetryPolicy(retry_post=True)._may_resend(request(method))
    assert RetryPolicy(retry_post=True)._may_resend(request("POST"))
    assert RetryPolicy(retry_post=True)._may_resend(httpx.Request("post".upper(), "https://t.test"))


def test_max_retries_below_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="0 or more"):
        RetryPolicy(max_retries=-1)
    assert RetryPolicy(max_retries=0).max_retries == 0


def test_a_policy_and_a_decision_cannot_be_changed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        POLICY.max_retries = 5  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        Retry(1.0, "x").wait = 2.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "date", ["Wed, 32 Oct 2015 07:28:00 GMT", "Wed, 21 Foo 2015 07:28:00 GMT",
             "Wed, 21 Oct 2015 25:28:00 GMT"],
)  # fmt: skip
def test_an_http_date_that_is_no_date_is_ignored(date: str) -> None:
    assert parse_retry_after(response(429, **{"Retry-After": date})) is None

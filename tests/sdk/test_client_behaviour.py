"""The published client's behaviour: construction, typed errors, retries, quota, throttle.

Scripted transports answer what Toggl would, so every error class and retry path is exercised
without a server.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from toggl_track_client import (
    DEFAULT_TIMEOUT,
    LIVE_API_URL,
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticatedClient,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PremiumRequiredError,
    QuotaExceededError,
    RateLimitError,
    TogglError,
    UnexpectedStatus,
)
from toggl_track_client.api.clients import create_client, delete_client, get_client, list_clients
from toggl_track_client.client import RetryPolicy
from toggl_track_client.models import ClientCreate, ClientModel

CLIENT = {
    "id": 5,
    "wid": 1001,
    "archived": False,
    "name": "Acme",
    "at": "2024-03-17T10:55:38+00:00",
}
Answer = Callable[[httpx.Request], httpx.Response]


class Script:
    """Answers requests from a list, in order, and records them."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def toggl(script: Script, **kwargs: Any) -> AuthenticatedClient:
    client = AuthenticatedClient(
        api_token="tok",
        base_url="https://toggl.test/api/v9",
        httpx_args={"transport": httpx.MockTransport(script)},
        **kwargs,
    )
    return client


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff instead of waiting it out."""
    waits: list[float] = []
    monkeypatch.setattr("toggl_track_client.client.time.sleep", waits.append)
    return waits


def json(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_defaults_basic_auth_live_url_and_a_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOGGL_API_URL", raising=False)
    client = AuthenticatedClient(api_token="tok")
    http = client.get_httpx_client()
    assert str(http.base_url) == LIVE_API_URL + "/"
    assert http.timeout == DEFAULT_TIMEOUT and DEFAULT_TIMEOUT.read is not None
    script = Script(json(200, CLIENT))
    get_client.sync(1001, 5, client=toggl(script))
    assert (
        script.requests[0].headers["authorization"]
        == "Basic " + base64.b64encode(b"tok:api_token").decode()
    )


def test_email_and_password_and_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    script = Script(json(200, CLIENT))
    client = AuthenticatedClient(
        email="a@b.c",
        password="pw",
        base_url="https://x.test",
        httpx_args={"transport": httpx.MockTransport(script)},
    )
    get_client.sync(1, 5, client=client)
    assert (
        script.requests[0].headers["authorization"]
        == "Basic " + base64.b64encode(b"a@b.c:pw").decode()
    )
    monkeypatch.setenv("TOGGL_API_TOKEN", "from-env")
    monkeypatch.setenv("TOGGL_API_URL", "http://127.0.0.1:4010/api/v9")
    from_env = AuthenticatedClient()
    assert from_env.api_token == "from-env" and from_env.base_url == "http://127.0.0.1:4010/api/v9"
    assert "from-env" not in repr(from_env)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"api_token": "t", "email": "a@b.c", "password": "p"},
        {"email": "a@b.c"},
        {"api_token": "t", "timeout": None},
    ],
)
def test_construction_refuses_what_cannot_work(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, Any]
) -> None:
    monkeypatch.delenv("TOGGL_API_TOKEN", raising=False)
    with pytest.raises(ValueError):
        AuthenticatedClient(**kwargs)


def test_the_typed_call_returns_the_model() -> None:
    created = create_client.sync(
        1001, client=toggl(Script(json(200, CLIENT))), body=ClientCreate(name="Acme")
    )
    assert isinstance(created, ClientModel) and created.name == "Acme"
    listed = list_clients.sync(1001, client=toggl(Script(json(200, [CLIENT]))))
    assert [c.id for c in listed] == [5]
    delete_client.sync(1001, 5, client=toggl(Script(httpx.Response(200))))  # returns nothing


@pytest.mark.parametrize(
    ("answer", "error", "message"),
    [
        (json(400, "Client name cannot be empty"), BadRequestError, "Client name cannot be empty"),
        (httpx.Response(401, headers={"X-Authorization-Missing": "true"}), AuthenticationError, "no credentials were sent"),
        (json(403, "Incorrect username and/or password"), AuthenticationError, "Incorrect username and/or password"),
        (json(403, "User does not have access to this resource"), PermissionDeniedError, "User does not have access to this resource"),
        (json(404, "No client with ID 5 was found"), NotFoundError, "No client with ID 5 was found"),
        (json(402, "Archiving clients is a premium feature"), PremiumRequiredError, "Archiving clients is a premium feature"),
        (json(402, "Archiving clients is a premium feature", **{"X-Toggl-Quota-Remaining": "12"}), PremiumRequiredError, "Archiving clients is a premium feature"),
        (json(418, "I'm a teapot"), UnexpectedStatus, "I'm a teapot"),
    ],
)  # fmt: skip
def test_each_error_status_raises_its_class(
    answer: httpx.Response, error: type[APIStatusError], message: str
) -> None:
    script = Script(answer)
    with pytest.raises(error) as raised:
        get_client.sync(1001, 5, client=toggl(script))
    assert raised.value.status_code == answer.status_code
    assert raised.value.message == message
    assert isinstance(raised.value, TogglError)
    assert len(script.requests) == 1  # none of these is retried


def test_an_exhausted_quota_is_a_402_with_remaining_and_resets_in_and_never_retried() -> None:
    script = Script(
        json(
            402,
            "You have hit your hourly limit",
            **{"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1205"},
        )
    )
    client = toggl(script, max_retries=5)
    with pytest.raises(QuotaExceededError) as raised:
        list_clients.sync(1001, client=client)
    assert (raised.value.remaining, raised.value.resets_in) == (0, 1205)
    assert isinstance(raised.value, PaymentRequiredError)
    assert len(script.requests) == 1
    assert (client.quota.remaining, client.quota.resets_in) == (0, 1205)


def test_quota_headers_of_every_response_are_visible() -> None:
    script = Script(
        json(200, CLIENT, **{"X-Toggl-Quota-Remaining": "29", "X-Toggl-Quota-Resets-In": "3600"})
    )
    client = toggl(script)
    get_client.sync(1001, 5, client=client)
    assert (client.quota.remaining, client.quota.resets_in) == (29, 3600)


def test_429_and_5xx_are_retried_with_growing_jittered_backoff(
    no_backoff_sleep: list[float],
) -> None:
    script = Script(
        json(429, "Too Many Requests"), json(503, "down"), json(500, "oops"), json(200, CLIENT)
    )
    client = toggl(script, max_retries=3)
    assert get_client.sync(1001, 5, client=client).id == 5
    assert len(script.requests) == 4
    assert len(no_backoff_sleep) == 3
    assert all(
        0 <= wait <= cap for wait, cap in zip(no_backoff_sleep, [0.5, 1.0, 2.0], strict=True)
    )


def test_backoff_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0, jitter=lambda: 1.0)
    assert [policy.delay(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]
    assert RetryPolicy(jitter=lambda: 0.25).delay(2) == 0.5


def test_retry_after_is_honoured(no_backoff_sleep: list[float]) -> None:
    script = Script(json(429, "slow down", **{"Retry-After": "3"}), json(200, CLIENT))
    get_client.sync(1001, 5, client=toggl(script))
    assert no_backoff_sleep == [3.0]


def test_gives_up_after_max_retries_with_the_last_error() -> None:
    script = Script(*[json(429, "Too Many Requests") for _ in range(3)])
    with pytest.raises(RateLimitError) as raised:
        get_client.sync(1001, 5, client=toggl(script, max_retries=2))
    assert len(script.requests) == 3 and raised.value.status_code == 429
    script = Script(*[json(500, "Internal Server Error") for _ in range(2)])
    with pytest.raises(InternalServerError):
        get_client.sync(1001, 5, client=toggl(script, max_retries=1))
    assert len(script.requests) == 2


def test_zero_retries_turns_them_off() -> None:
    script = Script(json(503, "down"))
    with pytest.raises(InternalServerError):
        get_client.sync(1001, 5, client=toggl(script, max_retries=0))
    assert len(script.requests) == 1


def test_a_create_is_not_retried_unless_asked() -> None:
    script = Script(json(500, "oops"))
    with pytest.raises(InternalServerError):
        create_client.sync(1001, client=toggl(script), body=ClientCreate(name="x"))
    assert len(script.requests) == 1
    script = Script(json(500, "oops"), json(200, CLIENT))
    create_client.sync(1001, client=toggl(script, retry_post=True), body=ClientCreate(name="x"))
    assert len(script.requests) == 2


def test_connection_errors_are_retried_then_raised_as_ours() -> None:
    script = Script(httpx.ConnectError("refused"), json(200, CLIENT))
    assert get_client.sync(1001, 5, client=toggl(script)).id == 5
    script = Script(*[httpx.ConnectError("refused") for _ in range(3)])
    with pytest.raises(APIConnectionError):
        get_client.sync(1001, 5, client=toggl(script))
    assert len(script.requests) == 3


def test_a_timeout_is_raised_as_ours() -> None:
    script = Script(httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError):
        get_client.sync(1001, 5, client=toggl(script))


def test_the_throttle_spaces_requests(
    monkeypatch: pytest.MonkeyPatch, no_backoff_sleep: list[float]
) -> None:
    now = [1000.0]
    monkeypatch.setattr("toggl_track_client.client.time.monotonic", lambda: now[0])
    script = Script(*[json(200, CLIENT) for _ in range(3)])
    client = toggl(script, max_requests_per_second=1.0)
    for _ in range(3):
        get_client.sync(1001, 5, client=client)
    assert no_backoff_sleep == [0.0, 1.0, 2.0]  # slots reserved one second apart


def test_the_async_client_behaves_the_same() -> None:
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    script = Script(
        json(503, "down"), json(200, CLIENT), json(404, "No client with ID 9 was found")
    )

    async def run() -> None:
        client = toggl(script)
        client.get_async_httpx_client()._transport._sleep = fake_sleep  # type: ignore[attr-defined]
        assert (await get_client.asyncio(1001, 5, client=client)).id == 5
        with pytest.raises(NotFoundError):
            await get_client.asyncio(1001, 9, client=client)
        await client.aclose()

    asyncio.run(run())
    assert len(script.requests) == 3 and len(waits) == 1

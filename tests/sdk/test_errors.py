"""One error contract: typed, raw and resource calls raise the same tree; bodies of any shape."""

from __future__ import annotations

import httpx
import pytest
from toggl_track_client import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    InternalServerError,
    NameTakenError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    PremiumRequiredError,
    QuotaExceededError,
    RateLimitError,
    Toggl,
    TogglError,
    UnexpectedStatus,
)
from toggl_track_client.api.clients import delete_client, get_client

from tests.support import CLIENT, Script, answer

NGINX_429 = (
    b"<html>\r\n<head><title>429 Too Many Requests</title></head>\r\n<body>\r\n"
    b"<center><h1>429 Too Many Requests</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


def toggl(script: Script, **options: object) -> Toggl:
    options = {"max_retries": 0, **options}
    return Toggl(
        api_token="t", base_url="https://t.test/api/v9", transport=script.transport(),
        **options,  # type: ignore[arg-type]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("response", "error", "message"),
    [
        (answer(400, "Client name cannot be empty"), BadRequestError, "Client name cannot be empty"),
        (answer(400, "Name has already been taken"), NameTakenError, "Name has already been taken"),
        (answer(401, None, **{"X-Authorization-Missing": "true"}), AuthenticationError, "no credentials were sent"),
        (answer(403, "Incorrect username and/or password"), AuthenticationError, "Incorrect username and/or password"),
        (answer(403, "User does not have access to this resource"), PermissionDeniedError, "User does not have access to this resource"),
        (answer(404, "No client with ID 5 was found"), NotFoundError, "No client with ID 5 was found"),
        (answer(402, "Archiving clients is a premium feature"), PremiumRequiredError, "Archiving clients is a premium feature"),
        (httpx.Response(429, content=NGINX_429, headers={"Content-Type": "text/html"}), RateLimitError, "429 Too Many Requests"),
        (httpx.Response(429), RateLimitError, "Too Many Requests"),
        (httpx.Response(502, content=b""), InternalServerError, "Bad Gateway"),
        (httpx.Response(503, content=b"upstream connect error"), InternalServerError, "upstream connect error"),
        (httpx.Response(520, content=b""), InternalServerError, ""),
        (answer(418, "I'm a teapot"), UnexpectedStatus, "I'm a teapot"),
        (httpx.Response(302, headers={"Location": "https://elsewhere.test/"}), UnexpectedStatus, "Found"),
    ],
)  # fmt: skip
def test_each_status_raises_its_class_from_every_kind_of_call(
    response: httpx.Response, error: type[APIStatusError], message: str
) -> None:
    for call in ("typed", "raw", "low-level"):
        client = toggl(Script(response))
        with pytest.raises(error) as raised:
            if call == "typed":
                client.clients.get(1001, 5)
            elif call == "raw":
                client.clients.with_raw_response.get(1001, 5)
            else:
                get_client.sync(1001, 5, client=client.low_level)
        assert raised.value.status_code == response.status_code
        assert raised.value.message == message
        assert isinstance(raised.value, TogglError)


def test_an_exhausted_quota_is_a_402_with_remaining_and_resets_in() -> None:
    headers = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1205"}
    with pytest.raises(QuotaExceededError) as raised:
        toggl(Script(answer(402, "You have hit your hourly limit", **headers))).clients.list(1001)
    assert (raised.value.remaining, raised.value.resets_in) == (0, 1205)
    assert isinstance(raised.value, PaymentRequiredError)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (
            {"wid": 1001, "archived": False, "name": "Acme", "at": "2024-03-17T10:55:38+00:00"},
            "KeyError",
        ),
        ({**CLIENT, "id": "five"}, "body.id: expected an integer"),
        ({**CLIENT, "archived": "no"}, "body.archived: expected a boolean"),
        ({**CLIENT, "at": "yesterday"}, "ValueError"),
        ([CLIENT], ""),
        ("OK", ""),
    ],
)
def test_a_success_body_that_does_not_match_the_spec_is_a_validation_error(
    body: object, detail: str
) -> None:
    for call in ("typed", "raw"):
        client = toggl(Script(answer(200, body)))
        with pytest.raises(APIResponseValidationError) as raised:
            if call == "typed":
                client.clients.get(1001, 5)
            else:
                get_client.sync_detailed(1001, 5, client=client.low_level)
        assert detail in str(raised.value) and raised.value.response.status_code == 200


def test_a_success_that_is_not_json_is_a_validation_error() -> None:
    with pytest.raises(APIResponseValidationError):
        toggl(Script(httpx.Response(200, content=b"<html>maintenance</html>"))).clients.get(1001, 5)


def test_an_undocumented_success_status_is_never_none_under_a_model_type() -> None:
    with pytest.raises(UnexpectedStatus) as raised:
        toggl(Script(answer(201, CLIENT))).clients.get(1001, 5)
    assert raised.value.status_code == 201


def test_raw_calls_keep_error_statuses_and_unparsable_error_pages() -> None:
    client = toggl(
        Script(httpx.Response(429, content=NGINX_429, headers={"Content-Type": "text/html"}))
    )
    raw = get_client.sync_detailed(1001, 5, client=client.low_level)
    assert (raw.status_code, raw.parsed) == (429, None)
    documented = get_client.sync_detailed(
        1001, 5, client=toggl(Script(answer(404, "No client"))).low_level
    )
    assert (documented.status_code, documented.parsed) == (404, "No client")


@pytest.mark.parametrize(
    ("response", "returned"),
    [(httpx.Response(200), None), (answer(200, 61250143), 61250143)],
)
def test_a_delete_answering_nothing_or_a_number_is_a_success(
    response: httpx.Response, returned: int | None
) -> None:
    assert toggl(Script(response)).clients.delete(1001, 5) == returned
    raw = delete_client.sync_detailed(1001, 5, client=toggl(Script(response)).low_level)
    assert (raw.status_code, raw.parsed) == (200, returned)


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (httpx.ConnectError("refused"), APIConnectionError),
        (httpx.ReadTimeout("slow"), APITimeoutError),
        (httpx.RemoteProtocolError("dropped"), APIConnectionError),
    ],
)
def test_transport_errors_are_ours_for_typed_and_raw_calls(
    failure: Exception, error: type[TogglError]
) -> None:
    with pytest.raises(error):
        toggl(Script(failure)).clients.get(1001, 5)
    with pytest.raises(error):
        get_client.sync_detailed(1001, 5, client=toggl(Script(failure)).low_level)


# --- what an error says: which call, and what to do where the cause is recognisable -------------


def test_an_error_names_the_operation_method_and_url_and_no_credentials() -> None:
    script = Script(answer(404, "No client with ID 5 was found"))
    client = Toggl(
        api_token="secret-token", base_url="https://user:secret-pass@t.test/api/v9",
        transport=script.transport(), max_retries=0,
    )  # fmt: skip
    with pytest.raises(NotFoundError) as raised:
        client.clients.get(1001, 5)
    text = str(raised.value)
    assert text == (
        "404: No client with ID 5 was found, from getClient "
        "(GET https://t.test/api/v9/workspaces/1001/clients/5)"
    )
    assert "secret" not in text and raised.value.message == "No client with ID 5 was found"


def test_a_404_from_a_base_url_without_the_api_path_says_to_check_base_url() -> None:
    from toggl_emulator import Emulator, EmulatorOptions
    from toggl_emulator.transport import BASE_URL, EmulatorTransport

    from tests.support import ADMIN_TOKEN, PREMIUM

    transport = EmulatorTransport(Emulator(EmulatorOptions()))
    wrong = BASE_URL.removesuffix("/api/v9")
    client = Toggl(api_token=ADMIN_TOKEN, base_url=wrong, transport=transport)
    with client, pytest.raises(NotFoundError, match=r"lacks /api/v9: check base_url"):
        client.clients.list(PREMIUM)


def test_a_bare_not_found_from_an_unknown_route_says_to_check_base_url() -> None:
    script = Script(answer(404, "404 page not found"))
    with pytest.raises(NotFoundError, match="knows no such route: check base_url"):
        toggl(script).clients.list(1001)


def test_a_429_after_every_retry_says_how_many_attempts_and_how_to_pace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda s: None)
    script = Script(*[answer(429, "Too Many Requests", **{"Retry-After": "1"})] * 3)
    with pytest.raises(RateLimitError) as raised:
        toggl(script, max_retries=2).clients.get(1001, 5)
    assert len(script.requests) == 3
    assert "Still throttled after 3 attempts; the server asks to wait 1 s" in str(raised.value)
    assert "max_requests_per_second=TOGGL_SAFE_RATE" in str(raised.value)


def test_a_timeout_says_which_timeout_after_how_many_attempts_and_the_knobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda s: None)
    script = Script(*[httpx.ReadTimeout("slow")] * 3)
    with pytest.raises(APITimeoutError) as raised:
        toggl(script, max_retries=2, timeout=7, deadline=50).clients.get(1001, 5)
    assert str(raised.value) == (
        "getClient (GET https://t.test/api/v9/workspaces/1001/clients/5): no response within the "
        "read timeout of 7 s (attempt 3, a deadline of 50 s). Allow more time per attempt with "
        "timeout=, or for the whole call with deadline="
    )


def test_an_exhausted_quota_says_when_it_frees_requests() -> None:
    headers = {"X-Toggl-Quota-Remaining": "0", "X-Toggl-Quota-Resets-In": "1234"}
    script = Script(answer(402, "You have hit your hourly quota", **headers))
    with pytest.raises(QuotaExceededError, match="frees requests again in 1234 s"):
        toggl(script).clients.get(1001, 5)

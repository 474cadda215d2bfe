"""Building a client: credentials, defaults, what is refused, copies that share state."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from toggl_track_client import (
    DEFAULT_DEADLINE,
    DEFAULT_TIMEOUT,
    LIVE_API_URL,
    AsyncToggl,
    AuthenticatedClient,
    Toggl,
)

from tests.support import CLIENT, Script, answer


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_defaults_are_the_live_api_a_timeout_and_a_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TOGGL_API_URL", raising=False)
    toggl = Toggl(api_token="tok")
    http = toggl.low_level.get_httpx_client()
    assert str(http.base_url) == LIVE_API_URL + "/"
    assert http.timeout == DEFAULT_TIMEOUT and DEFAULT_TIMEOUT.read == 30.0
    assert toggl.low_level.deadline == DEFAULT_DEADLINE == 60.0


def test_a_token_or_an_email_and_password_become_basic_auth() -> None:
    script = Script(answer(200, CLIENT), answer(200, CLIENT))
    Toggl(
        api_token="tok", base_url="https://t.test/api/v9", transport=script.transport()
    ).clients.get(1, 5)
    Toggl(
        email="a@b.c", password="pw", base_url="https://t.test/api/v9", transport=script.transport()
    ).clients.get(1, 5)
    assert [r.headers["authorization"] for r in script.requests] == [
        basic("tok", "api_token"),
        basic("a@b.c", "pw"),
    ]


def test_the_environment_gives_token_and_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOGGL_API_TOKEN", "from-env")
    monkeypatch.setenv("TOGGL_API_URL", "http://127.0.0.1:4010/api/v9")
    toggl = Toggl()
    assert toggl.low_level.api_token == "from-env"
    assert toggl.low_level.base_url == "http://127.0.0.1:4010/api/v9"
    assert "from-env" not in repr(toggl) and "from-env" not in repr(toggl.low_level)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"api_token": "t", "email": "a@b.c", "password": "p"},
        {"email": "a@b.c"},
        {"api_token": "t", "timeout": None},
        {"api_token": "t", "timeout": httpx.Timeout(None)},
        {"api_token": "t", "httpx_args": {"timeout": None}},
        {"api_token": "t", "httpx_args": {"auth": ("x", "y")}},
        {"api_token": "t", "max_retries": -1},
        {"api_token": "t", "deadline": 0},
        {"api_token": "t", "max_requests_per_second": 0},
    ],
)
def test_construction_refuses_what_cannot_work(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, object]
) -> None:
    monkeypatch.delenv("TOGGL_API_TOKEN", raising=False)
    with pytest.raises(ValueError):
        Toggl(**kwargs)  # type: ignore[arg-type]


def test_a_timeout_in_seconds_is_taken_and_httpx_args_timeouts_are_checked() -> None:
    assert Toggl(api_token="t", timeout=5).low_level.timeout == httpx.Timeout(5.0)
    toggl = Toggl(api_token="t", httpx_args={"timeout": httpx.Timeout(7.0)})
    assert toggl.low_level.get_httpx_client().timeout == httpx.Timeout(7.0)


def test_with_options_changes_settings_and_shares_pacer_quota_and_connections() -> None:
    script = Script(
        answer(200, CLIENT, **{"X-Toggl-Quota-Remaining": "9", "X-Toggl-Quota-Resets-In": "60"}),
        answer(200, CLIENT),
    )
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9", transport=script.transport())
    quick = toggl.with_options(max_retries=0, timeout=3, deadline=10)
    assert (quick.low_level.max_retries, quick.low_level.timeout, quick.low_level.deadline) == (
        0, httpx.Timeout(3.0), 10,
    )  # fmt: skip
    assert toggl.low_level.max_retries == 2  # the original is unchanged
    quick.clients.get(1001, 5)
    assert toggl.quota.workspace is not None and toggl.quota.workspace.remaining == 9
    low, copy = toggl.low_level, quick.low_level
    assert (copy._family, copy._pool, copy._pacer) == (low._family, low._pool, low._pacer)
    quick.close()
    assert toggl.clients.get(1001, 5).id == 5  # closing a copy does not close the shared pool
    headers = toggl.low_level.with_headers({"X-Trace": "1"})
    assert headers._pool is toggl.low_level._pool and headers._family is toggl.low_level._family


def test_the_async_client_is_built_the_same_way() -> None:
    toggl = AsyncToggl(api_token="t", base_url="https://t.test/api/v9")
    assert isinstance(toggl.low_level, AuthenticatedClient)
    assert toggl.low_level.get_async_httpx_client().timeout == DEFAULT_TIMEOUT


def test_a_low_level_client_can_be_wrapped() -> None:
    low = AuthenticatedClient(api_token="t")
    assert Toggl(low_level=low).low_level is low
    with pytest.raises(ValueError):
        Toggl(low_level=low, api_token="other")


def test_with_options_takes_every_constructor_option_and_nothing_else() -> None:
    script = Script(answer(200, CLIENT))
    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9", transport=script.transport())
    with pytest.raises(
        TypeError,
        match=r"Toggl.with_options\(\) got unknown keyword argument 'max_retrys'; it takes base_url, timeout",
    ):
        toggl.with_options(max_retrys=0)  # type: ignore[call-arg]
    with pytest.raises(
        TypeError,
        match=r"^Toggl got unknown keyword argument 'api_tokn'; it takes low_level, api_token",
    ):
        Toggl(api_tokn="t")  # type: ignore[call-arg]
    paced = toggl.with_options(max_requests_per_second=2.0)
    assert paced.low_level._pacer.interval == 0.5 and toggl.low_level._pacer.interval == 0
    assert paced.low_level._pool is toggl.low_level._pool  # a pacer of its own, the same pool
    other = Script(answer(200, CLIENT))
    elsewhere = toggl.with_options(transport=other.transport(), base_url="https://u.test/api/v9")
    assert elsewhere.clients.get(1001, 5).id == 5
    assert [str(r.url) for r in other.requests] == [
        "https://u.test/api/v9/workspaces/1001/clients/5"
    ]
    assert script.requests == []  # the parent's transport was not used


def test_closing_the_client_closes_a_copy_s_own_pool() -> None:
    closed: list[str] = []

    class Recording(httpx.MockTransport):
        def close(self) -> None:
            closed.append("closed")

    toggl = Toggl(api_token="t", base_url="https://t.test/api/v9")
    copy = toggl.with_options(transport=Recording(lambda request: answer(200, CLIENT)))
    copy.clients.get(1001, 5)
    copy.close()
    assert closed == []  # a copy closes nothing ...
    toggl.close()
    assert closed == ["closed"]  # ... the client it came from closes what the copy opened


def test_a_copy_s_repr_shows_what_it_changed_and_no_secret() -> None:
    toggl = Toggl(api_token="secret-token", base_url="https://t.test/api/v9")
    assert (
        repr(toggl)
        == "Toggl(AuthenticatedClient(api_token=<hidden>, base_url='https://t.test/api/v9'))"
    )
    copy = toggl.with_options(max_retries=0, headers={"Authorization": "Bearer secret-too"})
    assert repr(copy) == (
        "Toggl(AuthenticatedClient(api_token=<hidden>, base_url='https://t.test/api/v9', "
        "max_retries=0, headers=<Authorization>))"
    )
    assert "secret" not in repr(copy)


@pytest.mark.slow
def test_mypy_strict_refuses_a_misspelt_option(tmp_path: Path) -> None:
    user_code = tmp_path / "user_code.py"
    user_code.write_text(
        "from toggl_track_client import Toggl\n"
        "toggl = Toggl(api_token='t', max_retries=1)\n"
        "toggl.with_options(timeout=5, max_requests_per_second=1.0, deadline=None)\n"
        "toggl.with_options(max_retrys=0)\n"
        "toggl.with_options(max_retries='0')\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         f"--cache-dir={tmp_path / 'cache'}", str(user_code)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["4", "5"], result.stdout
    assert '"max_retrys"' in errors[0]


@pytest.mark.parametrize("url", ["http://api.example.com/api/v9", "http://10.0.0.5:8080/api/v9"])
def test_plain_http_to_another_machine_is_refused_unless_allowed(url: str) -> None:
    with pytest.raises(ValueError, match="clear text.*allow_insecure_http=True"):
        Toggl(api_token="t", base_url=url)
    assert Toggl(api_token="t", base_url=url, allow_insecure_http=True).low_level.base_url == url


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:4010/api/v9", "http://localhost/api/v9", "http://[::1]:80/api/v9"]
)
def test_plain_http_to_this_machine_or_an_in_process_transport_is_fine(url: str) -> None:
    Toggl(api_token="t", base_url=url)
    Toggl(api_token="t", base_url="http://t.test/api/v9", transport=Script().transport())


@pytest.mark.parametrize(
    "base_url",
    [
        "https://api.track.toggl.com/api/v9",
        "https://API.Track.Toggl.com:443/api/v9/",
        "http://127.0.0.1:8080",
        "https://user:secret@toggl.test/base path/v9",
        "https://toggl.test/api/v9?tenant=1",
    ],
)
@pytest.mark.parametrize("path", ["/me/clients", "/workspaces/1/clients/a%2Fb", "/é x"])
def test_an_operation_goes_to_the_url_httpx_would_join(base_url: str, path: str) -> None:
    """The SDK joins an operation's path to base_url itself (one parse instead of httpx's two):
    the URL sent is the one httpx's own join gives, for any base_url."""
    script = Script(answer(200, CLIENT))
    low_level = AuthenticatedClient(
        api_token="tok", base_url=base_url, transport=script.transport()
    )
    with httpx.Client(base_url=base_url) as http:
        joined = http.build_request("GET", path).url
    low_level.get_httpx_client().get(low_level.url_for(path))
    assert script.requests[0].url == joined
    # a base_url with a query is left to httpx's join; any other is joined here
    assert isinstance(low_level.url_for(path), httpx.URL) == ("?" not in base_url)

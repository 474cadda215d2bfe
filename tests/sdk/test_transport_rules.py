"""The retry transport's edges, each pinned where an off-by-one would change what a caller sees:
the deadline at its limit, the size limit at its limit, a DELETE's 404 after a lost answer, the
attempt counts errors give, the debug log, pacing waits inside the deadline."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from toggl_track_client import (
    APIConnectionError,
    APITimeoutError,
    AsyncToggl,
    NotFoundError,
    RateLimitError,
    ResponseTooLargeError,
    Toggl,
)
from toggl_track_client._runtime.exceptions import ATTEMPTS
from toggl_track_client._runtime.retry import RetryPolicy
from toggl_track_client._runtime.transport import _Call

from tests.support import CLIENT, Script, answer, loopback_server

URL = "https://t.test/api/v9"
REAL_SLEEP = time.sleep  # the fixture below stops the transport's sleeps, which are time.sleep


@pytest.fixture(autouse=True)
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toggl_track_client._runtime.transport.time.sleep", lambda s: None)


def toggl(script: Script, **options: Any) -> Toggl:
    return Toggl(api_token="t", base_url=URL, transport=script.transport(), **options)


def test_a_call_with_less_than_a_second_left_still_goes_out_and_reads_its_body() -> None:
    script = Script(answer(200, CLIENT))
    assert toggl(script, deadline=0.5).clients.get(1001, 5).id == 5


def test_an_attempt_past_the_deadline_is_not_sent() -> None:
    request = httpx.Request("GET", f"{URL}/me")
    call = _Call(request, RetryPolicy(), deadline=0.01)
    REAL_SLEEP(0.02)
    with pytest.raises(APITimeoutError, match=r"deadline of 0.01 s \(attempt 1\)"):
        call.cap_timeouts()


def test_each_timeout_of_an_attempt_is_cut_to_what_is_left_of_the_deadline() -> None:
    timeouts = {"connect": 10.0, "read": 0.5, "write": 30.0, "pool": 0.25}
    request = httpx.Request("GET", f"{URL}/me", extensions={"timeout": timeouts})
    _Call(request, RetryPolicy(), deadline=5).cap_timeouts()
    cut = request.extensions["timeout"]
    assert cut["read"] == 0.5 and cut["pool"] == 0.25  # shorter than what is left: kept
    assert 4.5 < cut["connect"] <= 5 and 4.5 < cut["write"] <= 5
    quick = httpx.Request("GET", f"{URL}/me", extensions={"timeout": dict(timeouts)})
    _Call(quick, RetryPolicy(), deadline=60).cap_timeouts()
    assert quick.extensions["timeout"] == timeouts  # all end before the deadline: unchanged


def test_an_answer_of_exactly_the_size_limit_is_read() -> None:
    body = answer(200, CLIENT)
    size = len(body.content)
    assert toggl(Script(answer(200, CLIENT)), max_response_bytes=size).clients.get(1001, 5).id == 5
    with pytest.raises(ResponseTooLargeError):
        toggl(Script(answer(200, CLIENT)), max_response_bytes=size - 1).clients.get(1001, 5)


@pytest.mark.parametrize(
    ("lost", "deleted"),
    [(httpx.ConnectError("refused"), False), (httpx.ReadError("reset"), True),
     (httpx.ReadTimeout("slow"), True)],
)  # fmt: skip
def test_only_an_attempt_that_may_have_reached_the_server_makes_a_404_a_done_delete(
    lost: Exception, deleted: bool
) -> None:
    script = Script(lost, answer(404, "No client with ID 5"))
    http = toggl(script).low_level.get_httpx_client()
    response = http.delete("/workspaces/1001/clients/5")
    assert (response.status_code == 200) is deleted and len(script.requests) == 2


@pytest.mark.parametrize("status", [400, 422, 500])
def test_a_delete_answered_another_error_after_a_5xx_is_that_error(status: int) -> None:
    script = Script(answer(503, "oops"), answer(status, "bad"))
    http = toggl(script, max_retries=1).low_level.get_httpx_client()
    assert http.delete("/workspaces/1001/clients/5").status_code == status


def test_connection_failures_say_how_many_attempts_were_made() -> None:
    refused = httpx.ConnectError("connection refused")
    script = Script(refused, refused, refused)
    with pytest.raises(
        APIConnectionError, match="connection failed on attempt 3: connection refused"
    ):
        toggl(script).clients.get(1001, 5)


@pytest.mark.parametrize("first", [500, 503])
def test_a_delete_answered_404_after_a_5xx_was_done_by_the_earlier_attempt(first: int) -> None:
    gone = httpx.Response(404, json="not found", headers={"X-Kept": "1", "A-Kept": "2"})
    script = Script(answer(first, "oops"), gone)
    http = toggl(script).low_level.get_httpx_client()
    response = http.delete("/workspaces/1001/clients/5")
    assert response.status_code == 200 and len(script.requests) == 2
    assert response.extensions[ATTEMPTS] == 2
    assert response.extensions["toggl_deleted_on_retry"] is True
    assert sorted(response.headers) == ["a-kept", "x-kept"]  # no length or type of a body


def test_a_read_answered_404_after_a_5xx_is_a_404() -> None:
    script = Script(answer(503, "oops"), answer(404, "No client with ID 5"))
    with pytest.raises(NotFoundError):
        toggl(script).clients.get(1001, 5)


def test_each_answer_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    script = Script(answer(200, CLIENT))
    with caplog.at_level(logging.DEBUG, logger="toggl_track_client"):
        toggl(script).clients.get(1001, 5)
    assert any(
        record.getMessage().startswith(f"GET {URL}/workspaces/1001/clients/5 -> 200 (")
        for record in caplog.records
    )


def test_pacing_waits_that_fit_the_deadline_are_waited() -> None:
    script = Script(*[answer(200, CLIENT)] * 3)
    client = toggl(script, max_requests_per_second=50)
    for _ in range(3):
        client.clients.get(1001, 5)
    assert len(script.requests) == 3


def test_async_pacing_waits_that_fit_the_deadline_are_waited() -> None:
    script = Script(*[answer(200, CLIENT)] * 3)

    async def calls() -> int:
        async with AsyncToggl(api_token="t", base_url=URL, transport=script.transport(),
                              max_requests_per_second=50) as client:  # fmt: skip
            for _ in range(3):
                await client.clients.get(1001, 5)
        return len(script.requests)

    assert asyncio.run(calls()) == 3


class Chunks(httpx.AsyncByteStream):
    def __init__(self, *chunks: bytes, error: Exception | None = None) -> None:
        self.chunks, self.error = chunks, error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.error is not None:
            raise self.error


def async_answer(stream: httpx.AsyncByteStream) -> httpx.MockTransport:
    return httpx.MockTransport(
        lambda request: httpx.Response(
            200, stream=stream, headers={"Content-Type": "application/json"}
        )
    )


BODY = (
    b'{"id": 5, "wid": 1001, "archived": false, "name": "Acme", "at": "2024-03-17T10:55:38+00:00"}'
)


@pytest.mark.parametrize(("limit", "fits"), [(len(BODY), True), (len(BODY) - 1, False)])
def test_an_async_body_may_be_exactly_the_size_limit(limit: int, fits: bool) -> None:
    async def call() -> Any:
        async with AsyncToggl(api_token="t", base_url=URL, max_response_bytes=limit,
                              transport=async_answer(Chunks(BODY[:10], BODY[10:]))) as client:  # fmt: skip
            return await client.clients.get(1001, 5)

    if fits:
        assert asyncio.run(call()).id == 5
    else:
        with pytest.raises(ResponseTooLargeError):
            asyncio.run(call())


def test_a_body_that_times_out_while_read_names_the_attempt() -> None:
    class Trickle(httpx.SyncByteStream):
        def __iter__(self) -> Any:
            yield BODY[:5]
            raise httpx.ReadTimeout("slow")

    transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Trickle()))
    client = Toggl(api_token="t", base_url=URL, transport=transport)
    with pytest.raises(APITimeoutError, match=r"\(attempt 1, a deadline of 60 s\)"):
        client.clients.get(1001, 5)


@pytest.fixture
def keep_alive() -> Iterator[tuple[str, list[socket.socket]]]:
    """A loopback server answering every request on a connection with one client; it lists the
    connections it accepted."""
    answer_bytes = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(BODY)).encode() + b"\r\n\r\n" + BODY
    )  # fmt: skip

    def serve(connection: socket.socket) -> None:
        with connection:
            pending = b""
            while True:
                try:
                    data = connection.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                pending += data
                while b"\r\n\r\n" in pending:
                    _, pending = pending.split(b"\r\n\r\n", 1)
                    connection.sendall(answer_bytes)

    with loopback_server(serve) as server:
        yield server


def test_a_body_read_in_time_releases_its_socket_to_the_pool(
    keep_alive: tuple[str, list[socket.socket]],
) -> None:
    """The deadline's watchdog lets go of a socket once its body is read: past that call's
    deadline the connection is still whole, and the next call reuses it."""
    url, accepted = keep_alive
    with Toggl(api_token="t", base_url=url, deadline=0.3) as client:
        assert client.clients.get(1001, 5).id == 5
        REAL_SLEEP(0.6)  # the first call's deadline and a few watchdog ticks go by
        assert client.clients.get(1001, 5).id == 5
    assert len(accepted) == 1


def test_a_retry_wait_longer_than_the_deadline_is_not_waited() -> None:
    script = Script(answer(429, "slow down", **{"Retry-After": "30"}), answer(200, CLIENT))
    with pytest.raises(RateLimitError):
        toggl(script, deadline=5).clients.get(1001, 5)
    assert len(script.requests) == 1


class SlowChunks(httpx.SyncByteStream):
    """A body in memory (no socket to cut) that comes in slowly, chunk by chunk."""

    def __init__(self, *chunks: bytes, pause: float = 0.0) -> None:
        self.chunks, self.pause = chunks, pause

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.chunks:
            REAL_SLEEP(self.pause)
            yield chunk


def streamed(stream: httpx.SyncByteStream) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(200, stream=stream))


@pytest.mark.parametrize(("limit", "fits"), [(len(BODY), True), (len(BODY) - 1, False)])
def test_a_streamed_body_may_be_exactly_the_size_limit(limit: int, fits: bool) -> None:
    client = Toggl(api_token="t", base_url=URL, max_response_bytes=limit,
                   transport=streamed(SlowChunks(BODY[:10], BODY[10:])))  # fmt: skip
    if fits:
        assert client.clients.get(1001, 5).id == 5
    else:
        with pytest.raises(ResponseTooLargeError):
            client.clients.get(1001, 5)


def test_a_body_still_coming_at_the_deadline_is_cut_between_chunks() -> None:
    chunks = [BODY[i : i + 5] for i in range(0, len(BODY), 5)]
    client = Toggl(api_token="t", base_url=URL, deadline=0.3,
                   transport=streamed(SlowChunks(*chunks, pause=0.05)))  # fmt: skip
    with pytest.raises(APITimeoutError, match="deadline of 0.3 s"):
        client.clients.get(1001, 5)
    no_deadline = Toggl(api_token="t", base_url=URL, deadline=None,
                        transport=streamed(SlowChunks(*chunks)))  # fmt: skip
    assert no_deadline.clients.get(1001, 5).id == 5


class Closing(httpx.MockTransport):
    closed = False

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True


def test_a_copy_s_close_leaves_the_shared_pool_to_the_client_it_came_from() -> None:
    pool = Closing(lambda request: answer(200, CLIENT))
    parent = Toggl(api_token="t", base_url=URL, transport=pool)
    copy = parent.with_options(timeout=5)
    copy.clients.get(1001, 5)
    copy.close()
    assert not pool.closed
    parent.clients.get(1001, 5)
    parent.close()
    assert pool.closed


def test_an_async_copy_s_close_leaves_the_shared_pool_too() -> None:
    pool = Closing(lambda request: answer(200, CLIENT))

    async def calls() -> list[bool]:
        parent = AsyncToggl(api_token="t", base_url=URL, transport=pool)
        copy = parent.with_options(timeout=5)
        await copy.clients.get(1001, 5)
        await copy.aclose()
        after_copy = pool.closed
        await parent.aclose()
        return [after_copy, pool.closed]

    assert asyncio.run(calls()) == [False, True]


def test_async_connection_failures_are_retried_and_translated() -> None:
    refused = httpx.ConnectError("connection refused")

    async def call(script: Script) -> Any:
        async with AsyncToggl(api_token="t", base_url=URL, transport=script.transport()) as client:
            return await client.clients.get(1001, 5)

    assert asyncio.run(call(Script(refused, answer(200, CLIENT)))).id == 5
    with pytest.raises(APIConnectionError, match="connection failed on attempt 3"):
        asyncio.run(call(Script(refused, refused, refused)))


def test_an_async_body_broken_while_read_is_the_package_s_error() -> None:
    async def call() -> Any:
        broken = Chunks(BODY[:10], error=httpx.ReadError("reset by peer"))
        async with AsyncToggl(
            api_token="t", base_url=URL, transport=async_answer(broken)
        ) as client:
            return await client.clients.get(1001, 5)

    with pytest.raises(
        APIConnectionError, match="connection failed while reading the answer: reset by peer"
    ):
        asyncio.run(call())


@pytest.fixture
def stalling() -> Iterator[str]:
    """A server whose body comes in a byte every 0.1 s for 0.8 s, then stops coming."""
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               b"Content-Length: 1000\r\n\r\n[")  # fmt: skip
            for _ in range(8):
                if stop.wait(0.1):
                    return
                connection.sendall(b" ")
            stop.wait(10)

    with loopback_server(serve) as (url, _):
        yield url
        stop.set()


def test_a_read_that_stalls_near_the_deadline_is_cut_at_the_deadline(
    stalling: str, keep_alive: tuple[str, list[socket.socket]]
) -> None:
    """Each read may wait as long as what was left when the attempt began (1 s here): a stall
    that starts at 0.8 s would end at 1.8 s. The watchdog cuts the socket at the deadline; a call
    without a deadline before it gives it nothing to watch."""
    with Toggl(api_token="t", base_url=keep_alive[0], deadline=None) as unbounded:
        assert unbounded.clients.get(1001, 5).id == 5
    client = Toggl(api_token="t", base_url=stalling, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="deadline of 1 s"):
        client.clients.get(1001, 5)
    assert time.monotonic() - started < 1.5
    client.close()

"""The SDK against servers that misbehave on the wire: a call never outlives its deadline, and an
answer larger than the limit is not read on."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from toggl_track_client import APITimeoutError, AsyncToggl, ResponseTooLargeError, Toggl

from tests.support import CLIENT, Script, answer, loopback_server

HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"


@pytest.fixture
def trickling() -> Iterator[str]:
    """A server that answers every request with a body trickling in, one byte every 0.2 s."""
    stop = threading.Event()

    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(HEAD + b"[")
            while not stop.wait(0.2):
                try:
                    connection.sendall(b" ")
                except OSError:
                    return

    with loopback_server(serve) as (url, _):
        yield url
        stop.set()


def test_a_trickling_body_ends_the_call_at_its_deadline(trickling: str) -> None:
    with Toggl(api_token="t", base_url=trickling, deadline=1.5, timeout=1) as toggl:
        started = time.monotonic()
        with pytest.raises(APITimeoutError, match="deadline of 1.5 s"):
            toggl.clients.list(1001)
    assert time.monotonic() - started < 2.5  # not 0.2 s per byte of 100,000


def test_a_trickling_body_ends_the_async_call_at_its_deadline(trickling: str) -> None:
    async def call() -> None:
        async with AsyncToggl(api_token="t", base_url=trickling, deadline=1.5, timeout=1) as toggl:
            await toggl.clients.list(1001)

    started = time.monotonic()
    with pytest.raises(APITimeoutError, match="deadline of 1.5 s"):
        asyncio.run(call())
    assert time.monotonic() - started < 2.5


def test_a_stalled_body_is_cut_at_the_deadline_not_after_a_read_timeout() -> None:
    def serve(connection: socket.socket) -> None:
        with connection:
            connection.recv(65536)
            connection.sendall(HEAD + b"[")  # then nothing, for longer than any timeout
            time.sleep(10)

    with (
        loopback_server(serve) as (url, _),
        Toggl(api_token="t", base_url=url, deadline=1, timeout=8, max_retries=0) as toggl,
    ):
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            toggl.clients.list(1001)
    assert time.monotonic() - started < 2  # the 8 s read timeout did not decide


def test_an_answer_over_the_size_limit_is_refused_without_being_read() -> None:
    big = [{**CLIENT, "id": i, "notes": "x" * 100} for i in range(1, 200)]
    toggl = Toggl(
        api_token="t", base_url="https://t.test/api/v9", max_response_bytes=10_000,
        transport=Script(answer(200, big)).transport(),
    )  # fmt: skip
    with pytest.raises(ResponseTooLargeError, match="over the limit of 10000 bytes") as raised:
        toggl.clients.list(1001)
    assert raised.value.limit == 10_000


def test_a_streamed_answer_over_the_limit_stops_being_read() -> None:
    # No Content-Length to refuse it by: the body is counted as it arrives, and not read on.
    read: list[int] = []

    def endless() -> Iterator[bytes]:
        yield b"["
        for i in range(1_000_000):
            read.append(i)
            yield b'{"id": 1},'

    def server(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=endless(), headers={"Content-Type": "application/json"})

    toggl = Toggl(
        api_token="t", base_url="https://t.test/api/v9", max_response_bytes=1000,
        transport=httpx.MockTransport(server),
    )  # fmt: skip
    with pytest.raises(ResponseTooLargeError):
        toggl.clients.list(1001)
    assert len(read) < 200

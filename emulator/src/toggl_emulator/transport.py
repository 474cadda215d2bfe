"""httpx transports that hand requests straight to an emulator in the same process: no socket.

    emulator = Emulator()
    http = httpx.Client(base_url="http://toggl.emulator/api/v9", transport=EmulatorTransport(emulator))

The request goes through `Emulator.handle`, the very pipeline the HTTP server runs, without an
event loop, a socket or an ASGI round trip; latency, when configured, is slept here.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from .emulator import Emulator, Reply, Request

BASE_URL = "http://toggl.emulator/api/v9"
"""A base URL for clients bound to an in-process emulator (any host works; this one says what it is)."""


def _request(emulator: Emulator, request: httpx.Request, body: bytes) -> Request:
    if len(body) > emulator.options.max_body_bytes:
        return Request(
            request.method, request.url.path, request.url.query, request.headers.raw, None
        )
    return Request(request.method, request.url.path, request.url.query, request.headers.raw, body)


def _response(reply: Reply, request: httpx.Request) -> httpx.Response:
    if reply.timeout:
        raise httpx.ReadTimeout("the emulator planned no answer (a timeout fault)", request=request)
    return httpx.Response(
        reply.status,
        headers=[(b"content-length", b"%d" % len(reply.body)), *reply.headers],
        content=reply.body,
        request=request,
    )


class EmulatorTransport(httpx.BaseTransport):
    """For `httpx.Client`: each request answered by `emulator.handle` in the calling thread."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        if self.emulator.options.latency_ms:
            time.sleep(self.emulator.options.latency_ms / 1000)
        reply = self.emulator.handle(_request(self.emulator, request, body))
        if reply.delay:
            time.sleep(reply.delay)
        return _response(reply, request)


class AsyncEmulatorTransport(httpx.AsyncBaseTransport):
    """For `httpx.AsyncClient`: the same, with the latency awaited."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.emulator.options.latency_ms:
            await asyncio.sleep(self.emulator.options.latency_ms / 1000)
        reply = self.emulator.handle(_request(self.emulator, request, body))
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return _response(reply, request)

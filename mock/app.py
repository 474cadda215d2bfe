"""The ASGI app of the emulator: routing, the request pipeline, and Toggl-shaped responses.

A request to `/api/v9` passes, in order: the route and method (404, 405 with `Allow` and no body),
latency, authentication (401 without a header, 403 with wrong credentials), the rate limit (429),
the hourly quota (402), random faults (500), the path ids (400), the body (400), then the handler.
Every refusal is a `TogglError`, answered as a bare JSON string.

The app speaks ASGI directly (no framework): long fuzzing and load runs go through it, and a
request costs a third of what a general-purpose router and middleware stack add.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from . import errors
from .errors import TogglError
from .handlers import EMPTY, ROUTES, Call, Operation
from .limits import Faults, HourlyQuota, RateLimiter
from .payloads import INT64_MAX, Body, decode
from .seed import load_seed
from .store import Store, User

API_PREFIX = "/api/v9"
JSON_TYPE = b"application/json; charset=utf-8"
Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
_encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class MockOptions:
    """What `python -m mock` takes as flags; all limits and faults are off by default."""

    seed: Path | str | dict[str, Any] | None = None
    rate_limit: float | None = None  # requests per second per token
    hourly_quota: int | None = None  # requests per user and workspace per sliding hour
    error_rate: float = 0.0  # share of requests answered with a random 500
    fault_seed: int | None = None
    latency_ms: float = 0.0
    max_body_bytes: int = 1 << 20  # [infer] Toggl's limit is not documented
    clock: Callable[[], float] = field(default=time.time)


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: bytes | None = None

    @classmethod
    def json(cls, status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
        return cls(status, _encode_json(value).encode("utf-8"), headers or {}, JSON_TYPE)

    @classmethod
    def error(cls, error: TogglError, headers: dict[str, str] | None = None) -> Reply:
        merged = {**(headers or {}), **error.headers}
        if error.message is None:
            return cls(error.status, headers=merged)
        return cls.json(error.status, error.message, merged)

    async def send(self, send: Send) -> None:
        headers = [(b"content-length", str(len(self.body)).encode())]
        if self.content_type:
            headers.append((b"content-type", self.content_type))
        headers += [(k.lower().encode(), v.encode()) for k, v in self.headers.items()]
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": self.body})


def parse_id(raw: str, name: str) -> int:
    """A path id: decimal digits, 1..2^63-1; anything else is a 400 [infer: the text]."""
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= INT64_MAX:
        return int(raw)
    raise TogglError(400, errors.invalid_parameter(name))


def _route_pattern(path: str) -> re.Pattern[str]:
    """`/workspaces/{workspace_id}/clients` → a regex with a named group per path parameter."""
    parts = (API_PREFIX + path).split("/")
    return re.compile(
        "/".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
        + "$"
    )


@dataclass
class Request:
    scope: Scope
    receive: Receive
    path_params: dict[str, str]

    def header(self, name: bytes) -> str | None:
        for key, value in self.scope["headers"]:
            if key.lower() == name:
                return str(value.decode("latin-1"))
        return None

    def query(self) -> dict[str, str]:
        pairs = parse_qsl(
            self.scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True
        )
        return dict(reversed(pairs))  # the first value of a repeated parameter wins


class Emulator:
    """One emulator instance: its state, its limits, and the ASGI app that serves them."""

    def __init__(self, options: MockOptions) -> None:
        self.options = options
        self.store = Store(load_seed(options.seed), options.clock)
        self.rate_limiter = (
            RateLimiter(options.rate_limit, options.clock) if options.rate_limit else None
        )
        self.quota = (
            HourlyQuota(options.hourly_quota, options.clock) if options.hourly_quota else None
        )
        self.faults = Faults(options.error_rate, options.fault_seed)
        self.routes = [(_route_pattern(path), operations) for path, operations in ROUTES]
        self._users_by_header: dict[str, User] = {}

    def reset(self) -> None:
        self.store.reset()
        self._users_by_header.clear()
        for limit in (self.rate_limiter, self.quota, self.faults):
            if limit is not None:
                limit.reset()

    # --- ASGI -----------------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path.startswith(API_PREFIX + "/"):
            reply = await self._api(scope, receive, path)
        elif path == "/_mock/health":
            reply = (
                Reply.json(200, {"status": "ok"})
                if scope["method"] == "GET"
                else Reply(405, headers={"Allow": "GET"})
            )
        elif path == "/_mock/reset":
            if scope["method"] == "POST":
                self.reset()
                reply = Reply.json(200, {"status": "reset"})
            else:
                reply = Reply(405, headers={"Allow": "POST"})
        else:
            reply = Reply.json(404, errors.NOT_FOUND_ROUTE)
        await reply.send(send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _api(self, scope: Scope, receive: Receive, path: str) -> Reply:
        route = self._route(path)
        if route is None:
            return Reply.json(404, errors.NOT_FOUND_ROUTE)
        operations, path_params = route
        operation = operations.get(scope["method"])
        if operation is None:
            return Reply(405, headers={"Allow": ", ".join(operations)})
        request = Request(scope, receive, path_params)
        quota_headers: dict[str, str] = {}
        try:
            if self.options.latency_ms:
                await asyncio.sleep(self.options.latency_ms / 1000)
            user = self.authenticate(request.header(b"authorization"))
            if self.rate_limiter:
                self.rate_limiter.check(user.id)
            if self.quota:
                quota_headers = self.quota.consume(
                    (user.id, request.path_params.get("workspace_id", "me"))
                )
            self.faults.maybe_fail()
            ids = {name: parse_id(raw, name) for name, raw in request.path_params.items()}
            body = await self.read_body(request, operation)
            result = operation.handler(Call(self.store, user, ids, request.query(), body))
        except TogglError as error:
            return Reply.error(error, quota_headers)
        if result is EMPTY:
            return Reply(200, headers=quota_headers)
        return Reply.json(200, result, quota_headers)

    # --- the steps ----------------------------------------------------------------------------

    def _route(self, path: str) -> tuple[dict[str, Operation], dict[str, str]] | None:
        for pattern, operations in self.routes:
            match = pattern.match(path)
            if match:
                return operations, match.groupdict()
        return None

    def authenticate(self, header: str | None) -> User:
        if header is None:
            raise TogglError(401, None, {"X-Authorization-Missing": "true"})
        user = self._users_by_header.get(header)
        if user is not None:
            return user
        scheme, _, encoded = header.partition(" ")
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        username, separator, password = decoded.partition(":")
        found = self.store.authenticate(username, password) if separator else None
        if scheme.lower() != "basic" or found is None:
            raise TogglError(403, errors.WRONG_CREDENTIALS)
        if len(self._users_by_header) < 1024:  # a cache of good headers, bounded
            self._users_by_header[header] = found
        return found

    async def read_body(self, request: Request, operation: Operation) -> Body | None:
        if operation.body == "none":
            return None
        limit = self.options.max_body_bytes
        declared = request.header(b"content-length") or ""
        if declared.isdigit() and int(declared) > limit:
            raise TogglError(400, errors.BODY_TOO_LARGE)
        chunks, size, more = [], 0, True
        while more:
            message = await request.receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise TogglError(400, errors.BODY_TOO_LARGE)
            chunks.append(chunk)
            more = message.get("more_body", False)
        # Like Toggl's Go backend, the body is read as JSON whatever the Content-Type says [infer].
        return decode(b"".join(chunks), required=operation.body == "required")


def create_app(options: MockOptions | None = None, **overrides: Any) -> Emulator:
    """The emulator as an ASGI app; `overrides` are `MockOptions` fields."""
    return Emulator(replace(options or MockOptions(), **overrides))
